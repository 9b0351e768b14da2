"""Reading OpenStreetMap extracts through GDAL's OSM driver."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.errors import InvalidInput

OSM_LAYERS = ("points", "lines", "multipolygons")
_TAG = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")


def parse_other_tags(raw: object) -> dict[str, str]:
    r"""The tags GDAL's OSM driver packs into `other_tags` as `"k"=>"v","k2"=>"v2"`.

    >>> parse_other_tags('"bridge"=>"yes","name:en"=>"Say \\"hi\\""')
    {'bridge': 'yes', 'name:en': 'Say "hi"'}
    """
    if not isinstance(raw, str):
        return {}
    return {_ESCAPE.sub(r"\1", k): _ESCAPE.sub(r"\1", v) for k, v in _TAG.findall(raw)}


def read_osm(path: Path, layers: tuple[str, ...] = OSM_LAYERS) -> dict[str, gpd.GeoDataFrame]:
    """The extract's points, lines and multipolygons in WGS 84, or a clear refusal."""
    try:
        return {name: pyogrio.read_dataframe(path, layer=name) for name in layers}
    except Exception as exc:  # GDAL raises several kinds for a broken or foreign file
        raise InvalidInput(f"GDAL cannot read {Path(path).name} as OpenStreetMap data: {exc}. "
                           "Check that the file is a complete .osm.pbf or .osm file.") from None


def admin_areas(areas: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Administrative boundaries of one level (6: district, 10: ward in Vietnam)."""
    # Index the column: `areas.boundary` is GeoPandas' geometric boundary, not the OSM tag.
    return areas[(areas["boundary"] == "administrative") & (areas["admin_level"] == level)]
