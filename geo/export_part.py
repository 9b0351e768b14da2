"""How an export of part of a layer (one ward's features, a box, a filter) says so.

Given back and loaded as a replace, such a file would delete every feature outside the part;
the loader refuses it (`loaders/export_origin.py`) when it can tell. The export's metadata
says what it selected, but a file downloaded over HTTP comes without it, so the formats that
keep a description (GeoJSON and FlatGeobuf a layer's, KML its document's) carry the part
there too, in a sentence a person reads as well as the loader, and GeoParquet in its
key-value metadata.

Also here, since the loader reads them as the export writes them: the metadata's
`generator`, by which an urbanmap export is known, and the name of its sidecar.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

GENERATOR = "urbanmap"
METADATA_SUFFIX = ".metadata.json"  # the sidecar: <name>.metadata.json
PART_MARK = "urbanmap export of part of the layer: "
PARQUET_KEY = b"urbanmap_part"
_IN_TEXT = re.compile(re.escape(PART_MARK) + r"(.+?)\.?$")


def part_phrase(layer_id: str, ward: str | None, bbox: Sequence[float] | None,
                filter: str | None) -> str | None:
    """What an export kept of a layer, or None if it kept all of it.

    >>> part_phrase("hydrants", "Phường Tân Phong", None, "status = 'working'")
    "the hydrants over Phường Tân Phong and matching status = 'working'"
    >>> part_phrase("roads", None, None, None) is None
    True
    """
    kept = ([f"over {ward}"] if ward else []) + \
        ([f"in the box {', '.join(map(str, bbox))}"] if bbox else []) + \
        ([f"matching {filter}"] if filter else [])
    return f"the {layer_id} " + " and ".join(kept) if kept else None


def part_sentence(phrase: str) -> str:
    return f"{PART_MARK}{phrase}."


def part_in(description: str) -> str | None:
    """The phrase of `part_sentence` at the end of a layer's description, if there is one.

    >>> part_in("Outdoor fire hydrants. " + part_sentence("the hydrants over Phường 1"))
    'the hydrants over Phường 1'
    """
    found = _IN_TEXT.search(description)
    return found.group(1) if found else None
