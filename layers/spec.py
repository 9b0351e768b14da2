"""What a layer is: the one declaration that tables, tiles, items, styles and docs derive from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal["text", "integer", "real", "date", "boolean"]
GeometryKind = Literal["Point", "MultiLineString", "MultiPolygon"]
Domain = Literal[
    "administration",
    "planning",
    "transport",
    "water",
    "safety",
    "health",
    "economy",
    "environment",
    "risk",
]


@dataclass(frozen=True)
class Field:
    """A typed attribute that the district keeps for every feature of a layer."""

    name: str
    type: FieldType
    description: str
    required: bool = False
    unit: str | None = None
    choices: tuple[str, ...] | None = None
    # Taken from the points' Z when no column gives it: a survey's 3D points carry their
    # heights there, and the layers store 2D geometry.
    from_z: bool = False
    # The lowest and highest value any such asset could have. A value outside is a mistake
    # of unit or typing (an alley's 3.5 m typed as 350 cm in a column said to be in metres):
    # a load leaves it empty and says so, rather than store a 350 m alley for the fire
    # model to send a truck down.
    plausible: tuple[float, float] | None = None


@dataclass(frozen=True)
class LayerSpec:
    """One kind of urban asset.

    `geometry` is None for a table without geometry (ward-level statistics): it is
    stored and loaded like a layer but has no tiles.
    """

    id: str
    title: str
    title_vi: str
    domain: Domain
    description: str
    geometry: GeometryKind | None
    fields: tuple[Field, ...]
    minzoom: int = 10
    maxzoom: int = 22
    feature_cap: int = 50_000
    # The attributes that name a feature for good (a hydrant's painted code; a ward report's
    # ward and day): loads match features on them when the file has no id column of its own.
    natural_key: tuple[str, ...] = ()
    # Two features closer than this are one asset entered twice (hydrants: 1 m).
    duplicate_within_m: float | None = None
    # Columns the database computes (area from the geometry, category from the code);
    # they are never loaded, so they cannot disagree with what they derive from.
    computed: tuple[Field, ...] = field(default=())
    # A risk overlay is computed by a model of geo.risk from other layers, never loaded.
    computed_by: str | None = None
    # A date field that splits the layer into one map per day (an epidemic choropleth):
    # items and tiles take `datetime`, and tiles without it show the latest day.
    time_field: str | None = None

    @property
    def table(self) -> str:
        return self.id

    @property
    def style_id(self) -> str:
        return self.id

    @property
    def is_overlay(self) -> bool:
        return self.computed_by is not None

    @property
    def is_spatial(self) -> bool:
        return self.geometry is not None

    def field(self, name: str) -> Field:
        for candidate in (*self.fields, *self.computed):
            if candidate.name == name:
                return candidate
        raise KeyError(f"layer {self.id!r} has no field {name!r}")

    @property
    def property_names(self) -> tuple[str, ...]:
        """Public attributes, in declaration order."""
        return tuple(f.name for f in (*self.fields, *self.computed))
