"""Running an export: every layer read in one snapshot, written, then packed with its sidecar.

What is delivered (the rule of `ExportFormat.packaged`):

- GeoPackage: `<name>.gpkg` with every layer; the sidecar is inside it, in the GeoPackage
  metadata extension (`gpkg_metadata`, scope "dataset", `application/json`), and written
  beside it as `<name>.metadata.json`; each layer's style is in `layer_styles` (QML for
  QGIS, SLD for the rest), its title and description in `gpkg_contents`.
- Shapefile, and several layers of a single-layer format: `<name>.zip` holding one file (or
  Shapefile set) per layer and `<name>.metadata.json`; for Shapefile also
  `<layer>.fields.csv`, each field's full name beside its 10-character name.
- One layer of GeoJSON, CSV, KML, FlatGeobuf or GeoParquet: the file itself, and
  `<name>.metadata.json` beside it.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import sqlite3
import uuid
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, func, select

from geo.catalog import data_versions
from geo.export import (
    ID_COLUMNS,
    ExportRequest,
    Ward,
    find_ward,
    layer_where,
    now_utc,
    stream_layer,
    xy_names,
)
from geo.export_formats import short_field_names, write_layer
from geo.export_part import GENERATOR, METADATA_SUFFIX, part_phrase, part_sentence
from geo.export_stream import BLOCK_BYTES
from geo.export_styles import kml_style_index, kml_styles, layer_look, qml, sld
from geo.schema import LAYER_TABLES, loads
from layers import LayerSpec

LICENCE = {
    "name": "Open Database License (ODbL) 1.0",
    "url": "https://opendatacommons.org/licenses/odbl/1-0/",
    "attribution": "© OpenStreetMap contributors",
    "note": "Data derived from OpenStreetMap: whoever shows or ships it credits "
            "\"© OpenStreetMap contributors\", and a database derived from it stays under "
            "the ODbL. Layers loaded from generated sample files (see each layer's "
            "last_load) are synthetic and describe nothing real.",
}
METADATA_URI = "https://github.com/urbanmap/urbanmap#gis-export"  # md_standard_uri


class Progress(Protocol):
    def start(self, layer: str, total: int) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass(frozen=True)
class Artefact:
    """What an export produced: the file to hand over, its media type and its sidecar."""

    path: Path
    media_type: str
    metadata: dict
    sidecar: Path | None  # <name>.metadata.json beside the file (None: inside the zip)


def run_export(engine: Engine, request: ExportRequest, directory: Path, stem: str | None = None,
               progress: Progress | None = None, block_bytes: int = BLOCK_BYTES) -> Artefact:
    """Export into `directory` as `<stem><suffix>` (+ `<stem>.metadata.json` when not zipped).

    Everything is read in one REPEATABLE READ, read-only transaction. The files are built in
    a hidden folder of `directory` and moved into place only when complete.
    """
    stem = stem or request.file_stem()
    work = directory / f".{stem}.{uuid.uuid4().hex[:8]}.part"
    work.mkdir(parents=True)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                conn.exec_driver_sql("SET LOCAL DateStyle = 'ISO, YMD'")
                ward = find_ward(conn, request.ward) if request.ward else None
                try:
                    written = _write_layers(conn, request, ward, work, stem, progress,
                                            block_bytes)
                except BaseException:
                    conn.invalidate()  # a COPY cut short leaves the connection unusable
                    raise
                metadata = build_metadata(conn, request, written)
        return _deliver(request, work, directory, stem, written, metadata)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class _Written:
    spec: LayerSpec
    files: list[Path]
    features: int
    names: dict[str, str] | None  # Shapefile: full name → 10-character name
    ward: Ward | None


def _write_layers(conn: Connection, request: ExportRequest, ward: Ward | None, work: Path,
                  stem: str, progress: Progress | None, block_bytes: int) -> list[_Written]:
    fmt, written = request.format, []
    for spec in request.layers:
        names = short_field_names([*ID_COLUMNS, *request.fields(spec)]) \
            if fmt.short_names else None
        path = work / (f"{stem}{fmt.suffix}" if fmt.multi_layer else f"{spec.id}{fmt.suffix}")
        counter = _Counter(progress)
        if progress is not None:
            progress.start(spec.id, _count(conn, spec, request, ward))
        stream, source = stream_layer(conn, spec, request, ward, names, counter, block_bytes)
        part = part_phrase(spec.id, ward.name if ward else None, request.bbox, request.filter)
        try:
            write_layer(fmt, stream.reader, path, spec, request.crs.crs,
                        geometry=request.coordinates != "xy", part=part)
        except Exception:
            if stream.error is not None:
                raise stream.error from None
            raise
        finally:
            source.close()
        files = sorted(p for p in work.iterdir() if p.stem == spec.id) \
            if not fmt.multi_layer else [path]
        if fmt.id == "kml":
            _finish_kml(path, spec, part)
        if names is not None:
            files.append(_field_names_file(work, spec, names))
        written.append(_Written(spec, files, counter.rows, names, ward))
    return written


class _Counter:
    def __init__(self, progress: Progress | None) -> None:
        self.rows = 0
        self.progress = progress

    def __call__(self, rows: int) -> None:
        self.rows += rows
        if self.progress is not None:
            self.progress.advance(rows)


def _count(conn: Connection, spec: LayerSpec, request: ExportRequest, ward: Ward | None) -> int:
    return int(conn.execute(select(func.count()).select_from(LAYER_TABLES[spec.id])
                            .where(layer_where(spec, request, ward))).scalar_one())


def _field_names_file(work: Path, spec: LayerSpec, names: dict[str, str]) -> Path:
    path = work / f"{spec.id}.fields.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["field", "shapefile_field", "type", "unit", "description"])
        for name, short in names.items():
            if name in ID_COLUMNS:
                writer.writerow([name, short, ID_COLUMNS[name].type, "",
                                 ID_COLUMNS[name].description])
                continue
            declared = spec.field(name)
            writer.writerow([name, short, declared.type, declared.unit or "",
                             declared.description])
    return path


def _finish_kml(path: Path, spec: LayerSpec, part: str | None) -> None:
    """Style every placemark as styles/ draws it (GDAL's KML writer has no style option):
    the layer's <Style>s after <Document>, and in each <Placemark> the <styleUrl> of the
    rule its values meet; and for an export of part of the layer, the document's
    <description> says which (`geo.export_part`). One placemark at a time, so a large file
    is never read whole."""
    look = layer_look(spec)
    styled = path.with_suffix(".styled")
    with path.open(encoding="utf-8") as source, styled.open("w", encoding="utf-8") as out:
        placemark: list[str] = []
        for line in source:
            stripped = line.lstrip()
            if placemark or stripped.startswith("<Placemark"):
                placemark.append(line)
                if stripped.startswith("</Placemark>"):
                    out.write(_styled_placemark(placemark, spec, look))
                    placemark = []
                continue
            out.write(line)
            if stripped.startswith("<Document"):
                if part:
                    out.write(f"<description>{html.escape(part_sentence(part))}</description>\n")
                out.write(kml_styles(spec) + "\n")
    styled.replace(path)


_SIMPLE_DATA = re.compile(r'<SimpleData name="([^"]+)">([^<]*)</SimpleData>')


def _styled_placemark(lines: list[str], spec: LayerSpec, look) -> str:
    values = {name: html.unescape(text) for line in lines for name, text in
              _SIMPLE_DATA.findall(line)}
    style = f"\t<styleUrl>#{spec.id}-{kml_style_index(look, values)}</styleUrl>\n"
    at = next((i for i, line in enumerate(lines[1:], 1)
               if not line.lstrip().startswith(("<name>", "<description>"))), len(lines) - 1)
    return "".join([*lines[:at], style, *lines[at:]])


# -- the sidecar -------------------------------------------------------------------------

def build_metadata(conn: Connection, request: ExportRequest, written: list[_Written]) -> dict:
    versions = data_versions(conn)
    ward = written[0].ward if written else None
    used = {w.spec.id for w in written} | ({"wards"} if ward else set())
    return {
        "title": "urbanmap export: " + (", ".join(w.spec.title for w in written)
                                         if len(written) <= 3 else f"{len(written)} layers"),
        "created": now_utc(), "generator": GENERATOR,
        "format": {"id": request.format.id, "title": request.format.title,
                   "driver": request.format.driver or "pyarrow (GeoParquet 1.1)",
                   "media_type": request.format.media_type},
        "crs": request.crs.describe(),
        "request": request.describe(),
        "selection": {
            "ward": {"name": ward.name, "code": ward.code} if ward else None,
            "rule": "features that intersect the ward and the bbox (polygons: share area "
                    "with the ward) and match the filter; geometries are not clipped",
            "coordinates": list(xy_names(request.crs)) if request.coordinates == "xy"
            else "geometry"},
        "layers": [_layer_entry(conn, w, request, versions) for w in written],
        "data_versions": {layer: versions.get(layer, 0) for layer in sorted(used)},
        "licence": LICENCE,
    }


def _layer_entry(conn: Connection, w: _Written, request: ExportRequest,
                 versions: dict[str, int]) -> dict:
    spec = w.spec
    fields = [{"name": name, "type": spec.field(name).type,
               "description": spec.field(name).description,
               **({"unit": spec.field(name).unit} if spec.field(name).unit else {}),
               **({"file_field": w.names[name]} if w.names else {})}
              for name in request.fields(spec)]
    return {"id": spec.id, "title": spec.title, "title_vi": spec.title_vi,
            "description": spec.description, "geometry": spec.geometry,
            "features": w.features, "data_version": versions.get(spec.id, 0),
            "files": [f.name for f in w.files], "fields": fields,
            **({"field_names": w.names} if w.names else {}),
            "last_load": _last_load(conn, spec)}


def _last_load(conn: Connection, spec: LayerSpec) -> dict | None:
    row = conn.execute(select(loads.c.source_file, loads.c.finished_at)
                       .where(loads.c.layer_id == spec.id)
                       .order_by(loads.c.finished_at.desc()).limit(1)).first()
    return None if row is None else {"source_file": Path(row[0]).name,
                                     "finished_at": row[1].isoformat()}


# -- delivery ------------------------------------------------------------------------------

def _deliver(request: ExportRequest, work: Path, directory: Path, stem: str,
             written: list[_Written], metadata: dict) -> Artefact:
    fmt = request.format
    document = json.dumps(metadata, ensure_ascii=False, indent=2) + "\n"
    if fmt.packaged(len(written)):
        target = directory / f"{stem}.zip"
        _zip(work / f"{stem}.zip", [f for w in written for f in w.files],
             (f"{stem}{METADATA_SUFFIX}", document)).replace(target)
        return Artefact(target, "application/zip", metadata, None)
    [path] = written[0].files if not fmt.multi_layer else [work / f"{stem}{fmt.suffix}"]
    if fmt.id == "gpkg":
        add_gpkg_extras(path, [w.spec for w in written], document)
    sidecar = directory / f"{stem}{METADATA_SUFFIX}"
    sidecar.write_text(document, encoding="utf-8")
    target = directory / f"{stem}{fmt.suffix}"
    path.replace(target)
    return Artefact(target, fmt.media_type, metadata, sidecar)


_STORED_SUFFIXES = (".parquet", ".gpkg")  # already compressed, or better left seekable


def _zip(path: Path, files: list[Path], document: tuple[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for file in files:
            archive.write(file, file.name, zipfile.ZIP_STORED
                          if file.suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED)
        archive.writestr(*document)
    return path


def add_gpkg_extras(path: Path, specs: list[LayerSpec], document: str) -> None:
    """The sidecar in the GeoPackage metadata extension, the styles in `layer_styles`."""
    with closing(sqlite3.connect(path)) as db, db:
        _gpkg_metadata(db, document)
        _gpkg_styles(db, specs)


def _gpkg_metadata(db: sqlite3.Connection, document: str) -> None:
    db.executescript(GPKG_METADATA_TABLES)
    cursor = db.execute(
        "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
        "VALUES ('dataset', ?, 'application/json', ?)", (METADATA_URI, document))
    db.execute("INSERT INTO gpkg_metadata_reference (reference_scope, md_file_id) "
               "VALUES ('geopackage', ?)", (cursor.lastrowid,))
    for table in ("gpkg_metadata", "gpkg_metadata_reference"):
        db.execute("INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, "
                   "extension_name, definition, scope) VALUES (?, NULL, 'gpkg_metadata', "
                   "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write')",
                   (table,))


def _gpkg_styles(db: sqlite3.Connection, specs: list[LayerSpec]) -> None:
    db.executescript(LAYER_STYLES_TABLE)
    for spec in specs:
        geometry_column = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE "
                                     "table_name = ?", (spec.id,)).fetchone()[0]
        db.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                   "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                   "description, owner) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, ?)",
                   (spec.id, geometry_column, spec.id, qml(spec), sld(spec),
                    f"{spec.title} ({spec.title_vi}), from urbanmap styles/{spec.id}.json",
                    GENERATOR))


GPKG_METADATA_TABLES = """
CREATE TABLE IF NOT EXISTS gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml',
  metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
  reference_scope TEXT NOT NULL,
  table_name TEXT,
  column_name TEXT,
  row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL,
  md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
"""

# The table QGIS reads a layer's default style from (and writes when saving one).
LAYER_STYLES_TABLE = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
  f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
"""

