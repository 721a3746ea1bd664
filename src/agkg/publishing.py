"""Writing the dumps: byte-identical for the same data, and never half-written.

Every file is produced from sorted triples, so output does not depend on hash seeds or insertion
order, and written to a temporary file in the target folder which is flushed, fsynced and then
renamed over the old one: a reader sees the old file or the new file, never a torn one.
pyoxigraph's serializers do the Turtle, TriG and N-Quads syntax (fast, and they escape
everything correctly); JSON-LD is written here because we want the compact form with a local
context that no consumer has to fetch.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .graph import BuiltDataset
from .vocab import DCTERMS, RDF, VOID, XSD, data_prefixes

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


@dataclass
class PublishedFile:
    name: str
    path: Path
    size: int


def atomic_write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that readers see either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
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
    ordered = sorted(
        set(quads),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )
    return _bytes(ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=prefixes))


def compact_jsonld(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """JSON-LD in compact form with an inline context of the dataset's prefixes.

    Nodes are sorted by @id and values by their N-Triples form, so the output is stable.
    """
    ordered_prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def compact(iri: str) -> str:
        for name, namespace in ordered_prefixes:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if local and not local.startswith("//") and ":" not in local:
                    return f"{name}:{local}"
        return iri

    nodes: dict[str, dict[str, list[tuple[str, object]]]] = defaultdict(lambda: defaultdict(list))
    for triple in triples:
        subject = triple.subject
        assert isinstance(subject, ox.NamedNode), "agkg mints no blank nodes"
        node = nodes[subject.value]
        obj = triple.object
        if triple.predicate == RDF.type and isinstance(obj, ox.NamedNode):
            node["@type"].append((str(obj), compact(obj.value)))
            continue
        key = compact(triple.predicate.value)
        if isinstance(obj, ox.NamedNode):
            node[key].append((str(obj), {"@id": compact(obj.value)}))
        elif isinstance(obj, ox.Literal):
            if obj.language:
                node[key].append((str(obj), {"@value": obj.value, "@language": obj.language}))
            elif obj.datatype == XSD.string:
                node[key].append((str(obj), obj.value))
            else:
                node[key].append((str(obj), {"@value": obj.value, "@type": compact(obj.datatype.value)}))

    graph = []
    for iri in sorted(nodes):
        entry: dict[str, object] = {"@id": compact(iri)}
        for key in sorted(nodes[iri], key=lambda k: (k != "@type", k)):
            values = [
                v for _, v in sorted(set((s, json.dumps(v, sort_keys=True)) for s, v in nodes[iri][key]))
            ]
            decoded = [json.loads(v) for v in values]
            entry[key] = decoded[0] if len(decoded) == 1 else decoded
        graph.append(entry)
    document = {"@context": dict(sorted(prefixes.items())), "@graph": graph}
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


def void_description(built: BuiltDataset, dump_names: Iterable[str]) -> list[ox.Triple]:
    """A VoID description with counts per dataset, per named graph and per class."""
    iris = built.iris
    dataset = iris.dataset
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, p, o))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD.integer)

    union = {(q.subject, q.predicate, q.object) for q in built.quads}
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
    add(dataset, DCTERMS.license, ox.NamedNode("https://creativecommons.org/licenses/by/4.0/"))
    add(dataset, VOID.triples, integer(len(union)))
    add(dataset, VOID.entities, integer(built.counts.entities))
    add(dataset, VOID.distinctSubjects, integer(len({s for s, _, _ in union})))
    add(dataset, VOID.distinctObjects, integer(len({o for _, _, o in union})))
    add(dataset, VOID.properties, integer(len({p for _, p, _ in union})))
    add(dataset, VOID.uriSpace, ox.Literal(iris.base + "id/"))
    add(dataset, VOID.vocabulary, ox.NamedNode("https://w3id.org/agkg/ontology"))
    for name in sorted(dump_names):
        if name.startswith("dataset."):
            add(dataset, VOID.dataDump, ox.NamedNode(f"{iris.base}dumps/{name}"))

    classes = Counter(o for _, p, o in union if p == RDF.type and isinstance(o, ox.NamedNode))
    add(dataset, VOID.classes, integer(len(classes)))
    for cls, count in sorted(classes.items(), key=lambda item: item[0].value):
        local = cls.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        namespace = "agkg" if cls.value.startswith("https://w3id.org/agkg/") else "ext"
        partition = ox.NamedNode(f"{dataset.value}#class-{namespace}-{local}")
        add(dataset, VOID.classPartition, partition)
        add(partition, VOID.term("class"), cls)
        add(partition, VOID.entities, integer(count))

    per_graph: dict[ox.NamedNode, int] = Counter()
    for quad in built.quads:
        assert isinstance(quad.graph_name, ox.NamedNode)
        per_graph[quad.graph_name] += 1
    for graph_name, count in sorted(per_graph.items(), key=lambda item: item[0].value):
        add(dataset, VOID.subset, graph_name)
        add(graph_name, RDF.type, VOID.Dataset)
        add(graph_name, VOID.triples, integer(count))
    return triples


def render_dumps(
    built: BuiltDataset,
    ontology_triples: list[ox.Triple],
    shapes_triples: list[ox.Triple],
    progress: Callable[[str], None] | None = None,
) -> dict[str, bytes]:
    """Every published file's bytes, keyed by file name."""
    prefixes = data_prefixes(built.iris.base)
    triples = built.triples()
    files: dict[str, bytes] = {}

    def render(name: str, producer: Callable[[], bytes]) -> None:
        files[name] = producer()
        if progress:
            progress(name)

    render("dataset.ttl", lambda: turtle(triples, prefixes))
    render("dataset.trig", lambda: trig(built.quads, prefixes))
    render("dataset.nt", lambda: canonical_ntriples(triples))
    render("dataset.nq", lambda: canonical_nquads(built.quads))
    render("dataset.jsonld", lambda: compact_jsonld(triples, prefixes))
    render("ontology.ttl", lambda: turtle(ontology_triples, _ontology_prefixes(prefixes)))
    render(
        "shapes.ttl",
        lambda: turtle(shapes_triples, {**prefixes, "sh": "http://www.w3.org/ns/shacl#"}),
    )
    render("void.ttl", lambda: turtle(void_description(built, DUMP_FILES), prefixes))
    return files


def _ontology_prefixes(prefixes: dict[str, str]) -> dict[str, str]:
    extra = {
        "foaf": "http://xmlns.com/foaf/0.1/",
        "org": "http://www.w3.org/ns/org#",
        "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
        "vann": "http://purl.org/vocab/vann/",
    }
    return {**prefixes, **extra}


def write_dumps(files: dict[str, bytes], out_dir: Path) -> list[PublishedFile]:
    """Write each file atomically into ``out_dir``."""
    written = []
    for name, content in files.items():
        path = out_dir / name
        atomic_write(path, content)
        written.append(PublishedFile(name, path, len(content)))
    return written
