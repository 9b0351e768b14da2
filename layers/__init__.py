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


class UnknownLayer(KeyError):
    """A layer id the registry does not have; its message names the ones it has."""

    @property
    def message(self) -> str:
        return self.args[0]


def get_layer(layer_id: str) -> LayerSpec:
    """The layer with that id; UnknownLayer (a KeyError) names the known ones."""
    try:
        return REGISTRY[layer_id]
    except KeyError:
        raise UnknownLayer(f"There is no layer {layer_id!r}. The layers are: "
                           f"{', '.join(REGISTRY)} (`urbanmap layers` lists them).") from None


__all__ = ["REGISTRY", "Field", "LayerSpec", "UnknownLayer", "get_layer"]
