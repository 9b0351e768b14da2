"""Load a layer from a file GDAL reads: Shapefile (also zipped), GeoPackage, GeoJSON, KML,
FlatGeobuf, CSV with lon/lat or WKT columns.

The file is opened once to learn its layer, coordinate system and extent, and refused with
a message if those do not add up; then it is streamed in Arrow batches, so memory stays
bounded whatever the file's size.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyogrio
import pyproj
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from sqlalchemy import Engine

from geo.crs import canonical_crs, coordinate_problem, resolve_crs, to_storage
from geo.errors import InvalidInput
from layers import LayerSpec, get_layer
from loaders.mapping import ColumnMapping, apply_mapping, match_columns
from loaders.pipeline import Chunk, LoadMode, Progress, load_chunks
from loaders.report import LoadReport

BATCH_ROWS = 100_000
DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".csv",
                    ".gml", ".tab", ".mif", ".sqlite")
LON_NAMES = ("lon", "lng", "long", "longitude", "kinh_do", "kinhdo")
LAT_NAMES = ("lat", "latitude", "vi_do", "vido")
CSV_OPTIONS = {
    "X_POSSIBLE_NAMES": ",".join((*LON_NAMES, "x")),
    "Y_POSSIBLE_NAMES": ",".join((*LAT_NAMES, "y")),
    "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom,the_geom",
    "KEEP_GEOM_COLUMNS": "NO",
}


@dataclass(frozen=True)
class Source:
    """A readable layer inside a file, with what it says about itself."""

    path: Path
    dataset: str  # what GDAL opens: the file, or /vsizip/… inside an archive
    layer: str
    crs: pyproj.CRS | None
    features: int
    fields: tuple[str, ...]
    options: dict

    @property
    def name(self) -> str:
        return self.path.name


def _unsafe_member(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


def dataset_in(path: Path, layer_hint: str | None) -> str:
    """What GDAL should open: the path itself, or the dataset inside a zip (never extracted)."""
    if not path.exists():
        raise InvalidInput(f"{path} does not exist.")
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        names = zipfile.ZipFile(path).namelist()
    except zipfile.BadZipFile:
        raise InvalidInput(f"{path.name} is not a readable zip archive (truncated or "
                           "damaged?). Re-create it and load again.") from None
    unsafe = [name for name in names if _unsafe_member(name)]
    if unsafe:
        raise InvalidInput(f"{path.name} holds a file with an unsafe path ({unsafe[0]}) that "
                           "points outside the archive; urbanmap refuses such archives. "
                           "Re-create the zip with plain file names.")
    datasets = [n for n in names if n.lower().endswith(DATASET_SUFFIXES)]
    if layer_hint:
        datasets = [n for n in datasets if PurePosixPath(n).stem == layer_hint] or datasets
    if len(datasets) != 1:
        found = ", ".join(datasets) or "none"
        raise InvalidInput(f"{path.name} should hold one dataset to load; it holds: {found}. "
                           "Name the one you want with --layer.")
    return f"/vsizip/{path.resolve()}/{datasets[0]}"


def _pick_layer(path: Path, dataset: str, spec: LayerSpec, wanted: str | None) -> str:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(dataset)]
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInput(f"GDAL cannot read {path.name}: {str(exc).strip()}. Check that the "
                           "file is complete and in a format GDAL reads.") from None
    if wanted and wanted in layers:
        return wanted
    if wanted and path.suffix.lower() != ".zip":
        raise InvalidInput(f"{path.name} has no layer {wanted!r}; it has: {', '.join(layers)}.")
    if len(layers) == 1:
        return layers[0]
    if spec.id in layers:
        return spec.id
    raise InvalidInput(f"{path.name} holds several layers ({', '.join(layers)}); pick one "
                       "with --layer.")


def open_source(path: Path, spec: LayerSpec, layer: str | None = None, crs: str | None = None,
                encoding: str | None = None) -> Source:
    """Inspect the file and refuse it early if its layer, geometry or CRS will not do."""
    dataset = dataset_in(path, layer)
    chosen = _pick_layer(path, dataset, spec, layer)
    options = CSV_OPTIONS if dataset.lower().endswith(".csv") else {}
    try:
        info = pyogrio.read_info(dataset, layer=chosen, encoding=encoding,
                                 force_total_bounds=spec.is_spatial, **options)
    except (DataSourceError, DataLayerError) as exc:
        raise InvalidInput(f"GDAL cannot read {path.name}: {str(exc).strip()}.") from None
    except UnicodeDecodeError:
        raise InvalidInput(_encoding_hint(path)) from None
    fields = tuple(str(f) for f in info["fields"])
    source_crs = _declared_crs(info, fields, crs)
    if spec.is_spatial:
        if not info["geometry_type"]:
            raise InvalidInput(f"{path.name} has no geometry, and {spec.id} needs one. For a CSV "
                               "give lon and lat columns, or a WKT column.")
        problem = coordinate_problem(tuple(info["total_bounds"]), source_crs)
        if problem:
            raise InvalidInput(f"{path.name}: {problem}")
    return Source(path, dataset, chosen, source_crs, int(info["features"]), fields, options)


def _declared_crs(info: dict, fields: tuple[str, ...], override: str | None) -> pyproj.CRS | None:
    if override:
        return resolve_crs(override)
    if info["crs"]:
        return canonical_crs(pyproj.CRS.from_user_input(info["crs"]))
    lowered = {f.lower() for f in fields}
    if info["driver"] == "CSV" and lowered & set(LON_NAMES) and lowered & set(LAT_NAMES):
        return pyproj.CRS.from_epsg(4326)  # columns named longitude/latitude are degrees
    return None


def read_chunks(source: Source, spec: LayerSpec, mapping: ColumnMapping,
                encoding: str | None = None) -> Iterator[Chunk]:
    """The file's features in batches, mapped to the layer's fields and in the storage SRID."""
    try:
        with pyogrio.open_arrow(source.dataset, layer=source.layer, encoding=encoding,
                                batch_size=BATCH_ROWS, use_pyarrow=True, return_fids=True,
                                read_geometry=spec.is_spatial, **source.options) as (meta, reader):
            geometry_column = meta["geometry_name"] or "wkb_geometry"
            for batch in reader:
                yield _chunk(pa.Table.from_batches([batch]), geometry_column, source, spec,
                             mapping)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InvalidInput(f"GDAL stopped reading {source.name}: {str(exc).strip()}. The file "
                           "may be truncated or damaged; nothing was loaded.") from None
    except UnicodeDecodeError:
        raise InvalidInput(_encoding_hint(source.path)) from None


def _encoding_hint(path: Path) -> str:
    return (f"{path.name} has text that is not in the encoding GDAL expected. Pass the file's "
            "encoding with --encoding (cp1258 for Windows Vietnamese, utf-8, latin1), or add a "
            ".cpg file beside the .shp naming it.")


def _chunk(table: pa.Table, geometry_column: str, source: Source, spec: LayerSpec,
           mapping: ColumnMapping) -> Chunk:
    geometries = None
    if spec.is_spatial:
        wkb = table.column(geometry_column).to_numpy(zero_copy_only=False)
        geometries = to_storage(shapely.from_wkb(wkb, on_invalid="ignore"), source.crs)
        table = table.drop_columns([geometry_column])
    attributes = table.to_pandas()
    frame = apply_mapping(attributes, mapping, spec)
    if "source_id" not in frame:  # the feature's position in the file is its identity
        frame["source_id"] = attributes["OGC_FID"].astype("int64").astype(str).values
    return frame, geometries


def load_file(engine: Engine, layer_id: str, path: Path, *, layer: str | None = None,
              crs: str | None = None, encoding: str | None = None, mode: LoadMode = "replace",
              mapping_file: Path | None = None, overrides: dict[str, str] | None = None,
              dry_run: bool = False, progress: Progress | None = None) -> LoadReport:
    """Validate `path` and publish it into the layer in one transaction (see pipeline)."""
    spec = get_layer(layer_id)
    source = open_source(Path(path), spec, layer, crs, encoding)
    mapping = match_columns(spec, source.fields, mapping_file, overrides)
    report = LoadReport(spec.id, source.name, mode, dry_run=dry_run)
    if mapping.unmapped:
        report.notes.append(f"columns not loaded: {', '.join(mapping.unmapped)}")
    return load_chunks(engine, spec, read_chunks(source, spec, mapping, encoding), report,
                       mode, progress)
