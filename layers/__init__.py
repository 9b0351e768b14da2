"""The layer registry: every table, column and layer urbanmap knows, declared once."""

from geo.errors import NotFound
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


class UnknownLayer(NotFound, KeyError):
    """A layer id the registry does not have; its message names the ones it has. A KeyError
    too, as a registry's lookup is."""

    title = "Unknown layer"


def get_layer(layer_id: str) -> LayerSpec:
    """The layer with that id; UnknownLayer (a KeyError) names the known ones."""
    try:
        return REGISTRY[layer_id]
    except KeyError:
        raise UnknownLayer(f"There is no layer {layer_id!r}. The layers are: "
                           f"{', '.join(REGISTRY)} (`urbanmap layers` lists them).") from None


__all__ = ["REGISTRY", "Field", "LayerSpec", "UnknownLayer", "get_layer"]
