"""Bounded loopback load test of ``agkg serve``: throughput and latency, into bench/RESULTS.md.

Publishes the repository's data into a temporary folder, starts ``agkg serve`` on a free
loopback port (a separate process, as in production), and sends a fixed number of requests
from a few client threads with keep-alive connections, in a fixed mix:

    50 %  entity page (HTML)                        GET /doc/id/{x}.html
    20 %  IRI dereference, Turtle (303 + document)  GET /id/{x}, then the Location
    10 %  per-entity N-Triples                      GET /doc/id/{x}.nt
    20 %  SPARQL SELECT (JSON)                      GET /sparql?query=…

Usage: .venv/bin/python bench/load.py [--requests 3000] [--clients 8] [--no-write]
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
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serverload import (
    REPO,
    entities,
    percentile,
    publish,
    put_section,
    run_threads,
    start_server,
    stop_server,
)

QUERY = "SELECT ?g ?label WHERE { ?g a agkg:ArmedGroup ; rdfs:label ?label } ORDER BY ?label"


def plan(names: list[str], count: int, seed: int = 5) -> list[tuple[str, str, str | None]]:
    """(kind, path, Accept) for each request, drawn reproducibly."""
    rng = random.Random(seed)
    requests = []
    for _ in range(count):
        name = rng.choice(names)
        draw = rng.random()
        if draw < 0.5:
            requests.append(("page", f"/doc/id/{name}.html", "text/html"))
        elif draw < 0.7:
            requests.append(("deref-turtle", f"/id/{name}", "text/turtle"))
        elif draw < 0.8:
            requests.append(("ntriples", f"/doc/id/{name}.nt", None))
        else:
            requests.append(
                ("sparql", "/sparql?" + urlencode({"query": QUERY}), "application/sparql-results+json")
            )
    return requests


def client(port: int, work: list[tuple[str, str, str | None]], results: list[tuple[str, float, int]]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for kind, path, accept in work:
        started = time.perf_counter()
        headers = {"Accept": accept} if accept else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
        if status == 303:
            location = response.getheader("Location", "")
            target = os.path.normpath(os.path.join(os.path.dirname(path), location))
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        results.append((kind, time.perf_counter() - started, status))
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-write", action="store_true", help="Print only; do not update bench/RESULTS.md.")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="agkg-load-"))
    server = None
    try:
        env = publish(folder)
        names = entities(folder)
        server, port = start_server(env)
        # warm up: the first page renders and the workers' first queries
        client(port, plan(names, 50, seed=1), [])

        work = plan(names, args.requests)
        shares: list[list[tuple[str, str, str | None]]] = [
            work[i :: args.clients] for i in range(args.clients)
        ]
        results: list[tuple[str, float, int]] = []
        threads = [threading.Thread(target=client, args=(port, share, results)) for share in shares]
        elapsed = run_threads(threads)
    finally:
        stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)

    errors = sum(1 for _, _, status in results if status != 200)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, seconds, _ in results:
        by_kind[kind].append(seconds * 1000)
    everything = [s * 1000 for _, s, _ in results]
    rows = [
        f"| {kind} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 95):.1f} | "
        f"{percentile(values, 99):.1f} | {max(values):.1f} |"
        for kind, values in sorted(by_kind.items())
    ]
    rows.append(
        f"| **all** | {len(everything)} | {statistics.median(everything):.1f} | {percentile(everything, 95):.1f} | "
        f"{percentile(everything, 99):.1f} | {max(everything):.1f} |"
    )
    section = "\n".join(
        [
            "## Server load",
            "",
            f"`bench/load.py`: {len(results)} requests from {args.clients} keep-alive client threads to "
            f"`agkg serve` (uvicorn, 1 process, 2 query workers) on loopback, same machine, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}. Mix: 50 % entity pages, 20 % "
            "IRI → 303 → Turtle (two requests, timed together), 10 % per-entity N-Triples, 20 % SPARQL "
            "SELECT (JSON). The client threads share the 2 cores with the server, and the machine may "
            "be shared with other jobs: read the figures as a floor.",
            "",
            f"**{len(results) / elapsed:.0f} requests/s** over {elapsed:.1f} s, {errors} errors.",
            "",
            "| request | n | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    print(section)
    if not args.no_write:
        put_section(REPO / "bench" / "RESULTS.md", "## Server load", section)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
