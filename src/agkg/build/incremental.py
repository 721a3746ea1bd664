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

import contextlib
import hashlib
import json
import operator
import os
import re
import shutil
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
from agkg.build.provenance import (
    Provenance,
    ReferenceRecord,
    StatementRecord,
    claim_keys,
    derive_provenance,
)
from agkg.build.publishing import (
    DUMP_FILES,
    Catalogue,
    FileWriter,
    UnionCounts,
    atomic_write,
    compact_jsonld_from_ntriples,
    dump_producers,
    nquads_graph_sizes,
    turtle,
    union_counts_of,
    void_from_counts,
)
from agkg.build.querystore import StoreChanges
from agkg.build.quotes import Anchor, check_claim_quote, missing_texts, source_text
from agkg.build.regions import validation_region
from agkg.build.splicing import (
    Spliced,
    Text,
    TextFile,
    bisect_text,
    count_lines,
    has_line_starting,
    line_at,
    lines_ending,
    windows,
)
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
from agkg.vocab import RDF, VOID, data_prefixes

CACHE_FORMAT = 6  # 4: JSON instead of pickle; 5: the N-Triples and JSON-LD dumps too; 6: stamps
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
    graph_counts: dict[str, int]  # quads per named graph (IRI), sorted by name: TriG's blocks
    # of the cached dataset.* links: size, mtime (ns), inode and device (``dump_stamp``)
    dump_stamps: dict[str, list[int]] = field(default_factory=dict)
    # shared_name_warnings of the entities, which only a full build can change (their files
    # are in the fingerprint): worked out once, not at every incremental build
    name_warnings: list[str] = field(default_factory=list)
    # the sha256 of the inputs file (``INPUTS_FILE``) that holds the sources, entities and
    # name warnings: only a full build can change them, so only a full build writes them
    inputs_sha256: str = ""
    # statements per subject: with the entities (fixed but by a full build), all the entities
    # graph is made from, so it is rebuilt and compared only when these change
    statement_counts: dict[str, int] = field(default_factory=dict)


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
    report = validate_dataset(built, shapes, config.shacl_engine, jena_classpath=config.jena_classpath)
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
        graph_counts=nquads_graph_sizes(built.nquads),
        name_warnings=shared_name_warnings(built.data.entities.values()),
        statement_counts=statement_counts(built.provenance),
    )
    return PublishBuild(built, report, "full", reason, state, entries, timings)


def statement_counts(provenance: Provenance) -> dict[str, int]:
    """How many statements each subject has, sorted by subject (the entities graph gives each
    item its count, ``wikibase:statements``)."""
    counts: dict[str, int] = defaultdict(int)
    for record in provenance.statements.values():
        counts[record.subject] += 1
    return dict(sorted(counts.items()))


def _claims_file_names(config: Config) -> dict[str, str]:
    """Each claims file's cache entry name, by the path messages show."""
    names = {}
    for path in data_files(config.data_dir)["claims"]:
        shown = display_path(path, config.project_dir)
        names[shown] = entry_name(shown, path.read_bytes())
    return names


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
    cached = open_cached_dumps(folder, state.dump_stamps)
    if cached is None:
        return "the cached dumps are missing or changed"
    # one text per dump, bytes throughout: UTF-8 sorts like the text, and lines are found by
    # bisection on byte offsets and changed by splicing (build/splicing.py), never split up;
    # the texts are the cached files, read where needed, never whole (at 10M they are 6 GB)
    previous = cached.pop("dataset.nq")
    rebuilt = [iris.source_graph(sid) for sid in affected]
    # the entities graph holds each item's statement count, which a changed claim can change
    entities_suffix = f" <{iris.entities_graph.value}> .\n".encode()
    counts = statement_counts(provenance)
    entity_found: list[tuple[int, bytes]] = []
    if counts != state.statement_counts:
        entity_lines = sorted(
            {f"{q} .\n".encode() for q in entities_graph_quads(iris, vocabulary, data, provenance)}
        )
        entity_found = lines_ending(previous, entities_suffix)
        if [line for _, line in entity_found] != entity_lines:
            rebuilt.append(iris.entities_graph)
            new_lines = sorted(set(new_lines) | set(entity_lines))
    found = sorted(
        item
        for graph in rebuilt
        for item in (
            entity_found
            if graph == iris.entities_graph
            else lines_ending(previous, f" <{graph.value}> .\n".encode())
        )
    )
    removed = [line for _, line in found]
    # lines in both are kept where they are: only the difference is spliced
    kept = set(removed).intersection(new_lines)
    nquads = Spliced(
        previous,
        [(start, start + len(line)) for start, line in found if line not in kept],
        [(bisect_text(previous, line), line) for line in new_lines if line not in kept],
    )
    del previous, found
    graph_counts = dict(state.graph_counts)
    for graph in rebuilt:
        graph_counts[graph.value] = 0
    for line in new_lines:
        graph_counts[line[line.rindex(b" <") + 2 : -4].decode()] += 1
    patched = _patched_dumps(cached, nquads, removed, new_lines, kept, rebuilt, state, iris, graph_counts)
    if patched is None:
        return "the cached dumps do not split into the expected blocks"
    dataset_files, triples = patched
    del cached
    built = BuiltDataset(
        iris=iris,
        vocabulary=vocabulary,
        data=data,
        provenance=provenance,
        nquads=b"",
        counts=build_counts(data, provenance, sum(graph_counts.values())),
        origins=dataset_origins(iris, vocabulary, data, provenance),
        warnings=warnings + corpus_warnings(data, corpus) + state.name_warnings,
        claim_keys=[key_of[id(c)] for c in data.claims],
    )
    built.counts.triples = triples
    step("graph")

    changed_lines = set(removed).symmetric_difference(new_lines)
    dirty = dirty_nodes(changed_lines, built)
    # the region's few descriptions are looked up by bisection in the last N-Quads file and
    # among the lines spliced in, without a list of a million lines
    region = validation_region(dirty, built, nquads)
    partial = validate_graph(NTriplesData.of(region), shapes, "turbo", built.origins)
    kept_results = [
        replace(r, origins=origins_of(r.focus, r.value, built.origins, r.path))
        for r in state.results
        if r.focus not in dirty
    ]
    results = sorted(kept_results + [r for r in partial.results if r.focus in dirty], key=result_order)
    report = ValidationReport.of(results, "turbo")
    step("validate")
    new_state = PublishState(
        fingerprint=state.fingerprint,
        claims_files=names,
        sources=state.sources,
        entities=state.entities,
        source_digests=digests,
        results=[replace(r, origins=()) for r in results],
        graph_counts=graph_counts,
        name_warnings=state.name_warnings,
        inputs_sha256=state.inputs_sha256,
        statement_counts=counts,
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


def _patched_dumps(
    cached: dict[str, TextFile],
    nquads: Spliced,
    removed: list[bytes],
    added: list[bytes],
    kept: set[bytes],
    rebuilt: list[ox.NamedNode],
    state: PublishState,
    iris: Iris,
    graph_counts: dict[str, int],
) -> tuple[dict[str, Callable[[], bytes]], int] | None:
    """The dataset.* files of an incremental build, and its number of distinct triples,
    patched from the last publish's without making a term for every triple.

    N-Quads are spliced already (``nquads``). N-Triples, the union, lose the triples of
    ``removed`` lines no graph holds any more and gain those of ``added`` lines they lacked.
    Turtle is one block per subject, JSON-LD one line per subject and TriG one block per graph:
    the blocks of the subjects of changed lines and of the rebuilt graphs are written afresh,
    as a full build writes them, and spliced in at their places in the last publish's text.
    The VoID counts come from the new N-Triples as in a full build. None if a cached file does
    not split as expected (the build is then full). Each file is written by ``write_dumps``
    from the last publish's file and the changes (``Spliced.write``): no dump is held whole.
    """
    prefixes = data_prefixes(iris.base)
    gone_lines = [line for line in removed if line not in kept]
    new_lines = [line for line in added if line not in kept]

    def form(line: bytes) -> bytes:  # an N-Quads line's triple, as an N-Triples line
        return line[: line.rindex(b" <")] + b" .\n"

    old_nt = cached["dataset.nt"]
    new_forms = {form(line) for line in new_lines}
    # a removed line's triple stays in the union while another graph holds it: the N-Quads
    # lines of one triple sort together, the graph name last
    gone_forms = sorted(
        f
        for f in {form(line) for line in gone_lines} - new_forms
        if not nquads.has_line_starting(f[:-3] + b" <")
    )
    came_forms = sorted(f for f in new_forms if not _has_line(old_nt, f))
    gone_spans = []
    for f in gone_forms:
        at = bisect_text(old_nt, f)
        if line_at(old_nt, at) != f:
            return None
        gone_spans.append((at, at + len(f)))
    ntriples = Spliced(old_nt, gone_spans, [(bisect_text(old_nt, f), f) for f in came_forms])

    touched = sorted({line[: line.index(b" ")] for line in (*gone_lines, *new_lines)})
    runs = {s: ntriples.lines_starting(s + b" ") for s in touched}
    present = [s for s in touched if runs[s]]
    fresh_nt = b"".join(line for s in present for line in runs[s])
    fresh_triples = list(ox.parse(fresh_nt, format=ox.RdfFormat.N_TRIPLES))
    turtle_text = _patched_blocks(
        cached["dataset.ttl"],
        old_nt,
        touched,
        dict(zip(present, _turtle_blocks(fresh_triples, prefixes, present), strict=True)),
        prefixes,
    )
    if turtle_text is None:
        return None
    jsonld_text = _patched_jsonld(cached["dataset.jsonld"], fresh_nt, touched, present, prefixes)
    if jsonld_text is None:
        return None

    graphs = [f"<{g}>".encode() for g in graph_counts]
    trig = cached["dataset.trig"]
    block_starts = _block_starts(trig, b"\t}")
    trig_header = trig[: block_starts[0]]
    if len(block_starts) != len(graphs) + 1 or list(state.graph_counts) != list(graph_counts):
        return None
    graph_spans: list[tuple[int, int]] = []
    graph_blocks: list[tuple[int, bytes]] = []
    for graph in rebuilt:
        name = f"<{graph.value}>".encode()
        suffix = b" " + name + b" .\n"
        quads = list(ox.parse(b"".join(x for x in added if x.endswith(suffix)), format=ox.RdfFormat.N_QUADS))
        block_header, block = _blocks(_serialized(quads, ox.RdfFormat.TRIG, prefixes), b"\t}")
        if len(block) != 1 or block_header != trig_header:
            return None
        index = graphs.index(name)
        graph_spans.append((block_starts[index], block_starts[index + 1]))
        graph_blocks.append((block_starts[index], block[0]))
    trig_text = Spliced(trig, graph_spans, graph_blocks)

    entities = len(state.entities)
    old_present = {s for s in touched if has_line_starting(old_nt, s + b" ")}
    void_text = cached["void.ttl"][:]
    # the last union's size is in its VoID; counting the lines of its N-Triples is a scan
    last = _void_counts(void_text, iris)
    triples = (last.triples if last is not None else count_lines(old_nt)) + len(came_forms) - len(gone_forms)

    def void() -> bytes:
        counts = _patched_counts(
            void_text, iris, old_nt, ntriples, gone_forms, came_forms, old_present, set(present)
        )
        union = counts or union_counts_of(piece for _, piece in ntriples.chunks())
        return turtle(void_from_counts(iris, entities, union, graph_counts, DUMP_FILES), prefixes)

    files: dict[str, Callable[[], bytes]] = {
        "dataset.ttl": FileWriter(turtle_text.write),
        "dataset.trig": FileWriter(trig_text.write),
        "dataset.nt": FileWriter(ntriples.write),
        "dataset.nq": FileWriter(nquads.write),
        "dataset.jsonld": FileWriter(jsonld_text.write),
        "void.ttl": void,
    }
    return files, triples


def _patched_counts(
    void: bytes,
    iris: Iris,
    old_nt: Text,
    new_nt: Spliced,
    gone: list[bytes],
    came: list[bytes],
    old_subjects: set[bytes],
    new_subjects: set[bytes],
) -> UnionCounts | None:
    """The VoID counts of ``new_nt``: those of the last publish (its ``void.ttl``) changed by
    the triples ``gone`` from the union and ``came`` into it (N-Triples lines), instead of a
    pass over a million lines (``union_counts``). A predicate or object of a changed triple
    is counted if another triple still has it: a search of the text, at C speed. None if the
    last counts cannot be read (``union_counts`` then counts afresh)."""
    old = _void_counts(void, iris)
    if old is None:
        return None
    subjects = old.subjects + len(new_subjects - old_subjects) - len(old_subjects - new_subjects)
    # a term of a triple that came is in the new text, one of a triple gone in the old: only
    # the other text is searched (a search for what is not there reads all 150 MB), for all
    # the terms in one pass over its windows
    gone_terms = [line[:-3].split(b" ", 2) for line in gone]
    came_terms = [line[:-3].split(b" ", 2) for line in came]
    gone_predicates, came_predicates = {p for _, p, _ in gone_terms}, {p for _, p, _ in came_terms}
    gone_objects, came_objects = {o for _, _, o in gone_terms}, {o for _, _, o in came_terms}
    now_found = _terms_in(
        (piece for _, piece in new_nt.chunks()),
        gone_predicates - came_predicates,
        gone_objects - came_objects,
    )
    before_found = _terms_in(
        (piece for _, piece in windows(old_nt)),
        came_predicates - gone_predicates,
        came_objects - gone_objects,
    )
    properties = old.properties
    for predicate in gone_predicates | came_predicates:
        now = predicate in came_predicates or predicate in now_found[0]
        before = predicate in gone_predicates or predicate in before_found[0]
        properties += now - before
    objects = old.objects
    for obj in gone_objects | came_objects:
        now = obj in came_objects or obj in now_found[1]
        before = obj in gone_objects or obj in before_found[1]
        objects += now - before
    classes = dict(old.classes)
    type_form = f"<{RDF.type.value}>".encode()
    for lines, step in ((gone, -1), (came, 1)):
        for line in lines:
            _, predicate, obj = line[:-3].split(b" ", 2)
            if predicate == type_form and obj.startswith(b"<") and not obj.startswith(b"<<"):
                name = obj[1:-1].decode()
                classes[name] = classes.get(name, 0) + step
    classes = {name: n for name, n in classes.items() if n}
    triples = old.triples + len(came) - len(gone)
    return UnionCounts(triples, subjects, properties, objects, classes)


def _terms_in(
    pieces: Iterable[bytes], predicates: set[bytes], objects: set[bytes]
) -> tuple[set[bytes], set[bytes]]:
    """Which of ``predicates`` and ``objects`` (N-Triples forms) some line of the N-Triples
    ``pieces`` (each of whole lines) has as its predicate or object: one pass, ending as soon
    as all are found."""
    found_predicates: set[bytes] = set()
    found_objects: set[bytes] = set()
    left_predicates, left_objects = set(predicates), set(objects)
    for piece in pieces:
        if not (left_predicates or left_objects):
            break
        found_predicates.update(p for p in left_predicates if _has_predicate(piece, p))
        found_objects.update(o for o in left_objects if b" " + o + b" .\n" in piece)
        left_predicates -= found_predicates
        left_objects -= found_objects
    return found_predicates, found_objects


def _has_predicate(ntriples: bytes, predicate: bytes) -> bool:
    """Whether a line of ``ntriples`` has ``predicate`` (N-Triples form) as its predicate: it
    follows the subject's closing ">" and a space, and is followed by an object (an object is
    followed by " ." instead)."""
    needle = b"> " + predicate + b" "
    at = ntriples.find(needle)
    while at >= 0:
        end = at + len(needle)
        if ntriples[end : end + 2] != b".\n":
            return True
        at = ntriples.find(needle, end)
    return False


def _void_counts(void: bytes, iris: Iris) -> UnionCounts | None:
    """The counts a published ``void.ttl`` gives (see ``publishing.void_from_counts``)."""
    try:
        triples = list(ox.parse(void, format=ox.RdfFormat.TURTLE))
    except SyntaxError:
        return None
    numbers: dict[ox.NamedNode, int] = {}
    partitions: set[str] = set()  # of the nodes, by N-Triples form
    classes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for t in triples:
        if t.subject == iris.dataset and isinstance(t.object, ox.Literal):
            if t.predicate in _VOID_COUNTS:
                numbers[t.predicate] = int(t.object.value)
        elif t.subject == iris.dataset and t.predicate == VOID.classPartition:
            partitions.add(str(t.object))
        elif t.predicate == VOID.term("class") and isinstance(t.object, ox.NamedNode):
            classes[str(t.subject)] = t.object.value
        elif t.predicate == VOID.entities and isinstance(t.object, ox.Literal):
            sizes[str(t.subject)] = int(t.object.value)
    if len(numbers) != len(_VOID_COUNTS) or any(p not in classes or p not in sizes for p in partitions):
        return None
    return UnionCounts(
        numbers[VOID.triples],
        numbers[VOID.distinctSubjects],
        numbers[VOID.properties],
        numbers[VOID.distinctObjects],
        {classes[p]: sizes[p] for p in partitions},
    )


_VOID_COUNTS = (VOID.triples, VOID.distinctSubjects, VOID.properties, VOID.distinctObjects)


def _has_line(text: Text, line: bytes) -> bool:
    return line_at(text, bisect_text(text, line)) == line


def _turtle_blocks(triples: list[ox.Triple], prefixes: dict[str, str], subjects: list[bytes]) -> list[bytes]:
    """The Turtle blocks of ``subjects`` (sorted, each with triples), as a full build writes them."""
    _, blocks = _blocks(_serialized(triples, ox.RdfFormat.TURTLE, prefixes), b"\t")
    if len(blocks) != len(subjects):
        raise ValueError("a Turtle block per subject expected")
    return blocks


def _turtle_subjects(subjects: list[bytes], prefixes: dict[str, str]) -> dict[bytes, bytes]:
    """How Turtle writes each subject (N-Triples form) at the start of its block."""
    nodes = [ox.NamedNode(s[1:-1].decode()) for s in subjects]
    text = _serialized([ox.Triple(n, RDF.type, n) for n in nodes], ox.RdfFormat.TURTLE, prefixes)
    _, blocks = _blocks(text, b"\t")
    return {s: block[: block.index(b" ")] for s, block in zip(subjects, blocks, strict=True)}


def _patched_blocks(
    text: Text, old_nt: Text, touched: list[bytes], fresh: dict[bytes, bytes], prefixes: dict[str, str]
) -> Spliced | None:
    """The last publish's Turtle ``text`` with the blocks of the ``touched`` subjects (sorted,
    N-Triples form) replaced by their ``fresh`` ones, or removed if they have none, or put in
    where they belong. A block starts with its subject as Turtle writes it at the start of a
    line: no other line does (a block's other lines start with a tab, literals are on one
    line). Blocks are in the order of the subjects' N-Triples forms, so the subjects are found
    in one pass, each after the one before; a new subject goes before the block of the first
    subject after it that the last publish had (``old_nt`` says which)."""
    places: list[tuple[bytes, bytes, bool]] = []  # subject, the block to find, whether it is its own
    for subject in touched:
        line = line_at(old_nt, bisect_text(old_nt, subject + b" "))
        if line.startswith(subject + b" "):
            places.append((subject, subject, True))
        else:
            places.append((subject, line[: line.index(b" ")] if line else b"", False))
    written = _turtle_subjects(sorted({found for _, found, _ in places if found}), prefixes)
    body = _body_start(text)
    cursor = body
    removed: list[tuple[int, int]] = []
    inserted: list[tuple[int, bytes]] = []
    for subject, found, own in places:
        start = _block_start(text, written[found], cursor) if found else len(text)
        if start < 0:
            return None
        if own:
            removed.append((start, _next_block(text, start)))
        if subject in fresh:
            inserted.append((start, fresh[subject]))
        cursor = start
    return Spliced(text, removed, inserted)


def _body_start(text: Text) -> int:
    """Where pyoxigraph's Turtle or TriG ``text`` starts after its prefix lines."""
    body = 0
    while text[body : body + 7] == b"@prefix":
        body = text.find(b"\n", body) + 1 or len(text)
    return body


def _next_block(text: Text, start: int) -> int:
    """Where the Turtle block after the one at ``start`` starts (``len(text)`` if none): at
    the next line that does not start with a tab."""
    at = start
    while True:
        at = text.find(b"\n", at) + 1
        if at == 0 or at >= len(text):
            return len(text)
        if text[at : at + 1] != b"\t":
            return at


def _block_start(text: Text, subject: bytes, start: int) -> int:
    """Where the block of ``subject`` (as Turtle writes it) starts, at or after ``start``."""
    head = subject + b" "
    if text[start : start + len(head)] == head:
        return start
    at = text.find(b"\n" + head, start)
    return at + 1 if at >= 0 else -1


_GRAPH_START = b'"@graph": [\n'
_GRAPH_END = b"\n]}\n"
_NODE_START = b'{"@id":"'


def _patched_jsonld(
    text: Text, fresh_nt: bytes, touched: list[bytes], present: list[bytes], prefixes: dict[str, str]
) -> Spliced | None:
    """The last publish's JSON-LD with the nodes of the ``touched`` subjects replaced by those
    ``fresh_nt`` (the N-Triples of the ``present`` ones) gives, removed, or put in where they
    belong. A node is one line, and the nodes are sorted by IRI (not by N-Triples form: "<a/b>"
    sorts before "<a>"), so a node is found by bisection on the IRIs its "@id" expands to."""
    fresh = compact_jsonld_from_ntriples(fresh_nt, prefixes)
    at, fresh_at = text.find(_GRAPH_START), fresh.find(_GRAPH_START)
    if at < 0 or text[:at] != fresh[:fresh_at] or text[len(text) - len(_GRAPH_END) :] != _GRAPH_END:
        return None
    nodes = fresh[fresh_at + len(_GRAPH_START) : -len(_GRAPH_END)].split(b",\n") if present else []
    iris = sorted(s[1:-1] for s in present)
    if len(nodes) != len(iris):
        return None
    by_iri = dict(zip(iris, nodes, strict=True))
    namespaces = {f"{name}:".encode(): namespace.encode() for name, namespace in prefixes.items()}

    def iri_of(line: bytes) -> bytes:
        compact = line[len(_NODE_START) : line.index(b'"', len(_NODE_START))]
        colon = compact.find(b":") + 1
        namespace = namespaces.get(compact[:colon]) if colon else None
        return namespace + compact[colon:] if namespace is not None else compact

    start = at + len(_GRAPH_START)
    # the node lines: each ends with ",\n" but the last, which ends with "\n"; "]}\n" follows
    end = len(text) - len(_GRAPH_END) + 1
    if end <= start + 1:
        return None  # no nodes: nothing to patch
    last = text.rfind(b"\n", start, end - 1) + 1 or start
    removed: list[tuple[int, int]] = []
    inserted: list[tuple[int, bytes]] = []
    for iri in sorted(s[1:-1] for s in touched):
        place = bisect_text(text, iri, start, end, by=iri_of)
        line = line_at(text, place) if place < end else b""
        if line and iri_of(line) == iri:
            removed.append((place, place + len(line)))
        if iri in by_iri:
            inserted.append((place, by_iri[iri] + b",\n"))
        start = place
    # while patching, every node line ends with ",\n", the last one's too, and "]}\n" is cut
    if (last, end) not in removed:
        removed.append((end - 1, end))
        inserted.append((end - 1, b",\n"))
    removed.append((end, len(text)))
    patched = Spliced(text, removed, inserted)
    if len(patched) == at + len(_GRAPH_START):
        return None  # no nodes left
    return patched.ending_replaced(b",\n", _GRAPH_END)


def _block_starts(text: Text, continuations: bytes) -> list[int]:
    """Where the blocks of pyoxigraph's Turtle or TriG ``text`` start (see ``_blocks``), and
    ``len(text)`` last: found a window at a time, the text never held whole."""
    body = _body_start(text)
    if body == len(text):
        return [body]
    starts = [body]
    block = re.compile(b"^[^" + re.escape(continuations) + b"]", re.MULTILINE)
    for offset, piece in windows(text, body):
        starts += [offset + m.start() for m in block.finditer(piece) if offset + m.start() > body]
    return [*starts, len(text)]


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
    dirty = set(touched)
    subjects: set[str] = set()
    references: set[str] = set()  # keys of the changed references
    betters: set[str] = set()  # keys of the changed statements, as betterSupportedBy targets
    for node in touched:
        if node.startswith(statement_prefix):
            key = node[len(statement_prefix) :]
            found = statements.get(key)
            if found is not None:
                subjects.add(found.subject)
            betters.add(key)
        elif node.startswith(reference_prefix):
            key = node[len(reference_prefix) :].split("#", 1)[0]
            dirty.add(iris.reference(key).value)
            references.add(key)
        elif node.startswith(entity_prefix):
            subjects.add(node[len(entity_prefix) :])
    # one pass over the statements for those that read a changed node (no index of them all:
    # an edit touches a handful of nodes among a million triples' statements)
    for record in statements.values():
        if (
            record.subject in subjects
            or not references.isdisjoint(record.references)
            or not betters.isdisjoint(record.better_supported_by)
        ):
            dirty.add(iris.statement(record.key).value)
    dirty.update(iris.entity(subject).value for subject in subjects)
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


_DIGESTED_FIELDS: dict[type, Callable[[object], tuple[object, ...]]] = {
    cls: operator.attrgetter(*(f.name for f in fields(cls) if f.name not in ("positions", "position")))
    for cls in (Source, StatementRecord, ReferenceRecord)
}


def _content_digest(content: SourceContent) -> str:
    def without_positions(record: Source | StatementRecord | ReferenceRecord) -> tuple[object, ...]:
        # the field values but the positions, in field order: one C call per record (asking
        # ``fields()`` for every one of 70,000 records at 1M cost half a second)
        return _DIGESTED_FIELDS[type(record)](record)

    parts = (
        without_positions(content.source),
        [without_positions(r) for r in content.statements],
        [without_positions(r) for r in content.references],
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


STATE_FILE = "state.json"
INPUTS_FILE = "inputs.json"
ENTRY_SUFFIX = ".json"


def read_state(config: Config) -> PublishState | str | None:
    """The last publish's state; None if there is none, or why it cannot be used."""
    folder = cache_folder(config)
    try:
        content = (folder / STATE_FILE).read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return "the publish cache cannot be read"
    state = decode_cached(content)
    if not (isinstance(state, list) and len(state) == 2 and isinstance(state[1], PublishState)):
        return "the publish cache cannot be read"
    if state[0] != CACHE_FORMAT:
        return "the publish cache is from another version of agkg"
    try:
        inputs_content = (folder / INPUTS_FILE).read_bytes()
    except OSError:
        return "the publish cache cannot be read"
    # the inputs file the state was written with, not one of another publish
    if hashlib.sha256(inputs_content).hexdigest() != state[1].inputs_sha256:
        return "the publish cache cannot be read"
    inputs = decode_cached(inputs_content)
    if not (isinstance(inputs, list) and len(inputs) == 3):
        return "the publish cache cannot be read"
    sources, entities, name_warnings = inputs
    if not (isinstance(sources, dict) and isinstance(entities, dict) and isinstance(name_warnings, list)):
        return "the publish cache cannot be read"
    return replace(state[1], sources=sources, entities=entities, name_warnings=name_warnings)


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


CACHED_DUMPS = ("dataset.nq", "dataset.nt", "dataset.ttl", "dataset.trig", "dataset.jsonld", "void.ttl")


def _cached_name(name: str) -> str:
    """The cached copy's name: every copy of a published file is a ``dataset.*`` file."""
    return name if name.startswith("dataset.") else f"dataset.{name}"


def dump_stamp(path: Path) -> list[int]:
    """What identifies a cached dump's bytes without reading them: its size, modification time,
    inode and device. A publish replaces its files, never rewrites them, so the hard link
    keeps its stamp until something else writes to it, which changes the time (and mostly the
    size or the inode); the query store's fingerprint trusts the same. Hashing the 530 MB of
    dumps at 1M, once when they are cached and again when they are read, cost 2 s of CPU."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev]


def open_cached_dumps(folder: Path, stamps: dict[str, list[int]]) -> dict[str, TextFile] | None:
    """The last publish's dumps, opened to be read where needed (never read whole: at 10M they
    are 6 GB), if the cached copies are the ones it published: each opened file's stamp, taken
    from the open file, is the one the state describes, so it is read from those bytes."""
    files: dict[str, TextFile] = {}
    for name in CACHED_DUMPS:
        path = folder / _cached_name(name)
        try:
            if name not in stamps or dump_stamp(path) != stamps[name]:
                return None
            opened = TextFile(path)
        except OSError:
            return None
        stat = opened.stat
        if [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev] != stamps[name]:
            return None
        files[name] = opened
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
        stamps: dict[str, list[int]] = {}
        for name in CACHED_DUMPS:
            source = published / name
            link = folder / f".{name}.{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            try:
                os.link(source, link)
            except OSError:
                shutil.copyfile(source, link)  # in pieces: a dump can be gigabytes
            os.replace(link, folder / _cached_name(name))
            stamps[name] = dump_stamp(folder / _cached_name(name))
        inputs_sha256 = build.state.inputs_sha256
        if build.mode == "full" or not inputs_sha256:
            inputs = encode_cached([build.state.sources, build.state.entities, build.state.name_warnings])
            atomic_write(folder / INPUTS_FILE, inputs, durable=False)
            inputs_sha256 = hashlib.sha256(inputs).hexdigest()
        state = replace(
            build.state,
            dump_stamps=stamps,
            sources={},
            entities={},
            name_warnings=[],
            inputs_sha256=inputs_sha256,
        )
        atomic_write(folder / STATE_FILE, encode_cached([CACHE_FORMAT, state]))
        for leftover in folder.glob("*.pickle"):  # what agkg before cache format 4 wrote
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
