-- Flood zones along rivers and canals (see geo/risk_flood.py).
-- The water is the water areas plus each waterway's channel (half its width either side
-- of the centre line, at least 1 m), simplified to 1 m: bands of tens of metres do not
-- need survey-grade shorelines, and buffering the full river outline is the slow part.
DROP TABLE IF EXISTS pg_temp.flood_band;
CREATE TEMP TABLE flood_band ON COMMIT DROP AS
WITH water AS (
    SELECT ST_SimplifyPreserveTopology(ST_Union(part), 1.0) AS geom
    FROM (SELECT geom AS part FROM water_areas
          UNION ALL
          SELECT ST_Buffer(geom, greatest(coalesce(width_m, 0) / 2, 1.0), 'endcap=flat')
          FROM waterways) AS parts
),
district AS (
    SELECT ST_Union(geom) AS geom FROM wards
),
reach AS (
    SELECT ST_Buffer(water.geom, :high_m) AS high, ST_Buffer(water.geom, :medium_m) AS medium,
           water.geom AS water
    FROM water WHERE water.geom IS NOT NULL
)
SELECT band, within_m,
       -- Without wards there is no district to clip to: keep the whole band.
       CASE WHEN district.geom IS NULL THEN zone ELSE ST_Intersection(zone, district.geom) END
           AS geom
FROM reach, district,
     LATERAL (VALUES ('high', :high_m, ST_Difference(reach.high, reach.water)),
                     ('medium', :medium_m, ST_Difference(reach.medium, reach.high)))
         AS bands(band, within_m, zone)
WHERE :medium_m > :high_m OR band = 'high';

-- Ground known to be low or high: the Voronoi cell of each spot height, cut to
-- elevation_reach_m around it (a height says nothing about ground far away).
DROP TABLE IF EXISTS pg_temp.flood_ground;
CREATE TEMP TABLE flood_ground ON COMMIT DROP AS
WITH cells AS (
    SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(geom)))).geom AS cell
    FROM spot_heights
    HAVING count(*) > 0
),
cell_heights AS (
    SELECT ST_Intersection(cells.cell, ST_Buffer(s.geom, :elevation_reach_m)) AS geom,
           CASE WHEN s.elevation_m <= :low_ground_m THEN 'raised'
                WHEN s.elevation_m >= :high_ground_m THEN 'lowered' END AS effect
    FROM cells JOIN spot_heights AS s ON ST_Intersects(cells.cell, s.geom)
)
SELECT effect, ST_Union(geom) AS geom
FROM cell_heights WHERE effect IS NOT NULL
GROUP BY effect;

-- Each band split by the ground under it; the level moves one step per effect.
WITH split AS (
    SELECT b.band, b.within_m, g.effect, ST_Intersection(b.geom, g.geom) AS geom
    FROM flood_band AS b JOIN flood_ground AS g ON ST_Intersects(b.geom, g.geom)
    UNION ALL
    SELECT b.band, b.within_m, NULL,
           coalesce(ST_Difference(b.geom, (SELECT ST_Union(geom) FROM flood_ground)), b.geom)
    FROM flood_band AS b
),
parts AS (
    SELECT band, within_m, effect,
           ST_CollectionExtract(ST_MakeValid(geom), 3) AS geom
    FROM split
)
SELECT band || ':' || coalesce(effect, 'as_band') AS source_id,
       geom,
       CASE WHEN effect = 'raised' THEN 'high'
            WHEN effect = 'lowered' AND band = 'high' THEN 'medium'
            WHEN effect = 'lowered' THEN 'low'
            ELSE band END AS level,
       band, within_m, effect AS elevation_effect
FROM parts
WHERE NOT ST_IsEmpty(geom)
