"""The persistent query store: the publication in an on-disk Oxigraph (RocksDB) store.

Loading a million triples into an in-memory store takes seconds on every ``agkg query`` and on
every start of a server's query worker; opening an on-disk store takes milliseconds. So
``agkg publish`` leaves one in the publication, ``<out>/query-store/`` (``db/`` is the RocksDB
folder, ``fingerprint`` the ``query.input_fingerprint`` of the inputs it was built from). It is
written into the staging folder with the dumps and swapped in with them, so it is always the
store of the dumps beside it: a killed publish leaves the old dumps and the old store, never a
mix. Nothing writes to a published store afterwards: an incremental publish copies it into the
next staging folder (a RocksDB checkpoint, hard links to the immutable table files) and applies
the changed graphs there. That is also what makes the read-only opens safe: RocksDB leaves
reading a database that another process writes undefined.

The store holds what ``query.query_store_quads`` says: the named graphs, the ontology graph, and
the union of both materialised as the default graph. ``agkg query`` keeps its answers in
``query-store/results/`` (``sparql/resultcache.py``): made anew here with every publish, so they
leave with the publication they were computed from.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from agkg.build.chunking import file_chunks
from agkg.progress import CountedProgress
from agkg.vocab import Iris

QUERY_STORE = "query-store"  # the publication's on-disk query store, never carried
DATABASE = "db"
FINGERPRINT = "fingerprint"
_CHUNK = 4 << 20  # bytes of N-Quads handed to one bulk load: progress steps, bounded memory (16 MB: +50 MiB)


@dataclass
class StoreChanges:
    """How an incremental publish changed the named graphs: N-Quads lines removed and added."""

    removed: list[bytes] = field(default_factory=list)
    added: list[bytes] = field(default_factory=list)


@dataclass
class StoreStats:
    """What making a query store did, for the publish summary and the benchmarks."""

    mode: str  # "built" (bulk-loaded from the dumps) or "updated" (a copy of the last one, patched)
    quads: int  # quads loaded or changed
    seconds: float = 0.0


def database_path(publication: Path) -> Path:
    return publication / QUERY_STORE / DATABASE


def write_query_store(
    staging: Path,
    fingerprint: str,
    ontology_triples: Iterable[ox.Triple],
    iris: Iris,
    changes: StoreChanges | None = None,
    previous: Path | None = None,
    progress: CountedProgress | None = None,
) -> StoreStats:
    """Write the query store of the dumps in ``staging`` into ``staging/query-store``.

    With ``changes`` and the ``previous`` publication holding a store, the previous store is
    copied and patched (an incremental publish); otherwise the store is bulk-loaded from the
    staged ``dataset.nq`` and ``dataset.nt``. The fingerprint file is written last.
    """
    from agkg.build.publishing import atomic_write  # the build's modules: not for opening a store

    started = time.perf_counter()
    folder = staging / QUERY_STORE
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    target = folder / DATABASE
    old = database_path(previous) if previous is not None else None
    stats = None
    if changes is not None and old is not None and (old.parent / FINGERPRINT).is_file():
        stats = _patched_copy(old, target, changes, progress)
    if stats is None:
        store = ox.Store(str(target))
        count = load_published(store, staging, ontology_triples, iris, progress)
        # each bulk load adds its own overlapping table files, and every lookup then reads them
        # all: compacted into one sorted run, a join-heavy query at 1M takes 3-6x less time
        if progress:
            progress("query store: compact")
        store.optimize()
        store.flush()
        del store  # closes RocksDB before the folder is swapped in
        stats = StoreStats("built", count)
    atomic_write(folder / FINGERPRINT, (fingerprint + "\n").encode())
    stats.seconds = time.perf_counter() - started
    return stats


def _patched_copy(
    old: Path, target: Path, changes: StoreChanges, progress: CountedProgress | None
) -> StoreStats | None:
    """The last store checkpointed into ``target`` and patched; None if it cannot be read or
    copied (damaged, or not a store), and the caller builds the store afresh."""
    if progress:
        progress("query store: copy")
    try:
        ox.Store.read_only(str(old)).backup(str(target))
        store = ox.Store(str(target))
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        return None
    count = update_store(store, changes, progress)
    store.flush()
    del store  # closes RocksDB before the folder is swapped in
    return StoreStats("updated", count)


def load_published(
    store: ox.Store,
    publication: Path,
    ontology_triples: Iterable[ox.Triple],
    iris: Iris,
    progress: CountedProgress | None = None,
) -> int:
    """Bulk-load a publication's dumps into ``store``: ``dataset.nq`` as it is, ``dataset.nt``
    (the union of the named graphs) into the default graph, and the ontology into its graph and
    the default graph (the same blank nodes in both, as ``query_store_quads`` has them).
    Returns the number of lines loaded."""
    sources = [
        (publication / "dataset.nq", ox.RdfFormat.N_QUADS, None),
        (publication / "dataset.nt", ox.RdfFormat.N_TRIPLES, ox.DefaultGraph()),
    ]
    total = sum(_count_lines(path) for path, _, _ in sources)
    done = 0
    if progress:
        progress("query store", 0, total)
    for path, rdf_format, graph in sources:
        for chunk in _chunks(path):
            store.bulk_load(chunk, rdf_format, to_graph=graph)
            done += chunk.count(b"\n")
            if progress:
                progress("query store", done, total)
    ontology = list(ontology_triples)
    store.extend(
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for graph in (iris.ontology_graph, ox.DefaultGraph())
        for t in ontology
    )
    return done + 2 * len(ontology)


def update_store(store: ox.Store, changes: StoreChanges, progress: CountedProgress | None = None) -> int:
    """Apply changed named graphs to a query store, keeping its default graph the union.

    A removed triple leaves the default graph only when no named graph (the ontology's
    included) holds it any more; an added one is added to it (a store is a set)."""
    kept = set(changes.removed).intersection(changes.added)  # lines of a rebuilt graph that stay
    removed = _parse_quads([line for line in changes.removed if line not in kept])
    added = _parse_quads([line for line in changes.added if line not in kept])
    total = len(removed) + len(added)
    if progress:
        progress("query store: update", 0, total)
    for quad in removed:
        store.remove(quad)
    default = ox.DefaultGraph()
    store.extend(added)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in added)
    still = {ox.Triple(q.subject, q.predicate, q.object) for q in added}
    for triple in {ox.Triple(q.subject, q.predicate, q.object) for q in removed} - still:
        held = store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        if not any(not isinstance(q.graph_name, ox.DefaultGraph) for q in held):
            store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, default))
    if progress:
        progress("query store: update", total, total)
    return total


def open_query_store(publication: Path, fingerprint: str | None = None) -> ox.Store | None:
    """The publication's query store, opened read-only; None if it has none, if it was built
    from other inputs than ``fingerprint`` says (when given), or if it cannot be opened."""
    folder = publication / QUERY_STORE
    try:
        recorded = (folder / FINGERPRINT).read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if fingerprint is not None and recorded != fingerprint:
        return None
    try:
        return ox.Store.read_only(str(folder / DATABASE))
    except OSError:
        return None


def _parse_quads(lines: list[bytes]) -> list[ox.Quad]:
    return list(ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS)) if lines else []


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(_CHUNK), b""))


def _chunks(path: Path) -> Iterator[bytes]:
    """The file in pieces of about ``_CHUNK`` bytes, each ending at a line end."""
    with path.open("rb") as handle:
        yield from file_chunks(handle, _CHUNK)
