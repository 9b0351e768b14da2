"""Roads named in Vietnamese, as a district's Shapefiles hold them (TEN_DUONG, BE_RONG,
SO_LAN), and how the loaded roads are read back: the fixtures of the text-encoding tests."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from sqlalchemy import Engine
from truth_files import ogr2ogr, rows, write_geojson

ROADS_VI = [  # TEN_DUONG, BE_RONG (m), SO_LAN, a line across the district
    ("Nguyễn Hữu Thọ", 40.0, 6, [(106.7010, 10.7200), (106.7010, 10.7500)]),
    ("Huỳnh Tấn Phát", 18.5, 4, [(106.7300, 10.7200), (106.7320, 10.7600)]),
    ("Lê Văn Lương", 12.0, 2, [(106.7000, 10.7100), (106.6990, 10.7300)]),
]


def vietnamese_roads(out: Path, encoding: str, form: str = "NFC") -> Path:
    """A roads shapefile with agencies' DBF columns, text in `form`, written in `encoding`."""
    source = write_geojson(out / "duong.geojson", [
        ({"TEN_DUONG": unicodedata.normalize(form, name), "BE_RONG": width, "SO_LAN": lanes},
         "LineString", vertices) for name, width, lanes, vertices in ROADS_VI])
    return ogr2ogr(out / "duong.shp", source, "-f", "ESRI Shapefile",
                   "-lco", f"ENCODING={encoding}")


def stored_roads(engine: Engine) -> list[tuple]:
    return rows(engine, "SELECT name, width_m, lanes FROM roads ORDER BY width_m DESC")


def expected_roads() -> list[tuple]:
    return [(name, width, lanes) for name, width, lanes, _ in ROADS_VI]
