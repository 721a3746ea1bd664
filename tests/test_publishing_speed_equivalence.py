"""The fast JSON-LD and VoID writers give the bytes the straightforward ones gave (issue 7).

``compact_jsonld`` works on N-Triples lines and ``void_description`` counts from them; the
reference implementations below are the term-by-term versions they replaced, kept here as the
specification of the published bytes.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
import pytest
from conftest import DATASET

from agkg.build.graph import BuiltDataset, build_dataset
from agkg.build.publishing import DUMP_FILES, compact_jsonld, turtle, union_counts, void_description
from agkg.config import load_config
from agkg.vocab import DCTERMS, RDF, VOID, XSD, data_prefixes

BASE = "https://w3id.org/agkg/"
PREFIXES = data_prefixes(BASE)


def reference_jsonld(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    ordered_prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def compact(iri: str) -> str:
        for name, namespace in ordered_prefixes:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if local and not local.startswith("//") and ":" not in local:
                    return f"{name}:{local}"
        return iri

    nodes: dict[str, dict[str, dict[str, object]]] = defaultdict(lambda: defaultdict(dict))
    for triple in triples:
        subject = triple.subject
        assert isinstance(subject, ox.NamedNode), "agkg mints no blank nodes"
        node = nodes[subject.value]
        obj = triple.object
        if isinstance(obj, ox.NamedNode):
            if triple.predicate == RDF.type:
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

    def line(iri: str) -> str:
        entry: dict[str, object] = {"@id": compact(iri)}
        properties = nodes[iri]
        for key in sorted(properties, key=lambda k: (k != "@type", k)):
            by_form = properties[key]
            decoded = [by_form[form] for form in sorted(by_form)]
            entry[key] = decoded[0] if len(decoded) == 1 else decoded
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))

    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, indent=1)
    body = ",\n".join(line(iri) for iri in sorted(nodes))
    return f'{{"@context": {context},\n"@graph": [\n{body}\n]}}\n'.encode()


def reference_void(built: BuiltDataset, dump_names: Iterable[str]) -> list[ox.Triple]:
    iris = built.iris
    dataset = iris.dataset
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, p, o))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD.integer)

    union = [(t.subject, t.predicate, t.object) for t in built.triples()]
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


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def code_points() -> list[str]:
    """Every code point up to U+0800, then a spread up to U+10FFFF, and the awkward ones."""
    low = list(range(0x800))
    spread = list(range(0x800, 0x110000, 251))
    awkward = [0x2028, 0x2029, 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x1F600, 0x10FFFF]
    return [chr(c) for c in low + spread + awkward if not 0xD800 <= c <= 0xDFFF]


def test_every_escape_writes_the_same_json() -> None:
    subject, label = n(BASE + "id/s"), n("http://www.w3.org/2000/01/rdf-schema#label")
    triples = []
    for i, char in enumerate(code_points()):
        text = f"a{char}b{char}\\u{char}"
        triples.append(ox.Triple(n(f"{BASE}id/plain-{i}"), label, ox.Literal(text)))
        if i % 7 == 0:
            triples.append(ox.Triple(subject, label, ox.Literal(text, language="en")))
            triples.append(ox.Triple(subject, label, ox.Literal(text, datatype=XSD.token)))
    triples.sort(key=str)
    assert compact_jsonld(triples, PREFIXES) == reference_jsonld(triples, PREFIXES)


AWKWARD_IRIS = [
    BASE + "id/a",
    BASE + "id/a-b",  # sorts before id/a as "<…a-b>" but after it as an IRI
    BASE + "id/a/b",
    BASE + "id/",  # empty local name: not compacted under id:
    BASE + "id//x",  # local name starting with "//"
    BASE + "id/x:y",  # ":" in the local name
    BASE + "statement/q#frag",
    BASE + "reference/r#quote",
    BASE + "graph/source/s",
    "http://www.wikidata.org/entity/Q1",
    "http://www.wikidata.org/prop/direct/P31",
    "https://example.org/no/prefix",
    "urn:isbn:0451450523",
    "https://example.org/Ünïcode/ğ",
    "http://e/Qx",
    "http://e/Q!",
]
PREDICATES = [
    str(RDF.type.value),
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://schema.org/name",
    "http://www.wikidata.org/prop/direct/P31",
    "https://w3id.org/agkg/prop/statement/P1",
    "https://example.org/unprefixed",
    "http://e/Qp",
]
DATATYPES = [XSD.string, XSD.integer, XSD.dateTime, n("https://example.org/dt"), RDF.langString]


def random_triples(seed: int, count: int = 400) -> list[ox.Triple]:
    rng = random.Random(seed)
    texts = ["", " ", "x", 'say "hi"', "back\\slash", "tab\tnl\n", "\x01\x7f", "ünï ☃ 😀", "a b .", "\\u0041"]
    triples = []
    for _ in range(count):
        subject = n(rng.choice(AWKWARD_IRIS))
        predicate = n(rng.choice(PREDICATES))
        kind = rng.randrange(4)
        obj: ox.NamedNode | ox.Literal
        if kind == 0:
            obj = n(rng.choice(AWKWARD_IRIS))
        elif kind == 1:
            obj = ox.Literal(rng.choice(texts), language=rng.choice(["en", "ps", "en-GB", "ur"]))
        else:
            datatype = rng.choice(DATATYPES)
            if datatype == RDF.langString:
                datatype = XSD.string
            obj = ox.Literal(rng.choice(texts) + str(rng.randrange(3)), datatype=datatype)
        triples.append(ox.Triple(subject, predicate, obj))
    return triples


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("order", ["sorted", "shuffled with repeats"])
def test_random_graphs_write_the_same_json(seed: int, order: str) -> None:
    triples = random_triples(seed)
    repeats = triples[: len(triples) // 3]
    triples = sorted(set(triples), key=str) if order == "sorted" else triples + repeats
    for prefixes in (PREFIXES, {**PREFIXES, "q": "http://e/Q"}, {}):
        assert compact_jsonld(triples, prefixes) == reference_jsonld(triples, prefixes)


@pytest.mark.parametrize(
    "extra",
    [
        ox.Triple(n(BASE + "id/a"), n("http://schema.org/about"), ox.BlankNode("b0")),
        ox.Triple(n(BASE + "id/z"), n("http://schema.org/about"), ox.BlankNode("b0")),
        ox.Triple(
            n(BASE + "id/a"),
            n("http://schema.org/name"),
            ox.Literal("x", language="ar", direction=ox.BaseDirection.RTL),
        ),
        ox.Triple(
            n(BASE + "id/a"),
            n("http://schema.org/about"),
            ox.Triple(n("http://e/s"), n("http://e/p"), n("http://e/o")),
        ),
        ox.Triple(
            n(BASE + "id/a"), n("schema:name"), ox.Literal("the IRI schema:name compacts like another")
        ),
        ox.Triple(
            n(BASE + "id/a"), n("http://schema.org/na!me"), ox.Literal("a '!' sorts before the closing quote")
        ),
        ox.Triple(n(BASE + "id/a"), n("http://schema.org/!"), ox.Literal("and before '@type'")),
        ox.Triple(n(BASE + "id/a"), RDF.type, ox.Literal("a literal rdf:type is not @type")),
    ],
)
def test_unusual_triples_write_the_same_json(extra: ox.Triple) -> None:
    triples = sorted({*random_triples(99), extra}, key=str)
    assert compact_jsonld(triples, PREFIXES) == reference_jsonld(triples, PREFIXES)


def test_blank_subjects_are_refused() -> None:
    triples = [ox.Triple(ox.BlankNode("b0"), RDF.type, n("http://e/C"))]
    with pytest.raises(AssertionError):
        compact_jsonld(triples, PREFIXES)


def test_an_empty_graph_writes_the_same_json() -> None:
    assert compact_jsonld([], PREFIXES) == reference_jsonld([], PREFIXES)


@pytest.mark.parametrize("seed", range(5))
def test_union_counts_match_counting_terms(seed: int) -> None:
    triples = sorted(set(random_triples(seed, 3000)), key=str)
    triples.append(
        ox.Triple(n("http://e/s"), n("http://e/p"), ox.Triple(n("http://e/s"), RDF.type, n("http://e/o")))
    )
    triples.append(
        ox.Triple(n("http://e/s"), RDF.type, ox.Triple(n("http://e/s"), n("http://e/p"), n("http://e/o")))
    )
    counts = union_counts(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    assert counts.triples == len(triples)
    assert counts.subjects == len({t.subject for t in triples})
    assert counts.properties == len({t.predicate for t in triples})
    assert counts.objects == len({t.object for t in triples})
    expected = Counter(
        t.object.value for t in triples if t.predicate == RDF.type and isinstance(t.object, ox.NamedNode)
    )
    assert counts.classes == dict(expected)


@pytest.fixture(scope="module")
def bundled() -> BuiltDataset:
    return build_dataset(load_config(DATASET))


def test_bundled_project_writes_the_same_bytes(bundled: BuiltDataset) -> None:
    prefixes = data_prefixes(bundled.iris.base)
    triples = bundled.triples()
    assert compact_jsonld(triples, prefixes) == reference_jsonld(triples, prefixes)
    expected = turtle(reference_void(bundled, DUMP_FILES), prefixes)
    assert turtle(void_description(bundled, DUMP_FILES), prefixes) == expected


@pytest.mark.parametrize("char", ['"', "\\", "\n", "\x00", "\x1f", " ", "<", ">"])
def test_pyoxigraph_refuses_iris_json_would_escape(char: str) -> None:
    """compact_jsonld copies IRIs into JSON strings unescaped, relying on this."""
    with pytest.raises(ValueError):
        ox.NamedNode(f"https://example.org/a{char}b")
