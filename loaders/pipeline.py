"""The load pipeline every source shares: shape → reproject once → COPY to staging → swap.

A source module (files, osm) turns its input into a GeoDataFrame whose columns are the
layer's field names. From there this module normalises text to NFC, casts geometries to
the layer's kind in the storage SRID, and writes them in one transaction: rows are COPYed
into a temporary staging table, then replace the layer's rows in a single statement pair.
Until that transaction commits, readers see the previous data; if anything fails, they
keep seeing it.
"""

from __future__ import annotations

import csv
import getpass
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import shapely
from psycopg2 import sql
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from geo.crs import STORAGE_SRID
from geo.errors import InvalidInput
from geo.schema import LAYER_TABLES, layer_versions, loads
from geo.text import nfc
from layers import LayerSpec
from layers.spec import Field

LoadMode = Literal["replace", "append"]
PROVENANCE = ("source_file", "source_id")
COPY_CHUNK_ROWS = 20_000


@dataclass
class LoadReport:
    layer_id: str
    source_file: str
    mode: str
    read: int = 0
    inserted: int = 0
    deleted: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    data_version: int | None = None

    def summary(self) -> str:
        return (f"{self.layer_id}: {self.inserted} loaded, {self.rejected} rejected, "
                f"{self.deleted} replaced from {self.source_file}")


# -- shaping ---------------------------------------------------------------------------

_PARTS = {"MultiPolygon": (shapely.Polygon, shapely.MultiPolygon),
          "MultiLineString": (shapely.LineString, shapely.MultiLineString),
          "Point": (shapely.Point,)}


def as_layer_geometry(geometry: Any, kind: str) -> Any:
    """The geometry cast to the layer's kind (single parts gathered into a Multi), or None.

    Parts of another dimension (a point left by repairing a polygon) are dropped.
    """
    if geometry is None or geometry.is_empty:
        return None
    if kind == "Point":
        return geometry if isinstance(geometry, shapely.Point) else None
    wanted = _PARTS[kind]
    parts = [part for part in shapely.get_parts(geometry).tolist()
             if isinstance(part, wanted) and not part.is_empty]
    flat = [sub for part in parts for sub in shapely.get_parts(part).tolist()]
    if not flat:
        return None
    return shapely.MultiPolygon(flat) if kind == "MultiPolygon" else shapely.MultiLineString(flat)


def shape_frame(spec: LayerSpec, frame: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Columns limited to the layer's fields, text in NFC, geometry in the storage SRID."""
    present = [f for f in spec.fields if f.name in frame.columns]
    shaped = pd.DataFrame({f.name: cast(frame[f.name], f) for f in present}, index=frame.index)
    shaped["source_id"] = frame["source_id"].map(nfc) if "source_id" in frame else None
    if isinstance(frame, gpd.GeoDataFrame) and spec.is_spatial:
        geometries = frame.geometry.to_crs(STORAGE_SRID)
        shaped["geom"] = [as_layer_geometry(g, spec.geometry) for g in geometries]
        missing = shaped["geom"].isna()
        if missing.any():
            report.rejected += int(missing.sum())
            report.problems.append(
                f"{int(missing.sum())} features had no {spec.geometry} geometry and were skipped")
            shaped = shaped[~missing]
    return shaped


def cast(values: pd.Series, field: Field) -> pd.Series:
    """Source values as the field's type; text in NFC. Values that do not parse become missing."""
    if field.type == "text":
        return values.map(lambda v: nfc(str(v)) if v is not None and not pd.isna(v) else None)
    if field.type in ("integer", "real"):
        numbers = pd.to_numeric(values, errors="coerce")
        return numbers.round().astype("Int64") if field.type == "integer" else numbers
    if field.type == "date":
        return pd.to_datetime(values, errors="coerce").dt.date
    truthy = {"1", "true", "yes", "y", "t", "có"}
    return values.map(
        lambda v: None if v is None or pd.isna(v) else str(v).strip().lower() in truthy)


# -- writing ---------------------------------------------------------------------------

def _copy_value(value: Any) -> Any:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkb(shapely.set_srid(value, STORAGE_SRID), hex=True, include_srid=True)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()
    return value


def _copy_rows(cursor: Any, table: str, columns: list[str], rows: pd.DataFrame) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    for start in range(0, len(rows), COPY_CHUNK_ROWS):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for record in rows.iloc[start:start + COPY_CHUNK_ROWS].itertuples(index=False):
            writer.writerow([_copy_value(v) for v in record])
        buffer.seek(0)
        cursor.copy_expert(statement.as_string(cursor), buffer)


def write_layer(conn: Connection, spec: LayerSpec, frame: pd.DataFrame, report: LoadReport,
                mode: LoadMode = "replace") -> LoadReport:
    """Write shaped rows into the layer inside the caller's transaction."""
    started = datetime.now(UTC)
    table = LAYER_TABLES[spec.id]
    rows = shape_frame(spec, frame, report).assign(source_file=report.source_file)
    columns = list(rows.columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    staging = f"staging_{spec.id}"
    cursor.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA")
                   .format(sql.Identifier(staging),
                           sql.SQL(", ").join(map(sql.Identifier, columns)),
                           sql.Identifier(spec.table)))
    _copy_rows(cursor, staging, columns, rows)
    if mode == "replace":
        report.deleted = conn.execute(table.delete()).rowcount
    staged = sql.SQL(", ").join(map(sql.Identifier, columns))
    cursor.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
        sql.Identifier(spec.table), staged, staged, sql.Identifier(staging)))
    report.inserted = cursor.rowcount
    report.data_version = bump_version(conn, spec.id)
    record_load(conn, report, started)
    return report


def bump_version(conn: Connection, layer_id: str) -> int:
    statement = pg_insert(layer_versions).values(layer_id=layer_id, data_version=1)
    statement = statement.on_conflict_do_update(
        index_elements=[layer_versions.c.layer_id],
        set_={"data_version": layer_versions.c.data_version + 1, "changed_at": func.now()},
    ).returning(layer_versions.c.data_version)
    return int(conn.execute(statement).scalar_one())


def record_load(conn: Connection, report: LoadReport, started: datetime) -> None:
    conn.execute(insert(loads).values(
        layer_id=report.layer_id, source_file=report.source_file, mode=report.mode,
        loaded_by=getpass.getuser(), started_at=started, inserted=report.inserted,
        deleted=report.deleted, rejected=report.rejected,
        report={"read": report.read, "problems": report.problems},
    ))


def update_attributes(engine: Engine, spec: LayerSpec, frame: pd.DataFrame, key: str,
                      source_file: str) -> LoadReport:
    """Set attributes of existing features matched on `key` (e.g. ward populations by name)."""
    table = LAYER_TABLES[spec.id]
    if key not in frame.columns or key not in spec.property_names:
        raise InvalidInput(f"{source_file} has no column {key!r} to match {spec.id} on; "
                           f"its columns are: {', '.join(map(str, frame.columns))}.")
    report = LoadReport(spec.id, source_file, f"update by {key}", read=len(frame))
    values = [c for c in frame.columns if c != key and c in spec.property_names]
    started = datetime.now(UTC)
    with engine.begin() as conn:
        for record in frame.to_dict("records"):
            changes = {name: nfc(record[name]) for name in values}
            matched = conn.execute(update(table).where(table.c[key] == nfc(record[key]))
                                   .values(**changes)).rowcount
            report.inserted += matched
            if not matched:
                report.problems.append(f"no {spec.id} feature has {key} = {record[key]!r}")
        report.data_version = bump_version(conn, spec.id)
        record_load(conn, report, started)
    return report


def layer_count(conn: Connection, spec: LayerSpec) -> int:
    return int(conn.execute(select(func.count()).select_from(LAYER_TABLES[spec.id])).scalar_one())
