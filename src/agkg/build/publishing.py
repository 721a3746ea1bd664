"""Writing the dumps: byte-identical for the same data, and never half-written.

Every file is produced from sorted triples, so output does not depend on hash seeds or insertion
order. A publication is replaced as a whole, never file by file (see ``write_dumps``): a reader,
a web server or ``agkg push`` sees the previous ``dist/`` or the new one, never a mix, whatever
happens to the publisher (SIGINT, SIGKILL, a full disk).
pyoxigraph's serializers do the Turtle, TriG and N-Quads syntax (fast, and they escape
everything correctly); JSON-LD is written here because we want the compact form with a local
context that no consumer has to fetch.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import heapq
import io
import json
import operator
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import compress, groupby, islice, repeat
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, BinaryIO

import pyoxigraph as ox

from agkg.build.chunking import file_chunks, text_chunks
from agkg.build.graph import BuiltDataset, Iris
from agkg.build.locking import publisher_lock
from agkg.build.querystore import QUERY_STORE as QUERY_STORE  # re-exported: callers import it from here
from agkg.config import DEFAULTS, Config
from agkg.errors import ConfigurationError
from agkg.vocab import (
    AGKG,
    CC_BY_4,
    DCAT,
    DCTERMS,
    FOAF,
    MEDIA_TYPES,
    OWL,
    RDF,
    SCHEMA,
    SPARQL_PROTOCOL,
    VOID,
    WD,
    WIKIDATA_HOME,
    XSD,
    data_prefixes,
)

DUMP_FILES = (
    "dataset.ttl",
    "dataset.trig",
    "dataset.nt",
    "dataset.nq",
    "dataset.jsonld",
    "ontology.ttl",
    "shapes.ttl",
    "void.ttl",
)
# media type of each published file, by extension
DUMP_TYPES: dict[str, str] = {
    ".ttl": "text/turtle",
    ".trig": "application/trig",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
}


@dataclass
class PublishedFile:
    name: str
    path: Path
    size: int


def atomic_write(path: Path, content: bytes, durable: bool = True) -> None:
    """Write ``content`` to ``path`` so that readers see either the old or the new file.

    ``durable`` syncs the file to disk before it is renamed into place; a cache whose entries
    are checked when read (``incremental.py``) can skip that, thousands of times at 1M."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Triples in a stable order; blank nodes (the ontology and shapes have some, the data
    none) are first renamed by RDF Dataset Canonicalization so their labels are stable too."""
    unique = set(triples)
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in unique):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in unique)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        unique = {ox.Triple(q.subject, q.predicate, q.object) for q in dataset}
    return sorted(unique, key=str)


def turtle(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    return _bytes(ox.serialize(sorted_triples(triples), format=ox.RdfFormat.TURTLE, prefixes=prefixes))


def _bytes(output: bytes | None) -> bytes:
    """pyoxigraph.serialize returns bytes when given no output file."""
    assert output is not None
    return output


def canonical_ntriples(triples: Iterable[ox.Triple]) -> bytes:
    lines = sorted({f"{t} .\n" for t in triples})
    return "".join(lines).encode("utf-8")


def canonical_nquads(quads: Iterable[ox.Quad]) -> bytes:
    lines = sorted({f"{q} .\n" for q in quads})
    return "".join(lines).encode("utf-8")


def trig(quads: Iterable[ox.Quad], prefixes: dict[str, str]) -> bytes:
    # (graph, "s p o g") orders like (graph, s, p, o): IRIs end in '>' and a term that is a
    # prefix of another is followed by a space, which sorts before anything that can extend it
    ordered = sorted(set(quads), key=lambda q: (str(q.graph_name), str(q)))
    return _bytes(ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=prefixes))


def compact_jsonld(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """JSON-LD in compact form with an inline context of the dataset's prefixes.

    Nodes are sorted by @id and values by their N-Triples form, so the output is stable.
    """
    # Written from canonical N-Triples lines rather than from terms: pyoxigraph writes them at
    # native speed; sorted lines hold each node's and each property's values in runs, values in
    # the order of their N-Triples form (a term is never followed by a space inside another
    # term, so "s p o ." sorts like (s, p, o)); and a literal's quoted N-Triples form is its
    # JSON string unless it holds a \u escape (tests/test_publishing_speed_equivalence.py
    # checks every code point). Bytes throughout: UTF-8 in, UTF-8 out.
    return compact_jsonld_from_ntriples(
        _bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)), prefixes
    )


def compact_jsonld_from_ntriples(ntriples: bytes, prefixes: dict[str, str]) -> bytes:
    """``compact_jsonld`` of the triples that ``ntriples`` (N-Triples text) holds."""
    lines = ntriples.split(b"\n")
    lines.pop()  # after the last newline
    if any(map(operator.ge, lines, islice(lines, 1, None))):
        ntriples = b"".join(line + b"\n" for line in sorted(set(lines)))
    del lines
    out = io.BytesIO()
    write_compact_jsonld(lambda: text_chunks(ntriples), prefixes, out)
    return out.getvalue()


def write_compact_jsonld(
    chunks: Callable[[], Iterable[bytes]], prefixes: dict[str, str], out: BinaryIO
) -> UnionCounts:
    """Write ``compact_jsonld`` of sorted unique N-Triples lines to ``out``, and count what VoID
    counts of them (``union_counts``), in one pass over the text.

    ``chunks()`` gives the text in pieces ending at line ends (it is called again only for
    data the fast writer leaves to the general one). Nothing is held for the whole text: each
    node's JSON is made once its subject's run of lines ends, and nodes are sorted by @id in
    bounded runs spilled to temporary files and merged (the lines' order is the order of
    ``<iri>``, not of the IRI: ``<a/b>`` sorts before ``<a>``); the distinct subjects and
    objects are counted the same way (bench/RESULTS.md, memory).
    """
    counter = _UnionCounter()
    nodes = _SortedRuns(unique=False)
    start = out.tell()
    try:
        writer = _JsonldWriter(prefixes)
        for chunk in chunks():
            lines = chunk.split(b"\n")
            lines.pop()  # after the last newline
            counter.add(lines)
            nodes.add(writer.add(lines))
        nodes.add(writer.finish())
        out.write(_jsonld_head(prefixes))
        separator = b""
        for node in nodes.merged():
            out.write(separator)
            out.write(node[node.index(b"\t") + 1 :])
            separator = b",\n"
        out.write(b"\n]}\n")
        return counter.counts()
    except _UnusualTriple:
        pass
    finally:
        nodes.close()
        counter.close()
    out.seek(start)
    out.truncate()
    counter = _UnionCounter()
    text = io.BytesIO()
    for chunk in chunks():
        lines = chunk.split(b"\n")
        lines.pop()
        counter.add(lines)
        text.write(chunk)
    parsed = ox.parse(text.getvalue(), format=ox.RdfFormat.N_TRIPLES)
    del text
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in parsed)
    general = [node.encode() for node in _jsonld_nodes_by_term(triples, _compactor(prefixes))]
    out.write(b"".join((_jsonld_head(prefixes), b",\n".join(general), b"\n]}\n")))
    return counter.counts()


def _jsonld_head(prefixes: dict[str, str]) -> bytes:
    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, indent=1)
    return f'{{"@context": {context},\n"@graph": [\n'.encode()


class _SortedRuns:
    """Byte strings (no line breaks) given in batches and read back sorted, holding about
    ``_RUN_BYTES`` at a time: past that, what is held is sorted into a temporary file (a run),
    and the runs are merged when read. ``unique`` keeps each string once per run."""

    def __init__(self, unique: bool) -> None:
        self.unique = unique
        self.held: list[bytes] = []
        self.held_bytes = 0
        self.runs: list[IO[bytes]] = []

    def add(self, values: list[bytes]) -> None:
        self.held.extend(values)
        self.held_bytes += sum(map(len, values)) + _OBJECT_BYTES * len(values)
        if self.held_bytes >= _RUN_BYTES:
            self._spill()

    def _sorted(self) -> list[bytes]:
        return sorted(set(self.held)) if self.unique else sorted(self.held)

    def _spill(self) -> None:
        run = tempfile.TemporaryFile(prefix="agkg-run-")  # noqa: SIM115 (closed once merged)
        run.write(b"\n".join(self._sorted()))
        run.write(b"\n")
        run.seek(0)
        self.runs.append(run)
        self.held, self.held_bytes = [], 0

    def merged(self) -> Iterator[bytes]:
        """The strings in order (each run's once, if ``unique``); the runs are closed after."""
        if not self.runs:
            yield from self._sorted()
            return
        if self.held:
            self._spill()
        try:
            for line in heapq.merge(*self.runs):
                yield line[:-1]
        finally:
            self.close()

    def close(self) -> None:
        """Delete the temporary files (the strings not yet read are lost)."""
        for run in self.runs:
            run.close()
        self.runs = []

    def distinct(self) -> int:
        """How many different strings were given (``unique`` runs)."""
        if not self.runs:
            return len(set(self.held))
        return sum(1 for _ in groupby(self.merged()))


_RUN_BYTES = 16 << 20  # of strings held before they are sorted into a run
_OBJECT_BYTES = 41  # what a bytes object costs besides its bytes (and its place in the list)


class _UnionCounter:
    """``union_counts`` of N-Triples lines given in batches (see ``write_compact_jsonld``)."""

    def __init__(self) -> None:
        self.triples = 0
        self.subjects = _SortedRuns(unique=True)
        self.objects = _SortedRuns(unique=True)
        self.properties: set[bytes] = set()
        self.typed: Counter[bytes] = Counter()

    def add(self, lines: list[bytes]) -> None:
        """Count a batch of lines (each without its line break)."""
        self.triples += len(lines)
        subjects: list[bytes] = []
        objects: list[bytes] = []
        for first in range(0, len(lines), _SLICE):
            terms = map(bytes.split, lines[first : first + _SLICE], repeat(b" "), repeat(2))
            s, p, o = zip(*terms, strict=True)
            subjects.extend(s)
            objects.extend(o)
            self.properties.update(p)
            self.typed.update(compress(o, map(_RDF_TYPE_FORM.__eq__, p)))
        self.subjects.add(subjects)
        self.objects.add(objects)

    def close(self) -> None:
        self.subjects.close()
        self.objects.close()

    def counts(self) -> UnionCounts:
        typed = self.typed
        classes = {o[1:-3].decode(): n for o, n in typed.items() if o[0] == _LESS_THAN and o[1] != _LESS_THAN}
        return UnionCounts(
            self.triples, self.subjects.distinct(), len(self.properties), self.objects.distinct(), classes
        )


class _UnusualTriple(Exception):
    """A triple the fast JSON-LD writer leaves to the general one: a blank node, a triple term,
    a directional language tag, or two predicates with one compact name."""


def _compactor(prefixes: dict[str, str]) -> Callable[[str], str]:
    """The memoized ``prefix:local`` form of an IRI: under the longest namespace leaving a
    local name that is not empty, has no ":" and does not start with "//"; else the IRI."""
    ordered = sorted(prefixes.items(), key=lambda item: -len(item[1]))
    # alternatives are tried in order, so the first that matches is the longest that fits
    pattern = re.compile("|".join(f"({re.escape(namespace)})(?!//)[^:]+\\Z" for _, namespace in ordered))
    names = [""] + [f"{name}:" for name, _ in ordered]  # by group number
    compacted: dict[str, str] = {}

    def compact(iri: str) -> str:
        known = compacted.get(iri)
        if known is None:
            known = iri
            match = pattern.match(iri)
            if match is not None and match.lastindex is not None:
                known = names[match.lastindex] + iri[match.end(match.lastindex) :]
            compacted[iri] = known
        return known

    return compact


class _Memo(dict[bytes, bytes]):
    """A dict that computes a missing value once (lookups of known keys stay in C)."""

    def __init__(self, compute: Callable[[bytes], bytes]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: bytes) -> bytes:
        value = self[key] = self.compute(key)
        return value


class _CompactIris(dict[bytes, bytes]):
    """The JSON string of the compact form of each object IRI, keyed by b"<iri> ." as in
    the N-Triples line; computed once. No IRI needs escaping in JSON: pyoxigraph refuses
    IRIs with quotes, backslashes or control characters.

    Most of the work is done once per stem (the IRI up to its last "/"): the namespaces an
    IRI is in are those its stem is in, and whether their local names are empty, start with
    "//" or hold a ":" depends only on the stem and on the same about the rest; unless a
    namespace not ending in "/" has this stem too, when the whole IRI is the stem.
    """

    def __init__(self, compact: Callable[[str], str], namespaces: Iterable[str]) -> None:
        super().__init__()
        self.compact = compact
        self.unsafe = {ns[: ns.rfind("/") + 1].encode() for ns in namespaces if not ns.endswith("/")}
        self.heads: dict[tuple[bytes, bool, bool], bytes] = {}

    def __missing__(self, key: bytes) -> bytes:
        if key[1] == _LESS_THAN:  # a triple term
            raise _UnusualTriple(key)
        end = len(key) - 3
        cut = key.rfind(b"/", 1, end) + 1 or 1
        if key[1:cut] in self.unsafe:
            cut = end
        local = key[cut:end]
        stem = (key[1:cut], b":" in local, not local)
        head = self.heads.get(stem)
        if head is None:
            compacted = self.compact(key[1:end].decode()).encode()
            head = self.heads[stem] = b'"' + compacted[: len(compacted) - len(local)]
        value = self[key] = head + local + b'"'
        return value


_RDF_TYPE_FORM = f"<{RDF.type.value}>".encode()
_TYPE_KEY = b'"@type":'
_QUOTE, _LESS_THAN = ord('"'), ord("<")


class _JsonldWriter:
    """The JSON objects of the nodes of sorted unique N-Triples lines given in batches, one per
    subject, each as ``iri\\tjson`` (see ``write_compact_jsonld``)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.compact = _compactor(prefixes)
        self.names: set[str] = set()
        # keyed by the terms as the lines have them, so that known ones cost no slicing
        encoded = self.encoded = _CompactIris(self.compact, prefixes.values())  # by b"<iri> ."
        self.references = _Memo(lambda o: b'{"@id":' + encoded[o] + b"}")
        self.typed = _Memo(
            lambda suffix: b'{"@type":' + encoded[suffix[2:] + b" ."] + b',"@value":'
        )  # b"^^<iri>"
        self.keys = _Memo(self.key)
        self.properties: list[bytes] = []  # '"key":value' of the current node
        self.subject = self.predicate = self.value = b""
        self.more_values: list[bytes] | None = None  # of the current run, when it has more than one
        self.last = b""  # the last line seen

    def key(self, predicate: bytes) -> bytes:
        """'"name":' for a predicate's values; the keys of a node are sorted as bytes (which
        is their order as names, "@type" first, when no name has a "!")."""
        if predicate == _TYPE_KEY:
            return predicate
        if predicate[0] != _LESS_THAN:
            raise _UnusualTriple(predicate)
        name = self.compact(predicate[1:-1].decode())
        text = encode_basestring(name).encode() + b":"
        if name in self.names or "!" in name or text <= _TYPE_KEY or len(text) != len(name.encode()) + 3:
            raise _UnusualTriple(predicate)
        self.names.add(name)
        return text

    def add(self, lines: list[bytes]) -> list[bytes]:
        """Take the next lines; returns the nodes whose lines have all been seen."""
        if not lines:
            return []
        if lines[0] <= self.last or any(map(operator.ge, lines, islice(lines, 1, None))):
            raise _UnusualTriple(b"lines out of order")  # not from a file this module wrote
        self.last = lines[-1]
        encoded, references, typed, keys = self.encoded, self.references, self.typed, self.keys
        nodes: list[bytes] = []
        properties = self.properties
        subject, predicate, value, more_values = self.subject, self.predicate, self.value, self.more_values

        for line in lines:
            s, p, o = line.split(b" ", 2)
            start = o[0]
            if start == _LESS_THAN:
                if p == _RDF_TYPE_FORM:
                    p = _TYPE_KEY
                    current = encoded[o]
                else:
                    current = references[o]
            elif start == _QUOTE:
                close = o.rfind(b'"')
                string = o[: close + 1]
                if b"\\" in string and (b"\\u" in string or b"\\U" in string):
                    string = _literal_json(line)
                suffix = o[close + 1 : -2]
                if not suffix:
                    current = string
                elif suffix[0] == 64:  # @language
                    if b"--" in suffix:
                        raise _UnusualTriple(o)
                    current = b'{"@language":"' + suffix[1:] + b'","@value":' + string + b"}"
                else:  # ^^<datatype>
                    current = typed[suffix] + string + b"}"
            else:
                raise _UnusualTriple(o)

            if s != subject:
                if subject:
                    if more_values is None:
                        properties.append(keys[predicate] + value)
                    else:
                        properties.append(keys[predicate] + b"[" + b",".join(more_values) + b"]")
                        more_values = None
                    nodes.append(_jsonld_node(subject, properties, encoded))
                if s[0] != _LESS_THAN:
                    raise _UnusualTriple(s)
                subject = s
            elif p == predicate:
                if more_values is None:
                    more_values = [value, current]
                else:
                    more_values.append(current)
                continue
            elif more_values is None:
                properties.append(keys[predicate] + value)
            else:
                properties.append(keys[predicate] + b"[" + b",".join(more_values) + b"]")
                more_values = None
            predicate = p
            value = current
        self.subject, self.predicate, self.value, self.more_values = subject, predicate, value, more_values
        if len(encoded) + len(references) > _MEMO_LIMIT:  # one entry per object IRI otherwise
            encoded.clear()
            references.clear()
        return nodes

    def finish(self) -> list[bytes]:
        """The last node, once all lines were given."""
        if not self.subject:
            return []
        properties, more_values = self.properties, self.more_values
        if more_values is None:
            properties.append(self.keys[self.predicate] + self.value)
        else:
            properties.append(self.keys[self.predicate] + b"[" + b",".join(more_values) + b"]")
        node = _jsonld_node(self.subject, properties, self.encoded)
        self.subject = b""
        return [node]


_MEMO_LIMIT = 50_000  # object IRIs whose JSON is remembered between batches


def _jsonld_node(subject: bytes, properties: list[bytes], encoded: _CompactIris) -> bytes:
    """The IRI, a tab and the JSON text of a node with these '"key":value' (which it empties):
    sorted as bytes, these sort by IRI (a tab is below every byte an IRI can hold)."""
    properties.sort()
    text = b'{"@id":' + encoded[subject + b" ."] + b"," + b",".join(properties) + b"}"
    properties.clear()
    return subject[1:-1] + b"\t" + text


def _literal_json(line: bytes) -> bytes:
    """The JSON string of the lexical form of the literal object of an N-Triples line."""
    (quad,) = ox.parse(line, format=ox.RdfFormat.N_TRIPLES)
    assert isinstance(quad.object, ox.Literal)
    return encode_basestring(quad.object.value).encode()


def _jsonld_nodes_by_term(triples: Iterable[ox.Triple], compact: Callable[[str], str]) -> list[str]:
    """``_jsonld_nodes`` for any triples, from the terms (several times slower)."""
    # per node and key, each value once, keyed by its N-Triples form (which determines it);
    # dict keys are written in sorted order, as the JSON is written without sort_keys
    nodes: dict[str, dict[str, dict[str, object]]] = defaultdict(lambda: defaultdict(dict))
    rdf_type = RDF.type
    for triple in triples:
        subject = triple.subject
        assert isinstance(subject, ox.NamedNode), "agkg mints no blank nodes"
        node = nodes[subject.value]
        obj = triple.object
        if isinstance(obj, ox.NamedNode):
            if triple.predicate == rdf_type:
                node["@type"][str(obj)] = compact(obj.value)
            else:
                node[compact(triple.predicate.value)][str(obj)] = {"@id": compact(obj.value)}
        elif isinstance(obj, ox.Literal):
            values = node[compact(triple.predicate.value)]
            if obj.language:
                values[str(obj)] = {"@language": obj.language, "@value": obj.value}
            elif obj.datatype == XSD.string:
                values[str(obj)] = obj.value
            else:
                values[str(obj)] = {"@type": compact(obj.datatype.value), "@value": obj.value}

    # One node per line: diffable like the other dumps, and written by json's C encoder (an
    # ``indent`` would switch to its pure-Python one, several times slower).
    def line(iri: str) -> str:
        entry: dict[str, object] = {"@id": compact(iri)}
        properties = nodes[iri]
        for key in sorted(properties, key=lambda k: (k != "@type", k)):
            by_form = properties[key]
            decoded = [by_form[form] for form in sorted(by_form)]
            entry[key] = decoded[0] if len(decoded) == 1 else decoded
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))

    return [line(iri) for iri in sorted(nodes)]


def void_description(
    built: BuiltDataset, dump_names: Iterable[str], ntriples: bytes | None = None
) -> list[ox.Triple]:
    """A VoID description with counts per dataset, per named graph and per class; the union is
    counted from its N-Triples text, written here unless ``ntriples`` is given."""
    return void_from_counts(
        built.iris,
        built.counts.entities,
        union_counts_of(built.union_chunks() if ntriples is None else text_chunks(ntriples)),
        nquads_graph_sizes_of(built.nquads_chunks()),
        dump_names,
    )


def graph_sizes(quads: Iterable[ox.Quad]) -> dict[str, int]:
    """Quads per named graph, by graph IRI in order (agkg puts every quad in a named graph)."""
    by_name = Counter(map(operator.attrgetter("graph_name"), quads))
    return dict(sorted((g.value, n) for g, n in by_name.items() if isinstance(g, ox.NamedNode)))


def nquads_graph_sizes(nquads: bytes) -> dict[str, int]:
    """``graph_sizes`` of N-Quads text whose every line ends with a graph IRI."""
    return nquads_graph_sizes_of(text_chunks(nquads))


def nquads_graph_sizes_of(chunks: Iterable[bytes]) -> dict[str, int]:
    """``nquads_graph_sizes`` of N-Quads text given in pieces ending at line ends."""
    by_name: Counter[bytes] = Counter()
    for chunk in chunks:
        by_name.update(line[line.rindex(b" <") + 2 : -4] for line in io.BytesIO(chunk))
    return dict(sorted((g.decode(), n) for g, n in by_name.items()))


def void_from_counts(
    iris: Iris, entities: int, union: UnionCounts, per_graph: Mapping[str, int], dump_names: Iterable[str]
) -> list[ox.Triple]:
    """The VoID description from its counts (see ``void_description``)."""
    dataset = iris.dataset
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, p, o))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD.integer)

    add(dataset, RDF.type, VOID.Dataset)
    add(dataset, DCTERMS.title, ox.Literal("Armed Groups Knowledge Graph", language="en"))
    add(
        dataset,
        DCTERMS.description,
        ox.Literal(
            "Claims about armed groups from news reporting, with Wikidata-style statements and "
            "references to the quoted words.",
            language="en",
        ),
    )
    add(dataset, DCTERMS.license, ox.NamedNode(CC_BY_4))
    add(dataset, VOID.triples, integer(union.triples))
    add(dataset, VOID.entities, integer(entities))
    add(dataset, VOID.distinctSubjects, integer(union.subjects))
    add(dataset, VOID.distinctObjects, integer(union.objects))
    add(dataset, VOID.properties, integer(union.properties))
    add(dataset, VOID.uriSpace, ox.Literal(iris.base + "id/"))
    add(dataset, VOID.vocabulary, ox.NamedNode("https://w3id.org/agkg/ontology"))
    for name in sorted(dump_names):
        if name.startswith("dataset."):
            add(dataset, VOID.dataDump, ox.NamedNode(f"{iris.base}dumps/{name}"))

    add(dataset, VOID.classes, integer(len(union.classes)))
    for cls_iri, count in sorted(union.classes.items()):
        cls = ox.NamedNode(cls_iri)
        local = cls_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        namespace = "agkg" if cls_iri.startswith("https://w3id.org/agkg/") else "ext"
        partition = ox.NamedNode(f"{dataset.value}#class-{namespace}-{local}")
        add(dataset, VOID.classPartition, partition)
        add(partition, VOID.term("class"), cls)
        add(partition, VOID.entities, integer(count))

    for graph_name, count in sorted(per_graph.items()):
        graph = ox.NamedNode(graph_name)
        add(dataset, VOID.subset, graph)
        add(graph, RDF.type, VOID.Dataset)
        add(graph, VOID.triples, integer(count))
    return triples


@dataclass(frozen=True)
class UnionCounts:
    triples: int
    subjects: int  # distinct
    properties: int
    objects: int
    classes: dict[str, int]  # entities per class IRI: subjects with rdf:type that IRI


def union_counts(ntriples: bytes) -> UnionCounts:
    """What VoID counts in unique triples, from their N-Triples text (each triple once).

    Equal terms have equal N-Triples forms, and a line splits at its first two spaces into its
    terms (an object keeps its " ." end): so the counts come from a few C-level passes over the
    lines, in slices so that only a slice's terms are held at a time.
    """
    return union_counts_of(text_chunks(ntriples))


def union_counts_of(chunks: Iterable[bytes]) -> UnionCounts:
    """``union_counts`` of N-Triples text given in pieces ending at line ends: the distinct
    terms are counted in sorted runs (``_SortedRuns``), not in a set of them all."""
    counter = _UnionCounter()
    for chunk in chunks:
        lines = chunk.split(b"\n")
        lines.pop()  # after the last newline
        counter.add(lines)
    return counter.counts()


_SLICE = 512  # few enough lists alive at once not to set off the garbage collector


def dump_producers(
    built: BuiltDataset,
    ontology_triples: list[ox.Triple],
    shapes_triples: list[ox.Triple],
    replacements: Mapping[str, Callable[[], bytes]] | None = None,
    catalogue: Catalogue | None = None,
) -> list[tuple[str, Callable[[], bytes]]]:
    """Every published file's name and the producer of its bytes, in publishing order.

    ``write_dumps`` runs them one at a time and writes each file before producing the next, so
    only one file's bytes are ever held in memory; the dataset's own files are written by
    ``FileWriter``s straight into the staging folder, so not even those. ``replacements`` are
    producers made another way (an incremental build's, see ``incremental.py``), by file name.
    ``dataset.nq`` and ``dataset.nt`` come first (``PUBLISHING_ORDER``): the others are made
    from them, read back in pieces.

    The VoID counts come from the dataset's producers; the VoID and DCAT metadata around them
    (``catalogue_description``: publisher, licence, dates, distributions with their sizes, the
    links to Wikidata) from what the files before ``void.ttl`` turned out to hold, noted as
    each is produced.
    """
    prefixes = data_prefixes(built.iris.base)
    producers: dict[str, Callable[[], bytes]] = {
        **(dataset_writers(built) if not replacements else {}),
        "ontology.ttl": lambda: turtle(ontology_triples, _ontology_prefixes(prefixes)),
        "shapes.ttl": lambda: turtle(shapes_triples, {**prefixes, "sh": "http://www.w3.org/ns/shacl#"}),
        **(replacements or {}),
    }
    facts = DumpFacts(sizes={})

    def noted(name: str) -> Callable[[], bytes]:
        producer = producers[name]
        if isinstance(producer, FileWriter):
            writer = producer

            def write(path: Path) -> None:
                writer.write(path)
                facts.sizes[name] = path.stat().st_size
                if name == "dataset.nt":
                    with path.open("rb") as written:
                        facts.read_ntriples_chunks(file_chunks(written), built.iris.base)

            return FileWriter(write)

        def produce() -> bytes:
            content = producer()
            facts.sizes[name] = len(content)
            if name == "dataset.nt":
                facts.read_ntriples(content, built.iris.base)
            return content

        return produce

    def void() -> bytes:
        for name in PUBLISHING_ORDER:  # produced already when run in order, as write_dumps does
            if name.startswith("dataset.") and name not in facts.sizes:
                noted(name)()
        counts = [  # the licence is the catalogue's
            t
            for t in ox.parse(producers["void.ttl"](), format=ox.RdfFormat.TURTLE)
            if not (t.subject == built.iris.dataset and t.predicate == DCTERMS.license)
        ]
        described = catalogue_description(built.iris, catalogue or Catalogue(), facts, counts)
        return turtle(counts + described, void_prefixes(built.iris.base))

    return [(name, void if name == "void.ttl" else noted(name)) for name in PUBLISHING_ORDER]


# dataset.nq first and dataset.nt next: the other dataset files are made from them
PUBLISHING_ORDER = (
    "dataset.nq",
    "dataset.nt",
    "dataset.ttl",
    "dataset.trig",
    "dataset.jsonld",
    "ontology.ttl",
    "shapes.ttl",
    "void.ttl",
)


@dataclass(frozen=True)
class FileWriter:
    """A producer that can write its file itself at the path it is given, rather than return
    its bytes: the dataset's files, a few hundred megabytes each at a million triples, are
    streamed to disk instead of held next to everything else (bench/RESULTS.md, memory).
    ``write_dumps`` calls ``write``; called like any producer, it returns the bytes (written
    to a temporary folder and read back)."""

    write: Callable[[Path], None]

    def __call__(self) -> bytes:
        with tempfile.TemporaryDirectory(prefix="agkg-dump-") as folder:
            path = Path(folder) / "dump"
            self.write(path)
            return path.read_bytes()


@dataclass(frozen=True)
class Catalogue:
    """Who publishes the dataset, under which licence and when: the settings of agkg.toml that
    VoID and DCAT carry (``publisher``, ``creator``, ``license``, ``issued``, ``modified``)."""

    publisher: str = DEFAULTS["publisher"]
    creator: str = DEFAULTS["creator"]
    license: str = CC_BY_4
    issued: str | None = None  # YYYY-MM-DD
    modified: str | None = None

    @classmethod
    def from_config(cls, config: Config) -> Catalogue:
        return cls(config.publisher, config.creator, config.license, config.issued, config.modified)


@dataclass
class DumpFacts:
    """What the dumps hold that the catalogue describes, noted while they are produced."""

    sizes: dict[str, int]  # bytes per file name
    latest_date: str | None = None  # the latest date of a source (published or not before)
    wikidata_links: int = 0  # owl:sameAs links to Wikidata items
    examples: tuple[str, ...] = ()  # IRIs of an entity and a source, for void:exampleResource

    def read_ntriples(self, ntriples: bytes, base: str) -> None:
        """Note the facts from the union's sorted N-Triples (C-level scans, no terms made)."""
        self.read_ntriples_chunks([ntriples], base)

    def read_ntriples_chunks(self, chunks: Iterable[bytes], base: str) -> None:
        """``read_ntriples`` of the text given in pieces ending at line ends."""
        dates = []
        link = f"> <{OWL.sameAs.value}> <{WD.iri}Q".encode()
        links = 0
        kinds = ("id/", "source/")
        found: dict[str, str] = {}
        for ntriples in chunks:
            for predicate in _SOURCE_DATES:  # a literal prefix each: re scans for it at C speed
                prefix = re.escape(f'> <{predicate.value}> "'.encode())
                pattern = prefix + rb"([0-9]{4}(?:-[0-9]{2}){0,2})"
                dates += [m.group(1).decode() for m in re.finditer(pattern, ntriples)]
            links += ntriples.count(link)
            for kind in kinds:
                start = f"<{base}{kind}".encode()
                at = 0 if ntriples.startswith(start) else ntriples.find(b"\n" + start) + 1
                if kind not in found and (at > 0 or ntriples.startswith(start)):  # its first subject
                    found[kind] = ntriples[at + 1 : ntriples.index(b">", at)].decode()
        self.latest_date = max(dates) if dates else None
        self.wikidata_links = links
        self.examples = tuple(found[kind] for kind in kinds if kind in found)


_SOURCE_DATES = (SCHEMA.datePublished, AGKG.publishedNotBefore)
_DATE_TYPES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}


def void_prefixes(base: str) -> dict[str, str]:
    """The prefixes of void.ttl: the dataset's and the catalogue vocabularies'."""
    return {**data_prefixes(base), "dcat": DCAT.iri, "foaf": FOAF.iri}


def catalogue_description(
    iris: Iris, catalogue: Catalogue, facts: DumpFacts, counts: Iterable[ox.Triple] = ()
) -> list[ox.Triple]:
    """VoID and DCAT metadata of the dataset, around the counts of ``void_from_counts``.

    The dataset is a ``dcat:Dataset`` in a ``dcat:Catalog``, with a ``dcat:Distribution`` per
    ``dataset.*`` dump (media type, size, download URL), publisher, creator, licence, issue and
    modification dates, example resources, and a ``void:Linkset`` counting its links to
    Wikidata. Everything comes from the data and the settings, never the clock, so the file is
    the same for the same data. Every IRI minted here is a hash IRI of ``{base}dataset``.
    """
    dataset = iris.dataset
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, p, o))

    def part(name: str) -> ox.NamedNode:
        return ox.NamedNode(f"{dataset.value}#{name}")

    def agent(role: str, value: str) -> ox.NamedNode:
        if re.fullmatch(r"https?://\S+", value):
            node = ox.NamedNode(value)
        else:
            node = part(role)
            add(node, FOAF.name, ox.Literal(value))
        add(node, RDF.type, FOAF.Agent)
        return node

    license = ox.NamedNode(catalogue.license)
    modified = catalogue.modified or max(filter(None, (facts.latest_date, catalogue.issued)), default=None)
    issued = catalogue.issued or modified
    add(dataset, RDF.type, DCAT.Dataset)
    add(dataset, DCTERMS.publisher, agent("publisher", catalogue.publisher))
    add(dataset, DCTERMS.creator, agent("creator", catalogue.creator))
    add(dataset, DCTERMS.license, license)
    for name, value in (("issued", issued), ("modified", modified)):
        if value:
            add(
                dataset, DCTERMS.term(name), ox.Literal(value, datatype=_DATE_TYPES.get(len(value), XSD.date))
            )
    add(dataset, DCAT.landingPage, ox.NamedNode(iris.base))
    for example in facts.examples:
        add(dataset, VOID.exampleResource, ox.NamedNode(example))

    catalog = part("catalog")
    add(catalog, RDF.type, DCAT.Catalog)
    add(catalog, DCTERMS.title, ox.Literal("Armed Groups Knowledge Graph: catalogue", language="en"))
    add(catalog, DCTERMS.publisher, agent("publisher", catalogue.publisher))
    add(catalog, DCTERMS.license, license)
    add(catalog, FOAF.homepage, ox.NamedNode(iris.base))
    add(catalog, DCAT.dataset, dataset)

    for name in sorted(facts.sizes):
        if not name.startswith("dataset."):
            continue
        extension = name.rpartition(".")[2]
        media = DUMP_TYPES["." + extension]
        distribution = part(f"distribution-{extension}")
        url = ox.NamedNode(f"{iris.base}dumps/{name}")
        add(dataset, DCAT.distribution, distribution)
        add(distribution, RDF.type, DCAT.Distribution)
        add(distribution, DCTERMS.title, ox.Literal(name))
        add(distribution, DCAT.downloadURL, url)
        add(distribution, DCAT.accessURL, url)
        add(distribution, DCAT.mediaType, MEDIA_TYPES.term(media))
        add(distribution, DCAT.byteSize, ox.Literal(str(facts.sizes[name]), datatype=XSD.nonNegativeInteger))
        add(distribution, DCTERMS.license, license)

    wikidata, links = part("wikidata"), part("links-wikidata")
    add(wikidata, RDF.type, VOID.Dataset)
    add(wikidata, DCTERMS.title, ox.Literal("Wikidata", language="en"))
    add(wikidata, FOAF.homepage, WIKIDATA_HOME)
    add(wikidata, VOID.uriSpace, ox.Literal(WD.iri))
    add(dataset, VOID.subset, links)
    add(links, RDF.type, VOID.Linkset)
    add(links, VOID.linkPredicate, OWL.sameAs)
    add(links, VOID.subjectsTarget, dataset)
    add(links, VOID.objectsTarget, wikidata)
    add(links, VOID.triples, ox.Literal(str(facts.wikidata_links), datatype=XSD.integer))

    # each named graph of a source is what that source supports
    source_graphs = iris.source_graph("").value
    graphs = {t.subject for t in counts if t.predicate == VOID.triples}
    for graph in sorted((g for g in graphs if isinstance(g, ox.NamedNode)), key=str):
        if graph.value.startswith(source_graphs):
            add(graph, DCTERMS.source, iris.source(graph.value[len(source_graphs) :]))
    return triples


def endpoint_description(iris: Iris, endpoint: str, license: str = CC_BY_4) -> list[ox.Triple]:
    """What a served VoID adds: the SPARQL endpoint, as ``void:sparqlEndpoint`` and as a
    ``dcat:DataService`` serving the dataset (and a distribution accessed through it)."""
    dataset = iris.dataset
    service = ox.NamedNode(f"{dataset.value}#sparql-service")
    distribution = ox.NamedNode(f"{dataset.value}#distribution-sparql")
    url = ox.NamedNode(endpoint)
    return [
        ox.Triple(dataset, VOID.sparqlEndpoint, url),
        ox.Triple(service, RDF.type, DCAT.DataService),
        ox.Triple(service, DCTERMS.title, ox.Literal("SPARQL 1.1 endpoint", language="en")),
        ox.Triple(service, DCAT.endpointURL, url),
        ox.Triple(service, DCAT.endpointDescription, url),
        ox.Triple(service, DCAT.servesDataset, dataset),
        ox.Triple(service, DCTERMS.conformsTo, SPARQL_PROTOCOL),
        ox.Triple(service, DCTERMS.license, ox.NamedNode(license)),
        ox.Triple(ox.NamedNode(f"{dataset.value}#catalog"), DCAT.service, service),
        ox.Triple(dataset, DCAT.distribution, distribution),
        ox.Triple(distribution, RDF.type, DCAT.Distribution),
        ox.Triple(distribution, DCTERMS.title, ox.Literal("SPARQL endpoint", language="en")),
        ox.Triple(distribution, DCAT.accessURL, url),
        ox.Triple(distribution, DCAT.accessService, service),
    ]


def render_dumps(
    built: BuiltDataset,
    ontology_triples: list[ox.Triple],
    shapes_triples: list[ox.Triple],
    progress: Callable[[str], None] | None = None,
) -> dict[str, bytes]:
    """Every published file's bytes, keyed by file name (all in memory: ``write_dumps`` takes
    ``dump_producers`` instead, to hold one file at a time)."""
    files: dict[str, bytes] = {}
    for name, producer in dump_producers(built, ontology_triples, shapes_triples):
        files[name] = producer()
        if progress:
            progress(name)
    return {name: files[name] for name in DUMP_FILES}


def dataset_writers(built: BuiltDataset) -> dict[str, Callable[[], bytes]]:
    """The writer of each ``dataset.*`` file, and the producer of ``void.ttl``'s bytes.

    ``built.nquads`` is the N-Quads file itself (unique canonical lines, sorted): written out
    first, it is then let go and read back from that file in pieces (``keep_nquads_in``). The
    union's N-Triples are made from it as they are written; Turtle is pyoxigraph's writer fed
    from them as they are parsed, TriG from the N-Quads grouped by graph, JSON-LD and the VoID
    counts one pass over the N-Triples. So no file's whole text, and no million term objects,
    are held at once (bench/RESULTS.md, memory). Run in ``PUBLISHING_ORDER``.
    """
    files = _DatasetFiles(built)
    return {
        "dataset.nq": FileWriter(files.write_nquads),
        "dataset.nt": FileWriter(files.write_ntriples),
        "dataset.ttl": FileWriter(files.write_turtle),
        "dataset.trig": FileWriter(files.write_trig),
        "dataset.jsonld": FileWriter(files.write_jsonld),
        "void.ttl": files.void,
    }


class _DatasetFiles:
    """The dataset's files, each written from the N-Quads or from the union's N-Triples as
    written before it (``dataset_writers``)."""

    def __init__(self, built: BuiltDataset) -> None:
        self.built = built
        self.prefixes = data_prefixes(built.iris.base)
        self.ntriples: Path | None = None  # dataset.nt, once written
        self.union: UnionCounts | None = None  # counted while dataset.jsonld was written

    def write_nquads(self, path: Path) -> None:
        with path.open("wb") as out:
            for chunk in self.built.nquads_chunks():
                out.write(chunk)
        self.built.keep_nquads_in(path.open("rb"))

    def write_ntriples(self, path: Path) -> None:
        with path.open("wb") as out:
            for chunk in self.built.union_chunks():
                out.write(chunk)
        self.built.release_triples()  # it is in the file now
        self.ntriples = path

    def union_chunks(self) -> Iterator[bytes]:
        """The union's N-Triples in pieces: from dataset.nt if it is written (and still there:
        ``render_dumps`` writes each file in a folder of its own), else made afresh."""
        if self.ntriples is not None:
            with contextlib.suppress(FileNotFoundError), self.ntriples.open("rb") as handle:
                yield from file_chunks(handle)
                return
        yield from self.built.union_chunks()

    def write_turtle(self, path: Path) -> None:
        triples = (q for chunk in self.union_chunks() for q in ox.parse(chunk, format=ox.RdfFormat.N_TRIPLES))
        ox.serialize(triples, output=path, format=ox.RdfFormat.TURTLE, prefixes=self.prefixes)

    def write_trig(self, path: Path) -> None:
        write_sorted_trig(self.built.nquads_chunks(), self.prefixes, path)

    def write_jsonld(self, path: Path) -> None:
        with path.open("wb") as out:
            self.union = write_compact_jsonld(self.union_chunks, self.prefixes, out)

    def void(self) -> bytes:
        built = self.built
        union = self.union or union_counts_of(self.union_chunks())
        sizes = nquads_graph_sizes_of(built.nquads_chunks())
        counts = void_from_counts(built.iris, built.counts.entities, union, sizes, DUMP_FILES)
        return turtle(counts, self.prefixes)


def write_sorted_trig(chunks: Iterable[bytes], prefixes: dict[str, str], output: Path | BinaryIO) -> None:
    """Write ``trig`` of sorted unique N-Quads lines, given in pieces ending at line ends, to
    ``output``: grouped by graph (in the order of their names), each graph's lines in their
    order. The lines are gathered per graph and, every ``_TRIG_HELD`` bytes, appended to a
    temporary file as one segment per graph, so that about that much is held at a time."""
    segments: dict[bytes, list[tuple[int, int]]] = defaultdict(list)
    with tempfile.TemporaryFile(prefix="agkg-trig-") as spill:
        held: dict[bytes, list[bytes]] = defaultdict(list)
        size = 0

        def flush() -> None:
            for name, lines in held.items():
                text = b"".join(lines)
                segments[name].append((spill.tell(), len(text)))
                spill.write(text)
            held.clear()

        for chunk in chunks:
            for line in io.BytesIO(chunk):
                held[line[line.rindex(b" <") + 1 : -3]].append(line)
            size += len(chunk)
            if size >= _TRIG_HELD:
                flush()
                size = 0
        flush()
        spill.flush()
        descriptor = spill.fileno()

        def grouped() -> Iterator[ox.Quad]:
            for name in sorted(segments):
                for offset, length in segments.pop(name):
                    yield from ox.parse(os.pread(descriptor, length, offset), format=ox.RdfFormat.N_QUADS)

        ox.serialize(grouped(), output=output, format=ox.RdfFormat.TRIG, prefixes=prefixes)


_TRIG_HELD = 16 << 20


def _ontology_prefixes(prefixes: dict[str, str]) -> dict[str, str]:
    extra = {
        "foaf": "http://xmlns.com/foaf/0.1/",
        "org": "http://www.w3.org/ns/org#",
        "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
        "vann": "http://purl.org/vocab/vann/",
    }
    return {**prefixes, **extra}


STAGING_MARK = ".publishing-"  # in the names of the sibling folders a publication is built in
PREVIOUS_MARK = ".previous-"  # where the fallback swap parks the old folder for an instant
KEPT_FOLDERS = ("site",)  # agkg's own sub-folders, carried into the new publication


@contextmanager
def publication_lock(out_dir: Path, on_wait: Callable[[], None] | None = None) -> Iterator[Path]:
    """Hold the publisher lock of ``out_dir`` for a whole publish; yields the resolved folder.

    ``agkg publish`` takes it before it reads any input and keeps it until the publication and
    the publish cache are written, so publishers run one after the other, end to end: a slow run
    that read older data can no longer finish after, and overwrite, a quicker one that read newer
    data (locking only the final swap let the last writer win with stale input). ``on_wait`` is
    called once if another publisher holds the lock. A parent folder that cannot be created or
    opened is a ConfigurationError, and nothing is written.
    """
    target = out_dir.resolve()  # a symlinked dist/ keeps its link; the folder it names is replaced
    parent = target.parent
    with contextlib.ExitStack() as held:
        try:
            parent.mkdir(parents=True, exist_ok=True)
            held.enter_context(publisher_lock(parent, on_wait=on_wait))
        except OSError as error:
            raise ConfigurationError(
                f"{target}: cannot publish here: {_reason(error)}; nothing written"
            ) from None
        yield target


def write_dumps(
    files: Mapping[str, bytes] | Iterable[tuple[str, Callable[[], bytes]]],
    out_dir: Path,
    extra: Callable[[Path], object] | None = None,
    progress: Callable[[str], None] | None = None,
    lock: bool = True,
) -> list[PublishedFile]:
    """Replace the publication in ``out_dir`` with ``files``, all at once, under the publisher lock.

    ``files`` is either each file's bytes by name or (name, producer) pairs (``dump_producers``):
    each producer runs only when the file before it is written to the staging folder, so one
    file's bytes at a time are held in memory (a ``FileWriter`` writes its file itself, and the
    files written before it are there to read); ``progress`` is told each name once it is
    written, and the freed heap is handed back to the system after each.

    The new publication is written into a sibling staging folder (same file system, so renames
    are atomic), every file fsynced, and then swapped with ``out_dir`` in one ``renameat2
    (RENAME_EXCHANGE)``; the old one is deleted afterwards. ``extra`` may write more into the
    staging folder (the static site) so that it is part of the same swap. A staging folder, not
    a symlink to versioned folders, because ``dist/`` stays a plain folder that every tool and
    web server treats as before, and nothing needs garbage-collecting but the staging folder.

    What can go wrong, and what is left:
    - A folder that cannot be written (a read-only parent, a parent that is a file, a full disk)
      raises ConfigurationError, from creating the staging folder to the swap; the staging
      folder is removed and ``out_dir`` is untouched. So does KeyboardInterrupt (SIGINT).
    - SIGKILL or a power cut before the swap leaves ``out_dir`` untouched and the staging folder
      behind; the next publish removes it. After the swap, ``out_dir`` is the new publication.
    - Where ``RENAME_EXCHANGE`` is missing (not Linux, or a file system without it) the swap is
      two renames; ``out_dir`` is absent for an instant, and if the process dies right then the
      next publish puts the old folder back first.
    - ``out_dir`` holding anything agkg does not publish (``--out .`` by mistake) is refused.
    Concurrent publishers into the same parent folder take turns (``publication_lock``);
    ``lock=False`` is for a caller that already holds it for the whole publish.
    """
    if lock:
        with publication_lock(out_dir) as target:
            return _write_publication(files, target, extra, progress)
    return _write_publication(files, out_dir.resolve(), extra, progress)


def _write_publication(
    files: Mapping[str, bytes] | Iterable[tuple[str, Callable[[], bytes]]],
    target: Path,
    extra: Callable[[Path], object] | None,
    progress: Callable[[str], None] | None,
) -> list[PublishedFile]:
    from agkg.build.validation import release_free_memory  # not at import: rdflib is slow to load

    parent = target.parent
    staging: Path | None = None
    try:
        _recover(target)
        _check_replaceable(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING_MARK}", dir=parent))
        os.chmod(staging, 0o755)
        written = []
        pairs = (
            [(name, _constant(content)) for name, content in files.items()]
            if isinstance(files, Mapping)
            else files
        )
        for name, producer in pairs:
            if isinstance(producer, FileWriter):
                size = _write_staged(staging / name, producer)
            else:
                content = producer()
                atomic_write(staging / name, content)
                size = len(content)
                del content
            written.append(PublishedFile(name, target / name, size))
            release_free_memory()  # the next file's work starts from the heap this one left
            if progress:
                progress(name)
        if target.is_dir():
            for kept in KEPT_FOLDERS:
                if (target / kept).is_dir() and not (staging / kept).exists():
                    _link_tree(target / kept, staging / kept)
        if extra is not None:
            extra(staging)
        _fsync_folder(staging)
        _swap(staging, target)
    except OSError as error:
        raise ConfigurationError(
            f"{target}: cannot write the publication: {_reason(error)}; the previous one is unchanged"
        ) from None
    finally:
        # after the swap this is the old publication; before it, the unfinished new one
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    _fsync_folder(parent)
    return written


def _write_staged(path: Path, writer: FileWriter) -> int:
    """Run a ``FileWriter`` on a file of the staging folder and make it durable; its size.
    (No temporary name: the staging folder is swapped in whole or not at all.)"""
    writer.write(path)
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
    os.chmod(path, 0o644)
    return path.stat().st_size


def _reason(error: OSError) -> str:
    """An OSError as a sentence: its cause and the path it concerns."""
    reason = error.strerror or str(error)
    return f"{reason} ({error.filename})" if error.filename else reason


def _constant(content: bytes) -> Callable[[], bytes]:
    return lambda: content


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise ConfigurationError(f"{target}: exists and is not a folder; refusing to replace it")
    foreign = sorted(
        p.name for p in target.iterdir() if p.name not in (*DUMP_FILES, *KEPT_FOLDERS, QUERY_STORE)
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise ConfigurationError(
            f"{target}: holds files agkg does not publish ({shown}); refusing to replace it "
            "(publish into an empty folder or one agkg published)"
        )


def _recover(target: Path) -> None:
    """Undo what a publisher killed mid-way left: restore a parked folder, drop staging folders."""
    ours = [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]
    parked = sorted(p for p in ours if p.name.startswith(f".{target.name}{PREVIOUS_MARK}"))
    if parked and not target.exists():
        os.rename(parked[-1], target)
    for leftover in ours:
        if leftover.name.startswith((f".{target.name}{STAGING_MARK}", f".{target.name}{PREVIOUS_MARK}")):
            shutil.rmtree(leftover, ignore_errors=True)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; the old ``target`` (if any) ends up at ``staging``."""
    if not target.exists():
        os.rename(staging, target)
        staging.mkdir()  # so the caller's cleanup has something to remove, as after an exchange
        return
    if _exchange(staging, target):
        return
    parked = target.parent / f".{target.name}{PREVIOUS_MARK}{staging.name[-8:]}"
    os.rename(target, parked)
    os.rename(staging, target)
    os.rename(parked, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with Linux's renameat2; False where that is unavailable."""
    library = ctypes.util.find_library("c")
    if library is None:
        return False
    libc = ctypes.CDLL(library, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _link_tree(source: Path, destination: Path) -> None:
    """Copy a folder by hard links (cheap, and the old files stay as they were), else by copying."""
    try:
        shutil.copytree(source, destination, copy_function=os.link, symlinks=True)
    except OSError:
        shutil.rmtree(destination, ignore_errors=True)
        shutil.copytree(source, destination, symlinks=True)


def _fsync_folder(folder: Path) -> None:
    """Make a folder's entries (new names, renames) durable, where the platform allows it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
