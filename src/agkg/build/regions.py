"""The part of a graph the shapes read for some focus nodes: what lets validation run on pieces.

A SHACL result about a focus node depends only on the triples its shapes read from that node,
so a subgraph holding those triples gives that node exactly the results the whole graph gives
it. agkg's shapes (shapes/*.ttl) read, from a focus node:

- its own description (every triple with it as subject: counts such as ``sh:maxCount`` need
  all of them, from the union of the named graphs);
- the subject that links to it through a claim predicate (``?subject p:X $this``: the best-rank
  and allegation rules compare a statement with its siblings), and that subject's description;
- descriptions two links out from these (a statement's references and the references' sources,
  a subject's statements and their value nodes), and the types of the nodes one link further
  (``sh:class`` on a value);
- the schema: ``rdfs:subClassOf`` (for ``sh:class`` and class targets) and the property
  entities whose links (``wikibase:claim``, ``wikibase:directClaim`` …) the SPARQL rules follow
  from one predicate of a family to another.

The incremental build (``validation_region``) and the validation of a full build in pieces
(``plan_pieces``) use this rule; the pieces take it a little tighter, as the shapes read it:
the owning subject counts as one link out, and an item reached through a link (a statement's
value) gives its types only. A shape that reads further must extend both: the tests compare
pieces and regions with whole validations (tests/test_validation_pieces.py,
tests/test_incremental.py).

Both work on sorted N-Triples or N-Quads text, where a node's description is one run of lines
found by its subject, rather than on a million parsed term objects.
"""

from __future__ import annotations

import bisect
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from agkg.build.graph import BuiltDataset, properties_graph_quads
from agkg.build.splicing import Spliced
from agkg.vocab import AGKG, OWL, RDF, RDFS, WIKIBASE

# ------------------------------------------------------------------------- the schema

_SCHEMA_PREDICATES = (RDFS.subClassOf, AGKG.statementProperty, AGKG.statementValueProperty)


def schema_triples(ontology: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The part of the ontology the shapes need: class declarations, ``rdfs:subClassOf``, the
    links from each claim property to its statement predicates, and the types of the ontology's
    named individuals (values such as ``agkg:allegedly``, for ``sh:class``). Labels,
    definitions and alignments would only slow every engine down."""
    triples = list(ontology)
    individuals = {t.subject for t in triples if t.predicate == RDF.type and t.object == OWL.NamedIndividual}
    return sorted(
        (
            t
            for t in triples
            if t.predicate in _SCHEMA_PREDICATES
            or (t.predicate == RDF.type and (t.object == OWL.Class or t.subject in individuals))
        ),
        key=str,
    )


# Whose description every piece holds: the subjects of these predicates are classes and
# property entities, which the shapes reach through a predicate or a class name, never a link.
GLOBAL_PREDICATES = (
    RDFS.subClassOf,
    AGKG.statementProperty,
    AGKG.statementValueProperty,
    WIKIBASE.claim,
    WIKIBASE.directClaim,
    WIKIBASE.statementProperty,
    WIKIBASE.statementValue,
    WIKIBASE.qualifier,
    WIKIBASE.qualifierValue,
    WIKIBASE.reference,
    WIKIBASE.referenceValue,
    WIKIBASE.novalue,
)


# ------------------------------------------------------------------------- sorted N-Quads


def description_lines(lines: Sequence[bytes] | Spliced, subject: bytes) -> list[bytes]:
    """The sorted N-Quads lines whose subject is ``subject`` (N-Triples form): one run."""
    head = subject + b" "
    if isinstance(lines, Spliced):  # an incremental build's N-Quads, never made whole
        return lines.lines_starting(head)
    index = bisect.bisect_left(lines, head)
    run = []
    while index < len(lines) and lines[index].startswith(head):
        run.append(lines[index])
        index += 1
    return run


def validation_region(
    dirty: set[str], built: BuiltDataset, lines: Sequence[bytes] | Spliced
) -> list[ox.Triple]:
    """The triples the shapes read when validating the ``dirty`` nodes: the descriptions of
    those nodes, of the subjects of dirty statements, and of everything two links out from
    them (a statement's references and their sources; a subject's statements and their
    values), the types of every node these name, and the ontology's schema triples.

    ``lines`` are the dataset's N-Quads lines, sorted, so a node's description is one run.
    """
    statement_prefix = built.iris.statement("").value
    statements = built.provenance.statements
    start = set(dirty)
    for node in dirty:
        if node.startswith(statement_prefix):
            record = statements.get(node[len(statement_prefix) :])
            if record is not None:
                start.add(built.iris.entity(record.subject).value)

    def description(node: str) -> list[bytes]:
        return description_lines(lines, f"<{node}>".encode())

    def parsed(run: list[bytes]) -> list[ox.Quad]:
        return list(ox.parse(b"".join(run), format=ox.RdfFormat.N_QUADS))

    described: dict[str, list[ox.Quad]] = {}
    frontier = start
    for _ in range(3):  # the start nodes, then two links out
        following: set[str] = set()
        for node in frontier:
            if node in described:
                continue
            quads = described[node] = parsed(description(node))
            following.update(q.object.value for q in quads if isinstance(q.object, ox.NamedNode))
        frontier = following - described.keys()
    triples = {ox.Triple(q.subject, q.predicate, q.object) for quads in described.values() for q in quads}
    for node in frontier:  # the last ring: types only
        for quad in parsed(description(node)):
            if quad.predicate == RDF.type:
                triples.add(ox.Triple(quad.subject, quad.predicate, quad.object))
    triples.update(schema_triples(built.vocabulary.triples))
    # the property entities, whose links the SPARQL rules follow from one predicate to another
    triples.update(
        ox.Triple(q.subject, q.predicate, q.object)
        for q in properties_graph_quads(built.iris, built.vocabulary)
    )
    return sorted(triples, key=str)


# ------------------------------------------------------------------------- pieces

# an IRI object at the end of an N-Triples line, and a line stating a type
_IRI_OBJECT = re.compile(rb"^[^ ]+ [^ ]+ (<[^>]*>) \.$", re.MULTILINE)
_TYPE_LINE = re.compile(rb"^[^ ]+ " + re.escape(f"<{RDF.type.value}>".encode()) + rb" [^\n]*\n", re.MULTILINE)
_TYPES_ONLY = 3  # the ring whose nodes give their types only


@dataclass(frozen=True)
class Piece:
    """One piece of a validation: the focus nodes it answers for (IRIs and literal values, as
    the report names them) and the N-Triples their shapes read."""

    focus: frozenset[str]
    ntriples: bytes
    iris_only: bool = True  # every focus node an IRI

    @property
    def triples(self) -> int:
        return self.ntriples.count(b"\n")


@dataclass
class PiecePlan:
    """What cutting a graph into pieces needs: ``keys`` (sorted) name every node a shape can
    target, each with its N-Triples ``terms``; ``runs`` locate each subject's description in
    ``text``; ``owners`` are the subjects linking to a node through a claim predicate, and
    ``items`` all such subjects. ``pieces()`` makes the pieces one at a time."""

    text: bytes
    piece_triples: int
    keys: list[str]
    terms: dict[str, list[bytes]]
    runs: dict[bytes, tuple[int, int]]
    owners: dict[bytes, list[bytes]]
    items: frozenset[bytes]
    global_text: bytes
    global_subjects: frozenset[bytes]

    def known(self, key: str) -> bool:
        """Whether ``key`` is a node some piece answers for."""
        index = bisect.bisect_left(self.keys, key)
        return index < len(self.keys) and self.keys[index] == key

    def pieces(self) -> Iterator[Piece]:
        """The focus nodes in sorted order, cut as soon as the triples their shapes read
        (the region) reach ``piece_triples``: the engine's input is bounded, whatever mix of
        small nodes (selectors) and nodes with many neighbours (items) a piece holds."""
        depth: dict[bytes, int] = {}
        parts: list[bytes] = []
        focus: list[str] = []
        triples = 0
        iris_only = True
        for key in self.keys:
            for term in self.terms[key]:
                triples += self._close(term, depth, parts)
                iris_only = iris_only and term.startswith(b"<")
            focus.append(key)
            if triples >= self.piece_triples:
                yield Piece(frozenset(focus), self.global_text + b"".join(parts), iris_only)
                depth, parts, focus, triples, iris_only = {}, [], [], 0, True
        if focus:
            yield Piece(frozenset(focus), self.global_text + b"".join(parts), iris_only)

    def description(self, node: bytes) -> bytes:
        span = self.runs.get(node)
        return self.text[span[0] : span[1]] if span is not None else b""

    def _close(self, node: bytes, depth: dict[bytes, int], parts: list[bytes]) -> int:
        """Add to ``parts`` what the shapes read for ``node`` and ``depth`` (each node's ring
        in this piece so far) does not hold yet; the number of triples added.

        Ring 0 is the node, ring 1 what it links to and the subjects that own it (an owner
        through a claim predicate: the best-rank rules compare a statement with its siblings),
        ring 2 what those link to: their descriptions; ring 3 (and any item reached by a link:
        a statement's value, a source's author, whose statements no shape of the linker reads)
        gives its types only. A node reached again on a nearer ring is expanded again."""
        added = 0
        owners = self.owners.get(node, ())
        current: set[bytes] = {node}
        typed: set[bytes] = set()
        for ring in range(_TYPES_ONLY):
            if ring == 1:
                current.update(owners)
            following: set[bytes] = set()
            for each in current:
                if ring and each in self.items and each not in owners:
                    typed.add(each)
                    continue
                known = depth.get(each, _TYPES_ONLY + 1)
                if known <= ring:
                    continue
                run = self.description(each)
                if known >= _TYPES_ONLY and each not in self.global_subjects:
                    parts.append(run)  # a node given by its types is now described in full
                    added += run.count(b"\n")
                depth[each] = ring
                following.update(_IRI_OBJECT.findall(run))
            current = following
        for each in current | typed:
            if each not in depth and each not in self.global_subjects:
                lines = _TYPE_LINE.findall(self.description(each))
                parts.extend(lines)
                added += len(lines)
                depth[each] = _TYPES_ONLY
        return added


def plan_pieces(
    ntriples: bytes,
    piece_triples: int,
    reverse_predicates: Iterable[str] = (),
    target_nodes: Iterable[str] = (),
) -> PiecePlan | None:
    """How to validate ``ntriples`` in pieces of about ``piece_triples`` triples (their
    regions); None when the graph is at most one piece (or has blank nodes, whose labels a
    piece's parse would not keep apart), to be validated whole.

    The nodes a shape can target are the subjects (class and subject-of targets), the objects
    of ``reverse_predicates`` (``sh:targetObjectsOf``; the claim predicates, the objects of
    ``wikibase:claim``, are added: the shapes read them backwards) and ``target_nodes``
    (``sh:targetNode`` IRIs). Each such node belongs to one piece. The text is indexed in one
    pass over its lines; a subject whose lines are not together has the lines sorted first.
    """
    if ntriples.count(b"\n") <= piece_triples:
        return None
    claim = re.escape(f"<{WIKIBASE.claim.value}>".encode())
    reverse = {f"<{iri}>".encode() for iri in reverse_predicates}
    reverse.update(re.findall(rb"(?m)^[^ ]+ " + claim + rb" (<[^>]*>) \.$", ntriples))
    global_predicates = {f"<{p.value}>".encode() for p in GLOBAL_PREDICATES}
    runs: dict[bytes, tuple[int, int]] = {}
    owners: dict[bytes, list[bytes]] = defaultdict(list)
    global_subjects: set[bytes] = set()
    position = 0
    previous = b""
    run_start = 0
    for line in io.BytesIO(ntriples):
        subject, predicate, rest = line.split(b" ", 2)
        if subject != previous:
            if previous:
                runs[previous] = (run_start, position)
            if subject in runs:  # not sorted: sort the lines once and start again
                lines = sorted(set(ntriples.splitlines(keepends=True)))
                return plan_pieces(b"".join(lines), piece_triples, reverse_predicates, target_nodes)
            if subject.startswith(b"_:"):
                return None
            previous, run_start = subject, position
        if rest.startswith(b"_:"):
            return None
        if predicate in reverse:
            owners[rest[:-3]].append(subject)
        if predicate in global_predicates:
            global_subjects.add(subject)
        position += len(line)
    if previous:
        runs[previous] = (run_start, position)
    terms: dict[str, list[bytes]] = defaultdict(list)
    for node in {*runs, *owners, *(f"<{iri}>".encode() for iri in target_nodes)}:
        terms[node_key(node)].append(node)
    for node_terms in terms.values():
        node_terms.sort()
    return PiecePlan(
        text=ntriples,
        piece_triples=piece_triples,
        keys=sorted(terms),
        terms=dict(terms),
        runs=runs,
        owners=dict(owners),
        items=frozenset(subject for subjects in owners.values() for subject in subjects),
        global_text=b"".join(ntriples[runs[s][0] : runs[s][1]] for s in sorted(global_subjects)),
        global_subjects=frozenset(global_subjects),
    )


def node_key(term: bytes) -> str:
    """How a SHACL report names the node ``term`` (N-Triples): an IRI, or a literal's value."""
    if term.startswith(b"<") and b"\\" not in term:
        return term[1:-1].decode("utf-8")
    parsed = next(iter(ox.parse(b"<x:s> <x:p> " + term + b" .\n", format=ox.RdfFormat.N_TRIPLES)))
    return str(parsed.object.value)


__all__ = [
    "GLOBAL_PREDICATES",
    "Piece",
    "PiecePlan",
    "description_lines",
    "plan_pieces",
    "schema_triples",
    "validation_region",
]
