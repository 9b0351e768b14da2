-- The street network the hydrant models measure along (see geo/risk_fire.py): every road
-- and alley of the district, and every working hydrant joined to it. The noding rules are
-- in fire_network_edges.sql, shared with the hydrant lookup (geo/lookup_hydrants.py),
-- which builds the same network over a window around a point.
--
-- Every road and alley counts, footways included: hose is laid and carried along any way,
-- in either direction, whatever a one-way sign says.
--
-- Tables left for the next step (dropped at commit):
--   fire_edges(id, source, target, cost, geom)   undirected edges, cost = length in m
--   fire_vertices(vid, geom)
--   fire_hydrant_nodes(fid, code, geom, vid, snap_m)   working hydrants within snap_m

-- The ways, one row per linestring (a MultiLineString road may have several parts).
DROP TABLE IF EXISTS pg_temp.fire_ways;
CREATE TEMP TABLE fire_ways ON COMMIT DROP AS
SELECT row_number() OVER () AS way_id, ways.way_layer, ways.fid, part.geom
FROM (SELECT 'roads' AS way_layer, fid, geom FROM roads
      UNION ALL
      SELECT 'alleys', fid, geom FROM alleys) AS ways,
     LATERAL ST_Dump(ways.geom) AS part
WHERE ST_Length(part.geom) > 0;
CREATE INDEX ON fire_ways USING gist (geom);
ANALYZE fire_ways;

-- Working hydrants join the way nearest to them, unless every way is farther than snap_m
-- (a hydrant in a yard with no street to it serves nobody on the network).
DROP TABLE IF EXISTS pg_temp.fire_hydrant_joins;
CREATE TEMP TABLE fire_hydrant_joins ON COMMIT DROP AS
SELECT hydrants.fid, hydrants.code, hydrants.geom, nearest.way_id,
       ST_LineLocatePoint(nearest.geom, hydrants.geom) AS frac,
       ST_ClosestPoint(nearest.geom, hydrants.geom) AS street_point,
       ST_Distance(nearest.geom, hydrants.geom) AS snap_m
FROM hydrants
CROSS JOIN LATERAL (
    SELECT way_id, geom FROM fire_ways ORDER BY fire_ways.geom <-> hydrants.geom LIMIT 1
) AS nearest
WHERE hydrants.status = 'working' AND ST_DWithin(nearest.geom, hydrants.geom, :snap_m);

\ir fire_network_edges.sql
