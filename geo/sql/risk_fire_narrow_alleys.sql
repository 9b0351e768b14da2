-- Ways narrower than a fire truck needs, from the widths of risk_way_widths.sql. All
-- kinds are listed, footways too: the kind column says which are streets a truck would
-- try, and which are walking ways it never could use.
SELECT way_layer || ':' || source_id AS source_id, geom, name, number, way_layer, way_fid,
       kind, width_m, width_estimated, :min_width_m AS min_width_m
FROM fire_way_widths
WHERE width_m < :min_width_m;
