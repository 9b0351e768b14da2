"""Load a layer from a file GDAL can read: GeoPackage, Shapefile, GeoJSON, KML, CSV …"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError
from sqlalchemy import Engine

from geo.errors import InvalidInput
from layers import get_layer
from loaders.pipeline import LoadMode, LoadReport, write_layer


def read_source(path: Path, layer: str | None = None, crs: str | None = None) -> pd.DataFrame:
    """The file's features as a (Geo)DataFrame, with a coordinate system or a clear refusal."""
    if not path.exists():
        raise InvalidInput(f"{path} does not exist.")
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInput(f"GDAL cannot read {path.name}: {exc}. Check that the file is "
                           "complete and in a format GDAL reads.") from None
    if "geometry" in frame and crs:
        frame = frame.set_crs(crs, allow_override=True)
    if "geometry" in frame and frame.crs is None:
        raise InvalidInput(
            f"{path.name} does not say which coordinate system its coordinates are in. "
            "Pass it with --crs, e.g. --crs EPSG:4326 for longitude/latitude or "
            "--crs EPSG:32648 for UTM 48N.")
    return frame


def load_file(engine: Engine, layer_id: str, path: Path, *, layer: str | None = None,
              crs: str | None = None, mode: LoadMode = "replace") -> LoadReport:
    """Read `path` and replace (or append to) the layer's features in one transaction."""
    spec = get_layer(layer_id)
    frame = read_source(path, layer, crs)
    report = LoadReport(spec.id, path.name, mode, read=len(frame))
    with engine.begin() as conn:
        return write_layer(conn, spec, frame, report, mode)
