-- Each ward's land beyond hydrant reach: the ward minus the covered land that the step
-- before left in fire_covered_land (one row: how it was measured, and the land, NULL when
-- nothing is covered). A ward with no gap has no row: loads never store empty geometries.
SELECT 'ward:' || wards.source_id AS source_id, gap.geom, wards.name AS ward_name,
       ST_Area(gap.geom) AS uncovered_m2,
       100 * ST_Area(gap.geom) / nullif(ST_Area(wards.geom), 0) AS uncovered_pct,
       :threshold_m AS threshold_m, covered.method
FROM wards
CROSS JOIN fire_covered_land AS covered
CROSS JOIN LATERAL (
    SELECT ST_CollectionExtract(
        CASE WHEN covered.geom IS NULL THEN wards.geom
             ELSE ST_Difference(wards.geom, covered.geom) END, 3) AS geom
) AS gap
WHERE NOT ST_IsEmpty(gap.geom)
