"""Whether a file is an urbanmap export of part of a layer: the features over one ward, in a
box, or matching a filter (`geo/export.py`).

An agency given one ward's hydrants edits them and sends the file back. Loaded as a replace,
the default, the layer became that ward's hydrants: every other one was deleted. The export
says what it selected in its metadata (`geo/export_package.py`), inside a GeoPackage
(`gpkg_metadata`) or a zip, or beside the file as `<name>.metadata.json`; a replace reads it
there and refuses such a file, naming the mode that fits it. A GeoJSON, FlatGeobuf, KML or
GeoParquet export downloaded alone says it in the file itself (`geo.export_part`); a CSV
sent back without its metadata cannot be told from a whole layer (a Shapefile is always a
zip with its metadata inside).
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile
import zlib
from contextlib import closing
from pathlib import Path

import pyarrow.parquet as pq
import pyogrio

from geo.export_part import GENERATOR, METADATA_SUFFIX, PARQUET_KEY, part_in, part_phrase

_GEOJSON_DESCRIPTION = re.compile(r'^\s*"description"\s*:\s*"((?:[^"\\]|\\.)*)"', re.MULTILINE)
_KML_DESCRIPTION = re.compile(r"<Document[^>]*>\s*<description>(.*?)</description>", re.DOTALL)
HEAD_BYTES = 1 << 16  # a GeoJSON's or KML's start, where the export writes its description


def exported_part(path: Path, layer_id: str) -> str | None:
    """What an urbanmap export at `path` kept of `layer_id`, e.g. "the hydrants over Phường
    Tân Phong", when it was made with a ward, a box or a filter; else None (not an export,
    an export of the whole layer, or one of other layers)."""
    metadata = _metadata(path)
    if metadata is None:  # downloaded alone: what the file says of itself
        said = _said_in_file(path)
        return said if said and said.startswith(f"the {layer_id} ") else None
    if metadata.get("generator") != GENERATOR or layer_id not in {
            layer.get("id") for layer in metadata.get("layers") or ()}:
        return None
    request, ward = metadata.get("request") or {}, (metadata.get("selection") or {}).get("ward")
    return part_phrase(layer_id, ward.get("name") if ward else None, request.get("bbox"),
                       request.get("filter"))


def _said_in_file(path: Path) -> str | None:
    """The part a GeoJSON or FlatGeobuf export names in its layer's description, a KML in
    its document's, or a GeoParquet export in its metadata (`geo.export_part`)."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".geojson", ".json"):  # GDAL writes it before the features
            found = _GEOJSON_DESCRIPTION.search(_head(path))
            return part_in(json.loads(f'"{found.group(1)}"')) if found else None
        if suffix == ".kml":  # the document's, not a placemark's
            found = _KML_DESCRIPTION.search(_head(path).split("<Placemark", 1)[0])
            return part_in(html.unescape(found.group(1))) if found else None
        if suffix == ".fgb":
            metadata = pyogrio.read_info(path)["layer_metadata"] or {}
            return part_in(metadata.get("DESCRIPTION", ""))
        if suffix == ".parquet":
            said = (pq.read_schema(path).metadata or {}).get(PARQUET_KEY)
            return said.decode("utf-8") if said else None
    except Exception:  # a damaged file fails here in any way (pyogrio raised IndexError
        # on a cut FlatGeobuf): the mark is then unread, and reading the file itself refuses
        # it in the usual words
        return None
    return None


def _head(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace") as text:
        return text.read(HEAD_BYTES)


def _metadata(path: Path) -> dict | None:
    try:
        if path.suffix.lower() == ".gpkg":
            return _in_geopackage(path)
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                inside = [n for n in archive.namelist() if n.endswith(METADATA_SUFFIX)]
                return json.loads(archive.read(inside[0])) if len(inside) == 1 else None
        beside = path.with_name(path.stem + METADATA_SUFFIX)
        return json.loads(beside.read_text(encoding="utf-8")) if beside.is_file() else None
    except (OSError, ValueError, EOFError, NotImplementedError, zipfile.BadZipFile,
            zlib.error, sqlite3.Error):
        return None  # unreadable metadata says nothing: reading the file says what is wrong


def _in_geopackage(path: Path) -> dict | None:
    """The JSON document of the GeoPackage metadata extension, opened read-only (the file is
    the sender's)."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_metadata'").fetchone():
            return None
        for (document,) in db.execute("SELECT metadata FROM gpkg_metadata "
                                      "WHERE mime_type = 'application/json'"):
            found = json.loads(document)
            if isinstance(found, dict) and found.get("generator") == GENERATOR:
                return found
    return None
