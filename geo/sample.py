"""The District 7 sample: the real OSM extract plus the synthetic layers OSM does not have.

OpenStreetMap maps no fire hydrants, no land-use plan and no epidemic reports for District 7,
yet the demo needs all three. They are generated here, anchored to the real extract (hydrants
on real road centre lines, zones clipped to the real district, rows for the real wards) and
seeded, so the same seed always writes the same files. Every generated value is invented.
"""

from __future__ import annotations

import json
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from geo.crs import STORAGE_SRID, WGS84_SRID
from geo.osm import admin_areas, parse_other_tags
from geo.osm import read_osm as read_osm_layers
from geo.text import nfc
from layers.landuse_codes import land_use_category

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
OSM_EXTRACT = SAMPLE_DIR / "district7-2018-01-01.osm.pbf"

Osm = dict[str, gpd.GeoDataFrame]
Days = npt.NDArray[np.float64]
# Tags GDAL leaves inside `other_tags` that the generator reads as columns.
EXTRA_TAGS = ("waterway", "natural", "landuse", "leisure", "bridge", "tunnel")

HYDRANT_COUNT = 25
HYDRANT_OUT_OF_SERVICE = 4
HYDRANT_SPACING_M = 300.0
HYDRANT_ROADS = ("trunk", "primary", "secondary", "tertiary", "residential")

CELL_M = 250.0
SLIVER_M2 = 0.2 * CELL_M**2  # edge cells smaller than this join a neighbour
PLAN_NAME = "Quy hoạch phân khu Quận 7 (mẫu)"
PLAN_APPROVED_ON = "2012-06-28"
# Where OSM says nothing special, a cell is mostly housing, as in the real district.
URBAN_MIX = {"ODT": 0.62, "TMD": 0.14, "DGD": 0.09, "DYT": 0.05, "SKC": 0.10}
# Plausible (floors low, high, floor area ratio low, high) per code.
BUILD_RULES = {
    "ODT": (5, 25, 2.0, 6.0), "TMD": (10, 40, 3.0, 9.0), "DGD": (3, 5, 0.8, 1.6),
    "DYT": (4, 9, 1.0, 2.5), "SKC": (2, 4, 0.6, 1.4), "DGT": (0, 0, 0.0, 0.0),
    "SON": (0, 0, 0.0, 0.0), "CXT": (1, 1, 0.02, 0.05), "DKV": (1, 3, 0.05, 0.2),
}  # fmt: skip
# OSM areas that decide a cell's code when they cover at least the given share of it.
COVER_TAGS = {
    "SON": (0.5, {"natural": {"water"}, "landuse": {"reservoir"}, "waterway": {"riverbank"}}),
    "CXT": (0.35, {"leisure": {"park", "garden"}, "landuse": {"grass", "meadow"}}),
    "DKV": (0.35, {"leisure": {"golf_course", "stadium", "sports_centre", "playground"}}),
}
DGT_ROADS = ("trunk", "primary")
DGT_LENGTH_M = 400.0  # the road runs along the cell rather than just across it

EPIDEMIC_DAYS = (date(2021, 7, 1), date(2021, 10, 31))
EPIDEMIC_COLUMNS = ("ward_name", "ward_code", "report_date", "new_cases", "vaccinated_doses",
                    "fully_vaccinated")  # fmt: skip
# Codes of the national list of administrative units (mã đơn vị hành chính, General
# Statistics Office): Quận 7 is 778. The OSM relations carry no code.
WARD_CODES = {
    "Phường Tân Thuận Đông": "27466", "Phường Tân Thuận Tây": "27469", "Phường Tân Kiểng": "27472",
    "Phường Tân Hưng": "27475", "Phường Bình Thuận": "27478", "Phường Tân Quy": "27481",
    "Phường Phú Thuận": "27484", "Phường Tân Phú": "27487", "Phường Tân Phong": "27490",
    "Phường Phú Mỹ": "27493",
}  # fmt: skip

def rng_for(seed: int, purpose: str) -> np.random.Generator:
    """One generator per output, so changing how one file is made never shifts another."""
    return np.random.default_rng([seed, zlib.crc32(purpose.encode())])


def read_osm(path: Path = OSM_EXTRACT) -> Osm:
    """Lines and multipolygons in UTM 48N (metres), with EXTRA_TAGS lifted into columns."""
    osm: Osm = {}
    for layer, frame in read_osm_layers(path, ("lines", "multipolygons")).items():
        frame = frame.to_crs(STORAGE_SRID)
        tags = frame["other_tags"].map(parse_other_tags)
        for key in EXTRA_TAGS:
            if key not in frame.columns:
                frame[key] = tags.map(lambda t, k=key: t.get(k))
        osm[layer] = frame
    return osm


def _admin(osm: Osm, level: str) -> gpd.GeoDataFrame:
    chosen = admin_areas(osm["multipolygons"], level)
    return chosen.assign(name=chosen["name"].map(nfc)).sort_values("name")


def district_outline(osm: Osm) -> BaseGeometry:
    """The admin_level 6 relation; the 10 ward relations leave a 0.37 km² gap inside it."""
    return shapely.make_valid(_admin(osm, "6").union_all())


def ward_names(osm: Osm) -> list[str]:
    """The admin_level 10 names exactly as OSM spells them ("Phường …"), NFC, sorted."""
    return [str(name) for name in _admin(osm, "10")["name"]]


def hydrant_roads(osm: Osm, district: BaseGeometry) -> tuple[list[BaseGeometry], list[str | None]]:
    """At-grade road centre line parts inside the district (shrunk 10 m), with their names."""
    lines = osm["lines"]
    at_grade = (lines["bridge"].fillna("no") == "no") & (lines["tunnel"].fillna("no") == "no")
    roads = lines[lines["highway"].isin(HYDRANT_ROADS) & at_grade].sort_values("osm_id")
    roads = roads.assign(geometry=roads.intersection(district.buffer(-10.0)))
    parts = roads.explode(index_parts=False)
    parts = parts[(parts.geom_type == "LineString") & (parts.length > 30.0)]
    return list(parts.geometry), [nfc(name) for name in parts["name"]]


def place_hydrants(
    roads: list[BaseGeometry], rng: np.random.Generator, tries: int = 16
) -> list[tuple[Point, int]]:
    """25 points on road lines, HYDRANT_SPACING_M apart, as (point, road index), N to S.

    Each is the one of a few length-weighted candidates farthest from those already placed
    (Mitchell's best candidate): that spreads hydrants over the whole district instead of
    piling them into the dense grid of residential streets.
    """
    lengths = np.array([road.length for road in roads])
    placed: list[tuple[Point, int]] = []
    for _ in range(HYDRANT_COUNT * 40):
        candidates: list[tuple[float, Point, int]] = []
        for row in rng.choice(len(roads), size=tries, p=lengths / lengths.sum()):
            point = roads[row].interpolate(rng.uniform(5.0, lengths[row] - 5.0))
            gap = min((point.distance(p) for p, _ in placed), default=np.inf)
            candidates.append((gap, point, int(row)))
        gap, point, row = max(candidates, key=lambda c: c[0])
        if gap >= HYDRANT_SPACING_M:
            placed.append((point, row))
        if len(placed) == HYDRANT_COUNT:
            return sorted(placed, key=lambda pr: (-round(pr[0].y, 3), round(pr[0].x, 3)))
    raise RuntimeError(f"cannot place {HYDRANT_COUNT} hydrants {HYDRANT_SPACING_M} m apart")


def hydrant_features(
    placed: list[tuple[Point, str | None]], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """GeoJSON features in lon/lat to 7 decimals (about 1 cm), with invented inspections."""
    broken = set(rng.choice(len(placed), size=HYDRANT_OUT_OF_SERVICE, replace=False).tolist())
    to_wgs84 = Transformer.from_crs(STORAGE_SRID, WGS84_SRID, always_xy=True)
    features: list[dict[str, Any]] = []
    for i, (point, street) in enumerate(placed):
        code, working = f"Q7-TN-{i + 1:03d}", i not in broken
        inspected = date(2025, 1, 6) + timedelta(days=int(rng.integers(0, 660)))
        pressure = round(float(rng.uniform(2.0, 4.5)), 1) if working else 0.0
        properties = {
            "code": code, "status": "working" if working else "out_of_service",
            "last_inspected": inspected.isoformat(), "pressure_bar": pressure,
            "street": street, "source_id": code,
        }  # fmt: skip
        lon, lat = to_wgs84.transform(point.x, point.y)
        geometry = {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return features


def write_hydrants(osm: Osm, district: BaseGeometry, out: Path, seed: int) -> Path:
    """hydrants.geojson (RFC 7946): invented hydrants on the real road network."""
    rng = rng_for(seed, "hydrants")
    roads, streets = hydrant_roads(osm, district)
    placed = [(point, streets[row]) for point, row in place_hydrants(roads, rng)]
    collection = {"type": "FeatureCollection", "features": hydrant_features(placed, rng)}
    path = out / "hydrants.geojson"
    text = json.dumps(collection, ensure_ascii=False, allow_nan=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def osm_cover(osm: Osm, wanted: dict[str, set[str]]) -> BaseGeometry:
    """The union of OSM areas with any wanted tag, closed riverbank ways included.

    GDAL's default osmconf makes areas of closed ways only for keys such as natural or
    landuse, so a closed way tagged just waterway=riverbank arrives in the lines layer.
    """
    shapes: list[BaseGeometry] = []
    for layer, frame in osm.items():
        hit = np.logical_or.reduce([frame[key].isin(v).to_numpy() for key, v in wanted.items()])
        found = frame.geometry[hit]
        if layer == "lines":
            found = found[found.is_closed].map(lambda ring: shapely.Polygon(ring.coords))
        shapes.extend(shapely.make_valid(shape) for shape in found)
    return shapely.union_all(shapes)


def _polygonal(shape: BaseGeometry) -> MultiPolygon:
    """Only the areas of a clip or union result, which may also hold stray lines or points."""
    parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(shape)))
    return MultiPolygon([p for p in parts if p.geom_type == "Polygon" and p.area > 0])


def zone_cells(district: BaseGeometry) -> list[MultiPolygon]:
    """A 250 m grid clipped to the district, from north-west to south-east.

    An edge sliver joins the neighbour it shares most edge with. All cells are cut from one
    grid, so they meet edge to edge and never overlap.
    """
    x0, y0, x1, y1 = (int(v // CELL_M) for v in district.bounds)
    keys = [(r, c) for r in range(y1, y0 - 1, -1) for c in range(x0, x1 + 1)]
    boxes = [shapely.box(c * CELL_M, r * CELL_M, (c + 1) * CELL_M, (r + 1) * CELL_M)
             for r, c in keys]  # fmt: skip
    clipped = zip(keys, shapely.intersection(boxes, district), strict=True)
    cells = {key: _polygonal(cell) for key, cell in clipped if cell.area > 1.0}
    for (r, c), cell in [(key, cell) for key, cell in cells.items() if cell.area < SLIVER_M2]:
        shared = {n: cell.boundary.intersection(cells[n].boundary).length
                  for n in [(r + 1, c), (r, c - 1), (r, c + 1), (r - 1, c)]
                  if n in cells and cells[n].area >= SLIVER_M2}  # fmt: skip
        if shared and max(shared.values()) > 0:
            into = max(shared, key=lambda n: shared[n])
            cells[into] = _polygonal(cells[into].union(cells.pop((r, c))))
    return list(cells.values())


def land_use_codes(cells: list[MultiPolygon], osm: Osm, rng: np.random.Generator) -> list[str]:
    """Water, green and major roads from OSM where they dominate a cell; else a seeded mix."""
    area = shapely.area(cells)
    share = {code: shapely.area(shapely.intersection(cells, osm_cover(osm, tags))) / area
             for code, (_, tags) in COVER_TAGS.items()}  # fmt: skip
    lines = osm["lines"]
    road_m = shapely.length(shapely.intersection(
        cells, lines[lines["highway"].isin(DGT_ROADS)].union_all()))  # fmt: skip
    mixed = rng.choice(list(URBAN_MIX), size=len(cells), p=list(URBAN_MIX.values()))
    codes: list[str] = []
    for i, fallback in enumerate(mixed):
        cover = [code for code, (least, _) in COVER_TAGS.items() if share[code][i] >= least]
        codes.append(cover[0] if cover else "DGT" if road_m[i] >= DGT_LENGTH_M else str(fallback))
    return codes


def planning_zones(osm: Osm, district: BaseGeometry, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Zones of an invented plan, with plausible codes and building limits."""
    cells = zone_cells(district)
    codes = land_use_codes(cells, osm, rng)
    rules = [BUILD_RULES[code] for code in codes]
    zone_codes = [f"Q7-{i + 1:04d}" for i in range(len(cells))]
    columns = {
        "zone_code": zone_codes, "land_use_code": codes,
        "land_use_category": [land_use_category(code) for code in codes],
        "plan_name": PLAN_NAME,
        "max_floors": [int(rng.integers(lo, hi + 1)) for lo, hi, _, _ in rules],
        "floor_area_ratio": [round(float(rng.uniform(lo, hi)), 2) for _, _, lo, hi in rules],
        "approved_on": PLAN_APPROVED_ON, "source_id": zone_codes,
    }  # fmt: skip
    return gpd.GeoDataFrame(columns, geometry=cells, crs=STORAGE_SRID)


def write_planning_zones(osm: Osm, district: BaseGeometry, out: Path, seed: int) -> Path:
    """planning_zones.gpkg, left in UTM 48N so that loaders have to reproject."""
    path = out / "planning_zones.gpkg"
    path.unlink(missing_ok=True)
    zones = planning_zones(osm, district, rng_for(seed, "planning_zones"))
    zones.to_file(path, layer="planning_zones", driver="GPKG", engine="pyogrio")
    return path


def _wave(days: Days, rng: np.random.Generator, population: int) -> Days:
    """Expected new cases: a rise to a peak in August, a slower fall through October."""
    peak = rng.uniform(35.0, 58.0)  # day 31 is 1 August
    width = np.where(days < peak, rng.uniform(10.0, 16.0), rng.uniform(16.0, 24.0))
    height = population * rng.uniform(0.0006, 0.0016)
    return height * np.exp(-0.5 * ((days - peak) / width) ** 2) + 0.3


def _doses(days: Days, rng: np.random.Generator, reach: float, centre: float) -> Days:
    """Daily doses of a logistic campaign that ends up reaching `reach` of the residents."""
    shift, scale = rng.uniform(-5.0, 5.0), rng.uniform(6.0, 10.0)
    # From the eve of the first day, so doses given before July are not counted on 1 July.
    since_eve = np.append(days[0] - 1.0, days)
    reached = reach / (1.0 + np.exp(-(since_eve - centre - shift) / scale))
    return np.rint(np.diff(reached) * rng.uniform(0.85, 1.15, days.size))


def ward_rows(name: str, population: int, rng: np.random.Generator) -> list[list[object]]:
    """One ward's daily reports: new cases, doses given, cumulative full courses."""
    start, end = EPIDEMIC_DAYS
    days = np.arange((end - start).days + 1, dtype=float)
    cases = rng.poisson(_wave(days, rng, population))
    first = _doses(days, rng, 0.85 * population, 40.0)  # first doses peak mid-August
    second = _doses(days, rng, 0.75 * population, 85.0)  # second doses late September
    full = np.cumsum(second)
    return [
        [name, WARD_CODES.get(name, ""), (start + timedelta(days=i)).isoformat(),
         int(cases[i]), int(first[i] + second[i]), int(full[i])]
        for i in range(days.size)
    ]  # fmt: skip


def write_ward_tables(osm: Osm, out: Path, seed: int) -> dict[str, Path]:
    """ward_epidemic.csv and ward_population.csv: invented figures for the real wards."""
    pop_rng, rng = rng_for(seed, "ward_population"), rng_for(seed, "ward_epidemic")
    populations = {n: int(round(pop_rng.integers(20_000, 75_001), -1)) for n in ward_names(osm)}
    rows = [row for name, pop in populations.items() for row in ward_rows(name, pop, rng)]
    tables = {
        "ward_epidemic": pd.DataFrame(rows, columns=list(EPIDEMIC_COLUMNS)),
        "ward_population": pd.DataFrame(populations.items(), columns=["ward_name", "population"]),
    }
    for key, table in tables.items():
        # Fixed encoding and line ends: the same rows always give the same bytes.
        table.to_csv(out / f"{key}.csv", index=False, encoding="utf-8", lineterminator="\n")
    return {key: out / f"{key}.csv" for key in tables}


def generate(out_dir: Path, seed: int = 7) -> dict[str, Path]:
    """Write the synthetic files into `out_dir`; the same seed always writes the same data."""
    out_dir.mkdir(parents=True, exist_ok=True)
    osm = read_osm(OSM_EXTRACT)
    district = district_outline(osm)
    return {
        "hydrants": write_hydrants(osm, district, out_dir, seed),
        "planning_zones": write_planning_zones(osm, district, out_dir, seed),
        **write_ward_tables(osm, out_dir, seed),
    }
