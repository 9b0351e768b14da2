"""Vietnamese typed before Unicode: files in a legacy character set, told by --encoding."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from test_load_formats import (
    ROADS_VI,
    expected_roads,
    ogr2ogr,
    stored_roads,
    write_geojson,
)

from loaders.files import load_file


def test_windows_vietnamese_column_names_are_read_too(migrated_engine: Engine,
                                                      tmp_path: Path) -> None:
    """The names' column headed in Vietnamese, in cp1258 like its values. Before, reading the
    file's CRS through ogrinfo failed on the column's name with a UnicodeDecodeError."""
    source = write_geojson(tmp_path / "duong.geojson", [
        ({"Tên đường": name, "BE_RONG": width, "SO_LAN": lanes}, "LineString", vertices)
        for name, width, lanes, vertices in ROADS_VI])
    shp = ogr2ogr(tmp_path / "duong.shp", source, "-f", "ESRI Shapefile",
                  "-lco", "ENCODING=CP1258")
    shp.with_suffix(".cpg").unlink()
    report = load_file(migrated_engine, "roads", shp, encoding="cp1258")
    assert report.notes == [], report.notes  # "Tên đường" is the names' column: none left
    assert stored_roads(migrated_engine) == expected_roads()
