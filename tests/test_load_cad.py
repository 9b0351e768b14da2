"""Planning maps as district offices often have them: CAD drawings saved as DXF.

A DXF says no coordinate system (the drawing is in VN-2000 metres, given with --crs), keeps
each entity's handle across saves (its source id), and draws a zone as a closed polyline or
a hatch, on a CAD layer often named by the land-use code (--map Layer=land_use_code).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyproj
import pytest
from hydrant_files import rows
from sqlalchemy import Engine

from geo.errors import InvalidInput
from loaders.files import load_file

# VN-2000 metres, HCMC 3° zone (105°45'), in Tân Phong, District 7
X, Y = 606_000.0, 1_187_600.0


def _dxf(tmp_path: Path) -> Path:
    """A zone drawn as a closed polyline (ODT), one as a hatch (CXT), and a road's line."""
    square = [[X, Y], [X + 100, Y], [X + 100, Y + 100], [X, Y + 100], [X, Y]]
    drawing = tmp_path / "quy_hoach.geojson"
    drawing.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"Layer": "ODT"},
         "geometry": {"type": "LineString", "coordinates": square}},
        {"type": "Feature", "properties": {"Layer": "CXT"}, "geometry": {
            "type": "Polygon", "coordinates": [[[x + 200, y] for x, y in square]]}},
        {"type": "Feature", "properties": {"Layer": "DUONG"},
         "geometry": {"type": "LineString", "coordinates": [[X, Y - 50], [X + 300, Y - 50]]}},
    ]}))
    dxf = tmp_path / "quy_hoach.dxf"
    subprocess.run(["/usr/bin/ogr2ogr", "-f", "DXF", str(dxf), str(drawing)], check=True,
                   capture_output=True)
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
    utm = pyproj.Transformer.from_crs("+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 "
                                      "+x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,"
                                      "-39.30318279,-111.45032835,0.00928836,-0.01975479,"
                                      "0.00427372,0.252906278 +units=m", "EPSG:32648",
                                      always_xy=True)
    for code, corner in (("ODT", (X, Y)), ("CXT", (X + 200, Y))):
        truth = utm.transform(*corner)
        got = next(r[3:] for r in stored if r[0] == code)
        assert abs(got[0] - truth[0]) < 0.5 and abs(got[1] - truth[1]) < 0.5, (code, got, truth)


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
