"""A source's geometries as WKB in the storage SRID, reprojected in bulk.

GDAL hands each batch over as WKB. Two ways to the storage SRID:

- a batch of plain 2D points, the bulk of large files (addresses, shops, hydrants), is read
  and written as the fixed 21-byte WKB record of OGC Simple Features (byte order, type 1, x,
  y) through a numpy view, so only the coordinates go through PROJ (none in EPSG:32648): a
  million points take a fraction of a second, against about three through shapely's
  geometry objects;
- anything else goes through shapely (parse, drop any Z, `to_storage`, write). Curves, which
  shapely cannot parse, are first made of straight segments by GDAL (`_linearized`).

A file already in EPSG:32648 is parsed too, but its WKB is kept as GDAL gave it when nothing
needed mending: writing 200,000 polygons again took as long as the rest of the reading.

GDAL passes on what a file holds, and PostGIS refuses a whole COPY for one ring that is not
closed, or one coordinate its Web Mercator copy cannot be computed from (NaN, 1e300). So an
unclosed ring is closed (shapely's "fix"), and a geometry that cannot be read, or that lies
outside `STORAGE_DOMAIN`, becomes a missing one, for validation to refuse; each is counted
for the load's notes. (What GEOS reads leniently and PostGIS does not, a byte-order flag
neither 0 nor 1 inside a damaged GeoPackage's blob, fails the load with PostGIS's words:
`pipeline._refused_value`.)
"""

from __future__ import annotations

import struct
import uuid
import warnings
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import pyogrio.raw
import pyproj
import shapely

from geo.crs import (
    STORAGE_DOMAIN,
    STORAGE_SRID,
    canonical_crs,
    to_storage,
    transformer_to_storage,
)

POINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
# The first five bytes of little-endian 2D WKB: byte order 1, then the type code.
_PARTS = {"Point": (1, None), "MultiLineString": (2, 5), "MultiPolygon": (3, 6)}


def _header(code: int, parts: int | None = None) -> pa.Scalar:
    head = struct.pack("<BI", 1, code) + (struct.pack("<I", parts) if parts else b"")
    return pa.scalar(head, pa.binary())


_FLAT_HEADERS = pa.array([_header(code).as_py() for code in range(1, 8)], pa.binary())


class Stored(NamedTuple):
    """A batch's geometries as stored, and what it took to make them so."""

    wkb: pa.BinaryArray  # 2D, EPSG:32648; null where missing or refused
    flattened: int = 0  # lost a height to become 2D (a Z of 0 everywhere is none: KML's)
    closed: int = 0  # had a ring that was not closed, closed
    unreadable: int = 0  # WKB shapely cannot read (too few points, damaged): made missing
    far: int = 0  # coordinates outside STORAGE_DOMAIN, or not numbers: made missing

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self._fields[1:]}


def storage_wkb(wkb: pa.Array, crs: pyproj.CRS) -> Stored:
    """`wkb` (in `crs`) as sound 2D WKB in EPSG:32648 (see the module's text).

    The layers are 2D, and KML always writes an altitude (Google Earth's ``,0``), as 3D
    Shapefiles and surveys write heights: refusing those files for it would help no one.

    >>> lonlat = pa.array([shapely.Point(105, 0).wkb, shapely.Point(105, 0, 7).wkb,
    ...                    shapely.Point(105, 0, 0).wkb])
    >>> stored = storage_wkb(lonlat, pyproj.CRS("EPSG:4326"))
    >>> shapely.get_coordinates(shapely.from_wkb(stored.wkb.to_numpy(zero_copy_only=False)),
    ...                         include_z=True).round(3).tolist(), stored.flattened
    ([[500000.0, 0.0, nan], [500000.0, 0.0, nan], [500000.0, 0.0, nan]], 1)

    A ring that is not closed (here 0 0, 1 0, 1 1, 0 1), a point far beyond Vietnam, and
    bytes that are not WKB:

    >>> zero, one = "00" * 8, "000000000000f03f"  # little-endian doubles
    >>> unclosed = bytes.fromhex("01030000000100000004000000" + zero + zero + one + zero
    ...                          + one + one + zero + one)
    >>> odd = pa.array([unclosed, shapely.Point(1e300, 0).wkb, b"junk", None])
    >>> stored = storage_wkb(odd, pyproj.CRS("EPSG:32648"))
    >>> stored.closed, stored.far, stored.unreadable, stored.wkb.null_count
    (1, 1, 1, 3)
    >>> shapely.from_wkb(stored.wkb[0].as_py()).wkt
    'POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))'
    """
    wkb = _binary(wkb)
    storage = _is_storage(crs)
    records = _point_records(wkb)
    if records is not None:
        x, y = ((records["x"], records["y"]) if storage else
                transformer_to_storage(crs).transform(records["x"], records["y"]))
        if storage and _inside_domain(x, y).all():
            return Stored(wkb)
        if _inside_domain(x, y).all():
            moved = records.copy()
            moved["x"], moved["y"] = x, y
            return Stored(pa.BinaryArray.from_buffers(pa.binary(), len(wkb), [
                wkb.buffers()[0], pa.py_buffer(np.arange(len(wkb) + 1, dtype=np.int32) *
                                               POINT_WKB.itemsize),
                pa.py_buffer(moved.tobytes())], wkb.null_count))
    values = np.asarray(wkb.to_numpy(zero_copy_only=False))
    geometries, closed, unreadable = _parsed(values)
    with_z = shapely.has_z(geometries)
    heights = 0
    if with_z.any():
        heights = _with_heights(geometries[with_z])
        geometries = shapely.force_2d(geometries)
    if not storage:
        geometries = to_storage(geometries, crs)
    # Every vertex, not the bounds: GEOS leaves a NaN vertex out of a geometry's bounds.
    coordinates, owner = shapely.get_coordinates(geometries, return_index=True)
    far = np.zeros(len(geometries), bool)
    far[owner[~_inside_domain(coordinates[:, 0], coordinates[:, 1])]] = True
    if storage and _all_2d(wkb) and not (closed or unreadable or far.any()):
        return Stored(wkb)
    geometries[far] = None
    return Stored(pa.array(shapely.to_wkb(geometries), pa.binary()), heights,
                  closed, unreadable, int(far.sum()))


def _with_heights(geometries: np.ndarray) -> int:
    """How many of these 3D geometries have a Z other than 0: Google Earth and My Maps write
    an altitude of 0 with every point, a CAD export a 0 with every vertex; neither measured
    anything, and saying those were dropped would only worry whoever loads them."""
    coordinates, owner = shapely.get_coordinates(geometries, include_z=True, return_index=True)
    with np.errstate(invalid="ignore"):
        return len(np.unique(owner[np.nan_to_num(coordinates[:, 2]) != 0]))


def _parsed(values: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The WKB values as shapely geometries, and how many had a ring closed and how many
    could not be read at all (made None). Closing is tried only where reading failed."""
    with np.errstate(invalid="ignore"):  # a NaN coordinate: `storage_wkb` refuses it
        try:
            geometries = shapely.from_wkb(values, on_invalid="ignore")
        except NotImplementedError:  # an arc or a circle: shapely reads straight lines only
            values = _linearized(values)
            geometries = shapely.from_wkb(values, on_invalid="ignore")
    failed = shapely.is_missing(geometries) & np.not_equal(values, None)
    if not failed.any():
        return geometries, 0, 0
    with np.errstate(invalid="ignore"):
        fixed = shapely.from_wkb(values[failed], on_invalid="fix")
    geometries[failed] = fixed
    closed = int((~shapely.is_missing(fixed)).sum())
    return geometries, closed, int(failed.sum()) - closed


def _inside_domain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xmin, ymin, xmax, ymax = STORAGE_DOMAIN
    with np.errstate(invalid="ignore"):  # NaN is outside
        return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)


def _linearized(values: np.ndarray) -> np.ndarray:
    """WKB values with each curve (circular arcs, as CAD and ArcGIS draw them) made of
    straight segments by GDAL, which does so when it writes a curve to a format without
    curves (GeoJSON here, in memory): shapely and the layers hold straight lines only.

    >>> arc = bytes.fromhex("0108000000030000000000000000000000000000000000000000000000"
    ...                     "0000f03f000000000000f03f00000000000000400000000000000000")
    >>> linear = shapely.from_wkb(_linearized(np.array([arc, None], object)))
    >>> linear[0].geom_type, len(shapely.get_coordinates(linear[0])) > 3, linear[1]
    ('LineString', True, None)
    """
    curved = np.array([_is_curve(value) for value in values], bool)
    if not curved.any():
        return values
    path = f"/vsimem/urbanmap-linear-{uuid.uuid4().hex}.geojson"
    try:
        with warnings.catch_warnings():  # no CRS is given: the coordinates are not read
            warnings.simplefilter("ignore", UserWarning)
            pyogrio.raw.write(path, values[curved], field_data=[], fields=[],
                              driver="GeoJSON", geometry_type="Unknown", crs=None)
        straight = pyogrio.raw.read(path)[2]
    finally:
        pyogrio.vsi_unlink(path)
    linear = values.copy()
    linear[curved] = list(straight)
    return linear


def _is_curve(value: bytes | None) -> bool:
    try:
        shapely.from_wkb(value, on_invalid="ignore")
    except NotImplementedError:
        return True
    return False


def z_values(wkb: pa.Array) -> np.ndarray:
    """Each point's Z, as the file gives it (NaN where it has none): heights are not
    reprojected, they are in the survey's own datum.

    >>> z_values(pa.array([shapely.Point(1, 2, 3.5).wkb, shapely.Point(1, 2).wkb, None]))
    array([3.5, nan, nan])
    """
    points = shapely.from_wkb(np.asarray(_binary(wkb).to_numpy(zero_copy_only=False)),
                              on_invalid="ignore")
    z = np.full(len(points), np.nan)
    single = shapely.get_type_id(points) == shapely.GeometryType.POINT
    z[single] = shapely.get_z(points[single])
    return z


def _binary(wkb: pa.Array) -> pa.BinaryArray:
    if isinstance(wkb, pa.ChunkedArray):
        wkb = wkb.combine_chunks()
    if wkb.type != pa.binary():
        wkb = wkb.cast(pa.binary())
    if wkb.offset:  # a slice: work on a compact copy
        wkb = wkb.take(pa.array(np.arange(len(wkb))))
    return wkb


def _is_storage(crs: pyproj.CRS) -> bool:
    canonical = canonical_crs(crs)
    return not canonical.is_bound and canonical.to_epsg() == STORAGE_SRID


def _all_2d(wkb: pa.BinaryArray) -> bool:
    """Whether every value is little-endian 2D WKB (GDAL's own), judged on its header."""
    heads = pc.binary_slice(wkb, 0, 5).drop_null()
    return bool(pc.all(pc.is_in(heads, value_set=_FLAT_HEADERS)).as_py())


def _point_records(wkb: pa.BinaryArray) -> np.ndarray | None:
    """The batch as 21-byte point records, or None unless every value is a 2D point in
    little-endian WKB (no nulls, no Z, no other type)."""
    if wkb.null_count or len(wkb) == 0:
        return None
    offsets = np.frombuffer(wkb.buffers()[1], np.int32, len(wkb) + 1)
    if offsets[0] != 0 or np.any(np.diff(offsets) != POINT_WKB.itemsize):
        return None
    records = np.frombuffer(wkb.buffers()[2], POINT_WKB, len(wkb))
    if np.any(records["order"] != 1) or np.any(records["type"] != 1):
        return None
    return records




def layer_wkb(wkb: pa.BinaryArray, layer_geometry: str) -> pa.BinaryArray | None:
    """`wkb` as values the layer's geometry column accepts as they are (2D, its type,
    single parts as one-part multis), or None if any value is missing or is anything else
    (3D, another type, big-endian): those need the staging table, where validation says
    what is wrong with them.

    Judged on each value's five-byte header and wrapped in a multi header by Arrow's
    kernels: parsing 100,000 polygons through shapely to wrap them took 0.4 s.

    >>> square = shapely.box(0, 0, 1, 1)
    >>> fitted = layer_wkb(pa.array([square.wkb, shapely.MultiPolygon([square]).wkb]),
    ...                    "MultiPolygon")
    >>> multis = shapely.from_wkb(fitted.to_numpy(zero_copy_only=False))
    >>> list(multis) == [shapely.MultiPolygon([square])] * 2
    True
    >>> layer_wkb(pa.array([square.wkb, shapely.Point(0, 0).wkb]), "MultiPolygon") is None
    True
    >>> layer_wkb(pa.array([shapely.Point(1, 2, 3).wkb]), "Point") is None  # 3D
    True
    """
    wkb = _binary(wkb)
    if wkb.null_count:
        return None
    single_code, multi_code = _PARTS[layer_geometry]
    kinds = pc.binary_slice(wkb, 0, 5)
    single = pc.equal(kinds, _header(single_code))
    if multi_code is None:
        return wkb if pc.all(single).as_py() else None
    if not pc.all(pc.or_(single, pc.equal(kinds, _header(multi_code)))).as_py():
        return None
    if not pc.any(single).as_py():
        return wkb
    wrapped = pc.binary_join_element_wise(_header(multi_code, 1), wkb,
                                          pa.scalar(b"", pa.binary()))
    return pc.if_else(single, wrapped, wkb)
