"""Fill many layers from one OpenStreetMap extract (.osm.pbf or .osm XML).

GDAL's OSM driver gives points, lines and multipolygons, with common tags as columns and
the rest in `other_tags`. Each feature's tags are gathered into one dict and offered to the
rules below; a feature may feed several layers (a bridge way is a road too). Everything
is clipped to a boundary, by default the district's own outline in the file, so a
whole-city extract loads only the district. The tag mapping is documented in README.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pyproj
import shapely
from sqlalchemy import Engine

from geo.crs import WGS84_SRID, to_storage
from geo.errors import InvalidInput
from geo.osm import admin_areas, parse_other_tags, read_osm
from layers import get_layer
from layers.transport import ROAD_KINDS
from loaders.pipeline import (
    QUIET,
    NothingAccepted,
    Progress,
    load_transaction,
    stage_and_publish,
)
from loaders.report import LoadReport

Tags = dict[str, str]
ALLEY_NAME = re.compile(r"^hẻm\s+(?P<number>[\d/]+[a-z]?)\s*(?P<road>.*)$", re.IGNORECASE)
ALLEY_HIGHWAYS = ("service", "footway", "path", "steps", "pedestrian")
WATERWAY_KINDS = ("river", "canal", "stream", "drain", "ditch")


def feature_tags(row: pd.Series) -> Tags:
    tags = parse_other_tags(row.get("other_tags"))
    for key, value in row.items():
        if key not in ("other_tags", "geometry", "osm_id", "osm_way_id") and isinstance(value, str):
            tags[key] = value
    return {k: unicodedata.normalize("NFC", v) for k, v in tags.items()}


def _number(text: str | None) -> float | None:
    match = re.match(r"^\s*(\d+(?:[.,]\d+)?)", text or "")
    return float(match.group(1).replace(",", ".")) if match else None


def _alley_parts(name: str | None) -> tuple[str | None, str | None]:
    """("458/12", "Huỳnh Tấn Phát") from "Hẻm 458/12 Huỳnh Tấn Phát"."""
    match = ALLEY_NAME.match(name or "")
    if not match:
        return None, None
    return match.group("number"), (match.group("road").strip() or None)


def _is_alley(t: Tags) -> bool:
    return bool(_alley_parts(t.get("name"))[0]) or t.get("highway") in ALLEY_HIGHWAYS


def _road(t: Tags) -> dict:
    return {"name": t.get("name"), "kind": t["highway"].removesuffix("_link"),
            "width_m": _number(t.get("width")), "lanes": _number(t.get("lanes")),
            "surface": t.get("surface"), "oneway": t.get("oneway") in ("yes", "1", "true")}


def _alley(t: Tags) -> dict:
    number, road = _alley_parts(t.get("name"))
    return {"name": t.get("name"), "number": number, "opens_from": road,
            "width_m": _number(t.get("width")), "surface": t.get("surface"),
            "kind": "alley" if number else t.get("highway")}


def _waterway_kind(t: Tags) -> str:
    name = (t.get("name") or "").lower()
    return "rach" if name.startswith("rạch") else t.get("waterway") or t.get("water") or "river"


def _poi(t: Tags) -> dict:
    address = " ".join(filter(None, (t.get("addr:housenumber"), t.get("addr:street")))) or None
    return {"name": t.get("name"), "address": address, "phone": t.get("phone"),
            "opening_hours": t.get("opening_hours"), "operator": t.get("operator")}


def _is_health_station(t: Tags) -> bool:
    return (t.get("name") or "").lower().startswith("trạm y tế")


@dataclass(frozen=True)
class Rule:
    layer_id: str
    source: str  # GDAL OSM layer: points, lines, multipolygons
    matches: Callable[[Tags], bool]
    attributes: Callable[[Tags], dict]


POI_SOURCES = ("points", "multipolygons")


def _poi_rules(layer_id: str, matches: Callable[[Tags], bool],
               extra: Callable[[Tags], dict] = lambda t: {}) -> list[Rule]:
    return [Rule(layer_id, source, matches, lambda t: {**_poi(t), **extra(t)})
            for source in POI_SOURCES]


RULES: list[Rule] = [
    Rule("wards", "multipolygons",
         lambda t: t.get("boundary") == "administrative" and t.get("admin_level") == "10",
         lambda t: {"name": t.get("name"), "code": t.get("ref"),
                    "population": _number(t.get("population"))}),
    Rule("roads", "lines",
         lambda t: t.get("highway", "").removesuffix("_link") in ROAD_KINDS and not _is_alley(t),
         _road),
    Rule("alleys", "lines", lambda t: "highway" in t and _is_alley(t), _alley),
    Rule("bridges", "lines", lambda t: t.get("bridge", "no") != "no" and "highway" in t,
         lambda t: {"name": t.get("bridge:name") or t.get("name"),
                    "load_limit_t": _number(t.get("maxweight"))}),
    Rule("waterways", "lines", lambda t: t.get("waterway") in WATERWAY_KINDS,
         lambda t: {"name": t.get("name"), "kind": _waterway_kind(t),
                    "width_m": _number(t.get("width"))}),
    Rule("water_areas", "lines", lambda t: t.get("waterway") == "riverbank",
         lambda t: {"name": t.get("name"), "kind": "river"}),
    Rule("water_areas", "multipolygons",
         lambda t: t.get("natural") == "water" or t.get("waterway") == "riverbank"
         or t.get("landuse") in ("reservoir", "basin"),
         lambda t: {"name": t.get("name"), "kind": t.get("water") or _waterway_kind(t)}),
    Rule("hydrants", "points", lambda t: t.get("emergency") == "fire_hydrant",
         lambda t: {"code": t.get("ref") or t.get("fire_hydrant:ref"),
                    "status": "out_of_service" if t.get("disused") == "yes" else "working",
                    "street": t.get("addr:street")}),
    Rule("apartments", "multipolygons", lambda t: t.get("building") == "apartments",
         lambda t: {"name": t.get("name"), "floors": _number(t.get("building:levels")),
                    "units": _number(t.get("building:flats"))}),
    Rule("green_spaces", "multipolygons",
         lambda t: t.get("leisure") in ("park", "garden", "playground")
         or t.get("landuse") in ("grass", "recreation_ground", "village_green", "forest")
         or t.get("natural") in ("wood", "scrub"),
         lambda t: {"name": t.get("name"),
                    "kind": t.get("leisure") or t.get("landuse") or t.get("natural")}),
    *_poi_rules("hospitals", lambda t: t.get("amenity") == "hospital",
                lambda t: {"beds": _number(t.get("beds")),
                           "emergency": t.get("emergency") == "yes"}),
    *_poi_rules("health_stations",
                lambda t: t.get("amenity") == "clinic" and _is_health_station(t)),
    *_poi_rules("clinics", lambda t: t.get("amenity") in ("clinic", "doctors")
                and not _is_health_station(t)),
    *_poi_rules("pharmacies", lambda t: t.get("amenity") == "pharmacy"),
    *_poi_rules("markets", lambda t: t.get("amenity") == "marketplace"
                or t.get("shop") == "supermarket",
                lambda t: {"kind": "market" if t.get("amenity") == "marketplace"
                           else "supermarket"}),
    *_poi_rules("malls", lambda t: t.get("shop") == "mall"),
    *_poi_rules("convenience_stores", lambda t: t.get("shop") == "convenience"),
    *_poi_rules("food_businesses",
                lambda t: t.get("amenity") in ("restaurant", "cafe", "fast_food", "food_court")
                or t.get("shop") == "bakery",
                lambda t: {"kind": t.get("amenity") or t.get("shop")}),
    *_poi_rules("billboards", lambda t: t.get("advertising") == "billboard"),
    *_poi_rules("trash_points", lambda t: t.get("amenity") in ("waste_disposal", "recycling")),
]


def boundary_from_file(path: Path):
    """The union of the polygons in a file, in WGS 84, to clip an extract to another area."""
    frame = pyogrio.read_dataframe(path)
    if frame.crs is None:
        raise InvalidInput(f"{path.name} does not say its coordinate system; save it with one.")
    outline = frame.to_crs(WGS84_SRID).geometry.union_all()
    if outline.is_empty or outline.area == 0:
        raise InvalidInput(f"{path.name} holds no polygon to clip to.")
    return outline


def district_boundary(sources: dict[str, gpd.GeoDataFrame], admin_level: str = "6"):
    """The outline of the district relation in the file (admin_level 6 in Vietnam)."""
    match = admin_areas(sources["multipolygons"], admin_level)
    if match.empty:
        raise InvalidInput("The OpenStreetMap file has no admin_level 6 boundary to clip to; "
                           "pass --no-clip or a boundary file.")
    return match.geometry.union_all()


def classify(sources: dict[str, gpd.GeoDataFrame], boundary=None) -> dict[str, gpd.GeoDataFrame]:
    """One GeoDataFrame per layer, with the layer's fields and the OSM id as source_id."""
    records: dict[str, list[dict]] = {}
    for source_name, frame in sources.items():
        id_column = frame["osm_way_id"].fillna(frame["osm_id"]) if "osm_way_id" in frame \
            else frame["osm_id"]
        kind = {"points": "node", "lines": "way"}.get(source_name, "relation")
        rules = [rule for rule in RULES if rule.source == source_name]
        for (_, row), osm_id in zip(frame.iterrows(), id_column, strict=True):
            tags = feature_tags(row)
            for rule in rules:
                if rule.matches(tags):
                    geometry = _as_layer_shape(row.geometry, get_layer(rule.layer_id).geometry)
                    element = "way" if source_name == "multipolygons" and "osm_way_id" in frame \
                        and pd.notna(row.get("osm_way_id")) else kind
                    records.setdefault(rule.layer_id, []).append(
                        {**rule.attributes(tags), "source_id": f"osm:{element}/{osm_id}",
                         "geometry": geometry})
    layers = {layer_id: gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
              for layer_id, rows in records.items()}
    if boundary is not None:  # a layer with nothing inside is not in the file: left alone
        boundary = boundary if boundary.is_valid else shapely.make_valid(boundary)
        layers = {layer_id: clipped for layer_id, frame in layers.items()
                  if not (clipped := _clip(frame, boundary)).empty}
    return layers


def _as_layer_shape(geometry, kind: str | None):
    """Areas become points inside them for point layers; a closed way becomes an area.

    GDAL's OSM driver makes areas only of closed ways with certain tags, so a riverbank
    drawn as one closed way reaches us as a line.
    """
    if kind == "Point" and geometry.geom_type != "Point":
        return (geometry if geometry.is_valid else shapely.make_valid(geometry)) \
            .representative_point()
    if kind == "MultiPolygon" and geometry.geom_type == "LineString" and geometry.is_ring:
        return shapely.Polygon(geometry)
    return geometry


def _clip(frame: gpd.GeoDataFrame, boundary) -> gpd.GeoDataFrame:
    """The features' parts inside `boundary` (valid). GEOS cannot intersect an invalid area
    (a way that crosses itself, which OpenStreetMap has): those are made valid first, and
    counted in the frame's attrs["made_valid"] for the layer's notes."""
    geometries = np.array(frame.geometry.values, dtype=object)
    invalid = ~shapely.is_valid(geometries)
    geometries[invalid] = shapely.make_valid(geometries[invalid])
    clipped = frame.copy()
    clipped["geometry"] = shapely.intersection(geometries, boundary)
    clipped = clipped[~clipped.geometry.is_empty]
    clipped.attrs["made_valid"] = int(invalid.sum())
    return clipped


def load_osm(engine: Engine, path: Path, clip: bool = True, dry_run: bool = False,
             boundary_file: Path | None = None, progress: Progress = QUIET) -> list[LoadReport]:
    """Replace every layer the file has features for, all in one transaction."""
    progress.step("reading the extract")
    sources = read_osm(path)
    if boundary_file is not None:
        boundary = boundary_from_file(boundary_file)
    else:
        boundary = district_boundary(sources) if clip else None
    progress.step("sorting its features into layers")
    layers = classify(sources, boundary)
    progress.expect(sum(len(frame) for frame in layers.values()))
    wgs84 = pyproj.CRS.from_epsg(WGS84_SRID)
    reports: list[LoadReport] = []
    with load_transaction(engine, dry_run, progress) as conn:
        for layer_id, frame in sorted(layers.items(), key=lambda item: item[0] != "wards"):
            # Each layer's steps under its name: "roads: checking 1,234 features".
            said = replace(progress, step=lambda what, layer=layer_id: progress.step(
                f"{layer}: {what}"))
            said.step("reading")
            stored = shapely.to_wkb(to_storage(frame.geometry.values, wgs84))
            # A field no feature of the extract has a tag for is one OpenStreetMap says
            # nothing of (wards' populations, from the statistics office): left out, so
            # that the layer keeps its values.
            attributes = pd.DataFrame(frame.drop(columns="geometry")).dropna(axis=1, how="all")
            chunk = (attributes, pa.array(stored, pa.binary()))
            report = LoadReport(layer_id, path.name, "replace", dry_run=dry_run)
            if made_valid := frame.attrs.get("made_valid"):
                report.notes.append(f"{made_valid:,} invalid geometr"
                                    f"{'y was' if made_valid == 1 else 'ies were'} made valid "
                                    "to clip them to the boundary")
            try:
                with conn.begin_nested():  # one layer's refusal leaves the others to load
                    stage_and_publish(conn, get_layer(layer_id), [chunk], report, progress=said)
            except NothingAccepted:
                report.notes.append(f"every feature was refused; {layer_id} is left as it was")
            reports.append(report)
    return reports
