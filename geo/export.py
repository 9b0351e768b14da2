"""GIS export for other agencies: chosen layers, area, filter, CRS and attributes, written in
GeoPackage, Shapefile, GeoJSON, CSV, KML, FlatGeobuf or GeoParquet, with a metadata sidecar.

An `ExportRequest` is checked before the database is touched (layers, format, CRS,
properties, bbox, the CQL2 filter against every layer). `run_export` then reads each layer
in one REPEATABLE READ transaction, so every layer and the data versions in the sidecar are
of one moment, streams it (geo.export_stream) into the format's writer
(geo.export_formats) and packs the result (geo.export_package).

Reprojection: to WGS 84 and Web Mercator PostGIS transforms (nothing can go wrong there);
to any other system, VN-2000 above all, pyproj does, with the CRS resolved by geo.crs,
which binds the official VN-2000 datum shift. PostGIS would let PROJ choose the shift, and
at District 7 PROJ picks one 0.8 m off (see geo.crs).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS, Transformer
from sqlalchemy import ColumnElement, Connection, Select, func, select

from geo.crs import (
    CRS_ALIASES,
    STORAGE_SRID,
    TILE_SRID,
    UTM48N,
    WGS84_SRID,
    Bounds,
    resolve_crs,
)
from geo.errors import BadRequest, InvalidInput, NotFound
from geo.export_formats import ExportFormat, arrow_type, safe_file_stem
from geo.export_stream import (
    BLOCK_BYTES,
    CopyColumn,
    MappedStream,
    copy_batches,
    hex_to_binary,
)
from geo.items import ItemsQuery, parse_bbox
from geo.schema import LAYER_TABLES
from layers import REGISTRY, LayerSpec

DEFAULT_CRS = "wgs84"
COORDINATES = ("wkt", "xy")  # CSV: a WKT column, or x/y (lon/lat) columns for points
POSTGIS_TRANSFORMS = (WGS84_SRID, TILE_SRID)  # no datum shift to choose
SPATIAL_LAYERS = tuple(spec for spec in REGISTRY.values() if spec.is_spatial)


class IdColumn(NamedTuple):
    arrow: pa.DataType
    type: str  # as the Shapefile's fields sidecar says it
    description: str


# Each feature's two ids, before its properties: urbanmap's, and the one it had in the file
# it was loaded from, which a load of the export given back matches it on (not on the fid:
# loaders.mapping.SOURCE_ID_KEYS), so an agency's edits come back as changes, not anew.
ID_COLUMNS = {
    "fid": IdColumn(pa.int64(), "integer", "urbanmap feature id"),
    "source_id": IdColumn(pa.string(), "text",
                          "the feature's id in its source; loading this file back matches on it"),
}


@dataclass(frozen=True)
class OutputCrs:
    """The coordinate system of an export, by the name it was asked by."""

    name: str
    crs: CRS

    @property
    def postgis_srid(self) -> int | None:
        """The SRID PostGIS transforms to, or None when pyproj must (VN-2000 and the rest)."""
        epsg = None if self.crs.is_bound else self.crs.to_epsg()
        return epsg if epsg in (STORAGE_SRID, *POSTGIS_TRANSFORMS) else None

    @property
    def is_wgs84(self) -> bool:
        return not self.crs.is_bound and self.crs.to_epsg() == WGS84_SRID

    def describe(self) -> dict[str, object]:
        base = self.crs.source_crs if self.crs.is_bound and self.crs.source_crs else self.crs
        described: dict[str, object] = {"name": self.name, "title": base.name,
                                        "epsg": base.to_epsg(), "wkt": self.crs.to_wkt()}
        if self.crs.is_bound:
            described["datum_shift"] = ("VN-2000 to WGS 84 by the 7 parameters of Decision "
                                        "05/2007/QĐ-BTNMT (EPSG:6960), bound in the WKT")
        return described


_EPSG_CODE = re.compile(r"(?:EPSG:+|https?://www\.opengis\.net/def/crs/EPSG/0/)?(\d{4,6})",
                        re.IGNORECASE)
_CRS84 = ("CRS84", "OGC:CRS84", "http://www.opengis.net/def/crs/OGC/1.3/CRS84")


def output_crs(text: str | None) -> OutputCrs:
    """wgs84, utm48n, vn2000, vn2000-utm48n, vn2000-hcm (the HCMC 3° zone), or an EPSG code
    (9210, EPSG:9210 or its OGC URI). PROJ strings and WKT are not taken: a URL should not
    make PROJ read files or guess a datum shift."""
    name = (text or DEFAULT_CRS).strip()
    code = _EPSG_CODE.fullmatch(name)
    known = name.lower() in {a.lower() for a in CRS_ALIASES} or name in _CRS84
    try:
        if known or code:
            return OutputCrs(name, resolve_crs("wgs84" if name in _CRS84 else
                                               f"EPSG:{code.group(1)}" if code else name))
    except InvalidInput:
        pass
    raise BadRequest(f"Unknown coordinate system {name!r}. Use one of "
                     f"{', '.join(a for a in CRS_ALIASES if ':' not in a)}, or an EPSG code "
                     "(EPSG:9210).")


@dataclass(frozen=True)
class ExportRequest:
    """What to export, every part checked against the registry."""

    layers: tuple[LayerSpec, ...]
    format: ExportFormat
    crs: OutputCrs
    ward: str | None = None
    bbox: Bounds | None = None
    filter: str | None = None
    properties: tuple[str, ...] | None = None  # None: every property
    coordinates: str = "wkt"
    filters: dict[str, ColumnElement[bool]] = field(default_factory=dict, compare=False)

    def fields(self, spec: LayerSpec) -> tuple[str, ...]:
        """The properties exported of a layer, in declaration order."""
        if self.properties is None:
            return spec.property_names
        return tuple(name for name in spec.property_names if name in self.properties)

    def describe(self) -> dict[str, object]:
        """The request as plain values: the sidecar's `request`, and the cache key's."""
        return {"layers": [s.id for s in self.layers], "format": self.format.id,
                "crs": self.crs.name, "ward": self.ward,
                "bbox": list(self.bbox) if self.bbox else None, "filter": self.filter,
                "properties": list(self.properties) if self.properties is not None else None,
                "coordinates": self.coordinates}

    def file_stem(self) -> str:
        layers = "all" if len(self.layers) == len(SPATIAL_LAYERS) else \
            "-".join(s.id for s in self.layers[:4]) + ("-etc" if len(self.layers) > 4 else "")
        return safe_file_stem(f"urbanmap {layers} {self.ward or ''}")


def build_request(layers: Iterable[str], format: str = "gpkg", crs: str | None = None,
                  ward: str | None = None, bbox: str | None = None, filter: str | None = None,
                  properties: str | None = None, coordinates: str | None = None
                  ) -> ExportRequest:
    """An ExportRequest from the words of a command line or a URL, or a 4xx saying why not."""
    from geo.export_formats import export_format

    specs = parse_layers(layers)
    fmt = export_format(format)
    target = output_crs(crs)
    if fmt.wgs84_only and not target.is_wgs84:
        raise BadRequest(f"{fmt.title} is always WGS 84 longitude/latitude; leave crs out or "
                         f"use crs=wgs84, or pick another format for {target.name}.")
    chosen = coordinates or "wkt"
    if chosen not in COORDINATES or (coordinates and fmt.id != "csv"):
        raise BadRequest("coordinates applies to CSV only: wkt (a WKT column) or xy (x and "
                         "y columns, lon and lat in a geographic CRS; point layers only).")
    if chosen == "xy" and any(spec.geometry != "Point" for spec in specs):
        lines = [s.id for s in specs if s.geometry != "Point"]
        raise BadRequest(f"coordinates=xy needs point layers; {', '.join(lines)} "
                         "have lines or polygons: use coordinates=wkt.")
    names = parse_properties(specs, properties)
    return ExportRequest(specs, fmt, target, ward=(ward or "").strip() or None,
                         bbox=parse_bbox(bbox), filter=filter, properties=names,
                         coordinates=chosen, filters=layer_filters(specs, filter))


def parse_layers(words: Iterable[str]) -> tuple[LayerSpec, ...]:
    """Layer ids, comma lists of them, or `all` (every spatial layer); an unknown id is 404."""
    ids = [part.strip() for word in words for part in word.split(",") if part.strip()]
    if not ids:
        raise BadRequest("Name the layers to export (layers=roads,hydrants or all). Layers: "
                         + ", ".join(s.id for s in SPATIAL_LAYERS) + ".")
    if "all" in ids:
        return SPATIAL_LAYERS
    unknown = [i for i in ids if i not in REGISTRY or not REGISTRY[i].is_spatial]
    if unknown:
        raise NotFound(f"There is no spatial layer {unknown[0]!r} to export. Layers: "
                       + ", ".join(s.id for s in SPATIAL_LAYERS) + ".")
    return tuple(dict.fromkeys(REGISTRY[i] for i in ids))


def parse_properties(specs: tuple[LayerSpec, ...], text: str | None) -> tuple[str, ...] | None:
    """properties=name,status: each must belong to at least one of the layers."""
    if text is None:
        return None
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    known = {name for spec in specs for name in spec.property_names}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise BadRequest(f"properties: no layer of this export has {unknown[0]!r}; they have: "
                         f"{', '.join(sorted(known))}.")
    return names


def layer_filters(specs: tuple[LayerSpec, ...], text: str | None
                  ) -> dict[str, ColumnElement[bool]]:
    """The CQL2 filter as a condition on each layer; it must make sense for all of them."""
    if text is None:
        return {}
    from geo.cql import filter_expression, queryable_names  # its grammar takes 0.3 s to build

    conditions, refused = {}, {}
    for spec in specs:
        try:
            conditions[spec.id] = filter_expression(text, spec, LAYER_TABLES[spec.id])
        except BadRequest as error:
            refused[spec.id] = error
    if refused and not conditions:
        raise next(iter(refused.values()))
    if refused:
        common = set.intersection(*(set(queryable_names(s)) for s in specs))
        layer, error = next(iter(refused.items()))
        raise BadRequest(
            f"The filter applies to {', '.join(conditions)} but not to {layer}: "
            f"{error.message} With several layers a filter may use only what they all have: "
            f"{', '.join(sorted(common))}; or export the layers separately.")
    return conditions


# -- the ward ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Ward:
    fid: int
    name: str
    code: str | None


def find_ward(conn: Connection, text: str) -> Ward:
    """The ward named (or coded) `text`; diacritics, case and "Phường"/"P." do not matter."""
    wards = LAYER_TABLES["wards"]
    key = func.urbanmap_search_key
    rows = conn.execute(select(wards.c.fid, wards.c.name, wards.c.code).where(
        (key(wards.c.name) == key(text)) | (wards.c.code == text)).order_by(wards.c.fid)).all()
    if len(rows) == 1:
        return Ward(*rows[0])
    names = sorted(r[0] for r in conn.execute(select(wards.c.name)).all() if r[0])
    if not rows:
        raise NotFound(f"There is no ward {text!r}. Wards: {', '.join(names) or 'none loaded'}.")
    raise BadRequest(f"{text!r} names {len(rows)} wards ({', '.join(r.name for r in rows)}); "
                     "give its code instead.")


def in_ward(spec: LayerSpec, ward: Ward) -> ColumnElement[bool]:
    """Features over the ward: touching it is enough for points and lines (a road along the
    boundary serves both wards); polygons must share area with it, not just an edge."""
    table, wards = LAYER_TABLES[spec.id], LAYER_TABLES["wards"]
    outline = select(wards.c.geom).where(wards.c.fid == ward.fid).scalar_subquery()
    if spec.geometry != "MultiPolygon":
        return func.ST_Intersects(table.c.geom, outline)
    return table.c.geom.op("&&")(outline) & func.ST_Relate(table.c.geom, outline, "T********")


# -- reading a layer --------------------------------------------------------------------

def layer_where(spec: LayerSpec, request: ExportRequest, ward: Ward | None
                ) -> ColumnElement[bool]:
    """The chosen features of a layer: bbox, CQL2 filter and ward."""
    where = ItemsQuery(spec, bbox=request.bbox, cql=request.filters.get(spec.id)).where()
    return where & in_ward(spec, ward) if ward is not None else where


def layer_select(spec: LayerSpec, request: ExportRequest, ward: Ward | None) -> Select:
    """The layer's rows as COPY will send them: the ids, the properties, hex WKB last."""
    table = LAYER_TABLES[spec.id]
    srid = request.crs.postgis_srid
    geom = table.c.geom if srid in (None, STORAGE_SRID) else func.ST_Transform(table.c.geom,
                                                                                srid)
    columns = [*(table.c[n] for n in ID_COLUMNS), *(table.c[n] for n in request.fields(spec)),
               func.encode(func.ST_AsBinary(geom), "hex").label("geometry")]
    return select(*columns).where(layer_where(spec, request, ward))


def copy_columns(spec: LayerSpec, request: ExportRequest) -> list[CopyColumn]:
    fmt = request.format
    types = {"date": pa.string() if fmt.dates == "text" else pa.date32()}
    return [*(CopyColumn(name, column.arrow) for name, column in ID_COLUMNS.items()),
            *(CopyColumn(n, types.get(spec.field(n).type) or arrow_type(spec.field(n).type, fmt))
              for n in request.fields(spec)),
            CopyColumn("geometry", pa.string())]


def output_schema(spec: LayerSpec, request: ExportRequest,
                  names: dict[str, str] | None = None) -> pa.Schema:
    """The ids, the properties (renamed by `names`: Shapefile), then the geometry (WKB) or, for
    CSV with coordinates=xy, lon/lat (x/y when projected)."""
    names = names or {}
    fields = [*(pa.field(names.get(name, name), column.arrow)
                for name, column in ID_COLUMNS.items()),
              *(pa.field(names.get(n, n), arrow_type(spec.field(n).type, request.format))
                for n in request.fields(spec))]
    if request.coordinates == "xy":
        x, y = xy_names(request.crs)
        return pa.schema([*fields, pa.field(x, pa.float64()), pa.field(y, pa.float64())])
    return pa.schema([*fields, pa.field("geometry", pa.binary())])


def xy_names(target: OutputCrs) -> tuple[str, str]:
    return ("lon", "lat") if target.crs.is_geographic else ("x", "y")


def converter(spec: LayerSpec, request: ExportRequest
              ) -> Callable[[pa.RecordBatch], list[pa.Array]]:
    """Turns a COPY batch into the output columns: WKB from hex, reprojected by pyproj when
    PostGIS did not, dates as the format wants them, x/y columns for CSV."""
    transform = None if request.crs.postgis_srid else _transformer(request.crs.crs.to_wkt())
    to_datetime = request.format.dates == "datetime"

    def convert(batch: pa.RecordBatch) -> list[pa.Array]:
        columns = []
        for name, column in zip(batch.schema.names[:-1], batch.columns[:-1], strict=True):
            date = name not in ID_COLUMNS and spec.field(name).type == "date"
            columns.append(pc.cast(column, pa.timestamp("ms")) if date and to_datetime
                           else column)
        wkb = hex_to_binary(batch.column(batch.num_columns - 1))
        if transform is not None:
            wkb = _reproject(wkb, transform, request.crs.name)
        if request.coordinates == "xy":
            xy = shapely.get_coordinates(shapely.from_wkb(wkb.to_numpy(False)))
            return [*columns, pa.array(xy[:, 0]), pa.array(xy[:, 1])]
        return [*columns, wkb]

    return convert


@cache
def _transformer(target_wkt: str) -> Transformer:
    return Transformer.from_crs(UTM48N, CRS.from_wkt(target_wkt), always_xy=True)


def _reproject(wkb: pa.Array, transformer: Transformer, name: str) -> pa.Array:
    geometries = shapely.from_wkb(wkb.to_numpy(False))
    moved = shapely.transform(geometries, lambda *xy: transformer.transform(*xy),
                              interleaved=False)
    if not np.isfinite(shapely.get_coordinates(moved)).all():
        raise BadRequest(f"The data cannot be expressed in {name}: it lies outside the area "
                         "that coordinate system covers.")
    return pa.array(shapely.to_wkb(moved), pa.binary())


def stream_layer(conn: Connection, spec: LayerSpec, request: ExportRequest, ward: Ward | None,
                 names: dict[str, str] | None = None,
                 progress: Callable[[int], None] | None = None,
                 block_bytes: int = BLOCK_BYTES) -> tuple[MappedStream, Iterator[pa.RecordBatch]]:
    """(stream, source): the layer as batches of the output schema (`stream.reader`), and
    the COPY generator under it, to close if the writer stops early."""
    source = copy_batches(conn, layer_select(spec, request, ward),
                          copy_columns(spec, request), block_bytes)
    stream = MappedStream(source, output_schema(spec, request, names),
                          converter(spec, request), progress)
    return stream, source


def now_utc() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat() \
        .replace("+00:00", "Z")

