"""The planners' web map: the page, its script and style, MapLibre GL JS and the glyphs.

Everything the page loads is served here, so the map works on a closed network: MapLibre
GL JS comes from npm (`package.json`, installed by `make setup` into `node_modules/`),
never from a CDN, and labels use this service's glyphs or the browser's own fonts, never a
font server. The layer switcher and legend are written into the page from the registry and
`styles/` (the same source as the `urbanmap:legend` metadata of /styles/map.json), so the
page lists every layer even before its script runs.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from geo.errors import NotFound
from geo.routes.common import refuse_unknown_parameters
from geo.routes.styles import styled_layers
from geo.styles import legend
from layers import LayerSpec

router = APIRouter()

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAGE = STATIC_DIR / "map.html"  # a template: served filled in, at /map, never as it is
FIELD_PAGE = STATIC_DIR / "field.html"  # the phone page, at /field
NODE_MODULES = STATIC_DIR.parent.parent / "node_modules"
# npm package → the folder of it the page may load; nothing else in node_modules is served.
VENDOR = {"maplibre-gl": NODE_MODULES / "maplibre-gl" / "dist"}
# Glyph PBFs, one folder per font (`glyphs/Noto Sans Regular/0-255.pbf`). No package on
# npm or PyPI ships them ready-made under a free licence, so none are installed by default;
# without them the page lets MapLibre GL JS draw labels with the browser's own fonts.
GLYPHS_DIR = STATIC_DIR / "glyphs"
GLYPH_RANGE = re.compile(r"\d{1,5}-\d{1,5}")

MEDIA_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css",
               ".map": "application/json", ".html": "text/html", ".svg": "image/svg+xml",
               ".pbf": "application/x-protobuf"}
OWN_CACHE = "no-cache"  # revalidated (ETag), so an upgrade shows at once
VENDOR_CACHE = "public, max-age=86400"

# Domains in the order planners look for them; `risk` holds the computed overlays.
DOMAINS = {
    "administration": ("Administration", "Hành chính"),
    "planning": ("Planning", "Quy hoạch"),
    "transport": ("Transport", "Giao thông"),
    "water": ("Water", "Thủy văn"),
    "safety": ("Safety", "An toàn, PCCC"),
    "health": ("Health", "Y tế"),
    "economy": ("Economy", "Kinh tế"),
    "environment": ("Environment", "Môi trường"),
    "risk": ("Risk overlays", "Lớp nguy cơ"),
}


@cache
def _files(folder: Path) -> dict[str, Path]:
    """The files directly in a folder, by name: the only names a URL may select."""
    if not folder.is_dir():
        return {}
    return {path.name: path for path in folder.iterdir() if path.is_file()}


def _file_response(path: Path, cache_control: str) -> FileResponse:
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
                        headers={"Cache-Control": cache_control})


def _swatch(entry: dict) -> str:
    return (f"<span class='swatch swatch-{escape(entry['shape'])}' "
            f"style='--c:{escape(entry['color'])}' aria-hidden='true'></span>")


def _layer_item(spec: LayerSpec) -> str:
    entries = legend(spec)
    checked = "" if spec.is_overlay else " checked"
    extra = ""
    if len(entries) > 1:
        extra = "<ul class='legend'>" + "".join(
            f"<li>{_swatch(e)}{escape(e['label'])} <span lang='vi'>{escape(e['label_vi'])}"
            "</span></li>" for e in entries) + "</ul>"
    if spec.time_field:
        extra += (f"<label class='day'>Day <span lang='vi'>Ngày</span> <input type='date' "
                  f"data-day-for='{escape(spec.id)}'></label>")
    return (f"<li><label><input type='checkbox' data-layer='{escape(spec.id)}'{checked}> "
            f"{_swatch(entries[0])}{escape(spec.title)} <span lang='vi'>"
            f"{escape(spec.title_vi)}</span></label>{extra}</li>")


def layer_switcher() -> str:
    """Every styled layer, grouped by domain, each with its legend."""
    groups = []
    for domain, (title, title_vi) in DOMAINS.items():
        specs = [spec for spec in styled_layers() if spec.domain == domain]
        if specs:
            items = "".join(_layer_item(spec) for spec in specs)
            groups.append(f"<details class='domain' data-domain='{domain}' open><summary>"
                          f"{escape(title)} <span lang='vi'>{escape(title_vi)}</span>"
                          f"</summary><ul>{items}</ul></details>")
    return "".join(groups)


@cache
def map_html() -> str:
    page = PAGE.read_text(encoding="utf-8")
    page = page.replace('data-glyphs="none"', f'data-glyphs="{_glyphs_state()}"')
    return page.replace("<!-- layers -->", layer_switcher())


def _glyphs_state() -> str:
    """Without glyphs installed, the pages drop the style's glyph URL (see static/shared.js)."""
    return "installed" if _files_in_subfolders(GLYPHS_DIR) else "none"


def map_page() -> HTMLResponse:
    """The map page (also answered at / for browsers, see geo.routes.landing)."""
    return HTMLResponse(map_html(), headers={"Cache-Control": OWN_CACHE})


@router.get("/map", summary="The planners' web map (HTML)", response_class=HTMLResponse)
def web_map(request: Request) -> HTMLResponse:
    refuse_unknown_parameters(request, ())
    return map_page()


@router.get("/field", summary="The field page for phones: nearest hydrants, what is here, "
                           "alleys and whether a fire truck fits (HTML)",
            response_class=HTMLResponse)
def field_page(request: Request) -> HTMLResponse:
    refuse_unknown_parameters(request, ())
    return HTMLResponse(field_html(), headers={"Cache-Control": OWN_CACHE})


@cache
def field_html() -> str:
    page = FIELD_PAGE.read_text(encoding="utf-8")
    return page.replace('data-glyphs="none"', f'data-glyphs="{_glyphs_state()}"')


@router.get("/static/vendor/{package}/{name}", summary="A JavaScript library the map uses",
            response_class=FileResponse, include_in_schema=False)
def vendor_file(package: str, name: str) -> FileResponse:
    # Any query is let through: MapLibre asks for its worker with `?v=<version>`.
    folder = VENDOR.get(package)
    if folder is None:
        raise NotFound(f"No library {package!r}. Libraries: {', '.join(VENDOR)}.")
    path = _files(folder).get(name)
    if path is None:
        if not folder.is_dir():
            raise NotFound(f"{package} is not installed on the server: run `make setup` "
                           "(or `npm ci`) in urbanmap's folder.")
        raise NotFound(f"{package} has no file {name!r}.")
    return _file_response(path, VENDOR_CACHE)


@router.get("/static/{name}", summary="A file of the web map", response_class=FileResponse,
            include_in_schema=False)
def static_file(name: str, request: Request) -> FileResponse:
    refuse_unknown_parameters(request, ())
    path = _files(STATIC_DIR).get(name)
    if path is None or path in (PAGE, FIELD_PAGE):
        raise NotFound(f"No file {name!r} in the web map.")
    return _file_response(path, OWN_CACHE)


@router.get("/fonts/{fontstack}/{glyph_range}.pbf", summary="Glyphs for map labels",
            response_class=FileResponse)
def glyphs(fontstack: str, glyph_range: str, request: Request) -> FileResponse:
    """The first font of the stack that has the range (MapLibre joins a stack with commas)."""
    refuse_unknown_parameters(request, ())
    fonts = _files_in_subfolders(GLYPHS_DIR)
    if GLYPH_RANGE.fullmatch(glyph_range):
        for font in fontstack.split(","):
            path = fonts.get(font.strip(), {}).get(f"{glyph_range}.pbf")
            if path is not None:
                return _file_response(path, VENDOR_CACHE)
    raise NotFound(f"No glyphs {glyph_range} are installed for {fontstack!r}; the web map "
                   "draws labels with the browser's own fonts.")


@cache
def _files_in_subfolders(folder: Path) -> dict[str, dict[str, Path]]:
    if not folder.is_dir():
        return {}
    return {sub.name: _files(sub) for sub in folder.iterdir() if sub.is_dir()}
