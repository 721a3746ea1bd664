"""Building the RDF dataset: entities, sources, statements and references as quads.

Each source gets a named graph holding its own metadata and everything it supports (statements,
their truthy triples, and its references), so a graph read alone says what that source says.
Entity descriptions go in one entities graph. See docs/model.md for the shape of every node.

Besides the quads, the build remembers which input lines produced each minted node
(``origins``), so a SHACL violation on a statement can be reported at the claim that made it.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import tempfile
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

import pyoxigraph as ox

from agkg.build.chunking import file_chunks, text_chunks
from agkg.build.claims import CuratedData, EntityValue, LiteralValue, Source, Value, load_curated_data
from agkg.build.entity_names import shared_name_warnings
from agkg.build.ontology import Vocabulary, load_vocabulary
from agkg.build.provenance import Provenance, ReferenceRecord, StatementRecord, claim_keys, derive_provenance
from agkg.build.quotes import Anchor, SourceText, check_claim_quote, load_corpus, missing_texts, source_text
from agkg.build.wikibase import (
    RANK_REASON,
    ValueNode,
    ValueWriter,
    property_entity_triples,
    wikibase_properties,
)
from agkg.config import Config
from agkg.errors import InputError, Position, Problem
from agkg.vocab import (
    AGKG,
    OA,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    WD,
    WIKIBASE,
    XSD,
)
from agkg.vocab import Iris as Iris  # re-exported: Iris lived here, and callers import it from here

RANK_INDIVIDUALS = {
    "normal": WIKIBASE.NormalRank,
    "preferred": WIKIBASE.PreferredRank,
    "deprecated": WIKIBASE.DeprecatedRank,
}


@dataclass
class BuildCounts:
    sources: int
    entities: int
    claims: int
    statements: int
    references: int
    triples: int
    quads: int


@dataclass
class BuiltDataset:
    """The result of a build: quads in named graphs, and what they came from."""

    iris: Iris
    vocabulary: Vocabulary
    data: CuratedData
    provenance: Provenance
    # The quads as canonical N-Quads lines, unique and sorted (UTF-8 sorts like the text): at a
    # million quads about 170 MB, where a list of ox.Quad objects took over 1 GB, which is what
    # kept a publish's peak memory near 2 GB (bench/RESULTS.md). Dumps are written from it.
    nquads: bytes
    counts: BuildCounts
    origins: dict[str, list[Position]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    claim_keys: list[tuple[str, str]] = field(default_factory=list)  # per claim: statement, reference
    _ntriples: bytes | None = field(default=None, repr=False, compare=False)
    _aside: bool = field(default=False, repr=False, compare=False)  # nquads in a temporary file
    # the file that holds ``nquads`` once they were written out (``keep_nquads_in``)
    _nquads_file: IO[bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def quads(self) -> list[ox.Quad]:
        """The quads as objects, parsed afresh (for small datasets and tools: a million of them
        take a gigabyte)."""
        return list(ox.parse(self.read_nquads(), format=ox.RdfFormat.N_QUADS))

    def read_nquads(self) -> bytes:
        """``nquads``, read back from the file they were moved to if they were."""
        return self.nquads if self._nquads_file is None else b"".join(self.nquads_chunks())

    def nquads_chunks(self, size: int | None = None) -> Iterator[bytes]:
        """The N-Quads text in pieces of about ``size`` bytes, each ending at a line end: from
        memory, or from the file it was moved to (``keep_nquads_in``), read a piece at a time."""
        if self._nquads_file is not None:
            return file_chunks(self._nquads_file, size)
        if self._aside:
            raise RuntimeError("the N-Quads are set aside")
        return text_chunks(self.nquads, size)

    def keep_nquads_in(self, handle: IO[bytes]) -> None:
        """Let go of the N-Quads text in memory: ``handle``, a file open for reading, holds it
        (the staged ``dataset.nq``). From then on ``nquads`` is empty, and the text is read back
        in pieces (``nquads_chunks``) or whole (``read_nquads``), so the dumps written after it
        do not sit on top of it (bench/RESULTS.md, memory)."""
        if self._nquads_file is not None:
            self._nquads_file.close()
        self._nquads_file = handle
        self.nquads = b""
        weakref.finalize(self, handle.close)  # closed with the dataset, not left to the collector

    def union_chunks(self, size: int | None = None) -> Iterator[bytes]:
        """``ntriples()`` in pieces ending at line ends: the cached text if there is one, else
        made from ``nquads_chunks`` as they are read, and not kept."""
        if self._ntriples is not None:
            yield from text_chunks(self._ntriples, size)
            return
        previous = b""
        for chunk in self.nquads_chunks(size):
            out = io.BytesIO()
            for line in io.BytesIO(chunk):
                form = line[: line.rindex(b" <")]
                if form != previous:
                    out.write(form)
                    out.write(b" .\n")
                    previous = form
            yield out.getvalue()

    def release_triples(self) -> None:
        """Drop the cached union (``ntriples()`` computes it again when next asked)."""
        self._ntriples = None

    def ntriples(self) -> bytes:
        """The union of all graphs as N-Triples, each triple once, sorted (computed once).

        The lines are sorted by "s p o g", so equal triples are adjacent and already in the
        order of their "s p o" form; the graph name, an IRI, is a line's last term."""
        if self._ntriples is None:
            if self._aside:
                raise RuntimeError("the union's text was released while the N-Quads are set aside")
            out = io.BytesIO()
            for chunk in self.union_chunks():
                out.write(chunk)
            self._ntriples = out.getvalue()
        return self._ntriples

    @contextmanager
    def nquads_set_aside(self) -> Iterator[None]:
        """Keep ``nquads`` in an anonymous temporary file for the duration (``nquads`` is empty
        meanwhile; ``ntriples()`` answers only if it was made before), so that a memory-hungry step (the SHACL engine's copy of the union) does
        not sit on top of it; read back afterwards. Where no temporary file can be written (a
        full disk), the text simply stays in memory."""
        with contextlib.ExitStack() as stack:
            spill: IO[bytes] | None
            try:
                spill = stack.enter_context(tempfile.TemporaryFile(prefix="agkg-nquads-"))
                spill.write(self.nquads)
                spill.flush()
            except OSError:
                spill = None
            if spill is None:
                yield
                return
            self.nquads, self._aside = b"", True
            try:
                yield
            finally:
                spill.seek(0)
                self.nquads, self._aside = spill.read(), False

    def triples(self) -> list[ox.Triple]:
        """The union of all graphs, each triple once, sorted (a fresh list of objects)."""
        return [q.triple for q in ox.parse(self.ntriples(), format=ox.RdfFormat.N_TRIPLES)]

    def triple_count(self) -> int:
        return self.ntriples().count(b"\n")


def nquads_of(quads: Iterable[ox.Quad]) -> bytes:
    """Quads as ``BuiltDataset.nquads``: canonical N-Quads lines, each once, sorted."""
    return b"".join(sorted({f"{q} .\n".encode() for q in quads}))


Progress = Callable[[str], None]


def build_dataset(
    config: Config, progress: Progress | None = None, require_texts: bool = False
) -> BuiltDataset:
    """Load the ontology and curated data under ``config`` and build the dataset.

    Raises InputError for bad input (including quotes not found in an available source text,
    and with ``require_texts``, which validate and publish ask for, a source whose text is not in
    the corpus without the curator's opt-out) and ConfigurationError for a missing or broken
    ontology.
    """
    clock = StageClock(progress)
    step = clock.step
    vocabulary = load_vocabulary(config.ontology_dir)
    step("ontology")
    data = load_curated_data(config.data_dir, vocabulary, root=config.project_dir)
    step("load")
    corpus, warnings = read_corpus(config)
    if require_texts and (
        problems := missing_texts(data, corpus, config.corpus_dir, config.allow_missing_texts)
    ):
        raise InputError(problems)
    anchors = anchor_quotes(data, corpus)
    step("quotes")
    keys = [claim_keys(claim) for claim in data.claims]
    provenance = derive_provenance(data, anchors, {id(c): k for c, k in zip(data.claims, keys, strict=True)})
    step("provenance")
    built = assemble(Iris(config.base), vocabulary, data, provenance)
    built.claim_keys = keys
    built.warnings.extend(
        warnings + corpus_warnings(data, corpus) + shared_name_warnings(data.entities.values())
    )
    step("graph")
    built.timings = clock.timings
    return built


class StageClock:
    """Times a build's stages: ``step(name)`` ends the stage ``name`` and tells ``progress``."""

    def __init__(self, progress: Progress | None) -> None:
        self.timings: dict[str, float] = {}
        self.progress = progress
        self.started = time.perf_counter()

    def step(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self.started
        self.started = now
        if self.progress:
            self.progress(name)


def read_corpus(config: Config) -> tuple[dict[str, SourceText], list[str]]:
    """The source texts by sha256, and a warning if the corpus folder is configured but missing."""
    if config.corpus_dir is None:
        return {}, []
    if config.corpus_dir.is_dir():
        return load_corpus(config.corpus_dir), []
    return {}, [
        f"corpus folder {config.corpus_dir} not found: quotes are not checked against "
        "the texts and references carry no character offsets"
    ]


def corpus_warnings(data: CuratedData, corpus: dict[str, SourceText]) -> list[str]:
    """A warning for each source whose text (by sha256) is not in a non-empty corpus."""
    return [
        f"source '{source.id}': no file with sha256 {source.sha256[:12]}… in the corpus"
        for source in data.sources.values()
        if source.sha256 and corpus and source.sha256 not in corpus
    ]


def anchor_quotes(data: CuratedData, corpus: dict[str, SourceText]) -> dict[int, Anchor]:
    """Find every quote whose source text is available; a quote not found there is an error."""
    anchors: dict[int, Anchor] = {}
    problems: list[Problem] = []
    for claim in data.claims:
        text = source_text(data, corpus, claim.source)
        if text is None:
            continue
        check = check_claim_quote(claim, text)
        if check.anchor is not None:
            anchors[id(claim)] = check.anchor
        else:
            problems.append(Problem(check.position, check.describe()))
    if problems:
        raise InputError(problems)
    return anchors


def literal(value: str, datatype: ox.NamedNode | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=datatype or XSD.string)


class _Terms:
    """RDF terms for claim values: entities by IRI, literals in their Wikibase form."""

    def __init__(self, iris: Iris, data: CuratedData, vocabulary: Vocabulary) -> None:
        self.iris = iris
        self.entities = data.entities
        self.values = ValueWriter(iris.wb, wikibase_properties(vocabulary))

    def entity(self, value: EntityValue) -> ox.NamedNode:
        if value.id in self.entities:
            return self.iris.entity(value.id)
        return self.iris.source(value.id)

    def term(
        self, name: str, value: Value, qualifiers: tuple[tuple[str, Value], ...] = (), main: bool = False
    ) -> tuple[ox.NamedNode | ox.Literal, ValueNode | None]:
        """The simple value of ``value`` as the object of property ``name``, and its full value
        node when it has one (times and quantities)."""
        if isinstance(value, EntityValue):
            return self.entity(value), None
        return self.values.value(name, value, qualifiers, main)


def entities_graph_quads(
    iris: Iris, vocabulary: Vocabulary, data: CuratedData, provenance: Provenance
) -> list[ox.Quad]:
    """The entities graph: every entity as a Wikibase item (with agkg's class beside
    ``wikibase:Item``), its labels, aliases, descriptions, its verified Wikidata item, and the
    counts Wikibase gives an item (statements of every rank; no sitelinks or identifiers)."""
    quads: list[ox.Quad] = []
    graph = iris.entities_graph
    zero = literal("0", XSD.integer)
    statements: dict[str, int] = defaultdict(int)
    for record in provenance.statements.values():
        statements[record.subject] += 1

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(s, p, o, graph))

    for entity in sorted(data.entities.values(), key=lambda e: e.id):
        node = iris.entity(entity.id)
        add(node, RDF.type, WIKIBASE.Item)
        add(node, RDF.type, AGKG.term(entity.type))
        for tag, label in sorted(entity.labels.items()):
            add(node, RDFS.label, literal(label, language=tag))
            add(node, SKOS.prefLabel, literal(label, language=tag))
            add(node, SCHEMA.name, literal(label, language=tag))
        for tag, names in sorted(entity.aliases.items()):
            for name in names:
                add(node, SKOS.altLabel, literal(name, language=tag))
        for tag, text in sorted(entity.descriptions.items()):
            add(node, SCHEMA.description, literal(text, language=tag))
        # agkg has no sitelinks and no external-identifier properties
        add(node, WIKIBASE.statements, literal(str(statements[entity.id]), XSD.integer))
        add(node, WIKIBASE.sitelinks, zero)
        add(node, WIKIBASE.identifiers, zero)
        if entity.wikidata:
            add(node, OWL.sameAs, WD.term(entity.wikidata))
            add(node, AGKG.wikidataId, literal(entity.wikidata))
        for iri in entity.same_as:
            add(node, OWL.sameAs, ox.NamedNode(iri))
    return quads


def properties_graph_quads(iris: Iris, vocabulary: Vocabulary) -> list[ox.Quad]:
    """The properties graph: every claim, qualifier and reference property as a Wikibase
    property entity (``wikibase:Property``) with its predicate family."""
    graph = iris.properties_graph
    return [ox.Quad(s, p, o, graph) for s, p, o in property_entity_triples(iris.wb, vocabulary)]


@dataclass
class SourceContent:
    """What one source's graph is made of: its metadata, the statements it supports and its
    references. The same content always gives the same quads (``source_graph_quads``), which
    is what lets an incremental build reuse an unchanged source's graph."""

    source: Source
    statements: list[StatementRecord]  # sorted by key
    references: list[ReferenceRecord]  # sorted by key


def source_contents(data: CuratedData, provenance: Provenance) -> dict[str, SourceContent]:
    """Each source's content, by source id, in id order."""
    statements_by_source: dict[str, list[StatementRecord]] = defaultdict(list)
    for key, sources in provenance.statement_sources.items():
        for source_id in sources:
            statements_by_source[source_id].append(provenance.statements[key])
    references_by_source: dict[str, list[ReferenceRecord]] = defaultdict(list)
    for reference in provenance.references.values():
        references_by_source[reference.source].append(reference)
    return {
        source.id: SourceContent(
            source,
            sorted(statements_by_source[source.id], key=lambda r: r.key),
            sorted(references_by_source[source.id], key=lambda r: r.key),
        )
        for source in sorted(data.sources.values(), key=lambda s: s.id)
    }


def source_graph_quads(
    iris: Iris, vocabulary: Vocabulary, data: CuratedData, content: SourceContent
) -> list[ox.Quad]:
    """One source's named graph: its metadata, the statements it supports (with their truthy
    triples) and its references."""
    quads: list[ox.Quad] = []
    terms = _Terms(iris, data, vocabulary)
    wb = iris.wb
    source = content.source
    graph = iris.source_graph(source.id)

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(s, p, o, graph))

    def add_value(node: ValueNode | None) -> None:
        if node is not None:
            for s, p, o in node.triples:
                add(s, p, o)

    node = iris.source(source.id)
    add(node, RDF.type, AGKG.term(source.type))
    add(node, RDF.type, SCHEMA.term(source.type))
    if source.headline:
        headline_language = source.headline_language or source.language
        add(node, SCHEMA.headline, literal(source.headline, language=headline_language))
    for author in source.authors:
        add(node, SCHEMA.author, iris.entity(author))
    if source.byline:
        add(node, AGKG.byline, literal(source.byline))
    if source.outlet:
        add(node, SCHEMA.publisher, iris.entity(source.outlet))
    if source.dateline:
        add(node, AGKG.dateline, literal(source.dateline))
    if source.published:
        add(
            node,
            SCHEMA.datePublished,
            literal(source.published.lexical, XSD.term(source.published.datatype)),
        )
    if source.published_not_before:
        when = source.published_not_before
        add(node, AGKG.publishedNotBefore, literal(when.lexical, XSD.term(when.datatype)))
    add(node, SCHEMA.inLanguage, literal(source.language))
    if source.url:
        add(node, SCHEMA.url, ox.NamedNode(source.url))
    if source.sha256:
        add(node, AGKG.sha256, literal(source.sha256))
    if source.relays:
        add(node, AGKG.relays, iris.source(source.relays))
    if source.note:
        add(node, RDFS.comment, literal(source.note, language="en"))

    own_references = {r.key for r in content.references}
    for record in content.statements:
        subject = iris.entity(record.subject)
        statement = iris.statement(record.key)
        name = record.property
        # A range given only by its bounds states no single number: no truthy triple and no
        # simple value, only a quantity value node with the bounds (claims.Claim.value).
        value: ox.NamedNode | ox.Literal | None
        if record.value is None:
            value, value_node = None, terms.values.bounds_only(record.qualifiers)
        else:
            value, value_node = terms.term(name, record.value, record.qualifiers, main=True)
        if record.best:
            if value is not None:
                add(subject, wb.direct.term(name), value)
            add(statement, RDF.type, WIKIBASE.BestRank)
        add(subject, wb.claim.term(name), statement)
        add(statement, RDF.type, WIKIBASE.Statement)
        add(statement, RDF.type, AGKG.Statement)
        if value is not None:
            add(statement, wb.statement.term(name), value)
        if value_node is not None:
            add(statement, wb.statement_value.term(name), value_node.iri)
            add_value(value_node)
        add(statement, WIKIBASE.rank, RANK_INDIVIDUALS[record.rank])
        for qualifier_name, qualifier in record.qualifiers:
            qualifier_value, qualifier_node = terms.term(qualifier_name, qualifier, record.qualifiers)
            add(statement, wb.qualifier.term(qualifier_name), qualifier_value)
            if qualifier_node is not None:
                add(statement, wb.qualifier_value.term(qualifier_name), qualifier_node.iri)
                add_value(qualifier_node)
        if record.alleged_by:  # Wikidata's "sourcing circumstances: allegedly" (P1480, Q32188232)
            add(statement, wb.qualifier.sourcingCircumstances, AGKG.allegedly)
            for accuser in record.alleged_by:
                add(statement, wb.qualifier.allegedBy, terms.entity(EntityValue(accuser)))
        for reason in record.rank_reasons:
            add(statement, wb.qualifier.term(RANK_REASON), literal(reason, language="en"))
        for better in record.better_supported_by:
            add(statement, AGKG.betterSupportedBy, iris.statement(better))
        for note in record.notes:
            add(statement, RDFS.comment, literal(note, language="en"))
        for key in record.references:
            if key in own_references:
                add(statement, PROV.wasDerivedFrom, iris.reference(key))

    published = None
    if source.published:
        published = terms.term(
            "publicationDate",
            LiteralValue(source.published.lexical, XSD.term(source.published.datatype).value),
        )
    for reference in content.references:
        ref = iris.reference(reference.key)
        add(ref, RDF.type, WIKIBASE.Reference)
        add(ref, RDF.type, AGKG.Reference)
        add(ref, RDF.type, OA.SpecificResource)
        # the Wikibase reference: stated in, quotation, URL, date and whose words these are
        add(ref, wb.reference.statedIn, node)
        add(ref, wb.reference.quotation, literal(reference.quote, language=source.language))
        if source.url:
            add(ref, wb.reference.referenceUrl, ox.NamedNode(source.url))
        if published is not None:
            add(ref, wb.reference.publicationDate, published[0])
            if published[1] is not None:
                add(ref, wb.reference_value.publicationDate, published[1].iri)
                add_value(published[1])
        if reference.attributed_to:
            add(ref, wb.reference.attributedTo, terms.entity(EntityValue(reference.attributed_to)))
        if reference.allegation:
            add(ref, AGKG.allegation, literal("true", XSD.boolean))
        # the Web Annotation beside it: where exactly the quote sits in the source's text
        add(ref, OA.hasSource, node)
        quote = iris.selector(reference.key, "quote")
        add(ref, OA.hasSelector, quote)
        add(quote, RDF.type, OA.TextQuoteSelector)
        add(quote, OA.exact, literal(reference.quote))
        anchor = reference.anchor
        prefix = anchor.prefix if anchor else reference.prefix
        suffix = anchor.suffix if anchor else reference.suffix
        if prefix:
            add(quote, OA.prefix, literal(prefix))
        if suffix:
            add(quote, OA.suffix, literal(suffix))
        if anchor:
            position = iris.selector(reference.key, "position")
            add(ref, OA.hasSelector, position)
            add(position, RDF.type, OA.TextPositionSelector)
            add(position, OA.start, literal(str(anchor.start), XSD.nonNegativeInteger))
            add(position, OA.end, literal(str(anchor.end), XSD.nonNegativeInteger))
        else:  # no text to find the quote in: say so, never let it pass for a checked quote
            add(ref, AGKG.quoteVerified, literal("false", XSD.boolean))
    return quads


def truthy_origin(subject: str, path: str, value: str) -> str:
    """The ``origins`` key of a truthy triple (no IRI holds a NUL, so it cannot clash with one)."""
    return f"{subject}\0{path}\0{value}"


def dataset_origins(
    iris: Iris, vocabulary: Vocabulary, data: CuratedData, provenance: Provenance
) -> dict[str, list[Position]]:
    """The input lines behind each minted node (entities, sources, statements, references), and
    behind each truthy triple (``truthy_origin``): a result about an entity's truthy value, such as
    a dissolution before the inception, belongs at the claims that gave the value."""
    origins: dict[str, list[Position]] = {}
    terms = _Terms(iris, data, vocabulary)
    for entity in sorted(data.entities.values(), key=lambda e: e.id):
        origins[iris.entity(entity.id).value] = [entity.position]
    for source in sorted(data.sources.values(), key=lambda s: s.id):
        origins.setdefault(iris.source(source.id).value, []).append(source.position)
    for record in provenance.statements.values():
        origins[iris.statement(record.key).value] = record.positions
        if record.best and record.value is not None:
            subject, path = iris.entity(record.subject).value, iris.wb.direct.term(record.property).value
            value, _ = terms.term(record.property, record.value, record.qualifiers, main=True)
            key = truthy_origin(subject, path, value.value)
            origins[key] = sorted({*origins.get(key, []), *record.positions})
    for reference in provenance.references.values():
        origins[iris.reference(reference.key).value] = reference.positions
    return origins


def build_counts(data: CuratedData, provenance: Provenance, quads: int) -> BuildCounts:
    return BuildCounts(
        sources=len(data.sources),
        entities=len(data.entities),
        claims=len(data.claims),
        statements=len(provenance.statements),
        references=len(provenance.references),
        triples=0,
        quads=quads,
    )


def assemble(iris: Iris, vocabulary: Vocabulary, data: CuratedData, provenance: Provenance) -> BuiltDataset:
    """Turn checked data and statement records into quads."""

    # Each graph's quads become sorted text as they are made, and the graphs' texts are merged
    # in order: the objects of a million quads would take a gigabyte at once, and a million
    # small line objects alive together leave the heap fragmented for the stages after.
    def text(quads: list[ox.Quad]) -> bytes:
        return b"".join(sorted({f"{q} .\n".encode() for q in quads}))

    graphs = [
        text(entities_graph_quads(iris, vocabulary, data, provenance)),
        text(properties_graph_quads(iris, vocabulary)),
    ]
    graphs.extend(
        text(source_graph_quads(iris, vocabulary, data, content))
        for content in source_contents(data, provenance).values()
    )
    merged = io.BytesIO()
    count = 0
    # graphs hold distinct quads and a line ends with its graph, so no line is in two texts
    for line in heapq.merge(*map(io.BytesIO, graphs)):
        merged.write(line)
        count += 1
    del graphs
    nquads = merged.getvalue()
    del merged
    built = BuiltDataset(
        iris=iris,
        vocabulary=vocabulary,
        data=data,
        provenance=provenance,
        nquads=nquads,
        counts=build_counts(data, provenance, count),
        origins=dataset_origins(iris, vocabulary, data, provenance),
    )
    built.counts.triples = built.triple_count()
    return built


def load_only(config: Config) -> CuratedData:
    """Load and check the curated data without building (for tools that need only that)."""
    return load_curated_data(config.data_dir, load_vocabulary(config.ontology_dir), root=config.project_dir)
