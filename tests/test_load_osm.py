"""OpenStreetMap import: one file fills several layers, clipped to a chosen boundary."""

from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from sqlalchemy import Engine, text
from test_database import libpq_url, urbanmap  # how the suite runs the command
from truth_files import (
    TOLERANCE_M,
    rows,
    stored_properties,
    worst_error_m,
    write_geojson,
    write_truth,
)

from geo.osm import admin_areas, read_osm
from geo.sample import OSM_EXTRACT
from loaders.files import load_file
from loaders.osm import load_osm
from loaders.pipeline import Progress


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_riverbanks_drawn_as_closed_ways_become_water_areas(sample_engine: Engine) -> None:
    assert count(sample_engine, "SELECT count(*) FROM water_areas WHERE source_id LIKE "
                                "'osm:way/%' AND kind = 'river'") >= 5


def test_a_boundary_file_clips_the_extract_to_one_ward(migrated_engine: Engine,
                                                        tmp_path: Path) -> None:
    wards = admin_areas(read_osm(OSM_EXTRACT, ("multipolygons",))["multipolygons"], "10")
    ward = wards[wards["name"] == "Phường Tân Phong"][["name", "geometry"]]
    boundary = tmp_path / "tan_phong.geojson"
    gpd.GeoDataFrame(ward, crs="EPSG:4326").to_file(boundary)
    load_osm(migrated_engine, OSM_EXTRACT, boundary_file=boundary)
    roads = count(migrated_engine, "SELECT count(*) FROM roads")
    assert 20 < roads < 1000
    outside = count(migrated_engine, "SELECT count(*) FROM roads r, wards w WHERE w.name = "
                    "'Phường Tân Phong' AND NOT ST_DWithin(r.geom, w.geom, 1)")
    assert outside == 0


def test_dry_run_of_an_extract_writes_nothing(migrated_engine: Engine) -> None:
    reports = load_osm(migrated_engine, OSM_EXTRACT, dry_run=True)
    assert {r.layer_id for r in reports} >= {"wards", "roads", "alleys", "bridges"}
    assert sum(r.inserted for r in reports) > 2000
    assert count(migrated_engine, "SELECT count(*) FROM roads") == 0


def test_loading_the_extract_twice_changes_nothing(migrated_engine: Engine) -> None:
    load_osm(migrated_engine, OSM_EXTRACT)
    again = load_osm(migrated_engine, OSM_EXTRACT)
    assert all(not r.changed for r in again), [r.summary() for r in again if r.changed]


def test_an_extract_load_says_which_layer_it_is_at(migrated_engine: Engine) -> None:
    expected, read, steps = [], [], []
    reports = load_osm(migrated_engine, OSM_EXTRACT, dry_run=True, progress=Progress(
        expect=expected.append, read=read.append, step=steps.append))
    assert expected == [sum(read)] and sum(read) == sum(r.read for r in reports)
    assert steps[:3] == ["reading the extract", "sorting its features into layers",
                         "wards: reading"]
    roads = next(r.read for r in reports if r.layer_id == "roads")
    assert f"roads: checking {roads:,} features" in steps


def test_the_load_osm_command_reports_every_layer(cluster, migrated_engine: Engine) -> None:
    result = urbanmap("load-osm", str(OSM_EXTRACT), "--dry-run",
                      DATABASE_URL=libpq_url(cluster, migrated_engine.url.database))
    assert result.returncode == 0, result.stderr
    assert "roads from" in result.stdout and "dry run: nothing written" in result.stdout
    assert count(migrated_engine, "SELECT count(*) FROM roads") == 0


def test_an_area_that_crosses_itself_is_made_valid_to_be_clipped(migrated_engine: Engine,
                                                                  tmp_path: Path) -> None:
    """An apartment block drawn as a bow tie across the district's edge: GEOS cannot
    intersect it as it is (a TopologyException ended the load)."""
    lon, lat = 106.72, 10.74
    corners = [(lon, lat), (lon + .01, lat), (lon + .01, lat + .01), (lon, lat + .01)]
    bow_tie = [(lon + .009, lat + .004), (lon + .011, lat + .006), (lon + .011, lat + .004),
               (lon + .009, lat + .006)]
    nodes = "".join(f'<node id="{i}" version="1" lat="{y}" lon="{x}"/>'
                    for i, (x, y) in enumerate(corners + bow_tie, start=1))
    extract = tmp_path / "bow_tie.osm"
    extract.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">' + nodes +
        '<way id="100" version="1">' + "".join(f'<nd ref="{i}"/>' for i in (1, 2, 3, 4, 1)) +
        '</way><way id="101" version="1">' +
        "".join(f'<nd ref="{i}"/>' for i in (5, 6, 7, 8, 5)) +
        '<tag k="building" v="apartments"/><tag k="name" v="Chung cư Hoàng Anh"/></way>'
        '<relation id="1000" version="1"><member type="way" ref="100" role="outer"/>'
        '<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
        '<tag k="admin_level" v="6"/><tag k="name" v="Quận 7"/></relation></osm>',
        encoding="utf-8")
    [report] = load_osm(migrated_engine, extract)
    assert (report.layer_id, report.inserted) == ("apartments", 1)
    assert "1 invalid geometry was made valid to clip them to the boundary" in report.notes
    assert count(migrated_engine, "SELECT count(*) FROM apartments WHERE ST_IsValid(geom) AND "
                 "ST_XMax(ST_Transform(geom, 4326)) <= 106.7300001") == 1


def test_a_new_extract_keeps_what_other_sources_gave_the_layers(migrated_engine: Engine,
                                                                tmp_path: Path) -> None:
    """The extract is loaded again each week; the statistics office's ward populations,
    loaded in between, are no tag OpenStreetMap has. Before, each new extract emptied them,
    and with them the epidemic levels' rates."""
    load_osm(migrated_engine, OSM_EXTRACT)
    with migrated_engine.connect() as conn:
        wards = conn.execute(text("SELECT name FROM wards ORDER BY name")).scalars().all()
    populations = tmp_path / "dan_so.csv"
    populations.write_text("Phường,Dân số\n" + "".join(
        f"{name},{30_000 + 1_000 * n}\n" for n, name in enumerate(wards)), encoding="utf-8")
    load_file(migrated_engine, "wards", populations, mode="update")
    reports = {r.layer_id: r for r in load_osm(migrated_engine, OSM_EXTRACT)}
    assert count(migrated_engine, "SELECT count(population) FROM wards") == len(wards) >= 10
    assert count(migrated_engine, "SELECT sum(population) FROM wards") == sum(
        30_000 + 1_000 * n for n in range(len(wards)))
    assert "code, population not in the file: the features kept keep their values" in \
        reports["wards"].notes
    assert not reports["wards"].changed


def test_osm_pbf_loads_ten_wards_and_parses_alley_names(migrated_engine: Engine) -> None:
    reports = {report.layer_id: report for report in load_osm(migrated_engine, OSM_EXTRACT)}
    assert reports["wards"].inserted == 10
    assert rows(migrated_engine, "SELECT count(*) FROM wards") == [(10,)]
    alleys = rows(migrated_engine, "SELECT source_id, number, opens_from, kind FROM alleys "
                                   "WHERE source_id = ANY(:ids) ORDER BY source_id",
                  ids=["osm:way/205521376", "osm:way/32585224"])
    assert alleys == [("osm:way/205521376", "1041/62", "Trần Xuân Soạn", "alley"),
                      ("osm:way/32585224", "458", "Huỳnh Tấn Phát", "alley")]
    # The way's nodes as GDAL reads them from the file, placed by PostGIS.
    way = pyogrio.read_dataframe(OSM_EXTRACT, layer="lines", where="osm_id = '32585224'")
    vertices = [(x, y) for x, y in shapely.get_coordinates(way.geometry.iloc[0]).tolist()]
    assert len(vertices) == 10
    assert worst_error_m(migrated_engine, "alleys", {"osm:way/32585224": vertices}) < TOLERANCE_M


OSM_NODES = {  # id -> (lon, lat, tags)
    1: (106.72190, 10.72900, {"emergency": "fire_hydrant", "ref": "TN-OSM-1"}),
    2: (106.73000, 10.74500, {}), 3: (106.73060, 10.74530, {}), 4: (106.73110, 10.74580, {}),
    5: (106.72950, 10.74400, {}), 6: (106.73050, 10.74700, {}),
}
OSM_WAYS = {  # id -> (node ids, tags)
    10: ([2, 3, 4], {"highway": "service", "name": "Hẻm 458/12 Huỳnh Tấn Phát"}),
    11: ([5, 2, 6], {"highway": "primary", "name": "Huỳnh Tấn Phát"}),
}


def osm_tags(tags: dict[str, str]) -> str:
    return "".join(f'<tag k="{key}" v="{value}"/>' for key, value in tags.items())


def osm_way(way_id: int, refs: list[int], tags: dict[str, str]) -> str:
    members = "".join(f'<nd ref="{ref}"/>' for ref in refs)
    return f'<way id="{way_id}" version="1">{members}{osm_tags(tags)}</way>'


def write_osm_xml(path: Path, nodes: dict = OSM_NODES) -> Path:
    """A hand-written .osm file: GDAL can read OpenStreetMap XML but cannot write it."""
    nodes = [f'<node id="{i}" version="1" lat="{lat}" lon="{lon}">{osm_tags(tags)}</node>'
             for i, (lon, lat, tags) in nodes.items()]
    ways = [osm_way(i, refs, tags) for i, (refs, tags) in OSM_WAYS.items()]
    path.write_text("\n".join(['<?xml version="1.0" encoding="UTF-8"?>',
                               '<osm version="0.6" generator="hand">', *nodes, *ways,
                               "</osm>", ""]), encoding="utf-8")
    return path


def test_osm_xml_fills_hydrants_and_alleys(migrated_engine: Engine, tmp_path: Path) -> None:
    reports = load_osm(migrated_engine, write_osm_xml(tmp_path / "tiny.osm"), clip=False)
    assert {r.layer_id: r.inserted for r in reports} == {"hydrants": 1, "alleys": 1, "roads": 1}
    assert rows(migrated_engine, "SELECT code, status FROM hydrants") == [("TN-OSM-1", "working")]
    assert rows(migrated_engine, "SELECT name, number, opens_from, kind FROM alleys") == [
        ("Hẻm 458/12 Huỳnh Tấn Phát", "458/12", "Huỳnh Tấn Phát", "alley")]
    assert rows(migrated_engine, "SELECT name, kind FROM roads") == [("Huỳnh Tấn Phát", "primary")]
    alley = {"osm:way/10": [OSM_NODES[n][:2] for n in OSM_WAYS[10][0]]}
    assert worst_error_m(migrated_engine, "alleys", alley) < TOLERANCE_M
    hydrant = {"TN-OSM-1": [OSM_NODES[1][:2]]}
    assert worst_error_m(migrated_engine, "hydrants", hydrant) < TOLERANCE_M


def test_an_extract_leaves_alone_the_layers_it_has_nothing_for(
        migrated_engine: Engine, tmp_path: Path) -> None:
    """The agency's hydrants stay when the extract's only hydrant is outside the boundary,
    or has no code (every feature refused): the other layers load."""
    load_file(migrated_engine, "hydrants", write_truth(tmp_path)["hydrants"])
    agency = stored_properties(migrated_engine, "hydrants")
    around_the_roads = tmp_path / "boundary.geojson"
    write_geojson(around_the_roads, [({"name": "khu"}, "Polygon", [
        (106.728, 10.743), (106.733, 10.743), (106.733, 10.748), (106.728, 10.748),
        (106.728, 10.743)])])
    reports = load_osm(migrated_engine, write_osm_xml(tmp_path / "tiny.osm"),
                       boundary_file=around_the_roads)
    assert {r.layer_id for r in reports} == {"alleys", "roads"}
    no_code = {**OSM_NODES, 1: (*OSM_NODES[1][:2], {"emergency": "fire_hydrant"})}
    reports = load_osm(migrated_engine, write_osm_xml(tmp_path / "no_code.osm", no_code),
                       clip=False)
    hydrants = next(r for r in reports if r.layer_id == "hydrants")
    assert hydrants.notes == ["every feature was refused; hydrants is left as it was"]
    assert stored_properties(migrated_engine, "hydrants") == agency
    assert rows(migrated_engine, "SELECT name FROM roads") == [("Huỳnh Tấn Phát",)]
