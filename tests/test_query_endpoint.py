"""agkg query --endpoint gives the same answers as the local query, for every query in queries/.

The published dataset is pushed into a real Oxigraph server and each query runs both ways
through the command line (tests/test_stores_default_graph.py covers other default graphs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import DATASET, OxigraphServer

from agkg.build.graph import Iris
from agkg.sparql.push import PushTarget, load_published, push_dataset
from agkg.sparql.remote import HttpClient

Run = Callable[..., Result]
REPO = Path(__file__).resolve().parents[1]
QUERIES = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def repo() -> Path:
    """The project the local answers come from: the frozen dataset the pushed dumps were
    published from (conftest's ``published``), not the live data/ curators add to."""
    return DATASET


def answer(result: Result) -> object:
    assert result.exit_code == 0, result.stderr
    parsed = json.loads(result.stdout)
    if "boolean" in parsed:
        return parsed["boolean"]
    names = parsed["head"]["vars"]
    return names, [tuple(b.get(v) for v in names) for b in parsed["results"]["bindings"]]


@pytest.fixture
def loaded(oxigraph: OxigraphServer, published: Path) -> OxigraphServer:
    iris = Iris("https://w3id.org/agkg/")
    graphs = load_published(published, iris)
    push_dataset(
        graphs, PushTarget(oxigraph.query_url, oxigraph.store_url), HttpClient(timeout=30), iris=iris
    )
    return oxigraph


def test_every_library_query_answers_the_same_remotely(
    run_agkg: Run, repo: Path, loaded: OxigraphServer
) -> None:
    assert len(QUERIES) >= 15
    for name in QUERIES:
        local = answer(run_agkg("--project", repo, "query", "--name", name, "--format", "json"))
        remote = answer(
            run_agkg(
                "--project", repo, "query", "--name", name, "--format", "json", "--endpoint", loaded.query_url
            )
        )
        assert remote == local, name


@pytest.mark.parametrize(
    ("name", "param"),
    [("sources", "source=siddiqui-2021"), ("group-names", "g=id:iskp"), ("group-names", "g=x")],
)
def test_parameters_bind_the_same_remotely(
    run_agkg: Run, repo: Path, loaded: OxigraphServer, name: str, param: str
) -> None:
    args = ["--project", repo, "query", "--name", name, "--param", param, "--format", "json"]
    local = answer(run_agkg(*args))
    assert answer(run_agkg(*args, "--endpoint", loaded.query_url)) == local


def test_table_and_csv_from_the_endpoint(run_agkg: Run, repo: Path, loaded: OxigraphServer) -> None:
    for fmt in ("table", "csv", "tsv", "xml"):
        result = run_agkg(
            "--project", repo, "query", "--name", "sources", "--format", fmt, "--endpoint", loaded.query_url
        )
        assert result.exit_code == 0, result.stderr
        assert "siddiqui-2021" in result.stdout
    graph = run_agkg(
        "--project", repo, "query", "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 3",
        "--format", "ntriples", "--endpoint", loaded.query_url,
    )  # fmt: skip
    assert graph.exit_code == 0 and len(graph.stdout.splitlines()) == 3
