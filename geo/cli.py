"""The `urbanmap` command: database, loading, the sample and the map service."""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from geo import migrate
from geo.db import connect_engine, local_cluster, redacted
from geo.errors import InvalidInput, UrbanmapError
from geo.settings import Settings
from layers import REGISTRY

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="The PostGIS database: embedded cluster and migrations.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")
# Markup off: what is printed quotes files, their values and the reports' mapping hints
# ("[values.kind]"), which Rich would take for styles and drop.
console = Console(markup=False)


def _ready_engine(settings: Settings):
    """An engine to a migrated database, starting the embedded PostGIS if needed."""
    engine = connect_engine(settings)
    migrate.upgrade(engine)
    return engine


# -- db ------------------------------------------------------------------------------

@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostGIS (created on first start, reused after)."""
    settings = Settings()
    if settings.database_url:
        console.print(f"DATABASE_URL is set: urbanmap uses {redacted(settings.database_url)} "
                      "and starts nothing.")
        return
    status = local_cluster(settings).start()
    console.print(f"PostGIS running (pid {status.pid}), data in {status.data_dir}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostGIS; its data stays for the next start."""
    settings = Settings()
    if settings.database_url:
        console.print("DATABASE_URL is set: there is no embedded PostGIS to stop.")
        return
    local_cluster(settings).stop()
    console.print("PostGIS stopped")


@db_app.command("status")
def db_status() -> None:
    """Say which database urbanmap uses and whether it answers."""
    settings = Settings()
    if settings.database_url:
        engine = connect_engine(settings, start=False)
        console.print(f"external PostGIS at {redacted(settings.database_url)}: running, "
                      f"schema revision {migrate.current_revision(engine) or 'none'}")
        return
    status = local_cluster(settings).status()
    state = f"running (pid {status.pid})" if status.running else (
        "stopped" if status.initialised else "not created yet")
    console.print(f"embedded PostGIS in {status.data_dir}: {state}")
    if not status.running:
        raise typer.Exit(3)


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (password hidden) in libpq form, for psql, QGIS or ogr2ogr."""
    settings = Settings()
    url = settings.database_url or local_cluster(settings).url
    print(redacted(url).replace("postgresql+psycopg2://", "postgresql://", 1))


@db_app.command("migrate")
def db_migrate(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Downgrade to the revision")] = False,
) -> None:
    """Bring the schema to a revision (default: the newest)."""
    engine = connect_engine(Settings())
    (migrate.downgrade if down else migrate.upgrade)(engine, revision)
    console.print(f"schema at revision {migrate.current_revision(engine) or 'base'}")


# -- layers and loading --------------------------------------------------------------

@app.command("layers")
def list_layers() -> None:
    """List the layers of the registry."""
    table = Table("id", "title", "tên", "domain", "geometry")
    for spec in REGISTRY.values():
        table.add_row(spec.id, spec.title, spec.title_vi, spec.domain, spec.geometry or "—")
    console.print(table)


@app.command("load")
def load(
    layer: Annotated[str, typer.Argument(help="Layer id, see `urbanmap layers`")],
    file: Annotated[Path, typer.Argument(help="File to load (Shapefile, zip, GeoPackage, "
                                               "GeoJSON, KML, File Geodatabase, FlatGeobuf, CSV, "
                                               ".xlsx, .ods, DXF)")],
    source_layer: Annotated[
        str | None, typer.Option("--layer",
                                 help="Layer inside the file, or sheet of a workbook "
                                      "('*': every sheet, or every layer of the target's "
                                      "kind, or every Shapefile of a zip, as one table; a "
                                      "pattern such as '*/duong.shp' or 'phuong_*': those "
                                      "it names)")
    ] = None,
    crs: Annotated[str | None, typer.Option(
        help="CRS when the file has none or a wrong one: EPSG:32648, vn2000-hcm …")] = None,
    mode: Annotated[str, typer.Option(
        help="replace, upsert, append, or update (set attributes of features the file "
             "names by --key)")] = "replace",
    key: Annotated[str | None, typer.Option(
        help="With --mode update: the field rows name features by (default: the layer's "
             "code, else source id, else name)")] = None,
    mapping: Annotated[Path | None, typer.Option(
        help="Column mapping file: TOML, or YAML if named .yaml")] = None,
    map_: Annotated[list[str] | None, typer.Option(
        "--map", help="COLUMN=field, e.g. --map TEN_DUONG=name")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="field=VALUE for every row, e.g. --set report_date=2021-11-05 for a "
                      "day's report that says its day only in its title")] = None,
    encoding: Annotated[str | None, typer.Option(
        help="Text encoding of a Shapefile, CSV or GeoJSON not in UTF-8: cp1258 (Windows "
             "Vietnamese), tcvn3 (ABC fonts, .VnTime), vni (VNI fonts), latin1 …")] = None,
    dry_run: Annotated[bool, typer.Option(help="Validate and report; write nothing")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the report as JSON here")] = None,
) -> None:
    """Load one layer from a file: validated, then published in one transaction."""
    from loaders.files import FILE_MODES, load_file

    if mode not in FILE_MODES:
        raise InvalidInput(f"--mode must be one of {', '.join(FILE_MODES)}, not {mode!r}.")
    engine = _ready_engine(Settings())
    with _progress(f"{layer} ← {file.name}") as progress:
        result = load_file(engine, layer, file, layer=source_layer, crs=crs, encoding=encoding,
                           mode=mode, key=key, mapping_file=mapping, overrides=_pairs(map_ or []),
                           constants=_pairs(set_ or [], "--set",
                                            "field=VALUE, e.g. --set report_date=2021-11-05"),
                           dry_run=dry_run, progress=progress)
    _finish([result], report)


@app.command("load-osm")
def load_osm_command(
    file: Annotated[Path, typer.Argument(help=".osm.pbf or .osm file")],
    clip: Annotated[bool, typer.Option(help="Clip to the district outline in the file")] = True,
    boundary: Annotated[Path | None, typer.Option(
        help="Clip to the polygons of this file instead (another district, a ward)")] = None,
    dry_run: Annotated[bool, typer.Option(help="Validate and report; write nothing")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the reports as JSON here")] = None,
) -> None:
    """Fill every layer OpenStreetMap has from one extract, in one transaction."""
    from loaders.osm import load_osm

    engine = _ready_engine(Settings())
    with _progress(file.name) as progress:
        reports = load_osm(engine, file, clip=clip, dry_run=dry_run, boundary_file=boundary,
                           progress=progress)
    _finish(reports, report)


@app.command("loads")
def loads_command(
    layer: Annotated[str | None, typer.Argument(help="Only this layer's loads")] = None,
    last: Annotated[int, typer.Option(min=1, help="How many, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Each load's full report as JSON")]
    = False,
) -> None:
    """The loads recorded: who loaded which file into which layer, when, and the counts."""
    from loaders.history import recent_loads

    engine = _ready_engine(Settings())
    with engine.connect() as conn:
        found = recent_loads(conn, layer, last)
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=2, default=str))
        return
    if not found:
        console.print("No load recorded" + (f" for {layer}." if layer else "."))
    for load in found:  # a line each: a table would not fit a phone's or a CI log's width
        version = (load["report"] or {}).get("data_version")
        console.print(f"{load['finished_at']:%Y-%m-%d %H:%M:%S%z} {load['layer_id']} ← "
                      f"{load['source_file']} ({load['mode']}, by {load['loaded_by']}): "
                      + ", ".join(f"{load[n]:,} {n}" for n in ("inserted", "updated", "deleted",
                                                                 "rejected"))
                      + (f"; data version {version}" if version else ""),
                      highlight=False, soft_wrap=True)


@app.command("sample")
def sample(
    out: Annotated[Path | None, typer.Option(help="Where to write the generated files")] = None,
) -> None:
    """Generate and load the District 7 sample (OSM extract + labelled generated data)."""
    from loaders.sample import load_sample

    _finish(load_sample(_ready_engine(Settings()), out), None)


def _pairs(items: list[str], option: str = "--map",
           form: str = "COLUMN=field, e.g. --map TEN_DUONG=name") -> dict[str, str]:
    pairs = {}
    for item in items:
        name, separator, value = item.partition("=")
        if not separator or not name or not value:
            raise InvalidInput(f"{option} takes {form}; got {item!r}.")
        pairs[name.strip()] = value.strip()
    return pairs


@contextmanager
def _progress(label: str):
    """A load's bar: features read out of the file's count, then what the load does."""
    from loaders.pipeline import Progress as LoadProgress

    with Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                  MofNCompleteColumn(), TextColumn("features"), TimeElapsedColumn(),
                  TextColumn("{task.fields[step]}", markup=False),
                  console=console, transient=True) as bar:
        task = bar.add_task(label, total=None, step="reading")
        yield LoadProgress(
            expect=lambda total: bar.update(task, total=total),
            read=lambda count: bar.advance(task, count),
            step=lambda what: bar.update(task, step=what))


def _finish(reports, report_file: Path | None) -> None:
    for result in reports:
        console.print(result.summary(), highlight=False)
    if report_file:
        report_file.write_text(json.dumps([r.to_dict() for r in reports], ensure_ascii=False,
                                          indent=2))
        console.print(f"report written to {report_file}")


# -- risk overlays -------------------------------------------------------------------

risk_app = typer.Typer(help="Risk overlays: fire, flood and epidemic risk, computed in PostGIS.",
                       no_args_is_help=True)
app.add_typer(risk_app, name="risk")


@risk_app.command("list")
def risk_list() -> None:
    """List the risk models, their overlay layers and whether they are current."""
    from geo import risk

    engine = _ready_engine(Settings())
    with engine.connect() as conn:
        states = risk.model_states(conn)
    table = Table("model", "overlay layer", "inputs", "features", "computed", "state")
    for state in states:
        table.add_row(state.model.id, state.model.layer_id, ", ".join(state.model.inputs),
                      "—" if state.features is None else str(state.features),
                      f"{state.computed_at:%Y-%m-%d %H:%M} ({state.seconds:.1f} s)"
                      if state.computed_at else "—", state.state)
    console.print(table)


@risk_app.command("compute")
def risk_compute(
    models: Annotated[list[str] | None, typer.Argument(help="Model ids (default: all)")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="NAME=VALUE, e.g. --set threshold_m=200; kept for later recomputes")
    ] = None,
    defaults: Annotated[bool, typer.Option(
        help="Forget parameters set earlier and use the defaults")] = False,
) -> None:
    """Compute risk overlays now (loads recompute the ones they affect by themselves)."""
    from geo import risk

    chosen = [risk.get_model(model_id) for model_id in models] if models else \
        list(risk.MODELS.values())
    overrides = _pairs(set_ or [], "--set", "NAME=VALUE, e.g. --set threshold_m=200")
    if overrides and len(chosen) > 1:
        raise InvalidInput("--set applies to one model: name it, e.g. "
                           "`urbanmap risk compute hydrant_coverage --set threshold_m=200`.")
    engine = _ready_engine(Settings())
    with engine.begin() as conn:
        runs = [risk.compute(conn, model, overrides, defaults) for model in chosen]
    for run in runs:
        console.print(run.summary(), highlight=False)


@risk_app.command("explain")
def risk_explain(model: Annotated[str, typer.Argument(help="Model id")]) -> None:
    """Say what a model computes, from which layers, with which parameters and SQL."""
    from geo import risk

    print(risk.explain(risk.get_model(model)))


# -- standalone maps -----------------------------------------------------------------

@app.command("map")
def map_command(
    layers: Annotated[str, typer.Option(help="Layer ids, comma separated: wards,roads,hydrants")],
    out: Annotated[Path, typer.Option(help="The HTML file to write")],
    ward: Annotated[str | None, typer.Option(
        help="Only features in this ward (phường), e.g. 'Tân Thuận Đông' or 'tan thuan dong'")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title on the map and its browser tab")
                     ] = None,
) -> None:
    """Write a self-contained HTML map of chosen layers (Leaflet inlined: works offline)."""
    from geo import standalone_map

    specs = standalone_map.choose_layers(layers)
    standalone_map.check_writable(out)
    engine = _ready_engine(Settings())
    with engine.connect() as conn:
        html, drawn = standalone_map.render_map(conn, specs, ward=ward, title=title)
    size = standalone_map.write_page(html, out)
    counts = ", ".join(f"{layer.spec.id} {layer.features}" for layer in drawn)
    console.print(f"map written to {out} ({size / 1e6:.1f} MB): {counts}", highlight=False)


# -- export and offline packs ---------------------------------------------------------

@app.command("export")
def export_command(
    layers: Annotated[list[str], typer.Argument(
        help="Layer ids (or all), e.g. roads hydrants, or roads,hydrants")],
    format_: Annotated[str, typer.Option(
        "--format", "-f", help="gpkg, shp, geojson, csv, kml, fgb or parquet")] = "gpkg",
    crs: Annotated[str, typer.Option(
        help="wgs84, utm48n, vn2000, vn2000-utm48n, vn2000-hcm, or an EPSG code")] = "wgs84",
    ward: Annotated[str | None, typer.Option(help="Only features over this ward (phường)")
                    ] = None,
    bbox: Annotated[str | None, typer.Option(
        help="Only features in minLon,minLat,maxLon,maxLat (WGS 84)")] = None,
    filter_: Annotated[str | None, typer.Option(
        "--filter", help="CQL2 text, e.g. \"status = 'working'\"")] = None,
    properties: Annotated[str | None, typer.Option(
        help="Attributes to keep, comma separated (default: all)")] = None,
    coordinates: Annotated[str | None, typer.Option(
        help="CSV only: wkt (default) or xy (lon/lat or x/y columns; points)")] = None,
    out: Annotated[Path, typer.Option(help="A directory, or the file to write")] = Path("."),
) -> None:
    """Export layers as a GIS file for another agency, with a metadata sidecar."""
    from geo.export import build_request
    from geo.export_package import run_export

    request = build_request(layers, format_, crs, ward, bbox, filter_, properties, coordinates)
    directory, stem = _export_target(out, request.format.artefact_suffix(len(request.layers)))
    engine = _ready_engine(Settings())
    with _layer_progress() as progress:
        artefact = run_export(engine, request, directory, stem, progress)
    counts = ", ".join(f"{layer['id']} {layer['features']}"
                       for layer in artefact.metadata["layers"])
    console.print(f"{artefact.path} ({artefact.path.stat().st_size / 1e6:.1f} MB, "
                  f"{request.crs.name}): {counts}", highlight=False)
    if artefact.sidecar:
        console.print(f"metadata: {artefact.sidecar}", highlight=False)


def _export_target(out: Path, suffix: str) -> tuple[Path, str | None]:
    """(directory, file stem): a directory gets a name made from the request."""
    if out.is_dir() or not out.suffix:
        out.mkdir(parents=True, exist_ok=True)
        return out, None
    if out.suffix.lower() != suffix:
        raise InvalidInput(f"This export is written as a {suffix} file; name --out "
                           f"{out.with_suffix(suffix)} or give a directory.")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.parent, out.stem


@app.command("pack")
def pack_command(
    ward: Annotated[str | None, typer.Option(help="The ward (phường); default: the district")
                    ] = None,
    out: Annotated[Path, typer.Option(help="A directory, or the .mbtiles file to write")
                   ] = Path("."),
    maxzoom: Annotated[int, typer.Option(help="Highest zoom of the tiles")] = 16,
    pmtiles: Annotated[bool, typer.Option(help="Also write a .pmtiles copy of the tiles")
                       ] = True,
) -> None:
    """Offline pack for field teams: vector tiles (MBTiles, PMTiles) and a GeoPackage."""
    from geo.offline_pack import make_pack

    engine = _ready_engine(Settings())
    with _layer_progress() as progress:
        pack = make_pack(engine, out, ward, maxzoom, pmtiles, progress)
    console.print(f"{pack.area.name}: {pack.tiles} tiles, zoom {pack.zooms[0]}–{pack.zooms[1]}",
                  highlight=False)
    for path in (pack.mbtiles, pack.pmtiles, pack.geopackage.path, pack.geopackage.sidecar):
        if path is not None:
            console.print(f"  {path} ({path.stat().st_size / 1e6:.1f} MB)", highlight=False)


@contextmanager
def _layer_progress():
    """A bar per layer (or for the tiles) with its total, for geo.export_package.Progress."""
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:

        class LayerBar:
            task = None

            def start(self, layer: str, total: int) -> None:
                self.task = bar.add_task(layer, total=total)

            def advance(self, rows: int) -> None:
                if self.task is not None:
                    bar.advance(self.task, rows)

        yield LayerBar()


# -- serving -------------------------------------------------------------------------

@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the map and its API."""
    import uvicorn

    settings = Settings()
    _ready_engine(settings).dispose()
    if workers > 1:
        _listen_without_nagle()
    # loop and http left to uvicorn's "auto": uvloop and httptools, urbanmap's dependencies
    # where they install, else asyncio and h11.
    uvicorn.run("server:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers, log_level="info")


def _listen_without_nagle() -> None:
    """Make uvicorn's shared listening socket an IPPROTO_TCP one.

    With several workers uvicorn binds the socket itself with protocol 0, and asyncio sets
    TCP_NODELAY only on connections accepted from an IPPROTO_TCP socket: every response
    written in two segments then waits for the client's delayed ACK, 44 ms a request
    (measured by bench/tiles_bench.py; one worker is not affected).
    """
    import socket

    import uvicorn.config

    bind = uvicorn.config.Config.bind_socket

    def bind_tcp(config: uvicorn.config.Config) -> socket.socket:
        sock = bind(config)
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, sock.detach())

    uvicorn.config.Config.bind_socket = bind_tcp  # type: ignore[method-assign]


@app.command("demo")
def demo() -> None:
    """Start PostGIS, load the District 7 sample and serve the map on port 8000."""
    settings = Settings()
    from loaders.sample import load_sample

    _finish(load_sample(_ready_engine(settings)), None)
    console.print(f"Map: http://{settings.host}:{settings.port}/")
    serve(None, None, 1)


def main() -> None:
    try:
        app()
    except UrbanmapError as error:
        Console(stderr=True, markup=False).print(Panel(error.message, title=error.title,
                                                       border_style="red"))
        raise SystemExit(1) from None
    finally:
        # At exit the interpreter would walk every object the libraries made in one last
        # full collection, 0.4 s here (a tenth of loading 200,000 polygons), to reclaim
        # memory the ending process gives back anyway; frozen objects are not walked.
        gc.freeze()
