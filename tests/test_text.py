"""Text normalisation: the fast Arrow path must agree with Python's unicodedata."""

import sys
import unicodedata

import pyarrow as pa
import pytest

from geo.text import NFC_STABLE_RANGES, nfc, nfc_array


def _composition_second_halves() -> set[int]:
    """Characters that may combine with the one before them (NFC quick check "Maybe")."""
    halves = set()
    for code in range(sys.maxunicode + 1):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                halves.add(int(parts[1], 16))
    return halves


def test_every_character_of_the_stable_ranges_is_nfc_in_any_company():
    halves = _composition_second_halves()
    unstable = [hex(code) for low, high in NFC_STABLE_RANGES for code in range(low, high + 1)
                if unicodedata.combining(chr(code)) or code in halves
                or not unicodedata.is_normalized("NFC", chr(code))]
    assert unstable == []


VALUES = [
    "Tân Thuận Đông", unicodedata.normalize("NFD", "Tân Thuận Đông"), "  Phú Mỹ ",
    unicodedata.normalize("NFD", "Hẻm 458 Huỳnh Tấn Phát") + "\t", "", "   ", None,
    "Ω Ohm \u2126", "Å \u212b", "가\u11a8", "e\u0301\u0323", "e\u0323\u0301", "₫ 50.000",
    "quận 7 \u2014 “Sài Gòn”", "ＡＢＣ", "ﬁ", "\u0301 lone mark",
    "\u00d0ường \u00f0ào",  # Đ typed as the eth it looks like
]


@pytest.mark.parametrize("value", VALUES)
def test_the_arrow_path_agrees_with_unicodedata(value):
    assert nfc_array(pa.array([value], pa.large_string())).to_pylist() == [nfc(value)]


def test_a_mixed_array_keeps_order_and_nulls():
    array = pa.array(VALUES, pa.string())
    assert nfc_array(array).to_pylist() == [nfc(v) for v in VALUES]


def test_d_typed_as_the_eth_it_looks_like_is_d():
    assert nfc("\u00d0ường \u00f0ào") == "Đường đào"
