"""What GDAL opens for a file as it comes, or a scratch copy when it cannot read it so.

`dataset_in` names the dataset: the file, or the one inside a zip (read in place, never
extracted; urbanmap's own export sidecars in it are no dataset). `readable` then makes a
copy, for the load only, of the kinds of file agencies send often enough that refusing them
would help no one:

- a CSV or GeoJSON in another encoding than UTF-8 (Excel's plain "CSV" on a Vietnamese
  Windows is cp1258). GDAL recodes Shapefiles and DBF only, and pyogrio streams Arrow from
  UTF-8 text only, so such a file could not be read at all; the copy is UTF-8 in NFC,
  written line by line (memory stays flat), with a CSV's .prj and .csvt.
- a Shapefile without its .shx, the index of the .shp, which GDAL rebuilds from the .shp
  (SHAPE_RESTORE_SHX), but only beside it: in the sender's folder, or inside a zip it
  cannot write.
- a sheet of an Excel or LibreOffice workbook, copied as a CSV from its heading row down
  (loaders/tables.py), with a .prj beside the workbook if there is one; and a CSV whose
  column names are not its first line (a title above them, as Excel saves an office
  sheet), copied from its heading row down.
- GeoParquet, which this GDAL does not read (loaders/geoparquet.py), and a CAD drawing
  loaded into a point layer, its blocks as points (loaders/cad_blocks.py): GeoPackages.
- with `--layer '*'`, a file of several layers (a My Maps KML, a GeoPackage) or a zip of a
  Shapefile, GeoJSON or FlatGeobuf a ward: not a copy but a VRT reading its layers of the
  target's kind as one (loaders/layer_choice.py).

For the whole load, a DXF saved by AutoCAD 2007 or later is read as the UTF-8 it is
(`cad.reading_config`).

A Shapefile without its .dbf is refused instead: its attributes are gone, and a replace
would empty every field of the layer. So is --encoding for a format that keeps its text in
UTF-8 (GeoPackage, FlatGeobuf, workbooks) or says its encoding itself (KML, GML), unless it
names a Vietnamese set (loaders.charsets): such text was typed in .VnTime or VNI fonts and
read as another set, and the load decodes it again from what GDAL read. So is an Excel
97-2003 workbook (.xls), which GDAL reads only when built with FreeXL.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geo.errors import InvalidInput
from geo.export_part import METADATA_SUFFIX
from layers import LayerSpec
from loaders import cad, cad_blocks, charsets, geoparquet
from loaders.all_sheets import all_as_csv
from loaders.day_sheets import days_as_csv
from loaders.layer_choice import ALL_AS_ONE, is_pattern, named_by, names_of, union_of
from loaders.parts import Parts, code_page, in_zip, member_name
from loaders.tables import (
    COPY_SEPARATOR,
    SEPARATORS,
    SPREADSHEET_SUFFIXES,
    csv_from_heading,
    csv_shape,
    data_sheets,
    sheet_as_csv,
)

DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".csv",
                    ".gml", ".tab", ".mif", ".sqlite", ".xlsx", ".ods", ".xls", ".dxf", ".dwg",
                    ".gpx", ".parquet")
KNOWN_VIETNAMESE = ("cp1258 for Windows Vietnamese, tcvn3 for the ABC fonts (.VnTime), "
                    "vni for the VNI fonts")
ENCODING_HINT = (f"Pass the file's encoding with --encoding ({KNOWN_VIETNAMESE}; utf-8, "
                 "latin1), or add a .cpg file beside a .shp naming it.")
TEXT_FORMATS = (".csv", ".geojson", ".json")  # GDAL reads them as UTF-8 only
# Tables Excel saves as text, "Text (Tab delimited)" and "Unicode Text" (UTF-16, the way
# to keep Vietnamese before Excel wrote CSV in UTF-8): tab-separated CSVs by another name
TAB_TEXT = (".txt", ".tsv")
# What urbanmap's export puts beside a Shapefile in its zip: no dataset to load
EXPORT_SIDECARS = (".fields.csv", METADATA_SUFFIX)
# Files of one layer each that a zip may hold a ward each, read as one with --layer '*': all
# of one kind, since a Shapefile's text may need decoding that a GeoJSON's must not get
ONE_LAYER_KINDS = {".shp": "Shapefiles", ".geojson": "GeoJSON", ".json": "GeoJSON",
                   ".fgb": "FlatGeobuf"}
CSV_SIDECARS = (".prj", ".csvt")
MAPINFO_PARTS = {".tab": (".tab", ".dat", ".map", ".id", ".ind"), ".mif": (".mif", ".mid")}
_MAPINFO_CHARSET = re.compile(r'(?im)^(\s*!?(?:Type\s+NATIVE\s+)?charset\s+)("?)[\w-]+("?)')
SHAPEFILE_PARTS = (".shp", ".dbf", ".prj", ".cpg")  # copied to rebuild the .shx beside them
# Formats GDAL reads only when built with a library Debian's GDAL lacks: what to save as.
SAVE_AS_ANOTHER = {
    ".xls": "an Excel 97-2003 workbook (.xls), which urbanmap does not read: open it in Excel "
            "or LibreOffice, save it as an Excel Workbook (.xlsx), and load that.",
    ".dwg": "an AutoCAD drawing (.dwg), which GDAL reads only when built with a CAD library: "
            "save it as DXF (AutoCAD: Save As, AutoCAD DXF) and load that, with --crs for its "
            "coordinate system (CAD files say none), e.g. --crs vn2000-hcm.",
}
_DAMAGED_ZIP = ("{name} is not a readable zip archive (truncated or damaged?). Re-create it "
                "and load again.")


# How the loader writes a table's copy (loaders.tables): said, not guessed from its heading
COPY_OPTIONS = {"SEPARATOR": SEPARATORS[COPY_SEPARATOR.encode()]}


@dataclass
class Readable:
    """The file as given or its copy, what GDAL opens of it (the file, or the dataset in a
    zip), the encoding to open it in, and what was done to make it so."""

    path: Path
    dataset: str
    encoding: str | None
    notes: list[str] = field(default_factory=list)
    named: str | None = None  # the encoding the file was said to be in (--encoding), if any
    # Where a table may write a value for all its rows: its title, its sheet's name
    places: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)  # GDAL's, to open it: a separator
    # The format beneath a union of the file's layers (`--layer '*'`), which GDAL reads
    # through a VRT: a KML's placemarks still have their own columns.
    driver: str | None = None
    # What the .cpg beside a Shapefile says its text is in ("1258", "UTF-8"), read in a zip
    # too: GDAL would read it itself, and decode cp1258 wrong (files._gdal_encoding).
    code_page: str | None = None
    # A union's layers and their feature counts, in its order (`layer_choice.ids_by_position`)
    members: tuple[tuple[str, int], ...] = ()


@contextmanager
def readable(path: Path, encoding: str | None, spec: LayerSpec,
             layer_hint: str | None = None) -> Iterator[Readable]:
    """`path` as GDAL can read it, for the length of the block (see the module's text)."""
    dataset = dataset_in(path, layer_hint)
    with tempfile.TemporaryDirectory(prefix="urbanmap-load-") as scratch:
        with _zip_read(path, dataset):
            config = _drawing_config(path, dataset)
        with cad.gdal_config(config):  # for every read of the load
            with _zip_read(path, dataset):
                copy = _copy_if_needed(path, dataset, encoding, spec, layer_hint, Path(scratch))
                file = copy or Readable(path, dataset, encoding)
                said = file.code_page or code_page(file.path, file.dataset)
            yield replace(file, named=encoding, code_page=said)


@contextmanager
def _zip_read(path: Path, dataset: str) -> Iterator[None]:
    """zipfile's errors reading a member out of `path`, as the message that it is damaged."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
        if dataset == str(path):  # not a member copied out of a zip: not zipfile's
            raise
        # NotImplementedError: zipfile's word for a compression only other tools write
        raise InvalidInput(_DAMAGED_ZIP.format(name=path.name)) from None


def _drawing_config(path: Path, dataset: str) -> dict[str, str]:
    """How GDAL is to read a DXF (its encoding: `cad.reading_config`); nothing for others."""
    if PurePosixPath(dataset).suffix.lower() != ".dxf":
        return {}
    with Parts(path, dataset) as parts, parts.head() as head:
        return cad.reading_config(head.read(1 << 16))


def _copy_if_needed(path: Path, dataset: str, encoding: str | None, spec: LayerSpec,
                    layer_hint: str | None, scratch: Path) -> Readable | None:
    if dataset == in_zip(path):
        return _files_as_one(path, encoding, spec, scratch, str(layer_hint))
    kind = PurePosixPath(dataset).suffix.lower()
    recode, vietnamese = _recoding(encoding)
    if recode and not vietnamese and kind not in (*TEXT_FORMATS, *TAB_TEXT, ".shp", ".dbf"):
        raise InvalidInput(f"--encoding is for Shapefiles, CSV and GeoJSON, and for text typed "
                           f"in a Vietnamese set ({KNOWN_VIETNAMESE}); a {kind} file keeps its "
                           "text in UTF-8 or says its encoding itself. Load it without "
                           "--encoding.")
    if kind in SAVE_AS_ANOTHER:
        raise InvalidInput(f"{PurePosixPath(dataset).name} is {SAVE_AS_ANOTHER[kind]}")
    if kind in SPREADSHEET_SUFFIXES:
        typed_in = encoding if vietnamese else None  # cells typed in .VnTime, say
        return _sheet_copy(path, dataset, typed_in, spec, layer_hint, scratch)
    union = union_of(path, [dataset], spec, scratch, layer_hint) \
        if is_pattern(layer_hint) else None
    if union:
        return Readable(path, str(union.vrt), encoding, union.notes, driver=union.driver,
                        members=union.members)
    if vietnamese and kind in MAPINFO_PARTS:
        with Parts(path, dataset) as parts:
            copy = scratch / parts.name
            parts.copy(MAPINFO_PARTS[kind], copy)
        _mapinfo_as_latin1(copy)
        return Readable(copy, str(copy), encoding)
    if kind in CONVERTED:
        return CONVERTED[kind](path, dataset, encoding, spec, scratch)
    if kind in (*TEXT_FORMATS, *TAB_TEXT):
        return _text_copy(path, dataset, encoding, spec, scratch)
    return _shapefile_copy(path, dataset, encoding, scratch) if kind == ".shp" else None


def _refuse_without_dbf(parts: Parts) -> None:
    if ".dbf" not in parts.suffixes:
        raise InvalidInput(
            f"{parts.name} comes without {parts.stem}.dbf, which holds its attributes. A "
            "Shapefile is several files with one name (.shp, .shx, .dbf, and .prj for its "
            "coordinate system): put them all beside each other, or zip them together.")


def _shapefile_copy(path: Path, dataset: str, encoding: str | None,
                    scratch: Path) -> Readable | None:
    """A Shapefile without its .shx, copied to rebuild it; one without its .dbf refused."""
    with Parts(path, dataset) as parts:
        copy = scratch / parts.name
        _refuse_without_dbf(parts)
        if ".shx" not in parts.suffixes:
            parts.copy(SHAPEFILE_PARTS, copy)
            _rebuild_shx(copy)
            rebuilt = f"{parts.stem}.shx was missing; rebuilt from {parts.name}"
            return Readable(copy, str(copy), encoding, [rebuilt])
    return None


def _files_as_one(path: Path, encoding: str | None, spec: LayerSpec, scratch: Path,
                  pattern: str) -> Readable:
    """A zip of a file per ward (Shapefiles, GeoJSON or FlatGeobuf), those `pattern` names
    read as one through a union (`--layer '*'`, `--layer '*/duong.shp'`).

    Shapefiles are opened with the encoding they are read in: the one named, or the one
    their .cpg files agree on. GDAL would read each .cpg itself and decode cp1258 wrong
    (files._gdal_encoding), so Shapefiles in a Vietnamese set are opened as Latin-1, their
    text decoded after, as a single Shapefile's is.
    """
    sources = [in_zip(path, name) for name in _datasets(path, pattern)]
    if not sources[0].lower().endswith(".shp"):  # text in UTF-8: read as a GeoPackage's is
        _refuse_unless_utf8(path, sources)
        union = union_of(path, sources, spec, scratch, pattern)
        assert union, "several files are several layers (`dataset_in`)"
        return Readable(path, str(union.vrt), encoding, union.notes, driver=union.driver,
                        members=union.members)
    for source in sources:
        with Parts(path, source) as parts:
            _refuse_without_dbf(parts)
    said = encoding or _agreed_code_page(path, sources)
    opened_as = "ISO-8859-1" if said and charsets.vietnamese_set(said) else said
    union = union_of(path, sources, spec, scratch, pattern,
                     {"ENCODING": opened_as} if said else None)
    assert union, "several files are several layers (`dataset_in`)"
    return Readable(path, str(union.vrt), None, union.notes, driver=union.driver,
                    code_page=said, members=union.members)


def _refuse_unless_utf8(path: Path, sources: list[str]) -> None:
    """GeoJSON files read as one are read as GDAL reads them, in UTF-8 only: one in another
    encoding would need a copy of its own (`_text_copy`), which a union does not make."""
    for source in sources:
        with Parts(path, source) as parts:
            if parts.suffix in TEXT_FORMATS and not parts.is_utf8():
                raise InvalidInput(
                    f"{path.name}: {member_name(path, source)} is not in UTF-8, and GeoJSON "
                    "files are read as one only in UTF-8. Save them in UTF-8 (QGIS: Export, "
                    "Save Features As, Encoding UTF-8), or load them one at a time with "
                    "--layer and --encoding, the first as a replace and the others with "
                    "--mode append.")


def _agreed_code_page(path: Path, sources: list[str]) -> str | None:
    """The Vietnamese set the .cpg files of a zip's Shapefiles name, if they agree on one;
    None when none names one (GDAL decodes each as its .cpg says)."""
    pages = {source: page for source in sources if (page := code_page(path, source))}
    sets = {charsets.vietnamese_set(page) for page in pages.values()}
    if len(sets) > 1:
        listed = "; ".join(f"{member_name(path, source)}: {page}"
                           for source, page in pages.items())
        raise InvalidInput(f"{path.name}: its Shapefiles' .cpg files name different encodings "
                           f"({listed}), so they cannot be read as one. Save them in one "
                           "encoding, or load them one at a time with --layer, the first as a "
                           "replace and the others with --mode append.")
    return sets.pop() if sets else None


def _recoding(encoding: str | None) -> tuple[bool, bool]:
    """Whether text said to be in `encoding` needs decoding into UTF-8, and whether it is
    in one of the Vietnamese sets (`loaders.charsets`), decoded after GDAL has read it."""
    recode = encoding is not None and not _is_utf8(encoding)
    return recode, recode and charsets.canonical(encoding) in charsets.VIETNAMESE


def _text_copy(path: Path, dataset: str, encoding: str | None, spec: LayerSpec,
               scratch: Path) -> Readable:
    """A CSV, GeoJSON or text table as GDAL reads it: in UTF-8 (GDAL reads them in nothing
    else), a text table under a .csv name, and from its heading down (`_below_title`); the
    file as it is where nothing of this is needed."""
    recode, vietnamese = _recoding(encoding)
    with Parts(path, dataset) as parts:
        text_table = parts.suffix in TAB_TEXT
        copy, notes = scratch / parts.name, []
        if text_table:  # GDAL reads a table by a .csv name only; messages name the file
            copy = copy.with_suffix(".csv")
        if encoding is None and parts.is_utf16():  # the byte order mark says so
            encoding, recode, vietnamese = "utf-16", True, False
            notes.append(f"{parts.name} is in UTF-16: read as such")
        # A text file in UTF-8 said to be in a Vietnamese set was converted once without it:
        # it is read as it is, and its text decoded again after (files._gdal_encoding).
        converted = encoding is not None and recode and not (vietnamese and parts.is_utf8())
        if converted:
            parts.copy(CSV_SIDECARS, copy)
            _write_utf8(parts, encoding, copy)
        elif text_table:
            parts.copy(CSV_SIDECARS, copy)
            with parts.head() as source, copy.open("wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        else:
            return _below_title(Readable(path, dataset, encoding), spec, scratch,
                                encoding if vietnamese else None)
    options = _tab_separated(copy) if text_table else {}
    file = Readable(path if text_table else copy, str(copy), None if converted else encoding,
                    notes, options=options)
    return _below_title(file, spec, scratch, encoding if vietnamese and not converted else None)


def _tab_separated(copy: Path) -> dict[str, str]:
    """GDAL's option naming the tab as a text table's separator, when its first line has
    one; else none, for GDAL's guess (a surveyor's list may be separated by spaces)."""
    with copy.open("rb") as start:
        return {"SEPARATOR": "TAB"} if b"\t" in start.readline() else {}


def _parquet_copy(path: Path, dataset: str, encoding: str | None, spec: LayerSpec,
                  scratch: Path) -> Readable:
    """GeoParquet, which this GDAL does not read, as a GeoPackage (`geoparquet`)."""
    with Parts(path, dataset) as parts:
        parquet = Path(dataset)
        if parts.archive:  # pyarrow reads a file, not a zip's member
            parquet = scratch / "parquet" / parts.name
            parquet.parent.mkdir()
            parts.copy((parts.suffix,), parquet)
        copy = geoparquet.geopackage_copy(parquet, parts.name,
                                          scratch / "from-parquet" / f"{parts.stem}.gpkg")
    return Readable(path, str(copy), encoding)


def _drawing_copy(path: Path, dataset: str, encoding: str | None, spec: LayerSpec,
                  scratch: Path) -> Readable | None:
    """A drawing loaded into a point layer, its blocks as points (`cad_blocks`); None for a
    layer of areas or lines, which reads the drawing as it is."""
    points = cad_blocks.points_copy(dataset, scratch) if spec.geometry == "Point" else None
    return Readable(path, str(points[0]), encoding, points[1]) if points else None


# Formats read by another library than GDAL, or as GDAL does not read them by default
CONVERTED = {".parquet": _parquet_copy, ".dxf": _drawing_copy}


def _sheet_copy(path: Path, dataset: str, typed_in: str | None, spec: LayerSpec,
                layer_hint: str | None, scratch: Path) -> Readable:
    """A workbook's sheet as a CSV (`tables.sheet_as_csv`), or its sheets of a day each as one
    (`loaders.day_sheets`), with the workbook's .prj."""
    with Parts(path, dataset) as parts:
        workbook = dataset
        if parts.archive:  # a workbook is a zip itself, which GDAL cannot open in a zip
            workbook = str(scratch / "workbook" / parts.name)
            Path(workbook).parent.mkdir()
            parts.copy((parts.suffix,), Path(workbook))
        sheets = data_sheets(parts.name, workbook)
        if is_pattern(layer_hint):
            sheets, layer_hint = _named_sheets(parts.name, sheets, str(layer_hint))
        if layer_hint == ALL_AS_ONE:
            csv, table = all_as_csv(parts.name, workbook, spec, sheets, scratch, typed_in)
        else:
            csv, table = days_as_csv(parts.name, workbook, spec, sheets, layer_hint, scratch,
                                     typed_in) or \
                sheet_as_csv(parts.name, workbook, spec, layer_hint, scratch, typed_in, sheets)
        parts.copy((".prj",), csv)  # beside the workbook: the CRS of x/y columns
    return Readable(path, str(csv), typed_in, table.notes, places=table.places,
                    options=COPY_OPTIONS)


def _named_sheets(workbook: str, sheets: list[str], pattern: str) -> tuple[list[str], str]:
    """The sheets a pattern names (`--layer 'Phường*'`), and the sheet to read: '*' for all
    of them as one, or the one named."""
    named = [sheet for sheet in sheets if named_by(pattern, sheet)]
    if not named:
        raise InvalidInput(f"{workbook}: --layer {pattern!r} names none of its sheets with "
                           f"data: {', '.join(sheets)}.")
    return named, ALL_AS_ONE if len(named) > 1 else named[0]


def _below_title(file: Readable, spec: LayerSpec, scratch: Path,
                 typed_in: str | None = None) -> Readable:
    """A CSV from its heading down, in a copy, when a title sits above its column names;
    else the file as it is (so any file but a CSV). `typed_in`: the Vietnamese set its text
    is still to be decoded from (files._gdal_encoding), which the copy keeps."""
    if PurePosixPath(file.dataset).suffix.lower() != ".csv":
        return file
    copy = scratch / "from-heading" / PurePosixPath(file.dataset).name
    copy.parent.mkdir()
    file = _shaped(file, scratch)
    try:
        table = csv_from_heading(file.dataset, spec, copy, typed_in, file.options)
    except (DataSourceError, DataLayerError, UnicodeDecodeError):
        return file  # as it is: opening it says what is wrong in the usual words
    if table is None:
        return file
    with Parts(file.path, file.dataset) as parts:
        parts.copy((".prj",), copy)
    return Readable(file.path, str(copy), typed_in, file.notes + table.notes,
                    places=table.places, options=COPY_OPTIONS)


def _shaped(file: Readable, scratch: Path) -> Readable:
    """A CSV as GDAL can read it when its first line, a title without separators or a
    one-column heading, would mislead GDAL (`tables.csv_shape`): its separator named, and
    the title padded to the table's width in a copy (the rest copied as it is)."""
    with Parts(file.path, file.dataset) as parts, parts.head() as head:
        start = head.read(1 << 16)
        shape = csv_shape(start)
        if shape is None:
            return file
        if not shape.width:
            return replace(file, options=shape.options)
        padded = scratch / "padded" / parts.name
        padded.parent.mkdir()
        with padded.open("wb") as out:
            out.write(shape.padded(start))
            shutil.copyfileobj(head, out, 1 << 20)
        parts.copy((".prj",), padded)
    return replace(file, path=padded, dataset=str(padded), options=shape.options)


def dataset_in(path: Path, layer_hint: str | None) -> str:
    """What GDAL should open: the path itself, or the dataset inside a zip (never extracted)."""
    if not path.exists():
        raise InvalidInput(f"{path} does not exist.")
    if path.suffix.lower() == ".kmz":
        return _kmz_dataset(path)
    if path.suffix.lower() != ".zip":
        return str(path)
    datasets = _datasets(path, layer_hint)
    kinds = {ONE_LAYER_KINDS.get(PurePosixPath(n).suffix.lower()) for n in datasets}
    one_kind = len(datasets) > 1 and len(kinds) == 1 and None not in kinds
    if one_kind and is_pattern(layer_hint):
        return in_zip(path)  # its files, read as one (`_files_as_one`)
    if len(datasets) != 1:
        found = ", ".join(datasets) or "none"
        all_as_one = (f", or read them all as one with --layer '{ALL_AS_ONE}'" if one_kind
                      else f" (--layer {layer_hint!r} reads a zip's files as one when all are "
                      f"{' or all '.join(dict.fromkeys(ONE_LAYER_KINDS.values()))})"
                      if is_pattern(layer_hint) else "")
        raise InvalidInput(f"{path.name} should hold one dataset to load; it holds: {found}. "
                           f"Name the one you want with --layer{all_as_one}.")
    return in_zip(path, datasets[0])


def _datasets(path: Path, layer_hint: str | None) -> list[str]:
    """The datasets in the zip at `path`: those --layer names, if it names any."""
    names = _member_names(path)
    datasets = [n for n in names if n.lower().endswith(DATASET_SUFFIXES)
                and not n.lower().endswith(EXPORT_SIDECARS)] + _geodatabases(names)
    if not layer_hint:
        return datasets
    named = [n for n in datasets if _named(path, n, layer_hint)]
    if is_pattern(layer_hint) and not named and len(datasets) > 1:
        raise InvalidInput(f"{path.name}: --layer {layer_hint!r} names none of its files: "
                           f"{', '.join(datasets)}.")
    return named or datasets


def _named(path: Path, member: str, wanted: str) -> bool:
    """Whether --layer names a dataset of the zip at `path`, by its path in it or its file
    name, with or without the suffix; or by a pattern matching one of them."""
    names = names_of(path, in_zip(path, member), PurePosixPath(member).stem)
    return wanted in names or (is_pattern(wanted) and named_by(wanted, *names))


def _geodatabases(names: list[str]) -> list[str]:
    """The File Geodatabases in a zip, as ArcGIS users send one (its .gdb folder zipped): the
    folders holding their tables, "" for tables zipped without their folder. GDAL reads
    either in place.

    >>> _geodatabases(["quan7.gdb/", "quan7.gdb/gdb", "quan7.gdb/a00000001.gdbtable",
    ...                "quan7.gdb/a00000001.gdbtablx", "doc/ghi_chu.pdf"])
    ['quan7.gdb']
    """
    return sorted({posixpath.dirname(n) for n in names if n.lower().endswith(".gdbtable")})


def _member_names(path: Path) -> list[str]:
    """The names in a zip archive, refused if it is damaged or a name points outside it."""
    try:
        names = zipfile.ZipFile(path).namelist()
    except (zipfile.BadZipFile, NotImplementedError, UnicodeDecodeError):  # a damaged header's
        # "zip version 7.7" or a compression only other tools write; a name said to be UTF-8
        raise InvalidInput(_DAMAGED_ZIP.format(name=path.name)) from None
    unsafe = [name for name in names if _unsafe_member(name)]
    if unsafe:
        raise InvalidInput(f"{path.name} holds a file with an unsafe path ({unsafe[0]}) that "
                           "points outside the archive; urbanmap refuses such archives. "
                           "Re-create the zip with plain file names.")
    return names


def _kmz_dataset(path: Path) -> str:
    """A KMZ whose one KML holds the placemarks (Google Earth's "Save as KMZ", a KML
    zipped) is read as that KML inside it: read as a KMZ, GDAL loses the columns of its
    ExtendedData when they are declared by a <Schema> (SchemaData, as GDAL and QGIS write
    KML), and a hydrant would arrive without its status. A KMZ of several KMLs (GDAL's own,
    a doc.kml linking one per layer) is read as a KMZ, which follows the links."""
    kmls = [name for name in _member_names(path) if name.lower().endswith(".kml")]
    return in_zip(path, kmls[0]) if len(kmls) == 1 else str(path)


def _unsafe_member(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


def _is_utf8(encoding: str) -> bool:
    return charsets.canonical(encoding) in ("utf-8", "utf-8-sig")


def _write_utf8(parts: Parts, encoding: str, copy: Path) -> None:
    try:
        with parts.text(encoding) as source, \
                copy.open("w", encoding="utf-8", newline="") as target:
            for line in source:
                target.write(unicodedata.normalize("NFC", line))
    except LookupError:
        raise InvalidInput(f"{encoding!r} is not an encoding urbanmap knows; give "
                           f"{KNOWN_VIETNAMESE}.") from None
    except UnicodeError as exc:  # a byte the encoding has no character for, or no BOM
        raise InvalidInput(f"{parts.name} is not in {encoding} "
                           f"({getattr(exc, 'reason', exc)}). {ENCODING_HINT}") from None


def _mapinfo_as_latin1(header: Path) -> None:
    """Make a MapInfo table's header (.tab or .mif) say its text is Latin-1, which maps every
    byte. Told a Vietnamese set (--encoding), the load decodes the text again from the bytes
    GDAL read; but a table saying "Neutral" would reach it undecoded (not UTF-8, refused),
    "WindowsLatin1" would lose the five bytes Windows-1252 lacks, and "WindowsVietnamese" the
    last letter of each value (OSGeo/gdal#2045)."""
    text = header.read_bytes().decode("latin1")  # the header is ASCII; the rest kept as is
    said, count = _MAPINFO_CHARSET.subn(r"\g<1>\g<2>ISO8859_1\g<3>", text)
    if not count:  # no charset said (MapInfo 3): say it after the first line
        line = "!charset ISO8859_1" if header.suffix == ".tab" else 'Charset "ISO8859_1"'
        said = re.sub(r"^(.*\n)", lambda first: first.group(1) + line + "\n", text, count=1)
    header.write_bytes(said.encode("latin1"))


def _rebuild_shx(shp: Path) -> None:
    pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": "YES"})
    try:
        pyogrio.read_info(shp)  # opening it is what writes the .shx
    finally:
        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": None})
