"""Coordinate systems.

Storage: every geometry is kept in WGS 84 / UTM zone 48N (EPSG:32648), the metric grid that
covers Ho Chi Minh City. Distances, buffers and areas are then true metres with no cast or
transform (150 m hydrant spacing, 3.5 m alley widths, flood bands), and every index serves
them. Each spatial table also keeps a stored copy in Web Mercator (EPSG:3857), computed by
the database from the UTM geometry, because vector tiles are cut in Web Mercator: tile
queries then read an indexed column with no per-request transform. The copy costs disk,
not correctness, since it is derived and can never disagree with the UTM geometry.
"""

import math
from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.crs import BoundCRS, CoordinateOperation
from pyproj.exceptions import CRSError, ProjError
from pyproj.transformer import TransformerGroup

from geo.errors import InvalidInput

STORAGE_SRID = 32648
TILE_SRID = 3857
WGS84_SRID = 4326

Bounds = tuple[float, float, float, float]
Geometries = npt.NDArray[np.object_]

# Quận 7's admin_level 6 boundary in sample/district7-2018-01-01.osm.pbf spans
# 106.690–106.767 E, 10.698–10.777 N; about a kilometre is added on every side.
DISTRICT_7_BBOX_WGS84: Final[Bounds] = (106.68, 10.69, 106.78, 10.79)
VIETNAM_BBOX_WGS84: Final[Bounds] = (102.0, 8.0, 110.0, 24.0)
FAR_KM: Final = 50.0
# Where stored coordinates (EPSG:32648 metres) may lie: Vietnam and some 1,500 km around it.
# Beyond it UTM 48N stops being a map projection (a damaged file's 1e300, a NaN), and the
# Web Mercator copy of a feature could not be computed.
STORAGE_DOMAIN: Final[Bounds] = (-1_500_000.0, -1_000_000.0, 2_500_000.0, 4_500_000.0)

# Decision 05/2007/QĐ-BTNMT's 7 parameters, as EPSG records them ("VN-2000 to WGS 84 (2)",
# coordinate-frame rotations). Left to itself PROJ chooses per point, and at District 7 it
# picks EPSG:5194 (an oil company's Mekong-delta fit), 0.8 m away; so it is bound explicitly.
VN2000_TO_WGS84: Final = CoordinateOperation.from_epsg(6960)
# The same shift for PROJ strings, QGIS and WKT1 TOWGS84, which use the position-vector
# convention: the rotations change sign. Copying the published rotations unchanged, as
# many guides do, misplaces District 7 by 0.54 m.
VN2000_TOWGS84: Final = (
    "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278")
VN2000_HCM_PROJ: Final = (
    "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    f"+towgs84={VN2000_TOWGS84} +units=m +no_defs +type=crs")

WGS84: Final = CRS.from_epsg(WGS84_SRID)
UTM48N: Final = CRS.from_epsg(STORAGE_SRID)


def _with_vn2000_shift(crs: CRS) -> CRS:
    """Bind the official shift, so no transformation can fall back to another or to none."""
    return BoundCRS(source_crs=crs, target_crs=WGS84, transformation=VN2000_TO_WGS84)


VN2000: Final = _with_vn2000_shift(CRS.from_epsg(4756))
VN2000_UTM48N: Final = _with_vn2000_shift(CRS.from_epsg(3405))
# The city's cadastral and planning maps use the VN-2000 3° zone on 105°45' with k = 0.9999;
# EPSG has it as EPSG:9210 "VN-2000 / TM-3 105-45".
VN2000_HCM: Final = _with_vn2000_shift(CRS.from_epsg(9210))

CRS_ALIASES: Final[dict[str, CRS]] = {
    "wgs84": WGS84, "EPSG:4326": WGS84, "utm48n": UTM48N, "EPSG:32648": UTM48N,
    "vn2000": VN2000, "EPSG:4756": VN2000, "vn2000-utm48n": VN2000_UTM48N,
    "EPSG:3405": VN2000_UTM48N, "vn2000-hcm": VN2000_HCM, "vn2000-hcmc": VN2000_HCM,
    "vn2000-105.75": VN2000_HCM, "EPSG:9210": VN2000_HCM}
_ALIAS_INDEX: Final = {name.lower(): crs for name, crs in CRS_ALIASES.items()}

# --crs values to suggest, the words a person knows them by, and which grid each is:
# the HCMC 3° zone and UTM 48N put the same numbers about 80 km apart at District 7.
_SUGGESTIONS: Final = (
    ("EPSG:4326", "longitude/latitude", None), ("EPSG:32648", "UTM 48N", "utm"),
    ("vn2000-hcm", "VN-2000 HCMC 3° zone", "hcm"), ("vn2000-utm48n", "VN-2000 / UTM 48N", "utm"),
    ("vn2000", "VN-2000 longitude/latitude", None))
_GEOD: Final = Geod(ellps="WGS84")


def resolve_crs(text: str) -> CRS:
    """The CRS a person means by `text`: an alias, an EPSG code, a PROJ string or WKT.

    VN-2000 systems always come back with the official datum shift bound to them.

    >>> resolve_crs("vn2000-hcm").source_crs.name
    'VN-2000 / TM-3 105-45'
    >>> resolve_crs("32648") == UTM48N
    True
    """
    key = text.strip()
    if key.lower() in _ALIAS_INDEX:
        return _ALIAS_INDEX[key.lower()]
    try:
        crs = CRS.from_user_input(f"EPSG:{key}" if key.isdigit() else key)
    except CRSError as error:
        raise InvalidInput(
            f"Unknown coordinate system {text!r}. Use one of {', '.join(CRS_ALIASES)}, "
            "another EPSG code (EPSG:5899), a PROJ string or WKT.") from error
    return canonical_crs(crs)


def canonical_crs(crs: CRS) -> CRS:
    """`crs`, with the official datum shift bound to it if it is VN-2000 without one.

    Agencies' ESRI .prj files describe VN-2000 with no TOWGS84; as they are, PROJ would
    pick an unofficial shift or none, and the data would move. A known zone gets our
    definition, another VN-2000 system the shift; anything else is returned unchanged.

    >>> canonical_crs(CRS.from_epsg(3405)) is VN2000_UTM48N
    True
    """
    if crs.is_bound or not _is_vn2000(crs):
        return crs
    for known in (VN2000, VN2000_UTM48N, VN2000_HCM):
        if _projection_key(crs) == _projection_key(known.source_crs):
            return known
    return _with_vn2000_shift(crs)


def _is_vn2000(crs: CRS) -> bool:
    """Recognise the datum by name: "Vietnam 2000", "D_Vietnam_2000", "VN-2000", "VN_2000"."""
    name = crs.datum.name.lower() if crs.datum else ""
    return "2000" in name and ("viet" in name or "vn" in name)


def _projection_key(crs: CRS) -> tuple[object, ...]:
    """Method, parameters in SI units and axis unit: equal for ESRI and EPSG spellings."""
    operation = crs.coordinate_operation
    if crs.is_geographic or operation is None:
        return ("geographic" if crs.is_geographic else "other",)
    parameters = sorted(
        (p.code, float(f"{p.value * p.unit_conversion_factor:.10g}")) for p in operation.params)
    return operation.method_code, crs.axis_info[0].unit_conversion_factor, *parameters


def transformer_to_storage(crs: CRS) -> Transformer:
    """A transformer from `crs` (made canonical) to EPSG:32648, x = easting/longitude."""
    return _transformer(canonical_crs(crs).to_wkt(), STORAGE_SRID)


@cache
def _transformer(source_wkt: str, target_srid: int) -> Transformer:
    """Built once per CRS: finding the operation costs milliseconds, far more than using it."""
    source = CRS.from_wkt(source_wkt)
    _refuse_dropped_datum_shift(source, target_srid)
    return Transformer.from_crs(source, CRS.from_epsg(target_srid), always_xy=True)


def _refuse_dropped_datum_shift(source: CRS, target_srid: int) -> None:
    """Refuse a datum PROJ can only 'ballpark' (ignore) if its ellipsoid is not WGS 84's.

    Between ellipsoids that moves data by up to hundreds of metres with no error; on WGS 84's
    own ellipsoid with an unnamed datum it is what a bare "+ellps=WGS84" asks for.
    """
    ellipsoid, wgs84 = source.ellipsoid, WGS84.ellipsoid
    if source.is_bound or ellipsoid is None or wgs84 is None or (
            ellipsoid.semi_major_metre == wgs84.semi_major_metre
            and math.isclose(ellipsoid.inverse_flattening, wgs84.inverse_flattening)):
        return
    operations = TransformerGroup(source, target_srid, always_xy=True).transformers
    if all("Ballpark" in operation.description for operation in operations):
        raise InvalidInput(
            f"No datum shift is known from {source.name} to WGS 84, and ignoring it would "
            "move the data by up to hundreds of metres. Pass a definition with the shift, "
            "e.g. a PROJ string with +towgs84=…, to --crs.")


def to_storage(geometries: Geometries, crs: CRS) -> Geometries:
    """Reproject an array of shapely geometries to EPSG:32648, in one vectorised call.

    >>> shapely.get_coordinates(to_storage(np.array([shapely.Point(105, 0)]), WGS84)).round(3)
    array([[500000.,      0.]])
    """
    transformer = transformer_to_storage(crs)
    return shapely.transform(  # type: ignore[no-any-return]
        geometries, lambda *xyz: transformer.transform(*xyz), include_z=None,
        interleaved=False)


def coordinate_problem(bounds: Bounds, crs: CRS | None,
                       area_of_interest: Bounds = DISTRICT_7_BBOX_WGS84,
                       no_crs: str = "The file has no coordinate system.") -> str | None:
    """What is wrong with a file's coordinate system, for a person, or None when fine.

    `bounds` are the file's raw (xmin, ymin, xmax, ymax), x being longitude or easting. Run
    it before anything is written: once loaded, a wrong CRS shows only as misplaced data.

    >>> coordinate_problem((106.70, 10.72, 106.74, 10.75), WGS84) is None
    True
    """
    if crs is None:  # `no_crs` says why: none at all, or one that cannot be read
        return (f"{no_crs} Pass --crs EPSG:4326 (longitude/latitude), "
                "--crs EPSG:32648 (UTM 48N) or --crs vn2000-hcm (VN-2000 HCMC 3° zone)."
                + _guess(bounds, None, area_of_interest))
    for check in (_swapped_axes, _metres_as_degrees, _degrees_as_metres, _far_away):
        message = check(bounds, crs, area_of_interest)
        if message:
            return message
    return None


def _metres_as_degrees(bounds: Bounds, crs: CRS, aoi: Bounds) -> str | None:
    _, _, xmax, ymax = bounds
    if not crs.is_geographic or _within(bounds, (-180.0, -90.0, 180.0, 90.0)):
        return None
    return (f"The file declares {crs.name}, in degrees, but its coordinates reach "
            f"x = {xmax:.0f}, y = {ymax:.0f}: these look like projected metres. Pass the "
            "right system with --crs, e.g. --crs EPSG:32648 (UTM 48N) or --crs vn2000-hcm "
            "(VN-2000 HCMC 3° zone)." + _guess(bounds, crs, aoi))


def _swapped_axes(bounds: Bounds, crs: CRS, aoi: Bounds) -> str | None:
    xmin, ymin, xmax, ymax = bounds
    if not crs.is_geographic or not _within((ymin, xmin, ymax, xmax), VIETNAM_BBOX_WGS84):
        return None
    return (f"The file's x values ({xmin:.4f}–{xmax:.4f}) look like latitudes in Vietnam and "
            f"its y values ({ymin:.4f}–{ymax:.4f}) like longitudes: longitude and latitude "
            "are swapped. Put longitude first: swap the x and y columns, or for GeoJSON "
            "write [longitude, latitude], the axis order RFC 7946 requires.")


def _degrees_as_metres(bounds: Bounds, crs: CRS, aoi: Bounds) -> str | None:
    if not crs.is_projected or not _within(bounds, (-180.0, -90.0, 180.0, 90.0)):
        return None
    return (f"The file declares {crs.name}, in metres, but all its coordinates lie within "
            "±180/±90: they look like longitude/latitude degrees. Pass --crs EPSG:4326 "
            "(or --crs vn2000 for VN-2000 degrees)." + _guess(bounds, crs, aoi))


def _far_away(bounds: Bounds, crs: CRS, aoi: Bounds) -> str | None:
    centre = _centre_wgs84(bounds, crs)
    if centre is None:
        return (f"The file's coordinates cannot be placed on Earth under {crs.name}: check "
                "its coordinate system, or pass the right one with --crs.")
    distance = _distance_km(centre, aoi)
    if distance <= FAR_KM:
        return None
    lon, lat = centre
    return (f"Under {crs.name} the data's centre lands at {lon:.4f} E, {lat:.4f} N, "
            f"{distance:.0f} km from the area of interest." + _guess(bounds, crs, aoi))


def _guess(bounds: Bounds, declared: CRS | None, aoi: Bounds) -> str:
    """Which usual --crs would put the data in the area of interest, said as advice."""
    fits = _fitting(bounds, aoi)
    xmin, ymin, xmax, ymax = bounds
    # Vietnamese surveys write X for the northing and Y for the easting: read as GIS x/y,
    # their points land thousands of kilometres off, at the same spot for every system.
    if not fits and (fits_swapped := _fitting((ymin, xmin, ymax, xmax), aoi)):
        advice = " or ".join(f"--crs {alias} ({words})" for alias, words, _ in fits_swapped)
        return (f" Its x values ({xmin:.0f}–{xmax:.0f}) look like northings and its y values "
                f"({ymin:.0f}–{ymax:.0f}) like eastings, the order Vietnamese surveys write "
                "(X north, Y east); GIS files put the easting first. Swap the two columns "
                f"(in a CSV, the names X and Y in its first line); then under {advice} it "
                "would lie in the area of interest.")
    if not fits:
        return (" No usual coordinate system puts it in the area of interest: check that the "
                "file covers this area, and pass its real coordinate system with --crs.")
    advice = " or ".join(f"--crs {alias} ({words})" for alias, words, _ in fits)
    declared_grid = [grid for alias, _, grid in _SUGGESTIONS
                     if declared is not None and canonical_crs(declared) == resolve_crs(alias)]
    grids = {grid for *_, grid in fits} | set(declared_grid)
    mix_up = (" This is a VN-2000 zone mix-up: the HCMC 3° zone (central meridian 105°45') and "
              "UTM 48N (105°) put the same numbers about 80 km apart."
              if {"hcm", "utm"} <= grids else "")
    return f" Under {advice} it would lie in the area of interest.{mix_up}"


def _fitting(bounds: Bounds, aoi: Bounds) -> list[tuple[str, str, str | None]]:
    """The usual systems under which `bounds` lie in the area of interest."""
    return [(alias, words, grid) for alias, words, grid in _SUGGESTIONS
            if (centre := _centre_wgs84(bounds, resolve_crs(alias)))
            and _distance_km(centre, aoi) <= FAR_KM]


def _centre_wgs84(bounds: Bounds, crs: CRS) -> tuple[float, float] | None:
    """The centre of `bounds` as longitude/latitude, or None where `crs` cannot place it."""
    xmin, ymin, xmax, ymax = bounds
    try:
        transformer = _transformer(canonical_crs(crs).to_wkt(), WGS84_SRID)
    except ProjError:  # a system PROJ reads but cannot convert from (a misspelt projection)
        return None
    lon, lat = transformer.transform((xmin + xmax) / 2, (ymin + ymax) / 2)
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90:
        return None
    return lon, lat


def _distance_km(point: tuple[float, float], box: Bounds) -> float:
    """Geodesic distance from a lon/lat point to the nearest point of a lon/lat box.

    >>> round(_distance_km((106.0, 10.7), (106.5, 10.7, 106.6, 10.8)))
    55
    """
    lon, lat = point
    nearest_lon, nearest_lat = min(max(lon, box[0]), box[2]), min(max(lat, box[1]), box[3])
    return float(_GEOD.inv(lon, lat, nearest_lon, nearest_lat)[2]) / 1000


def _within(bounds: Bounds, box: Bounds) -> bool:
    return box[0] <= bounds[0] <= bounds[2] <= box[2] and box[1] <= bounds[1] <= bounds[3] <= box[3]
