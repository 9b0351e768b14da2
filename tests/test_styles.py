"""Style files: one per spatial layer, well formed, and naming only declared fields."""

from __future__ import annotations

import doctest
import json
import re
import unicodedata

import pytest

import geo.styles
from geo.styles import (
    STYLES_DIR,
    legend,
    load_style,
    maplibre_layers,
    referenced_properties,
)
from layers import REGISTRY, LayerSpec
from layers.landuse_codes import CATEGORIES

SPATIAL = [spec for spec in REGISTRY.values() if spec.is_spatial]
SPATIAL_IDS = [spec.id for spec in SPATIAL]
ALLOWED_TYPES = {
    "Point": {"circle", "symbol"},
    "MultiLineString": {"line", "symbol"},
    "MultiPolygon": {"fill", "line", "symbol"},
}
HEX_COLOUR = re.compile(r"#[0-9a-f]{6}", re.IGNORECASE)


def test_every_spatial_layer_has_a_style_file() -> None:
    missing = {spec.id for spec in SPATIAL} - {p.stem for p in STYLES_DIR.glob("*.json")}
    assert not missing


def test_every_style_file_belongs_to_a_spatial_layer() -> None:
    orphans = {p.stem for p in STYLES_DIR.glob("*.json")} - {spec.id for spec in SPATIAL}
    assert not orphans


def test_a_layer_without_geometry_has_no_style() -> None:
    for spec in REGISTRY.values():
        if not spec.is_spatial:
            assert not (STYLES_DIR / f"{spec.id}.json").exists()


@pytest.mark.parametrize("layer_id", SPATIAL_IDS)
def test_style_file_is_json_with_the_expected_keys(layer_id: str) -> None:
    style = json.loads((STYLES_DIR / f"{layer_id}.json").read_text(encoding="utf-8"))
    assert set(style) == {"layer", "layers", "legend"}
    assert style["layer"] == layer_id
    assert style["layers"], "a style needs at least one MapLibre layer"
    for fragment in style["layers"]:
        assert set(fragment) <= {"type", "paint", "layout", "filter"}


@pytest.mark.parametrize("spec", SPATIAL, ids=SPATIAL_IDS)
def test_style_names_only_declared_properties(spec: LayerSpec) -> None:
    assert referenced_properties(load_style(spec.id)) <= set(spec.property_names)


@pytest.mark.parametrize("spec", SPATIAL, ids=SPATIAL_IDS)
def test_layer_types_suit_the_geometry(spec: LayerSpec) -> None:
    assert spec.geometry is not None
    types = {fragment["type"] for fragment in load_style(spec.id)["layers"]}
    assert types <= ALLOWED_TYPES[spec.geometry]


@pytest.mark.parametrize("spec", SPATIAL, ids=SPATIAL_IDS)
def test_legend_entries_are_well_formed(spec: LayerSpec) -> None:
    entries = legend(spec)
    assert entries
    for entry in entries:
        assert set(entry) == {"label", "label_vi", "color", "shape"}
        assert HEX_COLOUR.fullmatch(entry["color"])
        assert entry["shape"] in {"fill", "line", "circle"}
        assert entry["label"] and entry["label_vi"]


@pytest.mark.parametrize("spec", SPATIAL, ids=SPATIAL_IDS)
def test_legend_labels_are_nfc(spec: LayerSpec) -> None:
    for entry in legend(spec):
        assert unicodedata.is_normalized("NFC", entry["label"])
        assert unicodedata.is_normalized("NFC", entry["label_vi"])


@pytest.mark.parametrize("spec", SPATIAL, ids=SPATIAL_IDS)
def test_maplibre_layers_are_derived_from_the_spec(spec: LayerSpec) -> None:
    layers = maplibre_layers(spec, source="urbanmap")
    assert layers[0]["id"] == spec.id
    assert len({layer["id"] for layer in layers}) == len(layers)
    for layer in layers:
        assert layer["source"] == "urbanmap"
        assert layer["source-layer"] == spec.id
        assert layer["minzoom"] == spec.minzoom
        assert layer["maxzoom"] == min(spec.maxzoom + 1, 24)


def test_maplibre_layers_do_not_share_state_with_the_cache() -> None:
    spec = REGISTRY["roads"]
    maplibre_layers(spec, "a")[0]["paint"]["line-color"] = "#000000"
    assert maplibre_layers(spec, "a")[0]["paint"] == load_style("roads")["layers"][0]["paint"]


def test_unknown_layer_is_a_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no_such_layer"):
        load_style("no_such_layer")


def test_a_path_is_not_a_layer_id() -> None:
    with pytest.raises(KeyError):
        load_style("../pyproject")


def test_referenced_properties_walks_nested_expressions() -> None:
    expression = [
        "case",
        ["==", ["get", "status"], "working"],
        ["interpolate", ["linear"], ["zoom"], 10, ["get", "width_m"], 18, 4],
        ["has", "code"],
        {"nested": [["get", "name"]]},
        "get",
    ]
    assert referenced_properties(expression) == {"status", "width_m", "code", "name"}


def test_referenced_properties_ignores_literals() -> None:
    assert referenced_properties(["match", "get", "a", ["literal", ["x"]], 1, 0]) == set()


def test_doctests_pass() -> None:
    assert doctest.testmod(geo.styles).failed == 0


def test_planning_zone_legend_covers_every_land_use_category() -> None:
    colours = {entry["color"] for entry in legend(REGISTRY["planning_zones"])}
    fill = load_style("planning_zones")["layers"][0]["paint"]["fill-color"]
    by_category = dict(zip(fill[2:-1:2], fill[3:-1:2], strict=True))
    assert set(by_category) == set(CATEGORIES)
    assert set(by_category.values()) == colours


def test_hydrant_statuses_each_have_a_colour() -> None:
    statuses = REGISTRY["hydrants"].field("status").choices
    colour = load_style("hydrants")["layers"][0]["paint"]["circle-color"]
    assert statuses is not None
    assert set(statuses) <= set(colour[2:-1:2])


def test_point_layers_have_distinct_colours() -> None:
    single = [
        legend(spec)[0]["color"].lower()
        for spec in SPATIAL
        if spec.geometry == "Point" and len(legend(spec)) == 1
    ]
    assert len(single) == len(set(single))
