"""GDAL's error messages, in words a person loading a file can use.

GDAL's message may begin with the C++ source line that raised it (`…/ogrdxfdatasource.cpp,
855:`), names files by their full path (the load's scratch copy, or a folder of the
machine's), suggests prefixing the path with a driver's name (which urbanmap's commands do
not take), and ends with a full stop of its own, before the one of the sentence it is put in.
"""

from __future__ import annotations

import re

_SOURCE_LINE = re.compile(r"^\S+\.(?:cpp|c|h), \d+: ")
_DRIVER_HINT = re.compile(r"[.;\s]*It might help to specify the correct driver.*$", re.DOTALL)
_PATH = re.compile(r"(?:/vsi\w+)?(?:/[^/\s'\"]+)+/([^/\s'\"]+)")


def gdal_said(exc: BaseException) -> str:
    """What GDAL said, without its source line, folders, driver hint or full stop.

    >>> gdal_said(OSError("/opt/gdal/ogr/ogrsf_frmts/dxf/ogrdxfdatasource.cpp, 855: error "
    ...                   "at line 574 of /tmp/urbanmap-load-x1/hong.dxf"))
    'error at line 574 of hong.dxf'
    >>> gdal_said(OSError("'/srv/in/junk.gpkg' not recognized as being in a supported file "
    ...                   "format.; It might help to specify the correct driver explicitly by "
    ...                   "prefixing the file path with '<DRIVER>:', e.g. 'CSV:path'."))
    "'junk.gpkg' not recognized as being in a supported file format"
    """
    said = _SOURCE_LINE.sub("", str(exc).strip())
    said = _PATH.sub(r"\1", _DRIVER_HINT.sub("", said))
    return said.strip().rstrip(".")
