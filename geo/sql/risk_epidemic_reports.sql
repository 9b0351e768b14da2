-- Each ward report's ward (see geo/risk_epidemic.py): by code when both have one, else by
-- name as search folds it (urbanmap_search_key, migrations 0004 and 0007: no case, no
-- diacritics, no "Phường"/"P.", no leading zeros), so that "P. Tân Thuận Đông", "phường tân
-- thuận đông" and "Tan Thuan Dong" are all the ward "Phường Tân Thuận Đông", and "P.7" is
-- "Phường 07". Two wards a report could name: the first. A report that names no ward keeps
-- a NULL ward_fid: the levels leave it out, and the load of the reports says so
-- (risk_epidemic_left_out.sql).
--
-- Table left for the next step (dropped at commit):
--   epidemic_reports(fid, ward_name, report_date, new_cases, fully_vaccinated, ward_fid)
DROP TABLE IF EXISTS pg_temp.epidemic_reports;
CREATE TEMP TABLE epidemic_reports ON COMMIT DROP AS
WITH ward_keys AS MATERIALIZED (
    SELECT fid, code, urbanmap_search_key(name) AS name_key FROM wards
),
report_keys AS (  -- each report's key once, not once per ward it is compared with
    SELECT fid, ward_name, nullif(ward_code, '') AS ward_code, report_date, new_cases,
           fully_vaccinated, urbanmap_search_key(ward_name) AS name_key
    FROM ward_epidemic
    WHERE report_date IS NOT NULL
)
SELECT r.fid, r.ward_name, r.report_date, r.new_cases, r.fully_vaccinated,
       (SELECT w.fid FROM ward_keys AS w
        WHERE CASE WHEN r.ward_code IS NOT NULL AND w.code IS NOT NULL
                   THEN w.code = r.ward_code
                   ELSE w.name_key = r.name_key END
        ORDER BY w.fid LIMIT 1) AS ward_fid
FROM report_keys AS r;
