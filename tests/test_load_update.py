"""Update mode: a table naming features the layer has sets their attributes and nothing else.

The fire police's inspection sheet updates hydrants by their painted code; the statistics
office's populations update wards by their name, however it is written; a street's name
updates all its pieces. Rows that name nothing, or a feature another row names too, are
refused and counted; a blank cell keeps the stored value; loading the sheet again changes
nothing; the risk overlays that read the layer are recomputed in the same transaction.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hydrant_files import LAT, LON, feature, rows, write_geojson
from sqlalchemy import Engine
from test_database import libpq_url, urbanmap

from geo.errors import InvalidInput
from loaders.files import load_file

HYDRANT_COLUMNS = ("fid", "code", "status", "last_inspected::text", "pressure_bar", "street",
                   "ST_AsText(geom)", "source_id")


def hydrant_rows(engine: Engine) -> dict[str, tuple]:
    stored = rows(engine, f"SELECT {', '.join(HYDRANT_COLUMNS)} FROM hydrants ORDER BY code")
    return {row[1]: row for row in stored}


def version(engine: Engine, layer: str) -> int:
    found = rows(engine, f"SELECT data_version FROM layer_versions WHERE layer_id = '{layer}'")
    return found[0][0] if found else 0


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def inspection(path: Path, *lines: str) -> Path:
    """An inspection sheet as the fire police type it: Vietnamese headings, no geometry."""
    return write_csv(path, "Mã trụ,Tình trạng,Ngày kiểm tra,Áp lực (bar)", *lines)


def test_an_inspection_sheet_updates_the_hydrants_it_names(loaded: Engine,
                                                            tmp_path: Path) -> None:
    before, first_version = hydrant_rows(loaded), version(loaded, "hydrants")
    sheet = inspection(tmp_path / "kiem_tra.csv", "H1,Hư hỏng,20/11/2026,0",
                       "h-2,Hoạt động,2026-11-21,3.5", "H9,Hoạt động,2026-11-21,3")
    report = load_file(loaded, "hydrants", sheet, mode="update")
    after = hydrant_rows(loaded)
    assert (report.mode, report.read, report.updated, report.unchanged) == (
        "update by code", 3, 2, 0)
    assert report.rejected == {"no feature with this code": 1}
    assert report.examples["no feature with this code"] == ["H9"]
    assert after["H1"][2:5] == ("out_of_service", "2026-11-20", 0.0)
    assert after["H2"][2:5] == ("working", "2026-11-21", 3.5)  # "h-2" is H2
    assert after["H3"] == before["H3"]
    for code in before:  # the same features, where they were, with their ids
        assert (after[code][0], after[code][6], after[code][7]) == \
            (before[code][0], before[code][6], before[code][7])
    assert len(after) == 3
    assert version(loaded, "hydrants") == first_version + 1
    assert rows(loaded, "SELECT mode, source_file, updated, rejected FROM loads "
                        "ORDER BY id DESC LIMIT 1") == [("update by code", "kiem_tra.csv", 2, 1)]


def test_the_same_sheet_again_changes_nothing(loaded: Engine, tmp_path: Path) -> None:
    sheet = inspection(tmp_path / "kiem_tra.csv", "H1,Hư hỏng,20/11/2026,0",
                       "H2,Hoạt động,2026-11-21,3.5")
    load_file(loaded, "hydrants", sheet, mode="update")
    stored, stored_version = rows(loaded, "SELECT *, xmin::text FROM hydrants ORDER BY fid"), \
        version(loaded, "hydrants")
    again = load_file(loaded, "hydrants", sheet, mode="update")
    assert (again.updated, again.unchanged, again.rejected_total) == (0, 2, 0)
    assert rows(loaded, "SELECT *, xmin::text FROM hydrants ORDER BY fid") == stored
    assert version(loaded, "hydrants") == stored_version


def test_a_blank_cell_or_an_unreadable_value_keeps_the_stored_value(loaded: Engine,
                                                                      tmp_path: Path) -> None:
    load_file(loaded, "hydrants", inspection(tmp_path / "first.csv", "H1,Hoạt động,,2.5"),
              mode="update")
    report = load_file(loaded, "hydrants", inspection(tmp_path / "second.csv",
                                                      "H1,,01/12/2026,không đo"),
                       mode="update")
    assert hydrant_rows(loaded)["H1"][2:5] == ("working", "2026-12-01", 2.5)
    assert report.updated == 1
    assert "1 value of pressure_bar could not be read as real and was left as it was" \
        in report.notes


def test_rows_naming_the_same_hydrant_are_both_refused(loaded: Engine, tmp_path: Path) -> None:
    before = hydrant_rows(loaded)
    sheet = inspection(tmp_path / "twice.csv", "H1,Hư hỏng,,", "h 1,Hoạt động,,",
                       "H2,Hư hỏng,,")
    report = load_file(loaded, "hydrants", sheet, mode="update")
    assert report.rejected == {"names a feature another row names too": 2}
    assert report.examples["names a feature another row names too"] == ["H1", "h 1"]
    after = hydrant_rows(loaded)
    assert after["H1"] == before["H1"]
    assert after["H2"][2] == "out_of_service"


def test_a_value_outside_the_choices_or_a_row_without_code_is_refused(
        loaded: Engine, tmp_path: Path) -> None:
    before = hydrant_rows(loaded)
    report = load_file(loaded, "hydrants", inspection(
        tmp_path / "odd.csv", "H1,đang sửa,,", ",Hư hỏng,,", "H2,Hư hỏng,,"), mode="update")
    assert report.rejected == {"status not one of working, out_of_service": 1, "no code": 1}
    assert report.examples["status not one of working, out_of_service"] == ["H1: đang sửa"]
    assert hydrant_rows(loaded)["H1"] == before["H1"]
    assert report.updated == 1


def test_a_dry_run_reports_and_writes_nothing(loaded: Engine, tmp_path: Path) -> None:
    before, loads = hydrant_rows(loaded), rows(loaded, "SELECT count(*) FROM loads")
    report = load_file(loaded, "hydrants", inspection(tmp_path / "k.csv", "H1,Hư hỏng,,"),
                       mode="update", dry_run=True)
    assert (report.dry_run, report.updated) == (True, 1)
    assert hydrant_rows(loaded) == before
    assert rows(loaded, "SELECT count(*) FROM loads") == loads


def ward(name: str, code: str, west: float) -> dict:
    ring = [[west, LAT], [west + 0.01, LAT], [west + 0.01, LAT + 0.01], [west, LAT + 0.01],
            [west, LAT]]
    return feature({"name": name, "code": code}, {"type": "Polygon", "coordinates": [ring]})


def test_ward_populations_by_name_as_people_write_it_recompute_the_epidemic_levels(
        migrated_engine: Engine, tmp_path: Path) -> None:
    engine = migrated_engine
    load_file(engine, "wards", write_geojson(tmp_path / "wards.geojson", [
        ward("Phường Tân Phong", "27001", LON), ward("Phường Tân Thuận Đông", "27002",
                                                     LON + 0.01)]))
    load_file(engine, "ward_epidemic", write_csv(
        tmp_path / "reports.csv", "ward_name,report_date,new_cases,fully_vaccinated",
        "Tân Phong,2021-08-01,20,1000", "Tân Thuận Đông,2021-08-01,10,1000"))
    populations = write_csv(tmp_path / "dan_so.csv", "Phường,Dân số", "P. Tân Phong,20000",
                            "tan thuan dong,40000", "Phường Tân Hưng,35000")
    report = load_file(engine, "wards", populations, mode="update")
    assert (report.updated, report.rejected_total) == (2, 1)
    assert report.examples["no feature with this name"] == ["Phường Tân Hưng"]
    assert rows(engine, "SELECT name, population FROM wards ORDER BY name") == [
        ("Phường Tân Phong", 20000), ("Phường Tân Thuận Đông", 40000)]
    # The epidemic overlay reads the populations: recomputed in the same transaction.
    assert rows(engine, "SELECT ward_name, population FROM epidemic_risk ORDER BY ward_name") \
        == [("Phường Tân Phong", 20000), ("Phường Tân Thuận Đông", 40000)]


def test_numbers_are_read_as_their_writers_meant_them(migrated_engine: Engine,
                                                     tmp_path: Path) -> None:
    """A population saved from a Vietnamese Excel groups thousands with dots or spaces: it is
    44,480 people, never 44 (a whole number cannot be 44.48); a fraction of a person is
    refused, not rounded."""
    engine = migrated_engine
    load_file(engine, "wards", write_geojson(tmp_path / "wards.geojson", [
        ward("Phường Tân Phong", "27001", LON), ward("Phường Tân Thuận Đông", "27002",
                                                     LON + 0.01)]))
    saved = write_csv(tmp_path / "dan_so.csv", "Phường;Dân số", "P. Tân Phong;44.480",
                      "Tân Thuận Đông;59 890")
    assert load_file(engine, "wards", saved, mode="update").updated == 2
    assert rows(engine, "SELECT name, population FROM wards ORDER BY name") == [
        ("Phường Tân Phong", 44480), ("Phường Tân Thuận Đông", 59890)]
    typed = write_csv(tmp_path / "dan_so_2.csv", "Phường,Dân số", 'Tân Phong,"1,250"',
                      'Tân Thuận Đông,"2,5"')
    report = load_file(engine, "wards", typed, mode="update")
    assert rows(engine, "SELECT name, population FROM wards ORDER BY name") == [
        ("Phường Tân Phong", 1250), ("Phường Tân Thuận Đông", 59890)]
    assert "1 value of population could not be read as integer and was left as it was" \
        in report.notes


def test_a_decimal_comma_is_read_before_the_unit_is_converted(loaded: Engine,
                                                              tmp_path: Path) -> None:
    sheet = write_csv(tmp_path / "ap_luc.csv", "Mã trụ;Áp lực (kPa)", "H1;250,5",
                      "H2;1.234,5", "H3;300")
    assert load_file(loaded, "hydrants", sheet, mode="update").updated == 3
    assert {code: row[4] for code, row in hydrant_rows(loaded).items()} == {
        "H1": pytest.approx(2.505), "H2": pytest.approx(12.345), "H3": pytest.approx(3.0)}
    # The same kPa under a heading without its unit: no hydrant holds 250 bar.
    unitless = write_csv(tmp_path / "ap_luc_2.csv", "Mã trụ;Áp lực", "H1;250", "H3;2,8")
    report = load_file(loaded, "hydrants", unitless, mode="update")
    assert {code: row[4] for code, row in hydrant_rows(loaded).items()} == {
        "H1": pytest.approx(2.505), "H2": pytest.approx(12.345), "H3": pytest.approx(2.8)}
    assert ("1 value of pressure_bar was outside 0-20 bar and was left as it was (250): if "
            "the column is in kPa, its name can say so (pressure_kpa), or the mapping "
            '(unit = "kPa")') in report.notes


def road(name: str, dy: float) -> dict:
    return feature({"name": name, "kind": "primary"}, {"type": "LineString", "coordinates": [
        [LON, LAT + dy], [LON + 0.005, LAT + dy]]})


def test_a_street_name_updates_every_piece_of_the_street(migrated_engine: Engine,
                                                         tmp_path: Path) -> None:
    engine = migrated_engine
    load_file(engine, "roads", write_geojson(tmp_path / "roads.geojson", [
        road("Nguyễn Thị Thập", 0), road("Nguyễn Thị Thập", 0.001),
        road("Huỳnh Tấn Phát", 0.002)]))
    report = load_file(engine, "roads", write_csv(tmp_path / "lanes.csv", "name,lanes",
                                                  "Nguyễn Thị Thập,6"), mode="update")
    assert (report.mode, report.updated) == ("update by name", 2)
    assert "1 row named several features (2 in all); each was given its row's values" \
        in report.notes
    assert rows(engine, "SELECT name, lanes FROM roads ORDER BY fid") == [
        ("Nguyễn Thị Thập", 6), ("Nguyễn Thị Thập", 6), ("Huỳnh Tấn Phát", None)]


@pytest.mark.parametrize(("lines", "options", "message"), [
    (("Tình trạng", "Hư hỏng"), {},
     "k.csv has no column to match hydrants by (code, source_id). Name the column with --map "
     "COLUMN=code, or pick another field with --key."),
    (("Mã trụ,Tình trạng", "H1,Hư hỏng"), {"key": "ma_tru"},
     "hydrants has no field 'ma_tru' to match features by; its fields are: code, status, "
     "last_inspected, pressure_bar, street, source_id."),
    (("Mã trụ", "H1"), {},
     "k.csv has no column for a field of hydrants besides code, so there is nothing to "
     "update. Its fields: code, status, last_inspected, pressure_bar, street."),
    (("Mã trụ,Tình trạng", "H1,Hư hỏng"), {"key": "code", "mode": "upsert"},
     "--key names the field an update matches features by; it goes with --mode update."),
])
def test_a_sheet_that_cannot_update_is_refused_and_the_layer_kept(
        loaded: Engine, tmp_path: Path, lines: tuple[str, ...], options: dict,
        message: str) -> None:
    before = hydrant_rows(loaded)
    with pytest.raises(InvalidInput) as refused:
        load_file(loaded, "hydrants", write_csv(tmp_path / "k.csv", *lines),
                  **{"mode": "update", **options})
    assert str(refused.value) == message
    assert hydrant_rows(loaded) == before


def test_the_command_updates_from_an_excel_sheet(loaded: Engine, cluster,
                                                 tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã trụ", "Tình trạng", "Áp lực (bar)"])
    sheet.append(["H3", "Hư hỏng", 1.2])
    book.save(tmp_path / "kiem_tra.xlsx")
    database = loaded.url.database
    done = urbanmap("load", "hydrants", str(tmp_path / "kiem_tra.xlsx"), "--mode", "update",
                    DATABASE_URL=libpq_url(cluster, database))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hydrants from kiem_tra.xlsx (update by code)" in done.stdout
    assert hydrant_rows(loaded)["H3"][2:5] == ("out_of_service", None, 1.2)
    unknown = urbanmap("load", "hydrants", str(tmp_path / "kiem_tra.xlsx"), "--mode",
                       "updat", DATABASE_URL=libpq_url(cluster, database))
    assert unknown.returncode != 0
    assert "--mode must be one of replace, upsert, append, update, not 'updat'" in \
        " ".join((unknown.stdout + unknown.stderr).split())
    assert "Traceback" not in unknown.stdout + unknown.stderr
