"""A query the engine cannot sort is refused in words, and aborts neither agkg nor a worker.

pyoxigraph 0.5.13 aborts the process (a Rust panic: "comparison function does not correctly
implement a total order") when an ORDER BY expression meets numbers beside numeric strings.
Before, ``agkg query`` died with a Rust backtrace and exit code 134, and ``agkg serve`` told the
client its query had passed the memory limit. The engine's sorts now run in a child process
(``sparql/guarded.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from agkg.errors import QueryError
from agkg.sparql.guarded import engine_sorts, evaluate_apart

# numbers and numeric strings: Oxigraph orders the first by value and the second by text
MIXED = '58 "97" "92" 84 "63" "64" "85" "60" "73" 63 42 "79" "99" "40" "91" 40 88 44 25 8 35 97 27 55 '
MIXED += '"8" 47 32 11 9 6 "48" 17 95 67 50 5 45 "37"'
UNSORTABLE = f"SELECT ?x WHERE {{ VALUES ?x {{ {MIXED} }} }} ORDER BY (COALESCE(?x, 0))"


def test_the_engine_alone_aborts_on_it() -> None:
    """The premise: if pyoxigraph stops aborting here, this module may go."""
    program = f"import pyoxigraph as ox; list(ox.Store().query({UNSORTABLE!r}))"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "total order" in done.stderr


def test_agkg_query_refuses_it_in_words(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agkg", "--project", str(project), "query", UNSORTABLE, "--format", "csv"],
        capture_output=True,
        text=True,
        check=False,
        # the worst case: a long Rust backtrace, and Python's fault handler on (it writes the
        # stack of a process that aborts to its own copy of stderr)
        env={**os.environ, "RUST_BACKTRACE": "1", "PYTHONFAULTHANDLER": "1"},
    )
    assert done.returncode == 2, done.stderr[-800:]
    assert "cannot sort these values" in done.stderr and "STR(" in done.stderr
    assert "panicked" not in done.stderr and "Traceback" not in done.stderr and "backtrace" not in done.stderr
    assert "Fatal Python error" not in done.stderr


def test_an_engine_sorted_answer_is_the_same_apart() -> None:
    store = ox.Store()
    for index, word in enumerate(["pear", "fig", "apple", "quince", "kiwi"]):
        store.add(
            ox.Quad(
                ox.NamedNode(f"https://example.org/{index}"),
                ox.NamedNode("https://example.org/p"),
                ox.Literal(word),
            )
        )
    query = "SELECT ?w WHERE { ?s <https://example.org/p> ?w } ORDER BY DESC(STRLEN(?w)) ?w LIMIT 4"
    assert engine_sorts(query)
    apart = evaluate_apart(store.query, query)
    assert isinstance(apart, ox.QuerySolutions)
    assert [row["w"] for row in apart] == [row["w"] for row in store.query(query)]  # type: ignore[union-attr]
    assert [str(row["w"].value) for row in evaluate_apart(store.query, query)] == [
        "quince",
        "apple",
        "kiwi",
        "pear",
    ]  # type: ignore[union-attr]


def test_errors_in_the_child_come_back_as_they_were() -> None:
    store = ox.Store()
    with pytest.raises(SyntaxError):
        evaluate_apart(store.query, "SELECT ?x WHERE { ?x } ORDER BY (?x)")
    with pytest.raises(QueryError, match="cannot sort these values"):
        evaluate_apart(store.query, UNSORTABLE)


def test_only_a_select_with_an_order_is_sent_apart() -> None:
    assert engine_sorts("SELECT ?x WHERE { ?x ?p ?o } ORDER BY STR(?x)")
    assert not engine_sorts("SELECT ?x WHERE { ?x ?p ?o }")
    assert not engine_sorts('SELECT ?x WHERE { ?x ?p "ORDER BY" }')
    assert not engine_sorts("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o } ORDER BY ?x")
    assert not engine_sorts("# ORDER BY\nASK { ?x ?p ?o }")


def test_the_endpoint_answers_400_and_goes_on(tmp_path: Path, corpus: Path) -> None:
    pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")
    from test_server import published_project, running_server

    from agkg.web.server import ServerSettings

    folder = published_project(tmp_path / "project", corpus)
    settings = ServerSettings(query_timeout=30.0, query_workers=1, fast_workers=1, query_memory=400)
    with running_server(folder, settings) as server:
        pool = server.app.state.pool  # type: ignore[attr-defined]
        before = set(pool.pids())
        status, _, body = server.get(
            "/sparql?" + urlencode({"query": UNSORTABLE}), "application/sparql-results+json"
        )
        assert status == 400, body
        assert b"cannot sort these values" in body
        # the same through the protocol's own dataset (evaluated by another path)
        graph = {"default-graph-uri": "https://w3id.org/agkg/graph/entities"}
        status, _, body = server.get(
            "/sparql?" + urlencode({"query": UNSORTABLE, **graph}), "application/sparql-results+json"
        )
        assert status == 400 and b"cannot sort these values" in body, body
        assert pool.memory_stopped == 0
        assert set(pool.pids()) == before  # no worker died
        status, _, body = server.get(
            "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}), "application/sparql-results+json"
        )
        assert status == 200 and b"true" in body


def test_running_out_of_memory_in_the_child_is_a_memory_error() -> None:
    """The endpoint's workers answer a MemoryError with their memory-limit 503."""

    def greedy(text: str) -> ox.QuerySolutions:
        raise MemoryError

    with pytest.raises(MemoryError):
        evaluate_apart(greedy, "SELECT ?x WHERE { ?x ?p ?o } ORDER BY STR(?x)")


def test_an_abort_in_the_child_does_not_reach_a_fault_handler(tmp_path: Path) -> None:
    """A process that enabled Python's fault handler on a stream of its own (pytest does, and so
    may a server's supervisor) gets no "Fatal Python error" and stack from the aborted child."""
    import faulthandler

    log = (tmp_path / "faults.log").open("w+")
    was_enabled = faulthandler.is_enabled()
    faulthandler.enable(file=log)
    try:
        with pytest.raises(QueryError, match="cannot sort these values"):
            evaluate_apart(ox.Store().query, UNSORTABLE)
    finally:
        faulthandler.disable()
        if was_enabled:
            faulthandler.enable()
    log.seek(0)
    assert log.read() == ""
