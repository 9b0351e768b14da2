-- The reports the levels leave out because they name no ward (risk_epidemic_reports.sql):
-- how many, and the first few names as written.
SELECT count(*) AS reports,
       (array_agg(DISTINCT coalesce(ward_name, '(no name)')))[1:3] AS examples
FROM epidemic_reports
WHERE ward_fid IS NULL
