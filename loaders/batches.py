"""Files are read, copied and loaded in batches of BATCH_ROWS features, so that memory stays
flat whatever a file's size; a scratch copy of a file GDAL cannot read as it comes (a
drawing's blocks as points, GeoParquet) is a GeoPackage written a batch at a time.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio

BATCH_ROWS = 20_000  # small enough that PostgreSQL starts storing soon after the command starts


def append_to_geopackage(batch: gpd.GeoDataFrame, copy: Path, layer: str) -> None:
    """Add `batch` to the copy's layer; the first batch makes it, even when empty."""
    if copy.exists() and not len(batch):
        return
    with warnings.catch_warnings():  # a file that says no CRS: --crs gives it
        warnings.filterwarnings("ignore", "'crs' was not provided")
        pyogrio.write_dataframe(batch, copy, layer=layer, driver="GPKG",
                                geometry_type="Unknown", append=copy.exists())
