"""Text as urbanmap keeps it: Unicode NFC, so the same Vietnamese name always compares equal."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

# Ranges of characters that are in NFC whatever surrounds them: quick check "Yes", combining
# class 0, and never the second half of a canonical composition (tests/test_text.py checks
# each one). Latin with all of Vietnamese's precomposed letters, punctuation and currency
# signs (₫) are in them, so most text needs no normalising at all.
NFC_STABLE_RANGES = ((0x0000, 0x02FF), (0x1E00, 0x1EFF), (0x2010, 0x2027), (0x2030, 0x205E),
                     (0x20A0, 0x20C0))
# Whole floats up to here are integers exactly, and read as text without ".0" (a DBF's ids
# come as floats); past it (1e20) a float counts nothing one by one and reads as a float: as
# an integer it would overflow (to -2**63 in numpy, out of Int64 at 1e308).
EXACT_INTEGERS = 2**53
# Đ and đ as some keyboards and font converters type them: the Icelandic eth, Ð and ð
# (U+00D0, U+00F0), which look the same (the capital) or nearly. "Ðường" would equal no
# "Đường", nor fold to "duong".
_LOOK_ALIKES = {"\u00d0": "Đ", "\u00f0": "đ"}
_AS_MEANT = str.maketrans(_LOOK_ALIKES)


def _kept_as_typed() -> str:
    """A regular expression matching text that `nfc_array` leaves as it is: characters of
    NFC_STABLE_RANGES, but the look-alikes."""
    codes = sorted(map(ord, _LOOK_ALIKES))
    ranges = []
    for low, high in NFC_STABLE_RANGES:
        for code in (c for c in codes if low <= c <= high):
            ranges.append((low, code - 1))
            low = code + 1
        ranges.append((low, high))
    return "^[" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges if lo <= hi) + "]*$"


_KEPT_AS_TYPED = _kept_as_typed()


def nfc(value: Any) -> Any:
    r"""Text in NFC with blanks trimmed and Đ as Đ (not the eth it looks like); blank or
    missing (None, NaN) as None; else unchanged.

    OpenStreetMap and agencies' files mix NFC and NFD spellings of the same name.

    >>> nfc("Nguye\u0302\u0303n ") == "Nguy\u1ec5n", nfc("  "), nfc(float("nan")), nfc(3)
    (True, None, None, 3)
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).translate(_AS_MEANT).strip() or None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def nfc_array(array: pa.Array) -> pa.Array:
    """`nfc` over an Arrow string array, in C++: NFC, blanks trimmed, blank as null.

    Only values with a character outside NFC_STABLE_RANGES (or a look-alike of Đ) are
    normalised, which is Unicode's quick check (UAX #15) done as one regular-expression
    pass; normalising every value costs ten times more.

    >>> nfc_array(pa.array(["Nguye\u0302\u0303n ", " ", None, "Đ"])).to_pylist() == [
    ...     "Nguy\u1ec5n", None, None, "Đ"]
    True
    """
    unstable = pc.invert(pc.match_substring_regex(array, _KEPT_AS_TYPED)).fill_null(False)
    if pc.any(unstable).as_py():
        changed = pc.utf8_normalize(array.filter(unstable), "NFC")
        for look_alike, letter in _LOOK_ALIKES.items():
            changed = pc.replace_substring(changed, look_alike, letter)
        array = pc.replace_with_mask(array, unstable, changed)
    array = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array)


def folded(text: str) -> str:
    """`text` without case or diacritics, as names and column headings compare.

    >>> folded("Đường Số 7, m²")
    'duong so 7, m2'
    """
    decomposed = unicodedata.normalize("NFKD", text)  # NFKD also turns "m²" into "m2"
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # đ is a letter of its own, not d + a mark
    return bare.translate(_AS_MEANT).casefold().replace("đ", "d")


# The generic words of urbanmap_search_key (migration 0004), which people add or leave out.
_GENERIC_WORDS = re.compile(r"\b(?:phuong|p|hem|duong|d|so|quan|q)\b")


def search_key(value: str) -> str:
    """The key search compares names by, as the database's `urbanmap_search_key` makes it
    (migrations 0004 and 0007; tests/test_text.py holds the two equal): no case, diacritics
    or punctuation but the "/" of alley numbers, no "Phường"/"P.", "Hẻm", "Đường"/"Đ.",
    "Số" or "Quận"/"Q.", no leading zeros. For a key made where no database is at hand.

    >>> search_key("P. Tân Thuận Đông"), search_key("Hẻm 05/12 Huỳnh Tấn Phát")
    ('tan thuan dong', '5/12 huynh tan phat')
    """
    words = re.sub(r"[^a-z0-9/]+", " ", folded(value).replace("\u2044", "/"))  # ½: 1⁄2
    words = re.sub(r" +", " ", _GENERIC_WORDS.sub(" ", words)).strip()
    return re.sub(r"\b0+([0-9])", r"\1", words)
