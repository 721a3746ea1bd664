"""Answering SPARQL on the built dataset, and writing results in the W3C formats.

The built dataset is cached as N-Quads under the cache folder together with a fingerprint of
every input (data, ontology, corpus listing, base IRI, agkg version), so repeated queries load it
in milliseconds instead of rebuilding, and any edit to the inputs triggers a rebuild.

Local queries are safe by default: the default graph is the union of the dataset's graphs
and the ontology,
``FROM`` and ``FROM NAMED`` only select graphs already in the store (nothing is fetched), and a
``SERVICE`` call is refused unless explicitly allowed (WDQS's ``SERVICE wikibase:label`` is no call:
it is rewritten into a pattern over the local labels).
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox

from agkg import __version__, code_files
from agkg.build.querystore import open_query_store
from agkg.config import Config
from agkg.errors import QueryError
from agkg.sparql.guarded import engine_sorts, evaluate_apart
from agkg.sparql.label_service import rewrite_label_service
from agkg.sparql.ordering import sorted_answer
from agkg.sparql.querytext import uses_service
from agkg.sparql.resultcache import publication_identity
from agkg.vocab import Iris, data_prefixes

if TYPE_CHECKING:
    from agkg.build.graph import BuiltDataset

RESULT_FORMATS = ("table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld")
_SOLUTION_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def input_fingerprint(config: Config) -> str:
    """A hash of everything a build depends on, agkg's own code included (so an upgrade or a
    development edit never serves a store built by older code).

    The data files count by name, size, modification time and inode, not by content: every
    ``agkg query`` computes this, and hashing the YAML of a million triples (19 MB) took half a
    second of each query's target of 0.5 s. Any edit, a ``git checkout`` included, changes a
    file's modification time; a file made anew with the old content costs one rebuild."""
    digest = hashlib.sha256()
    digest.update(f"agkg {__version__}\0{config.base}\0".encode())
    for path in code_files():
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for path in sorted(config.ontology_dir.glob("*.ttl")):
        digest.update(str(path.relative_to(config.ontology_dir)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name, stat in data_file_stats(config.data_dir):
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}\0".encode())
    if config.corpus_dir is not None and config.corpus_dir.is_dir():
        with os.scandir(config.corpus_dir) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        for entry in entries:
            stat = entry.stat()
            digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def data_file_stats(data_dir: Path) -> list[tuple[str, os.stat_result]]:
    """Every YAML file under ``data_dir`` (``**/*.y*ml``), as its path relative to it and its
    status, in path order. A directory walk with ``os.scandir`` rather than ``Path.glob`` and
    sorted paths: at 10M triples (13,955 files) those took 0.26 s of a later query's 0.5 s
    target, this takes 0.07 s."""
    found: list[tuple[str, os.stat_result]] = []
    folders = [("", str(data_dir))]
    while folders:
        prefix, folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir():
                folders.append((f"{prefix}{entry.name}/", entry.path))
            elif fnmatch.fnmatchcase(entry.name, "*.y*ml") and entry.is_file():
                found.append((prefix + entry.name, entry.stat()))
    found.sort(key=lambda item: item[0].split("/"))
    return found


@dataclass
class DatasetStore:
    """The dataset loaded in an in-memory Oxigraph store, ready to query."""

    store: ox.Store
    iris: Iris
    rebuilt: bool
    # where the store came from: "publication" (the published query store, opened read-only),
    # "cache" (the N-Quads cached under .agkg/) or "built" (built from the inputs just now)
    origin: str = "built"
    # the publication's identity (``resultcache.publication_identity``) read before its store
    # was opened: what its kept answers are keyed by; None unless origin is "publication"
    identity: str | None = None


def query_store_quads(
    quads: Iterable[ox.Quad], ontology_triples: Iterable[ox.Triple], iris: Iris
) -> set[ox.Quad]:
    """What every query store holds (``agkg query``'s and the server's alike): the named graphs
    as published, the ontology in its own graph, and a default graph with the union of all.

    The union is materialised rather than left to Oxigraph's union-default-graph mode, which
    yields a triple once per named graph containing it: a fact two sources support would
    answer twice, whereas SPARQL's merged default graph holds each triple once.
    """
    ontology_graph = iris.ontology_graph
    result = set(quads)
    result.update(ox.Quad(t.subject, t.predicate, t.object, ontology_graph) for t in ontology_triples)
    default = ox.DefaultGraph()
    union = {ox.Triple(q.subject, q.predicate, q.object) for q in result}
    result.update(ox.Quad(t.subject, t.predicate, t.object, default) for t in union)
    return result


def store_from_built(built: BuiltDataset) -> ox.Store:
    """The built dataset in an in-memory store, laid out as ``query_store_quads`` says."""
    store = ox.Store()
    store.bulk_extend(query_store_quads(built.quads, built.vocabulary.triples, built.iris))
    return store


def open_dataset(config: Config, progress: Callable[[str], None] | None = None) -> DatasetStore:
    """The queryable dataset: the publication's query store when it was built from the inputs
    as they are now (opened in milliseconds), else the cache when the inputs are unchanged,
    else rebuilt."""
    cache = config.cache_dir / "query"
    fingerprint = input_fingerprint(config)
    identity = publication_identity(config.out_dir)  # before the open: see resultcache
    published = open_query_store(config.out_dir, fingerprint)
    if published is not None:
        return DatasetStore(
            published, Iris(config.base), rebuilt=False, origin="publication", identity=identity
        )
    marker, dump = cache / "fingerprint", cache / "dataset.nq"
    if marker.exists() and dump.exists() and marker.read_text().strip() == fingerprint:
        store = ox.Store()
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        return DatasetStore(store, Iris(config.base), rebuilt=False, origin="cache")
    # the build's modules are imported only here: a query answered from the published store
    # never needs them (a third of a query's start-up)
    from agkg.build.graph import build_dataset
    from agkg.build.publishing import atomic_write, canonical_nquads

    built = build_dataset(config, progress)
    store = store_from_built(built)
    atomic_write(dump, canonical_nquads(store))
    atomic_write(marker, (fingerprint + "\n").encode())
    return DatasetStore(store, built.iris, rebuilt=True)


QueryAnswer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def run_query(
    dataset: DatasetStore,
    query: str,
    allow_service: bool = False,
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] | None = None,
) -> QueryAnswer:
    """Evaluate a SPARQL query over the union of the dataset's graphs (WDQS's label service
    answered from the local labels, see ``label_service``)."""
    query = rewrite_label_service(query, data_prefixes(dataset.iris.base))
    if not allow_service and uses_service(query):
        raise QueryError("SERVICE calls are refused; pass --allow-service to permit them")
    prefixes = data_prefixes(dataset.iris.base)

    def evaluate(text: str) -> QueryAnswer:
        return dataset.store.query(
            text, use_default_graph_as_union=False, prefixes=prefixes, substitutions=substitutions
        )

    try:
        ordered = sorted_answer(evaluate, query)
        if ordered is not None:
            return ordered
        # what agkg cannot sort, the engine does, in a child it may abort (see guarded.py)
        return evaluate_apart(evaluate, query) if engine_sorts(query) else evaluate(query)
    except SyntaxError as error:
        raise QueryError(f"malformed query: {error}") from error
    except OSError as error:
        raise QueryError(f"query failed: {error}") from error


def write_answer(answer: QueryAnswer, output_format: str, stream: IO[bytes], base: str) -> None:
    """Write a local query answer in ``output_format`` to a binary stream."""
    if isinstance(answer, ox.QueryTriples):
        if output_format not in _GRAPH_FORMATS and output_format != "table":
            raise QueryError(
                f"a CONSTRUCT/DESCRIBE result is a graph: use --format {'|'.join(_GRAPH_FORMATS)}"
            )
        rdf_format = _GRAPH_FORMATS.get(output_format, ox.RdfFormat.TURTLE)
        triples = sorted(answer, key=str)
        stream.write(ox.serialize(triples, format=rdf_format, prefixes=data_prefixes(base)) or b"")
        return
    if output_format in _GRAPH_FORMATS:
        raise QueryError("a SELECT/ASK result is a table: use --format table|json|xml|csv|tsv")
    if output_format == "table":
        buffer = io.BytesIO()
        answer.serialize(buffer, format=ox.QueryResultsFormat.JSON)
        stream.write(render_table(json.loads(buffer.getvalue()), data_prefixes(base)).encode("utf-8"))
        return
    answer.serialize(stream, format=_SOLUTION_FORMATS[output_format])


def render_table(results: dict[str, object], prefixes: dict[str, str]) -> str:
    """An aligned text table from SPARQL JSON results, IRIs shortened with the prefixes."""
    if "boolean" in results:
        return ("yes" if results["boolean"] else "no") + "\n"
    head = results.get("head", {})
    variables: list[str] = list(head.get("vars", [])) if isinstance(head, dict) else []
    body = results.get("results", {})
    bindings = body.get("bindings", []) if isinstance(body, dict) else []
    ordered = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def show(term: dict[str, str] | None) -> str:
        if term is None:
            return ""
        value = term.get("value", "")
        if term.get("type") == "uri":
            for name, namespace in ordered:
                if value.startswith(namespace) and len(value) > len(namespace):
                    return f"{name}:{value[len(namespace) :]}"
            return f"<{value}>"
        return " ".join(value.split())

    rows = [[show(binding.get(v)) for v in variables] for binding in bindings]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(variables)]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def read_query_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"{path}: cannot read query: {error}") from error
