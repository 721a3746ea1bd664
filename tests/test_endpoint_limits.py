"""The SPARQL endpoint's limits under real load: memory per query, and cheap queries kept fast.

Regression tests for issue 16 (the endpoint part): one query could take gigabytes within the
time limit, and a trivial ASK waited seconds (and got 503) behind slow queries. Each test runs
a real ``agkg serve`` app under uvicorn on a loopback port with small limits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")

from test_server import SLOW_QUERY, Running, published_project, running_server

from agkg.web.server import ServerSettings

REPO = Path(__file__).resolve().parents[1]
# ~4 GB within 10 s on the bundled data without a limit: every pair of triples, sorted
GREEDY_QUERY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(STR(?c)) DESC(STR(?f)) LIMIT 1"
OTHER_SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?c }"
TRIVIAL = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = (REPO.parent / "shared" / "corpus").resolve()
    return published_project(tmp_path_factory.mktemp("limits") / "project", corpus)


def sparql(server: Running, query: str) -> tuple[int, dict[str, str], bytes, float]:
    started = time.monotonic()
    status, headers, body = server.get(
        "/sparql?" + urlencode({"query": query}), "application/sparql-results+json"
    )
    return status, headers, body, time.monotonic() - started


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# The time limit is far above the ~5 s the query takes to reach 200 MB on a quiet machine: with
# 20 s it was once stopped by time under four processes' load. 50 s stays under the test client's 60 s.
MEMORY = ServerSettings(query_timeout=50.0, query_workers=1, fast_workers=1, query_memory=200)


def test_a_greedy_query_is_stopped_at_the_memory_limit(project: Path) -> None:
    """Regression: the query took ~4 GB in one worker; now it stops at --query-memory."""
    with running_server(project, MEMORY) as server:
        pool = server.app.state.pool  # type: ignore[attr-defined]
        before = set(pool.pids())
        peak = 0
        done = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max([peak, *(rss_kib(pid) for pid in before)])
                time.sleep(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            status, headers, body, seconds = sparql(server, GREEDY_QUERY)
        finally:
            done.set()
            watcher.join()
        assert status == 503, body
        assert b"query stopped" in body and b"200 MB memory limit" in body
        assert seconds < MEMORY.query_timeout  # stopped by memory, not by time
        assert "retry-after" not in headers  # trying again would not help
        assert peak < (200 + 150) * 1024, f"a worker reached {peak} KiB"
        assert pool.memory_stopped == 1
        # the worker is gone and replaced; the endpoint goes on answering
        killed = before - set(pool.pids())
        assert len(killed) == 1
        deadline = time.monotonic() + 30
        while len(pool.pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(3):
            status, _, body, _ = sparql(server, TRIVIAL)
            assert status == 200 and b"true" in body


LANES = ServerSettings(query_timeout=3.0, query_workers=1, fast_workers=2, fast_seconds=0.25, queue_wait=1.0)


@pytest.fixture
def lanes(project: Path) -> Iterator[Running]:
    with running_server(project, LANES) as running:
        yield running


def in_background(
    server: Running, query: str
) -> tuple[threading.Thread, list[tuple[int, dict[str, str], bytes, float]]]:
    answers: list[tuple[int, dict[str, str], bytes, float]] = []
    thread = threading.Thread(target=lambda: answers.append(sparql(server, query)))
    thread.start()
    return thread, answers


def test_cheap_queries_do_not_wait_behind_slow_ones(lanes: Running) -> None:
    """Regression: with the workers busy on slow queries a trivial ASK waited up to the time
    limit, or got 503. Now it runs in the fast lane while the slow ones run elsewhere."""
    pool = lanes.app.state.pool  # type: ignore[attr-defined]
    slow, slow_answer = in_background(lanes, SLOW_QUERY)  # takes the general worker
    time.sleep(0.3)
    # an unknown slow query starts in the fast lane, is moved out after fast_seconds, and finds
    # the general lane busy: 503 with Retry-After, while the fast lane goes on serving
    other, other_answer = in_background(lanes, OTHER_SLOW_QUERY)
    waits = []
    for _ in range(20):
        status, _, body, seconds = sparql(lanes, TRIVIAL)
        assert status == 200 and b"true" in body
        waits.append(seconds)
        time.sleep(0.05)
    slow.join(30)
    other.join(30)
    assert max(waits) < 1.0 or sorted(waits)[-2] < 0.5, waits  # one hiccup allowed on a busy machine
    status, headers, body, seconds = other_answer[0]
    assert status == 503 and "retry-after" in headers, body
    assert pool.demoted == 1
    status, _, body, seconds = slow_answer[0]
    assert status == 503 and b"3 s limit" in body
    assert LANES.query_timeout <= seconds < LANES.query_timeout + 2


def test_known_expensive_queries_stay_off_the_fast_lane(lanes: Running) -> None:
    pool = lanes.app.state.pool  # type: ignore[attr-defined]
    status, _, _, _ = sparql(lanes, SLOW_QUERY)  # learnt: it ran to the limit
    assert status == 503 and pool.stopped == 1
    first, first_answer = in_background(lanes, SLOW_QUERY)
    time.sleep(0.3)
    # the same text again (other spacing): it waits for the general lane only, then 503
    status, headers, body, seconds = sparql(lanes, "  " + SLOW_QUERY.replace(" ", "\n"))
    assert status == 503 and b"busy" in body and int(headers["retry-after"]) >= 1
    assert LANES.queue_wait <= seconds < LANES.queue_wait + 1
    assert pool.demoted == 0 and pool.busy == 1
    status, _, _, seconds = sparql(lanes, TRIVIAL)
    assert status == 200 and seconds < 1.0
    first.join(30)
    assert first_answer[0][0] == 503


def test_a_moderately_slow_query_moved_off_the_fast_lane_is_still_answered(project: Path) -> None:
    """A query slower than fast_seconds but within the time limit is answered from the general
    lane: the client sees only the delay."""
    # generous limits: on a loaded machine the "about a second" query can take many times that,
    # and the second one waits for the general worker the first holds (a 503 here was flaky)
    settings = ServerSettings(query_timeout=120.0, query_workers=1, fast_seconds=0.25, queue_wait=120.0)
    medium = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # about a second
    with running_server(project, settings) as running:
        # and the client waits as long as the server may take (it gave up at 60 s once, with
        # three 1M benchmark runs on the same two cores)
        server = replace(running, client_timeout=settings.query_timeout * 2)
        pool = server.app.state.pool  # type: ignore[attr-defined]
        first, first_answer = in_background(server, medium)  # the general worker
        time.sleep(0.2)
        # the same question in other words: unknown, so it starts in the fast lane
        status, _, body, _ = sparql(server, medium.replace("?a", "?x").replace("?f", "?y"))
        first.join(240)
        assert pool.demoted == 1
        assert status == 200 and b'"n"' in body, body
        assert first_answer[0][2] == body
