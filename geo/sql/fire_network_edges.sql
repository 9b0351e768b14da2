-- The noding rules of the street network, shared by risk_fire_network.sql (the whole
-- district) and lookup_hydrant_network.sql (a window around a point). It reads
--   fire_ways(way_id, way_layer, fid, geom)   one row per linestring of a road or alley
--   fire_hydrant_joins(fid, code, geom, way_id, frac, street_point, snap_m)
--       the points to join: each at its street point, a fraction `frac` along a way
-- and cuts the ways into edges at
--   * crossings (hand-drawn data often crosses without a shared vertex),
--   * the street point of each joined point, so its distances start exactly there,
--   * the far end of a short connector from every dangling end that stops just short of
--     another way (undershoots of up to 2 m, a drawing error rather than a real gap).
-- A crossing that is on a bridge and is a vertex of neither way is not a junction: the
-- bridge passes over the other way (OpenStreetMap joins ways that meet at grade with a
-- shared node). Edge ends closer than 1 mm are one vertex.
--
-- Tables left (dropped at commit):
--   fire_edges(id, source, target, cost, geom)   undirected edges, cost = length in m
--   fire_vertices(vid, geom)
--   fire_hydrant_nodes(fid, code, geom, vid, snap_m)   each joined point's vertex

-- Where each way is to be cut, as fractions of its length.
DROP TABLE IF EXISTS pg_temp.fire_cuts;
CREATE TEMP TABLE fire_cuts (way_id bigint, frac float8) ON COMMIT DROP;

-- Crossings and shared vertices. Where two ways overlap, every vertex of the overlap.
INSERT INTO fire_cuts (way_id, frac)
WITH meeting AS (
    SELECT a.way_id AS a_id, b.way_id AS b_id, a.geom AS a_geom, b.geom AS b_geom,
           point.geom AS point
    FROM fire_ways AS a
    JOIN fire_ways AS b ON a.way_id < b.way_id AND ST_Intersects(a.geom, b.geom),
         LATERAL ST_DumpPoints(ST_Intersection(a.geom, b.geom)) AS point
),
junction AS (
    SELECT * FROM meeting
    WHERE ST_Intersects(ST_Points(a_geom), point)
       OR ST_Intersects(ST_Points(b_geom), point)
       OR NOT EXISTS (SELECT FROM bridges WHERE ST_DWithin(bridges.geom, meeting.point, 0.5))
)
SELECT a_id, ST_LineLocatePoint(a_geom, point) FROM junction
UNION ALL
SELECT b_id, ST_LineLocatePoint(b_geom, point) FROM junction;

-- Dangling ends: a way end that touches no other way, with another way within 2 m.
DROP TABLE IF EXISTS pg_temp.fire_connectors;
CREATE TEMP TABLE fire_connectors ON COMMIT DROP AS
WITH ends AS (
    SELECT way_id, ST_StartPoint(geom) AS point FROM fire_ways
    UNION ALL
    SELECT way_id, ST_EndPoint(geom) FROM fire_ways
),
dangling AS (
    SELECT ends.* FROM ends
    WHERE NOT EXISTS (SELECT FROM fire_ways AS other
                      WHERE other.way_id <> ends.way_id
                        AND ST_Intersects(other.geom, ends.point))
)
SELECT nearest.way_id, ST_LineLocatePoint(nearest.geom, dangling.point) AS frac,
       ST_MakeLine(dangling.point, ST_ClosestPoint(nearest.geom, dangling.point)) AS geom
FROM dangling
CROSS JOIN LATERAL (
    SELECT way_id, geom FROM fire_ways AS other
    WHERE other.way_id <> dangling.way_id AND ST_DWithin(other.geom, dangling.point, 2.0)
    ORDER BY other.geom <-> dangling.point
    LIMIT 1
) AS nearest;

INSERT INTO fire_cuts (way_id, frac) SELECT way_id, frac FROM fire_connectors;

INSERT INTO fire_cuts (way_id, frac) SELECT way_id, frac FROM fire_hydrant_joins;

-- The edges: each way from cut to cut, plus the connectors.
DROP TABLE IF EXISTS pg_temp.fire_edges;
CREATE TEMP TABLE fire_edges ON COMMIT DROP AS
WITH fractions AS (
    SELECT way_id, frac FROM fire_cuts
    UNION
    SELECT way_id, 0 FROM fire_ways
    UNION
    SELECT way_id, 1 FROM fire_ways
),
spans AS (
    SELECT way_id, frac AS start_frac,
           lead(frac) OVER (PARTITION BY way_id ORDER BY frac) AS end_frac
    FROM fractions
),
pieces AS (
    SELECT ST_LineSubstring(fire_ways.geom, spans.start_frac, spans.end_frac) AS geom
    FROM spans JOIN fire_ways USING (way_id)
    WHERE spans.end_frac > spans.start_frac
    UNION ALL
    SELECT geom FROM fire_connectors
)
SELECT row_number() OVER () AS id, NULL::bigint AS source, NULL::bigint AS target,
       ST_Length(geom) AS cost, geom
FROM pieces
-- Two cuts a hair apart (a crossing found twice, through coordinates rounded once) give a
-- piece GEOS returns as a point: it has no ends to join, and its neighbours meet anyway.
WHERE GeometryType(geom) = 'LINESTRING';

-- Vertices: edge ends within 1 mm of each other are one.
DROP TABLE IF EXISTS pg_temp.fire_edge_ends;
CREATE TEMP TABLE fire_edge_ends ON COMMIT DROP AS
WITH ends AS (
    SELECT id, true AS is_start, ST_StartPoint(geom) AS geom FROM fire_edges
    UNION ALL
    SELECT id, false, ST_EndPoint(geom) FROM fire_edges
)
SELECT id, is_start, geom,
       (1 + ST_ClusterDBSCAN(geom, eps => 0.001, minpoints => 1) OVER ())::bigint AS vid
FROM ends;

UPDATE fire_edges SET source = ends.vid
FROM fire_edge_ends AS ends WHERE ends.id = fire_edges.id AND ends.is_start;
UPDATE fire_edges SET target = ends.vid
FROM fire_edge_ends AS ends WHERE ends.id = fire_edges.id AND NOT ends.is_start;
-- An edge shorter than the 1 mm tolerance is a loop on one vertex: it carries nothing.
-- (A longer loop, such as a closed way joined at one point, stays: its land is covered.)
DELETE FROM fire_edges WHERE source = target AND cost < 0.001;
CREATE INDEX ON fire_edges USING gist (geom);
ANALYZE fire_edges;

DROP TABLE IF EXISTS pg_temp.fire_vertices;
CREATE TEMP TABLE fire_vertices ON COMMIT DROP AS
SELECT DISTINCT ON (vid) vid, geom FROM fire_edge_ends ORDER BY vid;
CREATE INDEX ON fire_vertices USING gist (geom);
ANALYZE fire_vertices;

-- Each joined hydrant's vertex: the one at its street point (the ways were cut there).
DROP TABLE IF EXISTS pg_temp.fire_hydrant_nodes;
CREATE TEMP TABLE fire_hydrant_nodes ON COMMIT DROP AS
SELECT joins.fid, joins.code, joins.geom, joins.snap_m, vertex.vid
FROM fire_hydrant_joins AS joins
CROSS JOIN LATERAL (
    SELECT vid FROM fire_vertices
    ORDER BY fire_vertices.geom <-> joins.street_point
    LIMIT 1
) AS vertex;
