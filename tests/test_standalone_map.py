"""`urbanmap map`: a self-contained HTML map of chosen layers, for a report or an email.

The command is run as a user runs it (the installed `urbanmap`, DATABASE_URL set), over
the District 7 sample in a real PostGIS. The file is then read as text (nothing linked,
Leaflet inlined, every feature embedded, NFC text) and opened in Debian's headless
Chromium with every request but the file itself refused and counted, as
tests/test_web_map.py does for the web map: the map must draw with no network at all.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ARTIFACTS
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine, func, select, text

from geo.leaflet_style import feature_style
from geo.schema import LAYER_TABLES
from geo.styles import available_styles
from layers import REGISTRY, get_layer

URBANMAP = Path(sys.executable).parent / "urbanmap"
PROJECT = Path(__file__).resolve().parent.parent
LAYERS = ("wards", "roads", "hydrants")
TITLE = "Bản đồ Quận 7: phường, đường, trụ nước chữa cháy"
WARD = "Phường Tân Thuận Đông"


def run_map(engine: Engine, *args: str) -> subprocess.CompletedProcess[str]:
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [str(URBANMAP), "map", *args], capture_output=True, text=True, timeout=180,
        env={**os.environ, "COLUMNS": "400",  # one line per message: no wrapping to undo
             "DATABASE_URL": url.replace("postgresql+psycopg2", "postgresql")})


def collections(html: str) -> dict[str, dict]:
    """The GeoJSON FeatureCollections embedded in the page, by their `name` (the layer id)."""
    decoder = json.JSONDecoder()
    found = [decoder.raw_decode(html, match.end())[0]
             for match in re.finditer(r"_add\((?=\{)", html)]
    return {collection["name"]: collection for collection in found}


def count(engine: Engine, layer_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(LAYER_TABLES[layer_id])).scalar_one()


@pytest.fixture(scope="module")
def made_map(sample_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("standalone") / "district7.html"
    # Typed in NFD, as some keyboards and macOS file names give it: written in NFC.
    result = run_map(sample_engine, "--layers", ",".join(LAYERS), "--out", str(out),
                     "--title", unicodedata.normalize("NFD", TITLE))
    assert result.returncode == 0, result.stderr
    assert f"map written to {out}" in result.stdout
    print(f"standalone map: {out.stat().st_size / 1e6:.2f} MB")
    return out


@pytest.fixture(scope="module")
def html(made_map: Path) -> str:
    return made_map.read_bytes().decode("utf-8")  # strict: the file is UTF-8


# -- the file -------------------------------------------------------------------------------

class Sources(HTMLParser):
    """Every tag that would make a browser fetch something, and the text of the styles."""

    def __init__(self) -> None:
        super().__init__()
        self.fetching: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        names = {"src", "srcset", "data", "poster"} | ({"href"} if tag == "link" else set())
        self.fetching += [f"<{tag} {name}={value}>" for name, value in attrs if name in names]


def test_the_page_fetches_nothing_from_anywhere(html: str) -> None:
    sources = Sources()
    sources.feed(html)
    assert sources.fetching == []  # no <script src>, <link href>, <img src> … at all
    assert "script" in sources.tags and "iframe" not in sources.tags
    assert not re.search(r"@import|cdn\.|cdnjs|jsdelivr|unpkg|googleapis", html, re.I)
    urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", html)
    assert urls and all(u.startswith(("data:image/png;base64,", "#")) for u in urls), urls


def test_leaflet_is_inlined_from_the_pinned_npm_package(html: str) -> None:
    lock = json.loads((PROJECT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/leaflet"]["version"]
    assert version.startswith("1.9.")
    assert f"Leaflet {version}, a JS library for interactive maps" in html
    assert ".leaflet-control-layers-toggle" in html  # its CSS, with its images as data: URLs
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()


def test_every_feature_of_each_layer_is_embedded_in_wgs84(sample_engine: Engine,
                                                          html: str) -> None:
    embedded = collections(html)
    assert sorted(embedded) == sorted(LAYERS)
    for layer_id in LAYERS:
        features = embedded[layer_id]["features"]
        assert len(features) == count(sample_engine, layer_id) > 0, layer_id
        assert len({feature["id"] for feature in features}) == len(features)
    lon, lat = embedded["hydrants"]["features"][0]["geometry"]["coordinates"]
    assert 106.6 < lon < 106.8 and 10.6 < lat < 10.8


def test_vietnamese_text_is_utf8_and_nfc(sample_engine: Engine, html: str) -> None:
    head = html[:1024].lower()
    assert "charset=utf-8" in head
    assert f"<title>{TITLE}</title>" in html  # the NFD title came out NFC
    assert unicodedata.normalize("NFD", TITLE) not in html
    assert "Fire hydrants (Trụ nước chữa cháy)" in html  # the legend, as UTF-8 text
    names = [f["properties"]["name"] for f in collections(html)["wards"]["features"]]
    with sample_engine.connect() as conn:
        stored = conn.execute(text("SELECT name FROM wards")).scalars().all()
    assert WARD in names and sorted(names) == sorted(stored)
    assert all(unicodedata.is_normalized("NFC", name) for name in names)


# -- in a browser with no network -----------------------------------------------------------

@pytest.fixture(scope="module")
def requests() -> list[str]:
    return []


@pytest.fixture(scope="module")
def page(browser: Browser, made_map: Path, requests: list[str]) -> Iterator[Page]:
    address = made_map.as_uri()
    context = browser.new_context(viewport={"width": 1280, "height": 860})

    def route(route):  # the file itself, and nothing else: every other request refused
        requests.append(route.request.url)
        if route.request.url == address:
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(address, wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('.urbanmap-layer').length > 0")
    assert errors == []
    yield page
    context.close()


def drawn(page: Page, layer_id: str) -> int:
    return page.locator(f".leaflet-overlay-pane svg path.urbanmap-layer-{layer_id}").count()


# A point on screen where a path of the layer is the topmost element, so a real pointer
# reaches it there (a road may cover a ward's centre; the legend may cover a hydrant).
SPOT = """(layer) => {
    for (const path of document.querySelectorAll(`path.urbanmap-layer-${layer}`)) {
        const box = path.getBoundingClientRect();
        for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
            const x = box.left + box.width * i / 8, y = box.top + box.height * j / 8;
            if (document.elementFromPoint(x, y) === path) return [x, y];
        }
    }
    return null;
}"""


def test_the_page_loads_nothing_but_itself(page: Page, made_map: Path,
                                           requests: list[str]) -> None:
    assert requests == [made_map.as_uri()]
    assert page.evaluate("() => L.version") == "1.9.4"


def test_every_feature_is_drawn(page: Page, sample_engine: Engine) -> None:
    for layer_id in LAYERS:
        assert drawn(page, layer_id) == count(sample_engine, layer_id), layer_id


def test_the_map_is_fitted_to_the_data(page: Page) -> None:
    boxes = page.evaluate("""() => [...document.querySelectorAll('path.urbanmap-layer')]
        .map((p) => p.getBoundingClientRect()).map((b) => [b.left, b.top, b.right, b.bottom])""")
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    assert 0 <= left and 0 <= top and right <= 1280 and bottom <= 860
    assert max(right - left, bottom - top) > 400  # and not lost in a corner


def test_the_layer_control_lists_the_layers_in_both_languages(page: Page) -> None:
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [label.strip() for label in labels] == [
        "Wards (Phường)", "Roads (Đường)", "Fire hydrants (Trụ nước chữa cháy)"]


def test_a_layer_can_be_switched_off_and_on(page: Page, sample_engine: Engine) -> None:
    hydrants = page.get_by_role("checkbox", name="Fire hydrants (Trụ nước chữa cháy)")
    hydrants.uncheck()
    assert drawn(page, "hydrants") == 0 and drawn(page, "roads") > 0
    hydrants.check()
    assert drawn(page, "hydrants") == count(sample_engine, "hydrants")


def test_a_ward_shows_its_name_on_hover(page: Page) -> None:
    page.mouse.move(*page.evaluate(SPOT, "wards"))
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    name = tooltip.inner_text()
    assert name.startswith("Phường ") and unicodedata.is_normalized("NFC", name)


def test_a_click_on_a_hydrant_opens_its_attributes(page: Page) -> None:
    page.mouse.click(*page.evaluate(SPOT, "hydrants"))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    content = popup.inner_text()
    assert content.startswith("Fire hydrants (Trụ nước chữa cháy)")
    assert re.search(r"code\s+Q7-TN-\d{3}", content) and "status" in content
    page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached")


def test_the_attribution_and_a_metric_scale_are_shown(page: Page) -> None:
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "© OpenStreetMap contributors (ODbL)" in attribution
    scales = page.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scales) == 1 and re.fullmatch(r"\d+ k?m", scales[0].strip()), scales


def test_screenshot_is_saved(page: Page, made_map: Path, requests: list[str]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "standalone_map.png"
    page.screenshot(path=shot)
    print(f"standalone map screenshot: {shot}")
    assert shot.stat().st_size > 20_000
    assert requests == [made_map.as_uri()]  # nor after hovering, clicking and switching


# -- choosing what is drawn -----------------------------------------------------------------

def test_a_ward_limits_the_features_to_those_in_it(sample_engine: Engine,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "ward.html"
    result = run_map(sample_engine, "--layers", ",".join(LAYERS), "--ward", "tan thuan dong",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    embedded = collections(out.read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in embedded["wards"]["features"]] == [WARD]
    with sample_engine.connect() as conn:
        for layer_id in LAYERS:
            # In the ward: sharing some of its interior (DE-9IM), not just its boundary.
            inside, touching = conn.execute(text(
                f"SELECT count(*) FILTER (WHERE ST_Relate(t.geom, w.geom, 'T********')), "
                f"count(*) FILTER (WHERE ST_Intersects(t.geom, w.geom)) "
                f"FROM {layer_id} t, wards w WHERE w.name = :ward"), {"ward": WARD}).one()
            assert len(embedded[layer_id]["features"]) == inside, layer_id
            assert 0 < inside < count(sample_engine, layer_id), layer_id
            if layer_id == "wards":
                assert touching > inside  # its neighbours touch it, and are left out


def test_a_layer_that_changes_by_day_shows_its_latest_day(sample_engine: Engine,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "epidemic.html"
    result = run_map(sample_engine, "--layers", "epidemic_risk", "--out", str(out))
    assert result.returncode == 0, result.stderr
    features = collections(out.read_text(encoding="utf-8"))["epidemic_risk"]["features"]
    with sample_engine.connect() as conn:
        latest, wards = conn.execute(text(
            "SELECT report_date::text, count(*) FROM epidemic_risk "
            "WHERE report_date = (SELECT max(report_date) FROM epidemic_risk) "
            "GROUP BY report_date")).one()
    assert {f["properties"]["report_date"] for f in features} == {latest}
    assert len(features) == wards


# -- errors ---------------------------------------------------------------------------------

def assert_refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    said = " ".join(result.stderr.replace("│", " ").split())
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in said, said
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--layers", "wards,nope"], "There is no layer 'nope'. Layers with a map: wards,"),
    (["--layers", " , "], "--layers needs at least one layer id"),
    (["--layers", "ward_epidemic"], "ward_epidemic is a table without geometry"),
    (["--layers", "hydrants", "--ward", "Quận 1"],
     "There is no ward named 'Quận 1'. Wards: Phường Bình Thuận,"),
])
def test_a_wrong_choice_is_refused_with_a_message(sample_engine: Engine, tmp_path: Path,
                                                 args: list[str], message: str) -> None:
    out = tmp_path / "map.html"
    assert_refused(run_map(sample_engine, *args, "--out", str(out)), message)
    assert not out.exists()


@pytest.mark.parametrize(("where", "message"), [
    ("missing/map.html", "the directory {tmp}/missing does not exist"),
    (".", "--out {tmp} is a directory"),
])
def test_an_unwritable_out_is_refused(sample_engine: Engine, tmp_path: Path, where: str,
                                      message: str) -> None:
    out = tmp_path / where
    result = run_map(sample_engine, "--layers", "wards", "--out", str(out))
    assert_refused(result, message.format(tmp=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_an_overlay_not_computed_is_refused(migrated_engine: Engine, tmp_path: Path) -> None:
    result = run_map(migrated_engine, "--layers", "roads,flood_risk",
                     "--out", str(tmp_path / "map.html"))
    assert_refused(result, "The overlay flood_risk has not been computed yet: run "
                           "`urbanmap risk compute flood_bands` first.")


def test_an_empty_selection_is_refused(migrated_engine: Engine, tmp_path: Path) -> None:
    result = run_map(migrated_engine, "--layers", "wards,hydrants",
                     "--out", str(tmp_path / "map.html"))
    assert_refused(result, "Nothing to draw: wards, hydrants have no features.")
    assert not (tmp_path / "map.html").exists()


# -- the look, from styles/ -----------------------------------------------------------------

@pytest.mark.parametrize("layer_id", available_styles())
def test_every_style_gives_leaflet_options(layer_id: str) -> None:
    options = feature_style(get_layer(layer_id), {})
    colours = [options[key] for key in ("color", "fillColor") if options.get(key)]
    assert colours and all(re.fullmatch(r"#[0-9a-f]{6}", c, re.I) for c in colours)
    numbers = [options[k] for k in ("weight", "opacity", "fillOpacity", "radius") if k in options]
    assert all(isinstance(n, float | int) and math.isfinite(n) and n >= 0 for n in numbers)
    if REGISTRY[layer_id].geometry == "Point":
        assert options["radius"] > 0


def test_a_road_is_drawn_in_its_kind_s_colour_and_width() -> None:
    roads = get_layer("roads")
    primary = feature_style(roads, {"kind": "primary"})
    residential = feature_style(roads, {"kind": "residential"})
    assert primary["color"] == "#f4b942" and residential["color"] == "#b8b8b8"
    assert primary["weight"] > residential["weight"] > 0


def test_of_a_casing_and_a_line_the_legend_s_colour_is_kept() -> None:
    assert feature_style(get_layer("bridges"), {})["color"] == "#3d2c5c"  # not the light core
    assert feature_style(get_layer("roads"), {"kind": "trunk"})["color"] == "#ef8a3c"


def test_a_ward_boundary_is_dashed_and_its_area_answers_clicks() -> None:
    ward = feature_style(get_layer("wards"), {"name": WARD})
    assert ward["dashArray"] and ward["fill"] is True and ward["fillOpacity"] == 0
    assert ward["color"] == "#5e548e"
