"""What the registry holds right now: each layer with its feature count and data version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert

from geo.schema import LAYER_TABLES, layer_versions
from layers import REGISTRY, LayerSpec


@dataclass(frozen=True)
class LayerState:
    spec: LayerSpec
    features: int
    data_version: int


def layer_states(conn: Connection,
                 specs: Sequence[LayerSpec] | None = None) -> list[LayerState]:
    """The layers (all of them by default, in registry order), counted in one round trip."""
    specs = list(REGISTRY.values()) if specs is None else list(specs)
    counts = union_all(*(
        select(literal(spec.id).label("layer_id"), func.count().label("features"))
        .select_from(LAYER_TABLES[spec.id]) for spec in specs
    )).subquery()
    rows = conn.execute(
        select(counts.c.layer_id, counts.c.features,
               func.coalesce(layer_versions.c.data_version, 0))
        .outerjoin(layer_versions, layer_versions.c.layer_id == counts.c.layer_id)
    ).all()
    by_id = {layer_id: (features, version) for layer_id, features, version in rows}
    return [LayerState(spec, *by_id[spec.id]) for spec in specs]


VERSIONS_QUERY = select(layer_versions.c.layer_id, layer_versions.c.data_version)


def data_versions(conn: Connection) -> dict[str, int]:
    """Each loaded layer's data version: bumped by every load that changed it."""
    return {layer_id: version for layer_id, version in conn.execute(VERSIONS_QUERY)}


def bump_version(conn: Connection, layer_id: str) -> int:
    """Record that the layer changed in this transaction; its new data version.

    The layer is also noted on the connection, so that whoever commits the transaction
    knows which risk overlays it must recompute (`changed_layers`).
    """
    statement = pg_insert(layer_versions).values(layer_id=layer_id, data_version=1)
    statement = statement.on_conflict_do_update(
        index_elements=[layer_versions.c.layer_id],
        set_={"data_version": layer_versions.c.data_version + 1, "changed_at": func.now()},
    ).returning(layer_versions.c.data_version)
    version = int(conn.execute(statement).scalar_one())
    changed_layers(conn).add(layer_id)
    return version


def changed_layers(conn: Connection) -> set[str]:
    """The layers changed through this connection since the set was last cleared."""
    return conn.info.setdefault("urbanmap_changed_layers", set())
