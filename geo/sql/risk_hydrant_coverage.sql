-- Hydrant coverage along the network built by risk_fire_network.sql.
--
-- pgr_drivingDistance from all joined hydrants at once gives every vertex within
-- threshold_m of its nearest hydrant (the minimum over hydrants is taken here, so the
-- answer does not depend on how equicost breaks ties). An edge is then covered
--   * from its source over the first (threshold_m - d_source) metres,
--   * from its target over the last (threshold_m - d_target) metres,
-- and whole when those two reaches together span its length. Land within reach_m of a
-- covered street part is covered (hose run from the street); the rest of a ward is its
-- gap. A ward with no gap at all has no row: the layer holds areas, and there is none.

DROP TABLE IF EXISTS pg_temp.fire_vertex_reach;
CREATE TEMP TABLE fire_vertex_reach ON COMMIT DROP AS
SELECT reached.node AS vid, min(reached.agg_cost) AS distance
FROM (SELECT array_agg(DISTINCT vid) AS vids FROM fire_hydrant_nodes) AS hydrant,
     LATERAL pgr_drivingDistance('SELECT id, source, target, cost FROM fire_edges',
                                 hydrant.vids, :threshold_m, directed => false) AS reached
-- pgRouting refuses an empty array of start vertices: with no hydrant, nothing is reached.
WHERE hydrant.vids IS NOT NULL
GROUP BY reached.node;

DROP TABLE IF EXISTS pg_temp.fire_covered_streets;
CREATE TEMP TABLE fire_covered_streets ON COMMIT DROP AS
WITH reach AS (
    SELECT edges.id, edges.geom, edges.cost AS length,
           greatest(:threshold_m - coalesce(at_source.distance, 'infinity'), 0) AS from_source,
           greatest(:threshold_m - coalesce(at_target.distance, 'infinity'), 0) AS from_target
    FROM fire_edges AS edges
    LEFT JOIN fire_vertex_reach AS at_source ON at_source.vid = edges.source
    LEFT JOIN fire_vertex_reach AS at_target ON at_target.vid = edges.target
)
SELECT id, geom FROM reach
WHERE from_source + from_target >= length
UNION ALL
SELECT id, ST_LineSubstring(geom, 0, from_source / length) FROM reach
WHERE from_source > 0 AND from_source + from_target < length
UNION ALL
SELECT id, ST_LineSubstring(geom, 1 - from_target / length, 1) FROM reach
WHERE from_target > 0 AND from_source + from_target < length;

-- One buffer of all covered parts together: GEOS dissolves as it buffers, far faster
-- than a union of one buffer per part.
DROP TABLE IF EXISTS pg_temp.fire_covered_land;
-- One row, its geometry NULL when nothing is covered; risk_hydrant_gaps.sql takes it on.
CREATE TEMP TABLE fire_covered_land ON COMMIT DROP AS
SELECT 'network'::text AS method, ST_Buffer(ST_Collect(geom), :reach_m) AS geom
FROM fire_covered_streets;
