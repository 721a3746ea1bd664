"""Incremental publishing: after a claims file changes, redo only what depends on it.

A full build of a million triples spends minutes reading YAML, finding quotes, assembling quads
and validating, yet after a curator edits one claims file almost all of that is unchanged. The
publish cache (``<cache>/publish/``) keeps what the last publish computed:

- per claims file (keyed by its path and the sha256 of its bytes): its parsed claims, their
  quote anchors and their statement and reference keys;
- the sources and entities, each source graph's content digest, and the validation results;
- the published N-Quads (a hard link to ``dataset.nq``: sorted, so one graph's lines can be
  dropped and its new lines merged in).

An incremental build reads only the changed claims files, derives the provenance again (cheap
with the keys cached), rebuilds the named graphs whose content changed, merges their lines into
the previous N-Quads, and revalidates only the focus nodes whose results can have changed
(``dirty_nodes``) on the part of the graph their shapes read (``validation_region``). The
result is the same dataset, the same dumps byte for byte, and the same validation results as a
full build; tests/test_incremental.py checks that on edits of every kind.

Anything else changed (ontology, shapes, sources or entities files, corpus, base IRI, agkg's
own code, the cache format) and the build is full. So is one that finds any problem in the
input: the full build then reports every problem exactly as it always does.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import io
import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import pyoxigraph as ox
import rdflib

from agkg import __version__, code_files
from agkg.build.claims import (
    Claim,
    CuratedData,
    Entity,
    EntityValue,
    LiteralValue,
    Source,
    better_supported_problems,
    data_files,
    display_path,
    load_claims_files,
    stray_data_files,
)
from agkg.build.dates import TimeValue
from agkg.build.entity_names import shared_name_warnings
from agkg.build.graph import (
    BuiltDataset,
    Iris,
    SourceContent,
    StageClock,
    build_counts,
    build_dataset,
    corpus_warnings,
    dataset_origins,
    entities_graph_quads,
    read_corpus,
    source_contents,
    source_graph_quads,
)
from agkg.build.ontology import load_vocabulary
from agkg.build.provenance import ReferenceRecord, StatementRecord, claim_keys, derive_provenance
from agkg.build.publishing import (
    DUMP_FILES,
    Catalogue,
    atomic_write,
    compact_jsonld_from_ntriples,
    dump_producers,
    nquads_graph_sizes,
    turtle,
    union_counts,
    void_from_counts,
)
from agkg.build.querystore import StoreChanges
from agkg.build.quotes import Anchor, check_claim_quote, missing_texts, source_text
from agkg.build.regions import description_lines as _description
from agkg.build.regions import union_forms, validation_region
from agkg.build.validation import (
    NTriplesData,
    ValidationReport,
    ValidationResult,
    origins_of,
    result_order,
    validate_dataset,
    validate_graph,
)
from agkg.config import Config
from agkg.errors import InputError, Position
from agkg.vocab import data_prefixes

CACHE_FORMAT = 4  # 4: JSON instead of pickle
# More changed claims files than this share of all of them, and a full build is as quick.
MAX_CHANGED_SHARE = 0.25

Progress = Callable[[str], None]


@dataclass
class ClaimsFileEntry:
    """What one claims file gave the last build: its claims, their anchors and keys."""

    claims: list[Claim]
    anchors: list[Anchor | None]
    keys: list[tuple[str, str]]


@dataclass
class PublishState:
    """What the last publish was made from, and what it found."""

    fingerprint: str  # everything but the claims files
    claims_files: dict[str, str]  # display path -> entry name
    sources: dict[str, Source]
    entities: dict[str, Entity]
    source_digests: dict[str, str]
    results: list[ValidationResult]  # without origins: they are recomputed from the new build
    subjects: list[bytes]  # the union's distinct subjects, N-Triples form, sorted: Turtle's blocks
    graph_counts: dict[str, int]  # quads per named graph (IRI), sorted by name: TriG's blocks
    dump_sha256: dict[str, str] = field(default_factory=dict)  # of the cached dataset.* links


@dataclass
class PublishBuild:
    """A built and validated dataset, and what the publish cache needs to remember it."""

    built: BuiltDataset
    report: ValidationReport
    mode: str  # "full" or "incremental"
    reason: str  # why a full build, or what an incremental one redid
    state: PublishState
    entries: dict[str, ClaimsFileEntry] = field(default_factory=dict)  # new ones, by entry name
    timings: dict[str, float] = field(default_factory=dict)
    # an incremental build's dataset.* files (its BuiltDataset has no quads: they are not made)
    dataset_files: dict[str, Callable[[], bytes]] | None = None
    # an incremental build's changes to the named graphs, to patch the last query store with
    store_changes: StoreChanges | None = None

    def dump_producers(
        self, shapes_triples: list[ox.Triple], catalogue: Catalogue | None = None
    ) -> list[tuple[str, Callable[[], bytes]]]:
        """Every published file's name and producer (see ``publishing.dump_producers``)."""
        return dump_producers(
            self.built, self.built.vocabulary.triples, shapes_triples, self.dataset_files, catalogue
        )


def cache_folder(config: Config) -> Path:
    return config.cache_dir / "publish"


def build_and_validate(
    config: Config,
    shapes: rdflib.Graph,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> PublishBuild:
    """Build and validate for ``agkg publish``: incrementally when the cache allows it."""
    reason = "--full" if not use_cache else "no publish cache yet"
    if use_cache:
        state = read_state(config)
        if isinstance(state, str):
            reason = state
        elif state is not None:
            fingerprint = global_fingerprint(config)
            if state.fingerprint != fingerprint:
                reason = "inputs other than claims files changed"
            else:
                outcome = _incremental(config, shapes, state, progress)
                if isinstance(outcome, PublishBuild):
                    return outcome
                reason = outcome
    return _full(config, shapes, progress, reason)


# ------------------------------------------------------------------------- full


def _full(config: Config, shapes: rdflib.Graph, progress: Progress | None, reason: str) -> PublishBuild:
    # The inputs as they are before the build; an input edited while it runs (minutes at 1M)
    # is not remembered as built (see the end), so the next publish reads it again.
    fingerprint = global_fingerprint(config)
    before = _claims_file_names(config)
    built = build_dataset(config, progress, require_texts=True)
    if progress:
        progress("validate")
    started = time.perf_counter()
    report = validate_dataset(built, shapes)
    timings = {**built.timings, "validate": time.perf_counter() - started}
    entries: dict[str, ClaimsFileEntry] = {}
    names: dict[str, str] = {}
    by_path: dict[str, list[int]] = defaultdict(list)
    for index, claim in enumerate(built.data.claims):
        by_path[claim.position.path].append(index)
    references = built.provenance.references
    after = _claims_file_names(config)
    for shown, name in before.items():
        if after.get(shown) != name:
            continue
        indexes = by_path.get(shown, [])
        keys = [built.claim_keys[i] for i in indexes]
        entries[name] = ClaimsFileEntry(
            claims=[built.data.claims[i] for i in indexes],
            anchors=[references[rkey].anchor for _, rkey in keys],
            keys=keys,
        )
        names[shown] = name
    state = PublishState(
        fingerprint=fingerprint if global_fingerprint(config) == fingerprint else "changed during the build",
        claims_files=names,
        sources=built.data.sources,
        entities=built.data.entities,
        source_digests=_digests(source_contents(built.data, built.provenance)),
        results=[replace(r, origins=()) for r in report.results],
        subjects=_distinct_subjects(built.union_chunks()),  # the union's text is not kept for this
        graph_counts=nquads_graph_sizes(built.nquads),
    )
    return PublishBuild(built, report, "full", reason, state, entries, timings)


def _claims_file_names(config: Config) -> dict[str, str]:
    """Each claims file's cache entry name, by the path messages show."""
    names = {}
    for path in data_files(config.data_dir)["claims"]:
        shown = display_path(path, config.project_dir)
        names[shown] = entry_name(shown, path.read_bytes())
    return names


def _distinct_subjects(chunks: Iterable[bytes]) -> list[bytes]:
    """The subjects of sorted N-Triples (no blank nodes), given in pieces ending at line ends,
    each once, in N-Triples form."""
    subjects: list[bytes] = []
    previous = b""
    for chunk in chunks:
        for line in io.BytesIO(chunk):
            subject = line[: line.index(b" ")]
            if subject != previous:
                previous = subject
                subjects.append(subject)
    return subjects


# ------------------------------------------------------------------------- incremental


def _incremental(
    config: Config, shapes: rdflib.Graph, state: PublishState, progress: Progress | None
) -> PublishBuild | str:
    """The incremental build, or why it cannot be done (then the caller builds in full)."""
    clock = StageClock(progress)
    step, timings = clock.step, clock.timings
    folder = cache_folder(config)
    paths = data_files(config.data_dir)["claims"]
    names = _claims_file_names(config)
    changed = [
        p
        for p in paths
        if state.claims_files.get(display_path(p, config.project_dir))
        != names[display_path(p, config.project_dir)]
    ]
    if len(changed) > max(1, int(len(paths) * MAX_CHANGED_SHARE)):
        return f"{len(changed)} of {len(paths)} claims files changed"
    vocabulary = load_vocabulary(config.ontology_dir)
    changed_names = {names[display_path(p, config.project_dir)] for p in changed}
    entries: dict[str, ClaimsFileEntry] = {}
    for shown, name in names.items():
        if name not in changed_names:
            entry = read_entry(folder, name)
            if entry is None:
                return f"the cache has no entry for {shown}"
            entries[name] = entry
    other_ids = {c.id: c.position for e in entries.values() for c in e.claims if c.id}
    loaded = load_claims_files(
        changed, vocabulary, config.project_dir, state.sources, state.entities, other_ids
    )
    if loaded is None:
        return "a changed claims file has problems"
    data = CuratedData(
        sources=state.sources,
        entities=state.entities,
        claims=[],
        files=[p for kind in ("sources", "entities", "claims") for p in data_files(config.data_dir)[kind]],
    )
    corpus, warnings = read_corpus(config)
    new_entries: dict[str, ClaimsFileEntry] = {}
    for path, claims in loaded.items():
        anchors: list[Anchor | None] = []
        for claim in claims:
            text = source_text(data, corpus, claim.source)
            check = check_claim_quote(claim, text)
            if text is not None and check.anchor is None:
                return "a changed claim's quote is not in its source"
            anchors.append(check.anchor)
        name = names[display_path(path, config.project_dir)]
        new_entries[name] = entries[name] = ClaimsFileEntry(
            claims, anchors, [claim_keys(claim) for claim in claims]
        )
    anchor_of: dict[int, Anchor] = {}
    key_of: dict[int, tuple[str, str]] = {}
    for name in names.values():
        entry = entries[name]
        data.claims.extend(entry.claims)
        for claim, anchor, keys in zip(entry.claims, entry.anchors, entry.keys, strict=True):
            key_of[id(claim)] = keys
            if anchor is not None:
                anchor_of[id(claim)] = anchor
    if missing_texts(data, corpus, config.corpus_dir, config.allow_missing_texts):
        return "a source's text is missing from the corpus"
    if better_supported_problems(data.claims, vocabulary, config.project_dir):
        return "a better_supported_by link is broken"
    step("load")
    try:
        provenance = derive_provenance(data, anchor_of, key_of)
    except InputError:
        return "claims disagree on a rank"
    step("provenance")

    iris = Iris(config.base)
    contents = source_contents(data, provenance)
    digests = _digests(contents)
    affected = sorted(sid for sid, digest in digests.items() if state.source_digests.get(sid) != digest)
    new_lines = sorted(
        {
            f"{q} .\n".encode()
            for sid in affected
            for q in source_graph_quads(iris, vocabulary, data, contents[sid])
        }
    )
    cached = read_cached_dumps(folder, state.dump_sha256)
    if cached is None:
        return "the cached dumps are missing or changed"
    # bytes throughout: UTF-8 sorts like the text, and a str with one character past Latin-1
    # would take two or four bytes per character
    previous = cached.pop("dataset.nq").splitlines(keepends=True)
    rebuilt = [iris.source_graph(sid) for sid in affected]
    # the entities graph holds each item's statement count, which a changed claim can change
    entities_suffix = f" <{iris.entities_graph.value}> .\n".encode()
    entity_lines = sorted(
        {f"{q} .\n".encode() for q in entities_graph_quads(iris, vocabulary, data, provenance)}
    )
    if [line for line in previous if line.endswith(entities_suffix)] != entity_lines:
        rebuilt.append(iris.entities_graph)
        new_lines = sorted(set(new_lines) | set(entity_lines))
    suffixes = tuple(f" <{graph.value}> .\n".encode() for graph in rebuilt)
    removed = [line for line in previous if line.endswith(suffixes)] if suffixes else []
    lines = merge_sorted(
        [line for line in previous if not line.endswith(suffixes)] if suffixes else previous, new_lines
    )
    del previous
    forms = union_forms(lines)
    graph_counts = dict(state.graph_counts)
    for graph in rebuilt:
        graph_counts[graph.value] = 0
    for line in new_lines:
        graph_counts[line[line.rindex(b" <") + 2 : -4].decode()] += 1
    touched = {line[: line.index(b" ")] for line in removed} | {
        line[: line.index(b" ")] for line in new_lines
    }
    patched = _patched_dumps(cached, lines, forms, touched, rebuilt, state, iris, graph_counts)
    if patched is None:
        return "the cached dumps do not split into the expected blocks"
    dataset_files, subjects = patched
    del cached
    built = BuiltDataset(
        iris=iris,
        vocabulary=vocabulary,
        data=data,
        provenance=provenance,
        nquads=b"",
        counts=build_counts(data, provenance, len(lines)),
        origins=dataset_origins(iris, vocabulary, data, provenance),
        warnings=warnings + corpus_warnings(data, corpus) + shared_name_warnings(data.entities.values()),
        claim_keys=[key_of[id(c)] for c in data.claims],
    )
    built.counts.triples = len(forms)
    step("graph")

    changed_lines = set(removed).symmetric_difference(new_lines)
    dirty = dirty_nodes(changed_lines, built)
    region = validation_region(dirty, built, lines)
    partial = validate_graph(NTriplesData.of(region), shapes, "turbo", built.origins)
    kept_results = [
        replace(r, origins=origins_of(r.focus, r.value, built.origins, r.path))
        for r in state.results
        if r.focus not in dirty
    ]
    results = sorted(kept_results + [r for r in partial.results if r.focus in dirty], key=result_order)
    report = ValidationReport(conforms=not any(r.severity == "violation" for r in results), results=results)
    step("validate")
    new_state = PublishState(
        fingerprint=state.fingerprint,
        claims_files=names,
        sources=state.sources,
        entities=state.entities,
        source_digests=digests,
        results=[replace(r, origins=()) for r in results],
        subjects=subjects,
        graph_counts=graph_counts,
    )
    built.timings = timings
    reason = (
        f"{len(changed)} claims file(s) changed: {len(affected)} source graph(s) rebuilt, "
        f"{len(dirty)} focus node(s) revalidated on {len(region)} triples"
    )
    return PublishBuild(
        built,
        report,
        "incremental",
        reason,
        new_state,
        new_entries,
        timings,
        dataset_files,
        store_changes=StoreChanges(removed, new_lines),
    )


def merge_sorted(lines: list[bytes], more: list[bytes]) -> list[bytes]:
    """``lines`` and ``more`` (both sorted) as one sorted list; ``more`` is short, so each of its
    lines is placed by bisection and the long runs between are copied as slices."""
    merged: list[bytes] = []
    start = 0
    for line in more:
        index = bisect.bisect_left(lines, line, start)
        merged.extend(lines[start:index])
        merged.append(line)
        start = index
    merged.extend(lines[start:])
    return merged


def _patched_dumps(
    cached: dict[str, bytes],
    lines: list[bytes],
    forms: list[bytes],
    touched: set[bytes],
    rebuilt: list[ox.NamedNode],
    state: PublishState,
    iris: Iris,
    graph_counts: dict[str, int],
) -> tuple[dict[str, Callable[[], bytes]], list[bytes]] | None:
    """The dataset.* files of an incremental build, without making a term for every triple.

    N-Quads are the merged lines; N-Triples the union's forms; JSON-LD and the VoID counts come
    from that text as in a full build. Turtle is one block per subject and TriG one per graph
    (in the order of their N-Triples forms, after the prefixes): the blocks of touched subjects
    and rebuilt graphs are written afresh by pyoxigraph and the others kept from the last
    publish. None if the cached files do not split as expected (the build is then full).
    Each file is made when ``write_dumps`` asks for it, so one file's bytes are held at a time.
    """
    prefixes = data_prefixes(iris.base)
    previous_subjects = state.subjects
    gone = {s for s in touched if not _has_subject(lines, s)}
    subjects = sorted((set(previous_subjects) - gone) | (touched - gone))

    header, blocks = _blocks(cached["dataset.ttl"], b"\t")
    if len(blocks) != len(previous_subjects):
        return None
    fresh_subjects = sorted(touched - gone)
    fresh_triples = [t for s in fresh_subjects for t in _triples_of(lines, s)]
    fresh_header, fresh_blocks = _blocks(_serialized(fresh_triples, ox.RdfFormat.TURTLE, prefixes), b"\t")
    if len(fresh_blocks) != len(fresh_subjects) or (fresh_blocks and fresh_header != header):
        return None
    fresh = dict(zip(fresh_subjects, fresh_blocks, strict=True))
    index = {s: i for i, s in enumerate(previous_subjects)}
    turtle_blocks = [fresh[s] if s in fresh else blocks[index[s]] for s in subjects]
    del blocks, index

    graphs = [f"<{g}>".encode() for g in graph_counts]
    trig_header, graph_blocks = _blocks(cached["dataset.trig"], b"\t}")
    if len(graph_blocks) != len(graphs) or list(state.graph_counts) != list(graph_counts):
        return None
    for graph in rebuilt:
        name = f"<{graph.value}>".encode()
        suffix = b" " + name + b" .\n"
        quads = list(ox.parse(b"".join(x for x in lines if x.endswith(suffix)), format=ox.RdfFormat.N_QUADS))
        block_header, block = _blocks(_serialized(quads, ox.RdfFormat.TRIG, prefixes), b"\t}")
        if len(block) != 1 or block_header != trig_header:
            return None
        graph_blocks[graphs.index(name)] = block[0]

    entities = len(state.entities)
    written: list[bytes] = []

    def ntriples() -> bytes:
        if not written:
            written.append(b" .\n".join(forms) + b" .\n" if forms else b"")
        return written[0]

    def void() -> bytes:
        counts = union_counts(ntriples())
        return turtle(void_from_counts(iris, entities, counts, graph_counts, DUMP_FILES), prefixes)

    files: dict[str, Callable[[], bytes]] = {
        "dataset.ttl": lambda: header + b"".join(turtle_blocks),
        "dataset.trig": lambda: trig_header + b"".join(graph_blocks),
        "dataset.nt": ntriples,
        "dataset.nq": lambda: b"".join(lines),
        "dataset.jsonld": lambda: compact_jsonld_from_ntriples(ntriples(), prefixes),
        "void.ttl": void,
    }
    return files, subjects


def _blocks(text: bytes, continuations: bytes) -> tuple[bytes, list[bytes]]:
    """pyoxigraph's Turtle or TriG output as its prefix lines and its blocks: a block starts at
    each line whose first byte is not in ``continuations`` (a tab, or TriG's closing brace);
    literals are written on one line, with escapes, so no line starts inside one."""
    body_start = 0
    while text.startswith(b"@prefix", body_start):
        body_start = text.index(b"\n", body_start) + 1
    body = text[body_start:]
    if not body:
        return text, []
    pattern = b"\n(?=[^" + re.escape(continuations) + b"])"
    starts = [0] + [m.start() + 1 for m in re.finditer(pattern, body)]
    return text[:body_start], [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]


def _serialized(
    terms: list[ox.Triple] | list[ox.Quad], format: ox.RdfFormat, prefixes: dict[str, str]
) -> bytes:
    return ox.serialize(terms, format=format, prefixes=prefixes) or b""


def _has_subject(lines: list[bytes], subject: bytes) -> bool:
    head = subject + b" "
    index = bisect.bisect_left(lines, head)
    return index < len(lines) and lines[index].startswith(head)


def _triples_of(lines: list[bytes], subject: bytes) -> list[ox.Triple]:
    """The union's triples about ``subject``, in order."""
    text = b"".join(form + b" .\n" for form in union_forms(_description(lines, subject)))
    return list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))


def dirty_nodes(changed_lines: Iterable[bytes], built: BuiltDataset) -> set[str]:
    """The nodes whose validation results can differ from the last build's.

    A node whose own triples changed, and every node whose shapes read such a node: the
    subject of a changed statement and all that subject's statements (the best-rank rules
    compare a statement with its siblings), the statements citing a changed reference or
    pointing at a changed statement (``betterSupportedBy``), and the reference of a changed
    selector. Entity and source descriptions (types, labels) cannot change here: their files
    are in the global fingerprint (an item's statement count can, and then the item is dirty). This follows what shapes/agkg-shapes.ttl reads; a shape
    that reads further must extend it (tests/test_incremental.py compares with full builds).
    """
    iris = built.iris
    statement_prefix = iris.statement("").value
    reference_prefix = iris.reference("").value
    entity_prefix = iris.entity("").value
    touched: set[str] = set()
    for quad in ox.parse(b"".join(changed_lines), format=ox.RdfFormat.N_QUADS):
        touched.add(quad.subject.value)
        if isinstance(quad.object, ox.NamedNode):
            touched.add(quad.object.value)
    statements = built.provenance.statements
    by_subject: dict[str, list[str]] = defaultdict(list)
    citing: dict[str, list[str]] = defaultdict(list)
    pointing: dict[str, list[str]] = defaultdict(list)
    for record in statements.values():
        by_subject[record.subject].append(record.key)
        for reference in record.references:
            citing[reference].append(record.key)
        for better in record.better_supported_by:
            pointing[better].append(record.key)
    dirty = set(touched)
    subjects: set[str] = set()
    for node in touched:
        if node.startswith(statement_prefix):
            key = node[len(statement_prefix) :]
            found = statements.get(key)
            if found is not None:
                subjects.add(found.subject)
            dirty.update(iris.statement(k).value for k in pointing.get(key, ()))
        elif node.startswith(reference_prefix):
            key = node[len(reference_prefix) :].split("#", 1)[0]
            dirty.add(iris.reference(key).value)
            dirty.update(iris.statement(k).value for k in citing.get(key, ()))
        elif node.startswith(entity_prefix):
            subjects.add(node[len(entity_prefix) :])
    for subject in subjects:
        dirty.add(iris.entity(subject).value)
        dirty.update(iris.statement(k).value for k in by_subject.get(subject, ()))
    return dirty


# ------------------------------------------------------------------------- the cache


def global_fingerprint(config: Config) -> str:
    """A hash of everything a build depends on except the claims files."""
    digest = hashlib.sha256()
    digest.update(f"agkg {__version__}\0cache {CACHE_FORMAT}\0{config.base}\0".encode())
    for path in code_files():
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    files = data_files(config.data_dir)
    folders = [
        # a YAML file under data/ but outside the three folders is an error a full build reports
        (config.data_dir, [*files["sources"], *files["entities"], *stray_data_files(config.data_dir)]),
        (config.ontology_dir, sorted(config.ontology_dir.glob("*.ttl"))),
        (config.shapes_dir, sorted(config.shapes_dir.glob("*.ttl"))),
    ]
    for folder, paths in folders:
        digest.update(f"{folder}\0".encode())
        for path in paths:
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    if config.corpus_dir is not None:
        digest.update(f"corpus {config.corpus_dir} {config.corpus_dir.is_dir()}\0".encode())
        if config.corpus_dir.is_dir():
            for path in sorted(config.corpus_dir.iterdir()):
                stat = path.stat()
                digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def entry_name(shown: str, content: bytes) -> str:
    """A claims file's cache entry: its path and bytes, so a copy elsewhere gets its own."""
    return hashlib.sha256(shown.encode("utf-8") + b"\0" + content).hexdigest()


def _digests(contents: dict[str, SourceContent]) -> dict[str, str]:
    """Per source, a digest of everything its graph is made from (input positions aside)."""
    return {sid: _content_digest(content) for sid, content in contents.items()}


def _content_digest(content: SourceContent) -> str:
    def without_positions(record: Source | StatementRecord | ReferenceRecord) -> tuple[object, ...]:
        return tuple(
            getattr(record, f.name) for f in fields(record) if f.name not in ("positions", "position")
        )

    parts = (
        without_positions(content.source),
        [without_positions(r) for r in content.statements],
        [without_positions(r) for r in content.references],
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


STATE_FILE = "state.json"
ENTRY_SUFFIX = ".json"


def read_state(config: Config) -> PublishState | str | None:
    """The last publish's state; None if there is none, or why it cannot be used."""
    path = cache_folder(config) / STATE_FILE
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return "the publish cache cannot be read"
    state = decode_cached(content)
    if not (isinstance(state, list) and len(state) == 2 and isinstance(state[1], PublishState)):
        return "the publish cache cannot be read"
    if state[0] != CACHE_FORMAT:
        return "the publish cache is from another version of agkg"
    return state[1]


def read_entry(folder: Path, name: str) -> ClaimsFileEntry | None:
    try:
        entry = decode_cached((folder / "claims" / f"{name}{ENTRY_SUFFIX}").read_bytes())
    except OSError:
        return None
    return entry if isinstance(entry, ClaimsFileEntry) else None


# The publish cache is JSON, not pickle: a ``.agkg/`` folder can be committed into a data
# repository or come from anywhere, and reading a pickle runs whatever code it names. JSON
# holds plain data only; the few agkg types in the cache are tagged objects whose tag must be
# one of these, and are made by calling the dataclass with the stored field values, nothing
# else. A file that does not decode to what is expected is ignored (a full build follows).
_CACHED_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Position,
        EntityValue,
        LiteralValue,
        TimeValue,
        Source,
        Entity,
        Claim,
        Anchor,
        ValidationResult,
        ClaimsFileEntry,
        PublishState,
    )
}
_FIELD_NAMES: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls)) for cls in _CACHED_TYPES.values()
}
_TAG = "\u0000"  # a key no plain mapping in the cache has (ids, languages, IRIs, paths)


def encode_cached(value: object) -> bytes:
    """``value`` (plain data and the dataclasses in ``_CACHED_TYPES``) as JSON bytes."""
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )


def _plain(value: object) -> object:
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is list:
        items: list[object] = value  # type: ignore[assignment]
        if items and all(type(v) is bytes and b"\n" not in v for v in items):
            # N-Triples terms (PublishState.subjects): one string, not a tagged object each
            return {_TAG: "lines", "text": b"\n".join(items).decode("utf-8", "surrogateescape")}  # type: ignore[arg-type]
        return [_plain(v) for v in items]
    if kind is tuple:
        return {_TAG: "tuple", "items": [_plain(v) for v in value]}  # type: ignore[attr-defined]
    if kind is bytes:
        return {_TAG: "bytes", "text": value.decode("utf-8", "surrogateescape")}  # type: ignore[attr-defined]
    if kind is dict:
        mapping: dict[object, object] = value  # type: ignore[assignment]
        if not all(type(k) is str and k != _TAG for k in mapping):
            raise TypeError("the publish cache holds mappings with text keys only")
        return {k: _plain(v) for k, v in mapping.items()}
    names = _FIELD_NAMES.get(kind)
    if names is None:
        raise TypeError(f"the publish cache cannot hold {kind.__name__}")
    return {_TAG: kind.__name__, "fields": [_plain(getattr(value, name)) for name in names]}


def decode_cached(content: bytes) -> object:
    """What ``encode_cached`` wrote; None for anything else (not JSON, unknown tags, wrong fields)."""
    try:
        return json.loads(content.decode("utf-8", "surrogatepass"), object_hook=_typed)
    except (ValueError, TypeError, KeyError, RecursionError):
        return None


def _typed(mapping: dict[str, object]) -> object:
    tag = mapping.get(_TAG)
    if tag is None:
        return mapping
    if tag == "tuple":
        items = mapping["items"]
        if not isinstance(items, list):
            raise TypeError("items must be a list")
        return tuple(items)
    if tag == "lines":
        return str(mapping["text"]).encode("utf-8", "surrogateescape").split(b"\n")
    if tag == "bytes":
        return str(mapping["text"]).encode("utf-8", "surrogateescape")
    cls = _CACHED_TYPES[str(tag)]
    values = mapping["fields"]
    if not isinstance(values, list):
        raise TypeError("fields must be a list")
    return cls(*values)


CACHED_DUMPS = ("dataset.nq", "dataset.ttl", "dataset.trig")


def read_cached_dumps(folder: Path, sha256: dict[str, str]) -> dict[str, bytes] | None:
    """The last publish's N-Quads, Turtle and TriG, if the cached copies are the ones it published."""
    files: dict[str, bytes] = {}
    for name in CACHED_DUMPS:
        try:
            content = (folder / name).read_bytes()
        except OSError:
            return None
        if name not in sha256 or hashlib.sha256(content).hexdigest() != sha256[name]:
            return None
        files[name] = content
    return files


def remember(config: Config, build: PublishBuild, published: Path) -> None:
    """Save what the next publish needs, once this one is in the folder ``published``. The
    dumps are hard-linked from the publication (a publish replaces files, never rewrites them,
    so the links keep these bytes); a cache that cannot be written only costs the next publish
    a full build."""
    folder = cache_folder(config)
    entries = folder / "claims"
    with contextlib.suppress(OSError):
        entries.mkdir(parents=True, exist_ok=True)
        for name, entry in build.entries.items():
            # written even if a file of that name exists: it may be damaged or not agkg's
            atomic_write(entries / f"{name}{ENTRY_SUFFIX}", encode_cached(entry), durable=False)
        wanted = {f"{name}{ENTRY_SUFFIX}" for name in build.state.claims_files.values()}
        for stale in entries.iterdir():
            if stale.name not in wanted:
                stale.unlink()
        sha256: dict[str, str] = {}
        for name in CACHED_DUMPS:
            source = published / name
            with source.open("rb") as handle:  # in pieces: dataset.nq is 228 MB at 1M
                sha256[name] = hashlib.file_digest(handle, "sha256").hexdigest()
            link = folder / f".{name}.{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            try:
                os.link(source, link)
            except OSError:
                atomic_write(link, source.read_bytes())
            os.replace(link, folder / name)
        state = replace(build.state, dump_sha256=sha256)
        atomic_write(folder / STATE_FILE, encode_cached([CACHE_FORMAT, state]))
        with contextlib.suppress(FileNotFoundError):
            (folder / "state.pickle").unlink()  # what agkg before cache format 4 wrote
