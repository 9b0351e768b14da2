"""GeoParquet, as urbanmap exports it and data portals publish it, in a GeoPackage copy.

The GDAL that pyogrio brings reads Parquet only through DuckDB, which it does not bring
("libduckdb.so: cannot open shared object file"), and Debian's GDAL has no Parquet driver.
pyarrow reads the file batch by batch; the geometry column named by the file's "geo"
metadata (WKB) and its CRS (PROJJSON; none said means longitude/latitude, OGC:CRS84) go
into a GeoPackage (`batches`), which the load then reads like any other file.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from geo.errors import InvalidInput
from loaders.batches import BATCH_ROWS, append_to_geopackage

CRS84 = "OGC:CRS84"  # GeoParquet's CRS when a column says none


def geopackage_copy(parquet: Path, name: str, copy: Path) -> Path:
    """`parquet` (shown to the user as `name`) as a GeoPackage at `copy`."""
    try:
        return _copy(parquet, name, copy)
    except (OSError, ValueError) as exc:  # pyarrow's words for a file that is not Parquet
        raise InvalidInput(f"{name} is not a readable Parquet file ({exc}). Check that the "
                           "file is complete.") from None


def _copy(parquet: Path, name: str, copy: Path) -> Path:
    source = pq.ParquetFile(parquet)
    column, crs = _geometry_column(source, name)
    copy.parent.mkdir(parents=True, exist_ok=True)
    for batch in source.iter_batches(batch_size=BATCH_ROWS):
        frame = batch.to_pandas()
        geometry = shapely.from_wkb(frame.pop(column).to_numpy())
        append_to_geopackage(gpd.GeoDataFrame(frame, geometry=geometry, crs=crs), copy,
                             parquet.stem)
    if not copy.exists():
        raise InvalidInput(f"{name} has no features.")
    return copy


def _geometry_column(source: pq.ParquetFile, name: str) -> tuple[str, CRS | None]:
    """The file's primary geometry column and its CRS, as its "geo" metadata says them."""
    said = (source.schema_arrow.metadata or {}).get(b"geo")
    if said is None:
        raise InvalidInput(f"{name} is Parquet without GeoParquet's \"geo\" metadata, so "
                           "nothing says which column is the geometry. Export it as "
                           "GeoParquet, or as a GeoPackage.")
    geo = json.loads(said)
    column = geo["primary_column"]
    declared = geo["columns"][column]
    if declared.get("encoding", "WKB").upper() != "WKB":
        raise InvalidInput(f"{name} keeps its geometries as {declared['encoding']}; urbanmap "
                           "reads GeoParquet's WKB encoding. Export it with WKB geometries.")
    crs = declared.get("crs", CRS84)
    if crs is None:
        return column, None
    return column, CRS.from_json_dict(crs) if isinstance(crs, dict) else CRS.from_user_input(crs)
