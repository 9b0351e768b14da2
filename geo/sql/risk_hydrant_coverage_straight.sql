-- Hydrant coverage without pgRouting (the documented fallback of hydrant_coverage).
--
-- Covered land is everything within threshold_m of a working hydrant in a straight line.
-- That overstates reach wherever streets wind, end or are missing (a hose follows the
-- street, not the crow), so the rows say method 'straight_line'. A ward with no gap has
-- no row, as in the network version.

DROP TABLE IF EXISTS pg_temp.fire_covered_land;
CREATE TEMP TABLE fire_covered_land ON COMMIT DROP AS
SELECT ST_Buffer(ST_Collect(geom), :threshold_m) AS geom
FROM hydrants
WHERE status = 'working'
HAVING count(*) > 0;

SELECT 'ward:' || wards.source_id AS source_id, gap.geom, wards.name AS ward_name,
       ST_Area(gap.geom) AS uncovered_m2,
       100 * ST_Area(gap.geom) / nullif(ST_Area(wards.geom), 0) AS uncovered_pct,
       :threshold_m AS threshold_m, 'straight_line' AS method
FROM wards
LEFT JOIN fire_covered_land AS covered ON true
CROSS JOIN LATERAL (
    SELECT ST_CollectionExtract(
        CASE WHEN covered.geom IS NULL THEN wards.geom
             ELSE ST_Difference(wards.geom, covered.geom) END, 3) AS geom
) AS gap
WHERE NOT ST_IsEmpty(gap.geom);
