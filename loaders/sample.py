"""The District 7 sample: the OpenStreetMap extract plus generated data, through the loaders.

Generated files are ordinary GeoJSON, GeoPackage and CSV files and go through the same
loaders as any district's own data (see sample/README.md for what is real and what is not).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from geo.sample import OSM_EXTRACT, SAMPLE_DIR, generate
from loaders.files import load_file
from loaders.osm import load_osm
from loaders.report import LoadReport


def load_sample(engine: Engine, out_dir: Path | None = None) -> list[LoadReport]:
    files = generate(out_dir or SAMPLE_DIR / "generated")
    reports = load_osm(engine, OSM_EXTRACT)
    for layer_id in ("hydrants", "planning_zones", "ward_epidemic"):
        reports.append(load_file(engine, layer_id, files[layer_id]))
    reports.append(load_file(engine, "wards", files["ward_population"], mode="update",
                             key="name"))
    return reports
