"""Small GeoJSON files of District 7 hydrants, written by the load tests."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

LON, LAT = 106.7200, 10.7400  # a street corner in Tân Phong, District 7


def feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(dx: float = 0.0, dy: float = 0.0) -> dict:
    return {"type": "Point", "coordinates": [LON + dx, LAT + dy]}


def hydrant(code: str, dx: float = 0.0, status: str = "working") -> dict:
    return feature({"code": code, "status": status}, point(dx))


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False))
    return path


def rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


def codes(engine: Engine) -> list[str]:
    return [r[0] for r in rows(engine, "SELECT code FROM hydrants ORDER BY code")]


# The hydrants table's indexes and key as the migrations leave them.
DECLARED = ["hydrants_pkey", "ix_hydrants_geom", "ix_hydrants_geom_3857",
            "ix_hydrants_source_id"]


def index_names(engine: Engine) -> list[str]:
    return [r[0] for r in rows(engine, "SELECT indexname FROM pg_indexes "
                                       "WHERE tablename = 'hydrants' ORDER BY indexname")]
