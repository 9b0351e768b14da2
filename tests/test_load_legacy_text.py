"""Vietnamese text as agencies' files hold it: Unicode in NFC or NFD, and Windows' code
page (cp1258), in Shapefiles (zipped too, and a zip of one a ward), CSVs and GeoJSON. The
sets typed before Unicode, TCVN3 and VNI, are in test_load_old_fonts.py.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine
from truth_files import (
    TOLERANCE_M,
    TRUTH,
    VIETNAMESE_STATUS,
    ogr2ogr,
    rows,
    stored_properties,
    truth_properties,
    truth_vertices,
    windows_1258,
    worst_error_m,
    write_geojson,
)
from vietnamese_roads import ROADS_VI, expected_roads, stored_roads, vietnamese_roads

from geo.errors import InvalidInput
from loaders.files import load_file


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_vietnamese_dbf_columns_are_mapped_and_text_stored_in_nfc(
        migrated_engine: Engine, tmp_path: Path, form: str) -> None:
    shp = vietnamese_roads(tmp_path, "UTF-8", form)
    assert shp.with_suffix(".cpg").read_text() == "UTF-8"
    dbf = shp.with_suffix(".dbf").read_bytes()
    assert unicodedata.normalize(form, "Hữu Thọ").encode() in dbf
    load_file(migrated_engine, "roads", shp)
    assert stored_roads(migrated_engine) == expected_roads()
    assert all(unicodedata.is_normalized("NFC", name) for name, *_ in stored_roads(migrated_engine))


def test_d_typed_as_its_look_alike_eth_is_stored_as_d(migrated_engine: Engine,
                                                      tmp_path: Path) -> None:
    """Some keyboards and font converters write Đ as Ð (U+00D0, the Icelandic eth), which
    looks the same: "Ðường" was no column of roads, and a name so typed equalled no other."""
    eth = str.maketrans("Đđ", "\u00d0\u00f0")
    source = write_geojson(tmp_path / "duong.geojson", [
        ({"Tên Ðường".translate(eth): name.translate(eth) + " Ðđ".translate(eth),
          "BE_RONG": width, "SO_LAN": lanes}, "LineString", vertices)
        for name, width, lanes, vertices in ROADS_VI])
    assert "\u00d0" in source.read_text(encoding="utf-8")
    report = load_file(migrated_engine, "roads", source)
    assert report.notes == [], report.notes  # "Tên Ðường" is the names' column
    assert stored_roads(migrated_engine) == [(f"{name} Đđ", width, lanes)
                                             for name, width, lanes in expected_roads()]


@pytest.mark.parametrize("cpg, options, zipped", [
    ("1258", {}, False),                    # the .cpg names Windows Vietnamese
    (None, {"encoding": "cp1258"}, False),  # no .cpg: the loader is told
    ("1258", {}, True),                     # the .cpg inside the zip sent
], ids=["cpg-1258", "no-cpg-encoding-cp1258", "zipped-cpg-1258"])
def test_windows_vietnamese_shapefile_names_come_out_right(
        migrated_engine: Engine, tmp_path: Path, cpg: str | None, options: dict,
        zipped: bool) -> None:
    """Zipped, GDAL read the .cpg itself and cut the last letter of every name and value
    (OSGeo/gdal#2045): "TEN_DUON" was no column of roads, and no road got its name."""
    (tmp_path / "sent").mkdir()
    shp = vietnamese_roads(tmp_path / "sent", "CP1258")
    dbf = shp.with_suffix(".dbf").read_bytes()
    assert dbf[29] == 0  # no language driver id: the encoding comes from .cpg or the caller
    assert "Huỳnh Tấn Phát" in unicodedata.normalize("NFC", dbf.decode("cp1258", "replace"))
    shp.with_suffix(".cpg").unlink()
    if cpg:
        shp.with_suffix(".cpg").write_text(cpg)
    if zipped:
        with zipfile.ZipFile(tmp_path / "duong.zip", "w") as archive:
            for part in shp.parent.glob("duong.*"):
                if part.suffix != ".geojson":
                    archive.write(part, part.name)
    report = load_file(migrated_engine, "roads", tmp_path / "duong.zip" if zipped else shp,
                       **options)
    assert not any("not loaded" in note for note in report.notes), report.notes
    assert stored_roads(migrated_engine) == expected_roads()


def zip_of_wards(archive: Path, wards: dict[str, list[tuple]], encodings: dict[str, str],
                 out: Path, alleys: bool = False) -> Path:
    """A zip of a folder a ward, each holding its roads as duong.shp in its encoding, with a
    .cpg naming it as ArcGIS does (1258), and the first ward its bridges (points) too; with
    `alleys`, each ward's alleys (lines too) as hem.shp beside its roads."""
    with zipfile.ZipFile(archive, "w") as zipped:
        for ward, roads in wards.items():
            folder = out / ward
            folder.mkdir(parents=True)
            ways = {"duong": roads, **({"hem": _alleys_of(ward)} if alleys else {})}
            for file, features in ways.items():
                named = "TEN_DUONG" if file == "duong" else "TEN_HEM"
                source = write_geojson(folder / f"{file}.geojson", [
                    ({named: name, "BE_RONG": width, "SO_LAN": lanes}, "LineString", line)
                    for name, width, lanes, line in features])
                shp = ogr2ogr(folder / f"{file}.shp", source, "-f", "ESRI Shapefile",
                              "-lco", f"ENCODING={encodings[ward]}")
                shp.with_suffix(".cpg").write_text(encodings[ward].removeprefix("CP"))
            if ward == next(iter(wards)):
                bridges = write_geojson(folder / "cau.geojson", [
                    ({"TEN_CAU": "Cầu Tân Thuận"}, "Point", [(106.7200, 10.7550)])])
                ogr2ogr(folder / "cau.shp", bridges, "-f", "ESRI Shapefile")
            for part in sorted(folder.iterdir()):
                if part.suffix != ".geojson":
                    zipped.write(part, f"{ward}/{part.name}")
    return archive


def test_a_zip_of_a_shapefile_per_ward_loads_as_one_when_asked(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """A district's roads sent as a folder a ward, each with its duong.shp in Windows
    Vietnamese: one list with --layer '*', every name whole (GDAL, left to read each .cpg,
    would cut each name's last letter). A ward's file in another encoding is refused, and
    the roads loaded are kept."""
    wards = {"Phuong_Tan_Phong": ROADS_VI[:2], "Phuong_Tan_Hung": ROADS_VI[2:]}
    archive = zip_of_wards(tmp_path / "duong_theo_phuong.zip", wards,
                           dict.fromkeys(wards, "CP1258"), tmp_path)
    with pytest.raises(InvalidInput, match=re.escape(
            "it holds: Phuong_Tan_Phong/cau.shp, Phuong_Tan_Phong/duong.shp, "
            "Phuong_Tan_Hung/duong.shp. Name the one you want with --layer, or read them all "
            "as one with --layer '*'.")):
        load_file(migrated_engine, "roads", archive)
    report = load_file(migrated_engine, "roads", archive, layer="*")
    assert report.notes[:2] == [
        "read 2 files as one, features from each: 'Phuong_Tan_Phong/duong' (2), "
        "'Phuong_Tan_Hung/duong' (1)",
        "file 'Phuong_Tan_Phong/cau' left out: it holds Point, not lines"], report.notes
    assert not any("not loaded" in note for note in report.notes), report.notes
    assert stored_roads(migrated_engine) == expected_roads()
    again = zip_of_wards(tmp_path / "again.zip", {**wards, "Phuong_Tan_Kieng": ROADS_VI[:1]},
                         {**dict.fromkeys(wards, "CP1258"), "Phuong_Tan_Kieng": "UTF-8"},
                         tmp_path / "again")
    with pytest.raises(InvalidInput, match=re.escape(
            "its Shapefiles' .cpg files name different encodings (Phuong_Tan_Phong/duong.shp: "
            "1258; Phuong_Tan_Hung/duong.shp: 1258; Phuong_Tan_Kieng/duong.shp: UTF-8)")):
        load_file(migrated_engine, "roads", again, layer="*")
    assert stored_roads(migrated_engine) == expected_roads()
    # one ward's file, named by its path in the zip (its name alone is every ward's)
    load_file(migrated_engine, "roads", archive, layer="Phuong_Tan_Hung/duong.shp")
    assert stored_roads(migrated_engine) == expected_roads()[2:]


def test_a_road_added_to_a_wards_file_renumbers_no_other_wards(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """Roads without ids are known by their place: in a zip of a file a ward read as one, by
    their file and their place in it. Known by their place in all the files, a road added to
    the first ward's file moved each later ward's road to another's id, and a replace
    updated features that had not changed."""
    wards = {"Phuong_Tan_Phong": ROADS_VI[:1], "Phuong_Tan_Hung": ROADS_VI[2:]}
    encodings = {"Phuong_Tan_Phong": "CP1258", "Phuong_Tan_Hung": "CP1258"}
    load_file(migrated_engine, "roads", layer="*",
              path=zip_of_wards(tmp_path / "v1.zip", wards, encodings, tmp_path / "v1"))
    before = rows(migrated_engine, "SELECT source_id, fid FROM roads ORDER BY fid")
    assert [source_id for source_id, _ in before] == [
        "Phuong_Tan_Phong/duong:0", "Phuong_Tan_Hung/duong:0"]
    more = {**wards, "Phuong_Tan_Phong": ROADS_VI[:2]}
    report = load_file(migrated_engine, "roads", layer="*",
                       path=zip_of_wards(tmp_path / "v2.zip", more, encodings, tmp_path / "v2"))
    assert (report.inserted, report.updated, report.deleted, report.unchanged) == (1, 0, 0, 2)
    assert stored_roads(migrated_engine) == expected_roads()
    assert set(before) < set(rows(migrated_engine, "SELECT source_id, fid FROM roads"))


def _alleys_of(ward: str) -> list[tuple]:
    """An alley of the ward: its name, width and lanes, a short line."""
    number = len(ward)
    return [(f"Hẻm {number} Lâm Văn Bền", 3.5, 1, [(106.7100, 10.7400 + number / 1e4),
                                                   (106.7110, 10.7400 + number / 1e4)])]


def test_a_pattern_names_the_files_of_each_wards_folder_to_read(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """Each ward's folder holds its roads and its alleys, both lines: '*' would read the
    alleys as roads, so it is refused, saying the pattern that reads the roads alone."""
    wards = {"Phuong_Tan_Phong": ROADS_VI[:2], "Phuong_Tan_Hung": ROADS_VI[2:]}
    archive = zip_of_wards(tmp_path / "giao_thong.zip", wards, dict.fromkeys(wards, "CP1258"),
                           tmp_path, alleys=True)
    with pytest.raises(InvalidInput, match=re.escape(
            "giao_thong.zip: its folders each hold several files of lines (duong, hem), and "
            "--layer '*' would read them all as roads. Name those to read with a pattern, "
            "such as --layer '*/duong' (or '*/*' for all of them).")):
        load_file(migrated_engine, "roads", archive, layer="*")
    assert stored_roads(migrated_engine) == []
    report = load_file(migrated_engine, "roads", archive, layer="*/duong.shp")
    assert report.notes[:1] == [
        "read 2 files as one, features from each: 'Phuong_Tan_Phong/duong' (2), "
        "'Phuong_Tan_Hung/duong' (1)"], report.notes
    assert stored_roads(migrated_engine) == expected_roads()
    load_file(migrated_engine, "alleys", archive, layer="*/HEM")  # as Windows may name it
    assert sorted(rows(migrated_engine, "SELECT name FROM alleys")) == [
        (name,) for ward in sorted(wards) for name, *_ in _alleys_of(ward)]
    # a pattern naming one ward's file reads that one
    load_file(migrated_engine, "roads", archive, layer="*Hung/duong*")
    assert stored_roads(migrated_engine) == expected_roads()[2:]
    with pytest.raises(InvalidInput, match=re.escape(
            "giao_thong.zip: --layer 'cong*' names none of its files: "
            "Phuong_Tan_Phong/cau.shp, Phuong_Tan_Phong/duong.shp, Phuong_Tan_Phong/hem.shp, "
            "Phuong_Tan_Hung/duong.shp, Phuong_Tan_Hung/hem.shp.")):
        load_file(migrated_engine, "roads", archive, layer="cong*")
    assert stored_roads(migrated_engine) == expected_roads()[2:]


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


def excel_csv(path: Path, encoding: str) -> Path:
    """Hydrants as Excel saves a Vietnamese sheet: columns headed in Vietnamese with
    diacritics (longitude is "Kinh độ", latitude "Vĩ độ"), `;` between fields, decimal
    commas, dates day first, states in words, CRLF line ends, a BOM when in UTF-8."""
    lines = ["STT;Mã trụ;Tình trạng;Ngày kiểm tra;Áp lực (bar);Tên đường;Kinh độ;Vĩ độ"]
    for number, (props, _, [(lon, lat)]) in enumerate(TRUTH["hydrants"], start=1):
        lines.append(";".join([str(number), props["code"], VIETNAMESE_STATUS[props["status"]],
                               f"{number:02d}/11/2023", f"{number + 0.5}".replace(".", ","),
                               props["street"], f"{lon:.6f}".replace(".", ","),
                               f"{lat:.6f}".replace(".", ",")]))
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes(text.encode("utf-8-sig") if encoding == "utf-8" else windows_1258(text))
    return path


@pytest.mark.parametrize("encoding, zipped", [
    ("utf-8", False), ("cp1258", False), ("cp1258", True)], ids=["utf-8", "cp1258", "zipped"])
def test_vietnamese_excel_csv_loads_as_written(migrated_engine: Engine, tmp_path: Path,
                                               encoding: str, zipped: bool) -> None:
    path = excel_csv(tmp_path / "tru_nuoc.csv", encoding)
    if zipped:
        with zipfile.ZipFile(path.with_suffix(".zip"), "w") as archive:
            archive.write(path, path.name)
        path = path.with_suffix(".zip")
    report = load_file(migrated_engine, "hydrants", path,
                       encoding=None if encoding == "utf-8" else encoding)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    # The file named as given, though a UTF-8 copy of it was read.
    assert rows(migrated_engine, "SELECT DISTINCT source_file FROM hydrants") == [(path.name,)]
    assert report.notes == ["columns not loaded: STT"]  # the row number: no field's source
    assert stored_properties(migrated_engine, "hydrants") == truth_properties("hydrants")
    # 2/11/2023 is the 2nd of November, and 2,5 bar is 2.5: as Vietnamese write them.
    assert rows(migrated_engine, "SELECT code, last_inspected::text, pressure_bar FROM hydrants "
                        "ORDER BY code") == [("TN-01", "2023-11-01", 1.5),
                                             ("TN-02", "2023-11-02", 2.5),
                                             ("TN-03", "2023-11-03", 3.5)]
    assert worst_error_m(migrated_engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M



@pytest.mark.parametrize("zipped", [False, True])
def test_a_geojson_in_utf16_loads(migrated_engine: Engine, tmp_path: Path,
                                  zipped: bool) -> None:
    """Saved as "Unicode" by Windows' Notepad: UTF-16 with its byte order mark, which GDAL
    reads as no GeoJSON at all."""
    path = write_geojson(tmp_path / "tru_nuoc.geojson", TRUTH["hydrants"])
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    if zipped:
        with zipfile.ZipFile(path.with_suffix(".zip"), "w") as archive:
            archive.write(path, path.name)
        path = path.with_suffix(".zip")
    report = load_file(migrated_engine, "hydrants", path)
    assert report.notes[0] == "tru_nuoc.geojson is in UTF-16: read as such", report.notes
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored_properties(migrated_engine, "hydrants") == truth_properties("hydrants")
    assert worst_error_m(migrated_engine, "hydrants", truth_vertices("hydrants")) < TOLERANCE_M


@pytest.mark.parametrize("encoding, expected", [
    (None, "not in the encoding GDAL expected: its text looks typed in Windows Vietnamese "
           "(cp1258) and read as another set: 'MaÞ' reads 'Mã' in it. Load it again with "
           "--encoding cp1258"),
    ("ascii", "tru_nuoc.csv is not in ascii"),
    ("utf-16", "tru_nuoc.csv is not in utf-16"),
    ("vps", "'vps' is not an encoding urbanmap knows; give cp1258 for Windows Vietnamese"),
])
def test_csv_read_in_a_wrong_encoding_is_refused_and_the_layer_kept(
        migrated_engine: Engine, tmp_path: Path, encoding: str | None, expected: str) -> None:
    load_file(migrated_engine, "hydrants", excel_csv(tmp_path / "before.csv", "utf-8"))
    before = stored_properties(migrated_engine, "hydrants")
    with pytest.raises(InvalidInput, match=re.escape(expected)):
        load_file(migrated_engine, "hydrants", excel_csv(tmp_path / "tru_nuoc.csv", "cp1258"),
                  encoding=encoding)
    assert stored_properties(migrated_engine, "hydrants") == before == truth_properties("hydrants")
