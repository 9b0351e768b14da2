"""Workbooks as district offices keep them load like any other file: Excel (.xlsx) written by
openpyxl, the library behind most Python exports to Excel, with a title above the column
names, merged cells, date cells and empty sheets; LibreOffice (.ods) and Excel files written
by Debian's ogr2ogr; the CSV Excel saves of such a sheet, title and all. Workbooks that
cannot be read are refused with a message, the layer as it was."""

from __future__ import annotations

import csv
import datetime
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hydrant_files import codes, rows
from pyproj import CRS, Transformer
from sqlalchemy import Engine
from truth_files import windows_1258

from geo.crs import resolve_crs
from geo.errors import InvalidInput
from loaders.files import load_file

OGR2OGR = "/usr/bin/ogr2ogr"
TOLERANCE_M = 0.5
HEADINGS = ["STT", "Mã trụ", "Tình trạng", "Ngày kiểm tra", "Áp lực (bar)", "Tên đường",
            "Kinh độ", "Vĩ độ"]
# code, status as written, inspected, pressure, street, lon, lat
HYDRANTS = [
    ("TN-01", "Hoạt động", datetime.date(2023, 11, 2), 2.5, "Nguyễn Văn Linh", 106.72190, 10.72900),
    ("TN-02", "Hư hỏng", datetime.date(2024, 3, 4), 3.0, "Huỳnh Tấn Phát", 106.73000, 10.74500),
    ("TN-03", "Hoạt động", datetime.date(2024, 3, 15), 1.8, "Trần Xuân Soạn", 106.70500, 10.74200),
]
STORED = [("TN-01", "working", "2023-11-02", 2.5, "Nguyễn Văn Linh"),
          ("TN-02", "out_of_service", "2024-03-04", 3.0, "Huỳnh Tấn Phát"),
          ("TN-03", "working", "2024-03-15", 1.8, "Trần Xuân Soạn")]


def office_workbook(path: Path, *, title: bool = True, as_text: bool = False,
                    sheets: tuple[str, ...] = ("Trụ nước",)) -> Path:
    """Hydrants as a district office types them: a title and the date above the column
    names (merged across the table), a blank row, then the list; empty sheets after it.
    `as_text`: every cell typed as text, dates day first and decimal commas, as a sheet
    pasted from a Word document on a Vietnamese Windows reads."""
    book = openpyxl.Workbook()
    for n, name in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = name
        if title:
            sheet.append(["ỦY BAN NHÂN DÂN QUẬN 7"])
            sheet.append(["DANH SÁCH TRỤ NƯỚC CHỮA CHÁY (cập nhật 20/11/2026)"])
            sheet.merge_cells("A2:H2")
            sheet.append([])
        sheet.append(HEADINGS)
        for number, (code, status, day, bar, street, lon, lat) in enumerate(HYDRANTS, 1):
            values = [number, code, status, day, bar, street, lon, lat]
            if as_text:
                values = [str(number), code, status, day.strftime("%d/%m/%Y"),
                          f"{bar}".replace(".", ","), street, f"{lon:.5f}".replace(".", ","),
                          f"{lat:.5f}".replace(".", ",")]
            sheet.append(values)
            if not as_text:
                sheet.cell(sheet.max_row, 4).number_format = "dd/mm/yyyy"
    book.create_sheet("Sheet2")  # Excel's empty sheets, left in
    book.create_sheet("Sheet3")
    book.save(path)
    return path


def stored(engine: Engine) -> list[tuple]:
    return rows(engine, "SELECT code, status, last_inspected::text, pressure_bar, street "
                        "FROM hydrants ORDER BY code")


def worst_error_m(engine: Engine) -> float:
    truth = ", ".join(f"('{code}', {lon}, {lat})" for code, *_, lon, lat in HYDRANTS)
    [(worst,)] = rows(engine, "SELECT max(ST_Distance(h.geom, ST_Transform(ST_SetSRID("
                              "ST_MakePoint(t.lon, t.lat), 4326), 32648))) FROM hydrants h "
                              f"JOIN (VALUES {truth}) AS t(code, lon, lat) USING (code)")
    return worst


@pytest.mark.parametrize("title, as_text", [(True, False), (False, False), (True, True)],
                         ids=["under-a-title", "headings-first", "typed-as-text"])
def test_office_workbook_loads_from_its_heading_row(migrated_engine: Engine, tmp_path: Path,
                                                    title: bool, as_text: bool) -> None:
    path = office_workbook(tmp_path / "tru_nuoc_q7.xlsx", title=title, as_text=as_text)
    report = load_file(migrated_engine, "hydrants", path)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored(migrated_engine) == STORED
    assert worst_error_m(migrated_engine) < TOLERANCE_M
    read_from = ", column names from row 4 (the 3 rows above left out)" if title else ""
    assert report.notes == [f"read sheet 'Trụ nước'{read_from}", "columns not loaded: STT"]
    assert rows(migrated_engine, "SELECT DISTINCT source_file FROM hydrants") == [(path.name,)]


def test_a_heading_over_two_rows_is_read_as_one(migrated_engine: Engine,
                                                 tmp_path: Path) -> None:
    """The form of official tables: "Tọa độ" (coordinates) merged over "Kinh độ" and "Vĩ độ",
    the other headings merged down over both rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Trụ nước"
    sheet.append(["DANH SÁCH TRỤ NƯỚC CHỮA CHÁY"])
    sheet.append(["STT", "Mã trụ", "Tình trạng", "Ngày kiểm tra", "Áp lực (bar)", "Tên đường",
                  "Tọa độ"])
    sheet.append([None] * 6 + ["Kinh độ", "Vĩ độ"])
    for column in "ABCDEF":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("G2:H2")
    for number, (code, status, day, bar, street, lon, lat) in enumerate(HYDRANTS, 1):
        sheet.append([number, code, status, day, bar, street, lon, lat])
    book.save(tmp_path / "tru_nuoc.xlsx")
    report = load_file(migrated_engine, "hydrants", tmp_path / "tru_nuoc.xlsx")
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert report.notes[0] == ("read sheet 'Trụ nước', column names from rows 2-3 (the row "
                               "above left out)")
    assert stored(migrated_engine) == STORED
    assert worst_error_m(migrated_engine) < TOLERANCE_M


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258"])
def test_csv_saved_from_an_office_sheet_loads_from_its_heading_row(
        migrated_engine: Engine, tmp_path: Path, encoding: str) -> None:
    """What Excel's "Save as CSV" makes of the office sheet: the title lines kept, padded
    with separators, `;` between fields and decimal commas on a Vietnamese Windows; UTF-8
    with a BOM ("CSV UTF-8"), or Windows Vietnamese (plain "CSV")."""
    lines = ["ỦY BAN NHÂN DÂN QUẬN 7;;;;;;;", "DANH SÁCH TRỤ NƯỚC CHỮA CHÁY;;;;;;;", ";;;;;;;",
             ";".join(HEADINGS)]
    for number, (code, status, day, bar, street, lon, lat) in enumerate(HYDRANTS, 1):
        lines.append(";".join([str(number), code, status, day.strftime("%d/%m/%Y"),
                               str(bar).replace(".", ","), street,
                               f"{lon:.5f}".replace(".", ","), f"{lat:.5f}".replace(".", ",")]))
    text = "\r\n".join(lines) + "\r\n"
    path = tmp_path / "tru_nuoc.csv"
    path.write_bytes(text.encode("utf-8-sig") if encoding == "utf-8" else windows_1258(text))
    report = load_file(migrated_engine, "hydrants", path,
                       encoding=None if encoding == "utf-8" else encoding)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert report.notes == ["column names from row 4 (the 3 rows above left out)",
                            "columns not loaded: STT"]
    assert stored(migrated_engine) == STORED
    assert worst_error_m(migrated_engine) < TOLERANCE_M
    assert rows(migrated_engine, "SELECT DISTINCT source_file FROM hydrants") == [(path.name,)]


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_csv_under_a_title_without_separators_loads(migrated_engine: Engine, tmp_path: Path,
                                                      separator: str) -> None:
    """A title typed above the table in a text editor, not padded as Excel pads it: GDAL
    took its spaces for the file's separator, and cut every row to its one column."""
    lines = ["DANH SÁCH TRỤ NƯỚC CHỮA CHÁY", "", separator.join(HEADINGS)] + [
        separator.join([str(number), code, status, day.strftime("%d/%m/%Y"),
                        str(bar).replace(".", ",") if separator == ";" else str(bar), street,
                        f"{lon:.5f}", f"{lat:.5f}"])
        for number, (code, status, day, bar, street, lon, lat) in enumerate(HYDRANTS, 1)]
    path = tmp_path / "tru_nuoc.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_file(migrated_engine, "hydrants", path)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert report.notes == ["column names from row 3 (the 2 rows above left out)",
                            "columns not loaded: STT"]
    assert stored(migrated_engine) == STORED
    assert worst_error_m(migrated_engine) < TOLERANCE_M


@pytest.mark.parametrize(("name", "encoding", "separator"), [
    ("tru_nuoc.txt", "utf-16", "\t"),  # "Unicode Text": UTF-16 LE with its byte order mark
    ("tru_nuoc.txt", "utf-16-be", "\t"),
    ("tru_nuoc.csv", "utf-16", ","),
    ("tru_nuoc.txt", "cp1258", "\t"),  # "Text (Tab delimited)" on a Vietnamese Windows
    ("tru_nuoc.tsv", "utf-8", "\t"),
])
def test_excels_text_saves_load(migrated_engine: Engine, tmp_path: Path, name: str,
                                encoding: str, separator: str) -> None:
    """Excel's saves as text: "Unicode Text", the way to keep Vietnamese before Excel wrote
    CSV in UTF-8, and "Text (Tab delimited)"; title kept, decimal commas. GDAL reads
    neither: a .txt is no format it knows, and a CSV in UTF-16 no text it reads."""
    decimal = "," if separator == "\t" else "."  # a Vietnamese Windows' decimal comma
    lines = ["DANH SÁCH TRỤ NƯỚC CHỮA CHÁY" + separator * 7, separator.join(HEADINGS)] + [
        separator.join([str(number), code, status, day.strftime("%d/%m/%Y"),
                        str(bar).replace(".", decimal), street,
                        f"{lon:.5f}".replace(".", decimal), f"{lat:.5f}".replace(".", decimal)])
        for number, (code, status, day, bar, street, lon, lat) in enumerate(HYDRANTS, 1)]
    text = "\r\n".join(lines) + "\r\n"
    path = tmp_path / name
    bom = "\ufeff" if encoding == "utf-16-be" else ""  # "utf-16" writes its own
    path.write_bytes(windows_1258(text) if encoding == "cp1258" else (bom + text).encode(encoding))
    if encoding == "cp1258":
        with pytest.raises(InvalidInput, match=r"^tru_nuoc.txt has text that is not in the "
                                               r"encoding .* --encoding cp1258"):
            load_file(migrated_engine, "hydrants", path)
    report = load_file(migrated_engine, "hydrants", path,
                       encoding="cp1258" if encoding == "cp1258" else None)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    said = [f"{name} is in UTF-16: read as such"] \
        if encoding.startswith("utf-16") else []
    assert report.notes == [*said, "column names from row 2 (the row above left out)",
                            "columns not loaded: STT"]
    assert stored(migrated_engine) == STORED
    assert worst_error_m(migrated_engine) < TOLERANCE_M
    assert rows(migrated_engine, "SELECT DISTINCT source_file FROM hydrants") == [(name,)]


def test_a_list_of_one_column_is_read_as_one(migrated_engine: Engine, tmp_path: Path) -> None:
    """Codes of broken hydrants under "Mã trụ", as a field team sends them with --set: GDAL
    read "Mã" and "trụ" as two columns, and "TN 01" as two values."""
    hydrants = table_file([["Mã trụ", "Tình trạng", "Kinh độ", "Vĩ độ"],
                           ["TN 01", "tốt", 106.72, 10.74], ["TN 02", "tốt", 106.721, 10.74]],
                          tmp_path / "tru.csv")
    load_file(migrated_engine, "hydrants", hydrants)
    broken = tmp_path / "tru_hong.csv"
    broken.write_text("Mã trụ\nTN 02\n", encoding="utf-8")
    report = load_file(migrated_engine, "hydrants", broken, mode="update",
                       constants={"status": "hỏng"})
    assert (report.updated, report.rejected_total, report.notes) == (1, 0, []), report.summary()
    assert rows(migrated_engine, "SELECT code, status FROM hydrants ORDER BY code") == [
        ("TN 01", "working"), ("TN 02", "out_of_service")]


def dms(value: float, positive: str, negative: str, style: str) -> str:
    """A coordinate as a GPS receiver or a survey list writes it."""
    hemisphere = positive if value >= 0 else negative
    degrees, rest = divmod(abs(value) * 3600, 3600)
    minutes, seconds = divmod(rest, 60)
    if style == "symbols":
        return f"{int(degrees)}°{int(minutes):02d}'{seconds:06.3f}\"{hemisphere}"
    if style == "spaces":
        return f"{hemisphere} {int(degrees)} {int(minutes)} {seconds:.3f}"
    return f"{int(degrees)}°{(rest / 60):.5f}'"  # degrees and decimal minutes


def table_file(table: list[list], path: Path, sheet: str | None = None) -> Path:
    """`table` as a workbook's sheet (.xlsx, named `sheet` if given) or as a CSV (UTF-8 with
    a BOM, as Excel saves "CSV UTF-8"), by `path`'s suffix."""
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        book.active.title = sheet or book.active.title
        for row in table:
            book.active.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(table)
    return path


@pytest.mark.parametrize("style", ["symbols", "spaces", "minutes"])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_coordinates_in_degrees_and_minutes_load(migrated_engine: Engine, tmp_path: Path,
                                                 kind: str, style: str) -> None:
    """A list typed from a GPS receiver's screen: 10°46'21.300"N, N 10 46 21.300 or
    10°46.35500'. GDAL reads such a column as text, and every hydrant had no position."""
    table = [["Mã trụ", "Tình trạng", "Vĩ độ", "Kinh độ"]] + [
        [code, status, dms(lat, "N", "S", style), dms(lon, "E", "W", style)]
        for code, status, _, _, _, lon, lat in HYDRANTS]
    report = load_file(migrated_engine, "hydrants", table_file(table, tmp_path / f"gps.{kind}"))
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert "6 coordinates in degrees and minutes read as decimal degrees" in report.notes
    assert [row[:2] for row in stored(migrated_engine)] == [row[:2] for row in STORED]
    assert worst_error_m(migrated_engine) < TOLERANCE_M


def google_maps(lon: float, lat: float, style: str) -> str:
    """A position in one cell: as Google Maps copies it (latitude first, decimal or in
    degrees), or as a GeoJSON-minded colleague writes it (longitude first)."""
    if style == "decimal":
        return f"{lat:.6f}, {lon:.6f}"
    if style == "degrees":
        return f"{dms(lat, 'N', 'S', 'symbols')} {dms(lon, 'E', 'W', 'symbols')}"
    return f"[{lon:.6f}, {lat:.6f}]"


@pytest.mark.parametrize("style, order", [("decimal", "latitude, longitude"),
                                          ("degrees", "latitude, longitude"),
                                          ("longitude-first", "longitude, latitude")])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_positions_typed_in_one_column_load(migrated_engine: Engine, tmp_path: Path, kind: str,
                                            style: str, order: str) -> None:
    """A list whose "Tọa độ" column holds each position as pasted from Google Maps. It
    had no geometry at all: GDAL finds coordinates only in a column each."""
    table = [["DANH SÁCH TRỤ NƯỚC CHỮA CHÁY", "", "", ""], ["", "", "", ""],
             ["Mã trụ", "Tình trạng", "Tên đường", "Tọa độ"]] + [
        [code, status, street, google_maps(lon, lat, style)]
        for code, status, _, _, street, lon, lat in HYDRANTS]
    report = load_file(migrated_engine, "hydrants",
                       table_file(table, tmp_path / f"tru_nuoc.{kind}"))
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert f"column 'Tọa độ' holds each position in one cell: read 3 as {order}" \
        in report.notes
    assert [(code, status, street) for code, status, _, _, street in stored(migrated_engine)] \
        == [(code, status, street) for code, status, _, _, street in STORED]
    assert worst_error_m(migrated_engine) < TOLERANCE_M


VN2000_GEOGRAPHIC = Transformer.from_crs("EPSG:4326", resolve_crs("EPSG:4756"), always_xy=True)


@pytest.mark.parametrize("lon_name, lat_name", [
    ("Kinh độ (E)", "Vĩ độ (N)"), ("Kinh độ Đông", "Vĩ độ Bắc"),
    ("Longitude (WGS84)", "Latitude (WGS84)"), ("KINH_DO_VN2000", "VI_DO_VN2000"),
    ("Tọa độ (VN-2000)", None)], ids=["hemisphere-letters", "hemisphere-words", "wgs84",
                                       "vn2000", "one-column-vn2000"])
def test_coordinate_columns_named_with_their_hemisphere_or_datum_load(
        migrated_engine: Engine, tmp_path: Path, lon_name: str, lat_name: str | None) -> None:
    """Headings that say more than "Kinh độ": the hemisphere, or the datum. Such a list had
    no geometry. A heading naming VN-2000 is read in it, which moves District 7 about 225 m
    from where WGS 84 would put the same numbers; the report says so."""
    vn2000 = "2000" in lon_name
    positions = [VN2000_GEOGRAPHIC.transform(lon, lat) if vn2000 else (lon, lat)
                 for *_, lon, lat in HYDRANTS]
    if lat_name is None:  # one column of positions, as Google Maps copies them
        table = [["Mã trụ", "Tình trạng", lon_name]] + [
            [code, status, f"{lat:.9f}, {lon:.9f}"]
            for (code, status, *_), (lon, lat) in zip(HYDRANTS, positions, strict=True)]
    else:
        table = [["Mã trụ", "Tình trạng", lon_name, lat_name]] + [
            [code, status, f"{lon:.9f}", f"{lat:.9f}"]
            for (code, status, *_), (lon, lat) in zip(HYDRANTS, positions, strict=True)]
    report = load_file(migrated_engine, "hydrants", table_file(table, tmp_path / "tru_nuoc.csv"))
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    said = ("longitudes and latitudes read as VN-2000 (EPSG:4756), as their column names say; "
            "--crs EPSG:4326 if they are WGS 84")
    assert (said in report.notes) == vn2000, report.notes
    assert worst_error_m(migrated_engine) < TOLERANCE_M


def test_a_position_that_cannot_be_read_is_named_and_its_feature_refused(
        loaded: Engine, tmp_path: Path) -> None:
    """One mistyped cell among positions refuses its hydrant alone, and says which."""
    before = rows(loaded, "SELECT count(*) FROM hydrants")
    path = tmp_path / "tru_nuoc.csv"
    lines = ["Mã trụ,Tình trạng,Tọa độ"] + [
        f'{code},{status},"{google_maps(lon, lat, "decimal")}"'
        for code, status, _, _, _, lon, lat in HYDRANTS[:2]] + ['TN-03,Hoạt động,"10.74, 1O6.70"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_file(loaded, "hydrants", path, mode="upsert")
    assert (report.read, report.inserted, report.rejected_total) == (3, 2, 1), report.summary()
    assert (report.rejected, report.examples) == ({"no geometry": 1}, {"no geometry": ["TN-03"]})
    assert ("1 cell of 'Tọa độ' holds no position that could be read ('10.74, 1O6.70'): "
            "latitude and longitude, as 10.7726, 106.7390") in report.notes
    assert rows(loaded, "SELECT count(*) FROM hydrants") == [(before[0][0] + 2,)]


@pytest.mark.parametrize("crs_from", [".prj", "--crs"])
def test_a_workbook_of_projected_coordinates_loads(migrated_engine: Engine, tmp_path: Path,
                                                   crs_from: str) -> None:
    """A survey team's list in UTM 48N metres, its CRS in a .prj beside the workbook (as
    beside a CSV) or given with --crs."""
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    book = openpyxl.Workbook()
    book.active.append(["Mã trụ", "Tình trạng", "Tên đường", "Ngày kiểm tra", "Áp lực (bar)",
                        "X", "Y"])
    for code, status, day, bar, street, lon, lat in HYDRANTS:
        book.active.append([code, status, street, day, bar, *to_utm.transform(lon, lat)])
    path = tmp_path / "khao_sat.xlsx"
    book.save(path)
    if crs_from == ".prj":
        path.with_suffix(".prj").write_text(CRS.from_epsg(32648).to_wkt("WKT1_ESRI"))
    report = load_file(migrated_engine, "hydrants", path,
                       crs="EPSG:32648" if crs_from == "--crs" else None)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored(migrated_engine) == STORED
    assert worst_error_m(migrated_engine) < TOLERANCE_M


def ogr2ogr_workbook(tmp_path: Path, suffix: str) -> Path:
    """The hydrants as GDAL writes a sheet (headings in the first row), from a CSV."""
    csv = tmp_path / "hydrants.csv"
    lines = [",".join(["code", "status", "last_inspected", "pressure_bar", "street", "lon",
                       "lat"])]
    lines += [f"{c},{s},{d.isoformat()},{b},{st},{lon},{lat}"
              for c, s, d, b, st, lon, lat in HYDRANTS]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    csv.with_suffix(".csvt").write_text("String,String,Date,Real,String,Real,Real")
    driver = {".xlsx": "XLSX", ".ods": "ODS"}[suffix]
    out = tmp_path / f"tru_nuoc{suffix}"
    subprocess.run([OGR2OGR, "-f", driver, str(out), str(csv), "-nln", "Danh sách"], check=True)
    return out


@pytest.mark.parametrize("suffix, zipped", [(".ods", False), (".xlsx", False),
                                            (".xlsx", True)], ids=["ods", "xlsx", "zipped"])
def test_gdal_written_workbooks_load(migrated_engine: Engine, tmp_path: Path, suffix: str,
                                     zipped: bool) -> None:
    path = ogr2ogr_workbook(tmp_path, suffix)
    if zipped:
        with zipfile.ZipFile(tmp_path / "gui_kem.zip", "w") as archive:
            archive.write(path, path.name)
        path = tmp_path / "gui_kem.zip"
    report = load_file(migrated_engine, "hydrants", path)
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert stored(migrated_engine) == STORED
    assert worst_error_m(migrated_engine) < TOLERANCE_M
    assert report.notes == ["read sheet 'Danh sách'"]


def test_ward_reports_load_from_a_workbook(migrated_engine: Engine, tmp_path: Path) -> None:
    """The daily COVID-19 table per ward, as the district's health centre sent it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "15-8"
    sheet.append(["BÁO CÁO TÌNH HÌNH DỊCH COVID-19 TRÊN ĐỊA BÀN QUẬN 7"])
    sheet.append(["Ngày 15/08/2021"])
    sheet.append(["STT", "Phường", "Mã phường", "Ngày báo cáo", "Số ca mới", "Số mũi tiêm"])
    sheet.append([1, "Tân Thuận Đông", "27061", datetime.date(2021, 8, 15), 12, 340])
    sheet.append([2, "Tân Phong", "27076", datetime.date(2021, 8, 15), 0, None])
    sheet.append([])  # a blank row and the signature under the table
    sheet.append([None, "Người lập biểu"])
    book.save(tmp_path / "bao_cao.xlsx")
    report = load_file(migrated_engine, "ward_epidemic", tmp_path / "bao_cao.xlsx")
    # The blank row is layout, left out; the signature under the table is not a report,
    # refused as such and said so.
    assert report.read == 3
    assert report.rejected == {"missing report_date": 1}, report.summary()
    assert report.examples["missing report_date"] == ["3"]  # third in the list, blank left out
    assert rows(migrated_engine, "SELECT ward_name, ward_code, report_date::text, new_cases, "
                                 "vaccinated_doses FROM ward_epidemic ORDER BY ward_code") == [
        ("Tân Thuận Đông", "27061", "2021-08-15", 12, 340),
        ("Tân Phong", "27076", "2021-08-15", 0, None)]


def test_a_workbook_of_several_lists_needs_a_sheet_named(loaded: Engine,
                                                          tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "tong_hop.xlsx", sheets=("Phường Tân Phong",
                                                               "Phường Tân Hưng"))
    with pytest.raises(InvalidInput, match=re.escape(
            "tong_hop.xlsx has several sheets with data ('Phường Tân Phong', "
            "'Phường Tân Hưng'); pick one with --layer, or load them all as one list with "
            "--layer '*'.")):
        load_file(loaded, "hydrants", path)
    assert codes(loaded) == ["H1", "H2", "H3"]
    with pytest.raises(InvalidInput, match="has no sheet 'Tân Hưng' with data; it has: "):
        load_file(loaded, "hydrants", path, layer="Tân Hưng")
    report = load_file(loaded, "hydrants", path, layer="Phường Tân Hưng")
    assert report.notes[0].startswith("read sheet 'Phường Tân Hưng'")
    assert codes(loaded) == ["TN-01", "TN-02", "TN-03"]


def test_every_sheet_loads_as_one_list_when_asked(loaded: Engine, tmp_path: Path) -> None:
    """A list kept a sheet a ward: loading each sheet by name, the second load (a replace)
    deleted the first's hydrants. A ward's sheet adds a column, an instructions sheet has
    none the layer takes."""
    book = openpyxl.Workbook()
    for n, ward in enumerate(["Phường Tân Phong", "Phường Tân Hưng"]):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = ward
        sheet.append([f"DANH SÁCH TRỤ NƯỚC {ward.upper()}"])
        sheet.append([])
        sheet.append([*HEADINGS, *(["Ghi chú"] if n else [])])
        for number, (code, status, day, bar, street, lon, lat) in enumerate(HYDRANTS, 1):
            sheet.append([number, f"{code}-{n}", status, day, bar, street, lon + n / 100, lat,
                          *(["mới lắp"] if n else [])])
    book.create_sheet("Hướng dẫn").append(["Mỗi trụ một dòng"])
    path = tmp_path / "tru_theo_phuong.xlsx"
    book.save(path)
    report = load_file(loaded, "hydrants", path, layer="*")
    assert codes(loaded) == sorted(f"{code}-{n}" for n in (0, 1) for code, *_ in HYDRANTS)
    assert report.notes[:2] == [
        "read 2 sheets as one table, rows from each: 'Phường Tân Phong' (3), "
        "'Phường Tân Hưng' (3)",
        "sheet 'Hướng dẫn' left out: none of its columns is one hydrants takes"]
    assert rows(loaded, "SELECT status, street FROM hydrants WHERE code = 'TN-02-1'") == [
        ("out_of_service", "Huỳnh Tấn Phát")]
    # a pattern names the sheets, without the marks the keyboard may lack
    report = load_file(loaded, "hydrants", path, layer="phuong *")
    assert report.notes[:1] == ["read 2 sheets as one table, rows from each: "
                                "'Phường Tân Phong' (3), 'Phường Tân Hưng' (3)"], report.notes
    report = load_file(loaded, "hydrants", path, layer="*hung")
    assert report.notes[0].startswith("read sheet 'Phường Tân Hưng'"), report.notes
    assert codes(loaded) == sorted(f"{code}-1" for code, *_ in HYDRANTS)
    with pytest.raises(InvalidInput, match=re.escape(
            "tru_theo_phuong.xlsx: --layer 'Xã*' names none of its sheets with data: "
            "Phường Tân Phong, Phường Tân Hưng, Hướng dẫn.")):
        load_file(loaded, "hydrants", path, layer="Xã*")


def test_a_sheet_named_like_the_layer_is_taken(migrated_engine: Engine,
                                               tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "tai_san.xlsx", sheets=("roads", "hydrants"))
    report = load_file(migrated_engine, "hydrants", path)
    assert report.notes[0].startswith("read sheet 'hydrants'")
    assert stored(migrated_engine) == STORED


def cut_short(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


@pytest.mark.parametrize("name, make, expected", [
    ("old.xls", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
     "old.xls is an Excel 97-2003 workbook (.xls), which urbanmap does not read: open it in "
     "Excel or LibreOffice, save it as an Excel Workbook (.xlsx), and load that."),
    ("cut.xlsx", lambda p: cut_short(office_workbook(p)), "GDAL cannot read cut.xlsx"),
    ("blank.xlsx", lambda p: openpyxl.Workbook().save(p), "blank.xlsx has no sheet with "
     "anything in it."),
    ("no_coordinates.xlsx", None, "no_coordinates.xlsx has no geometry, and hydrants needs "
     "one. For a CSV or a sheet give lon and lat columns, one column of positions as Google "
     "Maps copies them (\"10.7726, 106.7390\", named Tọa độ), or a WKT column."),
])
def test_unreadable_workbooks_are_refused_and_the_layer_kept(loaded: Engine, tmp_path: Path,
                                                             name: str, make, expected: str
                                                             ) -> None:
    path = tmp_path / name
    if make is None:  # a list of hydrants without their coordinates
        book = openpyxl.Workbook()
        book.active.append(["Mã trụ", "Tình trạng"])
        book.active.append(["TN-09", "Hoạt động"])
        book.save(path)
    else:
        make(path)
    with pytest.raises(InvalidInput, match=re.escape(expected)):
        load_file(loaded, "hydrants", path)
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_encoding_is_refused_for_a_workbook(loaded: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"--encoding is for Shapefiles, CSV and GeoJSON"):
        load_file(loaded, "hydrants", office_workbook(tmp_path / "t.xlsx"), encoding="latin1")
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_a_list_of_places_with_a_row_inserted_keeps_every_place_as_it_was(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """The health office's pharmacies, typed without ids, come again next month with a new
    one on the first row. Known by row number, every pharmacy below took the next one's
    name: all updated, none the same feature. A place is its name at its address."""
    pharmacies = [("Nhà thuốc An Khang", "12 Nguyễn Thị Thập", 106.7190, 10.7390),
                  ("Nhà thuốc Long Châu", "80 Huỳnh Tấn Phát", 106.7300, 10.7450),
                  ("Nhà thuốc 24h", "5 Lê Văn Lương", 106.7050, 10.7420)]

    def workbook(name: str, places: list[tuple]) -> Path:
        book = openpyxl.Workbook()
        book.active.append(["Tên nhà thuốc", "Địa chỉ", "Kinh độ", "Vĩ độ"])
        for place in places:
            book.active.append(list(place))
        book.save(tmp_path / name)
        return tmp_path / name

    load_file(migrated_engine, "pharmacies", workbook("t10.xlsx", pharmacies))
    before = rows(migrated_engine, "SELECT fid, name FROM pharmacies ORDER BY fid")
    new = ("Nhà thuốc Pharmacity", "300 Nguyễn Văn Linh", 106.7100, 10.7300)
    report = load_file(migrated_engine, "pharmacies", workbook("t11.xlsx", [new, *pharmacies]))
    assert (report.inserted, report.updated, report.deleted, report.unchanged) == (1, 0, 0, 3)
    after = rows(migrated_engine, "SELECT fid, name FROM pharmacies ORDER BY fid")
    assert after[:3] == before
    assert after[3][1] == "Nhà thuốc Pharmacity"
