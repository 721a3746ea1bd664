"""Querying a remote SPARQL 1.1 endpoint through SPARQLWrapper.

Credentials come only from the environment (``AGKG_ENDPOINT_USER``, ``AGKG_ENDPOINT_PASSWORD``),
never from the command line where they would show in shell history and process lists. Errors
carry the server's own message and map to exit code 3.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from . import __version__
from .errors import QueryError, RemoteError

USER_AGENT = f"agkg/{__version__} (Armed Groups Knowledge Graph; https://w3id.org/agkg/)"

_SELECT_FORMATS = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "table": "json"}
_GRAPH_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "table": "turtle"}


@dataclass
class RemoteAnswer:
    """What the endpoint sent: the body, and the format it is in."""

    body: bytes
    format: str  # json, xml, csv, tsv, turtle, nt, json-ld
    query_type: str  # SELECT, ASK, CONSTRUCT, DESCRIBE

    def json(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.body)
        return parsed


def query_endpoint(
    url: str,
    query: str,
    output_format: str,
    timeout: float = 60.0,
    environ: Mapping[str, str] | None = None,
) -> RemoteAnswer:
    """Send ``query`` to ``url``; raise RemoteError with the server's message on failure."""
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    env = os.environ if environ is None else environ
    wrapper = SPARQLWrapper(url, agent=USER_AGENT)
    wrapper.setQuery(query)
    query_type = str(wrapper.queryType).upper()
    if query_type in ("SELECT", "ASK"):
        wire = _SELECT_FORMATS.get(output_format)
    elif query_type in ("CONSTRUCT", "DESCRIBE"):
        wire = _GRAPH_FORMATS.get(output_format)
    else:
        raise QueryError(f"only SELECT, ASK, CONSTRUCT and DESCRIBE can be sent, not {query_type}")
    if wire is None:
        raise QueryError(f"--format {output_format} does not fit a {query_type} query")
    wrapper.setReturnFormat(wire)
    wrapper.setMethod(POST)
    wrapper.setTimeout(int(max(1, timeout)))
    user, password = env.get("AGKG_ENDPOINT_USER"), env.get("AGKG_ENDPOINT_PASSWORD")
    if user:
        wrapper.setCredentials(user, password or "")
    try:
        response = wrapper.query()
        body = response.response.read()
    except SPARQLWrapperException as error:
        raise RemoteError(f"{url}: {error}") from None
    except OSError as error:  # URLError, timeouts, refused connections
        reason = getattr(error, "reason", error)
        raise RemoteError(f"{url}: {reason}") from None
    return RemoteAnswer(body=body, format=wire, query_type=query_type)
