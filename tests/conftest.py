"""Shared fixtures: the repository, the shared corpus, and throw-away copies of the project."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
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


# --- Real SPARQL servers on loopback -------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, seconds: float = 20.0) -> None:
    """Poll ``url`` until it answers with any HTTP status (bounded)."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"no server answered at {url} within {seconds} s")


class OxigraphServer:
    """A running ``oxigraph serve`` process and its SPARQL 1.1 URLs."""

    def __init__(self, location: Path, union_default_graph: bool = True) -> None:
        import subprocess
        import sys

        binary = Path(sys.executable).parent / "oxigraph"
        found = str(binary) if binary.exists() else shutil.which("oxigraph")
        if found is None:
            pytest.fail("the oxigraph server is not installed (pip install -e '.[test]')")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [found, "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"]
        if union_default_graph:
            command.append("--union-default-graph")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_http(self.url + "/query?query=ASK%7B%7D")

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def store_url(self) -> str:
        return self.url + "/store"

    def stop(self) -> None:
        import subprocess

        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh Oxigraph server (on-disk store, union default graph) on a free loopback port."""
    server = OxigraphServer(tmp_path / "oxigraph")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's dataset published once into a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(
        cli,
        ["--project", str(REPO), "--quiet", "publish", "--force", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out
