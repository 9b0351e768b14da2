"""A dataset's file and the files beside it with the same name (a Shapefile's .dbf and
.cpg, a CSV's .prj), read alike on disk and inside a zip, never extracted."""

from __future__ import annotations

import codecs
import glob
import io
import shutil
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO


def in_zip(path: Path, member: str = "") -> str:
    """What GDAL opens for `member` of the zip at `path`, read in place; the zip itself, a
    folder of datasets to GDAL, without one."""
    return f"/vsizip/{path.resolve()}" + (f"/{member}" if member else "")


def member_name(path: Path, dataset: str) -> str | None:
    """The member of the zip at `path` that `dataset` names, if it names one."""
    inside = f"{in_zip(path)}/"
    return dataset.removeprefix(inside) if dataset.startswith(inside) else None


class Parts:
    """The parts of `dataset`, a file on disk or a /vsizip/ path into `path`: found by
    suffix in any case (.SHX is a Shapefile's .shx too)."""

    def __init__(self, path: Path, dataset: str) -> None:
        member = member_name(path, dataset)
        self.archive = zipfile.ZipFile(path) if member else None
        main = PurePosixPath(member) if member else PurePosixPath(dataset)
        self.name, self.stem, self.suffix = main.name, main.stem, main.suffix.lower()
        on_disk = Path(dataset)  # the file itself, or the copy made of it (a text table's)
        names = (self.archive.namelist() if self.archive else
                 [str(p) for p in on_disk.parent.glob(f"{glob.escape(on_disk.stem)}.*")])
        # suffix in lower case -> member name or path (.SHX is a Shapefile's .shx too)
        self.by_suffix = {PurePosixPath(n).suffix.lower(): n for n in names
                          if PurePosixPath(n).with_suffix("") == main.with_suffix("")}

    @property
    def suffixes(self) -> set[str]:
        return set(self.by_suffix)

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *exc) -> None:
        if self.archive:
            self.archive.close()

    def open(self, suffix: str) -> IO[bytes]:
        name = self.by_suffix[suffix]
        if not self.archive:
            return open(name, "rb")  # noqa: SIM115
        try:
            return self.archive.open(name)
        except OSError as exc:  # a directory placed too far on: zipfile seeks before byte 0
            raise zipfile.BadZipFile(f"{name}: {exc}") from None

    def is_utf8(self) -> bool:
        """Whether the dataset's file is UTF-8 throughout (read once, a megabyte at a time)."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self.open(self.suffix) as source:
            try:
                while block := source.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return False
        return True

    def is_utf16(self) -> bool:
        """Whether the dataset's file starts with UTF-16's byte order mark."""
        with self.open(self.suffix) as source:
            return source.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

    def head(self) -> IO[bytes]:
        """The dataset's file, to read from its start."""
        return self.open(self.suffix)

    def text(self, encoding: str) -> io.TextIOWrapper:
        return io.TextIOWrapper(self.open(self.suffix), encoding=encoding, newline="")

    def copy(self, suffixes: tuple[str, ...], main: Path) -> None:
        """The parts with these suffixes (those there are), named as `main` with each."""
        for suffix in suffixes:
            if suffix in self.by_suffix:
                with self.open(suffix) as part, main.with_suffix(suffix).open("wb") as target:
                    shutil.copyfileobj(part, target, 1 << 20)


def code_page(path: Path, dataset: str) -> str | None:
    """What the .cpg beside a dataset's file says its text is in, inside a zip too."""
    with Parts(path, dataset) as parts:
        if ".cpg" not in parts.suffixes:
            return None
        with parts.open(".cpg") as cpg:
            return cpg.read(256).decode("ascii", "replace").strip() or None
