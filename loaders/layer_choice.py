"""Which of a file's layers a load reads: the one named by --layer, the only one, the one
named like the target layer, or the only one holding its kind of geometry (a GPS
receiver's GPX has five layers, most empty; Google My Maps puts each map layer in a KML
folder that declares no kind).

`--layer '*'` reads every layer of the target's kind as one (`union_of`): a district's
hydrants kept a My Maps folder, a GeoPackage table, or a zipped Shapefile a ward. Loading
one layer at a time was a trap, each load a replace of the one before. The layers are read
through an OGR VRT union layer, GDAL's own way to read several layers as one: their columns
are the union of theirs, and a feature keeps its layer's values. A pattern reads those it
matches (`'*/duong.shp'`, `'duong_*'`): a ward's folder often holds its roads and its
alleys, both lines, and '*' alone is then refused rather than read the alleys as roads.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from xml.etree import ElementTree

import numpy as np
import pyogrio
import pyproj
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from geo.errors import InvalidInput
from geo.text import folded
from layers import LayerSpec
from loaders.gdal_said import gdal_said
from loaders.mapping import chosen_by_name
from loaders.parts import member_name

# What GDAL declares for a layer whose features may be of any kind (a KML folder's)
UNDECLARED_KINDS = ("Unknown", "Geometry", "")
KINDS_SAMPLED = 10_000  # features of such a layer looked at to tell what it holds
GEOMETRY_TYPE_NAMES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                       "MultiLineString", "MultiPolygon", "GeometryCollection")  # shapely's ids
UNION_VRT = "all layers.vrt"
# --layer '*': every sheet of a workbook (loaders.all_sheets), or every layer of a file of the
# target's kind, read as one; Excel forbids * in a sheet's name
ALL_AS_ONE = "*"
PATTERN_SIGNS = "*?["  # in --layer: a shell-style pattern, its layers read as one


def is_pattern(wanted: str | None) -> bool:
    """Whether --layer names layers by a pattern ('*', '*/duong.shp'), read as one."""
    return wanted is not None and any(sign in wanted for sign in PATTERN_SIGNS)


def named_by(pattern: str, *names: str) -> bool:
    """Whether the shell-style `pattern` matches one of `names`, case and diacritics ignored
    (a zip made on Windows may name a file DUONG.SHP; a sheet is "Phường Tân Phong").

    >>> named_by("*/duong.shp", "Phuong_Tan_Phong/DUONG.SHP"), named_by("duong_*", "hem_1")
    (True, False)
    >>> named_by("phuong tan*", "Phường Tân Phong")
    True
    """
    return any(fnmatch.fnmatchcase(folded(name), folded(pattern)) for name in names)


class Member(NamedTuple):
    """A layer a union may read: the dataset holding it, and its name there."""

    source: str
    layer: str


class Union(NamedTuple):
    """A union of layers read as one: its VRT, the driver of its first layer, notes of what
    was read and left out, and each layer read with its feature count, in the union's order
    (`ids_by_position`)."""

    vrt: Path
    driver: str
    notes: list[str]
    members: tuple[tuple[str, int], ...]


class Held(NamedTuple):
    """What a layer of a file holds: its feature count, the kinds of geometry of its
    features (none for a table of rows), and what GDAL says of it (`pyogrio.read_info`)."""

    count: int
    kinds: list[str]
    info: dict


def pick_layer(path: Path, dataset: str, spec: LayerSpec,
               wanted: str | None) -> tuple[str, list[str]]:
    """The file's layer the load reads, and a note when it was chosen as the only one with
    features of the target's kind."""
    layers = _listed(path, dataset)
    if is_pattern(wanted) and wanted not in layers:  # it matched one layer (`union_of`)
        matched = [name for name in layers if named_by(wanted, *names_of(path, dataset, name))]
        wanted = matched[0] if len(matched) == 1 else None
    # In a zip, --layer may have named the dataset instead (`readable.dataset_in`).
    if wanted and wanted not in layers and path.suffix.lower() != ".zip":
        raise InvalidInput(f"{path.name} has no layer {wanted!r}; it has: {', '.join(layers)}.")
    chosen = chosen_by_name(list(layers), wanted, spec)
    if chosen:
        return chosen, []
    held = _held(path, {name: Member(dataset, name) for name in layers}, layers)
    fitting = _fitting(held, spec)
    if len(fitting) == 1:
        return fitting[0], [f"read layer {fitting[0]!r}, the only one with {_kind_word(spec)}"]
    described = _described(held)
    if not fitting and any(layer.count for layer in held.values()):
        raise InvalidInput(f"{path.name} has no layer of {_kind_word(spec)}, which {spec.id} "
                           f"needs: it holds {described}.")
    # A GPX's layers of points are its waypoints and the points of the tracks walked: never
    # one list
    all_as_one = "" if PurePosixPath(dataset).suffix.lower() == ".gpx" else (
        f", or read all those of {_kind_word(spec)} as one with --layer '{ALL_AS_ONE}'")
    raise InvalidInput(f"{path.name} holds several layers: {described}. Pick one with "
                       f"--layer{all_as_one}.")


def union_of(path: Path, sources: list[str], spec: LayerSpec, scratch: Path, pattern: str,
             open_options: dict[str, str] | None = None) -> Union | None:
    """For `--layer PATTERN`: an OGR VRT in `scratch` whose one layer, named '*', reads every
    layer of the `sources` (one dataset, or each Shapefile of a zip) that the pattern names
    and that holds features of the target's kind, each opened with GDAL's `open_options`.
    None when the pattern names one layer, or is the name of one."""
    members, declared, every = {}, {}, []
    for source in sources:
        for name, kind in _listed(path, source).items():
            label = name if len(sources) == 1 else _member_label(path, source)
            every.append(label)
            if named_by(pattern, label, *names_of(path, source, name)):
                members[label], declared[label] = Member(source, name), kind
    if pattern in every or len(members) == 1:
        return None
    if not members:
        raise InvalidInput(f"{path.name}: --layer {pattern!r} names none of its "
                           f"{'layers' if len(sources) == 1 else 'files'}: "
                           f"{', '.join(every)}.")
    held = _held(path, members, declared)
    fitting = _fitting(held, spec)
    if not fitting:
        raise InvalidInput(f"{path.name} has no layer of {_kind_word(spec)}, which {spec.id} "
                           f"needs: it holds {_described(held)}.")
    if pattern == ALL_AS_ONE and len(sources) > 1:  # a zip's files
        _refuse_layers_of_a_folder(path, fitting, spec)
    _refuse_mixed_crs(path, {name: held[name].info["crs"] for name in fitting})
    vrt = scratch / UNION_VRT
    _write_union(vrt, [members[name] for name in fitting],
                 sum(held[name].count for name in fitting), open_options or {})
    read = ", ".join(f"{name!r} ({held[name].count:,})" for name in fitting)
    layer = "layer" if len(sources) == 1 else "file"
    notes = [f"read {len(fitting)} {layer}s as one, features from each: {read}" if fitting[1:]
             else f"read {layer} {fitting[0]!r}, the only one with {_kind_word(spec)}",
             *(f"{layer} {name!r} left out: " + (f"it holds {', '.join(kinds)}, not "
                                                 f"{_kind_word(spec)}" if kinds else
                                                 "it has no geometry")
               for name, (count, kinds, _) in held.items() if count and name not in fitting)]
    return Union(vrt, str(held[fitting[0]].info["driver"]), notes,
                 tuple((name, held[name].count) for name in fitting))


def ids_by_position(fids: np.ndarray, members: tuple[tuple[str, int], ...]) -> np.ndarray:
    """Ids for features the file gives none: their place in the file, and in a union their
    layer's name and their place in it ('Phuong_Tan_Phong/duong:3'), so that a ward's file
    given a feature more renumbers no other ward's. A union numbers its features from 0, in
    its layers' order.

    >>> ids_by_position(np.array([0, 1, 2]), ())
    array(['0', '1', '2'], dtype=object)
    >>> ids_by_position(np.array([0, 1, 2]), (("Tan_Phong", 2), ("Tan_Hung", 1)))
    array(['Tan_Phong:0', 'Tan_Phong:1', 'Tan_Hung:0'], dtype=object)
    """
    if not members:
        return fids.astype(str).astype(object)
    counts = np.asarray([count for _, count in members])
    ends = np.cumsum(counts)
    # past the last count (a count GDAL gave short): the last layer's, still each its own id
    which = np.minimum(np.searchsorted(ends, fids, side="right"), len(members) - 1)
    place = fids - (ends - counts)[which]
    names = np.asarray([name for name, _ in members], dtype=object)[which]
    return names + ":" + place.astype(str).astype(object)


def _listed(path: Path, dataset: str) -> dict[str, str]:
    """The file's layers and the kind of geometry GDAL declares for each."""
    try:
        return {str(name): str(kind or "") for name, kind in pyogrio.list_layers(dataset)}
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInput(f"GDAL cannot read {path.name}: {gdal_said(exc)}. Check that the "
                           "file is complete and in a format GDAL reads.") from None


def names_of(path: Path, dataset: str, layer: str) -> tuple[str, ...]:
    """What --layer may name a layer by: its name, and in a zip its dataset's path and file
    name there, with and without the suffix ('Phuong_Tan_Phong/duong.shp', 'duong.shp')."""
    inside = member_name(path, dataset)
    if not inside:
        return (layer,)
    file = PurePosixPath(inside)
    return layer, inside, str(file.with_suffix("")), file.name, file.stem


def _refuse_layers_of_a_folder(path: Path, fitting: list[str], spec: LayerSpec) -> None:
    """'*' over a zip of a folder a ward, each holding files of the same names (duong.shp
    and hem.shp, both lines): reading them all would load the alleys as roads."""
    folders: dict[str, set[str]] = {}
    for label in fitting:
        folders.setdefault(PurePosixPath(label).name, set()).add(str(PurePosixPath(label).parent))
    repeated = sorted(name for name, where in folders.items() if len(where) > 1)
    if repeated and len(folders) > 1:
        raise InvalidInput(
            f"{path.name}: its folders each hold several files of {_kind_word(spec)} "
            f"({', '.join(sorted(folders))}), and --layer '{ALL_AS_ONE}' would read them all "
            f"as {spec.id}. Name those to read with a pattern, such as --layer "
            f"'*/{repeated[0]}' (or '*/*' for all of them).")


def _member_label(path: Path, source: str) -> str:
    """How a Shapefile of a zip is named in notes: its path in the zip without .shp (the
    layer's name alone may be the same in every ward's folder)."""
    return str(PurePosixPath(member_name(path, source) or source).with_suffix(""))


def _held(path: Path, members: dict[str, Member], declared: dict[str, str]
          ) -> dict[str, Held]:
    """What each layer holds, given the kind GDAL declares for it."""
    held = {}
    for label, (source, name) in members.items():
        try:
            info = pyogrio.read_info(source, layer=name, force_feature_count=True)
            count = int(info["features"])
            kinds = _kinds_held(source, name) if count and declared[label] in UNDECLARED_KINDS \
                else [declared[label]]
        except (DataSourceError, DataLayerError) as exc:  # a damaged .prj: a CRSError
            raise InvalidInput(f"GDAL cannot read {label!r} in {path.name}: {gdal_said(exc)}. "
                               "Check that the file is complete and not damaged.") from None
        except UnicodeDecodeError:  # a GeoJSON's column name, damaged or in another set
            raise InvalidInput(f"{label!r} in {path.name} has a column name that is not "
                               "UTF-8 text. Save it in UTF-8, or check that it is not "
                               "damaged.") from None
        held[label] = Held(count, kinds, info)
    return held


def _fitting(held: dict[str, Held], spec: LayerSpec) -> list[str]:
    return [name for name, (count, kinds, _) in held.items()
            if count and (kinds or not spec.is_spatial)
            and all(_kind_fits(kind, spec) for kind in kinds)]


def _described(held: dict[str, Held]) -> str:
    return ", ".join(f"{name} ({count:,} {', '.join(kinds) or ('row' if count == 1 else 'rows')})"
                     for name, (count, kinds, _) in held.items())


def _kind_word(spec: LayerSpec) -> str:
    return {"Point": "points", "MultiLineString": "lines", "MultiPolygon": "areas",
            None: "rows"}[spec.geometry]


def _kinds_held(dataset: str, layer: str) -> list[str]:
    """The geometry types a layer's features have (its first KINDS_SAMPLED), as GDAL names a
    layer's kind: for a layer that declares none, as a KML folder; none for a table."""
    meta, table = pyogrio.read_arrow(dataset, layer=layer, columns=[],
                                     max_features=KINDS_SAMPLED)
    column = meta["geometry_name"] or "wkb_geometry"
    if column not in table.column_names:  # a table of rows alone: QGIS's layer_styles
        return []
    wkb = table[column].to_numpy(zero_copy_only=False)
    held = shapely.get_type_id(shapely.from_wkb(wkb))
    return [GEOMETRY_TYPE_NAMES[kind] for kind in sorted(set(held[held >= 0].tolist()))] or \
        ["Unknown"]


def _kind_fits(geometry_type: str, spec: LayerSpec) -> bool:
    """Whether a layer of GDAL's `geometry_type` ("Point Z", "MultiLineString", "Unknown" for
    mixed) may feed `spec`: a point layer points, a line layer lines, and so on.

    >>> from layers import get_layer
    >>> hydrants = get_layer("hydrants")
    >>> _kind_fits("Point Z", hydrants), _kind_fits("LineString", hydrants)
    (True, False)
    """
    if not spec.is_spatial or not geometry_type or "Unknown" in geometry_type:
        return True
    base = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon",
            "Point": "Point", "LineString": "LineString", "Polygon": "Polygon"}
    return base.get(geometry_type.split()[0]) == base[spec.geometry]


def _refuse_mixed_crs(path: Path, declared: dict[str, str | None]) -> None:
    """A union layer reads every layer as if in the first's coordinate system: layers in
    different ones cannot be read as one."""
    systems: list[tuple[pyproj.CRS | None, list[str]]] = []
    for name, crs_text in declared.items():
        crs = pyproj.CRS.from_user_input(crs_text) if crs_text else None
        same = next((names for known, names in systems if known == crs), None)
        if same is None:
            systems.append((crs, [name]))
        else:
            same.append(name)
    if len(systems) > 1:
        listed = "; ".join(f"{', '.join(names)}: {_crs_name(crs)}" for crs, names in systems)
        raise InvalidInput(f"{path.name}: its layers are in different coordinate systems "
                           f"({listed}), and cannot be read as one. Load them one at a time "
                           "with --layer, the first as a replace and the others with --mode "
                           "append.")


def _crs_name(crs: pyproj.CRS | None) -> str:
    if crs is None:
        return "none declared"
    code = crs.to_epsg(min_confidence=100)
    return f"EPSG:{code}" if code else crs.name


def _write_union(vrt: Path, members: list[Member], features: int,
                 open_options: dict[str, str]) -> None:
    """The VRT of one union layer named '*' over `members`, in their order."""
    root = ElementTree.Element("OGRVRTDataSource")
    union = ElementTree.SubElement(root, "OGRVRTUnionLayer", name=ALL_AS_ONE)
    for source, name in members:
        member = ElementTree.SubElement(union, "OGRVRTLayer", name=name)
        ElementTree.SubElement(member, "SrcDataSource").text = \
            source if source.startswith("/vsi") else str(Path(source).resolve())
        if open_options:
            options = ElementTree.SubElement(member, "OpenOptions")
            for key, value in open_options.items():
                ElementTree.SubElement(options, "OOI", key=key).text = value
        ElementTree.SubElement(member, "SrcLayer").text = name
    # said, so that GDAL need not read every layer to count them for the progress bar
    ElementTree.SubElement(union, "FeatureCount").text = str(features)
    ElementTree.ElementTree(root).write(vrt, encoding="utf-8", xml_declaration=True)
