"""Vietnamese text typed before Unicode: TCVN3 (the ABC fonts, .VnTime) and VNI, and text
typed in one set and read as another, refused saying which.

District offices still send Shapefiles and CSVs typed in these fonts' character sets, which
neither Python nor GDAL reads (loaders/charsets.py). TCVN3 fixtures are encoded by GDAL's and
glibc's iconv (TCVN5712-1), independent of urbanmap's table; VNI has no encoder on the
machine, so its fixtures are byte strings typed out here, names of District 7.
"""

from __future__ import annotations

import codecs
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pyogrio
import pytest
from sqlalchemy import Engine
from truth_files import ogr2ogr, rows, windows_1258, write_geojson
from vietnamese_roads import ROADS_VI, expected_roads, stored_roads, vietnamese_roads

import loaders.files
from geo.errors import InvalidInput
from geo.sample import OSM_EXTRACT
from loaders import charsets  # noqa: F401  (registers tcvn3 and vni)
from loaders.files import load_file

# -- the sets typed before Unicode ---------------------------------------------------------

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


def _in_cp1258(text: str) -> bool:
    try:
        windows_1258(text)
    except UnicodeEncodeError:  # a letter of another script (the sample has Korean)
        return False
    return True


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


# -- text typed in an old set and read as another: refused, saying which set -----------

def as_read(typed: bytes) -> str:
    """Bytes typed in an old set as GDAL reads them from a file saying ANSI (Windows-1252):
    for these, the same as Latin-1."""
    return typed.decode("cp1252")


def roads_file(out: Path, names: list[bytes], *options: str) -> Path:
    """ROADS_VI with its names given as bytes, written by GDAL in the format `options` say
    with those bytes as they are (each format told Windows-1252, which maps them all)."""
    source = write_geojson(out / "duong.geojson", [
        ({"TEN_DUONG": as_read(typed), "BE_RONG": width, "SO_LAN": lanes}, "LineString", vertices)
        for typed, (_, width, lanes, vertices) in zip(names, ROADS_VI, strict=True)])
    return ogr2ogr(out / options[0], source, *options[1:])


TCVN3_ROADS = [iconv_tcvn3(name) for name, *_ in ROADS_VI]
VNI_ROADS_BYTES = [VNI_ROADS[name] for name, *_ in ROADS_VI]
ANSI_SHAPEFILE = ("duong.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP1252")
MAPINFO_TABLE = ("duong.tab", "-f", "MapInfo File", "-lco", "ENCODING=CP1252")


@pytest.mark.parametrize("typed, encoding, options, example", [
    (TCVN3_ROADS, "tcvn3", ANSI_SHAPEFILE, "'NguyÔn' reads 'Nguyễn'"),
    (VNI_ROADS_BYTES, "vni", ANSI_SHAPEFILE, "'Nguyeãn' reads 'Nguyễn'"),
    (TCVN3_ROADS, "tcvn3", MAPINFO_TABLE, "'NguyÔn' reads 'Nguyễn'"),
], ids=["shapefile-tcvn3", "shapefile-vni", "mapinfo-tcvn3"])
def test_text_read_in_the_wrong_set_is_refused_then_loads_when_named(
        migrated_engine: Engine, tmp_path: Path, typed: list[bytes], encoding: str,
        options: tuple[str, ...], example: str) -> None:
    """An ArcView .dbf or a MapInfo table says ANSI (Windows-1252) whatever font its text
    was typed in, and GDAL reads it so: stored as read, every name would be garbled."""
    path = roads_file(tmp_path, typed, *options)
    with pytest.raises(InvalidInput, match=re.escape(
            f"{path.name}: its text looks typed in {charsets.LABELS[encoding]} and read as another "
            f"set: {example} in it. Load it again with --encoding {encoding}")):
        load_file(migrated_engine, "roads", path)
    assert stored_roads(migrated_engine) == []
    load_file(migrated_engine, "roads", path, encoding=encoding)
    assert stored_roads(migrated_engine) == expected_roads()


def test_text_misread_only_after_the_first_batch_is_refused_too(
        migrated_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A register's first rows may be codes and numbers only (here a batch of one road
    named in ASCII): the set is told from the first batch with letters beyond ASCII."""
    monkeypatch.setattr(loaders.files, "BATCH_ROWS", 1)
    path = roads_file(tmp_path, [b"Duong D1", *TCVN3_ROADS[1:]], *ANSI_SHAPEFILE)
    with pytest.raises(InvalidInput, match="looks typed in .* --encoding tcvn3"):
        load_file(migrated_engine, "roads", path)
    assert stored_roads(migrated_engine) == []


def test_text_right_as_read_can_be_loaded_so(migrated_engine: Engine, tmp_path: Path) -> None:
    """The refusal's way out, for text that only looks so: name the set it was read in."""
    path = roads_file(tmp_path, TCVN3_ROADS, *ANSI_SHAPEFILE)
    load_file(migrated_engine, "roads", path, encoding="latin1")
    assert [name for name, *_ in stored_roads(migrated_engine)] == [
        as_read(typed) for typed in TCVN3_ROADS]


def test_a_geopackage_converted_without_its_set_is_decoded_when_named(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """A GeoPackage is UTF-8, but one made from a .VnTime Shapefile by a tool told nothing
    holds the garbled names in UTF-8; the same option decodes them."""
    path = roads_file(tmp_path, TCVN3_ROADS, "duong.gpkg", "-f", "GPKG")
    with pytest.raises(InvalidInput, match="if 'NguyÔn' is right as it is, with "
                                           "--encoding utf-8"):
        load_file(migrated_engine, "roads", path)
    load_file(migrated_engine, "roads", path, encoding="tcvn3")
    assert stored_roads(migrated_engine) == expected_roads()


def test_a_workbook_typed_in_vntime_loads_with_its_heading_found(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """Excel cells typed in .VnTime hold TCVN3's bytes as Latin-1 letters: the heading
    ("M· trô" for "Mã trụ") is found once decoded, and every value is decoded."""
    def typed(text: str) -> str:
        return iconv_tcvn3(text).decode("latin1")

    book = openpyxl.Workbook()
    book.active.append([typed("Danh sách trụ nước chữa cháy")])
    book.active.append([])
    book.active.append([typed(h) for h in ("Mã trụ", "Tình trạng", "Tên đường", "Kinh độ",
                                           "Vĩ độ")])
    book.active.append(["TN-01", typed("Hoạt động"), typed("Huỳnh Tấn Phát"), 106.7301, 10.7402])
    book.active.append(["TN-02", typed("Hư hỏng"), typed("Nguyễn Thị Thập"), 106.7102, 10.7388])
    path = tmp_path / "tru_nuoc.xlsx"
    book.save(path)
    with pytest.raises(InvalidInput, match=re.escape("--encoding tcvn3")):
        load_file(migrated_engine, "hydrants", path)
    report = load_file(migrated_engine, "hydrants", path, encoding="tcvn3")
    assert (report.read, report.rejected_total) == (2, 0), report.summary()
    assert rows(migrated_engine, "SELECT code, status, street FROM hydrants ORDER BY code") == [
        ("TN-01", "working", "Huỳnh Tấn Phát"), ("TN-02", "out_of_service", "Nguyễn Thị Thập")]


def sample_names() -> list[str]:
    """Every name in the District 7 OpenStreetMap sample: text as people really type it."""
    names: set[str] = set()
    for layer in ("points", "lines", "multipolygons"):
        frame = pyogrio.read_dataframe(OSM_EXTRACT, layer=layer, columns=["name"],
                                       read_geometry=False)
        names |= set(frame["name"].dropna())
    return sorted(names)


def test_real_names_read_right_are_not_taken_for_another_set() -> None:
    names = sample_names()
    assert len(names) > 1000
    assert charsets.typed_in(names) is None


@pytest.mark.parametrize("encoding", ["tcvn3", "cp1258"])
def test_real_names_read_in_the_wrong_set_are_told(encoding: str) -> None:
    """The sample's Vietnamese names written in each set by an encoder urbanmap does not
    have (glibc's iconv; the tests' own cp1258 writer), then read as Windows-1252 bytes."""
    names = [n for n in sample_names() if not n.isascii() and n.isprintable()]
    if encoding == "tcvn3":  # in one iconv call, those whose letters TCVN 5712 has
        written = iconv_tcvn3("\n".join(n for n in names if set(n) <= set(charsets.TCVN3)))
        written = written.split(b"\n")
    else:
        written = [windows_1258(name) for name in names if _in_cp1258(name)]
    found = charsets.typed_in(raw.decode("latin1") for raw in written)
    assert found is not None and found[0] == encoding, found
    assert nfc(found[1].encode("latin1").decode(encoding)) == found[2]


@pytest.mark.parametrize("make, expected", [
    (lambda out: tcvn3_roads(out).with_suffix(".cpg").unlink() or out / "duong.shp",
     "duong.shp has text that is not in the encoding GDAL expected: its text looks typed in "
     "TCVN3 (the ABC fonts, .VnTime) and read as another set: 'Tªn' reads 'Tên' in it. Load "
     "it again with --encoding tcvn3"),
    (lambda out: (out / "tru_nuoc.csv").write_bytes(VNI_HYDRANT_CSV) and out / "tru_nuoc.csv",
     "tru_nuoc.csv has text that is not in the encoding GDAL expected: its text looks typed in "
     "VNI (the VNI fonts) and read as another set: 'tru\xef' reads 'trụ' in it. Load it again "
     "with --encoding vni"),
], ids=["dbf-tcvn3", "csv-vni"])
def test_text_gdal_cannot_read_is_refused_naming_the_set_it_looks_typed_in(
        migrated_engine: Engine, tmp_path: Path, make, expected: str) -> None:
    """A .dbf with no .cpg, or a CSV, whose bytes are not UTF-8: before, the message listed
    every encoding there is; now it names the one the text reads in."""
    path = make(tmp_path)
    layer = "roads" if path.suffix == ".shp" else "hydrants"
    with pytest.raises(InvalidInput, match=re.escape(expected)):
        load_file(migrated_engine, layer, path)


@pytest.mark.parametrize("name, options", [
    ("duong.tab", ()), ("duong.mif", ("-dsco", "FORMAT=MIF"))], ids=["tab", "mif"])
def test_a_mapinfo_table_saying_neutral_loads_when_its_set_is_named(
        migrated_engine: Engine, tmp_path: Path, name: str, options: tuple[str, ...]) -> None:
    """A MapInfo table saying its charset is "Neutral" hands GDAL's reader its bytes as
    they are, which are not UTF-8: refused before, and with --encoding too (the header is
    said Latin-1 in a copy, so that GDAL reads every byte and the load decodes them)."""
    path = roads_file(tmp_path, TCVN3_ROADS, name, "-f", "MapInfo File",
                      "-lco", "ENCODING=CP1252", *options)
    header = path.read_text(encoding="latin1")
    assert "WindowsLatin1" in header
    path.write_text(header.replace("WindowsLatin1", "Neutral"), encoding="latin1")
    with pytest.raises(InvalidInput, match="has text that is not UTF-8"):
        load_file(migrated_engine, "roads", path)
    load_file(migrated_engine, "roads", path, encoding="tcvn3")
    assert stored_roads(migrated_engine) == expected_roads()
    assert "Neutral" in path.read_text(encoding="latin1")  # the sender's file as it was


class _LegacyName(zipfile.ZipInfo):
    """A member named as Windows' own zip tool names it: in the PC's code page, without the
    flag that says UTF-8 (zipfile would write UTF-8 and the flag)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("cp437"), self.flag_bits


def test_a_zip_from_a_vietnamese_pc_is_read_whatever_its_names_bytes(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """Zip readers take such names as code page 437: Python's zipfile and GDAL's /vsizip/
    alike, so the Shapefile inside "Tân Phú.zip" is found, though its name reads "TΓn Ph·"."""
    shp = vietnamese_roads(tmp_path, "UTF-8")
    garbled = "Tân Phú".encode("cp1258").decode("cp437")
    archive = tmp_path / "tan_phu.zip"
    with zipfile.ZipFile(archive, "w") as writing:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            writing.writestr(_LegacyName(f"{garbled}{suffix}"),
                             shp.with_suffix(suffix).read_bytes())
    assert zipfile.ZipFile(archive).namelist()[0].startswith("TΓn Ph·")
    report = load_file(migrated_engine, "roads", archive)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored_roads(migrated_engine) == expected_roads()
