"""Vietnamese typed before Unicode: files in TCVN3 (the ABC fonts, .VnTime) and VNI.

District offices still send Shapefiles and CSVs typed in these fonts' character sets, which
neither Python nor GDAL reads (loaders/charsets.py). TCVN3 fixtures are encoded by GDAL's and
glibc's iconv (TCVN5712-1), independent of urbanmap's table; VNI has no encoder on the
machine, so its fixtures are byte strings typed out here, names of District 7.
"""

from __future__ import annotations

import codecs
import subprocess
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import Engine
from test_load_formats import (
    ROADS_VI,
    expected_roads,
    ogr2ogr,
    rows,
    stored_roads,
    write_geojson,
)

from geo.errors import InvalidInput
from loaders import charsets  # noqa: F401  (registers tcvn3 and vni)
from loaders.files import load_file

# VNI as its fonts store it: each vowel's marks are a byte after it ("Vieät" is "Việt").
VNI_ROADS = {  # the names of ROADS_VI
    "Nguyễn Hữu Thọ": b"Nguye\xe3n H\xf6\xf5u Tho\xef",
    "Huỳnh Tấn Phát": b"Huy\xf8nh Ta\xe1n Pha\xf9t",
    "Lê Văn Lương": b"Le\xe2 Va\xean L\xf6\xf4ng",
}
VNI_PHRASES = {
    b"Ta\xe2n Thua\xe4n \xd1o\xe2ng": "Tân Thuận Đông",
    b"Ra\xefch \xd1\xf3a": "Rạch Đĩa",
    b"Ca\xe0u Ke\xe2nh Te\xfb": "Cầu Kênh Tẻ",
    b"He\xfbm 35 Tr\xf6\xf4\xf8ng Chinh": "Hẻm 35 Trường Chinh",
    b"U\xdbY BAN NHA\xc2N DA\xc2N QUA\xc4N 7": "ỦY BAN NHÂN DÂN QUẬN 7",
}


def iconv_tcvn3(text: str) -> bytes:
    """`text` in TCVN 5712 as glibc's iconv writes it."""
    return subprocess.run(["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"], input=text.encode(),
                          capture_output=True, check=True).stdout


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_tcvn3_decodes_every_byte_as_glibc_iconv_does() -> None:
    for byte in range(256):
        iconv = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([byte]),
                               capture_output=True, check=True).stdout.decode()
        assert bytes([byte]).decode("tcvn3") == iconv, hex(byte)


def test_vni_decodes_district_7_names() -> None:
    for raw, expected in {**{v: k for k, v in VNI_ROADS.items()}, **VNI_PHRASES}.items():
        assert nfc(raw.decode("vni")) == expected


@pytest.mark.parametrize("name, canonical", [
    ("TCVN3", "tcvn3"), ("ABC", "tcvn3"), ("TCVN5712-1", "tcvn3"), ("tcvn", "tcvn3"),
    ("VNI", "vni"), ("VNI-Windows", "vni"), ("vni_win", "vni")])
def test_the_sets_go_by_the_names_people_give_them(name: str, canonical: str) -> None:
    assert codecs.lookup(name).name == canonical


def test_they_are_read_not_written() -> None:
    with pytest.raises(UnicodeEncodeError, match="reads this set only"):
        "Việt".encode("vni")


def tcvn3_roads(out: Path) -> Path:
    """The roads shapefile as an office's ArcView left it: written by GDAL in TCVN 5712, with
    the names' column headed in Vietnamese ("Tên đường") and the .cpg GDAL writes for it."""
    source = write_geojson(out / "duong.geojson", [
        ({"Tên đường": name, "BE_RONG": width, "SO_LAN": lanes}, "LineString", vertices)
        for name, width, lanes, vertices in ROADS_VI])
    return ogr2ogr(out / "duong.shp", source, "-f", "ESRI Shapefile",
                   "-lco", "ENCODING=TCVN5712-1")


@pytest.mark.parametrize("cpg, options", [
    ("TCVN5712-1", {}),             # as GDAL writes it
    ("TCVN3", {}),                  # as a person writes it
    (None, {"encoding": "abc"}),    # no .cpg: the loader is told
], ids=["cpg-gdal", "cpg-tcvn3", "encoding-abc"])
def test_tcvn3_shapefile_names_and_columns_come_out_right(
        migrated_engine: Engine, tmp_path: Path, cpg: str | None, options: dict) -> None:
    shp = tcvn3_roads(tmp_path)
    dbf = shp.with_suffix(".dbf").read_bytes()
    assert iconv_tcvn3("Tên đường") in dbf and iconv_tcvn3("Huỳnh Tấn Phát") in dbf
    shp.with_suffix(".cpg").unlink()
    if cpg:
        shp.with_suffix(".cpg").write_text(cpg)
    report = load_file(migrated_engine, "roads", shp, **options)
    assert report.notes == [], report.notes  # "Tên đường" is the names' column: none left
    assert stored_roads(migrated_engine) == expected_roads()


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


def vni_roads(out: Path) -> Path:
    """The roads shapefile typed in VNI fonts: its DBF holds VNI's bytes, which GDAL writes
    as they are when told they are Latin-1."""
    source = write_geojson(out / "duong.geojson", [
        ({"TEN_DUONG": VNI_ROADS[name].decode("latin1"), "BE_RONG": width, "SO_LAN": lanes},
         "LineString", vertices) for name, width, lanes, vertices in ROADS_VI])
    shp = ogr2ogr(out / "duong.shp", source, "-f", "ESRI Shapefile",
                  "-lco", "ENCODING=ISO-8859-1")
    shp.with_suffix(".cpg").unlink()
    return shp


def test_vni_shapefile_names_come_out_right(migrated_engine: Engine, tmp_path: Path) -> None:
    shp = vni_roads(tmp_path)
    assert VNI_ROADS["Lê Văn Lương"] in shp.with_suffix(".dbf").read_bytes()
    load_file(migrated_engine, "roads", shp, encoding="vni")
    assert stored_roads(migrated_engine) == expected_roads()
    assert all(unicodedata.is_normalized("NFC", name) for name, *_ in stored_roads(migrated_engine))


HYDRANT_CSV = ("Mã trụ,Tình trạng,Tên đường,Kinh độ,Vĩ độ\r\n"
               "TN-01,Hoạt động,Huỳnh Tấn Phát,106.7301,10.7402\r\n"
               "TN-02,Hư hỏng,Nguyễn Thị Thập,106.7102,10.7388\r\n")
VNI_HYDRANT_CSV = (b"Ma\xf5 tru\xef,T\xecnh tra\xefng,Te\xe2n \xf1\xf6\xf4\xf8ng,"
                   b"Kinh \xf1o\xe4,V\xf3 \xf1o\xe4\r\n"
                   b"TN-01,Hoa\xeft \xf1o\xe4ng,Huy\xf8nh Ta\xe1n Pha\xf9t,106.7301,10.7402\r\n"
                   b"TN-02,H\xf6 ho\xfbng,Nguye\xe3n Th\xf2 Tha\xe4p,106.7102,10.7388\r\n")


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_hydrant_csv_typed_in_old_fonts_loads(migrated_engine: Engine, tmp_path: Path,
                                              encoding: str) -> None:
    csv = tmp_path / "tru_nuoc.csv"
    csv.write_bytes(iconv_tcvn3(HYDRANT_CSV) if encoding == "tcvn3" else VNI_HYDRANT_CSV)
    report = load_file(migrated_engine, "hydrants", csv, encoding=encoding)
    assert (report.read, report.rejected_total, report.notes) == (2, 0, []), report.summary()
    assert rows(migrated_engine, "SELECT code, status, street FROM hydrants ORDER BY code") == [
        ("TN-01", "working", "Huỳnh Tấn Phát"), ("TN-02", "out_of_service", "Nguyễn Thị Thập")]


def test_an_encoding_nobody_knows_is_refused_with_the_vietnamese_ones_named(
        migrated_engine: Engine, tmp_path: Path) -> None:
    csv = tmp_path / "tru_nuoc.csv"
    csv.write_bytes(VNI_HYDRANT_CSV)
    with pytest.raises(InvalidInput, match="'vps' is not an encoding urbanmap knows; give "
                                           "cp1258 for Windows Vietnamese, tcvn3 for the ABC "
                                           r"fonts \(.VnTime\), vni for the VNI fonts"):
        load_file(migrated_engine, "hydrants", csv, encoding="vps")
    assert rows(migrated_engine, "SELECT count(*) FROM hydrants") == [(0,)]
