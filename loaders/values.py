"""A chunk's values as the types of the layer's fields: text in NFC, numbers as their
writers meant them ("3,5", "44.480": `loaders.numerals`), dates day first, and what cannot
be read left empty and counted (`typed_chunk`, `LeftOut`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.text import EXACT_INTEGERS, nfc, nfc_array, search_key
from layers import LayerSpec
from layers.spec import Field
from loaders.numerals import read_numbers

INTEGER_MAX = 2**31 - 1  # the layer tables' integer columns are PostgreSQL's int4
EXAMPLES_SHOWN = 3  # values a note quotes of those a field left out


def cast(values: pd.Series, field: Field) -> pd.Series:
    """Source values as the field's type; text in NFC. Values that do not parse become missing.

    >>> cast(pd.Series(["15/03/2024", "2024-03-16", "?"]), Field("d", "date", "")).tolist()
    [datetime.date(2024, 3, 15), datetime.date(2024, 3, 16), None]
    >>> cast(pd.Series(["2021-08-01", "01/08/2021"]), Field("d", "date", "")).tolist()
    [datetime.date(2021, 8, 1), datetime.date(2021, 8, 1)]
    >>> cast(pd.Series(["2024/03/04", "2024.03.04 10:30", "04/03/2024"]),
    ...      Field("d", "date", "")).tolist()
    [datetime.date(2024, 3, 4), datetime.date(2024, 3, 4), datetime.date(2024, 3, 4)]
    >>> cast(pd.Series(["-5888-07-11", "0000-01-01"]), Field("d", "date", "")).tolist()
    [None, None]
    >>> cast(pd.Series(["3,5", 4.0, "x"]), Field("w", "real", "")).tolist()[:2]
    [3.5, 4.0]
    >>> cast(pd.Series(["3,5", "0"], dtype="string"), Field("w", "real", "")).tolist()
    [3.5, 0.0]
    >>> cast(pd.Series(["1e400", 2.0]), Field("w", "real", "")).tolist()
    [nan, 2.0]
    >>> cast(pd.Series([120, "7", 1e12, "44.480", 2.5]), Field("n", "integer", "")).tolist()
    [120, 7, <NA>, 44480, <NA>]
    >>> cast(pd.Series([12.0, "Trù"]), Field("c", "text", "")).tolist() == ["12", "Tr\u00f9"]
    True
    """
    if field.type == "text":
        return text_values(values)
    if field.type in ("integer", "real"):
        whole = field.type == "integer"
        # Infinity ("1e400", a 400-digit OSM width) measures nothing: unreadable, not stored
        numbers = read_numbers(values, whole).replace([np.inf, -np.inf], np.nan)
        if not whole:
            return numbers
        # An integer column holds 32 bits: a larger number is as unreadable as "x". A
        # fraction is too (2.5 households): rounded, it would be stored as what nobody wrote.
        numbers = numbers.where((numbers.abs() <= INTEGER_MAX) &
                                np.isclose(numbers, numbers.round(), rtol=0, atol=1e-6))
        return numbers.round().astype("Int64")
    if field.type == "date":
        if pd.api.types.is_datetime64_any_dtype(values):
            dates = values
        else:
            dates = _dates(values.astype("string").str.strip())
        # ISO 8601 reads years 0 and -5888 too (a damaged file's), which no date holds
        dates = dates.where(dates.dt.year.between(1, 9999))
        return pd.Series([d.date() if not pd.isna(d) else None for d in dates],
                         index=values.index, dtype=object)
    truthy = {"1", "true", "yes", "y", "t", "có"}
    return values.map(
        lambda v: None if nfc(v) is None else str(v).strip().lower() in truthy)


def _dates(text: pd.Series) -> pd.Series:
    """ISO 8601 dates as written (pandas also takes 2024/03/04 and 2024.03.04 so, as GDAL and
    spreadsheets write them); any other form day first, as Vietnamese documents write them
    (15/03/2024). Day-first parsing alone would read 2021-08-01 as 8 January."""
    dates = pd.to_datetime(text, errors="coerce", format="ISO8601")
    other = dates.isna() & text.notna()
    if other.any():
        dates[other] = pd.to_datetime(text[other], errors="coerce", format="mixed",
                                      dayfirst=True)
    return dates


def text_values(values: pd.Series) -> pd.Series:
    """Values as NFC text with blanks trimmed and blank as missing, vectorised in Arrow.

    A million names take Arrow's C++ a fraction of a second, against several seconds value
    by value in Python. Columns of mixed types take that slow path.

    >>> text = text_values(pd.Series(["Nguye\u0302\u0303n ", "  ", None]))
    >>> text.fillna("-").tolist() == ["Nguy\u1ec5n", "-", "-"]
    True
    >>> text_values(pd.Series([12.0, 3.5, None, 1e20])).tolist()
    ['12', '3.5', None, '1e+20']
    """
    if pd.api.types.is_float_dtype(values):
        text = pd.Series(np.full(len(values), None, dtype=object), index=values.index)
        whole = values.notna() & (values % 1 == 0) & (values.abs() <= EXACT_INTEGERS)
        fraction = values.notna() & ~whole
        text[whole] = values[whole].astype("int64").astype(str).astype(object)
        text[fraction] = values[fraction].astype(str).astype(object)
        return text
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype("string").astype(object).where(values.notna(), None)
    try:
        array = pa.array(values, pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: value by value
        return values.map(_text)
    return pd.Series(pd.arrays.ArrowExtensionArray(nfc_array(array)), index=values.index)


def _text(value: object) -> str | None:
    """Text of a value; a whole number read from a numeric column as "12", not "12.0"."""
    if nfc(value) is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value))


KEY_SEPARATOR = " | "


def natural_ids(spec: LayerSpec, frame: pd.DataFrame) -> pd.Series | None:
    """Ids made of the layer's natural key, where the frame has all its fields (else None).
    A key of one field is a code, taken as written (a hydrant's). A key of several names a
    feature in words people write in more than one way, a ward report's ward and day, a
    place's name and address: its text is taken as search compares it (no case, diacritics,
    "Phường"/"P." …: `geo.text.search_key`), and a day as its field reads it, so that the
    next file's "P. Tân Phong" on 01/11/2021 is the report of "Phường Tân Phong" on
    2021-11-01. Missing where a part is.

    >>> from layers import get_layer
    >>> frame = pd.DataFrame({"ward_name": ["P. Tân Phong", "Tân Hưng"],
    ...                       "report_date": ["01/11/2021", None]})
    >>> natural_ids(get_layer("ward_epidemic"), frame).tolist()
    ['tan phong | 2021-11-01', None]
    """
    if not spec.natural_key or any(name not in frame for name in spec.natural_key):
        return None
    parts = []
    for name in spec.natural_key:
        field = spec.field(name)
        values = cast(frame[name], field)
        if len(spec.natural_key) == 1:
            return values if field.type == "text" else text_values(values)
        if field.type == "text":
            parts.append(values.map(lambda value: search_key(value) or None
                                    if isinstance(value, str) else None))
        else:
            parts.append(text_values(values))
    joined = [None if any(pd.isna(value) for value in row) else KEY_SEPARATOR.join(row)
              for row in zip(*(part.tolist() for part in parts), strict=True)]
    return pd.Series(joined, index=frame.index, dtype=object)


@dataclass
class LeftOut:
    """The values a load could not store as written, per field, for the report's notes: those
    that do not read as the field's type, and numbers outside what the field could hold
    (`Field.plausible`), with the first few of them as written."""

    unreadable: Counter[Field] = dataclass_field(default_factory=Counter)
    implausible: Counter[Field] = dataclass_field(default_factory=Counter)
    unchosen: Counter[Field] = dataclass_field(default_factory=Counter)  # not one of its choices
    # A required field's values none of its choices: the validator refuses their features.
    refused: Counter[Field] = dataclass_field(default_factory=Counter)
    examples: dict[Field, list[str]] = dataclass_field(default_factory=dict)

    def keep_examples(self, field: Field, values: pd.Series) -> None:
        """The first few distinct values of `field` left out, as written, for its note."""
        seen = self.examples.setdefault(field, [])
        for value in map(_text, values):  # lazily: a chunk may be all mistakes
            if len(seen) >= EXAMPLES_SHOWN:
                break
            if value not in seen:
                seen.append(value)

    def notes(self, outcome: str = "left empty") -> list[str]:
        """One note per field for the whole file (not one per chunk); `outcome`: what became
        of the value in the layer.

        >>> left_out = LeftOut(Counter({Field("beds", "integer", ""): 1}))
        >>> width = Field("width_m", "real", "", unit="m", plausible=(0, 150))
        >>> left_out.implausible[width], left_out.examples[width] = 2, ["350", "420"]
        >>> unreadable, implausible = left_out.notes()
        >>> unreadable
        '1 value of beds could not be read as integer and was left empty'
        >>> print(implausible.replace(": ", ":\\n"))
        2 values of width_m were outside 0-150 m and were left empty (350, 420):
        if the column is in cm, its name can say so (width_cm), or the mapping (unit = "cm")
        """
        notes = [f"{count} value{'s' if count > 1 else ''} of {field.name} could not be read "
                 f"as {field.type} and {'were' if count > 1 else 'was'} {outcome}"
                 for field, count in self.unreadable.items() if count]
        for field, count in self.implausible.items():
            low, high = field.plausible  # type: ignore[misc]
            unit = f" {field.unit}" if field.unit else ""
            notes.append(f"{count} value{'s' if count > 1 else ''} of {field.name} "
                         f"{'were' if count > 1 else 'was'} outside {low:g}-{high:g}{unit} and "
                         f"{'were' if count > 1 else 'was'} {outcome} "
                         f"({', '.join(self.examples[field])}){_unit_hint(field)}")
        for field, count in self.unchosen.items():
            notes.append(f"{count} value{'s' if count > 1 else ''} of {field.name} "
                         f"{'were' if count > 1 else 'was'} not one of "
                         f"{', '.join(field.choices or ())} and {'were' if count > 1 else 'was'} "
                         f"{outcome} {self._naming_hint(field)}")
        for field, count in self.refused.items():
            notes.append(f"{count} value{'s' if count > 1 else ''} of {field.name} known as "
                         f"none of its choices {self._naming_hint(field)}")
        return notes

    def _naming_hint(self, field: Field) -> str:
        """The values of `field` none of its choices, and how a mapping file names them."""
        shown = self.examples[field]
        return (f"({', '.join(shown)}): a mapping file can name the choice each stands for, "
                f'[values.{field.name}] "{shown[0]}" = one of them')


def typed_chunk(spec: LayerSpec, attributes: pd.DataFrame, left_out: LeftOut) -> pd.DataFrame:
    """The chunk's values as the fields' types; counts per field in `left_out` the values left
    empty because they could not be read as its type or are not plausible for it."""
    typed = pd.DataFrame(index=attributes.index)
    for field in spec.fields:
        if field.name not in attributes:
            continue
        values = cast(attributes[field.name], field)
        if field.choices:
            values = _chosen(values, field, left_out)
        if field.type == "text":  # any value reads as text
            typed[field.name] = values
            continue
        left_out.unreadable[field] += int((values.isna() & attributes[field.name].map(
            lambda v: nfc(v) is not None)).sum())
        if field.plausible:
            low, high = field.plausible
            outside = values.notna() & ~values.between(low, high)
            if outside.any():
                left_out.implausible[field] += int(outside.sum())
                left_out.keep_examples(field, attributes[field.name][outside])
                values = values.where(~outside)
        typed[field.name] = values
    typed["source_id"] = text_values(attributes["source_id"])
    return typed


def _chosen(values: pd.Series, field: Field, left_out: LeftOut) -> pd.Series:
    """`values` with those that are none of the field's choices left empty, and counted: a
    road whose class is written in words no synonym knows is still a road. A required
    field's are kept, for the validator to refuse (a hydrant of unknown status) and the
    report to say how to name them."""
    unknown = values.notna() & ~values.isin(field.choices or ())
    if not unknown.any():
        return values
    (left_out.refused if field.required else left_out.unchosen)[field] += int(unknown.sum())
    left_out.keep_examples(field, values[unknown])
    return values if field.required else values.where(~unknown)


# The unit a field's numbers are most often typed in by mistake, for the note that says so.
_MISTAKEN_UNITS = {"m": "cm", "bar": "kPa", "t": "kg", "m³": "l"}


def _unit_hint(field: Field) -> str:
    mistaken = _MISTAKEN_UNITS.get(field.unit or "")
    if not mistaken:
        return ""
    stem = field.name.rsplit("_", 1)[0]
    return (f": if the column is in {mistaken}, its name can say so ({stem}_{mistaken.lower()}),"
            f' or the mapping (unit = "{mistaken}")')
