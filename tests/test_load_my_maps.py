"""Hydrants a field team marked in Google My Maps (or Google Earth) and exported as KML:
each placemark is named by the code painted on the hydrant, its state and street are the
layer's columns (ExtendedData), in Vietnamese."""

from __future__ import annotations

from pathlib import Path

from hydrant_files import rows
from sqlalchemy import Engine

from loaders.files import load_file

PLACEMARK = """
      <Placemark>
        <name>{code}</name>
        <description>Kiểm tra ngày 20/11/2026</description>
        <ExtendedData>
          <Data name="Tình trạng"><value>{status}</value></Data>
          <Data name="Tên đường"><value>{street}</value></Data>
        </ExtendedData>
        <Point><coordinates>{lon},{lat},0</coordinates></Point>
      </Placemark>"""
HYDRANTS = [("TN-01", "Hoạt động", "Huỳnh Tấn Phát", 106.7301, 10.7402),
            ("TN-02", "Hư hỏng", "Nguyễn Thị Thập", 106.7102, 10.7388)]


def my_maps_kml(path: Path, hydrants: list[tuple] = HYDRANTS) -> Path:
    placemarks = "".join(PLACEMARK.format(code=code, status=status, street=street, lon=lon,
                                          lat=lat)
                         for code, status, street, lon, lat in hydrants)
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                    "<name>Trụ nước chữa cháy Quận 7</name><Folder><name>Trụ nước</name>"
                    f"{placemarks}</Folder></Document></kml>", encoding="utf-8")
    return path


def test_a_my_maps_kml_of_hydrants_loads_each_under_its_name(migrated_engine: Engine,
                                                              tmp_path: Path) -> None:
    report = load_file(migrated_engine, "hydrants", my_maps_kml(tmp_path / "tru_nuoc.kml"))
    assert (report.read, report.rejected_total) == (2, 0), report.summary()
    assert rows(migrated_engine, "SELECT code, status, street, source_id, round(ST_X(ST_Transform("
                                 "geom, 4326))::numeric, 4)::float FROM hydrants ORDER BY code"
                ) == [("TN-01", "working", "Huỳnh Tấn Phát", "TN-01", 106.7301),
                      ("TN-02", "out_of_service", "Nguyễn Thị Thập", "TN-02", 106.7102)]
    # Known by their codes, not their places: the team's next export, with a hydrant added
    # first, changes nothing of these two.
    added = ("TN-00", "Hoạt động", "Nguyễn Văn Linh", 106.7200, 10.7300)
    again = load_file(migrated_engine, "hydrants",
                      my_maps_kml(tmp_path / "tru_nuoc.kml", [added, *HYDRANTS]))
    assert (again.inserted, again.updated, again.unchanged, again.deleted) == (1, 0, 2, 0)
