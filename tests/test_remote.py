"""The remote client's manners, against a small fault-injecting HTTP server on loopback."""

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

from agkg import __version__
from agkg.errors import RemoteError
from agkg.sparql.remote import RequestLog, RetryPolicy, parse_retry_after, query_endpoint

Run = Callable[..., Result]
RESULT = json.dumps(
    {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]}}
).encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = RESULT
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": "application/sparql-results+json"}
    )
    delay: float = 0.0
    cut: bool = False  # announce the full length, send half, close


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the timeout test) is expected here


class FaultServer:
    """Answers each request with the next scripted reply (the last one repeats)."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                outer.seen.append(dict(self.headers.items()))
                reply = outer.replies[min(len(outer.seen), len(outer.replies)) - 1]
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body[: len(reply.body) // 2] if reply.cut else reply.body)
                self.close_connection = True

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fault_server() -> Iterator[Callable[..., FaultServer]]:
    made: list[FaultServer] = []

    def make(*replies: Reply) -> FaultServer:
        server = FaultServer(list(replies))
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


def test_user_agent_names_agkg_and_its_version(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(Reply())
    assert query_endpoint(server.url, "SELECT * { ?s ?p ?o }", "json").json()["results"]
    assert f"agkg/{__version__}" in server.seen[0]["User-Agent"]


def test_retries_honour_retry_after(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(
        Reply(503, b"busy", {"Retry-After": "2"}), Reply(429, b"slow down", {"Retry-After": "1"}), Reply()
    )
    waits: list[float] = []
    log = RequestLog()
    answer = query_endpoint(server.url, "ASK {}", "json", sleep=waits.append, log=log)
    assert answer.json()["results"]
    assert waits == [2.0, 1.0]
    assert log.requests == 3 and log.statuses == [503, 429, 200]


def test_retries_are_bounded_and_back_off(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(Reply(503, b"Service Unavailable: maintenance window", {}))
    waits: list[float] = []
    policy = RetryPolicy(retries=3, backoff=0.5, max_wait=30)
    with pytest.raises(RemoteError, match=r"HTTP 503.*after 4 attempts.*maintenance window"):
        query_endpoint(server.url, "ASK {}", "json", policy=policy, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]
    assert len(server.seen) == 4


def test_retry_after_is_capped_and_parsed() -> None:
    assert RetryPolicy(max_wait=5).wait(0, "3600") == 5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None


def test_credentials_come_from_the_environment(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(Reply())
    env = {"AGKG_ENDPOINT_USER": "curator", "AGKG_ENDPOINT_PASSWORD": "s3cret"}
    query_endpoint(server.url, "ASK {}", "json", environ=env)
    assert server.seen[0]["Authorization"] == "Basic Y3VyYXRvcjpzM2NyZXQ="
    query_endpoint(server.url, "ASK {}", "json", environ={})
    assert "Authorization" not in server.seen[1]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(206), "partial result \\(HTTP 206\\)"),
        (
            Reply(
                200, headers={"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"}
            ),
            r"X-SQL-State S1TAT\): RC\.\.\.: Returning incomplete results",
        ),
        (Reply(cut=True), "cut off"),
        (Reply(400, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error"), "SP030"),
        (Reply(500, b"internal trouble"), "HTTP 500: internal trouble"),
        (Reply(403, b"forbidden here"), "HTTP 403 Forbidden: forbidden here"),
    ],
)
def test_bad_answers_are_errors_with_the_servers_message(
    fault_server: Callable[..., FaultServer], reply: Reply, message: str
) -> None:
    server = fault_server(reply)
    with pytest.raises(RemoteError, match=message):
        query_endpoint(server.url, "SELECT * { ?s ?p ?o }", "json").read()


def test_timeout(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(Reply(delay=3))
    started = time.monotonic()
    with pytest.raises(RemoteError, match="timed out"):
        query_endpoint(server.url, "ASK {}", "json", timeout=1)
    assert time.monotonic() - started < 2.5


def test_cli_exit_code_3_with_the_message(
    run_agkg: Run, repo: Path, fault_server: Callable[..., FaultServer]
) -> None:
    server = fault_server(Reply(206))
    result = run_agkg("--project", repo, "query", "ASK {}", "--endpoint", server.url, "--format", "json")
    assert result.exit_code == 3
    assert "partial result" in result.stderr and result.stdout == ""
    server = fault_server(Reply(429, b"quota exceeded", {"Retry-After": "0"}))
    result = run_agkg("--project", repo, "query", "ASK {}", "--endpoint", server.url)
    assert result.exit_code == 3 and "quota exceeded" in result.stderr
    assert len(server.seen) == 4
    result = run_agkg("--project", repo, "query", "ASK {}", "--endpoint", "http://127.0.0.1:9/sparql")
    assert result.exit_code == 3 and "refused" in result.stderr.lower()
