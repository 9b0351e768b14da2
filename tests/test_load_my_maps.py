"""A whole map from Google My Maps, exported as one KML: each of its map layers a folder,
named as the team named it. A load takes the folder named like the target layer, or the
only one holding its kind of geometry (GDAL declares no kind for a KML folder), and the
report lists the sender's columns it left, not the ones GDAL gives every placemark."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hydrant_files import rows
from sqlalchemy import Engine

from geo.errors import InvalidInput
from loaders.files import load_file

HYDRANTS = [("TCH-01", "Hoạt động", 106.7021, 10.7385), ("TCH-02", "Hư hỏng", 106.7290, 10.7521)]
TRASH = [("Điểm rác chợ Tân Mỹ", 106.7185, 10.7405)]
FLOODED = [("Đoạn ngập Huỳnh Tấn Phát", [(106.7290, 10.7380), (106.7295, 10.7420)])]


def placemark(name: str, geometry: str, data: dict[str, str] | None = None) -> str:
    extended = "".join(f'<Data name="{key}"><value>{value}</value></Data>'
                       for key, value in (data or {}).items())
    return (f"<Placemark><name>{name}</name><description>Ghi chú</description>"
            f"<styleUrl>#icon-1899-0288D1</styleUrl><ExtendedData>{extended}</ExtendedData>"
            f"{geometry}</Placemark>")


def folder(name: str, placemarks: list[str]) -> str:
    return f"<Folder><name>{name}</name>{''.join(placemarks)}</Folder>"


def my_map(path: Path, hydrants_folder: str = "Trụ nước chữa cháy") -> Path:
    """The district's fire-safety map: hydrants, trash points and a flooded street."""
    folders = [
        folder(hydrants_folder, [placemark(code, f"<Point><coordinates>{lon},{lat},0"
                                                 "</coordinates></Point>", {"Tình trạng": state})
                                 for code, state, lon, lat in HYDRANTS]),
        folder("Điểm tập kết rác", [placemark(name, f"<Point><coordinates>{lon},{lat},0"
                                                    "</coordinates></Point>")
                                    for name, lon, lat in TRASH]),
        folder("Tuyến ngập", [placemark(name, "<LineString><coordinates>" + " ".join(
            f"{lon},{lat},0" for lon, lat in line) + "</coordinates></LineString>")
            for name, line in FLOODED]),
    ]
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/'
                    'kml/2.2"><Document><name>Bản đồ PCCC Quận 7</name>'
                    f"{''.join(folders)}</Document></kml>", encoding="utf-8")
    return path


def test_the_folder_named_like_the_layer_is_read(migrated_engine: Engine,
                                                 tmp_path: Path) -> None:
    """Two folders hold points: the one named with the layer's Vietnamese title is taken,
    for hydrants and for trash points alike. Before, the load refused the map, and its
    report listed ten columns of LIBKML's own (timestamp, tessellate, drawOrder …)."""
    path = my_map(tmp_path / "ban_do_pccc.kml")
    report = load_file(migrated_engine, "hydrants", path)
    assert (report.read, report.rejected_total) == (2, 0), report.summary()
    assert report.notes == ["columns not loaded: description"]
    assert rows(migrated_engine, "SELECT code, status FROM hydrants ORDER BY code") == [
        ("TCH-01", "working"), ("TCH-02", "out_of_service")]
    trash = load_file(migrated_engine, "trash_points", path)
    assert (trash.read, trash.rejected_total) == (1, 0), trash.summary()
    assert rows(migrated_engine, "SELECT name FROM trash_points") == [(TRASH[0][0],)]


def test_the_only_folder_of_the_layers_kind_is_read(migrated_engine: Engine,
                                                    tmp_path: Path) -> None:
    """The folder of lines is the only one a line layer can take: read, and said so."""
    report = load_file(migrated_engine, "roads", my_map(tmp_path / "ban_do_pccc.kml"))
    assert report.notes[0] == "read layer 'Tuyến ngập', the only one with lines"
    assert rows(migrated_engine, "SELECT name FROM roads") == [(FLOODED[0][0],)]


def test_a_map_without_the_layers_kind_or_a_folder_named_for_it_is_refused(
        loaded: Engine, tmp_path: Path) -> None:
    """No folder of areas for green space; two folders of points, neither named for
    hydrants: each refused with what the map holds, the layer as it was."""
    before = rows(loaded, "SELECT code FROM hydrants ORDER BY code")
    path = my_map(tmp_path / "ban_do.kml", hydrants_folder="Trụ PCCC")
    holds = ("Trụ PCCC (2 Point), Điểm tập kết rác (1 Point), Tuyến ngập (1 LineString)")
    with pytest.raises(InvalidInput, match=re.escape(
            f"ban_do.kml has no layer of areas, which green_spaces needs: it holds {holds}.")):
        load_file(loaded, "green_spaces", path)
    with pytest.raises(InvalidInput, match=re.escape(
            f"ban_do.kml holds several layers: {holds}. Pick one with --layer, or read all "
            "those of points as one with --layer '*'.")):
        load_file(loaded, "hydrants", path)
    assert rows(loaded, "SELECT code FROM hydrants ORDER BY code") == before
    report = load_file(loaded, "hydrants", path, layer="Trụ PCCC")
    assert report.read == 2 and report.rejected_total == 0, report.summary()


def arcgis_description(layer: str, attributes: dict[str, str]) -> str:
    """A placemark's description as ArcGIS's Layer To KML writes it: the layer's name in a
    table, the attributes in a table inside it, `<Null>` for an empty value."""
    cells = "".join(f'<tr bgcolor="#D4E4F3"><td>{name}</td><td>{value}</td></tr>'
                    for name, value in attributes.items())
    return ('<html xmlns:fo="http://www.w3.org/1999/XSL/Format"><head><META http-equiv='
            '"Content-Type" content="text/html"></head><body style="margin:0px"><table '
            'style="font-family:Arial"><tr style="text-align:center;font-weight:bold;'
            f'background:#9CBCE2"><td>{layer}</td></tr><tr><td><table style="font-family:'
            f'Arial">{cells}</table></td></tr></table></body></html>')


def test_attributes_in_a_descriptions_table_load(migrated_engine: Engine,
                                                 tmp_path: Path) -> None:
    """A KML exported from ArcGIS keeps its attributes only in each placemark's description,
    as an HTML table: every hydrant was refused as missing status, the table left out as
    one column of HTML."""
    placemarks = []
    for n, (code, state, lon, lat) in enumerate(HYDRANTS):
        attributes = {"FID": str(n), "MA_TRU": code, "TINH_TRANG": state,
                      "TEN_DUONG": "&lt;Null&gt;" if n else "Nguyễn Văn Linh &amp; Lê Văn Lương"}
        placemarks.append(f"<Placemark><name>{code}</name><description><![CDATA["
                          f"{arcgis_description('TruChuaChay', attributes)}]]></description>"
                          f"<Point><coordinates>{lon},{lat},0</coordinates></Point>"
                          "</Placemark>")
    path = tmp_path / "TruChuaChay.kml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/'
                    f'kml/2.2"><Document>{folder("TruChuaChay", placemarks)}</Document></kml>',
                    encoding="utf-8")
    report = load_file(migrated_engine, "hydrants", path)
    assert (report.read, report.rejected_total) == (2, 0), report.summary()
    assert report.notes == ["columns not loaded: Name, FID"]
    assert rows(migrated_engine, "SELECT code, status, street FROM hydrants ORDER BY code") == [
        ("TCH-01", "working", "Nguyễn Văn Linh & Lê Văn Lương"),
        ("TCH-02", "out_of_service", None)]


def test_a_map_of_a_folder_per_ward_loads_as_one_list_when_asked(migrated_engine: Engine,
                                                                  tmp_path: Path) -> None:
    """Ten wards, ten My Maps layers, the most a map may have: the hydrants kept a folder a
    ward. Loading one folder at a time was a trap, each load a replace of the one before.
    With --layer '*' every folder of points is read as one list, what My Maps adds to every
    placemark still no column of the sender's; the folder of lines is left out, and said so."""
    def hydrant(code: str, state: str, lon: float, lat: float, note: str | None = None) -> str:
        data = {"Tình trạng": state, **({"Ghi chú": note} if note else {})}
        return placemark(code, f"<Point><coordinates>{lon},{lat},0</coordinates></Point>", data)

    path = tmp_path / "tru_nuoc_theo_phuong.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        "<Document><name>Trụ nước Quận 7</name>"
        + folder("Phường Tân Phong", [hydrant(*HYDRANTS[0])])
        + folder("Phường Tân Hưng", [hydrant(*HYDRANTS[1], note="gần chợ"),
                                     hydrant("TCH-03", "Hoạt động", 106.7110, 10.7420)])
        + folder("Tuyến ngập", [placemark(name, "<LineString><coordinates>" + " ".join(
            f"{lon},{lat},0" for lon, lat in line) + "</coordinates></LineString>")
            for name, line in FLOODED])
        + "</Document></kml>", encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(
            "Pick one with --layer, or read all those of points as one with --layer '*'.")):
        load_file(migrated_engine, "hydrants", path)
    report = load_file(migrated_engine, "hydrants", path, layer="*")
    assert (report.read, report.rejected_total) == (3, 0), report.summary()
    assert report.notes == [
        "read 2 layers as one, features from each: 'Phường Tân Phong' (1), "
        "'Phường Tân Hưng' (2)",
        "layer 'Tuyến ngập' left out: it holds LineString, not points",
        "columns not loaded: description, Ghi chú"]
    assert rows(migrated_engine, "SELECT code, status FROM hydrants ORDER BY code") == [
        ("TCH-01", "working"), ("TCH-02", "out_of_service"), ("TCH-03", "working")]
    again = load_file(migrated_engine, "hydrants", path, layer="*")
    assert (again.read, again.unchanged) == (3, 3), again.summary()
