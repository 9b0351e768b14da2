"""The registry: every layer is declared once and has its table, style and documentation."""

import re
import unicodedata
from pathlib import Path

import pytest

from geo.schema import LAYER_TABLES
from geo.styles import STYLES_DIR
from layers import REGISTRY, get_layer

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("layer_id", list(REGISTRY))
def test_every_layer_has_a_table_a_style_and_a_doc_entry(layer_id: str) -> None:
    spec = REGISTRY[layer_id]
    table = LAYER_TABLES[layer_id]
    assert set(spec.property_names) <= set(table.columns.keys())
    assert {"fid", "source_file", "source_id", "loaded_at"} <= set(table.columns.keys())
    assert (STYLES_DIR / f"{layer_id}.json").exists() == spec.is_spatial
    assert re.search(rf"^\| `{layer_id}` \|", README, re.MULTILINE), f"README lacks {layer_id}"


def test_layer_ids_are_plain_identifiers() -> None:
    for layer_id in REGISTRY:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", layer_id)


def test_titles_and_descriptions_are_nfc() -> None:
    for spec in REGISTRY.values():
        for text in (spec.title, spec.title_vi, spec.description):
            assert unicodedata.is_normalized("NFC", text)


def test_district_asset_kinds_are_all_declared() -> None:
    wanted = {"wards", "planning_zones", "roads", "alleys", "waterways", "bridges", "hydrants",
              "apartments", "green_spaces", "markets", "malls", "convenience_stores",
              "hospitals", "clinics", "pharmacies", "health_stations", "food_businesses",
              "trash_points", "billboards", "ward_epidemic"}
    assert wanted <= set(REGISTRY)


def test_unknown_layer_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="hydrants"):
        get_layer("hydrant")
