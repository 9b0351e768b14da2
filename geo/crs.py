"""Coordinate systems.

Storage: every geometry is kept in WGS 84 / UTM zone 48N (EPSG:32648), the metric grid that
covers Ho Chi Minh City. Distances, buffers and areas are then true metres with no cast or
transform (150 m hydrant spacing, 3.5 m alley widths, flood bands), and every index serves
them. Each spatial table also keeps a stored copy in Web Mercator (EPSG:3857), computed by
the database from the UTM geometry, because vector tiles are cut in Web Mercator: tile
queries then read an indexed column with no per-request transform. The copy costs disk,
not correctness, since it is derived and can never disagree with the UTM geometry.
"""

STORAGE_SRID = 32648
TILE_SRID = 3857
WGS84_SRID = 4326
