"""Text as urbanmap keeps it: Unicode NFC, so the same Vietnamese name always compares equal."""

from __future__ import annotations

import math
import unicodedata
from typing import Any


def nfc(value: Any) -> Any:
    r"""Text in NFC with blanks trimmed; blank or missing (None, NaN) as None; else unchanged.

    OpenStreetMap and agencies' files mix NFC and NFD spellings of the same name.

    >>> nfc("Nguye\u0302\u0303n ") == "Nguy\u1ec5n", nfc("  "), nfc(float("nan")), nfc(3)
    (True, None, None, 3)
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip() or None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value
