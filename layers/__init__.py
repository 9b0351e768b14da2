"""The layer registry: every table, column and layer urbanmap knows, declared once."""

from layers import (
    administration,
    economy,
    environment,
    health,
    planning,
    risk,
    safety,
    transport,
    water,
)
from layers.spec import Field, LayerSpec

REGISTRY: dict[str, LayerSpec] = {
    spec.id: spec
    for module in (administration, planning, transport, water, safety, health, economy,
                   environment, risk)
    for spec in module.LAYERS
}


def get_layer(layer_id: str) -> LayerSpec:
    """The layer with that id; KeyError names the known ones."""
    try:
        return REGISTRY[layer_id]
    except KeyError:
        raise KeyError(f"unknown layer {layer_id!r}; known layers: {', '.join(REGISTRY)}") from None


__all__ = ["REGISTRY", "Field", "LayerSpec", "get_layer"]
