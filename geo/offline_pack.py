"""Offline packs for field teams: the map as vector tiles (MBTiles, and PMTiles) plus the
assets as a GeoPackage, for a ward or the whole district, ready for QField or any
MBTiles/PMTiles viewer with no network.

The tiles are the service's own: the composite tile of every spatial layer, rendered by
`geo.tiles.render_tile` (the SQL the map service runs), at each zoom from the layers' lowest
`minzoom` to `maxzoom` (16 by default; viewers overzoom beyond it), for every tile that
touches the area (the ward, or the district: the union of its wards with interior gaps
filled). MBTiles 1.3: gzip-compressed PBF, TMS row order (row 0 in the south), and the
metadata table with name, format, bounds, center, minzoom, maxzoom, json (vector_layers),
attribution. The PMTiles file is converted from it by the `pmtiles` package.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Engine, func, select

from geo.catalog import data_versions
from geo.crs import STORAGE_SRID, TILE_SRID, WGS84_SRID
from geo.errors import InvalidInput
from geo.export import SPATIAL_LAYERS, build_request, find_ward
from geo.export_formats import safe_file_stem
from geo.export_package import LICENCE, Artefact, Progress, run_export
from geo.queries import sql_file
from geo.schema import LAYER_TABLES
from geo.tiles import WEB_MERCATOR_HALF_WORLD, render_tile, tile_range

DEFAULT_MAXZOOM = 16
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
MVT_TYPES = {"text": "String", "integer": "Number", "real": "Number", "date": "String",
             "boolean": "Boolean"}


@dataclass(frozen=True)
class Area:
    """Where a pack covers: a ward or the district, in Web Mercator and as a lon/lat box."""

    name: str
    mercator: BaseGeometry
    bounds: tuple[float, float, float, float]
    ward: str | None  # the ward as asked, for the GeoPackage's export


@dataclass(frozen=True)
class Pack:
    mbtiles: Path
    pmtiles: Path | None
    geopackage: Artefact
    tiles: int
    zooms: tuple[int, int]
    area: Area


def pack_area(conn: Connection, ward: str | None) -> Area:
    if ward:
        found = find_ward(conn, ward)
        wards = LAYER_TABLES["wards"]
        ewkb = conn.execute(select(func.ST_AsEWKB(wards.c.geom)).where(wards.c.fid == found.fid)
                            ).scalar_one()
        name = found.name
    else:
        ewkb = conn.execute(sql_file("district_outline")).scalar()
        name = "District 7 (Quận 7)"
    if ewkb is None:
        raise InvalidInput("No wards are loaded, so the district has no outline to pack: "
                           "load the wards first (urbanmap sample, or urbanmap load wards …).")
    storage = shapely.from_wkb(bytes(ewkb))
    mercator = _reprojected(storage, TILE_SRID)
    return Area(name, mercator, tuple(_reprojected(storage, WGS84_SRID).bounds), ward)


def _reprojected(geometry: BaseGeometry, srid: int) -> BaseGeometry:
    transformer = Transformer.from_crs(STORAGE_SRID, srid, always_xy=True)
    return shapely.transform(geometry, lambda *xy: transformer.transform(*xy),
                             interleaved=False)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """An XYZ tile's Web Mercator bounds.

    >>> [round(v) for v in tile_bounds(1, 0, 0)]
    [-20037508, 0, 0, 20037508]
    """
    size = 2 * WEB_MERCATOR_HALF_WORLD / 2**z
    west, north = -WEB_MERCATOR_HALF_WORLD + x * size, WEB_MERCATOR_HALF_WORLD - y * size
    return west, north - size, west + size, north


def tiles_over(area: Area, z: int) -> Iterator[tuple[int, int]]:
    """The XYZ tiles of zoom z that touch the area."""
    min_x, min_y, max_x, max_y = tile_range(area.bounds, z)
    shapely.prepare(area.mercator)
    for x in range(min_x, max_x + 1):
        for y in range(min_y, max_y + 1):
            if area.mercator.intersects(shapely.box(*tile_bounds(z, x, y))):
                yield x, y


def tms_row(z: int, y: int) -> int:
    """MBTiles counts rows from the south (TMS); XYZ from the north.

    >>> tms_row(14, 7700), tms_row(0, 0)
    (8683, 0)
    """
    return 2**z - 1 - y


def write_mbtiles(engine: Engine, area: Area, path: Path, minzoom: int, maxzoom: int,
                  progress: Progress | None = None) -> int:
    """Render and store every tile over the area; the number of (non-empty) tiles stored."""
    plan = {z: list(tiles_over(area, z)) for z in range(minzoom, maxzoom + 1)}
    if progress is not None:
        progress.start("tiles", sum(len(tiles) for tiles in plan.values()))
    stored = 0
    path.unlink(missing_ok=True)
    with engine.connect() as conn, closing(sqlite3.connect(path)) as db, db:
        db.executescript(MBTILES_SCHEMA)
        db.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)",
                       _metadata(area, minzoom, maxzoom, data_versions(conn)).items())
        for z, tiles in plan.items():
            for x, y in tiles:
                tile = render_tile(conn, SPATIAL_LAYERS, z, x, y)
                if tile:
                    db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                               (z, x, tms_row(z, y), gzip.compress(tile, 6)))
                    stored += 1
                if progress is not None:
                    progress.advance(1)
    return stored


def _metadata(area: Area, minzoom: int, maxzoom: int, versions: dict[str, int]
              ) -> dict[str, str]:
    west, south, east, north = area.bounds
    centre_zoom = min(max(minzoom, 14), maxzoom)
    vector_layers = [{
        "id": spec.id, "description": spec.description, "minzoom": spec.minzoom,
        "maxzoom": spec.maxzoom,
        "fields": {name: MVT_TYPES[spec.field(name).type] for name in spec.property_names},
    } for spec in SPATIAL_LAYERS]
    return {
        "name": f"urbanmap: {area.name}", "format": "pbf", "type": "overlay", "version": "1",
        "description": "Every layer of the urbanmap registry as vector tiles, for offline use.",
        "bounds": ",".join(f"{v:.6f}" for v in area.bounds),
        "center": f"{(west + east) / 2:.6f},{(south + north) / 2:.6f},{centre_zoom}",
        "minzoom": str(minzoom), "maxzoom": str(maxzoom), "attribution": ATTRIBUTION,
        "json": json.dumps({"vector_layers": vector_layers}, ensure_ascii=False),
        "urbanmap_data_versions": json.dumps({s.id: versions.get(s.id, 0)
                                              for s in SPATIAL_LAYERS}),
        "license": LICENCE["name"],
    }


MBTILES_SCHEMA = """
CREATE TABLE metadata (name TEXT, value TEXT);
CREATE UNIQUE INDEX metadata_name ON metadata (name);
CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
"""


def make_pack(engine: Engine, out: Path, ward: str | None = None,
              maxzoom: int = DEFAULT_MAXZOOM, pmtiles: bool = True,
              progress: Progress | None = None) -> Pack:
    """`out` is a directory (files named after the area) or the .mbtiles file to write."""
    minzoom = min(spec.minzoom for spec in SPATIAL_LAYERS)
    if not minzoom <= maxzoom <= 20:
        raise InvalidInput(f"maxzoom must be from {minzoom} to 20, not {maxzoom}.")
    with engine.connect() as conn:
        area = pack_area(conn, ward)
    if out.suffix.lower() == ".mbtiles":
        directory, stem = out.parent, out.stem
    else:
        directory, stem = out, safe_file_stem(f"urbanmap pack {area.name if ward else 'q7'}")
    directory.mkdir(parents=True, exist_ok=True)
    mbtiles = directory / f"{stem}.mbtiles"
    count = write_mbtiles(engine, area, mbtiles, minzoom, maxzoom, progress)
    converted = _pmtiles(mbtiles, maxzoom) if pmtiles else None
    geopackage = run_export(engine, build_request(["all"], "gpkg", "wgs84", ward=ward),
                            directory, stem, progress)
    return Pack(mbtiles, converted, geopackage, count, (minzoom, maxzoom), area)


def _pmtiles(mbtiles: Path, maxzoom: int) -> Path:
    from pmtiles.convert import mbtiles_to_pmtiles

    target = mbtiles.with_suffix(".pmtiles")
    mbtiles_to_pmtiles(str(mbtiles), str(target), maxzoom)
    return target

