"""The database tables, derived from the layer registry.

Every layer table has the same frame (fid, geometry, its Web Mercator copy, provenance)
around the layer's declared fields. The Alembic migrations are checked against this
metadata by a test, so the declarations and the schema cannot drift apart.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from geo.crs import STORAGE_SRID, TILE_SRID
from layers import REGISTRY, LayerSpec
from layers.landuse_codes import LAND_USE_CODES
from layers.spec import Field, FieldType

# Source ids are compared for equality, never read in alphabetical order: byte order ("C")
# lets PostgreSQL sort them by memcmp with abbreviated keys, which halves building their
# unique index (a million ids: 1.1 s -> 0.5 s) under the database's locale.
SOURCE_ID = Text(collation="C")

metadata = MetaData()

COLUMN_TYPES: dict[FieldType, type] = {
    "text": Text, "integer": Integer, "real": Float, "date": Date, "boolean": Boolean,
}

def _land_use_category_sql() -> str:
    cases = " ".join(f"WHEN '{code}' THEN '{category}'"
                     for code, (_, category) in sorted(LAND_USE_CODES.items()))
    return f"CASE upper(land_use_code) {cases} END"


# SQL for the columns the database computes; areas are true m² because storage is UTM.
COMPUTED_SQL = {"area_m2": "ST_Area(geom)", "land_use_category": _land_use_category_sql()}


def _field_column(field: Field) -> Column:
    return Column(field.name, COLUMN_TYPES[field.type], comment=field.description)


def _computed_column(field: Field) -> Column:
    return Column(field.name, COLUMN_TYPES[field.type],
                  Computed(COMPUTED_SQL[field.name], persisted=True),
                  comment=field.description)


def _geometry_columns(spec: LayerSpec) -> list[Column]:
    if spec.geometry is None:
        return []
    return [
        Column("geom", Geometry(spec.geometry, srid=STORAGE_SRID, spatial_index=False),
               nullable=False),
        Column("geom_3857", Geometry(spec.geometry, srid=TILE_SRID, spatial_index=False),
               Computed(f"ST_Transform(geom, {TILE_SRID})", persisted=True)),
    ]


def _layer_table(spec: LayerSpec) -> Table:
    table = Table(
        spec.table, metadata,
        Column("fid", BigInteger, Identity(), primary_key=True),
        *_geometry_columns(spec),
        *(_field_column(f) for f in spec.fields),
        *(_computed_column(f) for f in spec.computed),
        Column("source_file", Text, comment="File the feature was loaded from"),
        Column("source_id", SOURCE_ID, nullable=False,
               comment="The feature's id in its source; loads match features on it"),
        Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        comment=f"{spec.title} ({spec.title_vi}): {spec.description}",
    )
    Index(f"ix_{spec.table}_source_id", table.c.source_id, unique=True)
    if spec.is_spatial:
        Index(f"ix_{spec.table}_geom", table.c.geom, postgresql_using="gist")
        Index(f"ix_{spec.table}_geom_3857", table.c.geom_3857, postgresql_using="gist")
    return table


LAYER_TABLES: dict[str, Table] = {spec.id: _layer_table(spec) for spec in REGISTRY.values()}

layer_versions = Table(
    "layer_versions", metadata,
    Column("layer_id", Text, primary_key=True),
    Column("data_version", BigInteger, nullable=False, server_default="0"),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="Bumped by every load; part of tile cache keys so caches are never stale.",
)

loads = Table(
    "loads", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("layer_id", Text, nullable=False),
    Column("source_file", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("loaded_by", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("inserted", Integer, nullable=False, server_default="0"),
    Column("updated", Integer, nullable=False, server_default="0"),
    Column("deleted", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
    Column("report", JSONB),
    comment="One row per load: who loaded which file into which layer, and the counts.",
)

risk_runs = Table(
    "risk_runs", metadata,
    Column("model_id", Text, primary_key=True),
    Column("parameters", JSONB, nullable=False),
    Column("input_versions", JSONB, nullable=False),
    Column("steps", Text, nullable=False),
    Column("features", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="The last computation of each risk model: its parameters and the input versions "
            "it saw, so a later load knows what to recompute and `urbanmap risk list` what "
            "is stale.",
)
