"""The planners' web map in a real headless Chromium (Debian's), with no network but 127.0.0.1.

The page must load everything from urbanmap itself (district offices run on closed
networks): every request to another host is counted and refused. "Rendered" means found
on the map by MapLibre's queryRenderedFeatures, not merely requested.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import ARTIFACTS
from playwright.sync_api import Browser, Page, Route

LOCAL_HOSTS = {"127.0.0.1"}
MAP_IDLE = ("() => window.urbanmap && window.urbanmap.ready && window.urbanmap.map.loaded()"
            " && window.urbanmap.map.areTilesLoaded()")
RENDERED_LAYERS = """(only) => [...new Set(window.urbanmap.map.queryRenderedFeatures()
    .map((f) => f.sourceLayer).filter((id) => id && (!only || only.includes(id))))]"""


class Network:
    """Requests the page made: the local ones let through (and kept when they fail), any
    other refused and kept."""

    def __init__(self) -> None:
        self.local: list[str] = []
        self.failed: list[str] = []
        self.refused: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            self.local.append(url)
            response = route.fetch()
            if response.status >= 400:
                self.failed.append(f"{response.status} {url}")
            route.fulfill(response=response)
        else:
            self.refused.append(url)
            route.abort("blockedbyclient")


@pytest.fixture(scope="module")
def network() -> Network:
    return Network()


@contextmanager
def opened(browser: Browser, url: str, network: Network, ready: str,
           **context_options: object) -> Iterator[Page]:
    """A page in its own browser context, its requests through `network`, loaded until the
    `ready` script says so, with no script error on the way."""
    context = browser.new_context(**context_options)
    context.route("**/*", network.route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="load")
    page.wait_for_function(ready, timeout=60_000)
    assert not errors, errors
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def page(browser: Browser, service: str, network: Network) -> Iterator[Page]:
    with opened(browser, f"{service}/map", network, MAP_IDLE,
                viewport={"width": 1280, "height": 860}) as page:
        yield page


def wait_until_drawn(page: Page) -> None:
    page.wait_for_timeout(200)  # let a change start loading tiles before waiting for them
    page.wait_for_function(MAP_IDLE, timeout=60_000)


def test_the_page_and_everything_it_loads_come_from_urbanmap(page: Page,
                                                             network: Network) -> None:
    assert network.refused == [] and network.failed == []
    paths = [urlsplit(url).path for url in network.local]
    assert "/static/vendor/maplibre-gl/maplibre-gl.mjs" in paths
    assert "/static/vendor/maplibre-gl/maplibre-gl-worker.mjs" in paths  # workers are watched
    assert "/styles/map.json" in paths and any(p.startswith("/tiles/all/") for p in paths)


def test_tiles_of_several_layers_are_drawn(page: Page) -> None:
    drawn = set(page.evaluate(RENDERED_LAYERS, None))
    assert {"wards", "roads", "hydrants", "waterways", "planning_zones"} <= drawn, drawn


def test_a_risk_overlay_is_drawn_when_switched_on(page: Page) -> None:
    assert page.evaluate(RENDERED_LAYERS, ["flood_risk"]) == []  # overlays start hidden
    page.get_by_role("checkbox", name="Flood risk along rivers and canals").check()
    wait_until_drawn(page)
    assert page.evaluate(RENDERED_LAYERS, ["flood_risk"]) == ["flood_risk"]


def test_the_epidemic_overlay_shows_the_day_picked(page: Page) -> None:
    day = page.locator("input[data-day-for='epidemic_risk']")
    assert day.get_attribute("min") == "2021-07-01" and day.get_attribute("max")
    day.fill("2021-08-15")
    day.dispatch_event("change")
    wait_until_drawn(page)
    days = page.evaluate("""() => [...new Set(window.urbanmap.map.queryRenderedFeatures()
        .filter((f) => f.sourceLayer === 'epidemic_risk')
        .map((f) => f.properties.report_date))]""")
    assert days == ["2021-08-15"]


def test_a_click_on_a_hydrant_opens_its_attributes(page: Page) -> None:
    point = page.evaluate("""() => {
        const map = window.urbanmap.map;
        const hydrant = map.queryRenderedFeatures({layers: ['hydrants']})[0];
        const {x, y} = map.project(hydrant.geometry.coordinates);
        const box = map.getCanvas().getBoundingClientRect();
        return [box.left + x, box.top + y];
    }""")
    page.mouse.click(*point)
    popup = page.locator(".maplibregl-popup")
    popup.wait_for()
    assert "Fire hydrants" in popup.inner_text() and "status" in popup.inner_text()
    page.keyboard.press("Escape")
    popup.wait_for(state="detached")


def test_search_finds_a_ward_typed_without_diacritics(page: Page) -> None:
    page.get_by_label("Search places").fill("tan thuan dong")
    first = page.locator("#results button").first
    first.wait_for(timeout=10_000)
    assert "Tân Thuận Đông" in first.inner_text()
    first.click()
    # The outline comes from a second request after the map has moved: wait for it to be
    # drawn rather than for the map to be idle, which it may be before the answer arrives.
    page.wait_for_function("() => window.urbanmap.map.querySourceFeatures('search-hit')"
                           ".length > 0", timeout=10_000)
    wait_until_drawn(page)
    shown = page.evaluate("""() => {
        const map = window.urbanmap.map;
        return {zoom: map.getZoom(), hit: map.querySourceFeatures('search-hit').length};
    }""")
    assert shown["zoom"] > 13 and shown["hit"] >= 1
    assert "Tân Thuận Đông" in page.locator("#search-status").inner_text()


def test_screenshot_is_saved(page: Page, network: Network) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "web_map.png"
    page.screenshot(path=shot)
    print(f"web map screenshot: {shot}")
    assert shot.stat().st_size > 20_000
    # Nor later, after switching, picking a day, clicking and searching.
    assert network.refused == [] and network.failed == []


def test_the_map_is_also_what_a_browser_gets_at_the_root(service: str) -> None:
    page = httpx.get(service, headers={"Accept": "text/html"})
    assert 'id="map"' in page.text and "static/map.js" in page.text
    assert httpx.get(service).json()["title"] == "urbanmap"  # clients still get JSON


def test_the_style_names_no_other_host(service: str) -> None:
    style = httpx.get(f"{service}/styles/map.json").json()
    assert style["glyphs"].startswith(f"{service}/fonts/")
    assert all(s["url"].startswith(service) for s in style["sources"].values())


def test_the_page_files_name_no_other_host() -> None:
    static = Path(__file__).resolve().parent.parent / "geo" / "static"
    not_fetched = ("https://www.openstreetmap.org/copyright",  # a link the reader may follow
                   "http://www.w3.org/2000/svg")  # the SVG namespace, a name only
    for path in static.glob("*.*"):
        text = path.read_text(encoding="utf-8")
        for name in not_fetched:
            text = text.replace(name, "")
        assert "http://" not in text and "https://" not in text, path.name
