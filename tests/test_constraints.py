"""The suite runs on the pinned versions, and every dependency is pinned within its range."""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pairs = (line.split("==") for line in lines if line and not line.startswith("#"))
    return {canonicalize_name(name): pinned for name, pinned in pairs}


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    return [req for req in map(Requirement, wanted)
            if req.marker is None or req.marker.evaluate()]


def test_every_dependency_is_pinned_within_its_range() -> None:
    pinned = pins()
    unpinned = [str(req) for req in requirements() if canonicalize_name(req.name) not in pinned]
    outside = [f"{req} pinned {pinned[canonicalize_name(req.name)]}" for req in requirements()
               if canonicalize_name(req.name) in pinned
               and not req.specifier.contains(pinned[canonicalize_name(req.name)],
                                              prereleases=True)]
    assert (unpinned, outside) == ([], [])


def test_the_suite_runs_on_the_pinned_versions() -> None:
    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    drifted = {name: (pinned, installed(name)) for name, pinned in pins().items()
               if installed(name) != pinned}
    assert drifted == {}
