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
# The curated dataset as the tests about real articles knew it (a fixture project with its own
# agkg.toml): curators adding to data/ never break the test suite. See its agkg.toml.
DATASET = REPO / "tests" / "fixtures" / "dataset"


def project_source(folder: str) -> Path:
    """Where a copy of the project takes ``folder`` from: the frozen dataset for data/, the
    repository for the tool's own files (ontology, shapes, queries)."""
    return DATASET / folder if folder == "data" else REPO / folder


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
        if project_source(folder).is_dir():
            shutil.copytree(project_source(folder), target / folder)
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
        ["--project", str(DATASET), "--quiet", "publish", "--force", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out


VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


class VirtuosoServer:
    """A private Virtuoso 7 (Debian's virtuoso-opensource) on two free loopback ports.

    Its database lives in ``location``; the SPARQL user may update (``GRANT SPARQL_UPDATE``),
    and the Graph Store Protocol is at ``/sparql-graph-crud-auth`` with digest auth as dba.
    """

    def __init__(self, location: Path) -> None:
        import re
        import subprocess

        binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
        if binary is None or isql is None or not VIRTUOSO_INI.is_file():
            import os

            if os.environ.get("CI"):
                pytest.fail("virtuoso-opensource is not installed (.ci/run installs it)")
            pytest.skip("virtuoso-opensource is not installed (apt-get install virtuoso-opensource)")
        location.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.port = free_port(), free_port()
        ini = VIRTUOSO_INI.read_text(encoding="utf-8")
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(location))
        ini = re.sub(r"(?m)^ServerPort\s*=\s*1111\b.*$", f"ServerPort = 127.0.0.1:{self.sql_port}", ini)
        ini = re.sub(r"(?m)^ServerPort\s*=\s*8890\b.*$", f"ServerPort = 127.0.0.1:{self.port}", ini)
        config = location / "virtuoso.ini"
        config.write_text(ini, encoding="utf-8")
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(config)],
            cwd=location,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_http(self.url + "/sparql?query=ASK%7B%7D", seconds=60)
        grant = subprocess.run(
            [isql, str(self.sql_port), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if grant.returncode != 0:
            self.stop()
            pytest.fail(f"cannot grant SPARQL_UPDATE on Virtuoso: {grant.stdout} {grant.stderr}")

    @property
    def query_url(self) -> str:
        return self.url + "/sparql"

    @property
    def update_url(self) -> str:
        return self.url + "/sparql"

    @property
    def store_url(self) -> str:
        return self.url + "/sparql-graph-crud-auth"

    def stop(self) -> None:
        import subprocess

        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A fresh Virtuoso server for the test session (skipped where it is not installed, not in CI)."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()
