"""Search by name across the registry: diacritics, case and typos do not matter.

A name and a query are compared by their search keys (`urbanmap_search_key`, migration
0004: unaccented, lower case, generic words such as phường/P., hẻm, đường dropped) with
pg_trgm's trigram similarity, so `tan thuan dong`, `Tân Thuận Đông` and `P. Tân Thuận
Đông` find the same ward, and a typo costs a little score, not the answer. An alley
number in the query (`458/12`) also matches the alley it branches from (`458`): the
registry often has the main hẻm only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Text, case, func, literal, or_, select, union_all

from geo.errors import BadRequest
from geo.schema import LAYER_TABLES
from geo.text import nfc
from layers import REGISTRY, LayerSpec

# Fields that name a feature, in the order they make its display name.
NAME_FIELDS = ("name", "code", "number", "opens_from", "street")
MIN_SCORE = 0.3
MAX_QUERY_LENGTH = 200
NUMBER_BONUS = 0.5
ALLEY_NUMBER = re.compile(r"\d+(?:/\d+)+|\d+")


@dataclass(frozen=True)
class Hit:
    layer: LayerSpec
    fid: int
    name: str
    score: float
    bbox: tuple[float, float, float, float]
    point: tuple[float, float]

    def to_json(self) -> dict:
        return {"layer": self.layer.id, "layer_title": self.layer.title,
                "layer_title_vi": self.layer.title_vi, "fid": self.fid, "name": self.name,
                "score": round(self.score, 3), "bbox": [round(v, 6) for v in self.bbox],
                "point": [round(v, 6) for v in self.point]}


def searchable_layers() -> tuple[LayerSpec, ...]:
    """Asset layers with a field that names a feature (overlays name nothing of their own)."""
    return tuple(spec for spec in REGISTRY.values() if spec.is_spatial and not spec.is_overlay
                 and ("name" in spec.property_names or "code" in spec.property_names))


def number_parts(query: str) -> list[str]:
    """The alley numbers a query may mean: 458/12 is hẻm 458/12, branching from hẻm 458.

    >>> number_parts("458/12 Huỳnh Tấn Phát"), number_parts("hem 458 huynh tan phat")
    (['458/12', '458'], ['458'])
    """
    found = ALLEY_NUMBER.search(query)
    if not found:
        return []
    parts = found.group().split("/")
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _name_columns(spec: LayerSpec) -> list:
    table = LAYER_TABLES[spec.id]
    return [table.c[name] for name in NAME_FIELDS if name in spec.property_names]


def display_name(spec: LayerSpec):
    """The SQL expression naming a feature of the layer (None when the layer has no name
    field): its name, else its code or number (a hydrant's code, an alley's number)."""
    fields = _name_columns(spec)
    return func.coalesce(*fields[:2]) if fields else None


def _candidates(specs: tuple[LayerSpec, ...]):
    rows = []
    for spec in specs:
        table = LAYER_TABLES[spec.id]
        fields = _name_columns(spec)
        number = table.c.number if "number" in spec.property_names else literal(None, Text)
        rows.append(select(
            literal(spec.id).label("layer_id"), table.c.fid,
            display_name(spec).label("name"),
            # The name when there is one (an alley's repeats its number and road).
            func.coalesce(table.c.name if "name" in spec.property_names else None,
                          func.concat_ws(" ", *fields)).label("text"),
            number.label("number"), table.c.geom,
        ).where(or_(*(field.isnot(None) for field in fields))))
    return union_all(*rows).subquery("candidate")


def search(conn: Connection, query: str, limit: int = 10,
           specs: tuple[LayerSpec, ...] | None = None) -> list[Hit]:
    text = (nfc(query) or "").strip()
    if not text:
        raise BadRequest("q must name something to look for, e.g. q=tan thuan dong.")
    if len(text) > MAX_QUERY_LENGTH:
        raise BadRequest(f"q is {len(text)} characters long; at most {MAX_QUERY_LENGTH}.")
    candidate = _candidates(specs or searchable_layers())
    key = func.urbanmap_search_key(text)
    name_key = func.urbanmap_search_key(candidate.c.text)
    # word_similarity: the query is (nearly) a run of words of the name; similarity: the
    # whole name is the query. Both count, so "nguyen van linh" puts the road before the
    # hẻm that open from it, and every word of a query is still found inside longer names.
    score = (func.similarity(key, name_key) + func.word_similarity(key, name_key)) / 2
    parts = number_parts(text)
    if parts:
        score = score + case((candidate.c.number.in_(parts), NUMBER_BONUS), else_=0.0)
    scored = select(candidate, score.label("score")).subquery("scored")
    box = func.ST_Transform(func.ST_Envelope(scored.c.geom), 4326)
    point = func.ST_Transform(func.ST_PointOnSurface(scored.c.geom), 4326)
    rows = conn.execute(
        select(scored.c.layer_id, scored.c.fid, scored.c.name, scored.c.score,
               func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box),
               func.ST_X(point), func.ST_Y(point))
        .where(scored.c.score >= MIN_SCORE)
        .order_by(scored.c.score.desc(), scored.c.name, scored.c.fid)
        .limit(limit))
    return [Hit(REGISTRY[r[0]], r[1], r[2], float(r[3]), tuple(r[4:8]), tuple(r[8:10]))
            for r in rows]
