"""Planning maps as district offices often have them: CAD drawings saved as DXF.

A DXF says no coordinate system (the drawing is in VN-2000 metres, given with --crs), keeps
each entity's handle across saves (its source id), and draws a zone as a closed polyline or
a hatch (often both, one over the other), on a CAD layer often named by the land-use code
(--map Layer=land_use_code), with its codes written inside it as text ("ODT", "II-12").
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import ezdxf
import pyproj
import pytest
from hydrant_files import rows
from sqlalchemy import Engine

from geo.errors import InvalidInput
from loaders import files
from loaders.files import load_file

# VN-2000 metres, HCMC 3° zone (105°45'), in Tân Phong, District 7
X, Y = 606_000.0, 1_187_600.0
# That zone with the official datum shift to WGS 84 (EPSG:6960), which --crs vn2000-hcm has
VN2000_HCM = ("+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
              "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,"
              "0.00427372,0.252906278 +units=m")


def _square(x: float, y: float, side: float = 100) -> list[list[float]]:
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]


def _outline(layer: str, ring: list[list[float]]) -> dict:
    """A closed polyline."""
    return {"type": "Feature", "properties": {"Layer": layer},
            "geometry": {"type": "LineString", "coordinates": ring}}


def _hatch(layer: str, ring: list[list[float]]) -> dict:
    return {"type": "Feature", "properties": {"Layer": layer},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _text(words: str, x: float, y: float) -> dict:
    """An MTEXT (GDAL writes a point with a label style as one); lines split by \\n."""
    return {"type": "Feature", "properties": {
        "Layer": "CHU", "OGR_STYLE": f'LABEL(f:"Arial",t:"{words}",s:2g)'},
        "geometry": {"type": "Point", "coordinates": [x, y]}}


def _dxf(tmp_path: Path, features: list[dict] | None = None,
         as_text: tuple[str, ...] = ()) -> Path:
    """A drawing of `features` (by default a zone drawn as a closed polyline (ODT), one as a
    hatch (CXT), and a road's line); the labels in `as_text` written as TEXT, not MTEXT."""
    square = _square(X, Y)
    drawing = tmp_path / "quy_hoach.geojson"
    drawing.write_text(json.dumps({"type": "FeatureCollection", "features": features or [
        _outline("ODT", square),
        _hatch("CXT", [[x + 200, y] for x, y in square]),
        {"type": "Feature", "properties": {"Layer": "DUONG"},
         "geometry": {"type": "LineString", "coordinates": [[X, Y - 50], [X + 300, Y - 50]]}},
    ]}))
    dxf = tmp_path / "quy_hoach.dxf"
    subprocess.run(["/usr/bin/ogr2ogr", "-f", "DXF", str(dxf), str(drawing)], check=True,
                   capture_output=True)
    entities = dxf.read_text("latin-1").split("\n  0\n")  # an ANSI file: bytes kept
    for i, entity in enumerate(entities):  # an old-style TEXT has the same group codes
        if entity.startswith("MTEXT") and any(f"\n  1\n{w}\n" in entity for w in as_text):
            entities[i] = "TEXT" + entity[5:].replace("AcDbMText", "AcDbText")
    dxf.write_text("\n  0\n".join(entities), "latin-1")
    return dxf


def test_a_dxf_planning_map_loads_its_closed_polylines_and_hatches(migrated_engine: Engine,
                                                                   tmp_path: Path) -> None:
    report = load_file(migrated_engine, "planning_zones", _dxf(tmp_path), crs="vn2000-hcm",
                       overrides={"Layer": "land_use_code"})
    assert report.inserted == 2
    assert dict(report.rejected) == {"not a MultiPolygon (planning zones layer)": 1}
    assert "1 closed line read as the area it encloses" in report.notes
    stored = rows(migrated_engine, "SELECT land_use_code, source_id, round(area_m2), "
                                   "ST_X(ST_StartPoint(ST_ExteriorRing(ST_GeometryN(geom, 1)))),"
                                   " ST_Y(ST_StartPoint(ST_ExteriorRing(ST_GeometryN(geom, 1))))"
                                   " FROM planning_zones ORDER BY land_use_code")
    assert [(code, area) for code, _, area, _, _ in stored] == [("CXT", 10000), ("ODT", 10000)]
    assert all(handle.isalnum() for _, handle, *_ in stored)  # the entities' handles
    utm = pyproj.Transformer.from_crs(VN2000_HCM, "EPSG:32648", always_xy=True)
    for code, corner in (("ODT", (X, Y)), ("CXT", (X + 200, Y))):
        truth = utm.transform(*corner)
        got = next(r[3:] for r in stored if r[0] == code)
        assert abs(got[0] - truth[0]) < 0.5 and abs(got[1] - truth[1]) < 0.5, (code, got, truth)


def test_a_plan_whose_cad_layers_are_codes_is_told_how_to_take_them(
        migrated_engine: Engine, tmp_path: Path) -> None:
    report = load_file(migrated_engine, "planning_zones", _dxf(tmp_path), crs="vn2000-hcm")
    assert dict(report.rejected)["missing land_use_code"] == 2
    assert "2 areas without a land-use code lie on CAD layers named by one (CXT, ODT): load " \
           "again with --map Layer=land_use_code to take it from there" in report.notes


def test_a_dxf_without_crs_is_refused_saying_how(migrated_engine: Engine,
                                                 tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"quy_hoach.dxf: The file has no coordinate system"
                                           r".*--crs vn2000-hcm"):
        load_file(migrated_engine, "planning_zones", _dxf(tmp_path))


def test_a_dwg_is_refused_saying_to_save_it_as_dxf(migrated_engine: Engine,
                                                   tmp_path: Path) -> None:
    dwg = tmp_path / "quy_hoach.dwg"
    dwg.write_bytes(b"AC1032" + bytes(200))  # AutoCAD 2018's header, then nothing
    with pytest.raises(InvalidInput, match=r"quy_hoach.dwg is an AutoCAD drawing \(\.dwg\).*"
                                           r"save it as DXF"):
        load_file(migrated_engine, "planning_zones", dwg)


@pytest.fixture(params=[files.BATCH_ROWS, 1], ids=["in one batch", "a batch per entity"])
def batches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big drawing is read in batches: a zone's label or twin may be in another batch
    than the zone, as every entity is here in batches of one."""
    monkeypatch.setattr(files, "BATCH_ROWS", request.param)


def _zones(engine: Engine) -> dict[str, tuple]:
    """Stored zones by the x of their south-west corner, in metres from X."""
    utm = pyproj.Transformer.from_crs("EPSG:32648", VN2000_HCM, always_xy=True)
    stored = rows(engine, "SELECT ST_XMin(geom), ST_YMin(geom), land_use_code, zone_code, "
                          "round(area_m2) FROM planning_zones")
    return {str(round(utm.transform(x, y)[0] - X)): tuple(rest) for x, y, *rest in stored}


def _labelled_plan() -> list[dict]:
    """Zones as a planning office draws them: A (at X) outlined and hatched over, labelled
    "ODT / II-12" on one MTEXT; B (X + 200) hatched only, labelled "CXT-03" by a TEXT; C
    (X + 400) labelled with two land-use codes; D, a small zone inside A, labelled "DGT";
    a title outside every zone, and a road."""
    a, b, c = _square(X, Y), _square(X + 200, Y), _square(X + 400, Y)
    d = _square(X + 10, Y + 10, 20)
    hatched_a = [a[2], a[1], a[0], a[3], a[2]]  # the other way round, from another corner
    return [_outline("QH", a), _hatch("QH", hatched_a), _text("ODT\nII-12", X + 50, Y + 50),
            _hatch("QH", b), _text("CXT-03", X + 250, Y + 50),
            _outline("QH", c), _text("ODT", X + 420, Y + 20), _text("TMD", X + 470, Y + 70),
            _outline("QH", d), _text("DGT", X + 20, Y + 20),
            _text("QUY HOẠCH PHÂN KHU 1/2000", X, Y - 100),
            {"type": "Feature", "properties": {"Layer": "DUONG"}, "geometry": {
                "type": "LineString", "coordinates": [[X, Y - 50], [X + 600, Y - 50]]}}]


def test_a_plan_s_zones_take_their_codes_from_the_text_written_inside_them(
        migrated_engine: Engine, tmp_path: Path, batches: None) -> None:
    dxf = _dxf(tmp_path, _labelled_plan(), as_text=("CXT-03",))
    report = load_file(migrated_engine, "planning_zones", dxf, crs="vn2000-hcm")
    # A and its hatch are one zone; D's label is D's, not A's, though it lies in both
    assert _zones(migrated_engine) == {"0": ("ODT", "II-12", 10000), "10": ("DGT", None, 400),
                                       "200": ("CXT", "CXT-03", 10000)}
    assert report.inserted == 3 and report.read == 5
    assert dict(report.rejected) == {"missing land_use_code": 1,
                                     "not a MultiPolygon (planning zones layer)": 1}
    assert "6 texts read as labels, not areas: 4 areas labelled, 3 took their land use code " \
           "and 2 their zone code from them" in report.notes
    assert "1 area drawn twice (a hatch over a closed polyline, or a copy of one): loaded " \
           "once" in report.notes
    conflict = next(n for n in report.notes if "labelled with two codes" in n)
    assert conflict.endswith("(ODT and TMD)") and report.examples["missing land_use_code"][0] \
        in conflict  # C, named by its handle in both

    again = load_file(migrated_engine, "planning_zones", dxf, crs="vn2000-hcm")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_a_zone_with_a_lot_cut_out_keeps_the_hatch_s_island(
        migrated_engine: Engine, tmp_path: Path, batches: None) -> None:
    """A residential block around a school lot: its outer polyline and its hatch share an
    outline, but only the hatch has the lot cut out; the block loaded from the polyline
    would cover the school."""
    block, lot = _square(X, Y), _square(X + 40, Y + 40, 20)
    hatched = {"type": "Feature", "properties": {"Layer": "QH"},
               "geometry": {"type": "Polygon", "coordinates": [block, lot[::-1]]}}
    dxf = _dxf(tmp_path, [_outline("QH", block), hatched, _outline("QH", lot), _hatch("QH", lot),
                          _text("ODT", X + 10, Y + 10), _text("DGD", X + 50, Y + 50)])
    report = load_file(migrated_engine, "planning_zones", dxf, crs="vn2000-hcm")
    assert _zones(migrated_engine) == {"0": ("ODT", None, 9600), "40": ("DGD", None, 400)}
    assert not report.rejected  # the outer polyline is not loaded, to be refused unlabelled
    assert "2 areas drawn twice (a hatch over a closed polyline, or a copy of one): loaded " \
           "once" in report.notes


def test_a_column_s_code_wins_over_a_label_and_a_label_gives_what_no_column_does(
        migrated_engine: Engine, tmp_path: Path) -> None:
    dxf = _dxf(tmp_path, [_outline("ODT", _square(X, Y)), _text("TMD-02", X + 50, Y + 50)])
    load_file(migrated_engine, "planning_zones", dxf, crs="vn2000-hcm",
              overrides={"Layer": "land_use_code"})
    assert _zones(migrated_engine) == {"0": ("ODT", "TMD-02", 10000)}


def test_a_drawing_of_text_alone_is_refused_and_the_zones_stay(migrated_engine: Engine,
                                                                tmp_path: Path) -> None:
    load_file(migrated_engine, "planning_zones", _dxf(tmp_path, _labelled_plan()),
              crs="vn2000-hcm")
    (tmp_path / "ghi_chu").mkdir()
    notes_only = _dxf(tmp_path / "ghi_chu", [_text("ODT", X + 50, Y + 50), _text("CXT", X, Y)])
    with pytest.raises(InvalidInput, match=r"quy_hoach.dxf holds only text, no area: nothing "
                                           r"was loaded"):
        load_file(migrated_engine, "planning_zones", notes_only, crs="vn2000-hcm")
    assert len(_zones(migrated_engine)) == 3


def _autocad_2010(tmp_path: Path, draw) -> Path:
    """A drawing as AutoCAD 2007 and later save it: UTF-8 whatever code page its header
    names (ezdxf writes it so), in VN-2000 metres."""
    doc = ezdxf.new("R2010")
    draw(doc)
    path = tmp_path / "ban_ve.dxf"
    doc.saveas(path)
    return path


def _hydrant_plan(doc) -> None:
    """Hydrants as the fire police draw them: inserts of a symbol block whose attributes
    hold the code and the state; a title, and a road."""
    symbol = doc.blocks.new("TRU_CUU_HOA")
    symbol.add_circle((0, 0), 0.5)
    symbol.add_line((-0.5, 0), (0.5, 0))
    for tag, y in (("MA_TRU", 0), ("TINH_TRANG", -0.6)):
        symbol.add_attdef(tag, (0.6, y), dxfattribs={"height": 0.5})
    space = doc.modelspace()
    for i, state in enumerate(("hoạt động", "hỏng", "hoạt động")):
        insert = space.add_blockref("TRU_CUU_HOA", (X + 50 * i, Y), dxfattribs={"layer": "PCCC"})
        insert.add_auto_attribs({"MA_TRU": f"Q7-{i + 1:03d}", "TINH_TRANG": state})
    space.add_text("TRỤ CỨU HỎA QUẬN 7", dxfattribs={"layer": "CHU"}).set_placement((X, Y - 30))
    space.add_lwpolyline([(X, Y - 20), (X + 100, Y - 20)], dxfattribs={"layer": "DUONG"})


def test_hydrants_drawn_as_blocks_load_as_points_with_their_attributes(
        migrated_engine: Engine, tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants", _autocad_2010(tmp_path, _hydrant_plan),
                       crs="vn2000-hcm")
    assert report.inserted == 3
    assert dict(report.rejected) == {"not a Point (fire hydrants layer)": 1}  # the road
    assert "3 blocks read as points, with their attributes as columns (MA_TRU, TINH_TRANG)" \
        in report.notes
    assert "1 text left out: a drawing's texts are notes on it, not features" in report.notes
    stored = rows(migrated_engine, "SELECT code, status, source_id, ST_X(geom), ST_Y(geom) "
                                   "FROM hydrants ORDER BY code")
    assert [row[:2] for row in stored] == [("Q7-001", "working"), ("Q7-002", "out_of_service"),
                                           ("Q7-003", "working")]
    assert all(handle.isalnum() for _, _, handle, *_ in stored)  # the inserts' handles
    to_utm = pyproj.Transformer.from_crs(VN2000_HCM, "EPSG:32648", always_xy=True)
    for i, (*_, x, y) in enumerate(stored):
        truth = to_utm.transform(X + 50 * i, Y)
        assert abs(x - truth[0]) < 0.5 and abs(y - truth[1]) < 0.5, (x, y, truth)

    again = load_file(migrated_engine, "hydrants", _autocad_2010(tmp_path, _hydrant_plan),
                      crs="vn2000-hcm")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_a_drawing_saved_by_autocad_2007_or_later_is_read_as_utf8(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """Its header names a code page (ANSI_1252) that its text is not in: read in it, the
    layer "Quy hoạch phân khu" came in as "Quy hoáº¡ch phÃ¢n khu"."""
    def plan(doc) -> None:
        doc.layers.add("Quy hoạch phân khu")
        doc.modelspace().add_lwpolyline(_square(X, Y)[:4], close=True,
                                         dxfattribs={"layer": "Quy hoạch phân khu"})
        doc.modelspace().add_mtext("ODT\\PĐất ở đô thị").set_location((X + 50, Y + 50))

    drawing = _autocad_2010(tmp_path, plan)
    assert b"$DWGCODEPAGE\n  3\nANSI_1252" in drawing.read_bytes()
    load_file(migrated_engine, "planning_zones", drawing, crs="vn2000-hcm",
              overrides={"Layer": "plan_name"})
    assert rows(migrated_engine, "SELECT plan_name, land_use_code FROM planning_zones") == [
        ("Quy hoạch phân khu", "ODT")]


def test_a_damaged_drawing_of_hydrants_is_refused_and_the_hydrants_stay(
        migrated_engine: Engine, tmp_path: Path) -> None:
    load_file(migrated_engine, "hydrants", _autocad_2010(tmp_path, _hydrant_plan),
              crs="vn2000-hcm")
    damaged = tmp_path / "hong.dxf"
    damaged.write_bytes(_autocad_2010(tmp_path, _hydrant_plan).read_bytes()[:3000])
    with pytest.raises(InvalidInput, match=r"^GDAL cannot read hong.dxf: error at line \d+ of "
                                           r"hong.dxf\. Check that the file is complete"):
        load_file(migrated_engine, "hydrants", damaged, crs="vn2000-hcm")
    assert len(rows(migrated_engine, "SELECT code FROM hydrants")) == 3
