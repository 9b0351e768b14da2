"""A CAD drawing (DXF): the encoding it is read in, and its areas: zones drawn twice, and the
text in them.

AutoCAD writes a DXF in UTF-8 from release 2007 (AC1021) on, whatever code page its header
names; GDAL (3.12 still) reads every DXF in that code page, so a layer "ĐẤT Ở" or a label "Đất ở"
came in as "Äáº¤T á»". `reading_config` says how GDAL is to read a drawing.

A planning office draws a zone as a closed polyline, fills it with a hatch over the same
outline, and writes the zone's codes inside it as text ("II-12", "ODT", or both on one
MTEXT). GDAL reads each of these as an entity of its own. Loaded as they are, every filled
zone came in twice, no zone had its land-use code unless a CAD layer was named by it, and
every label was refused as "not a MultiPolygon". So, for a layer of areas:

- a text is not a feature: it labels the smallest area of the drawing that it lies in;
- where no column gives them, an area's land-use code and zone code are read from its
  labels, when they agree (an area labelled both ODT and TMD is left for validation to
  refuse as missing its code, which names it);
- an area with the outer outline of another (to the centimetre, whichever way round and
  from whichever corner) is that area drawn twice, and is loaded once: as the drawing with
  the most islands, for a hatch keeps the lots cut out of a zone and its polyline does not;
- an area left without a land-use code on a CAD layer named by one is counted, and the
  notes say to take the code from the layer's name (`--map Layer=land_use_code`).

A zone's twin or label may be anywhere in the file, so the drawing is read whole before its
batches are loaded: first its texts (a small part of it), then its areas in batches, each
matched to the texts through an STRtree. Memory grows with the texts and with a digest,
an id and an area per area, not with the drawing's shapes.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from layers import LayerSpec
from layers.landuse_codes import LAND_USE_CODES
from loaders import charsets
from loaders.geometry import storage_wkb

if TYPE_CHECKING:
    from loaders.files import Source

# TEXT and a block's ATTRIB (AcDbEntity:AcDbText[:AcDbAttribute]) and MTEXT, as GDAL's DXF
# driver names an entity's classes in its SubClasses column.
TEXT_CLASSES = re.compile(r"AcDbM?Text\b")
TEXTS_ONLY = "SubClasses LIKE '%AcDbText%' OR SubClasses LIKE '%AcDbMText%'"
# A zone's label on a detailed plan: a roman numeral or a few letters (a land-use code,
# maybe numbered), a dash or a dot, and the zone's number: II-12, A.3, ODT-01, CX2-05a.
ZONE_CODE = re.compile(r"(?:[IVX]{1,5}|[A-Z]{1,3}\d{0,2})[-.]\d{1,4}[A-Z]?", re.IGNORECASE)
OUTLINE_PRECISION_M = 0.01
# The fields a label can give an area (`label_codes` says which words give which).
LABELLED = ("land_use_code", "zone_code")


# The release that wrote the drawing, in its header: $ACADVER, group code 1, "AC1024".
_RELEASE = re.compile(rb"\$ACADVER\s*\n\s*1\s*\n\s*AC(\d{4})")
UTF8_FROM_RELEASE = 1021  # AutoCAD 2007


def is_drawing(dataset: str) -> bool:
    return dataset.lower().endswith(".dxf")


def reading_config(head: bytes) -> dict[str, str]:
    """GDAL's configuration to read a drawing whose file begins with `head` as it was written.

    >>> reading_config(b"  0\\nSECTION\\n  9\\n$ACADVER\\n  1\\nAC1024\\n")
    {'DXF_ENCODING': 'UTF-8'}
    >>> reading_config(b"  9\\n$ACADVER\\n  1\\nAC1015\\n  9\\n$DWGCODEPAGE\\n  3\\nANSI_1252\\n")
    {}
    """
    release = _RELEASE.search(head.replace(b"\r\n", b"\n"))
    return {"DXF_ENCODING": "UTF-8"} if release and int(release[1]) >= UTF8_FROM_RELEASE else {}


@contextmanager
def gdal_config(options: dict[str, str]) -> Iterator[None]:
    """GDAL's configuration `options` for the length of the block, then as it was: they are
    the process's (GDAL has no per-dataset option for these), and only loads read DXF."""
    before = {name: pyogrio.get_gdal_config_option(name) for name in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({
            name: ("ON" if value else "OFF") if isinstance(value, bool) else value
            for name, value in before.items()})


def label_codes(text: str) -> dict[str, set[str]]:
    """The land-use and zone codes a label's words say.

    >>> sorted(label_codes("ODT\\nII-12\\nS=10000m²")["land_use_code"])
    ['ODT']
    >>> {k: sorted(v) for k, v in label_codes("cxt-03 Tầng cao: 5").items()}
    {'land_use_code': ['CXT'], 'zone_code': ['cxt-03']}
    >>> label_codes("HSSDĐ 2.5, MĐXD 40%")
    {'land_use_code': set(), 'zone_code': set()}
    """
    codes: dict[str, set[str]] = {name: set() for name in LABELLED}
    for word in re.split(r"[\s,;:()]+", text):
        upper = word.upper()
        if upper in LAND_USE_CODES:
            codes["land_use_code"].add(upper)
        elif ZONE_CODE.fullmatch(word):
            codes["zone_code"].add(word)
            prefix = re.match(r"[A-Z]+", upper)
            if prefix and prefix.group() in LAND_USE_CODES:  # ODT-01: a residential lot
                codes["land_use_code"].add(prefix.group())
    return codes


@dataclass
class Drawing:
    """What a DXF's areas are, found by reading it whole before its batches are loaded."""

    layer: str
    fills: tuple[str, ...]  # the fields of LABELLED the layer has
    twins: np.ndarray  # the feature ids of areas that another area draws again
    areas: np.ndarray  # the feature ids of all areas (sorted)
    labelled: dict[int, dict[str, set[str]]]  # by feature id: the codes its labels say
    counts: Counter[str] = field(default_factory=Counter)
    conflicts: list[str] = field(default_factory=list)
    coded_layers: set[str] = field(default_factory=set)  # see _coded_layers

    @classmethod
    def read(cls, source: Source, spec: LayerSpec, batch_rows: int) -> Drawing:
        """The drawing's areas as `spec`'s: which are twins, and what each one's labels say.

        A zone's twin or label may be anywhere in the file, so the whole drawing is read
        once (in batches of `batch_rows`, keeping ids, digests and areas, not shapes) before
        its batches are loaded; raises GDAL's errors.
        """
        fills = tuple(name for name in LABELLED if name in {f.name for f in spec.fields})
        labels, texts = _labels(source) if fills else (None, [])
        found: list[tuple[np.ndarray, ...]] = []
        candidates: list[tuple[np.ndarray, ...]] = []  # (label, feature id, area)
        with pyogrio.open_arrow(source.dataset, layer=source.layer, encoding=source.encoding,
                                batch_size=batch_rows, use_pyarrow=True, return_fids=True,
                                **source.options) as (_, reader):
            for batch in reader:
                fids = batch.column(0).to_numpy().astype(np.int64)
                outlines = _outlines(_stored(batch.column(batch.num_columns - 1), source))
                outlines[is_text(batch)] = None
                digests, islands = _shells(outlines)
                areas = ~shapely.is_missing(outlines)
                found.append((fids[areas], digests[areas], islands[areas]))
                if labels is not None:
                    area_of, label = labels.query(outlines, predicate="contains")
                    candidates.append((label, fids[area_of], shapely.area(outlines[area_of])))
        fids, digests, islands = (np.concatenate(part) for part in zip(*found, strict=True)) \
            if found else (np.zeros(0, np.int64), np.zeros(0, "S16"), np.zeros(0))
        twins = _twins(fids, digests, islands)
        labelled = _labelled(candidates, twins, texts, fills)
        return cls(spec.id, fills, twins, np.sort(fids), labelled)

    def areas_of(self, attributes: pd.DataFrame, frame: pd.DataFrame,
                 geometries: pa.BinaryArray, fids: np.ndarray
                 ) -> tuple[pd.DataFrame, pa.BinaryArray]:
        """A batch's features as areas: texts and an area drawn again left out, codes from
        the labels inside each area where the frame has none."""
        texts = is_text(attributes)
        again = np.isin(fids, self.twins)
        frame = frame.copy()
        self._label(frame, fids)
        keep = ~(texts | again)
        self.counts["texts"] += int(texts.sum())
        self.counts["twice"] += int(again.sum())
        if "land_use_code" in self.fills and "Layer" in attributes:
            areas = keep & np.isin(fids, self.areas, assume_unique=True)
            self._coded_layers(attributes["Layer"], frame, areas)
        return (frame[keep].reset_index(drop=True),
                geometries.filter(pa.array(keep)))

    def _coded_layers(self, layers: pd.Series, frame: pd.DataFrame, areas: np.ndarray) -> None:
        """Remember the CAD layers named by a land-use code that hold areas left without
        one: the load's notes say how to take the code from the layer's name."""
        uncoded = areas & (frame["land_use_code"].isna().to_numpy() if "land_use_code" in frame
                           else True)
        names = layers[uncoded].dropna().astype(str)
        coded = names[names.str.strip().str.upper().isin(LAND_USE_CODES)]
        self.counts["on coded layers"] += len(coded)
        self.coded_layers.update(coded.str.strip())

    def _label(self, frame: pd.DataFrame, fids: np.ndarray) -> None:
        """Each labelled area's codes, where no column gave them."""
        written = {i: self.labelled[fid] for i, fid in enumerate(fids.tolist())
                   if fid in self.labelled}
        self.counts["labelled"] += len(written)
        for name in self.fills:
            if name not in frame:
                frame[name] = pd.Series(None, index=frame.index, dtype=object)
            for area, said in written.items():
                if not said[name] or not pd.isna(frame[name].iat[area]):
                    continue  # a column gave it: that is what the file says
                if len(said[name]) > 1:
                    self.conflicts.append(f"{frame['source_id'].iat[area]} "
                                          f"({' and '.join(sorted(said[name]))})")
                else:
                    frame.iat[area, frame.columns.get_loc(name)] = next(iter(said[name]))
                    self.counts[name] += 1

    def notes(self) -> list[str]:
        """What reading the drawing as areas did, for the load's notes."""
        notes = []
        texts = self.counts["texts"]
        if texts and self.counts["labelled"]:
            given = [name for name in self.fills if self.counts[name]]
            taken = " and ".join(f"{self.counts[name]:,} {'took ' if name == given[0] else ''}"
                                 f"their {name.replace('_', ' ')}" for name in given)
            notes.append(f"{_count(texts, 'text')} read as labels, not areas: "
                         f"{_count(self.counts['labelled'], 'area')} labelled"
                         + (f", {taken} from them" if taken else ""))
        elif texts and not self.fills:
            notes.append(f"{_count(texts, 'text')} left out: {self.layer} takes nothing "
                         "from a drawing's labels")
        elif texts:
            notes.append(f"{_count(texts, 'text')} left out: a drawing's texts label the "
                         f"areas they lie in, and {'it lies' if texts == 1 else 'these lie'} "
                         "in none")
        if self.counts["twice"]:
            notes.append(f"{_count(self.counts['twice'], 'area')} drawn twice (a hatch over "
                         "a closed polyline, or a copy of one): loaded once")
        if self.counts["on coded layers"]:
            layers = ", ".join(sorted(self.coded_layers)[:5])
            notes.append(f"{_count(self.counts['on coded layers'], 'area')} without a land-use "
                         f"code lie on CAD layers named by one ({layers}): load again with "
                         "--map Layer=land_use_code to take it from there")
        if self.conflicts:
            notes.append(f"{_count(len(self.conflicts), 'area')} labelled with two codes, "
                         f"none taken: {', '.join(self.conflicts[:3])}")
        return notes


def _labels(source: Source) -> tuple[shapely.STRtree | None, list[str]]:
    """The drawing's texts (TEXT, MTEXT, a block's ATTRIB) and their insertion points, in
    the storage SRID, as a tree in the texts' order."""
    try:
        _, table = pyogrio.read_arrow(source.dataset, layer=source.layer,
                                      encoding=source.encoding, columns=["Text"],
                                      where=TEXTS_ONLY, **source.options)
    except (DataSourceError, DataLayerError):  # no Text column: nothing is written
        return None, []
    points = _stored(table.column(table.num_columns - 1), source)
    texts = [charsets.redecoded(text, source.decoded_here) if text else text
             for text in table.column("Text").to_pylist()]
    present = [(p, t) for p, t in zip(points, texts, strict=True) if p is not None and t]
    tree = shapely.STRtree([p for p, _ in present]) if present else None
    return tree, [t for _, t in present]


def _stored(wkb: pa.Array | pa.ChunkedArray, source: Source) -> np.ndarray:
    """GDAL's geometries as shapes in the storage SRID (None where one cannot be stored)."""
    return shapely.from_wkb(np.asarray(storage_wkb(wkb, source.crs).wkb.to_numpy(
        zero_copy_only=False)))


def is_text(table: pa.RecordBatch | pd.DataFrame) -> np.ndarray:
    """Which features are texts, by the classes GDAL says each entity has."""
    names = table.schema.names if isinstance(table, pa.RecordBatch) else list(table.columns)
    if "SubClasses" not in names:
        return np.zeros(len(table), bool)
    classes = (table.column("SubClasses").to_pylist() if isinstance(table, pa.RecordBatch)
               else table["SubClasses"].tolist())
    return np.array([isinstance(c, str) and bool(TEXT_CLASSES.search(c)) for c in classes],
                    bool)


def _twins(fids: np.ndarray, digests: np.ndarray, islands: np.ndarray) -> np.ndarray:
    """Of the areas with one outer outline (to the centimetre, whichever way round and from
    whichever corner), the ids of all but one: the one with the most islands (a hatch keeps
    the lots cut out of a zone, its outer polyline does not), else the first drawn."""
    drawn = digests != b""
    fids, digests, islands = fids[drawn], digests[drawn], islands[drawn]
    order = np.lexsort((fids, -islands, digests))
    return np.sort(fids[order][~_first_of_each(digests[order])])


def _first_of_each(keys: np.ndarray) -> np.ndarray:
    """Where each run of equal keys (sorted) begins."""
    return np.r_[True, keys[1:] != keys[:-1]][:len(keys)]


def _labelled(candidates: list[tuple[np.ndarray, ...]], twins: np.ndarray, texts: list[str],
              fills: tuple[str, ...]) -> dict[int, dict[str, set[str]]]:
    """Each label to the smallest area it lies in (not a twin: its labels are the kept
    one's), and each labelled area's codes from its labels."""
    if not candidates:
        return {}
    label, fid, area = (np.concatenate(part) for part in zip(*candidates, strict=True))
    kept = ~np.isin(fid, twins)
    label, fid, area = label[kept], fid[kept], area[kept]
    order = np.lexsort((fid, area, label))
    first = _first_of_each(label[order])
    labelled: dict[int, dict[str, set[str]]] = {}
    for chosen, text in zip(fid[order][first].tolist(), label[order][first].tolist(),
                            strict=True):
        codes = label_codes(texts[text])
        said = labelled.setdefault(chosen, {name: set() for name in fills})
        for name in fills:
            said[name] |= codes[name]
    return labelled


def _outlines(shapes: np.ndarray) -> np.ndarray:
    """Each shape as the area it outlines: a polygon as it is, a closed line (CAD's closed
    polyline) as the polygon it encloses, anything else None."""
    outlines = np.full(len(shapes), None, object)
    kinds = shapely.get_type_id(shapes)
    polygonal = np.isin(kinds, (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON))
    outlines[polygonal] = shapes[polygonal]
    lines = (kinds == shapely.GeometryType.LINESTRING) & shapely.is_closed(shapes)
    lines &= shapely.get_num_coordinates(shapes) >= 4
    if lines.any():
        coordinates, line = shapely.get_coordinates(shapes[lines], return_index=True)
        outlines[lines] = shapely.polygons(shapely.linearrings(coordinates, indices=line))
    # A polyline drawn across itself: GEOS cannot say what such an outline contains (nor
    # validation keep it as it is), so it is taken as the areas it makes valid.
    crossed = ~shapely.is_valid(outlines) & ~shapely.is_missing(outlines)
    outlines[crossed] = shapely.make_valid(outlines[crossed])
    return outlines


def _shells(outlines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each area's outer outline as a 16-byte digest (of its parts' exterior rings,
    normalised at OUTLINE_PRECISION_M; empty for no area, or one gone at that precision),
    and how many islands (interior rings) it has."""
    parts, owner = shapely.get_parts(outlines, return_index=True)
    if not len(parts):
        return np.full(len(outlines), b"", "S16"), np.zeros(len(outlines))
    shells = shapely.multipolygons(shapely.polygons(shapely.get_exterior_ring(parts)),
                                   indices=owner, out=np.full(len(outlines), None, object))
    fixed = shapely.normalize(shapely.set_precision(shells, OUTLINE_PRECISION_M))
    fixed[shapely.is_empty(fixed)] = None
    islands = np.bincount(owner, weights=shapely.get_num_interior_rings(parts),
                          minlength=len(outlines))
    digests = np.array([hashlib.blake2b(shell, digest_size=16).digest() if shell else b""
                        for shell in shapely.to_wkb(fixed)], "S16")
    return digests, islands


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
