-- Apartment blocks with no working hydrant within threshold_m along the network built by
-- risk_fire_network.sql.
--
-- A block joins the network at the street point nearest to it, and at the nearest point
-- of every other edge within snap_m: the nearest way may be a footway inside the estate
-- that joins no street, while the street in front, a little farther, does. The hose
-- takes the best of them. From a street point somewhere along an edge, the way to a
-- hydrant leaves by one of the edge's two ends, so the distance to a hydrant is the least,
-- over the block's street points, of
--   step (block to the street point, straight)
--   + min(d(hydrant, source) + along, d(hydrant, target) + (length - along))
-- with d from pgr_dijkstraCost, which has no limit: a listed block still gets the distance
-- to its nearest hydrant, however far. The nearest hydrant is the nearest along the
-- network; when no hydrant can be reached that way (none joined, or another piece of the
-- network), the nearest in a straight line, with no network distance.

DROP TABLE IF EXISTS pg_temp.fire_block_joins;
CREATE TEMP TABLE fire_block_joins ON COMMIT DROP AS
SELECT apartments.fid, nearest.source, nearest.target, nearest.cost AS length,
       nearest.cost * ST_LineLocatePoint(nearest.geom,
                                         ST_ClosestPoint(nearest.geom, apartments.geom))
           AS along,
       ST_Distance(nearest.geom, apartments.geom) AS step
FROM apartments
CROSS JOIN LATERAL (
    SELECT source, target, cost, geom FROM fire_edges
    WHERE ST_DWithin(fire_edges.geom, apartments.geom, :snap_m)
    UNION
    (SELECT source, target, cost, geom FROM fire_edges
     ORDER BY fire_edges.geom <-> apartments.geom
     LIMIT 1)
) AS nearest;

-- Network distance from each joined hydrant to each edge end where a block joins.
-- pgr_dijkstraCost leaves out a hydrant's distance to its own vertex: that is 0.
DROP TABLE IF EXISTS pg_temp.fire_hydrant_costs;
CREATE TEMP TABLE fire_hydrant_costs ON COMMIT DROP AS
WITH ends AS (
    SELECT array_agg(DISTINCT vid) AS vids
    FROM (SELECT source AS vid FROM fire_block_joins
          UNION ALL
          SELECT target FROM fire_block_joins) AS block_ends
),
hydrant AS (
    SELECT array_agg(DISTINCT vid) AS vids FROM fire_hydrant_nodes
)
SELECT costs.start_vid AS hydrant_vid, costs.end_vid AS vid, costs.agg_cost AS distance
FROM hydrant, ends,
     LATERAL pgr_dijkstraCost('SELECT id, source, target, cost FROM fire_edges',
                              hydrant.vids, ends.vids, directed => false) AS costs
-- pgRouting refuses empty arrays: no hydrant or no block, no distances.
WHERE hydrant.vids IS NOT NULL AND ends.vids IS NOT NULL
UNION ALL
SELECT vid, vid, 0 FROM fire_hydrant_nodes;

DROP TABLE IF EXISTS pg_temp.fire_block_nearest;
CREATE TEMP TABLE fire_block_nearest ON COMMIT DROP AS
WITH by_network AS (
    SELECT DISTINCT ON (joins.fid) joins.fid, hydrants.fid AS hydrant_fid,
           joins.step + least(at_source.distance + joins.along,
                              at_target.distance + joins.length - joins.along) AS distance
    FROM fire_block_joins AS joins
    JOIN fire_hydrant_nodes AS hydrants ON true
    LEFT JOIN fire_hydrant_costs AS at_source
        ON at_source.hydrant_vid = hydrants.vid AND at_source.vid = joins.source
    LEFT JOIN fire_hydrant_costs AS at_target
        ON at_target.hydrant_vid = hydrants.vid AND at_target.vid = joins.target
    WHERE at_source.distance IS NOT NULL OR at_target.distance IS NOT NULL
    ORDER BY joins.fid, distance, hydrants.code
)
SELECT apartments.fid, coalesce(by_network.hydrant_fid, straight.fid) AS hydrant_fid,
       by_network.distance AS network_distance_m
FROM apartments
LEFT JOIN by_network ON by_network.fid = apartments.fid
LEFT JOIN LATERAL (
    SELECT fid FROM hydrants
    WHERE status = 'working'
    ORDER BY hydrants.geom <-> apartments.geom, code
    LIMIT 1
) AS straight ON true;

SELECT 'apartments:' || apartments.source_id AS source_id, apartments.geom,
       apartments.name, apartments.fid AS apartment_fid, hydrants.code AS nearest_hydrant,
       nearest.network_distance_m,
       ST_Distance(apartments.geom, hydrants.geom) AS straight_distance_m,
       :threshold_m AS threshold_m
FROM apartments
JOIN fire_block_nearest AS nearest USING (fid)
LEFT JOIN hydrants ON hydrants.fid = nearest.hydrant_fid
WHERE nearest.network_distance_m IS NULL OR nearest.network_distance_m > :threshold_m;
