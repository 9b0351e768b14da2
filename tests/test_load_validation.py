"""Loads validate before publishing, and never lose the previous data: the validation
report, dry run, modes and idempotence, atomicity under failure. (Files refused as they
are: test_load_refusals.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
from hydrant_files import LAT, LON, codes, feature, hydrant, point, rows, write_geojson
from sqlalchemy import Engine, text
from test_database import libpq_url, urbanmap  # how the suite runs the command

from geo.db import DATABASE_DOWN
from loaders.files import load_file
from loaders.pipeline import Progress

URBANMAP = str(Path(sys.executable).parent / "urbanmap")


def version(engine: Engine, layer: str = "hydrants") -> int:
    found = rows(engine, f"SELECT data_version FROM layer_versions WHERE layer_id = '{layer}'")
    return found[0][0] if found else 0


# -- validation --------------------------------------------------------------------------

def test_validation_report_counts_each_problem(migrated_engine: Engine, tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + .001, LAT + .001],
              [LON + .001, LAT], [LON, LAT + .001], [LON, LAT]]]}
    features = [
        hydrant("OK1"),
        hydrant("NEAR", 0.000005),                           # 0.5 m from OK1
        feature({"status": "working"}, point(0.003)),        # no code
        hydrant("BAD", 0.004, status="broken-ish"),          # status outside the choices
        feature({"code": "POLY", "status": "working"}, bowtie),
        feature({"code": "NULLGEOM", "status": "working"}, None),
        hydrant("OK2", 0.005),
    ]
    report = load_file(migrated_engine, "hydrants", write_geojson(tmp_path / "h.geojson",
                                                                  features))
    assert report.read == 7 and report.inserted == 2
    assert dict(report.rejected) == {
        "within 1 m of another fire hydrant": 1, "missing code": 1,
        "status not one of working, out_of_service": 1,
        "not a Point (fire hydrants layer)": 1, "no geometry": 1,
    }
    assert report.examples["status not one of working, out_of_service"] == ["BAD: broken-ish"]
    assert codes(migrated_engine) == ["OK1", "OK2"]


def test_a_value_no_such_asset_could_have_is_left_empty_and_said(migrated_engine: Engine,
                                                                  tmp_path: Path) -> None:
    """Alley widths typed in centimetres under a heading said to be metres: a 350 m alley
    would let the fire model send a truck down a 3.5 m hẻm. The alley is kept, its width
    left for the model to estimate from its kind, and the report says what to change."""
    def alley(name: str, width: object, dy: float) -> dict:
        return feature({"name": name, "kind": "alley", "width_m": width},
                       {"type": "LineString", "coordinates": [[LON, LAT + dy],
                                                              [LON + .001, LAT + dy]]})

    report = load_file(migrated_engine, "alleys", write_geojson(tmp_path / "hem.geojson", [
        alley("Hẻm 1", 350, 0), alley("Hẻm 2", "4,5", .001), alley("Hẻm 3", 420, .002),
        alley("Hẻm 4", -2, .003)]))
    assert report.inserted == 4 and report.rejected_total == 0
    assert rows(migrated_engine, "SELECT name, width_m FROM alleys ORDER BY name") == [
        ("Hẻm 1", None), ("Hẻm 2", 4.5), ("Hẻm 3", None), ("Hẻm 4", None)]
    assert ("3 values of width_m were outside 0-150 m and were left empty (350, 420, -2): "
            "if the column is in cm, its name can say so (width_cm), or the mapping "
            '(unit = "cm")') in report.notes
    in_cm = write_geojson(tmp_path / "hem_cm.geojson", [
        {**alley("Hẻm 1", None, 0), "properties": {"name": "Hẻm 1", "width_cm": 350}}])
    load_file(migrated_engine, "alleys", in_cm)
    assert rows(migrated_engine, "SELECT width_m FROM alleys") == [(3.5,)]




def road(name: str, kind: str | None, dy: float, **extra: object) -> dict:
    return feature({"name": name, "kind": kind, **extra},
                   {"type": "LineString", "coordinates": [[LON, LAT + dy], [LON + .002, LAT + dy]]})


def test_a_road_whose_class_no_synonym_knows_is_kept_and_said(loaded: Engine,
                                                               tmp_path: Path) -> None:
    """A register's road classes in words the built-in synonyms lack ("Đường hẻm") refused
    the roads themselves, taking them off the map and out of the fire-truck network. The road
    is kept, its class left empty (in an update, as it was), and the report says how to name
    it. A hydrant's status, which a hydrant must have, is still refused (see
    test_a_value_outside_the_choices_or_a_row_without_code_is_refused)."""
    path = write_geojson(tmp_path / "duong.geojson", [
        road("Nguyễn Thị Thập", "Đường chính đô thị", 0, id="R1"),
        road("Hẻm 12", "Đường hẻm", .001, id="R2"), road("Dốc cầu", "Đường dốc", .002, id="R3"),
        road("Hẻm 14", "Đường hẻm", .003, id="R4")])
    report = load_file(loaded, "roads", path)
    assert (report.inserted, report.rejected_total) == (4, 0), report.summary()
    assert rows(loaded, "SELECT source_id, kind FROM roads ORDER BY source_id") == [
        ("R1", "primary"), ("R2", None), ("R3", None), ("R4", None)]
    assert report.notes == [
        "3 values of kind were not one of motorway, trunk, primary, secondary, tertiary, "
        "unclassified, residential, living_street, road and were left empty (Đường hẻm, "
        'Đường dốc): a mapping file can name the choice each stands for, [values.kind] '
        '"Đường hẻm" = one of them']
    mapping = tmp_path / "duong.toml"
    mapping.write_text('[values.kind]\n"Đường hẻm" = "residential"\n', encoding="utf-8")
    load_file(loaded, "roads", path, mapping_file=mapping)
    assert rows(loaded, "SELECT source_id, kind FROM roads ORDER BY source_id") == [
        ("R1", "primary"), ("R2", "residential"), ("R3", None), ("R4", "residential")]
    update = write_geojson(tmp_path / "cap_nhat.geojson", [road("Hẻm 12", "Hẻm cụt", .001,
                                                                id="R2", lanes=1)])
    again = load_file(loaded, "roads", update, mode="update")
    assert (again.updated, again.rejected_total) == (1, 0), again.summary()
    assert rows(loaded, "SELECT kind, lanes FROM roads WHERE source_id = 'R2'") == [
        ("residential", 1)]
    assert "and was left as it was (Hẻm cụt)" in again.notes[0]


def test_a_zoning_plans_lots_load_by_their_legends_names(migrated_engine: Engine,
                                                          tmp_path: Path) -> None:
    """A 1/2000 zoning plan as its shapefile comes: the lot in KH_LO, its use by the legend's
    name in CHUCNANG. Mixed-use lots (HH) are their own category. A use no code stands for
    refuses its lot, shown as written, with how to name it; a mapping file then loads it."""
    lots = [("II-1", "Đất nhóm nhà ở hiện hữu"), ("II-2", "Đất hỗn hợp"),
            ("II-3", "Đất cây xanh sử dụng công cộng"), ("II-4", "Đất công trình công cộng")]
    path = write_geojson(tmp_path / "qhpk_2000.geojson", [
        feature({"KH_LO": lot, "CHUCNANG": use}, square(i * .001)) for i, (lot, use)
        in enumerate(lots)])
    report = load_file(migrated_engine, "planning_zones", path)
    zones = "SELECT zone_code, land_use_code, land_use_category FROM planning_zones ORDER BY 1"
    assert rows(migrated_engine, zones) == [
        ("II-1", "ODT", "residential"), ("II-2", "HH", "mixed"), ("II-3", "CXT", "green")]
    (reason, examples), = report.examples.items()
    assert reason.startswith("land_use_code not one of ODT, TMD")
    assert examples == ["II-4: Đất công trình công cộng"]
    assert report.notes == [
        "1 value of land_use_code known as none of its choices (Đất công trình công cộng): a "
        'mapping file can name the choice each stands for, [values.land_use_code] "Đất công '
        'trình công cộng" = one of them']
    mapping = tmp_path / "qhpk_2000.toml"
    mapping.write_text('[values.land_use_code]\n"Đất công trình công cộng" = "TSC"\n',
                       encoding="utf-8")
    again = load_file(migrated_engine, "planning_zones", path, mapping_file=mapping)
    assert (again.inserted, again.rejected_total) == (1, 0), again.summary()
    assert not [note for note in again.notes if "land_use_code" in note]
    assert rows(migrated_engine, zones)[-1] == ("II-4", "TSC", "public")


@pytest.mark.parametrize("label", ["Tổng cộng", "TỔNG SỐ", "Toàn quận", "Cộng:",
                                   "Tổng cộng toàn phường", "Tổng số: 10 phường",
                                   "Toàn Quận 7"])
def test_a_reports_total_row_is_refused(migrated_engine: Engine, tmp_path: Path,
                                        label: str) -> None:
    """A day's ward report closes with the district's sums: stored, they were a ward's
    report, and doubled the district's cases for anyone adding the day's rows."""
    path = tmp_path / "bao_cao_2021-11-05.csv"
    path.write_text(f"STT,Phường,Ca mới\n1,Tân Phong,3\n2,Tân Hưng,5\n,{label},8\n",
                    encoding="utf-8")
    report = load_file(migrated_engine, "ward_epidemic", path)
    assert (report.inserted, dict(report.rejected)) == (
        2, {"a total row, the sum of the others": 1}), report.summary()
    assert report.examples["a total row, the sum of the others"] == [f"{label} (2021-11-05)"]
    assert rows(migrated_engine, "SELECT ward_name, new_cases FROM ward_epidemic "
                                 "ORDER BY ward_name") == [("Tân Hưng", 5), ("Tân Phong", 3)]


def test_communes_named_like_a_total_are_not_refused(migrated_engine: Engine,
                                                     tmp_path: Path) -> None:
    """Cộng Hòa, Toàn Thắng and Tống Trân are communes (Hải Dương, Hải Phòng, Hưng Yên)."""
    path = tmp_path / "bao_cao_2021-11-05.csv"
    path.write_text("Xã,Ca mới\nCộng Hòa,1\nToàn Thắng,2\nTống Trân,3\n", encoding="utf-8")
    report = load_file(migrated_engine, "ward_epidemic", path)
    assert (report.inserted, report.rejected_total) == (3, 0), report.summary()


def test_self_intersecting_polygon_is_repaired_and_counted(migrated_engine: Engine,
                                                           tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + .001, LAT + .001],
              [LON + .001, LAT], [LON, LAT + .001], [LON, LAT]]]}
    line_like = {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + .001, LAT],
                 [LON, LAT], [LON, LAT]]]}
    zones = [feature({"land_use_code": "ODT", "id": "Z1"}, bowtie),
             feature({"land_use_code": "CXT", "id": "Z2"}, line_like)]
    report = load_file(migrated_engine, "planning_zones",
                       write_geojson(tmp_path / "zones.geojson", zones))
    assert report.repaired == 2 and report.inserted == 1
    assert report.rejected == {"invalid geometry that could not be repaired": 1}
    stored = rows(migrated_engine, "SELECT ST_IsValid(geom), ST_NumGeometries(geom), "
                                   "round(area_m2) FROM planning_zones")
    assert stored[0][:2] == (True, 2) and stored[0][2] > 5000


def test_features_outside_the_district_are_rejected(migrated_engine: Engine,
                                                    tmp_path: Path) -> None:
    ward = {"type": "Polygon", "coordinates": [[[LON - .01, LAT - .01], [LON + .01, LAT - .01],
            [LON + .01, LAT + .01], [LON - .01, LAT + .01], [LON - .01, LAT - .01]]]}
    load_file(migrated_engine, "wards",
              write_geojson(tmp_path / "wards.geojson", [feature({"name": "Tân Phong"}, ward)]))
    report = load_file(migrated_engine, "hydrants", write_geojson(
        tmp_path / "h.geojson", [hydrant("IN"), hydrant("OUT", 0.03)]))  # 3 km east
    assert report.rejected == {"outside the district": 1} and codes(migrated_engine) == ["IN"]


def test_duplicate_source_ids_keep_the_first(migrated_engine: Engine, tmp_path: Path) -> None:
    features = [feature({"id": "A", "code": "H1", "status": "working"}, point()),
                feature({"id": "A", "code": "H2", "status": "working"}, point(0.001))]
    report = load_file(migrated_engine, "hydrants", write_geojson(tmp_path / "d.geojson",
                                                                  features))
    assert report.rejected == {"duplicate source id in the file": 1}
    assert codes(migrated_engine) == ["H1"]


@pytest.mark.parametrize("ids", ["zone_code", "id"])
def test_a_feature_without_its_id_is_known_by_its_place_in_the_file(
        migrated_engine: Engine, tmp_path: Path, ids: str) -> None:
    """Zones known by their zone code (the layer's natural key), or by an id column, where
    some lack it, absent or blank: those go by their place in the file, as in a file
    without ids, and a second load matches them all. Before, the load failed with a
    database error on the layer's required source id."""
    square = {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + .001, LAT],
              [LON + .001, LAT + .001], [LON, LAT + .001], [LON, LAT]]]}
    zones = [feature({"land_use_code": "ODT", ids: value}, square)
             for value in ("II-12", "  ", None)]
    path = write_geojson(tmp_path / "zones.geojson", zones)
    first = load_file(migrated_engine, "planning_zones", path)
    assert (first.inserted, first.rejected_total) == (3, 0)
    assert rows(migrated_engine, "SELECT source_id FROM planning_zones ORDER BY fid") == [
        ("II-12",), ("1",), ("2",)]
    again = load_file(migrated_engine, "planning_zones", path)
    assert (again.inserted, again.unchanged) == (0, 3)


def test_daily_ward_reports_are_known_by_ward_and_day(migrated_engine: Engine,
                                                      tmp_path: Path) -> None:
    """A day's epidemic reports have no ids: each is its ward's report of its day. Known by
    its place in the file, the next day's file was refused by append ("already in the
    layer") and, by upsert, overwrote the first day's reports."""
    def day(name: str, *lines: str) -> Path:
        path = tmp_path / name
        path.write_text("ward_name,report_date,new_cases\n" + "\n".join(lines) + "\n",
                        encoding="utf-8")
        return path

    engine = migrated_engine
    load_file(engine, "ward_epidemic", day("d1.csv", "Phường Tân Phong,2021-11-01,3",
                                           "Phường Tân Hưng,2021-11-01,5"))
    second = load_file(engine, "ward_epidemic", day("d2.csv", "Phường Tân Phong,02/11/2021,4",
                                                    "Phường Tân Hưng,02/11/2021,6"),
                       mode="append")
    assert (second.inserted, second.rejected_total) == (2, 0)
    # The clerk correcting writes the ward as people do: still the one report of its day.
    corrected = load_file(engine, "ward_epidemic", day(
        "fix.csv", "P. Tân Hưng,01/11/2021,7", "tân hưng,2021-11-01,8"),
        mode="upsert")
    assert (corrected.updated, corrected.inserted) == (1, 0)
    assert corrected.rejected == {"duplicate source id in the file": 1}
    assert corrected.examples["duplicate source id in the file"] == ["tan hung | 2021-11-01"]
    assert rows(engine, "SELECT ward_name, report_date::text, new_cases FROM ward_epidemic "
                        "ORDER BY report_date, ward_name") == [
        ("P. Tân Hưng", "2021-11-01", 7), ("Phường Tân Phong", "2021-11-01", 3),
        ("Phường Tân Hưng", "2021-11-02", 6), ("Phường Tân Phong", "2021-11-02", 4)]


def test_dry_run_reports_and_writes_nothing(loaded: Engine, tmp_path: Path) -> None:
    before = version(loaded)
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "new.geojson",
                                                         [hydrant("N1")]), dry_run=True)
    assert report.dry_run and report.inserted == 1 and report.deleted == 3
    assert codes(loaded) == ["H1", "H2", "H3"] and version(loaded) == before
    assert "dry run: nothing written" in report.summary()


def test_report_is_json_with_the_counts(migrated_engine: Engine, tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants", write_geojson(
        tmp_path / "h.geojson", [hydrant("H1"), feature({"status": "working"}, point(.001))]))
    data = json.loads(report.to_json())
    assert data["inserted"] == 1 and data["rejected"] == {"missing code": 1}
    logged = rows(migrated_engine, "SELECT inserted, rejected, report->>'source_file' "
                                   "FROM loads WHERE layer_id = 'hydrants'")
    assert logged == [(1, 1, "h.geojson")]


def test_the_loads_are_listed_newest_first_with_who_when_and_the_counts(
        migrated_engine: Engine, cluster, tmp_path: Path) -> None:
    load_file(migrated_engine, "hydrants", write_geojson(
        tmp_path / "h.geojson", [hydrant("H1"), hydrant("H2", 0.001)]))
    load_file(migrated_engine, "hydrants", write_geojson(tmp_path / "h2.geojson",
                                                         [hydrant("H1")]))
    url = libpq_url(cluster, migrated_engine.url.database)
    listed = json.loads(urbanmap("loads", "hydrants", "--json", DATABASE_URL=url).stdout)
    assert [(load["source_file"], load["inserted"], load["deleted"],
             load["report"]["data_version"]) for load in listed] == [
        ("h2.geojson", 0, 1, 2), ("h.geojson", 2, 0, 1)]
    for load in listed:
        assert load["loaded_by"] and datetime.fromisoformat(load["started_at"]) < \
            datetime.fromisoformat(load["finished_at"])
    lines = urbanmap("loads", "--last", "1", DATABASE_URL=url).stdout.splitlines()
    assert len(lines) == 1 and " hydrants ← h2.geojson (replace, by " in lines[0]
    assert lines[0].endswith("0 inserted, 0 updated, 1 deleted, 0 rejected; data version 2")


@pytest.mark.parametrize("command", [("loads", "hydrant"), ("load", "hydrant", "h.geojson")])
def test_an_unknown_layer_is_a_message_naming_the_layers(migrated_engine: Engine, cluster,
                                                         command: tuple[str, ...]) -> None:
    result = urbanmap(*command, DATABASE_URL=libpq_url(cluster, migrated_engine.url.database))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "There is no layer 'hydrant'. The layers are: wards," in " ".join(
        result.stderr.replace("│", " ").split())


# -- modes and idempotence --------------------------------------------------------------

def test_loading_the_same_file_twice_changes_nothing(migrated_engine: Engine,
                                                     tmp_path: Path) -> None:
    source = write_geojson(tmp_path / "h.geojson", [hydrant("H1"), hydrant("H2", 0.001)])
    load_file(migrated_engine, "hydrants", source)
    fids = rows(migrated_engine, "SELECT fid, code FROM hydrants ORDER BY fid")
    again = load_file(migrated_engine, "hydrants", source)
    assert (again.inserted, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 2)
    assert rows(migrated_engine, "SELECT fid, code FROM hydrants ORDER BY fid") == fids
    assert version(migrated_engine) == 1 and again.data_version is None


def test_replace_keeps_the_values_of_fields_the_file_has_no_column_for(
        loaded: Engine, tmp_path: Path) -> None:
    """A file of hydrant positions from the survey has no pressures: the inspection's stay.
    A column the file has is its say, blank included. Before, a replace emptied every field
    the file lacked."""
    measured = [feature({"code": c, "status": "working", "pressure_bar": p}, point(dx))
                for c, p, dx in (("H1", 3.5, 0), ("H2", 2.0, 0.001), ("H3", 4.0, 0.002))]
    load_file(loaded, "hydrants", write_geojson(tmp_path / "measured.geojson", measured))
    surveyed = [hydrant("H1"), hydrant("H2", 0.0011), hydrant("H3", 0.002)]  # H2 moved
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "survey.geojson", surveyed))
    assert (report.updated, report.unchanged) == (1, 2)
    assert "last_inspected, pressure_bar, street not in the file: the features kept keep " \
        "their values" in report.notes
    assert rows(loaded, "SELECT code, pressure_bar FROM hydrants ORDER BY code") == [
        ("H1", 3.5), ("H2", 2.0), ("H3", 4.0)]
    blank = [feature({"code": "H1", "status": "working", "pressure_bar": None}, point()),
             *surveyed[1:]]
    load_file(loaded, "hydrants", write_geojson(tmp_path / "blank.geojson", blank))
    assert rows(loaded, "SELECT code, pressure_bar FROM hydrants ORDER BY code") == [
        ("H1", None), ("H2", None), ("H3", None)]


def test_replace_updates_changed_deletes_absent_and_bumps_the_version(
        loaded: Engine, tmp_path: Path) -> None:
    second = [hydrant("H1"), hydrant("H2", 0.001, status="out_of_service"), hydrant("H4", .003)]
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "first.geojson", second))
    assert (report.inserted, report.updated, report.deleted, report.unchanged) == (1, 1, 1, 1)
    assert codes(loaded) == ["H1", "H2", "H4"] and version(loaded) == 2


def test_replace_keeps_the_old_version_of_a_feature_that_now_fails(loaded: Engine,
                                                                  tmp_path: Path) -> None:
    second = [hydrant("H1"), hydrant("H2", 0.001, status="??"), hydrant("H3", 0.002)]
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "first.geojson", second))
    assert report.rejected_total == 1 and report.deleted == 0
    assert rows(loaded, "SELECT status FROM hydrants WHERE code = 'H2'") == [("working",)]


def test_replace_keeps_a_refused_feature_when_no_other_one_is_kept(loaded: Engine,
                                                                   tmp_path: Path) -> None:
    """The file's only known feature fails: the layer keeps that one, not nothing."""
    second = [hydrant("H2", 0.001, status="??"), hydrant("H9", 0.004)]
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "second.geojson", second))
    assert (report.rejected_total, report.inserted, report.deleted) == (1, 1, 2)
    assert rows(loaded, "SELECT code, status FROM hydrants ORDER BY code") == [
        ("H2", "working"), ("H9", "working")]


def square(dx: float = 0.0, size: float = 0.0005) -> dict:
    return {"type": "Polygon", "coordinates": [[[LON + dx, LAT], [LON + dx + size, LAT],
            [LON + dx + size, LAT + size], [LON + dx, LAT + size], [LON + dx, LAT]]]}


def test_a_polygon_changed_only_in_shape_is_updated_and_the_rest_kept(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """Polygons are stored as one-part multipolygons: the same file again compares equal to
    them; a corner moved by about a metre does not, and only that feature is rewritten."""
    parks = [feature({"id": f"P{i}", "name": f"Công viên {i}"}, square(0.001 * i))
             for i in range(3)]
    load_file(migrated_engine, "green_spaces", write_geojson(tmp_path / "a.geojson", parks))
    before = dict(rows(migrated_engine, "SELECT source_id, fid FROM green_spaces"))
    same = load_file(migrated_engine, "green_spaces", write_geojson(tmp_path / "b.geojson",
                                                                    parks))
    assert (same.inserted, same.updated, same.deleted, same.unchanged) == (0, 0, 0, 3)
    parks[1] = feature({"id": "P1", "name": "Công viên 1"}, square(0.001, size=0.00051))
    moved = load_file(migrated_engine, "green_spaces", write_geojson(tmp_path / "c.geojson",
                                                                     parks))
    assert (moved.inserted, moved.updated, moved.deleted, moved.unchanged) == (0, 1, 0, 2)
    after = rows(migrated_engine, "SELECT source_id, fid, round(area_m2), source_file "
                                  "FROM green_spaces ORDER BY source_id")
    assert [(s, f) for s, f, _, _ in after] == sorted(before.items())  # same fids
    assert [(s, file) for s, _, _, file in after] == [
        ("P0", "a.geojson"), ("P1", "c.geojson"), ("P2", "a.geojson")]
    assert after[1][2] > after[0][2]  # the larger square's area, computed again


def recording(events: list[tuple[str, object]]) -> Progress:
    return Progress(expect=lambda total: events.append(("expect", total)),
                    read=lambda count: events.append(("read", count)),
                    step=lambda what: events.append(("step", what)))


def test_a_load_says_what_it_does_once_every_feature_is_in(migrated_engine: Engine,
                                                           tmp_path: Path) -> None:
    source = write_geojson(tmp_path / "h.geojson", [hydrant("H1"), hydrant("H2", 0.001)])
    first: list[tuple[str, object]] = []
    load_file(migrated_engine, "hydrants", source, progress=recording(first))
    assert first == [
        ("expect", 2), ("read", 2), ("step", "building indexes"),
        ("step", "checking 2 features"),
        ("step", "recomputing risk overlays: hydrant_coverage, apartment_hydrants")]
    again: list[tuple[str, object]] = []  # nothing changes, so no overlay is recomputed
    load_file(migrated_engine, "hydrants", source, progress=recording(again))
    assert again == [
        ("expect", 2), ("read", 2), ("step", "checking 2 features"),
        ("step", "matching them with the layer's features"), ("step", "writing the changes")]


def test_the_load_command_loads_and_prints_the_report(cluster, migrated_engine: Engine,
                                                      tmp_path: Path) -> None:
    source = write_geojson(tmp_path / "h.geojson", [hydrant("H1"), hydrant("H2", 0.001)])
    result = urbanmap("load", "hydrants", str(source),
                      DATABASE_URL=libpq_url(cluster, migrated_engine.url.database))
    assert result.returncode == 0, result.stderr
    assert "inserted 2" in result.stdout and codes(migrated_engine) == ["H1", "H2"]


def test_upsert_adds_and_updates_but_deletes_nothing(loaded: Engine, tmp_path: Path) -> None:
    extra = [hydrant("H9", 0.004)]
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "extra.geojson", extra),
                       mode="upsert")
    assert (report.inserted, report.deleted) == (1, 0)
    assert codes(loaded) == ["H1", "H2", "H3", "H9"]


def test_append_refuses_features_already_loaded(loaded: Engine, tmp_path: Path) -> None:
    report = load_file(loaded, "hydrants", write_geojson(tmp_path / "first.geojson",
                                                         [hydrant("H1")]), mode="append")
    assert report.inserted == 0
    assert report.rejected == {"already in the layer (load with mode upsert to update it)": 1}


# -- atomicity under failure ------------------------------------------------------------

def big_hydrant_file(tmp_path: Path, count: int) -> Path:
    import geopandas as gpd
    import numpy as np
    from shapely import points

    rng = np.random.default_rng(1)
    xy = np.column_stack([LON + rng.uniform(0, .02, count), LAT + rng.uniform(0, .02, count)])
    frame = gpd.GeoDataFrame({"code": [f"B{i}" for i in range(count)], "status": "working"},
                             geometry=points(xy), crs="EPSG:4326")
    path = tmp_path / "big.fgb"
    frame.to_file(path, driver="FlatGeobuf")
    return path


def test_lost_connection_mid_load_leaves_the_previous_data(loaded: Engine,
                                                           tmp_path: Path) -> None:
    big = big_hydrant_file(tmp_path, 150_000)
    killer = loaded.connect()

    def cut_the_line(_count: int) -> None:
        killer.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                            "datname = current_database() AND pid <> pg_backend_pid()"))

    with pytest.raises(DATABASE_DOWN):  # whichever the dead connection raises
        load_file(loaded, "hydrants", big, progress=Progress(read=cut_the_line))
    killer.close()
    loaded.dispose()
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_killed_load_process_leaves_the_previous_data(cluster, loaded: Engine,
                                                      tmp_path: Path) -> None:
    big = big_hydrant_file(tmp_path, 400_000)
    env = os.environ | {"DATABASE_URL": libpq_url(cluster, loaded.url.database)}
    load = subprocess.Popen([URBANMAP, "load", "hydrants", str(big)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staged = threading.Event()

    def watch() -> None:  # kill as soon as the load is writing into staging
        while load.poll() is None and not staged.is_set():
            if rows(loaded, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                            "'COPY %staging_hydrants%'")[0][0]:
                staged.set()
            else:
                staged.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    watcher.join(timeout=120)
    load.send_signal(signal.SIGKILL)
    load.wait(timeout=30)
    assert staged.is_set(), "the load never reached COPY"
    assert codes(loaded) == ["H1", "H2", "H3"]


def test_an_integer_too_large_for_its_field_is_left_empty_and_counted(
        migrated_engine: Engine, tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "hospitals.geojson", [
        feature({"name": "Bệnh viện Quận 7", "beds": 500}, point()),
        feature({"name": "Bệnh viện FV", "beds": 12_000_000_000}, point(0.001))])
    report = load_file(migrated_engine, "hospitals", path)
    assert report.inserted == 2
    assert "1 value of beds could not be read as integer and was left empty" in report.notes
    with migrated_engine.connect() as conn:
        beds = dict(conn.execute(text("SELECT name, beds FROM hospitals")).all())
    assert beds == {"Bệnh viện Quận 7": 500, "Bệnh viện FV": None}


def test_a_measurement_of_infinity_is_left_empty_and_counted(migrated_engine: Engine,
                                                               tmp_path: Path) -> None:
    """"1e400" reads as infinity, which PostgreSQL would store and the map would show."""
    path = write_geojson(tmp_path / "roads.geojson", [
        feature({"name": name, "width_m": width},
                {"type": "LineString", "coordinates": [[LON, LAT + dy], [LON + .001, LAT + dy]]})
        for name, width, dy in (("Nguyễn Thị Thập", "12,5", 0), ("Đường số 1", "1e400", .001))])
    report = load_file(migrated_engine, "roads", path)
    assert "1 value of width_m could not be read as real and was left empty" in report.notes
    assert rows(migrated_engine, "SELECT name, width_m FROM roads ORDER BY name") == [
        ("Nguyễn Thị Thập", 12.5), ("Đường số 1", None)]


def test_unreadable_values_make_one_note_for_the_whole_file(
        migrated_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from loaders import files

    monkeypatch.setattr(files, "BATCH_ROWS", 2)  # five features in three chunks
    beds = ["many", 40, "?", 60, "nhiều"]
    path = write_geojson(tmp_path / "hospitals.geojson", [
        feature({"name": f"Bệnh viện {i}", "beds": b}, point(i * 0.001))
        for i, b in enumerate(beds)])
    report = load_file(migrated_engine, "hospitals", path)
    assert report.inserted == 5
    assert [n for n in report.notes if "beds" in n] == [
        "3 values of beds could not be read as integer and were left empty"]
