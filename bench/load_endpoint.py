"""Does a trivial SPARQL query stay fast while slow ones run? A bounded loopback load test.

Publishes the repository's data into a temporary folder, starts ``agkg serve --port 0`` (a
separate process, as in production; the port is read from uvicorn's start-up line), and sends
a fixed plan of requests from concurrent keep-alive clients:

    16 slow queries, each a different text (so none is known in advance), spread over the run;
    each would run to the time limit
    the rest: 50 % trivial ASK, 30 % entity pages, 20 % a small SELECT

The figures that matter are the trivial ASK's latency percentiles and the 503s (target: p99
under 1 s). Every request has a client timeout and the whole run a deadline, so it always ends;
the server is stopped at the end.

Usage: .venv/bin/python bench/load_endpoint.py [--requests 2000] [--clients 20] [--slow 16]
       [--label NAME] [--no-write]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serverload import (
    REPO,
    entities,
    find_section,
    percentile,
    publish,
    put_section,
    run_threads,
    start_server,
    stop_server,
)

TRIVIAL = "ASK { ?s ?p ?o }"
SELECT = "SELECT ?g ?label WHERE { ?g a agkg:ArmedGroup ; rdfs:label ?label } ORDER BY ?label"
SECTION = "## SPARQL endpoint: cheap queries among slow ones"
CLIENT_TIMEOUT = 60.0
RUN_DEADLINE = 600.0


def slow_query(index: int) -> str:
    """A query joining four triple patterns with no shared variable: minutes of work, cut off
    at the time limit. Each index gives a different text (and variable names)."""
    names = [f"?v{index}_{k}" for k in range(12)]
    patterns = " . ".join(" ".join(names[i : i + 3]) for i in range(0, 12, 3))
    return f"SELECT (COUNT(*) AS ?n{index}) WHERE {{ {patterns} }}"


def sparql_path(query: str) -> str:
    return "/sparql?" + urlencode({"query": query})


def plan(names: list[str], count: int, slow: int, seed: int = 16) -> list[tuple[str, str, str]]:
    """(kind, path, Accept) for each request, drawn reproducibly; the slow ones evenly spread
    over the first 80 % of the run."""
    rng = random.Random(seed)
    requests: list[tuple[str, str, str]] = []
    for _ in range(count - slow):
        draw = rng.random()
        if draw < 0.5:
            requests.append(("ask", sparql_path(TRIVIAL), "application/sparql-results+json"))
        elif draw < 0.8:
            requests.append(("page", f"/doc/id/{rng.choice(names)}.html", "text/html"))
        else:
            requests.append(("select", sparql_path(SELECT), "application/sparql-results+json"))
    for index in range(slow):
        position = round(index * 0.8 * count / max(slow, 1))
        requests.insert(position, ("slow", sparql_path(slow_query(index)), "application/sparql-results+json"))
    return requests


def client(
    port: int,
    queue: list[tuple[str, str, str]],
    lock: threading.Lock,
    results: list[tuple[str, float, int]],
    deadline: float,
) -> None:
    """Take the next request from the shared plan until it is empty or the deadline passes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    while time.monotonic() < deadline:
        with lock:
            if not queue:
                break
            kind, path, accept = queue.pop(0)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        results.append((kind, time.perf_counter() - started, status))
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--slow", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=10.0, help="The server's --query-timeout.")
    parser.add_argument("--label", default="this version", help="Row name in RESULTS.md (e.g. 'before').")
    parser.add_argument("--no-write", action="store_true", help="Print only; do not update bench/RESULTS.md.")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="agkg-load-endpoint-"))
    server = None
    try:
        env = publish(folder)
        names = entities(folder)
        server, port = start_server(env, "--query-timeout", str(args.timeout))
        # warm up: the first page renders, each worker's first query
        warm: list[tuple[str, float, int]] = []
        client(port, plan(names, 40, 0, seed=1), threading.Lock(), warm, time.monotonic() + 60)

        queue = plan(names, args.requests, args.slow)
        results: list[tuple[str, float, int]] = []
        lock = threading.Lock()
        deadline = time.monotonic() + RUN_DEADLINE
        threads = [
            threading.Thread(target=client, args=(port, queue, lock, results, deadline))
            for _ in range(args.clients)
        ]
        elapsed = run_threads(threads)
    finally:
        stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)

    def stats(kind: str) -> tuple[list[float], int, int]:
        times = [s * 1000 for k, s, _ in results if k == kind]
        busy = sum(1 for k, _, status in results if k == kind and status == 503)
        other = sum(1 for k, _, status in results if k == kind and status not in (200, 503))
        return times, busy, other

    ask, ask_503, ask_errors = stats("ask")
    slow, slow_503, _ = stats("slow")
    others_503 = sum(1 for k, _, status in results if k in ("page", "select") and status == 503)
    errors = sum(1 for _, _, status in results if status not in (200, 503)) + ask_errors
    row = (
        f"| {args.label} | {len(results)} | {elapsed:.1f} | {len(ask)} | {statistics.median(ask):.0f} | "
        f"{percentile(ask, 95):.0f} | {percentile(ask, 99):.0f} | {max(ask):.0f} | {ask_503} | "
        f"{slow_503} of {len(slow)} | {others_503} | {errors} |"
    )
    print(row)
    if not args.no_write:
        write_row(REPO / "bench" / "RESULTS.md", args, row)
    return 0


def write_row(path: Path, args: argparse.Namespace, row: str) -> None:
    """Put the row into the section's table (replacing one with the same label), creating the
    section if needed and leaving the rest of the file alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    header = [
        SECTION,
        "",
        f"`bench/load_endpoint.py`: {args.requests} requests from {args.clients} keep-alive clients to "
        f"`agkg serve` (default settings, --query-timeout {args.timeout:g}) on loopback, same machine, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. {args.slow} of the requests are slow "
        "queries (different texts, each running to the time limit), spread over the run; the rest are "
        "50 % trivial `ASK`, 30 % entity pages, 20 % a small SELECT. The machine is shared with "
        "other jobs: read the figures as a floor. Latencies of the trivial ASK in ms.",
        "",
        "| version | requests | wall s | ASK n | ASK p50 | p95 | p99 | max | ASK 503 | slow 503 | page/select 503 | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    found = find_section(text, SECTION)
    rows: list[str] = []
    notes: list[str] = []
    if found:
        lines = found.group(0).rstrip("\n").splitlines()
        table = [i for i, line in enumerate(lines) if line.startswith("|")]
        rows = [lines[i] for i in table[2:]]  # after the header and the rule
        notes = lines[table[-1] + 2 :] if table else []  # the notes under the table, kept as written
    label = row.split("|")[1].strip()
    rows = [r for r in rows if r.split("|")[1].strip() != label] + [row]
    section = "\n".join([*header, *rows, "", *notes]).rstrip("\n") + "\n"
    put_section(path, SECTION, section)


if __name__ == "__main__":
    sys.exit(main())
