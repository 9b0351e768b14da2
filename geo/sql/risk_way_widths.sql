-- The width of every road and alley: width_m where it was measured, otherwise an estimate
-- from the way's kind (width_estimated). Shared by fire_truck_access and
-- building_truck_access. A road without a kind counts as 'road', an alley without one as
-- 'alley'. Keep the table in step with the README ('Width by kind').
--
-- The estimates are the usable width of the carriageway, typical for Ho Chi Minh City:
--   motorway 22, trunk 20, primary 15, secondary 12, tertiary 9: multi-lane through
--     roads, far wider than a truck needs, the exact figure never matters here.
--   unclassified 6, residential 6, road 6: two lanes of about 3 m, the low end for
--     local streets.
--   living_street 4.5: one shared surface, often a wide hẻm given a street status.
--   service 4: driveways and access to estates, car parks and yards, usually one lane of
--     3.5 to 4.5 m. Unnamed hẻm are also often mapped as service: survey widths there.
--   alley 3: a numbered hẻm. Most in the inner districts are 2 to 4 m, and those wide
--     enough for a car (hẻm xe hơi, 4 m or more) are the exception, so 3 m.
--   pedestrian 2, footway 1.5, path 1.5, steps 1.5: walking ways. A pedestrian street
--     may be wider, but bollards and stalls keep vehicles out, so it is counted below
--     truck width, and a truck cannot climb steps at any width.
DROP TABLE IF EXISTS pg_temp.fire_way_widths;
CREATE TEMP TABLE fire_way_widths ON COMMIT DROP AS
WITH width_by_kind (kind, width_m) AS (
    VALUES ('motorway', 22.0), ('trunk', 20.0), ('primary', 15.0), ('secondary', 12.0),
           ('tertiary', 9.0), ('unclassified', 6.0), ('residential', 6.0), ('road', 6.0),
           ('living_street', 4.5), ('service', 4.0), ('alley', 3.0), ('pedestrian', 2.0),
           ('footway', 1.5), ('path', 1.5), ('steps', 1.5)
),
ways AS (
    SELECT 'roads' AS way_layer, fid, source_id, name, NULL::text AS number,
           coalesce(kind, 'road') AS kind, width_m, geom
    FROM roads
    UNION ALL
    SELECT 'alleys', fid, source_id, name, number, coalesce(kind, 'alley'), width_m, geom
    FROM alleys
)
SELECT ways.way_layer, ways.fid AS way_fid, ways.source_id, ways.name, ways.number,
       ways.kind,
       -- A kind outside the table (loaded from another source) counts as the layer's default.
       coalesce(ways.width_m, known.width_m, fallback.width_m) AS width_m,
       ways.width_m IS NULL AS width_estimated, ways.geom
FROM ways
LEFT JOIN width_by_kind AS known ON known.kind = ways.kind
JOIN width_by_kind AS fallback
    ON fallback.kind = CASE ways.way_layer WHEN 'roads' THEN 'road' ELSE 'alley' END;
CREATE INDEX ON fire_way_widths USING gist (geom);
ANALYZE fire_way_widths;
