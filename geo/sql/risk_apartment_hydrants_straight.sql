-- Apartment blocks with no working hydrant within threshold_m, without pgRouting (the
-- documented fallback of apartment_hydrants): straight-line distance from the block to
-- the nearest working hydrant. There is no network distance, so network_distance_m is
-- empty on every row.

SELECT 'apartments:' || apartments.source_id AS source_id, apartments.geom,
       apartments.name, apartments.fid AS apartment_fid, nearest.code AS nearest_hydrant,
       NULL::float8 AS network_distance_m, nearest.distance AS straight_distance_m,
       :threshold_m AS threshold_m
FROM apartments
LEFT JOIN LATERAL (
    SELECT code, ST_Distance(hydrants.geom, apartments.geom) AS distance
    FROM hydrants
    WHERE status = 'working'
    ORDER BY hydrants.geom <-> apartments.geom, code
    LIMIT 1
) AS nearest ON true
WHERE nearest.distance IS NULL OR nearest.distance > :threshold_m;
