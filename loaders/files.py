"""Load a layer from a file GDAL reads: Shapefile (also zipped), GeoPackage, GeoJSON, KML,
File Geodatabase (also zipped), FlatGeobuf, CSV with lon/lat or WKT columns, workbooks'
sheets (.xlsx, .ods) as CSV, and DXF.

The file is opened once to learn its layer, coordinate system and extent, and refused with
a message if those do not add up; then it is streamed in Arrow batches, so memory stays
bounded whatever the file's size.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import pyproj
from pyogrio.errors import DataLayerError, DataSourceError
from sqlalchemy import Engine

from geo.crs import canonical_crs, coordinate_problem, resolve_crs
from geo.errors import InvalidInput
from layers import LayerSpec, get_layer
from layers.spec import Field
from loaders import cad, charsets, stated
from loaders.batches import BATCH_ROWS
from loaders.export_origin import exported_part
from loaders.gdal_said import gdal_said
from loaders.geometry import Stored, storage_wkb, z_values
from loaders.kml_description import DESCRIPTION, columns_in, with_columns
from loaders.layer_choice import ids_by_position, pick_layer
from loaders.mapping import (
    WKT_COLUMNS,
    ColumnMapping,
    apply_mapping,
    coordinate_axis,
    match_columns,
    names_vn2000,
)
from loaders.pipeline import LOAD_MODES, QUIET, Chunk, LoadMode, Progress, load_chunks
from loaders.readable import ENCODING_HINT, TEXT_FORMATS, Readable, readable
from loaders.report import LoadReport
from loaders.update import attributes_only, key_field, update_features
from loaders.values import natural_ids, text_values

FILE_MODES = (*LOAD_MODES, "update")
FID_COLUMN, GEOMETRY_COLUMN = "\0fid", "\0geometry"  # no source column has these names
DBF_DATASETS = (".shp", ".dbf")  # whose text GDAL is told the encoding of (SHAPE_ENCODING)
TEXTS_CHECKED = 1_000  # a column's distinct texts looked at for a wrong character set
DESCRIPTIONS_SAMPLED = 1_000  # a KML's placemarks looked at for tables in their descriptions
# What GDAL's LIBKML driver reads from every placemark's own elements, beside its name and
# description (which hold what the sender typed): a column of each layer of every KML.
KML_PLACEMARK_COLUMNS = frozenset({"timestamp", "begin", "end", "altitudeMode", "tessellate",
                                   "extrude", "visibility", "drawOrder", "icon", "snippet"})
# KML's ExtendedData names as written ("Mã trụ"), not laundered to ASCII ("M___tr___"):
# the column mapping compares names without their diacritics by itself.
pyogrio.set_gdal_config_options({"LIBKML_LAUNDER_FIELD_NAMES": "NO"})



@dataclass(frozen=True)
class Source:
    """A readable layer inside a file, with what it says about itself."""

    path: Path
    dataset: str  # what GDAL opens: the file, or /vsizip/… inside an archive
    layer: str
    crs: pyproj.CRS | None
    features: int
    fields: tuple[str, ...]
    options: dict
    encoding: str | None  # what GDAL is told; see _gdal_encoding
    decoded_here: str | None = None  # the set the text was typed in, decoded after GDAL's read
    encoding_named: bool = False  # by --encoding: then text is not checked for a wrong set
    notes: tuple[str, ...] = ()  # what choosing it took (the only layer with features)
    # Columns the format gives every layer whatever the file holds (KML's), not listed as
    # columns not loaded: they are no column of the sender's.
    format_columns: tuple[str, ...] = ()
    # Columns read from a KML's descriptions' tables (`loaders.kml_description`)
    described: tuple[str, ...] = ()
    members: tuple[tuple[str, int], ...] = ()  # a union's layers and their feature counts

    @property
    def name(self) -> str:
        return self.path.name


def open_source(file: Readable, spec: LayerSpec, layer: str | None = None,
                crs: str | None = None) -> Source:
    """Inspect the file and refuse it early if its layer, geometry or CRS will not do."""
    path, dataset = file.path, file.dataset
    chosen, chosen_notes = pick_layer(path, dataset, spec, layer)
    gdal_encoding, decoded_here = _gdal_encoding(file)
    try:
        raw_fields: list[str] = []  # a CSV's columns before GDAL takes the coordinates out
        options = dict(file.options)
        if dataset.lower().endswith(".csv"):
            raw_fields = list(map(str, pyogrio.read_info(dataset, layer=chosen,
                                                         encoding=gdal_encoding,
                                                         **options)["fields"]))
            options |= csv_options(raw_fields, decoded_here)
        info = pyogrio.read_info(dataset, layer=chosen, encoding=gdal_encoding,
                                 force_total_bounds=spec.is_spatial, **options)
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInput(f"GDAL cannot read {path.name}: {gdal_said(exc)}.") from None
    except UnicodeDecodeError:
        raise InvalidInput(_encoding_hint(path, dataset)) from None
    except UnboundLocalError:  # pyogrio 0.13, on a coordinate system whose text is not UTF-8
        raise InvalidInput(f"{path.name}: the text of its coordinate system (a .prj) is not "
                           "readable. Replace the .prj with a good copy, or remove it and "
                           "pass the coordinate system with --crs.") from None
    fields = _names_as_typed(info["fields"], decoded_here)
    raw_fields = _names_as_typed(raw_fields, decoded_here)
    repeated = sorted({f for f in fields if fields.count(f) > 1})
    if repeated:
        raise InvalidInput(f"{path.name} has two columns named {repeated[0]!r}: rename one, "
                           "so that each value's column is known.")
    source_crs, crs_notes = _declared_crs(info, dataset, chosen, (*fields, *raw_fields), crs)
    if spec.is_spatial:
        if not info["geometry_type"]:
            raise InvalidInput(f"{path.name} has no geometry, and {spec.id} needs one. For a "
                               "CSV or a sheet give lon and lat columns, one column of "
                               "positions as Google Maps copies them (\"10.7726, 106.7390\", "
                               "named Tọa độ), or a WKT column.")
        if info["total_bounds"] is None:  # not one coordinate in the file
            named = f"Layer {chosen!r} of {path.name}" if layer or chosen_notes else path.name
            raise InvalidInput(f"{named} has no features." if info["features"] == 0 else
                               f"{path.name}: no feature has a geometry GDAL can read "
                               f"({info['features']:,} read); {spec.id} needs them.")
        prj = Path(dataset).with_suffix(".prj")  # there, but not a CRS GDAL reads?
        unreadable = {"no_crs": f"Its {prj.name} does not describe a coordinate system."}
        problem = coordinate_problem(tuple(info["total_bounds"]), source_crs,
                                     **(unreadable if prj.exists() else {}))
        if problem:
            raise InvalidInput(f"{path.name}: {problem}")
    fields, format_columns, described = _kml_columns(file.driver or info["driver"],
                                                      dataset, chosen, fields)
    return Source(path, dataset, chosen, source_crs, int(info["features"]), fields, options,
                  gdal_encoding, decoded_here, file.named is not None,
                  (*chosen_notes, *crs_notes), format_columns, described, file.members)


def _kml_columns(driver: str, dataset: str, layer: str, fields: tuple[str, ...]
                 ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A layer's columns, those of them its format gives (KML's), and those read from its
    descriptions' tables (`loaders.kml_description`), judged by its first placemarks'."""
    if driver != "LIBKML":
        return fields, (), ()
    format_columns = tuple(f for f in fields if f in KML_PLACEMARK_COLUMNS)
    if DESCRIPTION not in fields:
        return fields, format_columns, ()
    _, table = pyogrio.read_arrow(dataset, layer=layer, columns=[DESCRIPTION],
                                  read_geometry=False, max_features=DESCRIPTIONS_SAMPLED)
    described = columns_in(table.column(DESCRIPTION).to_pylist(), fields)
    if not described:
        return fields, format_columns, ()
    # the description is read as its table's columns: it is no column left out
    return (*fields, *described), (*format_columns, DESCRIPTION), described


def _names_as_typed(names, typed_in: str | None) -> tuple[str, ...]:
    return tuple(charsets.redecoded(str(n), typed_in) for n in names)


def csv_options(columns: list[str], typed_in: str | None = None) -> dict[str, str]:
    """GDAL's options for a CSV with these columns: which ones hold its coordinates.

    GDAL finds a coordinate column only by a name it is given, compared as written but for
    ASCII case; so the columns are matched here by key (as typed in `typed_in`, a Vietnamese
    set the names are still to be decoded from), and named to GDAL as they are.

    >>> csv_options(["Mã trụ", "Kinh độ", "Vĩ độ"])["X_POSSIBLE_NAMES"]
    'Kinh độ,x'
    """
    def named(axis: str, fallback: str) -> str:
        found = [c for c in columns if "," not in c and
                 coordinate_axis(charsets.redecoded(c, typed_in)) == axis]
        return ",".join([*found, fallback])  # the option is a comma-separated list

    return {"X_POSSIBLE_NAMES": named("lon", "x"), "Y_POSSIBLE_NAMES": named("lat", "y"),
            "GEOM_POSSIBLE_NAMES": ",".join(WKT_COLUMNS), "KEEP_GEOM_COLUMNS": "NO"}


def _gdal_encoding(file: Readable) -> tuple[str | None, str | None]:
    """The encoding to hand GDAL, and the Vietnamese set to decode its text from, if any.

    GDAL's cp1258 conversion is stateful and never flushed, so it drops the last character
    of every name and value (OSGeo/gdal#2045); TCVN3 and VNI it does not know at all
    (loaders.charsets). A Shapefile in one is read as Latin-1, which maps every byte; other
    formats as GDAL decodes them (MapInfo's and DXF's "ANSI" as Windows-1252, GeoPackage as
    UTF-8: such a file was converted from one typed in the set without saying so). Either
    way the text is decoded again here, from the bytes it was read from.
    """
    declared = file.encoding or file.code_page
    name = charsets.vietnamese_set(declared) if declared else None
    if not name:  # GDAL's to read, or to say it cannot
        return file.encoding, None
    return ("latin1" if file.dataset.lower().endswith(DBF_DATASETS) else None), name


def _declared_crs(info: dict, dataset: str, layer: str, fields: tuple[str, ...],
                  override: str | None) -> tuple[pyproj.CRS | None, list[str]]:
    """The file's CRS, and a note when only its column names said it."""
    if override:
        return resolve_crs(override), []
    if info["crs"]:
        return canonical_crs(_full_crs(info["crs"], dataset, layer)), []
    coordinates = [f for f in fields if coordinate_axis(f)]
    if info["driver"] == "CSV" and {coordinate_axis(f) for f in coordinates} == {"lon", "lat"}:
        # Columns named longitude and latitude are degrees: of WGS 84, unless they say
        # VN-2000, which puts District 7 some 225 m away.
        if any(names_vn2000(f) for f in coordinates):
            return resolve_crs("EPSG:4756"), [
                "longitudes and latitudes read as VN-2000 (EPSG:4756), as their column names "
                "say; --crs EPSG:4326 if they are WGS 84"]
        return pyproj.CRS.from_epsg(4326), []
    return None, []


def _full_crs(declared: str, dataset: str, layer: str) -> pyproj.CRS:
    """The layer's CRS with any datum shift the file carries.

    pyogrio names a CRS by its EPSG code when GDAL can identify one, and that identification
    ignores TOWGS84: a VN-2000 file written as "UTM 48N + towgs84" would come back as plain
    WGS 84 / UTM 48N, 225 m off. ogrinfo prints the whole definition, so it is asked.
    """
    crs = pyproj.CRS.from_user_input(declared)
    ogrinfo = shutil.which("ogrinfo")
    if not declared.upper().startswith("EPSG:") or ogrinfo is None:
        return crs
    # Field names follow the WKT, in the file's own encoding: only the WKT must be text.
    listing = subprocess.run([ogrinfo, "-ro", "-so", "-nomd", dataset, layer],
                             capture_output=True, text=True, errors="replace",
                             timeout=60).stdout
    match = re.search(r"Layer SRS WKT:\n(.*?)\n(?:Data axis|\S+:)", listing, re.DOTALL)
    if match:
        full = pyproj.CRS.from_wkt(match.group(1))
        if full.is_bound:
            return full
    return crs


def read_chunks(source: Source, spec: LayerSpec, mapping: ColumnMapping,
                notes: list[str] | None = None) -> Iterator[Chunk]:
    """The file's features in batches, mapped to the layer's fields and in the storage SRID;
    once all are read, what the reading changed is said in `notes`."""
    made = Counter[str]()  # what storing the geometries took (`Stored`'s counts)
    read = kept = 0
    coded: list[str] = []
    # Until a batch has text beyond ASCII, whose set can be told: a register's first rows
    # may all be codes and numbers.
    unchecked = not (source.decoded_here or source.encoding_named)
    drawing = None
    try:
        if cad.is_drawing(source.dataset) and spec.geometry == "MultiPolygon":
            drawing = cad.Drawing.read(source, spec, BATCH_ROWS)
        with pyogrio.open_arrow(source.dataset, layer=source.layer, encoding=source.encoding,
                                batch_size=BATCH_ROWS, use_pyarrow=True, return_fids=True,
                                read_geometry=spec.is_spatial, **source.options) as (meta, reader):
            for batch in reader:
                coded = _coded_values(batch, mapping) if read == 0 else coded
                table = _readable_batch(batch, source, spec.is_spatial)
                if source.described:
                    table = with_columns(table, source.described)
                if unchecked:
                    unchecked = not _refuse_misread_text(table, source, with_names=read == 0)
                chunk, stored = _chunk(table, source, spec, mapping, drawing)
                made.update(stored.counts() if stored else {})
                read += batch.num_rows
                kept += len(chunk[0])
                yield chunk
        if 0 <= source.features != read:  # -1: GDAL could not tell without reading
            raise InvalidInput(f"GDAL read {read:,} features of the {source.features:,} "
                               f"{source.name} says it has: it is truncated or damaged (a "
                               "Shapefile's .dbf cut short?); nothing was loaded.")
        if drawing is not None and read and not kept:  # else the layer would be emptied
            raise InvalidInput(f"{source.name} holds only text, no area: nothing was loaded. "
                               f"An area of {spec.id} is drawn as a closed polyline or a "
                               "hatch; its texts label it.")
        if notes is not None:
            notes += coded
            notes += _geometry_notes(made, [f.name for f in z_fields(spec, mapping)], spec)
            notes += drawing.notes() if drawing else []
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InvalidInput(f"GDAL stopped reading {source.name}: {gdal_said(exc)}. The file "
                           "may be truncated or damaged; nothing was loaded.") from None
    except UnicodeDecodeError:
        raise InvalidInput(_encoding_hint(source.path, source.dataset)) from None


def _encoding_hint(path: Path, dataset: str,
                   problem: str = "has text that is not in the encoding GDAL expected") -> str:
    """The message for text GDAL could not read, naming the Vietnamese set it looks typed in
    when it does, else the options there are."""
    looks = charsets.misread_message(_texts_as_latin1(dataset), "latin1")
    return f"{path.name} {problem}: {looks}" if looks else f"{path.name} {problem}. {ENCODING_HINT}"


def _texts_as_latin1(dataset: str) -> list[str]:
    """Texts from the start of a .dbf, or the lines at the start of a text file not in a zip,
    read as Latin-1 (which reads any bytes): what a set's guess is made from."""
    try:
        if dataset.lower().endswith(DBF_DATASETS):
            meta, table = pyogrio.read_arrow(dataset, encoding="latin1", read_geometry=False,
                                             max_features=TEXTS_CHECKED)
            return [*map(str, meta["fields"]), *_distinct_texts(table)]
        if dataset.lower().endswith(TEXT_FORMATS) and not dataset.startswith("/vsi"):
            with open(dataset, "rb") as text:
                return text.read(1 << 16).decode("latin1").splitlines()
    except (DataSourceError, DataLayerError, OSError):
        pass  # the message says what can be done without the guess
    return []


def _readable_batch(batch: pa.RecordBatch, source: Source, spatial: bool) -> pa.Table:
    """A batch as GDAL gives it: the feature id first, the geometry last. A field may have
    their names (a GeoJSON property "id" becomes GDAL's id column too), so they are named
    here by place, with names no field has; and text must be UTF-8, which GDAL passes on
    unchecked from formats that should be (GeoJSON)."""
    names = batch.schema.names
    names[0] = FID_COLUMN
    if spatial:
        names[-1] = GEOMETRY_COLUMN
    table = pa.Table.from_batches([batch]).rename_columns(names)
    try:
        table.validate(full=True)
    except pa.ArrowInvalid:
        raise InvalidInput(_encoding_hint(source.path, source.dataset,
                                          "has text that is not UTF-8")) from None
    # A column with a domain of coded values (ArcGIS's 1 for "Hoạt động") comes as a
    # dictionary of their descriptions: read as those, as ArcGIS shows them.
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    return table


def _coded_values(batch: pa.RecordBatch, mapping: ColumnMapping) -> list[str]:
    """Notes of the columns the load reads as their domain's descriptions (`_readable_batch`),
    judged by a batch GDAL gives."""
    used = {source.column for source in mapping.fields.values()} | {mapping.source_id}
    return [f"{field.name} read as the descriptions its domain gives the codes stored ("
            f"{', '.join([v for v in column.dictionary.to_pylist() if v is not None][:3])}), "
            "as ArcGIS shows them"
            for field, column in zip(batch.schema, batch.columns, strict=True)
            if pa.types.is_dictionary(field.type) and field.name in used]


def _refuse_misread_text(table: pa.Table, source: Source, with_names: bool) -> bool:
    """Refuse a file whose text looks typed in a Vietnamese set and read as another (an old
    ArcView .dbf saying ANSI, a MapInfo table saying WindowsLatin1, typed in .VnTime): stored
    as read, every name would be garbled ("QuËn 7"). The batch's texts (and the column names,
    `with_names`) are what is looked at (charsets.typed_in); says whether any of them has a
    letter beyond ASCII, so that the set could be told.

    The load's transaction is open when a later batch is refused: nothing is published.
    """
    as_is = "latin1" if source.dataset.lower().endswith(DBF_DATASETS) else "utf-8"
    texts = [*(source.fields if with_names else ()), *_distinct_texts(table, beyond_ascii=True)]
    refusal = charsets.misread_message(texts, as_is)
    if refusal:
        raise InvalidInput(f"{source.name}: {refusal}")
    return not all(text.isascii() for text in texts)


def _distinct_texts(table: pa.Table, beyond_ascii: bool = False) -> list[str]:
    """Each text column's distinct values, up to TEXTS_CHECKED of each (of a column with a
    letter beyond ASCII, if `beyond_ascii`)."""
    return [text for column in table.columns
            if (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)) and
            not (beyond_ascii and pc.all(pc.string_is_ascii(column)).as_py() is not False)
            for text in pc.unique(column).drop_null().to_pylist()[:TEXTS_CHECKED]]


def _geometry_notes(made: Counter[str], z_kept: list[str], spec: LayerSpec) -> list[str]:
    """What storing the file's geometries changed, for the load's notes.

    >>> for note in _geometry_notes(Counter(closed=2, far=1), [], get_layer("green_spaces")):
    ...     print(note)
    2 polygons had a ring that was not closed: closed
    1 geometry lay far outside Vietnam, or had coordinates that are not numbers: refused
    """
    def count(key: str, one: str, many: str) -> str:
        return f"{made[key]:,} {one if made[key] == 1 else many}"

    notes = []
    if made["flattened"]:
        notes.append(count("flattened", "feature", "features") + " had heights (Z): " +
                     (f"stored as {', '.join(z_kept)}" if z_kept else f"dropped, {spec.id} is 2D"))
    if made["closed"]:
        notes.append(count("closed", "polygon", "polygons") + " had a ring that was not closed: "
                     "closed")
    if made["unreadable"]:
        notes.append(count("unreadable", "geometry", "geometries") + " could not be read (too few "
                     "points, or damaged): refused")
    if made["far"]:
        notes.append(count("far", "geometry", "geometries") + " lay far outside Vietnam, or had "
                     "coordinates that are not numbers: refused")
    return notes


def _python_dates(table: pa.Table) -> pa.Table:
    """The batch with each date or time column that holds a year Python cannot (before 1 or
    after 9999: a damaged file) as text, which the field's type then reads or counts as
    unreadable; else pandas would fail on the whole file.

    >>> days = pa.array([0, -2_870_000], pa.date32())  # 1970-01-01 and a year -5888
    >>> _python_dates(pa.table({"d": days})).column("d").to_pylist()
    ['1970-01-01', '-5888-03-17']
    """
    for i, column in enumerate(table.columns):
        if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            years = pc.min_max(pc.year(column))
            if years["min"].is_valid and not 1 <= years["min"].as_py() <= years["max"].as_py() \
                    <= 9999:
                table = table.set_column(i, table.field(i).name, column.cast(pa.string()))
    return table


def _chunk(table: pa.Table, source: Source, spec: LayerSpec, mapping: ColumnMapping,
           drawing: cad.Drawing | None = None) -> tuple[Chunk, Stored | None]:
    """One batch as a chunk, and what storing its geometries took (None: the layer has none);
    a CAD drawing's batch as areas (`cad`)."""
    geometries, stored, heights = None, None, {}
    if spec.is_spatial:
        wkb = table.column(GEOMETRY_COLUMN)
        heights = {f.name: z_values(wkb) for f in z_fields(spec, mapping)}
        stored = storage_wkb(wkb, source.crs)
        geometries = stored.wkb
        table = table.drop_columns([GEOMETRY_COLUMN])
    attributes = _python_dates(table).to_pandas()
    if source.decoded_here:
        attributes = _recode_frame(attributes, source.decoded_here)
    frame = apply_mapping(attributes, mapping, spec)
    for name, values in heights.items():
        frame[name] = values
    # A feature is known by its id, else by the layer's natural key (a hydrant's code), and
    # without either (none in the file, or blank) by its position in the file (in a union, in
    # its layer). An id column may be there and blank throughout: KML's, for placemarks (as
    # Google's apps write them).
    ids = None
    for found in _ids(frame, spec):
        ids = found if ids is None else ids.where(ids.notna(), found)
        if not ids.hasnans:
            break
    if ids is None or ids.hasnans:
        by_position = pd.Series(
            ids_by_position(attributes[FID_COLUMN].to_numpy("int64"), source.members),
            index=frame.index, dtype=object)
        ids = by_position if ids is None else ids.where(ids.notna(), by_position)
    frame["source_id"] = ids
    if drawing is not None:
        fids = attributes[FID_COLUMN].to_numpy("int64")
        frame, geometries = drawing.areas_of(attributes, frame, geometries, fids)
    return (frame, geometries), stored


def _ids(frame: pd.DataFrame, spec: LayerSpec) -> Iterator[pd.Series]:
    """The rows' ids as the file gives them, then as the natural key makes them: each only
    if the one before leaves some row without."""
    if "source_id" in frame:
        yield text_values(frame["source_id"])
    natural = natural_ids(spec, frame)
    if natural is not None:
        yield natural


def z_fields(spec: LayerSpec, mapping: ColumnMapping) -> list[Field]:
    """The fields a point layer takes from Z because no column of the file gives them."""
    return [f for f in spec.fields
            if f.from_z and spec.geometry == "Point" and f.name not in mapping.fields]


def _recode_frame(frame: pd.DataFrame, encoding: str) -> pd.DataFrame:
    recoded = frame.rename(columns=lambda c: charsets.redecoded(str(c), encoding))
    for column in recoded.columns:
        if pd.api.types.is_object_dtype(recoded[column]) or \
                pd.api.types.is_string_dtype(recoded[column]):
            recoded[column] = recoded[column].map(
                lambda v: charsets.redecoded(v, encoding) if isinstance(v, str) else v)
    return recoded


def load_file(engine: Engine, layer_id: str, path: Path, *, layer: str | None = None,
              crs: str | None = None, encoding: str | None = None,
              mode: LoadMode | Literal["update"] = "replace", key: str | None = None,
              mapping_file: Path | None = None, overrides: dict[str, str] | None = None,
              constants: dict[str, str] | None = None, dry_run: bool = False,
              progress: Progress = QUIET) -> LoadReport:
    """Validate `path` and publish it into the layer in one transaction (see pipeline); in
    mode update, set the attributes of the features its rows name by `key` (see update).
    `constants`: one value of a field for every row (`--set`)."""
    spec = get_layer(layer_id)
    constants = stated.given_fields(spec, constants or {})
    if key is not None and mode != "update":
        raise InvalidInput("--key names the field an update matches features by; it goes "
                           "with --mode update.")
    read_as = attributes_only(spec) if mode == "update" else spec
    part = exported_part(Path(path), spec.id) if mode == "replace" else None
    if part:
        raise InvalidInput(f"{Path(path).name} is an urbanmap export of {part} only: replacing "
                           f"{spec.id} with it would delete every feature outside it. Load it "
                           "with --mode upsert, or --mode update to take only its attributes.")
    with readable(Path(path), encoding, spec, layer) as copy:
        source = open_source(copy, read_as, layer, crs)
        mapping = match_columns(spec, source.fields, mapping_file, overrides, constants)
        stated.check_given(spec, mapping)
        said: list[str] = []
        if mode == "update":
            key = key_field(spec, mapping, Path(path).name, key)
        else:  # an update sets the fields its file has: none is required
            places = [*copy.places, ("the file's name", Path(path).stem)]
            mapping, said = stated.with_stated_days(spec, mapping, places)
            said += [f"the file has no column for {f.name}: --map COLUMN={f.name} names one, "
                     f"--set {f.name}=VALUE gives every row one value"
                     for f in spec.fields if f.required and f.name not in mapping.fields
                     and f not in z_fields(spec, mapping)]
        report = LoadReport(spec.id, Path(path).name, f"update by {key}" if key else mode,
                            dry_run=dry_run)  # the file's name as given
        report.notes += [*copy.notes, *source.notes, *said]
        unmapped = [c for c in mapping.unmapped if c not in source.format_columns]
        if unmapped:
            report.notes.append(f"columns not loaded: {', '.join(unmapped)}")
        progress.expect(source.features if source.features >= 0 else None)  # -1: unknown
        chunks = read_chunks(source, read_as, mapping, report.notes)
        if key is not None:
            return update_features(engine, spec, chunks, report, mapping, key, progress)
        return load_chunks(engine, spec, chunks, report, mode, progress)  # type: ignore[arg-type]
