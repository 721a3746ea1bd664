"""Shared fixtures: the repository, the shared corpus, and throw-away copies of the project."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from agkg.cli import cli

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO.parent / "shared" / "corpus").resolve()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}: tests need ../shared/corpus")
    return CORPUS


@pytest.fixture
def project(tmp_path: Path, corpus: Path) -> Path:
    """A copy of the project (data, ontology, shapes, settings) that a test may break."""
    target = tmp_path / "project"
    target.mkdir()
    for folder in ("data", "ontology", "shapes", "queries"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, target / folder)
    (target / "agkg.toml").write_text(
        f'[agkg]\nbase = "https://w3id.org/agkg/"\ncorpus = "{corpus}"\n', encoding="utf-8"
    )
    return target


@pytest.fixture
def run_agkg() -> Callable[..., Result]:
    """Invoke the CLI in-process, like a user would, with stderr kept apart."""

    def run(*args: str | Path) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return run
