"""The truth: a few District 7 features in WGS 84, the files Debian's ogr2ogr makes of them,
and how a load's stored geometries are measured against it.

The files are made independently of urbanmap's own transformation code: `/usr/bin/ogr2ogr`
(GDAL 3.6 with its own PROJ) projects the truth with explicit PROJ strings that carry
VN-2000's +towgs84. Where a builder says so, the .prj GDAL wrote is replaced by the ESRI WKT
Vietnamese agencies' software ships, with no TOWGS84 (tests/fixtures/formats/). Stored
geometries are compared with the truth as PostGIS itself projects it to EPSG:32648.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

OGR2OGR = "/usr/bin/ogr2ogr"
PRJ_DIR = Path(__file__).parent / "fixtures" / "formats"
TOLERANCE_M = 0.5

# EPSG:6960 (VN-2000 to WGS 84) in PROJ's position-vector convention, typed out here rather
# than imported from geo.crs so that the fixtures cannot share a mistake with the loader.
TOWGS84 = ("+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,"
           "0.00427372,0.252906278")
HCM_ZONE = "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84"
TARGET = {  # what ogr2ogr projects the truth to, per coordinate system
    "wgs84": "EPSG:4326",
    "utm48n": "EPSG:32648",
    "vn2000": f"+proj=longlat +ellps=WGS84 {TOWGS84} +no_defs",
    "vn2000-utm48n": f"+proj=utm +zone=48 +ellps=WGS84 {TOWGS84} +units=m +no_defs",
    "vn2000-hcm": f"{HCM_ZONE} {TOWGS84} +units=m +no_defs",
}
# ESRI .prj files as agencies' software writes them: VN-2000 named, no TOWGS84.
ESRI_PRJ = {"vn2000": "vn2000_esri.prj", "vn2000-utm48n": "vn2000_utm48n_esri.prj",
            "vn2000-hcm": "vn2000_hcm_105_45_esri.prj"}

Vertices = list[tuple[float, float]]
# layer -> features as (properties, GeoJSON geometry type, vertices in WGS 84 lon/lat).
TRUTH: dict[str, list[tuple[dict, str, Vertices]]] = {
    "hydrants": [
        ({"code": "TN-01", "status": "working", "street": "Nguyễn Văn Linh"}, "Point",
         [(106.72190, 10.72900)]),
        ({"code": "TN-02", "status": "working", "street": "Huỳnh Tấn Phát"}, "Point",
         [(106.73000, 10.74500)]),
        ({"code": "TN-03", "status": "out_of_service", "street": "Trần Xuân Soạn"}, "Point",
         [(106.70500, 10.74200)]),
    ],
    "roads": [
        ({"name": "Nguyễn Văn Linh", "kind": "primary"}, "LineString",
         [(106.6990, 10.7300), (106.7100, 10.7293), (106.7219, 10.7290), (106.7350, 10.7296)]),
    ],
    "green_spaces": [
        ({"name": "Công viên Hưng Vượng", "kind": "park"}, "Polygon",
         [(106.7040, 10.7280), (106.7075, 10.7280), (106.7075, 10.7310), (106.7040, 10.7310),
          (106.7040, 10.7280)]),
    ],
}
KEY = {"hydrants": "code", "roads": "name", "green_spaces": "name", "alleys": "source_id"}


def write_truth(folder: Path) -> dict[str, Path]:
    """The truth as one WGS 84 GeoJSON per layer, the source of every other file."""
    return {layer: write_geojson(folder / f"{layer}.geojson", features)
            for layer, features in TRUTH.items()}


def geojson_geometry(kind: str, vertices: Vertices) -> dict:
    coordinates = {"Point": vertices[0], "LineString": vertices, "Polygon": [vertices]}[kind]
    return {"type": kind, "coordinates": coordinates}


def write_geojson(path: Path, features: list[tuple[dict, str, Vertices]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geojson_geometry(kind, vertices)}
        for props, kind, vertices in features]}, ensure_ascii=False), encoding="utf-8")
    return path

def ogr2ogr(destination: Path, source: Path, *options: str) -> Path:
    subprocess.run([OGR2OGR, *options, str(destination), str(source)], check=True,
                   capture_output=True, timeout=60)
    return destination


def rows(engine: Engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params).all()]


def worst_error_m(engine: Engine, layer: str, expected: dict[str, Vertices]) -> float:
    """Largest distance from a truth vertex, projected by PostGIS, to its feature's nearest
    stored vertex; every feature must have as many vertices stored as the truth has."""
    keys, lons, lats = zip(*((key, lon, lat) for key, vertices in expected.items()
                             for lon, lat in vertices), strict=True)
    errors = rows(engine, f"""
        WITH truth AS (SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:lons AS float8[]),
                                            CAST(:lats AS float8[])) AS t(key, lon, lat)),
             stored AS (SELECT {KEY[layer]} AS key, (ST_DumpPoints(geom)).geom AS vertex
                        FROM {layer})
        SELECT truth.key, min(ST_Distance(stored.vertex, ST_Transform(
                   ST_SetSRID(ST_MakePoint(truth.lon, truth.lat), 4326), 32648)))
        FROM truth LEFT JOIN stored ON stored.key = truth.key
        GROUP BY truth.key, truth.lon, truth.lat""", keys=list(keys), lons=list(lons),
        lats=list(lats))
    assert [key for key, error in errors if error is None] == []
    counts = dict(rows(engine, f"SELECT {KEY[layer]}, ST_NPoints(geom) FROM {layer} "
                               f"WHERE {KEY[layer]} = ANY(:keys)", keys=list(expected)))
    assert counts == {key: len(vertices) for key, vertices in expected.items()}
    return max(error for _, error in errors)


def truth_vertices(layer: str) -> dict[str, Vertices]:
    return {props[KEY[layer]]: vertices for props, _, vertices in TRUTH[layer]}


def stored_properties(engine: Engine, layer: str) -> set[tuple]:
    names = list(TRUTH[layer][0][0])
    return set(rows(engine, f"SELECT {', '.join(names)} FROM {layer}"))


def truth_properties(layer: str) -> set[tuple]:
    return {tuple(props.values()) for props, _, _ in TRUTH[layer]}

# -- files made by Debian's ogr2ogr --------------------------------------------------------

Files = dict[str, tuple[Path, dict]]  # layer -> (file to load, load_file options)
Builder = Callable[[dict[str, Path], Path], Files]


def per_layer(driver: str, suffix: str, crs: str, truth: dict[str, Path], out: Path,
              prj: str | None = None, assign: str | None = None, options: tuple = (),
              load: dict | None = None) -> Files:
    """One file per layer; `prj` replaces GDAL's .prj, `assign` declares an EPSG code for
    coordinates projected with the PROJ string (PROJ strings carry no code)."""
    files = {}
    for layer, source in truth.items():
        destination = out / f"{layer}{suffix}"
        if assign:
            source = ogr2ogr(out / f"{layer}-projected.geojson", source, "-t_srs", TARGET[crs])
            ogr2ogr(destination, source, "-f", driver, "-a_srs", assign, *options)
        else:
            ogr2ogr(destination, source, "-f", driver, "-t_srs", TARGET[crs], *options)
        if prj:
            shutil.copy(PRJ_DIR / prj, destination.with_suffix(".prj"))
        files[layer] = (destination, dict(load or {}))
    return files


def shapefiles(crs: str, truth: dict[str, Path], out: Path, esri_prj: bool = False,
               zipped: bool = False) -> Files:
    files = per_layer("ESRI Shapefile", ".shp", crs, truth, out,
                      prj=ESRI_PRJ[crs] if esri_prj else None, options=("-lco", "ENCODING=UTF-8"))
    return {layer: (zip_shapefile(shp) if zipped else shp, load)
            for layer, (shp, load) in files.items()}


def zip_shapefile(shp: Path) -> Path:
    archive = shp.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as zipped:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            zipped.write(shp.with_suffix(suffix), shp.with_suffix(suffix).name)
    return archive


# -- Vietnamese as Windows writes it (the encodings' tests: test_load_legacy_text.py) ------

VIETNAMESE_STATUS = {"working": "Hoạt động", "out_of_service": "Hư hỏng"}


def windows_1258(text: str) -> bytes:
    """`text` as Windows Vietnamese writes it: a letter with its tone as one character where
    the code page has one (à), else the letter and then the tone as a combining mark (ộ is
    ô and a dot below); Python's codec knows only the first form."""
    tones = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
    encoded = bytearray()
    for letter in re.findall(r".[\u0300-\u036f]*", unicodedata.normalize("NFD", text), re.S):
        try:
            encoded += unicodedata.normalize("NFC", letter).encode("cp1258")
        except UnicodeEncodeError:
            marks = "".join(m for m in letter[1:] if m not in tones)
            tone = "".join(m for m in letter[1:] if m in tones)
            encoded += (unicodedata.normalize("NFC", letter[0] + marks) + tone).encode("cp1258")
    return bytes(encoded)
