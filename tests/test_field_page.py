"""The field page on a phone: Debian's headless Chromium with a phone's screen, touch and a
GPS position, no network but 127.0.0.1.

The lookups' answers are checked against hand-made truth in test_lookup.py; here the page
must ask about the right point and show what the service answered, drawn on the map.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import ARTIFACTS
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine, text
from test_web_map import Network, opened

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
READY = "() => window.urbanmap && window.urbanmap.ready && window.urbanmap.map.loaded()"
CENTRE = "() => { const c = window.urbanmap.map.getCenter(); return [c.lng, c.lat]; }"


@pytest.fixture(scope="module")
def standing_at(sample_engine: Engine) -> tuple[float, float]:
    """Where the phone says it is: 40 m east of a working hydrant of the sample."""
    with sample_engine.connect() as conn:
        lon, lat = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Translate(geom, 40, 0), 4326)"
            " AS p FROM hydrants WHERE status = 'working' ORDER BY fid LIMIT 1) AS h")).one()
    return lon, lat


@pytest.fixture(scope="module")
def network() -> Network:
    return Network()


@pytest.fixture(scope="module")
def phone(browser: Browser, service: str, network: Network,
          standing_at: tuple[float, float]) -> Iterator[Page]:
    lon, lat = standing_at
    with opened(browser, f"{service}/field", network, READY, **PHONE,
                geolocation={"longitude": lon, "latitude": lat, "accuracy": 5},
                permissions=["geolocation"]) as page:
        yield page


def located(phone: Page) -> tuple[float, float]:
    phone.get_by_role("button", name="My location").tap()
    phone.wait_for_function("() => window.urbanmap.map.getZoom() > 15"
                            " && !window.urbanmap.map.isMoving()", timeout=20_000)
    phone.wait_for_function(READY, timeout=30_000)
    return tuple(phone.evaluate(CENTRE))


def lookup(service: str, path: str, centre: tuple[float, float], **extra: object) -> dict:
    """The service's own answer for the point the page shows (rounded as the page sends it)."""
    params = {"lon": f"{centre[0]:.6f}", "lat": f"{centre[1]:.6f}", **extra}
    response = httpx.get(f"{service}/lookup/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_page_fits_a_phone_and_loads_only_from_urbanmap(phone: Page, network: Network) -> None:
    assert network.refused == [] and network.failed == []
    paths = {urlsplit(url).path for url in network.local}
    assert {"/static/field.js", "/static/shared.js", "/styles/map.json"} <= paths
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    for name in ("My location", "Nearest hydrants", "What is here", "Find"):
        box = phone.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["height"] >= 44, (name, box)  # a thumb's size


def test_my_location_moves_the_cross_to_the_phone(phone: Page,
                                                  standing_at: tuple[float, float]) -> None:
    lon, lat = located(phone)
    # 1e-5 degrees is about a metre here
    assert abs(lon - standing_at[0]) < 1e-5 and abs(lat - standing_at[1]) < 1e-5
    assert f"{standing_at[1]:.6f}"[:8] in phone.locator("#point").inner_text()


def test_nearest_hydrants_lists_the_service_answer_and_draws_the_routes(
        phone: Page, service: str) -> None:
    centre = located(phone)
    phone.get_by_role("button", name="Nearest hydrants").tap()
    items = phone.locator(".hydrant-hits li")
    items.first.wait_for(timeout=20_000)
    truth = lookup(service, "hydrants", centre, limit=3)["features"]
    assert truth and items.count() == len(truth)
    assert [int(item.get_attribute("data-fid")) for item in items.all()] == [
        f["id"] for f in truth]
    first = truth[0]["properties"]
    assert first["code"] in items.first.inner_text()
    assert f"{round(first['network_m'])} m along streets" in items.first.inner_text()
    phone.wait_for_function(READY, timeout=30_000)
    routes = phone.evaluate("""() => window.urbanmap.map.querySourceFeatures('field-answer')
        .filter((f) => f.geometry.type.includes('LineString')).length""")
    assert routes >= 1
    after = phone.evaluate(CENTRE)  # the view shows the routes, still centred on the point
    assert abs(after[0] - centre[0]) < 1e-5 and abs(after[1] - centre[1]) < 1e-5


def test_what_is_here_names_the_ward_of_the_point(phone: Page, service: str,
                                                  sample_engine: Engine) -> None:
    centre = located(phone)
    phone.get_by_role("button", name="What is here").tap()
    facts = phone.locator(".facts")
    facts.wait_for(timeout=20_000)
    with sample_engine.connect() as conn:
        ward = conn.execute(text(
            "SELECT name FROM wards WHERE ST_Contains(geom, ST_Transform("
            "ST_SetSRID(ST_Point(:lon, :lat), 4326), ST_SRID(geom)))"),
            {"lon": centre[0], "lat": centre[1]}).scalar_one()
    assert ward in facts.inner_text()
    answer = lookup(service, "here", centre, radius_m=100)
    shown = phone.locator(".here-hits li")
    assert shown.count() == len(answer["features"]["features"]) > 0
    assert [item.get_attribute("data-layer") for item in shown.all()] == [
        f["properties"]["layer"] for f in answer["features"]["features"]]


def test_an_alley_typed_without_diacritics_shows_its_width_and_the_truck(
        phone: Page, service: str) -> None:
    phone.get_by_label("Alley or road").fill("hem 458 huynh tan phat")
    phone.get_by_role("button", name="Find").tap()
    first = phone.locator(".way-hits li").first
    first.wait_for(timeout=20_000)
    truth = httpx.get(f"{service}/lookup/ways",
                      params={"q": "hem 458 huynh tan phat", "limit": 5}).json()["features"][0]
    shown = first.inner_text()
    assert "458" in shown and f"{truth['properties']['width_m']:.1f} m wide" in shown
    expected = "A fire truck fits" if truth["properties"]["fire_truck_fits"] else "Too narrow"
    assert expected in shown


def test_a_refused_lookup_shows_the_service_reason(phone: Page, network: Network) -> None:
    phone.evaluate("() => window.urbanmap.map.jumpTo({center: [2.35, 48.85], zoom: 15})")
    phone.get_by_role("button", name="Nearest hydrants").tap()
    status = phone.locator("#status")
    phone.wait_for_function("""() => {
        const said = document.getElementById('status').textContent;
        return said && !said.endsWith('…');
    }""", timeout=20_000)  # the answer, not "Looking for hydrants…"
    assert "district" in status.inner_text().lower()  # the service's description, not "HTTP 4xx"
    refused = [failure for failure in network.failed if "/lookup/hydrants?" in failure]
    assert len(refused) == 1 and refused[0].startswith("4")
    network.failed.remove(refused[0])  # the one failure asked for


def test_phone_screenshot_is_saved(phone: Page, network: Network) -> None:
    located(phone)
    phone.get_by_role("button", name="Nearest hydrants").tap()
    phone.locator(".hydrant-hits li").first.wait_for(timeout=20_000)
    phone.wait_for_function(READY, timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "field_page.png"
    phone.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 20_000
    assert network.refused == [] and network.failed == []
