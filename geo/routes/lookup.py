"""The field team's lookups, for a phone at a point: the nearest working hydrants along the
streets, what is here, and a road or alley's width for a fire truck (see geo.lookup_*)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from geo.errors import BadRequest
from geo.items import parse_limit
from geo.lookup_here import what_is_here
from geo.lookup_hydrants import nearest_hydrants
from geo.lookup_point import LookupPoint, check_near_district, parse_metres, parse_point
from geo.lookup_ways import find_ways
from geo.routes.common import refuse_unknown_parameters

router = APIRouter(prefix="/lookup", tags=["lookup"])

GEOJSON = "application/geo+json"
MAX_HYDRANTS = 20
MAX_HYDRANT_M = 2_000.0
MAX_HERE = 200
MAX_RADIUS_M = 1_000.0
MAX_WAYS = 50


def _point(request: Request) -> LookupPoint:
    return parse_point(request.query_params.get("lon"), request.query_params.get("lat"))


def _limit(request: Request, default: int, maximum: int) -> int:
    return min(parse_limit(request.query_params.get("limit", str(default))), maximum)


@router.get("/hydrants", summary="The nearest working hydrants to lon, lat, by distance "
                                 "along roads and alleys, with the route to each")
def hydrants(request: Request) -> Response:
    refuse_unknown_parameters(request, ("lon", "lat", "limit", "max_m"))
    point = _point(request)
    limit = _limit(request, 3, MAX_HYDRANTS)
    max_m = parse_metres("max_m", request.query_params.get("max_m"), 1000.0, MAX_HYDRANT_M)
    with request.app.state.engine.connect() as conn:
        # One snapshot for the several statements of a lookup: a load committing meanwhile
        # cannot give the network of one version and the hydrants of the next.
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        check_near_district(conn, point)
        body = nearest_hydrants(conn, point, limit, max_m)
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/here", summary="What is here: the assets within radius_m of lon, lat, nearest "
                             "first, with the ward, planning zone and risk levels there")
def here(request: Request) -> Response:
    refuse_unknown_parameters(request, ("lon", "lat", "radius_m", "limit"))
    point = _point(request)
    radius_m = parse_metres("radius_m", request.query_params.get("radius_m"), 100.0,
                            MAX_RADIUS_M)
    limit = _limit(request, 50, MAX_HERE)
    with request.app.state.engine.connect() as conn:
        check_near_district(conn, point)
        body = what_is_here(conn, point, radius_m, limit)
    return Response(body, media_type="application/json")


@router.get("/ways", summary="A road or alley by name or number (hẻm 458 Huỳnh Tấn Phát), "
                             "with its width and whether a fire truck fits")
def ways(request: Request) -> Response:
    refuse_unknown_parameters(request, ("q", "limit"))
    if "q" not in request.query_params:
        raise BadRequest("q is missing: give a road or alley name or number, e.g. "
                         "/lookup/ways?q=hem 458 huynh tan phat.")
    limit = _limit(request, 10, MAX_WAYS)
    with request.app.state.engine.connect() as conn:
        body = find_ways(conn, request.query_params["q"], limit)
    return JSONResponse(body, media_type=GEOJSON)
