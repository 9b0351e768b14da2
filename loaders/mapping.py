"""Map a source file's columns to a layer's fields, so agencies' files load as they are.

Agencies name columns their own way (``TEN_DUONG``, ``Tên đường``, ``BE_RONG_CM``) and a
Shapefile cuts every name to 10 characters. `match_columns` picks, for each field of the
layer, the column its values come from, in this order of precedence:

1. explicit overrides, ``--map COLUMN=field`` on the command line;
2. a mapping file (below);
3. a column named like the field;
4. built-in synonyms, English and unaccented Vietnamese (`SYNONYMS`).

Names compare by `column_key`, so case, diacritics, spaces, underscores and hyphens do not
matter, and a name cut to 10 characters still matches. A column feeds one field at most.
A unit at the end of a column's name (``width_cm``, ``tai_trong_kg``, ``ap_luc_kpa``) is
converted to the field's unit. Per chunk of rows, `apply_mapping` then renames, scales and
translates values (``hỏng`` → ``out_of_service``) with vectorised pandas operations.

A mapping file is TOML, or YAML when named .yaml or .yml (the same keys)::

    # hydrants from the fire police's register
    source_id = "MA_TRU"        # the column holding each feature's own id
    [columns]                   # source column = field, or a table with a unit or scale
    MA_TRU = "code"
    TINH_TRANG = "status"
    AP_LUC = { field = "pressure_bar", unit = "kPa" }    # or: scale = 0.01
    [values.status]             # source value = stored value
    "Tạm ngưng" = "out_of_service"

One file may serve several layers: each layer's keys go under ``[layers.<layer id>]``
(``[layers.hydrants.columns]``, ``[layers.hydrants.values.status]``); top-level keys then
serve the layers without a section of their own. In YAML::

    source_id: MA_TRU
    columns:
      MA_TRU: code
      AP_LUC: {field: pressure_bar, unit: kPa}
    values:
      status: {"Tạm ngưng": out_of_service}
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import InvalidInput
from geo.text import EXACT_INTEGERS, folded
from layers import REGISTRY
from layers.spec import Field, LayerSpec
from layers.synonyms import LAYER_SYNONYMS, SYNONYMS, UNITS, VALUE_SYNONYMS
from loaders.numerals import read_numbers

# A file's own id column, the first of these it has: urbanmap's exports carry the source id
# the features were loaded with beside urbanmap's fid, which is no id of the source.
SOURCE_ID_KEYS = ("sourceid", "id", "fid", "objectid", "gid", "madinhdanh", "uuid", "osmid",
                  "entityhandle")  # a DXF entity's handle, which CAD keeps across saves
DBF_NAME_LENGTH = 10
GEOMETRY_COLUMN = "geometry"  # pyogrio's geometry column is never a field's source
SECTION_KEYS = ("source_id", "columns", "values", "set")
# Columns that hold a table's geometry (CSV, spreadsheets), by name; as `column_key` spells
# them: "Kinh độ" and "KINH_DO" are both "kinhdo" (longitude), "Vĩ độ" is "vido" (latitude).
LON_KEYS = frozenset({"lon", "lng", "long", "longitude", "kinhdo"})
LAT_KEYS = frozenset({"lat", "latitude", "vido"})
# Words a heading adds to such a name to say the hemisphere, unit or datum: "Kinh độ (E)",
# "Vĩ độ Bắc", "Longitude (WGS84)", "KINH_DO_VN2000".
COORDINATE_ANNOTATIONS = frozenset({"e", "n", "dong", "bac", "deg", "degree", "degrees", "dd",
                                    "decimal", "thapphan", "wgs84", "wgs", "vn2000"})
# A column holding both, as Google Maps copies a position ("10.7726, 106.7390"): its name
# helps find a table's heading; what it holds decides (loaders.tables).
PAIR_KEYS = frozenset({"toado", "toadogps", "gps", "coordinates", "coords", "latlon", "latlng",
                       "latlong", "lonlat", "lnglat"})
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom")  # as GDAL is told them


@dataclass(frozen=True)
class FieldSource:
    """Where one field's values come from, and how to bring them to the field's form."""

    column: str | None  # None: every row has `constant` (--set, [set], a report's day)
    scale: float = 1.0  # multiply numbers by this to reach the field's unit
    # `column_key` of a source value -> stored value; other values pass unchanged.
    values: Mapping[str, str] = field(default_factory=dict)
    constant: str | None = None
    given_by: str = "--set"  # where `constant` was written, for the message refusing it


@dataclass(frozen=True)
class ColumnMapping:
    """Which column feeds each field of a layer: resolved once per file, applied per chunk."""

    layer_id: str
    fields: Mapping[str, FieldSource]
    source_id: str | None
    unmapped: tuple[str, ...]  # columns nothing uses, for the load report


# -- names -----------------------------------------------------------------------------

def column_key(text: str) -> str:
    """The form names compare in: no case, diacritics or separators.

    >>> {column_key(n) for n in ("Tên đường", "TEN_DUONG", "ten duong", "tenduong")}
    {'tenduong'}
    """
    return "".join(ch for ch in folded(text) if ch.isalnum())


def coordinate_key(name: str) -> str:
    """`column_key` of a coordinate column's name without the words that annotate it.

    >>> [coordinate_key(n) for n in ("Kinh độ (E)", "VI_DO_VN2000", "Tọa độ (VN-2000)")]
    ['kinhdo', 'vido', 'toado']
    """
    return "".join(word for word in _heading_words(name) if word not in COORDINATE_ANNOTATIONS)


def coordinate_axis(name: str) -> str | None:
    """"lon" or "lat" if a column's name says it holds longitudes or latitudes, else None.

    >>> [coordinate_axis(n) for n in ("Kinh độ (E)", "LATITUDE_WGS84", "Vĩ độ Bắc", "lng",
    ...                               "X", "Tên đường")]
    ['lon', 'lat', 'lat', 'lon', None, None]
    """
    key = coordinate_key(name)
    return "lon" if key in LON_KEYS else "lat" if key in LAT_KEYS else None


def names_vn2000(name: str) -> bool:
    """Whether a column's name says its coordinates are in VN-2000 ("Kinh độ VN-2000")."""
    return "vn2000" in _heading_words(name)


def _heading_words(name: str) -> list[str]:
    """A heading's words as `folded` spells them, "VN-2000" as one."""
    return re.findall(r"[a-z0-9]+", re.sub(r"vn\W*2000", "vn2000", folded(name)))


def chosen_by_name(names: Sequence[str], wanted: str | None, spec: LayerSpec) -> str | None:
    """Which of a file's layers (or a workbook's sheets) a load reads: the one asked for,
    the only one, or the one named like the target layer, by its id or either title (a
    Google My Maps folder "Trụ nước chữa cháy"); None when that leaves a choice.

    >>> from layers import get_layer
    >>> hydrants = get_layer("hydrants")
    >>> chosen_by_name(["Sheet1", "hydrants"], None, hydrants)
    'hydrants'
    >>> chosen_by_name(["Điểm tập kết rác", "TRỤ NƯỚC CHỮA CHÁY"], None, hydrants)
    'TRỤ NƯỚC CHỮA CHÁY'
    """
    if wanted in names:
        return wanted
    if len(names) == 1:
        return names[0]
    if spec.id in names:
        return spec.id
    titles = {column_key(title) for title in (spec.id, spec.title, spec.title_vi)}
    named = [name for name in names if column_key(name) in titles]
    return named[0] if len(named) == 1 else None


def _scale(unit: str, target: Field) -> float | None:
    """The factor from `unit` to the field's unit; None when they measure different things.

    >>> _scale("kPa", Field("pressure_bar", "real", "", unit="bar"))
    0.01
    """
    source, wanted = UNITS.get(column_key(unit)), UNITS.get(column_key(target.unit or ""))
    if source is None or wanted is None or source[0] != wanted[0]:
        return None
    return source[1] / wanted[1]


def _unit_suffix(column: str, target: Field) -> tuple[str, float] | None:
    """The key of a column's name before a unit at its end, and that unit's scale.

    >>> _unit_suffix("Bề rộng (cm)", Field("width_m", "real", "", unit="m"))
    ('berong', 0.01)
    """
    *stem, unit = [token for token in re.split(r"[\W_]+", folded(column)) if token] or [""]
    scale = _scale(unit, target) if stem and target.unit else None
    return None if scale is None else ("".join(stem), scale)


def _name_scale(column: str, target: Field) -> float:
    return suffix[1] if (suffix := _unit_suffix(column, target)) else 1.0


def _spellings(spec: LayerSpec, target: Field, dbf_cut: bool) -> list[str]:
    """Keys a column may have to feed the field, best first; with `dbf_cut`, each one's cut."""
    names = [target.name, *LAYER_SYNONYMS.get((spec.id, target.name), "").split(),
             *SYNONYMS.get(target.name, "").split()]
    width = DBF_NAME_LENGTH if dbf_cut else None
    keys = [column_key(cut) for name in names for cut in (name, name[:width])]
    if bare := _unit_suffix(target.name, target):
        keys.insert(1, bare[0])  # width_m: also "width", taken to be in metres
    return list(dict.fromkeys(keys))


def _rank(column: str, spellings: list[str], target: Field) -> tuple[int, float] | None:
    """How well a column's name fits the field (lower is better), and the scale it implies."""
    if (key := column_key(column)) in spellings:
        return spellings.index(key), 1.0
    if (suffix := _unit_suffix(column, target)) and suffix[0] in spellings:
        return spellings.index(suffix[0]), suffix[1]
    return None


def _automatic(spec: LayerSpec, columns: Sequence[str],
               skip: Mapping[str, object]) -> dict[str, tuple[str, float]]:
    """Fields matched by name or synonym; a column goes to the field it fits best."""
    candidates: list[tuple[int, int, int, str, str, float]] = []
    for f_order, target in enumerate(spec.fields):
        for c_order, column in enumerate(columns):
            # A Shapefile cuts names to 10 characters: only such a name may be a cut one.
            spellings = _spellings(spec, target, len(column) == DBF_NAME_LENGTH)
            if target.name not in skip and (found := _rank(column, spellings, target)):
                candidates.append((found[0], f_order, c_order, target.name, column, found[1]))
    chosen: dict[str, tuple[str, float]] = {}
    for *_, name, column, scale in sorted(candidates):
        if name not in chosen and all(column != used for used, _ in chosen.values()):
            chosen[name] = (column, scale)
    return chosen


def _value_table(target: Field, extra: Mapping[str, str]) -> dict[str, str]:
    """Source value keys -> stored values: the field's choices, their synonyms, then `extra`."""
    table = {column_key(spelling): choice for choice in target.choices or ()
             for spelling in (choice, *VALUE_SYNONYMS.get(choice, "").split("|"))}
    table.update({column_key(source): stored for source, stored in extra.items()})
    table.pop("", None)
    return table


def _resolve(name: str, columns: Sequence[str], origin: str) -> str:
    """The file's column that `name` designates: the same name, else the same key."""
    same = [column for column in columns if column_key(column) == column_key(name)]
    if name not in columns and len(same) != 1:
        raise InvalidInput(f"{origin}: the file has no column {name!r}; its columns are: "
                           f"{', '.join(columns)}.")
    return name if name in columns else same[0]


def _explicit(spec: LayerSpec, columns: Sequence[str], section: Mapping[str, Any],
              overrides: Mapping[str, str], origin: str) -> dict[str, tuple[str, float]]:
    """Fields the mapping file and the overrides name; an override displaces file entries."""
    chosen: dict[str, tuple[str, float]] = {}
    loaded, targets = {f.name for f in spec.fields}, list(overrides.values())
    _expect(len(set(targets)) == len(targets), "--map",
            f"one field from two columns: {', '.join(f'{c}={t}' for c, t in overrides.items())}")
    for name, entry in section["columns"].items():
        column, target = _resolve(name, columns, origin), spec.field(entry["field"])
        chosen[target.name] = (column, entry["scale"] or _name_scale(column, target))
    for name, target_name in overrides.items():
        flag = f"--map {name}={target_name}"
        if target_name not in loaded:
            hint = f" (--map {target_name}={name}?)" if name in loaded else ""
            raise InvalidInput(f"{flag}: layer {spec.id} has no field {target_name!r}{hint}; "
                               f"its fields are: {_field_list(spec)}.")
        column, before = _resolve(name, columns, flag), chosen.get(target_name)
        scale = before[1] if before and before[0] == column else None  # the file's unit stays
        chosen = {f: source for f, source in chosen.items() if source[0] != column}
        chosen[target_name] = (column, scale or _name_scale(column, spec.field(target_name)))
    return chosen


def _source_id(columns: Sequence[str], named: str | None, origin: str) -> str | None:
    if named is not None:
        return _resolve(named, columns, origin)
    by_key = {column_key(column): column for column in reversed(columns)}
    return next((by_key[key] for key in SOURCE_ID_KEYS if key in by_key), None)


def match_columns(spec: LayerSpec, columns: Sequence[str], mapping_file: Path | None = None,
                  overrides: Mapping[str, str] | None = None,
                  constants: Mapping[str, str] | None = None) -> ColumnMapping:
    """Resolve, once per file, which of its columns feeds each field of the layer.

    `overrides` map a source column to a field, as ``--map COLUMN=field`` writes them;
    `constants` give a field one value for every row, as ``--set field=VALUE`` does (a
    column of the file that would have fed it is then not loaded).

    >>> from layers import get_layer
    >>> found = match_columns(get_layer("roads"), ["TEN_DUONG", "BE_RONG_CM", "OBJECTID", "X"])
    >>> {name: (s.column, s.scale) for name, s in found.fields.items()}, found.unmapped
    ({'name': ('TEN_DUONG', 1.0), 'width_m': ('BE_RONG_CM', 0.01)}, ('X',))
    """
    columns = [column for column in columns if column != GEOMETRY_COLUMN]
    section = _section(mapping_file, spec) if mapping_file else _parse_section({}, "")
    origin = mapping_file.name if mapping_file else "mapping"
    given_by = {name: f"{origin} [set]" for name in section["set"]} | \
        {name: "--set" for name in constants or {}}
    constants = {**section["set"], **(constants or {})}  # the command's word is the last
    chosen = {name: found for name, found in
              _explicit(spec, columns, section, overrides or {}, origin).items()
              if name not in constants}
    taken = {column for column, _ in chosen.values()}
    chosen |= _automatic(spec, [c for c in columns if c not in taken],
                         skip={*chosen, *constants})
    values = section["values"]
    fields = {f.name: _constant(f, constants[f.name], values.get(f.name, {}), given_by[f.name])
              if f.name in constants else
              FieldSource(*chosen[f.name], _value_table(f, values.get(f.name, {})))
              for f in spec.fields if f.name in chosen or f.name in constants}
    source_id = _source_id(columns, section["source_id"], origin)
    used = {source.column for source in fields.values()} | {source_id}
    return ColumnMapping(spec.id, fields, source_id, tuple(c for c in columns if c not in used))


# -- mapping files ---------------------------------------------------------------------

def _expect(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise InvalidInput(f"{where}: {message}.")


def _field_list(spec: LayerSpec) -> str:
    return ", ".join(f.name for f in spec.fields)


def _table(raw: Mapping[str, Any], key: str, where: str, label: str = "") -> dict[str, Any]:
    value = raw.get(key, {})
    _expect(isinstance(value, dict), where, f"[{label or key}] must be a table")
    return dict(value)


def _column_entry(name: str, entry: Any, where: str) -> dict[str, Any]:
    """One [columns] entry as {"field", "unit", "scale"}; no scale means "from the name"."""
    entry = {"field": entry} if isinstance(entry, str) else entry
    _expect(isinstance(entry, dict) and isinstance(entry.get("field"), str)
            and set(entry) <= {"field", "unit", "scale"} and len(entry) <= 2, where,
            f'column {name!r}: write "field", {{ field = "...", unit = "cm" }} or '
            '{ field = "...", scale = 0.01 }')
    unit, scale = entry.get("unit"), entry.get("scale")
    _expect(unit is None or (isinstance(unit, str) and column_key(unit) in UNITS), where,
            f"column {name!r}: unknown unit {unit!r}; the units are: {', '.join(UNITS)}")
    _expect(scale is None or (type(scale) in (int, float) and scale > 0), where,
            f"column {name!r}: scale must be a number above 0")
    return {"field": entry["field"], "unit": unit, "scale": scale and float(scale)}


def _parse_section(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(raw) - set(SECTION_KEYS))
    _expect(not unknown, where, f"unknown key {', '.join(unknown)}; a mapping has source_id, "
            "[columns], [values.<field>] and [set]")
    _expect(isinstance(raw.get("source_id", ""), str), where, "source_id must be a column name")
    columns = {name: _column_entry(name, entry, where)
               for name, entry in _table(raw, "columns", where).items()}
    keys = [column_key(name) for name in columns]
    twice = [name for name, key in zip(columns, keys, strict=True) if keys.count(key) > 1]
    _expect(not twice, where, f"{' and '.join(twice)} are one column, mapped twice")
    values = _table(raw, "values", where)
    values = {name: _table(values, name, where, f"values.{name}") for name in values}
    _expect(all(isinstance(v, str) for table in values.values() for v in table.values()), where,
            'each [values.<field>] entry is "source value" = "stored value"')
    given = {name: _given(name, value, where) for name, value in _table(raw, "set", where).items()}
    return {"source_id": raw.get("source_id"), "columns": columns, "values": values,
            "set": given}


def _given(name: str, value: Any, where: str) -> str:
    """A [set] entry's value as --set would write it: TOML's and YAML's dates and numbers
    are read as the text they stand for."""
    _expect(type(value) in (str, int, float, bool, date), where,
            f'[set] {name}: write one value, {name} = "..." (a text, number, date or '
            'true/false)')
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, date) else _text(value)


def _bind(section: Mapping[str, Any], spec: LayerSpec, where: str) -> dict[str, Any]:
    """The section checked against the layer's fields, its units turned into scales."""
    named = [entry["field"] for entry in section["columns"].values()]
    loaded = {f.name for f in spec.fields}  # not `computed` ones: the database derives those
    unknown = [name for name in (*named, *section["values"], *section["set"])
               if name not in loaded]
    _expect(not unknown, where, f"layer {spec.id} has no field {', '.join(unknown)}; its "
            f"fields are: {_field_list(spec)}")
    twice = sorted({name for name in named if named.count(name) > 1})
    _expect(not twice, where, f"field {', '.join(twice)} is mapped from two columns")
    both = sorted(set(named) & set(section["set"]))
    _expect(not both, where, f"field {', '.join(both)} is both mapped from a column and given "
            "one value by [set]")
    columns = {}
    for name, entry in section["columns"].items():
        target, scale = spec.field(entry["field"]), entry["scale"]
        if entry["unit"] is not None:
            scale = _scale(entry["unit"], target)
            _expect(scale is not None, where, f"column {name!r}: {entry['unit']} does not "
                    f"convert to {target.name}, which is in {target.unit or 'no unit'}")
        columns[name] = {**entry, "scale": scale}
    return {**section, "columns": columns}


def load_mapping_file(path: Path) -> dict[str, Any]:
    """A mapping file, parsed and checked, with errors that name the file and the fix.

    Returns the top-level section (source_id, columns, values) and ``layers``: layer id ->
    section. Each column entry becomes {"field", "unit", "scale"}.
    """
    language = "YAML" if path.suffix.lower() in (".yaml", ".yml") else "TOML"
    try:
        text = path.read_text(encoding="utf-8")
        if language == "YAML":
            from loaders import mapping_yaml  # PyYAML: imported by the loads that use it

            raw = mapping_yaml.parsed(text)
        else:
            raw = tomllib.loads(text)
    except OSError as exc:
        raise InvalidInput(f"Cannot read the mapping file {path}: {exc.strerror}.") from None
    except ValueError as exc:  # TOML's, YAML's (mapping_yaml) and UnicodeDecodeError
        raise InvalidInput(f"{path.name} is not valid {language}: {exc}.") from None
    _expect(isinstance(raw, dict), path.name, "the file must be keys and values "
            "(source_id, columns, values, layers), not a list or a single value")
    layers = _table(raw, "layers", path.name)
    unknown = sorted(set(layers) - set(REGISTRY))
    _expect(not unknown, path.name, f"unknown layer {', '.join(unknown)}; the layers are: "
            f"{', '.join(REGISTRY)}")
    parsed = _parse_section({k: v for k, v in raw.items() if k != "layers"}, path.name)
    parsed["layers"] = {}
    for layer_id in layers:
        where = f"{path.name} [layers.{layer_id}]"
        section = _parse_section(_table(layers, layer_id, path.name, f"layers.{layer_id}"), where)
        parsed["layers"][layer_id] = _bind(section, REGISTRY[layer_id], where)
    return parsed


def _section(path: Path, spec: LayerSpec) -> dict[str, Any]:
    """The part of a mapping file for this layer, checked against its fields."""
    parsed = load_mapping_file(path)
    section = parsed["layers"].get(spec.id, parsed)
    _expect(section is not parsed or any(parsed[key] for key in SECTION_KEYS), path.name,
            f"nothing maps layer {spec.id}; the file has sections for "
            f"{', '.join(parsed['layers']) or 'no layer'}")
    return _bind(section, spec, path.name)


# -- applying a mapping to a chunk -----------------------------------------------------

def _text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _scaled(values: pd.Series, scale: float, target: Field) -> pd.Series:
    """Numbers, as written (`loaders.numerals`: "250,5" kPa), times `scale`; what does not
    read as a number is kept for the validator."""
    numbers = read_numbers(values, whole=target.type == "integer")
    divisor = round(1 / scale)
    # Dividing by 100 keeps 350 cm exactly 3.5 m; multiplying by 0.01 would not.
    exact = scale < 1 and abs(1 / scale - divisor) < 1e-9
    scaled = numbers / divisor if exact else numbers * scale
    unreadable = numbers.isna() & values.notna()
    return scaled.astype(object).where(~unreadable, values) if unreadable.any() else scaled


def _constant(target: Field, value: str, extra: Mapping[str, str],
              given_by: str = "--set") -> FieldSource:
    """`value` for `target` in every row, through its choices' synonyms and `extra`'s."""
    return FieldSource(None, values=_value_table(target, extra), constant=value,
                       given_by=given_by)


def with_constant(mapping: ColumnMapping, target: Field, value: str) -> ColumnMapping:
    """`mapping` with `value` for `target` in every row, through its choices' synonyms."""
    return replace(mapping, fields={**mapping.fields, target.name: _constant(target, value, {})})


def _translated(values: pd.Series, table: Mapping[str, str]) -> pd.Series:
    """Values looked up by key (so in any case: "odt" is ODT), once per distinct value;
    unknown ones pass through as written, for the report to show them so."""
    lookup = {value: table.get(column_key(_text(value)), value)
              for value in values.dropna().unique()}
    return values.map(lookup)


def _id_text(values: pd.Series) -> pd.Series:
    """Ids as text, 12.0 as "12": GDAL reads a DBF file's integer ids into float columns.
    A column whose values are not all whole, or not all within EXACT_INTEGERS, keeps them
    as floats.

    >>> _id_text(pd.Series([12.0, None])).tolist(), _id_text(pd.Series([12.0, 1e308])).tolist()
    (['12', None], ['12.0', '1e+308'])
    """
    present = values.notna()
    if pd.api.types.is_float_dtype(values) and (values[present] % 1 == 0).all() and \
            (values[present].abs() <= EXACT_INTEGERS).all():
        values = values.astype("Int64")
    return values.astype("string").astype(object).where(present, None)


def apply_mapping(frame: pd.DataFrame, mapping: ColumnMapping, spec: LayerSpec) -> pd.DataFrame:
    """A chunk of source rows as the layer's fields (and source_id), on the same index.

    Numbers are scaled to the field's unit and known values translated; text is otherwise
    left as it is (NFC and types come later in the pipeline). Vectorised: chunks run to a
    million rows.
    """
    if mapping.layer_id != spec.id:
        raise ValueError(f"a mapping for {mapping.layer_id} applied to layer {spec.id}")
    shaped = pd.DataFrame(index=frame.index)
    for name, source in mapping.fields.items():
        values = frame[source.column] if source.column is not None else \
            pd.Series(source.constant, index=frame.index, dtype=object)
        if source.scale != 1.0:
            values = _scaled(values, source.scale, spec.field(name))
        if source.values:
            values = _translated(values, source.values)
        shaped[name] = values
    if mapping.source_id is not None:
        shaped["source_id"] = _id_text(frame[mapping.source_id])
    return shaped
