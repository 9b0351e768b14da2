-- Each ward's epidemic level for each reported day (see geo/risk_epidemic.py), from the
-- reports matched to their wards by risk_epidemic_reports.sql. Several reports of one ward
-- and day are added up: two sources whose files give report ids of their own. A file
-- without ids has one report per ward and day, however the ward is written (the layer's
-- natural key, loaders.values.natural_ids): a correction replaces the report it corrects.
WITH daily AS (
    SELECT ward_fid, report_date,
           sum(new_cases) AS new_cases,
           max(fully_vaccinated) AS fully_vaccinated
    FROM epidemic_reports
    WHERE ward_fid IS NOT NULL
    GROUP BY ward_fid, report_date
),
weekly AS (
    -- A calendar window, not seven rows: a day without a report counts as no cases.
    SELECT ward_fid, report_date, fully_vaccinated,
           sum(new_cases) OVER (PARTITION BY ward_fid ORDER BY report_date
                                RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW
                               ) AS cases_7d
    FROM daily
),
rated AS (
    SELECT weekly.*, w.name AS ward_name, w.population, w.geom,
           weekly.cases_7d * 100000.0 / nullif(w.population, 0) AS rate_per_100k,
           100.0 * weekly.fully_vaccinated / nullif(w.population, 0) AS vaccinated_pct
    FROM weekly JOIN wards AS w ON w.fid = weekly.ward_fid
),
rated_level AS (
    SELECT rated.*,
           CASE WHEN rate_per_100k >= :level4_rate THEN 4
                WHEN rate_per_100k >= :level3_rate THEN 3
                WHEN rate_per_100k >= :level2_rate THEN 2
                WHEN rate_per_100k IS NOT NULL THEN 1 END AS rate_level
    FROM rated
),
leveled AS (
    -- least() skips NULLs: an unknown rate must stay an unknown level, not become 4.
    SELECT rated_level.*,
           CASE WHEN rate_level IS NOT NULL THEN least(4, rate_level + CASE
                    WHEN vaccinated_pct < :vaccination_target_pct THEN 1 ELSE 0 END) END
               AS level
    FROM rated_level
)
SELECT ward_fid || ':' || report_date AS source_id,
       geom, ward_name, report_date, cases_7d::integer AS cases_7d, population,
       round(rate_per_100k::numeric, 1)::double precision AS rate_per_100k,
       round(vaccinated_pct::numeric, 1)::double precision AS vaccinated_pct,
       level,
       CASE level WHEN 1 THEN 'Nguy cơ thấp (bình thường mới)'
                  WHEN 2 THEN 'Nguy cơ trung bình'
                  WHEN 3 THEN 'Nguy cơ cao'
                  WHEN 4 THEN 'Nguy cơ rất cao' END AS level_name
FROM leveled
