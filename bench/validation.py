"""Validation benchmark: pyshacl-turbo against pySHACL on a synthetic armed-groups graph.

    .venv/bin/python bench/validation.py --triples 100000 [--engines turbo,pyshacl] [--timeout 3600]

Builds a Wikidata-style graph of the model in docs/model.md (entities with labels and aliases,
statement nodes with ranks, qualifiers and references, quote and position selectors, sources),
with a few deliberate mistakes sprinkled in so that the engines have results to agree on, adds
the ontology's schema triples, and validates it with the project's shapes in each engine (each
in a fresh process, data already loaded into an rdflib Graph; the time is the validate call).
Prints one JSON line per engine and whether the results are identical (focus, path, shape,
severity, constraint component, value, message).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import OWL, PROV, SKOS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from agkg.build.ontology import load_vocabulary  # noqa: E402
from agkg.build.validation import load_shapes, schema_triples, to_rdflib, validate_graph  # noqa: E402

AGKG = rdflib.Namespace("https://w3id.org/agkg/ontology#")
AGKGP = rdflib.Namespace("https://w3id.org/agkg/prop/")
AGKGPS = rdflib.Namespace("https://w3id.org/agkg/prop/statement/")
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
SCHEMA = rdflib.Namespace("http://schema.org/")
WB = rdflib.Namespace("http://wikiba.se/ontology#")
WD = rdflib.Namespace("http://www.wikidata.org/entity/")
BASE = "https://w3id.org/agkg/"


def synthetic(target: int, seed: int = 7) -> rdflib.Graph:
    """About ``target`` triples of agkg data (plus the ontology's schema triples)."""
    rng = random.Random(seed)
    g = rdflib.Graph()
    add = g.add
    n_groups = max(4, target // 400)
    groups = [URIRef(f"{BASE}id/group-{i}") for i in range(n_groups)]
    places = [URIRef(f"{BASE}id/place-{i}") for i in range(max(4, target // 2000))]
    events = [URIRef(f"{BASE}id/event-{i}") for i in range(max(4, target // 1000))]
    sources = [URIRef(f"{BASE}source/s-{i}") for i in range(max(2, target // 3000))]
    for i, s in enumerate(sources):
        add((s, RDF.type, AGKG.NewsArticle))
        add((s, RDF.type, SCHEMA.NewsArticle))
        add((s, SCHEMA.inLanguage, Literal("en")))
        add((s, SCHEMA.headline, Literal(f"Report {i}", lang="en")))
        add((s, SCHEMA.datePublished, Literal(f"2021-{1 + i % 12:02d}-15", datatype=XSD.date)))
    for kind, nodes in ((AGKG.ArmedGroup, groups), (AGKG.Province, places), (AGKG.Bombing, events)):
        for i, node in enumerate(nodes):
            add((node, RDF.type, kind))
            label = Literal(f"{kind.split('#')[1]} {i}", lang="en")
            add((node, RDFS.label, label))
            add((node, SKOS.prefLabel, label))
            add((node, SKOS.altLabel, Literal(f"Alias {i}", lang="en")))
            add((node, RDFS.label, Literal(f"Nom {i}", lang="fr")))
            add((node, SKOS.prefLabel, Literal(f"Nom {i}", lang="fr")))
            if i % 7 == 3:  # mistake: alias repeats the label
                add((node, SKOS.altLabel, label))
            if i % 2 == 0:
                add((node, AGKG.wikidataId, Literal(f"Q{1000 + i}")))
                add((node, OWL.sameAs, WD[f"Q{1000 + i}"]))
    counter = 0

    def claim(subject: URIRef, prop: str, value: rdflib.term.Node, rank: str = "NormalRank") -> URIRef:
        nonlocal counter
        counter += 1
        st = URIRef(f"{BASE}statement/{prop}-{counter}")
        ref = URIRef(f"{BASE}reference/r{counter}")
        quote = URIRef(f"{ref}#quote")
        position = URIRef(f"{ref}#position")
        source = rng.choice(sources)
        add((subject, AGKGP[prop], st))
        add((st, RDF.type, AGKG.Statement))
        add((st, AGKGPS[prop], value))
        add((st, WB.rank, WB[rank]))
        if rank == "DeprecatedRank":
            add((st, AGKG.rankReason, Literal("contradicted", lang="en")))
        else:
            add((st, RDF.type, WB.BestRank))
            add((subject, AGKG[prop], value))
        if counter % 997 != 0:  # mistake: a statement with no reference
            add((st, PROV.wasDerivedFrom, ref))
        add((ref, RDF.type, AGKG.Reference))
        add((ref, RDF.type, OA.SpecificResource))
        add((ref, OA.hasSource, source))
        add((ref, OA.hasSelector, quote))
        add((ref, OA.hasSelector, position))
        add((quote, RDF.type, OA.TextQuoteSelector))
        add((quote, OA.exact, Literal(f"quote number {counter}")))
        add((position, RDF.type, OA.TextPositionSelector))
        add((position, OA.start, Literal(counter, datatype=XSD.nonNegativeInteger)))
        add((position, OA.end, Literal(counter + 12, datatype=XSD.nonNegativeInteger)))
        return st

    while len(g) < target:
        group = rng.choice(groups)
        roll = rng.random()
        if roll < 0.35:
            claim(group, "operatesIn", rng.choice(places))
        elif roll < 0.55:
            claim(group, "alliedWith", rng.choice(groups))
        elif roll < 0.7:
            st = claim(group, "memberCount", Literal(rng.randint(100, 9000), datatype=XSD.integer))
            add((st, AGKG.pointInTime, Literal(f"20{rng.randint(10, 21)}", datatype=XSD.gYear)))
            add((st, AGKG.approximate, Literal(True)))
        elif roll < 0.85:
            event = rng.choice(events)
            claim(event, "perpetrator", group)
            month = rng.randint(1, 12) if counter % 211 else 12  # some events after their reports
            claim(event, "eventDate", Literal(f"2021-{month:02d}", datatype=XSD.gYearMonth))
        else:
            claim(
                group,
                "inception",
                Literal(f"20{rng.randint(0, 20):02d}", datatype=XSD.gYear),
                "DeprecatedRank",
            )
    g += to_rdflib(schema_triples(load_vocabulary(REPO / "ontology").triples))
    return g


def measure(engine: str, data_path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """In a fresh process: load, validate, report time and results."""
    data = rdflib.Graph().parse(data_path, format="nt")
    shapes = load_shapes(REPO / "shapes")[0]
    started = time.perf_counter()
    report = validate_graph(data, shapes, engine)
    seconds = time.perf_counter() - started
    queue.put((seconds, sorted(r.key() for r in report.results)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--engines", default="turbo,pyshacl")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--out", type=Path, default=Path("/tmp/agkg-bench-validation"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = synthetic(args.triples)
    data_path = args.out / f"synthetic-{args.triples}.nt"
    data.serialize(data_path, format="nt")
    outcomes: dict[str, list[tuple[str, ...]] | None] = {}
    for engine in args.engines.split(","):
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        process = multiprocessing.Process(target=measure, args=(engine, str(data_path), queue))
        process.start()
        try:
            seconds, keys = queue.get(timeout=args.timeout)
        except Exception:
            process.kill()
            print(
                json.dumps({"engine": engine, "triples": len(data), "seconds": None, "timeout": args.timeout})
            )
            outcomes[engine] = None
            continue
        process.join()
        outcomes[engine] = keys
        severities: dict[str, int] = {}
        for key in keys:
            severities[key[3]] = severities.get(key[3], 0) + 1
        print(
            json.dumps(
                {"engine": engine, "triples": len(data), "seconds": round(seconds, 2), "results": severities}
            ),
            flush=True,
        )
    finished = [k for k in outcomes.values() if k is not None]
    if len(finished) > 1:
        print(json.dumps({"identical": all(k == finished[0] for k in finished)}))


if __name__ == "__main__":
    main()
