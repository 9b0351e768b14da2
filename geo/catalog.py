"""What the registry holds right now: each layer with its feature count and data version."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, literal, select, union_all

from geo.schema import LAYER_TABLES, layer_versions
from layers import REGISTRY, LayerSpec


@dataclass(frozen=True)
class LayerState:
    spec: LayerSpec
    features: int
    data_version: int


def layer_states(conn: Connection) -> list[LayerState]:
    """All layers in registry order, counted in one round trip."""
    counts = union_all(*(
        select(literal(layer_id).label("layer_id"), func.count().label("features"))
        .select_from(table) for layer_id, table in LAYER_TABLES.items()
    )).subquery()
    rows = conn.execute(
        select(counts.c.layer_id, counts.c.features,
               func.coalesce(layer_versions.c.data_version, 0))
        .outerjoin(layer_versions, layer_versions.c.layer_id == counts.c.layer_id)
    ).all()
    by_id = {layer_id: (features, version) for layer_id, features, version in rows}
    return [LayerState(spec, *by_id[spec.id]) for spec in REGISTRY.values()]


def data_versions(conn: Connection) -> dict[str, int]:
    """Each loaded layer's data version: bumped by every load that changed it."""
    rows = conn.execute(select(layer_versions.c.layer_id, layer_versions.c.data_version))
    return {layer_id: version for layer_id, version in rows}
