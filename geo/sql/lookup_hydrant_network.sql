-- The street network of the hydrant models (fire_network_edges.sql), built over a window
-- around the point (lon, lat): the ways, whole, that a route of at most window_m from
-- it to one of the working hydrants within hydrants_m may use, with those hydrants and the
-- point itself joined to it. Why this window is enough is said in geo/lookup_hydrants.py.
--
-- A point joins the way nearest to it among ALL roads and alleys, not only the window's,
-- and is left out when that way is outside the window: so a point near the window's edge
-- never joins a farther way than it would in the whole network. Hydrants farther than
-- snap_m from every way are left out, as in the models; the asked point always joins.
--
-- Tables left for lookup_hydrant_routes.sql (dropped at commit): those of
-- fire_network_edges.sql, in which the asked point is the joined point with fid 0 (layer
-- fids start at 1).

DROP TABLE IF EXISTS pg_temp.lookup_point;
CREATE TEMP TABLE lookup_point ON COMMIT DROP AS
SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 32648) AS geom;

-- The working hydrants that may come within window_m along the streets: those within
-- hydrants_m in a straight line.
DROP TABLE IF EXISTS pg_temp.lookup_hydrants;
CREATE TEMP TABLE lookup_hydrants ON COMMIT DROP AS
SELECT hydrants.fid, hydrants.code, hydrants.geom
FROM hydrants, lookup_point
WHERE hydrants.status = 'working'
  AND ST_DWithin(hydrants.geom, lookup_point.geom, :hydrants_m);

-- A route of length at most window_m from the point P to a hydrant H passes only through
-- points x with |xP| + |xH| <= window_m (an ellipse around P and H), so a way it uses has
-- dist(way, P) + dist(way, H) <= window_m. 4 m more keeps every way within the 2 m an
-- undershoot is joined across from such a route (2 m more from P and from H), so the
-- network along these routes is noded exactly as the whole district's.
DROP TABLE IF EXISTS pg_temp.fire_ways;
CREATE TEMP TABLE fire_ways ON COMMIT DROP AS
SELECT row_number() OVER () AS way_id, ways.way_layer, ways.fid, part.geom
FROM lookup_point,
     LATERAL (SELECT 'roads' AS way_layer, fid, geom FROM roads
              WHERE ST_DWithin(roads.geom, lookup_point.geom, :window_m + 4.0)
              UNION ALL
              SELECT 'alleys', fid, geom FROM alleys
              WHERE ST_DWithin(alleys.geom, lookup_point.geom, :window_m + 4.0)) AS ways,
     LATERAL ST_Dump(ways.geom) AS part
WHERE ST_Length(part.geom) > 0
  AND EXISTS (SELECT FROM lookup_hydrants AS hydrant
              WHERE ST_Distance(ways.geom, lookup_point.geom)
                    + ST_Distance(ways.geom, hydrant.geom) <= :window_m + 4.0);
CREATE INDEX ON fire_ways USING gist (geom);
ANALYZE fire_ways;

DROP TABLE IF EXISTS pg_temp.fire_hydrant_joins;
CREATE TEMP TABLE fire_hydrant_joins ON COMMIT DROP AS
WITH joining AS (
    SELECT fid, code, geom FROM lookup_hydrants
    UNION ALL
    SELECT 0, NULL, geom FROM lookup_point
)
SELECT joining.fid, joining.code, joining.geom, part.way_id,
       ST_LineLocatePoint(part.geom, joining.geom) AS frac,
       ST_ClosestPoint(part.geom, joining.geom) AS street_point,
       ST_Distance(part.geom, joining.geom) AS snap_m
FROM joining
CROSS JOIN LATERAL (
    SELECT nearest.way_layer, nearest.fid FROM (
        (SELECT 'roads' AS way_layer, fid, geom FROM roads
         ORDER BY roads.geom <-> joining.geom LIMIT 1)
        UNION ALL
        (SELECT 'alleys', fid, geom FROM alleys
         ORDER BY alleys.geom <-> joining.geom LIMIT 1)
    ) AS nearest
    ORDER BY nearest.geom <-> joining.geom
    LIMIT 1
) AS way
CROSS JOIN LATERAL (
    SELECT way_id, geom FROM fire_ways
    WHERE fire_ways.way_layer = way.way_layer AND fire_ways.fid = way.fid
    ORDER BY fire_ways.geom <-> joining.geom
    LIMIT 1
) AS part
WHERE joining.fid = 0 OR ST_DWithin(part.geom, joining.geom, :snap_m);

\ir fire_network_edges.sql
