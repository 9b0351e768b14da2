-- The width of every road and alley: width_m where it was measured, otherwise an estimate
-- from the way's kind (width_estimated). Shared by fire_truck_access and
-- building_truck_access. A road without a kind counts as 'road', an alley without one as
-- 'alley'. The table of widths by kind is the SQL function urbanmap_estimated_width
-- (migration 0005, where each figure is explained), which the way lookup uses too.
DROP TABLE IF EXISTS pg_temp.fire_way_widths;
CREATE TEMP TABLE fire_way_widths ON COMMIT DROP AS
WITH ways AS (
    SELECT 'roads' AS way_layer, fid, source_id, name, NULL::text AS number,
           coalesce(kind, 'road') AS kind, width_m, geom
    FROM roads
    UNION ALL
    SELECT 'alleys', fid, source_id, name, number, coalesce(kind, 'alley'), width_m, geom
    FROM alleys
)
SELECT ways.way_layer, ways.fid AS way_fid, ways.source_id, ways.name, ways.number,
       ways.kind,
       coalesce(ways.width_m, urbanmap_estimated_width(ways.way_layer, ways.kind)) AS width_m,
       ways.width_m IS NULL AS width_estimated, ways.geom
FROM ways;
CREATE INDEX ON fire_way_widths USING gist (geom);
ANALYZE fire_way_widths;
