"""Values given once for all of a file's rows: the day a ward report is of, written only in
its title, its sheet's name or its name, and `--set FIELD=VALUE` (loaders/stated.py)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import openpyxl
import pytest
from hydrant_files import codes, rows
from sqlalchemy import Engine
from test_database import libpq_url, urbanmap
from test_load_spreadsheets import table_file

from geo.db import make_engine
from geo.errors import InvalidInput
from loaders.files import load_file

HEADING = ["STT", "Phường", "Ca mới", "Số mũi tiêm"]
WARDS = [[1, "Tân Phong", 3, 120], [2, "Tân Hưng", 5, 80]]
TITLE = [["UBND QUẬN 7", "", "", ""], ["BÁO CÁO TÌNH HÌNH DỊCH COVID-19", "", "", ""]]


def reports(engine: Engine) -> list[tuple]:
    return rows(engine, "SELECT ward_name, report_date, new_cases FROM ward_epidemic "
                        "ORDER BY report_date, ward_name")


@pytest.mark.parametrize(("name", "table", "sheet", "where"), [
    ("bao_cao.csv", [*TITLE[:1], ["BÁO CÁO NGÀY 05/11/2021", "", "", ""], HEADING, *WARDS],
     None, "the title above the table"),
    ("bao_cao.xlsx", [*TITLE, ["Số liệu ngày 5 tháng 11 năm 2021"], HEADING, *WARDS],
     None, "the title above the table"),
    ("thang_11.xlsx", [HEADING, *WARDS], "05.11.2021", "the sheet's name"),
    ("bao_cao_2021-11-05.csv", [HEADING, *WARDS], None, "the file's name"),
])
def test_a_days_report_takes_its_day_from_where_it_is_written(
        migrated_engine: Engine, tmp_path: Path, name: str, table: list[list],
        sheet: str | None, where: str) -> None:
    """Every row was refused as missing report_date: the day was only in the title."""
    report = load_file(migrated_engine, "ward_epidemic", table_file(table, tmp_path / name,
                                                                    sheet))
    assert (report.inserted, report.rejected_total) == (2, 0), report.summary()
    day = datetime.date(2021, 11, 5)
    assert reports(migrated_engine) == [("Tân Hưng", day, 5), ("Tân Phong", day, 3)]
    said = [note for note in report.notes if note.startswith("report_date 2021-11-05")]
    assert said and f"for every row, as {where} states it" in said[0], report.notes


def test_a_title_of_two_days_gives_none_and_says_so(migrated_engine: Engine,
                                                    tmp_path: Path) -> None:
    """Signed the day after the day it is of: which day the figures are of is not guessed."""
    table = [["Quận 7, ngày 06 tháng 11 năm 2021", "", "", ""],
             ["BÁO CÁO NGÀY 05/11/2021", "", "", ""], HEADING, *WARDS]
    path = table_file(table, tmp_path / "bao_cao_2021-11-04.csv")
    report = load_file(migrated_engine, "ward_epidemic", path, dry_run=True)
    assert dict(report.rejected) == {"missing report_date": 2}
    assert any(note.startswith("the title above the table states 2 days") and
               "--set report_date=YYYY-MM-DD says which" in note for note in report.notes)
    assert ("the file has no column for report_date: --map COLUMN=report_date names one, "
            "--set report_date=VALUE gives every row one value") in report.notes
    fixed = load_file(migrated_engine, "ward_epidemic", path,
                      constants={"report_date": "05/11/2021"})
    assert fixed.inserted == 2 and {day for _, day, _ in reports(migrated_engine)} == {
        datetime.date(2021, 11, 5)}


@pytest.mark.parametrize(("name", "title"), [
    ("bao_cao.csv", "BÁO CÁO TUẦN 01-07/11/2021"),
    ("bao_cao.csv", "Số liệu từ ngày 01 đến ngày 07/11/2021"),
    ("bao_cao.csv", "BÁO CÁO TUẦN 45 (01/11 – 07/11/2021)"),
    ("bao_cao.csv", "Tuần cuối năm: 27/12 - 02/01/2022"),
    ("bao_cao.csv", "TỪ 01/11 \u00d0ẾN 07/11/2021"),  # Đ typed as the eth it looks like
    ("bao_cao_tuan_01-07_11_2021.csv", None),
])
def test_a_weeks_report_is_not_taken_for_its_last_day(
        migrated_engine: Engine, tmp_path: Path, name: str, title: str | None) -> None:
    """A week written with its first day's month or year left to the last day was read as
    that last day alone: the week's sums were loaded as one day's report."""
    table = [*([[title, "", "", ""]] if title else []), HEADING, *WARDS]
    report = load_file(migrated_engine, "ward_epidemic", table_file(table, tmp_path / name))
    assert (report.inserted, dict(report.rejected)) == (0, {"missing report_date": 2})
    assert any(" states 2 days " in note and "--set report_date=YYYY-MM-DD says which" in note
               for note in report.notes), report.notes


def test_set_gives_every_row_one_value_also_from_the_command(cluster, tmp_path: Path) -> None:
    """`--set` fills a field the file has no column for, and wins over one it has: here the
    list of broken hydrants a field team sends, by code only."""
    engine = make_engine(cluster.create_database("stated_cli"))
    url = libpq_url(cluster, "stated_cli")
    hydrants = table_file([["Mã trụ", "Tình trạng", "Kinh độ", "Vĩ độ"],
                           ["T-1", "tốt", 106.72, 10.74], ["T-2", "tốt", 106.721, 10.74],
                           ["T-3", "tốt", 106.722, 10.74]], tmp_path / "tru.csv")
    assert urbanmap("load", "hydrants", str(hydrants), DATABASE_URL=url).returncode == 0
    broken = table_file([["Mã trụ", "Ghi chú"], ["T-1", "rò rỉ"], ["T-3", ""]],
                        tmp_path / "tru_hong.csv")
    result = urbanmap("load", "hydrants", str(broken), "--mode", "update",
                      "--set", "status=hỏng", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "updated 2" in result.stdout
    statuses = "SELECT code, status FROM hydrants ORDER BY code"
    assert rows(engine, statuses) == [
        ("T-1", "out_of_service"), ("T-2", "working"), ("T-3", "out_of_service")]
    again = load_file(engine, "hydrants", hydrants, constants={"status": "tốt"})
    assert again.updated == 2 and "columns not loaded: Tình trạng" in again.notes
    assert {status for _, status in rows(engine, statuses)} == {"working"}
    engine.dispose()


@pytest.mark.parametrize(("given", "message"), [
    ({"report_date": "31/02/2021"}, "--set report_date=31/02/2021: '31/02/2021' cannot be "
                                    "read as a date"),
    ({"ngay": "05/11/2021"}, "--set ngay=05/11/2021: ward_epidemic has no field 'ngay'; its "
                             "fields are: ward_name, ward_code, report_date"),
])
def test_a_set_value_the_field_cannot_hold_is_refused_before_anything_is_read(
        migrated_engine: Engine, tmp_path: Path, given: dict, message: str) -> None:
    path = table_file([HEADING, *WARDS], tmp_path / "bao_cao.csv")
    with pytest.raises(InvalidInput, match=message):
        load_file(migrated_engine, "ward_epidemic", path, constants=given)
    assert reports(migrated_engine) == []


def test_a_choice_set_must_be_one_of_the_fields_choices(migrated_engine: Engine,
                                                        tmp_path: Path) -> None:
    path = table_file([["code", "lon", "lat"], ["T-1", 106.72, 10.74]], tmp_path / "tru.csv")
    with pytest.raises(InvalidInput, match=r"--set status=maybe: status is one of working, "
                                           r"out_of_service, or a value the mapping file's "
                                           r"\[values.status\] names"):
        load_file(migrated_engine, "hydrants", path, constants={"status": "maybe"})
    assert codes(migrated_engine) == []
    mapping = tmp_path / "tru.toml"  # the office's own word for a state, named once
    mapping.write_text('[values.status]\n"chờ sửa" = "out_of_service"\n', encoding="utf-8")
    load_file(migrated_engine, "hydrants", path, mapping_file=mapping,
              constants={"status": "chờ sửa"})
    assert rows(migrated_engine, "SELECT code, status FROM hydrants") == [
        ("T-1", "out_of_service")]


@pytest.mark.parametrize(("name", "text"), [
    ("bao_cao.toml", "[set]\nreport_date = 2021-11-05\n"),  # a TOML date, not text
    ("bao_cao.yaml", "set:\n  report_date: 05/11/2021\n"),
])
def test_a_mapping_files_set_gives_every_row_one_value(migrated_engine: Engine, tmp_path: Path,
                                                        name: str, text: str) -> None:
    """The office keeps a recurring load's recipe in its mapping file: what --set says too."""
    mapping = tmp_path / name
    mapping.write_text(text, encoding="utf-8")
    path = table_file([HEADING, *WARDS], tmp_path / "bao_cao.csv")
    report = load_file(migrated_engine, "ward_epidemic", path, mapping_file=mapping)
    assert (report.inserted, report.rejected_total) == (2, 0), report.summary()
    assert {day for _, day, _ in reports(migrated_engine)} == {datetime.date(2021, 11, 5)}
    load_file(migrated_engine, "ward_epidemic", path, mapping_file=mapping, mode="upsert",
              constants={"report_date": "06/11/2021"})  # the command's word wins
    assert [day.day for _, day, _ in reports(migrated_engine)] == [5, 5, 6, 6]


@pytest.mark.parametrize(("text", "message"), [
    ('[set]\nstatus = "maybe"\n', r"tru.toml \[set\] status=maybe: status is one of working, "
                                  r"out_of_service"),
    ('[set]\ntrang_thai = "hỏng"\n', "layer hydrants has no field trang_thai"),
    ("[set]\nstatus = [1, 2]\n", r'\[set\] status: write one value, status = "..."'),
    ('[columns]\nTT = "status"\n[set]\nstatus = "hỏng"\n',
     "field status is both mapped from a column and given one value by \\[set\\]"),
    ('[set]\nstatus = "hỏng"\n[layers.roads.set]\nlanes = "two"\n',
     r"tru.toml \[set\] lanes=two: 'two' cannot be read as an integer"),
])
def test_a_mapping_files_set_that_cannot_be_held_names_the_file(
        migrated_engine: Engine, tmp_path: Path, text: str, message: str) -> None:
    mapping = tmp_path / "tru.toml"
    mapping.write_text(text, encoding="utf-8")
    path = table_file([["code", "lon", "lat"], ["T-1", 106.72, 10.74]], tmp_path / "tru.csv")
    layer = "roads" if "layers.roads" in text else "hydrants"
    with pytest.raises(InvalidInput, match=message):
        load_file(migrated_engine, layer, path, mapping_file=mapping)
    assert codes(migrated_engine) == []


def test_a_mapping_files_set_loads_from_the_command(cluster, tmp_path: Path) -> None:
    """Every hydrant of the water company's list is in service: said once, in the recipe."""
    engine = make_engine(cluster.create_database("stated_set_file"))
    mapping = tmp_path / "cap_nuoc.toml"
    mapping.write_text('[set]\nstatus = "hoạt động"\n', encoding="utf-8")
    path = table_file([["Mã trụ", "Kinh độ", "Vĩ độ"], ["T-1", 106.72, 10.74],
                       ["T-2", 106.721, 10.74]], tmp_path / "tru.csv")
    result = urbanmap("load", "hydrants", str(path), "--mapping", str(mapping),
                      DATABASE_URL=libpq_url(cluster, "stated_set_file"))
    assert result.returncode == 0, result.stderr
    assert rows(engine, "SELECT code, status FROM hydrants ORDER BY code") == [
        ("T-1", "working"), ("T-2", "working")]
    engine.dispose()


def month_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, table in sheets.items():
        sheet = book.create_sheet(name)
        for row in table:
            sheet.append(row)
    book.save(path)
    return path


def day_sheet(day: int, heading: list[str] = HEADING, more: list | None = None) -> list[list]:
    """A day's report as the health office types it: a title, and the district's sums."""
    return [["UBND QUẬN 7"], [f"BÁO CÁO NGÀY {day:02}/11/2021"], heading,
            [1, "Tân Phong", day, 100, *(more or [])], [2, "Tân Hưng", 10 + day, 50],
            ["", "Tổng cộng", 10 + 2 * day, 150]]


def test_a_workbook_of_a_sheet_a_day_loads_every_day(migrated_engine: Engine,
                                                     tmp_path: Path) -> None:
    """The month's workbook, a sheet a day: the load stopped at "several sheets with data",
    and took a day only by naming its sheet."""
    path = month_workbook(tmp_path / "thang_11.xlsx", {
        "01.11.2021": day_sheet(1),
        "02-11-2021": day_sheet(2, [*HEADING, "Ghi chú"], ["cách ly"]),  # a column more
        "Tổng hợp": [["Phường", "Ca mới"], ["Tân Phong", 3]],  # the month's sums
        "2021-11-03": day_sheet(3)})
    report = load_file(migrated_engine, "ward_epidemic", path, mode="upsert")
    assert (report.inserted, dict(report.rejected)) == (
        6, {"a total row, the sum of the others": 3}), report.summary()
    assert report.examples["a total row, the sum of the others"] == [
        f"Tổng cộng (2021-11-0{day})" for day in (1, 2, 3)]
    assert reports(migrated_engine) == [
        (ward, datetime.date(2021, 11, day), cases)
        for day in (1, 2, 3) for ward, cases in (("Tân Hưng", 10 + day), ("Tân Phong", day))]
    assert report.notes[:2] == [
        "read 3 sheets, one day's report each, '01.11.2021' to '2021-11-03': report_date from "
        "each sheet's title or name", "sheet 'Tổng hợp' left out: it states no single day"]
    again = load_file(migrated_engine, "ward_epidemic", path, mode="upsert")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)


@pytest.mark.parametrize("name", ["Báo cáo tháng 11 năm 2021.xlsx", "T11.2021.xlsx",
                                  "bao_cao_11-2021.xlsx"])
def test_sheets_named_by_their_day_alone_take_the_workbooks_month(
        migrated_engine: Engine, tmp_path: Path, name: str) -> None:
    """A month's workbook named by the month, its sheets by the day alone and untitled: the
    load stopped at "several sheets with data". A sheet whose title states a week, and the
    month's sums, are still left out."""
    untitled = [HEADING, *WARDS]
    week = [["BÁO CÁO TUẦN 01-07/11/2021"], HEADING, *WARDS]
    path = month_workbook(tmp_path / name, {"1": untitled, "Ngày 2": untitled,
                                            "03.11": untitled, "7": week,
                                            "Tổng hợp": untitled})
    report = load_file(migrated_engine, "ward_epidemic", path)
    assert {day for _, day, _ in reports(migrated_engine)} == {
        datetime.date(2021, 11, day) for day in (1, 2, 3)}, report.summary()
    assert report.notes[:3] == [
        "read 3 sheets, one day's report each, '1' to '03.11': report_date from each sheet's "
        "name, in the month the workbook's name states (11/2021)",
        "sheet '7' left out: it states no single day",
        "sheet 'Tổng hợp' left out: it states no single day"]


@pytest.mark.parametrize(("sheets", "why"), [
    ({"05.11.2021": [[*HEADING, "Ngày"], [1, "Tân Phong", 3, 120, "05/11/2021"]],
      "06.11.2021": [[*HEADING, "Ngày"], [1, "Tân Phong", 4, 90, "06/11/2021"]]},
     "rows that say their day"),
    ({"Tuần 1": [HEADING, *WARDS], "Tuần 2": [HEADING, *WARDS]}, "no sheet states a day"),
    ({"1": [HEADING, *WARDS], "2": [HEADING, *WARDS]}, "no sheet states a day"),  # no month
])
def test_other_workbooks_of_several_sheets_still_need_one_named(
        migrated_engine: Engine, tmp_path: Path, sheets: dict, why: str) -> None:
    path = month_workbook(tmp_path / "bao_cao.xlsx", sheets)
    with pytest.raises(InvalidInput, match=r"has several sheets with data \(.*\); pick one "
                                           r"with --layer, or name or title each by the day"):
        load_file(migrated_engine, "ward_epidemic", path)
    first = next(iter(sheets))
    report = load_file(migrated_engine, "ward_epidemic", path, layer=first)
    expected = {"rows that say their day": (1, 0),
                "no sheet states a day": (0, 2)}[why]  # rows without a day
    assert (report.inserted, report.rejected_total) == expected, report.summary()


def test_two_sheets_of_one_day_are_named_and_neither_is_taken(migrated_engine: Engine,
                                                              tmp_path: Path) -> None:
    """Excel names a copied sheet "05.11.2021 (2)": which is the day's report is not guessed."""
    path = month_workbook(tmp_path / "thang_11.xlsx", {
        "04.11.2021": day_sheet(4), "05.11.2021": day_sheet(5), "05.11.2021 (2)": day_sheet(5)})
    with pytest.raises(InvalidInput, match=re.escape(
            "thang_11.xlsx: sheets '05.11.2021' and '05.11.2021 (2)' all state 2021-11-05, and "
            "one day has one report. Remove the sheet that is not that day's, or pick one "
            "with --layer.")):
        load_file(migrated_engine, "ward_epidemic", path)
    assert reports(migrated_engine) == []
    report = load_file(migrated_engine, "ward_epidemic", path, layer="05.11.2021 (2)")
    assert (report.inserted, report.rejected_total) == (2, 1), report.summary()


def test_a_sheet_a_day_takes_its_day_from_its_title_and_a_doubtful_one_is_left_out(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """Sheets named by the day of the month alone ("1", "2" …), the whole day in their titles;
    a sheet copied from the day before, renamed, its title left as it was: which day its
    figures are of is not guessed."""
    week = [["BÁO CÁO TUẦN (TỪ 01/11 ĐẾN 07/11/2021)"], HEADING, *WARDS]  # no one day's
    path = month_workbook(tmp_path / "thang_11.xlsx", {
        "1": day_sheet(1), "2": day_sheet(2), "03.11.2021": day_sheet(2), "Tuần 1": week})
    report = load_file(migrated_engine, "ward_epidemic", path)
    assert {day.day for _, day, _ in reports(migrated_engine)} == {1, 2}, report.summary()
    assert report.notes[:3] == [
        "read 2 sheets, one day's report each, '1' to '2': report_date from each sheet's title",
        "sheet '03.11.2021' left out: its title states 2021-11-02 and its name 2021-11-03",
        "sheet 'Tuần 1' left out: it states no single day"]
