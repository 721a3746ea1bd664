"""SHACL validation of a built dataset, with each result traced back to the input line.

The data graph validated is the built dataset plus the ontology's schema triples: ``sh:class`` needs the
``rdfs:subClassOf`` triples, and the SPARQL rules follow ``agkg:statementProperty`` from a truthy
predicate to its statement predicates. The shapes are checked against SHACL-SHACL first, so a
broken shapes file is a configuration error (exit 2), never a silently weaker validation.

Three engines give the same results (tests/test_validation_shapes.py proves it on the shape
suite and on synthetic data): ``turbo`` (pyshacl-turbo, Rust; about 20-40x faster than the
reference at 100k triples, see bench/RESULTS.md), ``jena`` (Apache Jena's SHACL in a Java
process, agkg.build.jena: it grows linearly where turbo grows as n log n) and ``pyshacl`` (the
reference). ``auto``, the default, takes Jena from ``JENA_FROM_TRIPLES`` on when Java and Jena
are installed and its heap fits, and turbo otherwise. The Python engines get a plain rdflib
Graph or N-Triples text: ENGINES.md found that both report false ``sh:in`` violations when
given a pyoxigraph store.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import ctypes.util
import io
import json
import re
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH as RSH

from agkg.build.graph import BuiltDataset, truthy_origin
from agkg.build.jena import JenaRuntime, find_jena, validate_files
from agkg.build.ontology import PropertySpec, Vocabulary
from agkg.build.regions import Piece, PiecePlan, plan_pieces, schema_triples
from agkg.config import SHACL_ENGINES
from agkg.errors import ConfigurationError, Position
from agkg.vocab import AGKG, DEFAULT_BASE, OWL, RDF, RDFS, SKOS, XSD, data_prefixes

ENGINES = SHACL_ENGINES
SEVERITY_NAMES = {RSH.Violation: "violation", RSH.Warning: "warning", RSH.Info: "info"}
SHAPES_NAMESPACE = "https://w3id.org/agkg/shapes#"
FORMATS = ("text", "json", "turtle", "junit", "github")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with where in the input the focus node came from."""

    severity: str
    focus: str
    path: str | None
    shape: str | None
    constraint: str | None
    message: str
    value: str | None
    origins: tuple[Position, ...] = ()

    @property
    def position(self) -> Position | None:
        """The first input position behind the result (claims are listed in file order)."""
        return self.origins[0] if self.origins else None

    def key(self) -> tuple[str, str, str, str, str, str, str]:
        """What identifies a result across engines: everything but the input positions."""
        return (
            self.focus,
            self.path or "",
            self.shape or "",
            self.severity,
            self.constraint or "",
            self.value or "",
            self.message,
        )


@dataclass
class ValidationReport:
    """All results of one validation; ``conforms`` is SHACL's verdict on violations alone."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    report_graph: rdflib.Graph | None = field(default=None, repr=False, compare=False)
    engine: str = "turbo"
    # Jena's report, kept as the triples it parsed to: at 10M, its 600k triples took 13 s to
    # become an rdflib graph and be read from it, and only ``--format turtle`` wants them again
    report_triples: list[ox.Triple] | None = field(default=None, repr=False, compare=False)

    @property
    def report_turtle(self) -> str:
        """The engine's SHACL report as Turtle (written on demand: at a million triples the
        report of every info note takes seconds to serialize, and only ``--format turtle``
        wants it)."""
        if self.report_graph is not None:
            return self.report_graph.serialize(format="turtle")
        if self.report_triples is not None:
            prefixes = {"sh": str(RSH), "rdf": str(rdflib.RDF)}
            text = ox.serialize(self.report_triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
            return (text or b"").decode("utf-8")
        return ""

    @classmethod
    def of(
        cls,
        results: list[ValidationResult],
        engine: str,
        report_graph: rdflib.Graph | None = None,
        report_triples: list[ox.Triple] | None = None,
    ) -> ValidationReport:
        """The report of ``results``: it conforms when none is a violation."""
        return cls(
            conforms=not any(r.severity == "violation" for r in results),
            results=results,
            report_graph=report_graph,
            engine=engine,
            report_triples=report_triples,
        )

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> int:
        return self.count("violation")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    @property
    def infos(self) -> int:
        return self.count("info")

    def failing(self, strict: bool = False) -> bool:
        """Violations fail; warnings fail only when strict; infos never do."""
        return self.violations > 0 or (strict and self.warnings > 0)


# ------------------------------------------------------------------------- shapes


def load_shapes(
    shapes_dir: Path, check: bool = True, base: str = DEFAULT_BASE
) -> tuple[rdflib.Graph, list[ox.Triple]]:
    """Every ``*.ttl`` in ``shapes_dir``, as an rdflib graph and as sorted triples for publishing.

    The shapes are written for the default base; the predicate families of a dataset published
    under another ``base`` (``{base}prop/…``) are moved there, in IRIs and in the prefix
    declarations the SPARQL rules use. With ``check``, the shapes must conform to SHACL-SHACL;
    ConfigurationError names every problem otherwise (as it does for a file that does not parse).
    """
    files = sorted(shapes_dir.glob("*.ttl"))
    if not files:
        raise ConfigurationError(f"no shapes: {shapes_dir} has no .ttl file")
    triples: set[ox.Triple] = set()
    for path in files:
        try:
            triples.update(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        except SyntaxError as error:
            raise ConfigurationError(f"{path}: {error}") from error
    if base != DEFAULT_BASE:
        triples = {rebase_triple(t, DEFAULT_BASE + "prop/", base + "prop/") for t in triples}
    graph = to_rdflib(triples)
    if check:
        problems = check_shapes(graph)
        if problems:
            listed = "\n".join(f"  {p}" for p in problems)
            raise ConfigurationError(f"the shapes in {shapes_dir} do not conform to SHACL-SHACL:\n{listed}")
    return graph, sorted(triples, key=str)


def rebase_triple(triple: ox.Triple, old: str, new: str) -> ox.Triple:
    """``triple`` with the namespace ``old`` replaced by ``new`` in its IRIs and literals."""

    def term(node: Any) -> Any:
        if isinstance(node, ox.NamedNode) and node.value.startswith(old):
            return ox.NamedNode(new + node.value[len(old) :])
        if isinstance(node, ox.Literal) and old in node.value and node.language is None:
            return ox.Literal(node.value.replace(old, new), datatype=node.datatype)
        return node

    return ox.Triple(term(triple.subject), term(triple.predicate), term(triple.object))


def check_shapes(shapes: rdflib.Graph) -> list[str]:
    """Problems SHACL-SHACL (the W3C shapes for shapes graphs) finds in ``shapes``."""
    from pyshacl_turbo import meta_validate

    conforms, report, _ = meta_validate(shapes)  # type: ignore[no-untyped-call]
    if conforms:
        return []
    prefixes = data_prefixes("")
    problems = []
    for result in report.subjects(RDF_TYPE, RSH.ValidationResult):
        focus = report.value(result, RSH.focusNode)
        path = report.value(result, RSH.resultPath)
        message = report.value(result, RSH.resultMessage)
        where = compact(str(focus), prefixes) if isinstance(focus, rdflib.URIRef) else "a blank node"
        through = f" ({compact(str(path), prefixes)})" if isinstance(path, rdflib.URIRef) else ""
        problems.append(f"{where}{through}: {message}")
    return sorted(problems)


RDF_TYPE = rdflib.RDF.type


@dataclass(frozen=True)
class NTriplesData:
    """A data graph as N-Triples text. ``turbo`` parses it natively (no rdflib copy: at 1M
    triples the copy took longer than the whole build); ``pyshacl`` gets it as an rdflib Graph."""

    text: str

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> NTriplesData:
        """The triples as N-Triples in ASCII: every other character as a ``\\u`` or ``\\U``
        escape (N-Triples allows them in IRIs and literals; parsers decode them). A Python str
        with one character past Latin-1 takes two or four bytes per character, and the engine
        then needs a UTF-8 copy as well; ASCII text is held once, at one byte per character
        (at a million triples, about 150 MB instead of 450 MB)."""
        return cls.from_ntriples(ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b"")

    @classmethod
    def from_ntriples(cls, *parts: bytes) -> NTriplesData:
        """N-Triples text (the concatenation of ``parts``) as ``of`` makes it: ASCII, with
        escapes. Escaped in slices of whole lines, so that a non-ASCII character does not make
        the whole text a two- or four-byte-per-character str on its way."""
        out = io.BytesIO()
        for part in parts:
            start = 0
            while start < len(part):
                end = part.find(b"\n", start + _SLICE_BYTES)
                end = len(part) if end < 0 else end + 1
                chunk = part[start:end]
                if not chunk.isascii():
                    chunk = chunk.decode("utf-8").encode("ascii", errors=_NTRIPLES_ESCAPES)
                out.write(chunk)
                start = end
        with out.getbuffer() as view:
            return cls(str(view, "ascii"))


_SLICE_BYTES = 1 << 20


def _escape_run(error: UnicodeError) -> tuple[str, int]:
    """The N-Triples escapes of a run of characters ASCII cannot hold."""
    assert isinstance(error, UnicodeEncodeError)
    run = error.object[error.start : error.end]
    escaped = "".join(f"\\u{ord(c):04X}" if ord(c) < 0x10000 else f"\\U{ord(c):08X}" for c in run)
    return escaped, error.end


_NTRIPLES_ESCAPES = "agkg-ntriples-escapes"
codecs.register_error(_NTRIPLES_ESCAPES, _escape_run)


def to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """Copy triples into an rdflib Graph through N-Triples (the fastest route rdflib offers)."""
    graph = rdflib.Graph()
    data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def validation_triples(built: BuiltDataset) -> list[ox.Triple]:
    """The data graph the shapes see: the union of the dataset's graphs plus the ontology's
    schema triples. Both are unique and sorted already and they do not overlap (the data's
    subjects are minted under the dataset's base, the schema's are ontology terms; a repeat
    would not matter anyway, a graph being a set), so they are joined as they are: a set and
    a sort of a million triples cost seconds and hundreds of megabytes."""
    return built.triples() + schema_triples(built.vocabulary.triples)


# ------------------------------------------------------------------------- validating


def run_engine(
    data: rdflib.Graph | NTriplesData,
    shapes: rdflib.Graph,
    engine: str = "turbo",
    focus: list[str] | None = None,
    jena: JenaRuntime | None = None,
) -> rdflib.Graph:
    """Validate ``data`` with ``engine`` and return the SHACL report graph; with ``focus``
    (IRIs), only those focus nodes (each against the shapes that target it; not with Jena,
    whose command validates one node or all). ``auto`` picks the engine by the data's size
    (``choose_engine``); ``jena`` is the runtime to use (default: ``find_jena()``).

    An engine error (a SPARQL constraint that does not parse, say) is a ConfigurationError:
    the shapes are broken, not the data.
    """
    if engine in ("auto", "jena"):
        choice = choose_engine(engine, _size(data), jena)
        if choice.jena is not None:
            if focus:
                raise ValueError("Jena validates the whole data graph: no focus nodes")
            return to_rdflib(_jena_report([_ntriples_bytes(data)], shapes, choice))
        engine = choice.engine
    if engine == "turbo":
        from pyshacl_turbo import validate as turbo_validate

        run = turbo_validate
    elif engine == "pyshacl":
        from pyshacl import validate as pyshacl_validate  # slow to import: only here

        run = pyshacl_validate
    else:
        raise ConfigurationError(f"unknown SHACL engine {engine!r}: use one of {', '.join(ENGINES)}")
    source: object = data
    if isinstance(data, NTriplesData):
        if engine == "turbo":
            from pyshacl_turbo.rdf import Input  # serialized data: parsed and validated in Rust

            source = Input(data.text, "nt", None, {})
        else:
            source = rdflib.Graph().parse(data=data.text, format="nt")
    try:
        _, report, _ = run(
            source,
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            allow_warnings=True,
            allow_infos=True,
            **({"focus_nodes": [rdflib.URIRef(iri) for iri in focus]} if focus else {}),
        )
    except Exception as error:  # both engines raise assorted exception types for bad shapes
        raise ConfigurationError(f"the shapes cannot be run ({engine}): {error}") from error
    if not isinstance(report, rdflib.Graph):
        raise ConfigurationError(f"the shapes cannot be run ({engine}): {report}")
    return report


def _ntriples_bytes(data: rdflib.Graph | NTriplesData) -> bytes:
    return data.text.encode("ascii") if isinstance(data, NTriplesData) else _ntriples_of(data)


def _size(data: rdflib.Graph | NTriplesData) -> int:
    """How many triples ``data`` holds (lines, for N-Triples)."""
    return data.text.count("\n") if isinstance(data, NTriplesData) else len(data)


def _ntriples_of(graph: rdflib.Graph) -> bytes:
    text = graph.serialize(format="nt", encoding="utf-8")
    return text if isinstance(text, bytes) else text.encode("utf-8")


# ------------------------------------------------------------------------- choosing an engine

# From how many triples ``auto`` validates with Jena. Measured on seed-11 data, each engine in a
# fresh process (bench/validation_engines.py; bench/RESULTS.md, "Validation: Jena from 1.5M
# triples"): at 1.5M Jena takes less CPU (43.8 s against turbo's 47.8), less time (30.7 s
# against 47.8) and less memory (0.84 GB for Java and 0.24 for agkg, against 1.19); at 1M the
# two cost the same CPU within this machine's spread (Jena 28-30 s, turbo 25-30 s) and turbo
# keeps the publish in one process under 1 GB; at 100k turbo is the quicker (2.0 s against
# 4.8: the JVM's start-up). Above it Jena grows linearly where turbo grows as n log n.
JENA_FROM_TRIPLES = 1_500_000

# Jena's heap (-Xmx) per triple, preferred and least. Measured at 1M and 2M: 800 bytes a triple
# is as quick as any larger heap (a larger one only lets the JVM grow before it collects);
# 520 still completes, 10-15% slower, as the collector runs more often.
JENA_HEAP_BYTES_PER_TRIPLE = 800
JENA_LEAST_HEAP_BYTES_PER_TRIPLE = 520
JENA_MIN_HEAP = 256 << 20
# What the JVM needs beside its heap (code, metaspace, the collector's tables, threads).
JENA_OVERHEAD_BYTES = 256 << 20


@dataclass(frozen=True)
class EngineChoice:
    """The engine a validation runs, and for Jena how to start it and the heap it gets."""

    engine: str
    jena: JenaRuntime | None = None
    heap: int = 0


def jena_heap(triples: int, room: int | None = None) -> int | None:
    """The heap for validating ``triples`` with Jena when ``room`` bytes are free for the Java
    process (None: unknown, taken as enough): the preferred size, or as much as fits down to the
    least size; None when not even that fits."""
    preferred = max(JENA_MIN_HEAP, triples * JENA_HEAP_BYTES_PER_TRIPLE)
    if room is None or preferred + JENA_OVERHEAD_BYTES <= room:
        return preferred
    fits = room - JENA_OVERHEAD_BYTES
    return fits if fits >= _least_heap(triples) else None


def _least_heap(triples: int) -> int:
    return max(JENA_MIN_HEAP, triples * JENA_LEAST_HEAP_BYTES_PER_TRIPLE)


def choose_engine(
    engine: str,
    triples: int,
    jena: JenaRuntime | None = None,
    classpath: str = "",
    freed: int = 0,
) -> EngineChoice:
    """The engine to run on ``triples`` triples.

    ``auto`` is Jena from ``JENA_FROM_TRIPLES`` on, when Java and Jena are found and its heap
    fits in the memory the system has available (plus ``freed`` bytes this process lets go
    before Java starts); otherwise turbo. ``jena`` asked for explicitly must be installed
    (ConfigurationError says how otherwise), and gets the heap that fits, or the least one.
    """
    if engine not in ("auto", "jena"):
        return EngineChoice(engine)
    if engine == "auto" and triples < JENA_FROM_TRIPLES:
        return EngineChoice("turbo")
    runtime = jena or (_required_jena(classpath) if engine == "jena" else find_jena(classpath))
    room = _available_memory(own=False)
    heap = jena_heap(triples, None if room is None else room + freed)
    if runtime is None or (heap is None and engine == "auto"):
        return EngineChoice("turbo")
    return EngineChoice("jena", runtime, heap or _least_heap(triples))


def _required_jena(classpath: str) -> JenaRuntime:
    runtime = find_jena(classpath)
    if runtime is None:
        raise ConfigurationError(
            "the jena SHACL engine needs Java and Apache Jena: apt-get install default-jre-headless "
            "libapache-jena-java, or set jena_classpath to Jena's jars"
        )
    return runtime


def _jena_validation(
    parts: list[bytes], shapes: rdflib.Graph, choice: EngineChoice, origins: dict[str, list[Position]] | None
) -> ValidationReport:
    """Validate the N-Triples ``parts`` with Jena (``_jena_report``), results read straight from
    the report's triples."""
    triples = _jena_report(parts, shapes, choice)
    return ValidationReport.of(read_result_triples(triples, origins or {}), "jena", report_triples=triples)


def _jena_report(parts: list[bytes], shapes: rdflib.Graph, choice: EngineChoice) -> list[ox.Triple]:
    """Jena's report on the N-Triples ``parts`` (which it empties once they are written out:
    the Java process holds its own copy), as triples, its messages written as turbo's."""
    with tempfile.TemporaryDirectory(prefix="agkg-jena-") as folder:
        data_file = Path(folder) / "data.nt"
        shapes_file = Path(folder) / "shapes.ttl"
        try:
            with data_file.open("wb") as out:
                for part in parts:
                    out.write(part)
            shapes.serialize(shapes_file, format="turtle", encoding="utf-8")
        except OSError as error:
            raise ConfigurationError(f"cannot write the data for Jena in {folder}: {error}") from error
        parts.clear()
        release_free_memory()
        assert choice.jena is not None
        report_file = validate_files(choice.jena, shapes_file, data_file, choice.heap)
        data_file.unlink()
        try:
            triples = list(ox.parse(path=str(report_file), format=ox.RdfFormat.TURTLE))
        except SyntaxError as error:
            raise ConfigurationError(f"Jena's SHACL report does not parse: {error}") from error
    return _plain_iris_in_messages(triples, shapes)


_SH = "http://www.w3.org/ns/shacl#"
_SOURCE_SHAPE = ox.NamedNode(_SH + "sourceShape")
_SOURCE_COMPONENT = ox.NamedNode(_SH + "sourceConstraintComponent")
_SPARQL_COMPONENT = ox.NamedNode(_SH + "SPARQLConstraintComponent")
_RESULT_MESSAGE = ox.NamedNode(_SH + "resultMessage")


def _plain_iris_in_messages(triples: list[ox.Triple], shapes: rdflib.Graph) -> list[ox.Triple]:
    """A report's triples with the IRIs Jena puts into SPARQL constraints' messages written as
    pySHACL and turbo do.

    A message template's ``{?var}`` becomes the variable's value: the plain IRI in pySHACL and
    turbo, the IRI in angle brackets in Jena (literals are their lexical form in all three).
    Each message is matched against its shape's templates, and only what a placeholder put
    there loses its brackets: a ``<`` the template itself writes is kept.
    """
    sparql = {
        t.subject for t in triples if t.predicate == _SOURCE_COMPONENT and t.object == _SPARQL_COMPONENT
    }
    shape_of = {
        t.subject: t.object.value
        for t in triples
        if t.subject in sparql and t.predicate == _SOURCE_SHAPE and isinstance(t.object, ox.NamedNode)
    }
    templates: dict[str, list[tuple[re.Pattern[str], list[str]]]] = {}
    fixed = []
    for triple in triples:
        message = triple.object
        shape = shape_of.get(triple.subject) if triple.predicate == _RESULT_MESSAGE else None
        if shape is not None and isinstance(message, ox.Literal):
            if shape not in templates:
                templates[shape] = [
                    _template_pattern(str(m))
                    for constraint in shapes.objects(rdflib.URIRef(shape), RSH.sparql)
                    for m in shapes.objects(constraint, RSH.message)
                ]
            text = _filled_in(message.value, templates[shape])
            if text != message.value:
                literal = (
                    ox.Literal(text, language=message.language)
                    if message.language
                    else ox.Literal(text, datatype=message.datatype)
                )
                triple = ox.Triple(triple.subject, triple.predicate, literal)
        fixed.append(triple)
    return fixed


def _filled_in(message: str, templates: list[tuple[re.Pattern[str], list[str]]]) -> str:
    """``message`` with the brackets dropped around what the first template it matches filled in."""
    for pattern, literals in templates:
        match = pattern.fullmatch(message)
        if match is not None:
            values = [_unbracketed(value) for value in match.groups()]
            return literals[0] + "".join(v + lit for v, lit in zip(values, literals[1:], strict=True))
    return message


_PLACEHOLDER = re.compile(r"\{[?$][A-Za-z_][A-Za-z0-9_]*\}")


def _template_pattern(template: str) -> tuple[re.Pattern[str], list[str]]:
    """A message template as a pattern with a group per placeholder, and its literal parts."""
    literals = _PLACEHOLDER.split(template)
    pattern = "(.*?)".join(re.escape(part) for part in literals)
    return re.compile(pattern, re.DOTALL), literals


_BRACKETED_IRI = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^<>\s\"{}|\\^`]*)>")


def _unbracketed(value: str) -> str:
    """An absolute IRI in angle brackets without them; anything else as it is."""
    match = _BRACKETED_IRI.fullmatch(value)
    return match.group(1) if match else value


def validate_graph(
    data: rdflib.Graph | NTriplesData,
    shapes: rdflib.Graph,
    engine: str = "turbo",
    origins: dict[str, list[Position]] | None = None,
) -> ValidationReport:
    """Validate an rdflib graph (or N-Triples); ``origins`` maps minted IRIs to the input lines behind them."""
    choice = choose_engine(engine, _size(data))
    if choice.jena is not None:
        return _jena_validation([_ntriples_bytes(data)], shapes, choice, origins)
    return _report(run_engine(data, shapes, choice.engine), choice.engine, origins)


def _report(
    report_graph: rdflib.Graph, engine: str, origins: dict[str, list[Position]] | None
) -> ValidationReport:
    return ValidationReport.of(read_results(report_graph, origins or {}), engine, report_graph)


def validate_dataset(
    built: BuiltDataset,
    shapes: rdflib.Graph,
    engine: str = "auto",
    piece_triples: int | None = None,
    jena_classpath: str = "",
) -> ValidationReport:
    """Validate the union of the dataset's graphs (plus the ontology) against ``shapes``.

    The data is the union's N-Triples text followed by the ontology's schema triples (what
    ``validation_triples`` holds, as text: no million term objects are made), validated whole
    or in pieces (``validate_in_pieces``). Memory: the engine parses its own
    copy, so the dataset's cached union text is let go while it runs (``ntriples()`` makes it
    again, under a second at a million triples), and the heap the engine freed is handed back
    to the system afterwards (bench/RESULTS.md, memory). ``engine`` is one of ``ENGINES``;
    ``jena_classpath`` says where Jena is when it is not Debian's (agkg.build.jena).
    """
    schema = ox.serialize(schema_triples(built.vocabulary.triples), format=ox.RdfFormat.N_TRIPLES) or b""
    parts = [built.ntriples(), schema]
    built.release_triples()
    with built.nquads_set_aside():
        return _validate_text(parts, shapes, engine, built.origins, piece_triples, jena_classpath)


# How many triples the region of one piece reaches before the piece is closed, when the graph
# is validated in pieces. Measured at 1M (seed 11, bench/RESULTS.md "Validation in pieces"):
# pieces of 250k triples cost the engine 2.6x the CPU of one whole run (the regions add up to
# 2.7x the graph: each holds its nodes' neighbours); pieces of 2M keep the engine's copy near
# 1.2 GB.
PIECE_TRIPLES = 2_000_000

# What one whole pyshacl-turbo run needs, as the publishing process's peak per triple validated:
# 986 MiB at 1M (995,556 triples) and 9,071 MiB at 10M (9,950,000), both about 0.95 KiB
# (bench/RESULTS.md, "10M"). A whole run is the faster one at every size measured (10M: 436 s
# against over 2,047 s in pieces), so pieces are for a graph whose whole run would not fit.
WHOLE_RUN_BYTES_PER_TRIPLE = 1_000


def whole_run_fits(triples: int) -> bool:
    """Whether validating ``triples`` in one engine run fits in the memory this process can
    still have: what it holds now plus what the system has available (and no more than its
    control group allows). Where that cannot be read (not Linux), a graph of up to
    ``PIECE_TRIPLES`` is taken to fit."""
    available = _available_memory()
    if available is None:
        return triples <= PIECE_TRIPLES
    return triples * WHOLE_RUN_BYTES_PER_TRIPLE <= available


def _available_memory(own: bool = True) -> int | None:
    """This process's resident memory (unless not ``own``: the room for another process) plus
    the system's MemAvailable, capped by a cgroup v2 memory.max; None where /proc says nothing."""
    try:
        meminfo = Path("/proc/meminfo").read_text()
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    fields = {}
    for line in (meminfo + status).splitlines():
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            fields[name] = int(value.split()[0]) * 1024
    if "MemAvailable" not in fields or "VmRSS" not in fields:
        return None
    held = fields["VmRSS"] if own else 0
    available = fields["MemAvailable"] + held
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text())
    except (OSError, ValueError):
        return available
    if limit.isdigit():
        available = min(available, int(limit) - used + held)
    return available


def validate_in_pieces(
    ntriples: bytes,
    shapes: rdflib.Graph,
    engine: str = "turbo",
    origins: dict[str, list[Position]] | None = None,
    piece_triples: int | None = None,
) -> ValidationReport:
    """Validate N-Triples (each subject's lines together) with turbo or pyshacl in bounded
    pieces, with the results (and the report graph's results) of validating them whole.

    The focus nodes are taken in sorted order and a piece is closed once the triples their
    shapes read (agkg.build.regions) reach ``piece_triples``; each piece is validated on those
    triples and keeps its own focus nodes' results, so the engine holds one piece's region at
    a time instead of the whole graph. Without ``piece_triples`` the graph is validated whole
    when one run fits in memory (``whole_run_fits``: the faster way), else in pieces of
    ``PIECE_TRIPLES``. A graph of at most one
    piece is validated whole, as are shapes with targets the split does not know
    (``sh:target``, a literal ``sh:targetNode``), data with blank nodes, and a graph where a
    piece reports on a node no piece owns.
    """
    return _validate_text([ntriples], shapes, engine, origins, piece_triples)


def _validate_text(
    parts: list[bytes],
    shapes: rdflib.Graph,
    engine: str,
    origins: dict[str, list[Position]] | None,
    piece_triples: int | None,
    jena_classpath: str = "",
) -> ValidationReport:
    """``validate_in_pieces`` on the concatenation of ``parts``, which it empties: the text is
    let go before the engine runs on the whole (the caller holds no other reference). Jena
    (``choose_engine``) validates it whole, in its own process."""
    lines = sum(part.count(b"\n") for part in parts)
    choice = choose_engine(engine, lines, classpath=jena_classpath, freed=sum(map(len, parts)))
    if choice.jena is not None:
        return _jena_validation(parts, shapes, choice, origins)
    engine = choice.engine
    size = piece_triples or (lines if whole_run_fits(lines) else PIECE_TRIPLES)
    targets = _piece_targets(shapes)
    if targets is not None and lines > size:
        text = b"".join(parts)
        parts.clear()
        plan = plan_pieces(text, size, *targets)
        if plan is None:
            parts.append(text)
        del text
        if plan is not None:
            report = _validate_plan(plan, shapes, engine, origins or {})
            if report is not None:
                return report
            parts.append(plan.text)
            del plan
    data = NTriplesData.from_ntriples(*parts)
    parts.clear()
    release_free_memory()  # what the engine allocates next can reuse the pages let go
    try:
        return validate_graph(data, shapes, engine, origins)
    finally:
        del data
        release_free_memory()


def _piece_targets(shapes: rdflib.Graph) -> tuple[list[str], list[str]] | None:
    """The ``sh:targetObjectsOf`` predicates and ``sh:targetNode`` IRIs of ``shapes``, or None
    when some target cannot be placed in a piece."""
    if (None, RSH.target, None) in shapes:
        return None
    nodes = list(shapes.objects(None, RSH.targetNode))
    if not all(isinstance(node, rdflib.URIRef) for node in nodes):
        return None
    predicates = sorted({str(p) for p in shapes.objects(None, RSH.targetObjectsOf)})
    return predicates, sorted(str(node) for node in nodes)


def _validate_plan(
    plan: PiecePlan, shapes: rdflib.Graph, engine: str, origins: dict[str, list[Position]]
) -> ValidationReport | None:
    """Each piece validated in turn, its own focus nodes' results gathered into one report
    graph; None if a piece reports on a node no piece owns (the split missed a target)."""
    merged = rdflib.Graph()
    report_node = rdflib.BNode()
    conforms = True
    for piece in plan.pieces():
        data = NTriplesData.from_ntriples(piece.ntriples)
        release_free_memory()
        iris = sorted(piece.focus) if piece.iris_only and _few_focus_nodes(piece) else None
        try:
            graph = run_engine(data, shapes, engine, iris)
        finally:
            del data
        for result in list(graph.subjects(RDF_TYPE, RSH.ValidationResult)):
            key = str(graph.value(result, RSH.focusNode))
            if key in piece.focus:
                merged += graph.cbd(result)
                merged.add((report_node, RSH.result, result))
                conforms = conforms and graph.value(result, RSH.resultSeverity) != RSH.Violation
            elif not plan.known(key):
                return None
        del graph
        release_free_memory()
    merged.add((report_node, RDF_TYPE, RSH.ValidationReport))
    merged.add((report_node, RSH.conforms, rdflib.Literal(conforms)))
    return ValidationReport.of(read_results(merged, origins), engine, merged)


def _few_focus_nodes(piece: Piece) -> bool:
    """Whether the engine should validate only the piece's own focus nodes (the engines'
    ``focus_nodes``; they take no literal) rather than every target in its region, keeping
    the piece's results either way: the same results, but not the same cost. A piece of items
    reads far more nodes than it owns (its items' statements, references, values), and the
    focus mode spares the engine those; a piece of statements or references owns most of what
    it reads, and there the engine's focus mode is the slower (bench/RESULTS.md, "Validation in
    pieces": 11.5 s against 4.9 s on a 40k-statement piece at 1M)."""
    subjects = len({line[: line.find(b" ")] for line in piece.ntriples.splitlines()})
    return len(piece.focus) * 2 <= subjects


def release_free_memory() -> None:
    """Return freed heap pages to the operating system (glibc's ``malloc_trim``; elsewhere a
    no-op). Python and the Rust engines free memory without giving it back, so after a big
    temporary structure the process would otherwise keep its peak size for the next stage."""
    library = ctypes.util.find_library("c")
    if library is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(library).malloc_trim(0)


def origins_of(
    focus: str, value: str | None, origins: dict[str, list[Position]], path: str | None = None
) -> tuple[Position, ...]:
    """Where a node came from: the claims behind the truthy triple ``focus path value`` when
    there is one, the node itself, the node its fragment hangs off (a reference's ``#quote``
    selector), or else the node the result's value names (a statement)."""
    truthy = truthy_origin(focus, path, value) if path and value else None
    for candidate in (truthy, focus, focus.split("#", 1)[0], value):
        if candidate and candidate in origins:
            return tuple(origins[candidate])
    return ()


def read_results(report: rdflib.Graph, origins: dict[str, list[Position]]) -> list[ValidationResult]:
    """The results of a SHACL report graph, sorted by input position."""
    rows = []
    for node in report.subjects(RDF_TYPE, RSH.ValidationResult):
        fields = {}
        for predicate, value in report.predicate_objects(node):
            fields[str(predicate)] = None if isinstance(value, rdflib.BNode) else str(value)
        rows.append(fields)
    return _results(rows, origins)


def read_result_triples(
    triples: Iterable[ox.Triple], origins: dict[str, list[Position]]
) -> list[ValidationResult]:
    """The results of a SHACL report given as triples (Jena's, parsed by pyoxigraph), as
    ``read_results`` reads them from a graph."""
    fields: dict[ox.NamedNode | ox.BlankNode | ox.Triple, dict[str, str | None]] = defaultdict(dict)
    nodes = []
    result_class = ox.NamedNode(_SH + "ValidationResult")
    for triple in triples:
        value = triple.object
        text = value.value if isinstance(value, ox.NamedNode | ox.Literal) else None  # a blank node: None
        fields[triple.subject][triple.predicate.value] = text
        if triple.predicate == RDF.type and value == result_class:
            nodes.append(triple.subject)
    return _results([fields[node] for node in nodes], origins)


_SEVERITIES = {str(iri): name for iri, name in SEVERITY_NAMES.items()}


def _results(
    rows: Iterable[dict[str, str | None]], origins: dict[str, list[Position]]
) -> list[ValidationResult]:
    """Results from each result's fields (predicate IRI to value; None for a blank node),
    sorted by input position."""
    results = []
    for fields in rows:
        focus = fields.get(_SH + "focusNode") or ""
        value = fields.get(_SH + "value")
        path = fields.get(_SH + "resultPath")
        severity = fields.get(_SH + "resultSeverity") or ""
        results.append(
            ValidationResult(
                severity=_SEVERITIES.get(severity, severity),
                focus=focus,
                path=path,
                shape=fields.get(_SH + "sourceShape"),
                constraint=fields.get(_SH + "sourceConstraintComponent"),
                message=fields.get(_SH + "resultMessage") or "",
                value=value,
                origins=origins_of(focus, value, origins, path),
            )
        )
    results.sort(key=result_order)
    return results


def result_order(result: ValidationResult) -> tuple[tuple[Position, ...], str, str, str, str, str, str, str]:
    """Results are listed by input position, then by what they say: a total order, so the
    listing is the same whichever engine's report it came from."""
    r = result
    return (
        r.origins[:1],
        r.focus,
        r.shape or "",
        r.path or "",
        r.message,
        r.value or "",
        r.severity,
        r.constraint or "",
    )


# ------------------------------------------------------------------------- rendering


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``prov:wasDerivedFrom`` for a known namespace; shapes by their local name."""
    if iri.startswith(SHAPES_NAMESPACE):
        return iri[len(SHAPES_NAMESPACE) :]
    best = ""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(namespace) > len(prefixes.get(best, "")):
            best = prefix
    if best:
        return f"{best}:{iri[len(prefixes[best]) :]}"
    return iri


def _prefixes(base: str) -> dict[str, str]:
    return {**data_prefixes(base), "sh": "http://www.w3.org/ns/shacl#"}


def describe(result: ValidationResult, base: str) -> str:
    """``statement has no reference (ReferenceShape, prov:wasDerivedFrom)``."""
    prefixes = _prefixes(base)
    shape = compact(result.shape, prefixes) if result.shape else "-"
    path = compact(result.path, prefixes) if result.path else "-"
    return f"{result.message} ({shape}, {path})"


def location(result: ValidationResult, base: str) -> str:
    """``data/claims/x.yaml:42``, or the focus node when no input line is behind it."""
    position = result.position
    if position is None:
        return compact(result.focus, _prefixes(base)) or "(no focus node)"
    return str(Position(position.path, position.line))


def render_text(report: ValidationReport, base: str) -> str:
    """Results grouped by file, one compiler-style line each; the severity is spelt out
    except for violations."""
    groups: dict[str, list[ValidationResult]] = defaultdict(list)
    for result in report.results:
        position = result.position
        groups[position.path if position else ""].append(result)
    blocks = []
    for path in sorted(groups, key=lambda p: (p == "", p)):
        lines = []
        for result in groups[path]:
            label = "" if result.severity == "violation" else f"{result.severity}: "
            lines.append(f"{location(result, base)}: {label}{describe(result, base)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def summary(report: ValidationReport) -> str:
    return f"{report.violations} violations, {report.warnings} warnings, {report.infos} notes"


def render_json(report: ValidationReport, base: str, strict: bool = False) -> str:
    prefixes = _prefixes(base)
    return (
        json.dumps(
            {
                "conforms": not report.failing(strict),
                "engine": report.engine,
                "violations": report.violations,
                "warnings": report.warnings,
                "infos": report.infos,
                "results": [
                    {
                        "file": r.position.path if r.position else None,
                        "line": r.position.line if r.position else None,
                        "column": r.position.column if r.position else None,
                        "severity": r.severity,
                        "message": r.message,
                        "shape": compact(r.shape, prefixes) if r.shape else None,
                        "path": compact(r.path, prefixes) if r.path else None,
                        "focus": r.focus,
                        "value": r.value,
                        "constraint": r.constraint,
                        "origins": [str(o) for o in r.origins],
                    }
                    for r in report.results
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


GITHUB_COMMANDS = {"violation": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ValidationReport, base: str) -> str:
    """GitHub Actions workflow commands: ``::error file=...,line=...::message``, one per result
    (``warning`` and ``notice`` for the lower severities)."""
    lines = []
    prefixes = _prefixes(base)
    for result in report.results:
        properties = []
        position = result.position
        if position is not None:
            properties.append(f"file={_escape_property(position.path)}")
            if position.line:
                properties.append(f"line={position.line}")
            if position.column:
                properties.append(f"col={position.column}")
        shape = compact(result.shape, prefixes) if result.shape else "SHACL"
        properties.append(f"title={_escape_property('agkg ' + shape)}")
        text = describe(result, base)
        if position is None:
            text = f"{compact(result.focus, prefixes)}: {text}"
        lines.append(
            f"::{GITHUB_COMMANDS.get(result.severity, 'error')} {','.join(properties)}::{_escape_data(text)}"
        )
    return "".join(line + "\n" for line in lines)


def render_junit(report: ValidationReport, base: str, strict: bool = False) -> str:
    """JUnit XML: one test suite per input file, one test case per result; violations (and
    warnings under ``strict``) are failures, the rest is reported as output of passing cases.
    A dataset with no results still has one passing case, so CI shows the check ran."""
    failing_severities = {"violation", "warning"} if strict else {"violation"}
    groups: dict[str, list[ValidationResult]] = defaultdict(list)
    for result in report.results:
        groups[result.position.path if result.position else "(dataset)"].append(result)
    root = ET.Element("testsuites", name="agkg validate")
    total = failures = 0
    if not groups:
        suite = ET.SubElement(root, "testsuite", name="agkg validate", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", classname="agkg.validate", name="dataset conforms to the shapes")
        total = 1
    for path in sorted(groups):
        results = groups[path]
        suite_failures = sum(1 for r in results if r.severity in failing_severities)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=path,
            tests=str(len(results)),
            failures=str(suite_failures),
            errors="0",
        )
        for result in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=path,
                name=f"{location(result, base)} {compact(result.shape or '-', _prefixes(base))}",
            )
            text = f"{location(result, base)}: {describe(result, base)}"
            if result.severity in failing_severities:
                failure = ET.SubElement(case, "failure", message=result.message, type=result.severity)
                failure.text = text
            else:
                ET.SubElement(case, "system-out").text = f"{result.severity}: {text}"
        total += len(results)
        failures += suite_failures
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_report(report: ValidationReport, output_format: str, base: str, strict: bool = False) -> str:
    """The report in one of FORMATS."""
    if output_format == "text":
        return render_text(report, base)
    if output_format == "json":
        return render_json(report, base, strict)
    if output_format == "turtle":
        return report.report_turtle
    if output_format == "junit":
        return render_junit(report, base, strict)
    if output_format == "github":
        return render_github(report, base)
    raise ConfigurationError(f"unknown report format {output_format!r}: use one of {', '.join(FORMATS)}")


# ------------------------------------------------------------------------- generated shapes

_TIME_DATATYPES = ("gYear", "gYearMonth", "date", "dateTime")
_QUANTITY_KINDS = ("integer", "positiveInteger", "nonNegativeInteger", "decimal")
_LITERAL_FORMS: dict[str, tuple[str, str]] = {
    "integer": ('sh:datatype xsd:decimal ; sh:pattern "^[+-]?[0-9]+$"', "a whole number"),
    "positiveInteger": (
        'sh:datatype xsd:decimal ; sh:pattern "^[+]?0*[1-9][0-9]*$"',
        "a whole number of at least 1",
    ),
    "nonNegativeInteger": (
        'sh:datatype xsd:decimal ; sh:pattern "^[+]?[0-9]+$"',
        "a whole number of at least 0",
    ),
    "decimal": ("sh:datatype xsd:decimal", "a decimal number"),
    "boolean": ("sh:datatype xsd:boolean", "true or false"),
    "string": ("sh:datatype xsd:string", "plain text"),
    "langString": ("sh:datatype rdf:langString", "language-tagged text"),
    "anyURI": ("sh:datatype xsd:anyURI", "an absolute IRI"),
    "time": ("sh:datatype xsd:dateTime", "a date (its precision is on the value node)"),
}
# the class of the full value node (psv:, pqv:) of each kind that has one
_VALUE_NODES = {
    "time": "wikibase:TimeValue",
    "integer": "wikibase:QuantityValue",
    "positiveInteger": "wikibase:QuantityValue",
    "nonNegativeInteger": "wikibase:QuantityValue",
    "decimal": "wikibase:QuantityValue",
}


def _label(vocabulary: Vocabulary, iri: ox.NamedNode) -> str:
    for triple in vocabulary.triples:
        if triple.subject == iri and triple.predicate == RDFS.label and isinstance(triple.object, ox.Literal):
            return triple.object.value
    return iri.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _curie(iri: ox.NamedNode) -> str:
    for prefix, namespace in (("agkg", AGKG), ("owl", OWL), ("skos", SKOS), ("xsd", XSD), ("rdf", RDF)):
        if iri in namespace:
            return f"{prefix}:{namespace.local_name(iri)}"
    return f"<{iri.value}>"


def _value_form(vocabulary: Vocabulary, spec: PropertySpec) -> tuple[str, str]:
    """The constraint a value of ``spec`` must meet, and how a curator would say it."""
    if spec.kind != "entity":
        return _LITERAL_FORMS[spec.kind]
    if spec.range == OWL.Thing:
        return "sh:nodeKind sh:IRI", "an entity"
    return (
        f"sh:class {_curie(spec.range)} ; sh:nodeKind sh:IRI",
        f"{_a(_label(vocabulary, spec.range))} ({_curie(spec.range)})",
    )


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _shape_name(name: str, suffix: str) -> str:
    return f"agkgsh:{name[0].upper()}{name[1:]}{suffix}"


def render_claim_shapes(vocabulary: Vocabulary) -> str:
    """Turtle for ``shapes/agkg-claims.ttl``: the value form of every claim property (on its
    statement node and on its truthy triple), its full value node, its subject's class (the
    property's domain), and the value form of every qualifier. Regenerate with
    ``python shapes/generate.py``."""
    out = [
        "# GENERATED from the ontology by shapes/generate.py (agkg.build.validation.render_claim_shapes):",
        "# do not edit; change the ontology and regenerate. tests/test_validation.py checks it is current.",
        "#",
        "# For every claim property X: the statement value form (ps:X, exactly one per statement",
        "# reached through p:X), its full value node (psv:X, for times and quantities), the truthy",
        "# value form (wdt:X), the statement link (p:X points at agkg:Statement nodes) and, when the",
        "# ontology gives a domain, the subject's class. For every qualifier Q: its value form on",
        "# statement nodes (pq:Q) and its value node (pqv:Q). Namespaces are those of the default base.",
        "@prefix agkg:     <https://w3id.org/agkg/ontology#> .",
        "@prefix agkgsh:   <https://w3id.org/agkg/shapes#> .",
        "@prefix owl:      <http://www.w3.org/2002/07/owl#> .",
        "@prefix p:        <https://w3id.org/agkg/prop/> .",
        "@prefix pq:       <https://w3id.org/agkg/prop/qualifier/> .",
        "@prefix pqv:      <https://w3id.org/agkg/prop/qualifier/value/> .",
        "@prefix ps:       <https://w3id.org/agkg/prop/statement/> .",
        "@prefix psv:      <https://w3id.org/agkg/prop/statement/value/> .",
        "@prefix rdf:      <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .",
        "@prefix sh:       <http://www.w3.org/ns/shacl#> .",
        "@prefix skos:     <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix wdt:      <https://w3id.org/agkg/prop/direct/> .",
        "@prefix wikibase: <http://wikiba.se/ontology#> .",
        "@prefix xsd:      <http://www.w3.org/2001/XMLSchema#> .",
        "",
    ]

    def literal(text: str) -> str:
        return json.dumps(text, ensure_ascii=False) + "@en"

    for name in sorted(vocabulary.claim_properties):
        spec = vocabulary.claim_properties[name]
        label = _label(vocabulary, spec.iri)
        form, said = _value_form(vocabulary, spec)
        # a quantity may be a range given by its bounds alone (claims.Claim.value): at most one
        # value, and a value or a bound (RangeShape)
        ranged = spec.kind in _QUANTITY_KINDS
        how_many = "at most" if ranged else "exactly"
        out += [
            f"# ---- {name}",
            f"{_shape_name(name, 'ValueShape')} a sh:PropertyShape ;",
            f"    sh:targetObjectsOf p:{name} ;",
            f"    sh:targetSubjectsOf ps:{name} ;",
            f"    sh:path ps:{name} ;",
            *([] if ranged else ["    sh:minCount 1 ;"]),
            "    sh:maxCount 1 ;",
            f"    {form} ;",
            f"    sh:message {literal(f'{_a(label)} statement has {how_many} one value, and it is {said}')} .",
            "",
        ]
        if ranged:
            out += [
                f"{_shape_name(name, 'RangeShape')} a sh:NodeShape ;",
                f"    sh:targetObjectsOf p:{name} ;",
                f"    sh:or ( [ sh:path ps:{name} ; sh:minCount 1 ] [ sh:path pq:minimum ; sh:minCount 1 ]"
                " [ sh:path pq:maximum ; sh:minCount 1 ] ) ;",
                f"    sh:message {literal(f'{_a(label)} statement has a value, a minimum or a maximum')} .",
                "",
            ]
        node_class = _VALUE_NODES.get(spec.kind)
        if node_class is not None:
            out += [
                f"{_shape_name(name, 'FullValueShape')} a sh:PropertyShape ;",
                f"    sh:targetSubjectsOf ps:{name} ;",
                f"    sh:path psv:{name} ;",
                "    sh:minCount 1 ;",
                "    sh:maxCount 1 ;",
                f"    sh:class {node_class} ;",
                f"    sh:message {literal(f'{_a(label)} statement has one full value ({node_class}) beside its simple value')} .",
                "",
            ]
        out += [
            f"{_shape_name(name, 'TruthyShape')} a sh:PropertyShape ;",
            f"    sh:targetSubjectsOf wdt:{name} ;",
            f"    sh:path wdt:{name} ;",
            f"    {form} ;",
            f"    sh:message {literal(f'the value of {_a(label)} claim is {said}')} .",
            "",
            f"{_shape_name(name, 'LinkShape')} a sh:PropertyShape ;",
            f"    sh:targetSubjectsOf p:{name} ;",
            f"    sh:path p:{name} ;",
            "    sh:class agkg:Statement ;",
            f"    sh:message {literal(f'p:{name} points at statement nodes (agkg:Statement)')} .",
            "",
        ]
        domain = vocabulary.domains.get(name)
        if domain is not None:
            domain_label = _label(vocabulary, domain)
            out += [
                f"{_shape_name(name, 'SubjectShape')} a sh:NodeShape ;",
                f"    sh:targetSubjectsOf p:{name}, wdt:{name} ;",
                f"    sh:class {_curie(domain)} ;",
                f"    sh:message {literal(f'only {_a(domain_label)} ({_curie(domain)}) can be the subject of {_a(label)} claim')} .",
                "",
            ]
    # The qualifier shapes are the properties of one node shape that targets the statements:
    # the same focus nodes and results as a sh:targetClass on each, but the engine finds the
    # statements once instead of once per qualifier (at 1M triples, 20 passes over 28k
    # statements were most of the generated shapes' cost).
    qualifier_shapes = [_shape_name(name, "QualifierShape") for name in sorted(vocabulary.qualifiers)]
    if qualifier_shapes:
        out += [
            "# ---- qualifiers",
            "agkgsh:StatementQualifiers a sh:NodeShape ;",
            "    sh:targetClass agkg:Statement ;",
            f"    sh:property {', '.join(qualifier_shapes)} .",
            "",
        ]
    for name in sorted(vocabulary.qualifiers):
        spec = vocabulary.qualifiers[name]
        label = _label(vocabulary, spec.iri)
        form, said = _value_form(vocabulary, spec)
        out += [
            f"# ---- qualifier {name}",
            f"{_shape_name(name, 'QualifierShape')} a sh:PropertyShape ;",
            f"    sh:path pq:{name} ;",
            f"    {form} ;",
            f"    sh:message {literal(f'the {label} qualifier takes {said}')} .",
            "",
        ]
        node_class = _VALUE_NODES.get(spec.kind)
        if node_class is not None:
            out += [
                f"{_shape_name(name, 'QualifierValueShape')} a sh:PropertyShape ;",
                f"    sh:targetSubjectsOf pq:{name} ;",
                f"    sh:path pqv:{name} ;",
                "    sh:minCount 1 ;",
                f"    sh:class {node_class} ;",
                f"    sh:message {literal(f'a {label} qualifier has its full value ({node_class}) beside its simple value')} .",
                "",
            ]
    return "\n".join(out)


__all__ = [
    "ENGINES",
    "FORMATS",
    "ValidationReport",
    "ValidationResult",
    "check_shapes",
    "load_shapes",
    "render_claim_shapes",
    "render_report",
    "validate_dataset",
    "validate_graph",
    "validate_in_pieces",
]
