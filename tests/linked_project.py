"""A small project for the linked-data tests, and agkg's server run on a loopback port.

Two sources (one dated, one known only to be published not before a day), three entities (two
with Wikidata ids) and a claim from each source: small enough to walk every IRI it mints.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner
from scaffold import scaffold_project

from agkg.cli import cli

BASE = "https://example.org/kg/"

TEXTS = {
    "dated-2021": "The Northern Front was founded in March 2019 by veterans of the river war. "
    "Its leader, Amal Idris, said the group controls the hill country around Dara.\n",
    "undated-2021": "Officials say the Northern Front, an offshoot of the Southern Alliance, "
    "has some 400 fighters.\n",
}


def make_project(folder: Path, settings: str = "") -> Path:
    """Write the small project into ``folder`` (with its own corpus); ``settings`` are added to
    ``[agkg]`` in agkg.toml."""
    digests = scaffold_project(folder, TEXTS)
    (folder / "data/sources/sources.yaml").write_text(
        "sources:\n"
        "  - id: dated-2021\n    type: NewsArticle\n    headline: A dated article\n"
        f"    published: 2021-09-03\n    language: en\n    sha256: {digests['dated-2021']}\n"
        "  - id: undated-2021\n    type: NewsArticle\n    headline: An undated article\n"
        f"    published_not_before: 2021-08-26\n    language: en\n    sha256: {digests['undated-2021']}\n",
        encoding="utf-8",
    )
    (folder / "data/entities/entities.yaml").write_text(
        "entities:\n"
        "  - id: northern-front\n    type: ArmedGroup\n    label: {en: Northern Front}\n    wikidata: Q42\n"
        "  - id: southern-alliance\n    type: ArmedGroup\n    label: {en: Southern Alliance}\n"
        "  - id: amal-idris\n    type: Person\n    label: {en: Amal Idris}\n    wikidata: Q1\n",
        encoding="utf-8",
    )
    (folder / "data/claims/dated-2021.yaml").write_text(
        "source: dated-2021\nclaims:\n"
        "  - subject: northern-front\n    property: inception\n    value: 2019-03\n"
        "    quote: 'founded in March 2019'\n",
        encoding="utf-8",
    )
    (folder / "data/claims/undated-2021.yaml").write_text(
        "source: undated-2021\nclaims:\n"
        "  - subject: northern-front\n    property: partOf\n    value: southern-alliance\n"
        "    quote: 'an offshoot of the Southern Alliance'\n",
        encoding="utf-8",
    )
    (folder / "agkg.toml").write_text(
        f'[agkg]\nbase = "{BASE}"\ncorpus = "corpus"\n{settings}', encoding="utf-8"
    )
    return folder


def publish(project: Path, *options: str) -> None:
    result = CliRunner().invoke(
        cli, ["--project", str(project), "--quiet", "publish", *options], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


@dataclass
class Running:
    """A server on a loopback port, and plain HTTP requests to it (redirects not followed)."""

    url: str

    def request(
        self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(urlsplit(self.url).netloc, timeout=60)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()


@contextlib.contextmanager
def running_server(project: Path) -> Iterator[Running]:
    """``create_app`` under uvicorn on 127.0.0.1, the port chosen by the OS."""
    import uvicorn

    from agkg.config import load_config
    from agkg.web.server import ServerSettings, create_app

    app = create_app(load_config(project), ServerSettings(query_workers=1))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield Running(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
