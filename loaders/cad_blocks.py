"""A CAD drawing loaded into a layer of points: its blocks, with their attributes as columns.

The fire police and surveyors draw a hydrant (a bin, a pole) as an insert of a symbol block,
its code and state typed into the block's attributes (MA_TRU = Q7-001, TINH_TRANG = hoạt
động). GDAL, as it reads a DXF by default, breaks each insert into the lines of its symbol
and each attribute into a text of its own: a point layer got lines to refuse and texts
without a code. Read with DXF_INLINE_BLOCKS off, an insert is one point (where it was
inserted) carrying its attributes as "TAG value" strings; `points_copy` writes the drawing
with one column per tag, which the layer's mapping then reads like any other file's columns
(`MA_TRU` → code). Texts outside blocks are notes on the drawing, not features: left out,
and counted. The copy is written batch by batch, so memory stays flat.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import geopandas as gpd
import pyarrow as pa
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from loaders.batches import BATCH_ROWS, append_to_geopackage
from loaders.cad import gdal_config, is_text

INSERTS_AS_POINTS = {"DXF_INLINE_BLOCKS": "FALSE"}
ENTITIES = "entities"  # the drawing's layer (with blocks kept, GDAL adds one of their shapes)
KEPT = ["EntityHandle", "Layer", "BlockName"]


def points_copy(dataset: str, scratch: Path) -> tuple[Path, list[str]] | None:
    """The drawing at `dataset` as a GeoPackage of its entities, inserts as points with a
    column for each attribute tag, texts left out; and the notes saying so. None if GDAL
    cannot read it: opening the drawing itself then says why, in the usual words."""
    try:
        return _points_copy(dataset, scratch / "drawing" / f"{PurePosixPath(dataset).stem}.gpkg")
    except (DataSourceError, DataLayerError):
        return None


def _points_copy(dataset: str, copy: Path) -> tuple[Path, list[str]]:
    copy.parent.mkdir()
    texts = blocks = 0
    with gdal_config(INSERTS_AS_POINTS):
        tags = _tags(dataset)
        with pyogrio.open_arrow(dataset, layer=ENTITIES, batch_size=BATCH_ROWS,
                                use_pyarrow=True) as (meta, reader):
            for batch in reader:
                frame = _with_tags(batch, tags)
                text = is_text(frame)
                texts += int(text.sum())
                blocks += int(frame["BlockName"].notna().sum())
                append_to_geopackage(frame[~text].drop(columns="SubClasses"), copy, ENTITIES)
    notes = []
    if blocks:
        notes.append(f"{blocks:,} block{'s' if blocks != 1 else ''} read as points, "
                     "with their attributes as columns"
                     + (f" ({', '.join(tags)})" if tags else ""))
    if texts:
        notes.append(f"{texts:,} text{'s' if texts != 1 else ''} left out: a drawing's texts "
                     "are notes on it, not features")
    return copy, notes


def _tags(dataset: str) -> list[str]:
    """The attribute tags of the drawing's blocks, in the order first met."""
    try:
        _, table = pyogrio.read_arrow(dataset, layer=ENTITIES, columns=["BlockAttributes"],
                                      read_geometry=False)
    except DataLayerError:  # no block has attributes: GDAL has no such column
        return []
    tags: dict[str, None] = {}
    for attributes in table.column("BlockAttributes").to_pylist():
        for attribute in attributes or ():
            tags.setdefault(attribute.split(" ", 1)[0], None)
    return [tag for tag in tags if tag and tag not in (*KEPT, "SubClasses")]


def _with_tags(batch: pa.RecordBatch, tags: list[str]) -> gpd.GeoDataFrame:
    """A batch's entities: the kept columns, a column for each tag, and the geometry."""
    names = batch.schema.names
    column = {name: batch.column(i) for i, name in enumerate(names)}
    frame = gpd.GeoDataFrame(
        {name: column[name].to_pylist() if name in column else [None] * batch.num_rows
         for name in (*KEPT, "SubClasses")},
        geometry=shapely.from_wkb(column[names[-1]].to_numpy(zero_copy_only=False)))
    said = [dict(_tag_value(a) for a in attributes or ())
            for attributes in (column["BlockAttributes"].to_pylist()
                               if "BlockAttributes" in column else [None] * batch.num_rows)]
    for tag in tags:
        frame[tag] = [values.get(tag) for values in said]
    return frame


def _tag_value(attribute: str) -> tuple[str, str | None]:
    """GDAL's "TAG value" string as its tag and value (none when left blank).

    >>> _tag_value("MA_TRU Q7-001"), _tag_value("GHI_CHU ")
    (('MA_TRU', 'Q7-001'), ('GHI_CHU', None))
    """
    tag, _, value = attribute.partition(" ")
    return tag, value or None
