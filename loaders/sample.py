"""The District 7 sample: the OpenStreetMap extract plus generated data, through the loaders.

Generated files are ordinary GeoJSON, GeoPackage and CSV files and go through the same
loaders as any district's own data (see sample/README.md for what is real and what is not).
"""

from __future__ import annotations

from pathlib import Path

import pyogrio
from sqlalchemy import Engine

from geo.sample import OSM_EXTRACT, SAMPLE_DIR, generate
from layers import get_layer
from loaders.files import load_file
from loaders.osm import load_osm
from loaders.pipeline import LoadReport, update_attributes


def load_sample(engine: Engine, out_dir: Path | None = None) -> list[LoadReport]:
    files = generate(out_dir or SAMPLE_DIR / "generated")
    reports = load_osm(engine, OSM_EXTRACT)
    for layer_id in ("hydrants", "planning_zones", "ward_epidemic"):
        reports.append(load_file(engine, layer_id, files[layer_id]))
    population = pyogrio.read_dataframe(files["ward_population"]).rename(
        columns={"ward_name": "name"})
    reports.append(update_attributes(engine, get_layer("wards"), population, key="name",
                                     source_file=files["ward_population"].name))
    return reports
