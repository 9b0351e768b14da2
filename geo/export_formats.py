"""The export formats: one small object per format in one registry, and the writers.

Every GDAL format is written by pyogrio's `write_arrow` from a stream of Arrow record
batches, so a layer goes from PostGIS to disk a batch at a time and is never held whole.
GeoParquet is written with pyarrow's ParquetWriter (one row group per batch), because
neither the pyogrio wheel's GDAL nor Debian's is built with GDAL's Parquet driver.

What each format holds, and so how an export is delivered (see `ExportFormat.packaged`):

- GeoPackage holds several layers: one `.gpkg`, whatever the number of layers;
- a Shapefile is several files (.shp .shx .dbf .prj .cpg): always a `.zip`;
- the single-layer formats (GeoJSON, CSV, KML, FlatGeobuf, GeoParquet): one layer is the
  file itself, several layers are a `.zip` of one file per layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
from pyproj import CRS

from geo.errors import BadRequest
from geo.export_part import PARQUET_KEY, part_sentence
from geo.text import folded
from layers import LayerSpec
from layers.spec import FieldType

SHAPEFILE_NAME_WIDTH = 10  # dBase field names: at most 10 characters


@dataclass(frozen=True)
class ExportFormat:
    id: str
    title: str
    suffix: str
    media_type: str
    driver: str | None  # the GDAL driver; None: GeoParquet, written with pyarrow
    multi_layer: bool = False  # several layers in one file
    several_files: bool = False  # one layer is more than one file (a Shapefile)
    wgs84_only: bool = False  # KML is longitude/latitude by definition
    dates: str = "date"  # "date", "datetime" (FlatGeobuf readers expect it) or "text" (ISO)
    short_names: bool = False  # field names cut to 10 characters (dBase)
    dataset_options: Mapping[str, str] = field(default_factory=dict)
    layer_options: Mapping[str, str] = field(default_factory=dict)

    def packaged(self, layers: int) -> bool:
        """Whether `layers` layers in this format are delivered as a zip.

        >>> FORMATS["gpkg"].packaged(3), FORMATS["fgb"].packaged(1), FORMATS["fgb"].packaged(2)
        (False, False, True)
        >>> FORMATS["shp"].packaged(1)
        True
        """
        return self.several_files or (layers > 1 and not self.multi_layer)

    def artefact_suffix(self, layers: int) -> str:
        return ".zip" if self.packaged(layers) else self.suffix


FORMATS: dict[str, ExportFormat] = {f.id: f for f in (
    # GeoPackage 1.2: the newest version Debian 12's GDAL 3.6 (and its validate_gpkg.py)
    # reads without a warning; 1.4's R-tree triggers are unknown to it.
    ExportFormat("gpkg", "GeoPackage", ".gpkg", "application/geopackage+sqlite3", "GPKG",
                 multi_layer=True, dataset_options={"VERSION": "1.2"}),
    ExportFormat("shp", "ESRI Shapefile (zipped)", ".shp", "application/zip", "ESRI Shapefile",
                 several_files=True, short_names=True, layer_options={"ENCODING": "UTF-8"}),
    ExportFormat("geojson", "GeoJSON", ".geojson", "application/geo+json", "GeoJSON"),
    ExportFormat("csv", "CSV (UTF-8 with BOM)", ".csv", "text/csv; charset=utf-8", "CSV",
                 dates="text", layer_options={"WRITE_BOM": "YES", "GEOMETRY": "AS_WKT"}),
    ExportFormat("kml", "KML", ".kml", "application/vnd.google-earth.kml+xml", "KML",
                 wgs84_only=True, dates="text"),
    ExportFormat("fgb", "FlatGeobuf", ".fgb", "application/flatgeobuf", "FlatGeobuf",
                 dates="datetime", layer_options={"SPATIAL_INDEX": "YES"}),
    ExportFormat("parquet", "GeoParquet", ".parquet", "application/vnd.apache.parquet", None),
)}
FORMAT_ALIASES = {"geopackage": "gpkg", "shapefile": "shp", "json": "geojson",
                  "flatgeobuf": "fgb", "geoparquet": "parquet"}


def export_format(text: str) -> ExportFormat:
    """The format a person names: its id (gpkg, shp, geojson, csv, kml, fgb, parquet) or a
    longer name (GeoPackage, Shapefile, FlatGeobuf, GeoParquet), in any case.

    >>> export_format("GeoPackage").id, export_format("SHP").id
    ('gpkg', 'shp')
    """
    key = text.strip().lower()
    found = FORMATS.get(FORMAT_ALIASES.get(key, key))
    if found is None:
        raise BadRequest(f"Unknown export format {text!r}. Formats: "
                         + ", ".join(f"{f.id} ({f.title})" for f in FORMATS.values()) + ".")
    return found


def short_field_names(names: Iterable[str], width: int = SHAPEFILE_NAME_WIDTH) -> dict[str, str]:
    """Each name cut to `width` characters, with no two equal (dBase ignores case).

    A name that would repeat one taken before it ends in _1, _2 … instead. Deterministic:
    the same names in the same order always get the same short names.

    >>> short_field_names(["land_use_code", "land_use_category", "opening_hours", "name"])
    {'land_use_code': 'land_use_c', 'land_use_category': 'land_use_1', \
'opening_hours': 'opening_ho', 'name': 'name'}
    """
    taken: set[str] = set()
    short: dict[str, str] = {}
    for name in names:
        candidate, number = name[:width], 0
        while candidate.lower() in taken:
            number += 1
            suffix = f"_{number}"
            candidate = name[:width - len(suffix)] + suffix
        taken.add(candidate.lower())
        short[name] = candidate
    return short


_ARROW_TYPES: dict[FieldType, pa.DataType] = {
    "text": pa.string(), "integer": pa.int32(), "real": pa.float64(), "date": pa.date32(),
    "boolean": pa.bool_()}


def arrow_type(kind: FieldType, fmt: ExportFormat) -> pa.DataType:
    """How a field of the registry is written in `fmt` (dates depend on the format)."""
    if kind == "date" and fmt.dates == "datetime":
        return pa.timestamp("ms")
    if kind == "date" and fmt.dates == "text":
        return pa.string()
    return _ARROW_TYPES[kind]


def safe_file_stem(text: str) -> str:
    """A file name part made of ASCII letters, digits, - and _ only.

    >>> safe_file_stem("roads+hydrants Tân Thuận Đông")
    'roads-hydrants-tan-thuan-dong'
    """
    return re.sub(r"[^a-z0-9_]+", "-", folded(text)).strip("-") or "export"


# -- writing one layer -------------------------------------------------------------------

def write_layer(fmt: ExportFormat, batches: pa.RecordBatchReader, path: Path, spec: LayerSpec,
                crs: CRS, geometry: bool = True, part: str | None = None) -> None:
    """Write one layer's stream of batches to `path` (a GeoPackage may already hold others).

    `geometry` is False for CSV with coordinate columns: the batches then carry none.
    `part`: what the export kept of the layer, if not all of it (`geo.export_part`), said
    in the file where its format has room for it.
    """
    if fmt.driver is None:
        write_geoparquet(batches, path, spec, crs, part)
        return
    first_layer = not path.exists()
    pyogrio.write_arrow(
        batches, str(path), layer=spec.id, driver=fmt.driver,
        geometry_name="geometry" if geometry else None,
        geometry_type=spec.geometry if geometry else None,
        crs=crs.to_wkt() if geometry else None,
        dataset_options=_dataset_options(fmt, spec) if first_layer else None,
        layer_options=_layer_options(fmt, spec, geometry, part))


def _layer_options(fmt: ExportFormat, spec: LayerSpec, geometry: bool,
                   part: str | None = None) -> dict[str, str]:
    options = dict(fmt.layer_options)
    if fmt.id == "csv" and not geometry:
        options.pop("GEOMETRY")
    if fmt.id == "gpkg":  # gpkg_contents.identifier and .description
        options.update(IDENTIFIER=f"{spec.title} ({spec.title_vi})",
                       DESCRIPTION=spec.description)
    if fmt.id == "fgb":
        options.update(TITLE=f"{spec.title} ({spec.title_vi})", DESCRIPTION=spec.description)
    if part and fmt.id in ("fgb", "geojson"):  # a layer description, kept by GDAL's reader
        options["DESCRIPTION"] = f"{spec.description} {part_sentence(part)}"
    return options


def _dataset_options(fmt: ExportFormat, spec: LayerSpec) -> dict[str, str]:
    options = dict(fmt.dataset_options)
    if fmt.id == "kml":  # the field shown as each placemark's <name>
        options["NameField"] = next((n for n in ("name", "code", "number")
                                     if n in spec.property_names), "name")
    return options


GEOPARQUET_VERSION = "1.1.0"


def write_geoparquet(batches: pa.RecordBatchReader, path: Path, spec: LayerSpec,
                     crs: CRS, part: str | None = None) -> None:
    """GeoParquet 1.1: WKB in the column `geometry`, its CRS as PROJJSON, one row group per
    batch. The optional bounding box is left out: it is known only after the last batch,
    and pyarrow writes the schema's metadata before the first."""
    import json

    geo = {"version": GEOPARQUET_VERSION, "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": [spec.geometry],
                                    "crs": crs.to_json_dict()}}}
    schema = batches.schema.with_metadata({"geo": json.dumps(geo),
                                           **({PARQUET_KEY: part} if part else {})})
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch.replace_schema_metadata(schema.metadata))
