"""Remote faults: ``agkg query --endpoint`` and ``agkg push`` against a misbehaving server.

A small HTTP server on loopback plays each fault (5xx, 429/503 with Retry-After, a stall, a body
cut short, the wrong content type, a dropped connection); the commands must fail with exit code
3 and a message naming the fault, after a bounded number of requests, or succeed after a retry.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import Result

Run = Callable[..., Result]
ANSWER = json.dumps(
    {"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "1"}}]}}
)

NO_MANIFEST = b'{"head": {"vars": ["p", "o"]}, "results": {"bindings": []}}'


@dataclass
class Fault:
    """One scripted answer: status, headers, body; ``stall`` seconds first; ``cut`` sends only
    half the body it announces; ``drop`` closes the connection without any answer."""

    status: int = 200
    body: str = ANSWER
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": "application/sparql-results+json"}
    )
    stall: float = 0.0
    cut: bool = False
    drop: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up mid-answer are part of the script


class Misbehaving:
    """Plays ``faults`` in order, one per request, the last one for every later request."""

    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def answer(self) -> None:
                sent = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "POST" and b"agkg-push" in sent and b"SELECT" in sent:
                    # agkg query first looks for a push manifest: answer as a store holding none,
                    # so the script plays on the query itself
                    self.send_response(200)
                    self.send_header("Content-Type", "application/sparql-results+json")
                    self.send_header("Content-Length", str(len(NO_MANIFEST)))
                    self.end_headers()
                    self.wfile.write(NO_MANIFEST)
                    self.close_connection = True
                    return
                outer.requests.append(self.command)
                fault = outer.faults[min(len(outer.requests), len(outer.faults)) - 1]
                if fault.stall:
                    time.sleep(fault.stall)
                if fault.drop:
                    self.close_connection = True
                    return
                body = fault.body.encode()
                self.send_response(fault.status)
                for name, value in fault.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if fault.cut else body)
                self.close_connection = True

            do_GET = do_POST = do_PUT = answer

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def misbehaving() -> Iterator[Callable[..., Misbehaving]]:
    servers: list[Misbehaving] = []

    def start(*faults: Fault) -> Misbehaving:
        servers.append(Misbehaving(list(faults)))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def query(run_agkg: Run, url: str, *options: str) -> Result:
    return run_agkg("query", "SELECT ?n WHERE { ?s ?p ?n } LIMIT 1", "--endpoint", url, *options)


def test_a_server_error_is_reported_once_without_retrying(
    run_agkg: Run, misbehaving: Callable[..., Misbehaving]
) -> None:
    server = misbehaving(Fault(500, "Internal error: index corrupted", {"Content-Type": "text/plain"}))
    result = query(run_agkg, server.url)
    assert result.exit_code == 3
    assert "HTTP 500" in result.stderr and "index corrupted" in result.stderr
    assert len(server.requests) == 1  # a 500 is not worth repeating


def test_503_is_retried_a_bounded_number_of_times(
    run_agkg: Run, misbehaving: Callable[..., Misbehaving]
) -> None:
    server = misbehaving(Fault(503, "overloaded", {"Retry-After": "0", "Content-Type": "text/plain"}))
    started = time.monotonic()
    result = query(run_agkg, server.url)
    assert result.exit_code == 3
    assert "HTTP 503" in result.stderr and "after 4 attempts" in result.stderr
    assert len(server.requests) == 4
    assert time.monotonic() - started < 20


def test_429_with_retry_after_then_success(run_agkg: Run, misbehaving: Callable[..., Misbehaving]) -> None:
    server = misbehaving(Fault(429, "slow down", {"Retry-After": "1", "Content-Type": "text/plain"}), Fault())
    started = time.monotonic()
    result = query(run_agkg, server.url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"] == "1"
    assert len(server.requests) == 2
    assert time.monotonic() - started >= 1.0  # it waited as asked


def test_a_stalled_server_times_out(run_agkg: Run, misbehaving: Callable[..., Misbehaving]) -> None:
    server = misbehaving(Fault(stall=4.0))
    started = time.monotonic()
    result = query(run_agkg, server.url, "--timeout", "1")
    assert result.exit_code == 3
    assert "timed out" in result.stderr
    assert time.monotonic() - started < 4.0


@pytest.mark.parametrize(
    ("output_format", "media_type"),
    [("json", "application/sparql-results+json"), ("table", "application/sparql-results+json"),
     ("csv", "text/csv")],
)  # fmt: skip
def test_a_body_cut_short_is_an_error(
    run_agkg: Run, misbehaving: Callable[..., Misbehaving], output_format: str, media_type: str
) -> None:
    server = misbehaving(Fault(cut=True, headers={"Content-Type": media_type}))
    result = query(run_agkg, server.url, "--format", output_format)
    assert result.exit_code == 3, result.output
    assert "cut off" in result.stderr or "malformed JSON" in result.stderr


def test_a_dropped_connection_is_an_error(run_agkg: Run, misbehaving: Callable[..., Misbehaving]) -> None:
    server = misbehaving(Fault(drop=True))
    result = query(run_agkg, server.url)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"agkg: {server.url}: ")
    assert len(server.requests) == 1


@pytest.mark.parametrize("output_format", ["table", "json", "xml", "csv", "tsv"])
def test_html_instead_of_results_is_an_error_in_every_format(
    run_agkg: Run, misbehaving: Callable[..., Misbehaving], output_format: str
) -> None:
    server = misbehaving(
        Fault(body="<html><body>Login required</body></html>", headers={"Content-Type": "text/html"})
    )
    result = query(run_agkg, server.url, "--format", output_format)
    assert result.exit_code == 3
    assert "answered with Content-Type text/html" in result.stderr
    assert result.stdout == ""  # nothing that looks like a result is passed on


def test_a_graph_in_the_wrong_syntax_is_an_error(
    run_agkg: Run, misbehaving: Callable[..., Misbehaving]
) -> None:
    server = misbehaving(Fault(body="<rdf:RDF/>", headers={"Content-Type": "application/rdf+xml"}))
    result = run_agkg("query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "--endpoint", server.url,
                      "--format", "ntriples")  # fmt: skip
    assert result.exit_code == 3
    assert "Content-Type application/rdf+xml, not a nt result" in result.stderr


def test_a_media_type_with_parameters_is_accepted(
    run_agkg: Run, misbehaving: Callable[..., Misbehaving]
) -> None:
    server = misbehaving(Fault(headers={"Content-Type": "application/sparql-results+json; charset=utf-8"}))
    result = query(run_agkg, server.url, "--format", "json")
    assert result.exit_code == 0, result.stderr


def test_a_partial_result_is_an_error(run_agkg: Run, misbehaving: Callable[..., Misbehaving]) -> None:
    server = misbehaving(Fault(206))
    result = query(run_agkg, server.url, "--format", "json")
    assert result.exit_code == 3
    assert "partial result" in result.stderr


def test_push_gives_up_after_bounded_retries(
    run_agkg: Run, misbehaving: Callable[..., Misbehaving], published: Path, repo: Path
) -> None:
    server = misbehaving(Fault(503, "maintenance", {"Retry-After": "0", "Content-Type": "text/plain"}))
    started = time.monotonic()
    result = run_agkg(
        "--project", repo, "push", "--dist", published, "--endpoint", server.url,
        "--graph-store", server.url.replace("/sparql", "/store"),
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "503" in result.stderr
    assert 1 < len(server.requests) <= 4 * 2  # retried, and not forever
    assert time.monotonic() - started < 30


def test_push_reports_a_server_error_clearly(
    run_agkg: Run, misbehaving: Callable[..., Misbehaving], published: Path, repo: Path
) -> None:
    server = misbehaving(Fault(500, "disk full on the store", {"Content-Type": "text/plain"}))
    result = run_agkg(
        "--project", repo, "push", "--dist", published, "--endpoint", server.url,
        "--update", server.url.replace("/sparql", "/update"),
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "disk full on the store" in result.stderr
    assert len(server.requests) <= 4
