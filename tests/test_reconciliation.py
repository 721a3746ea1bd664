"""`agkg reconcile` against a real Oxigraph server holding a Wikidata-shaped fixture."""

from __future__ import annotations

import csv
import io
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import Result
from conftest import OxigraphServer, free_port

from agkg.build.alignment import wikidata_mapping
from agkg.build.claims import Entity, load_curated_data
from agkg.build.ontology import load_vocabulary
from agkg.errors import Position
from agkg.wikidata.reconciliation import SparqlClient, find_candidates

FIXTURE = Path(__file__).parent / "fixtures" / "wikidata" / "items.ttl"
REMOVED = {  # entities whose verified IDs the test project forgets, to see them found again
    "groups.yaml": ["wikidata: Q2429253", "wikidata: Q34490"],
    "places.yaml": ["wikidata: Q5838"],
}


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path_factory.mktemp("wikidata") / "store", union_default_graph=False)
    request = urllib.request.Request(
        server.store_url + "?default",
        data=FIXTURE.read_bytes(),
        method="POST",
        headers={"Content-Type": "text/turtle"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 201, 204)
    yield server
    server.stop()


@pytest.fixture
def forgetful(project: Path) -> Path:
    for name, lines in REMOVED.items():
        path = project / "data" / "entities" / name
        text = path.read_text(encoding="utf-8")
        for line in lines:
            assert f"    {line}\n" in text
            text = text.replace(f"    {line}\n", "")
        path.write_text(text, encoding="utf-8")
    return project


def reconcile(
    run_agkg: Callable[..., Result], project: Path, endpoint: str, *extra: str
) -> tuple[list[dict[str, str]], Result]:
    out = project / "review.csv"
    result = run_agkg(
        "--project", project, "reconcile", "--endpoint", endpoint, "--delay", "0", "--out", out, *extra
    )
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))), result


def best(rows: list[dict[str, str]], entity: str) -> dict[str, str]:
    return next(r for r in rows if r["entity"] == entity and r["rank"] in ("1", ""))


def test_expected_matches_and_non_matches(
    run_agkg: Callable[..., Result], forgetful: Path, wikidata: OxigraphServer
) -> None:
    rows, _ = reconcile(run_agkg, forgetful, wikidata.query_url)
    expected = {
        "islamic-state": "Q2429253",
        "al-qaeda": "Q34490",
        "iskp": "Q9900000010",  # found through its aliases; the fixture label is spelled differently
        "taliban": "Q9900000020",
        "pakistani-taliban": "Q9900000030",
    }
    for entity, qid in expected.items():
        top = best(rows, entity)
        assert (top["candidate"], top["match"]) == (qid, "true"), top
    # near-miss decoys are ranked below, with the reason
    iskp = [r for r in rows if r["entity"] == "iskp"]
    assert [r["candidate"] for r in iskp] == ["Q9900000010", "Q9900000011"]
    assert "P571=false" in iskp[1]["features"] and "1998" in iskp[1]["reasons"]
    assert "P571=true" in iskp[0]["features"]
    assert "type=false" in next(r for r in rows if r["candidate"] == "Q9900000021")["features"]
    # non-matches: the only Haqqani network is a disambiguation page
    assert best(rows, "haqqani-network")["match"] == "false"
    # Kabul the city (agkg:City is aligned with Q515) beats Kabul the river on type
    kabul = [r for r in rows if r["entity"] == "kabul"]
    assert [(r["candidate"], r["match"]) for r in kabul] == [("Q5838", "true"), ("Q9900000040", "false")]
    assert float(kabul[0]["score"]) > float(kabul[1]["score"])
    assert "type=false" in kabul[1]["features"]
    # an entity no item names gets a row saying so; entities with IDs are not looked up
    assert best(rows, "sajjan-gohel")["reasons"] == "no item has any of these names"
    assert not any(r["entity"] in ("afghanistan", "pakistan") for r in rows)


def test_accept_above_writes_ids_keeping_comments_and_layout(
    run_agkg: Callable[..., Result], forgetful: Path, wikidata: OxigraphServer
) -> None:
    groups = forgetful / "data" / "entities" / "groups.yaml"
    before = groups.read_text(encoding="utf-8").splitlines()
    rows, result = reconcile(run_agkg, forgetful, wikidata.query_url, "--accept-above", "85")
    after = groups.read_text(encoding="utf-8").splitlines()
    assert best(rows, "iskp")["decision"] == "accepted"
    assert best(rows, "kabul")["decision"] == "accepted"
    assert best(rows, "haqqani-network")["decision"] != "accepted"
    # only insertions: every original line is still there, in order
    added = [line for line in after if line not in before]
    remaining = iter(after)
    assert all(any(line == other for other in remaining) for line in before)
    assert [line for line in added if not line.lstrip().startswith("#")] == [
        "    wikidata: Q9900000010",
        "    wikidata: Q2429253",
        "    wikidata: Q9900000020",
        "    wikidata: Q9900000030",
        "    wikidata: Q34490",
    ]
    assert all("accepted by agkg reconcile" in line for line in added if line.lstrip().startswith("#"))
    iskp_at = after.index("    wikidata: Q9900000010")
    assert after[iskp_at - 2].startswith("    description:")  # appended at the end of iskp's block
    places = (forgetful / "data" / "entities" / "places.yaml").read_text(encoding="utf-8")
    assert places.count("    wikidata: Q5838") == 1  # Kabul, now winning on type, written back
    data = load_curated_data(forgetful / "data", load_vocabulary(forgetful / "ontology"), forgetful)
    assert data.entities["iskp"].wikidata == "Q9900000010"
    assert data.entities["kabul"].wikidata == "Q5838"
    assert "6 accepted into 2 files" in result.stderr
    # a second run has nothing more to accept and asks nothing new (the answers are cached)
    rows, result = reconcile(run_agkg, forgetful, wikidata.query_url, "--accept-above", "85")
    assert "iskp" not in {r["entity"] for r in rows}
    assert groups.read_text(encoding="utf-8").splitlines() == after


def test_answers_are_cached(
    run_agkg: Callable[..., Result], forgetful: Path, wikidata: OxigraphServer
) -> None:
    _, first = reconcile(run_agkg, forgetful, wikidata.query_url)
    _, second = reconcile(run_agkg, forgetful, wikidata.query_url)
    assert "0 answers from the cache" in first.stderr
    assert "; 0 requests" in second.stderr
    _, third = reconcile(run_agkg, forgetful, wikidata.query_url, "--no-cache")
    assert "0 answers from the cache" in third.stderr


def test_names_in_any_language_are_looked_up(wikidata: OxigraphServer, repo: Path) -> None:
    vocabulary = load_vocabulary(repo / "ontology")
    data = load_curated_data(repo / "data", vocabulary, repo)
    entity = Entity("taliban-ps", "ArmedGroup", Position("x"), labels={"ps": "طالبان"})
    client = SparqlClient(wikidata.query_url, delay=0)
    [found] = find_candidates([entity], data, wikidata_mapping(vocabulary), client)
    assert found.best is not None and found.best.qid == "Q9900000020"
    assert "'طالبان'@ps ~ label 'طالبان'@ps" in found.best.features[0].reason


class _Throttling(BaseHTTPRequestHandler):
    """Answers the first request 429 with Retry-After, then relays to the SPARQL server."""

    target = ""
    seen: list[tuple[float, str, str]] = []  # noqa: RUF012 - per-test class attribute, reset by the fixture
    active = 0
    most_active = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.active += 1
            cls.most_active = max(cls.most_active, cls.active)
            cls.seen.append((time.monotonic(), self.headers.get("User-Agent", ""), self.command))
            first = len(cls.seen) == 1
        finished = False

        def finish() -> None:
            # the request counts as active until just before its last bytes go out: once the
            # client has them it may send the next one, which another thread can take before
            # this one gets round to a finally block (two "at once" under load, never in fact)
            nonlocal finished
            if not finished:
                finished = True
                with cls.lock:
                    cls.active -= 1

        try:
            if first:
                self.send_response(429)
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                finish()
                self.end_headers()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            request = urllib.request.Request(
                f"{cls.target}?{query}" if query else cls.target,
                data=body,
                headers={"Accept": "application/sparql-results+json"}
                | ({"Content-Type": "application/x-www-form-urlencoded"} if body else {}),
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            finish()
            self.wfile.write(body)
        finally:
            finish()

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def throttling(wikidata: OxigraphServer) -> Iterator[str]:
    _Throttling.target, _Throttling.seen, _Throttling.most_active = wikidata.query_url, [], 0
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Throttling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def test_usage_policy_user_agent_one_at_a_time_and_retry_after(
    run_agkg: Callable[..., Result], forgetful: Path, throttling: str
) -> None:
    _, result = reconcile(
        run_agkg, forgetful, throttling, "--contact", "curator@example.org", "--batch-size", "4", "--no-cache"
    )
    seen = _Throttling.seen
    assert "1 retries" in result.stderr
    assert seen[1][0] - seen[0][0] >= 1.0  # waited as long as Retry-After said
    assert _Throttling.most_active == 1  # never two requests at once
    assert all(
        ua.startswith("agkg/") and "curator@example.org" in ua and "reconcile" in ua for _, ua, _ in seen
    )
    # entities are looked up in batches of 4 (3 queries each: names, facts, classes), not one by one
    assert len(seen) - 1 <= 3 * -(-len(_reconciled(forgetful)) // 4)


def _reconciled(project: Path) -> list[str]:
    data = load_curated_data(project / "data", load_vocabulary(project / "ontology"), project)
    return [e.id for e in data.entities.values() if not e.wikidata and e.type != "UnnamedSource"]
