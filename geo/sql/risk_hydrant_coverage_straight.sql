-- Hydrant coverage without pgRouting (the documented fallback of hydrant_coverage).
--
-- Covered land is everything within threshold_m of a working hydrant in a straight line.
-- That overstates reach wherever streets wind, end or are missing (a hose follows the
-- street, not the crow), so the rows say method 'straight_line'. A ward with no gap has
-- no row, as in the network version.

DROP TABLE IF EXISTS pg_temp.fire_covered_land;
CREATE TEMP TABLE fire_covered_land ON COMMIT DROP AS
SELECT 'straight_line'::text AS method, ST_Buffer(ST_Collect(geom), :threshold_m) AS geom
FROM hydrants
WHERE status = 'working';
