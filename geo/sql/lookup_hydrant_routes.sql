-- From the asked point (fid 0 of lookup_hydrant_network.sql) to every hydrant joined to the
-- window's network: the distance along it and the route, in WGS 84 GeoJSON. The route is
-- the straight step from the point to its street point, the edges of pgRouting's shortest
-- path, each turned to run the way it is walked, and the step from the hydrant's street
-- point to the hydrant; its length is network_m. Hydrants on another piece of the network
-- have no row.
WITH start AS (
    SELECT nodes.vid, nodes.snap_m, nodes.geom, vertex.geom AS vertex_geom
    FROM fire_hydrant_nodes AS nodes
    JOIN fire_vertices AS vertex USING (vid)
    WHERE nodes.fid = 0
),
targets AS (
    SELECT array_agg(DISTINCT vid) AS vids FROM fire_hydrant_nodes WHERE fid <> 0
),
steps AS (
    SELECT path.end_vid, path.path_seq, edges.cost,
           CASE WHEN path.node = edges.source THEN edges.geom
                ELSE ST_Reverse(edges.geom) END AS geom
    FROM start, targets,
         LATERAL pgr_dijkstra('SELECT id, source, target, cost FROM fire_edges',
                              start.vid, targets.vids, directed => false) AS path
    JOIN fire_edges AS edges ON edges.id = path.edge
    -- pgRouting refuses an empty array: no hydrant joined, no paths.
    WHERE targets.vids IS NOT NULL
),
paths AS (
    SELECT end_vid, sum(cost) AS cost, ST_MakeLine(geom ORDER BY path_seq) AS geom
    FROM steps
    GROUP BY end_vid
)
SELECT hydrant.fid,
       start.snap_m + coalesce(paths.cost, 0) + hydrant.snap_m AS network_m,
       -- A point or hydrant standing on the street repeats its street point: drawn once.
       ST_AsGeoJSON(ST_Transform(ST_RemoveRepeatedPoints(ST_MakeLine(ARRAY[
           start.geom, coalesce(paths.geom, start.vertex_geom), hydrant.geom])), 4326),
           :decimals) AS route
FROM fire_hydrant_nodes AS hydrant
CROSS JOIN start
LEFT JOIN paths ON paths.end_vid = hydrant.vid
-- pgRouting gives no path to the start itself: a hydrant joined at the point's own vertex.
WHERE hydrant.fid <> 0 AND (paths.end_vid IS NOT NULL OR hydrant.vid = start.vid)
