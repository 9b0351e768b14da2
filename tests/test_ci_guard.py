"""Under CI a skipped test fails the run, so a missing PostGIS can never pass unnoticed."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
CONFTEST = (Path(__file__).parent / "conftest.py").read_text()
SKIPPING = "import pytest\n\ndef test_needs_postgis():\n    pytest.skip('no PostGIS')\n"


def test_a_skip_fails_the_run_under_ci(pytester: pytest.Pytester,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SKIPPING)
    assert pytester.runpytest_inprocess("-p", "no:cacheprovider").ret == 1


def test_a_skip_is_only_reported_outside_ci(pytester: pytest.Pytester,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SKIPPING)
    assert pytester.runpytest_inprocess("-p", "no:cacheprovider").ret == 0
