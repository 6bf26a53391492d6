"""Shared fixtures: the reference data in ../shared/data (skip with a reason where absent)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout; tests using it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (a clone without ../shared)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def geo_latest_path(shared_data: Path) -> Path:
    return shared_data / "geo" / "geo-latest.tle"


@pytest.fixture(scope="session")
def geo_catalog(geo_latest_path: Path):
    """The real GEO catalog (574 objects)."""
    from beltwatch.catalog import load_catalog

    return load_catalog(geo_latest_path).catalog


def _cli_runner() -> Callable[..., subprocess.CompletedProcess]:
    def run(
        *args: str, cwd: Path | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", "from beltwatch.cli import main; main()", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
        )

    return run


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess]:
    """Run ``beltwatch ARGS...`` as a user would (a separate process); returns the result."""
    return _cli_runner()


@pytest.fixture(scope="module")
def run_cli_module() -> Callable[..., subprocess.CompletedProcess]:
    """:func:`run_cli` for module-scoped fixtures (a chain of commands run once)."""
    return _cli_runner()
