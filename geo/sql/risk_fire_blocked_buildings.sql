-- Buildings a fire truck can reach only through narrow ways, from the widths of
-- risk_way_widths.sql.
--
-- The truck network: ways at least min_width_m wide that connect to the main roads. Wide
-- ways are grouped into pieces that touch (within 2 m, the undershoot tolerance of
-- risk_fire_network.sql); a piece belongs to the truck network when it holds a through
-- road (tertiary or above: the roads a truck comes in on from the station), and the
-- longest piece always does, so a district mapped without road classes still has one. A
-- wide way in any other piece (a car park or estate road behind a narrow hẻm) is reached
-- only through narrow ways, and counts with them. Bridges that pass over a road touch it
-- here; that joins nothing that their ends do not join already.
--
-- A building within access_m of such a way, and farther than access_m from the truck
-- network, is blocked. `via` names the way it is reached by: the nearest narrow way
-- within access_m (the nearest wide way cut off from the network when there is none).
DROP TABLE IF EXISTS pg_temp.fire_wide_pieces;
CREATE TEMP TABLE fire_wide_pieces ON COMMIT DROP AS
SELECT way_layer, way_fid, kind, geom,
       ST_ClusterDBSCAN(geom, eps => 2.0, minpoints => 1) OVER () AS piece
FROM fire_way_widths
WHERE width_m >= :min_width_m;

DROP TABLE IF EXISTS pg_temp.fire_truck_ways;
CREATE TEMP TABLE fire_truck_ways ON COMMIT DROP AS
WITH main_pieces AS (
    SELECT piece FROM fire_wide_pieces
    WHERE way_layer = 'roads'
      AND kind IN ('motorway', 'trunk', 'primary', 'secondary', 'tertiary')
    UNION
    (SELECT piece FROM fire_wide_pieces
     GROUP BY piece
     ORDER BY sum(ST_Length(geom)) DESC, piece
     LIMIT 1)
)
SELECT way_layer, way_fid, geom FROM fire_wide_pieces
WHERE piece IN (SELECT piece FROM main_pieces);
CREATE INDEX ON fire_truck_ways USING gist (geom);
ANALYZE fire_truck_ways;

DROP TABLE IF EXISTS pg_temp.fire_cut_off_ways;
CREATE TEMP TABLE fire_cut_off_ways ON COMMIT DROP AS
SELECT ways.* FROM fire_way_widths AS ways
WHERE NOT EXISTS (SELECT FROM fire_truck_ways AS truck
                  WHERE truck.way_layer = ways.way_layer AND truck.way_fid = ways.way_fid);
CREATE INDEX ON fire_cut_off_ways USING gist (geom);
ANALYZE fire_cut_off_ways;

SELECT 'apartments:' || apartments.source_id AS source_id, apartments.geom,
       apartments.name, 'apartments' AS building_layer, apartments.fid AS building_fid,
       via.via, via.width_m AS via_width_m, truck.distance AS truck_distance_m
FROM apartments
CROSS JOIN LATERAL (
    SELECT coalesce(ways.name, ways.number,
                    'unnamed ' || ways.kind || ' (' || ways.source_id || ')') AS via,
           ways.width_m
    FROM fire_cut_off_ways AS ways
    WHERE ST_DWithin(ways.geom, apartments.geom, :access_m)
    ORDER BY ways.width_m >= :min_width_m, ST_Distance(ways.geom, apartments.geom),
             ways.source_id
    LIMIT 1
) AS via
LEFT JOIN LATERAL (
    SELECT ST_Distance(truck.geom, apartments.geom) AS distance
    FROM fire_truck_ways AS truck
    ORDER BY truck.geom <-> apartments.geom
    LIMIT 1
) AS truck ON true
WHERE truck.distance IS NULL OR truck.distance > :access_m;
