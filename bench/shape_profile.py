"""Per-shape validation cost on a generated project: which shapes grow faster than the data.

    .venv/bin/python bench/shape_profile.py PROJECT [--only Name,Name] [--all] [--data FILE.nt]

Builds the project's dataset once (agkg's own build), writes the data graph the shapes see
(union plus schema triples) as N-Triples, then times pyshacl-turbo once with no targets at all
(the engine's parse and setup: the floor) and once per target-bearing shape with only that
shape's targets kept. The generated claim shapes (agkg-claims.ttl) are timed as one group (with
``--kinds``, also one group per kind of generated shape: value, range, full value, truthy, link,
subject, qualifier value, the statements' qualifiers), and with ``--all`` every shape together
(the whole validation in the engine). One
JSON line per run: the shape, wall and CPU seconds, CPU seconds above the floor, and the number
of results.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from agkg.build.graph import build_dataset  # noqa: E402
from agkg.build.ontology import load_vocabulary  # noqa: E402
from agkg.build.validation import (  # noqa: E402
    NTriplesData,
    load_shapes,
    run_engine,
    schema_triples,
    validation_triples,
)
from agkg.config import load_config  # noqa: E402

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
# The kinds of generated claim shape, by the end of their names (shapes/agkg-claims.ttl); the
# first that matches names the kind, so "FullValueShape" is not counted as "ValueShape".
KINDS = (
    "QualifierValueShape",
    "FullValueShape",
    "ValueShape",
    "RangeShape",
    "TruthyShape",
    "LinkShape",
    "SubjectShape",
    "StatementQualifiers",
)


def kind_of(shape: rdflib.term.Node) -> str:
    """The kind of a generated claim shape: the first of KINDS its name ends with."""
    name = str(shape).rsplit("#", 1)[-1]
    return next((kind for kind in KINDS if name.endswith(kind)), "other")


def only_targets(shapes: rdflib.Graph, keep: set[rdflib.term.Node]) -> rdflib.Graph:
    """A copy of ``shapes`` in which only the shapes in ``keep`` have targets."""
    copy = rdflib.Graph()
    for prefix, namespace in shapes.namespaces():
        copy.bind(prefix, namespace)
    for s, p, o in shapes:
        if p in TARGETS and s not in keep:
            continue
        copy.add((s, p, o))
    return copy


def cpu() -> float:
    """CPU seconds of this process, all threads: on a shared machine wall time measures the
    other jobs as much as this one."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def counters() -> tuple[float, float, int]:
    """System CPU seconds, minor page faults and the peak resident set (MiB) so far: a run whose
    system time and faults grow faster than the data pays for memory (pages zeroed and mapped),
    not for its rules."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_stime, usage.ru_minflt, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--only", default="", help="comma-separated shape local names")
    parser.add_argument("--all", action="store_true", help="one more run with every shape's targets")
    parser.add_argument("--kinds", action="store_true", help="one run per kind of generated shape")
    parser.add_argument(
        "--data", type=Path, help="N-Triples file: read if it exists, else written (skips the build)"
    )
    parser.add_argument(
        "--published", type=Path, help="a publication: its dataset.nt and the schema (no build)"
    )
    args = parser.parse_args()
    config = load_config(args.project)
    shapes, _ = load_shapes(config.shapes_dir, base=config.base)
    started = time.perf_counter()
    if args.published is not None:
        schema = NTriplesData.of(schema_triples(load_vocabulary(config.ontology_dir).triples)).text
        data = NTriplesData((args.published / "dataset.nt").read_text(encoding="utf-8") + schema)
        if not data.text.isascii():
            data = NTriplesData.of(ox.parse(data.text.encode(), format=ox.RdfFormat.N_TRIPLES))
    elif args.data is not None and args.data.exists():
        data = NTriplesData(args.data.read_text(encoding="ascii"))
    else:
        built = build_dataset(config, None, require_texts=True)
        data = NTriplesData.of(validation_triples(built))
        del built
        if args.data is not None:
            args.data.write_text(data.text, encoding="ascii")
    print(json.dumps({"build": round(time.perf_counter() - started, 2), "bytes": len(data.text)}), flush=True)
    claims_shapes = rdflib.Graph().parse(config.shapes_dir / "agkg-claims.ttl")
    generated = {s for p in TARGETS for s in claims_shapes.subjects(p, None)}
    targeted = sorted({s for p in TARGETS for s in shapes.subjects(p, None)} - generated, key=str)
    wanted = {name for name in args.only.split(",") if name}
    runs: list[tuple[str, set[rdflib.term.Node]]] = [("(floor: no targets)", set())]
    runs += [(str(s).rsplit("/", 1)[-1].rsplit("#", 1)[-1], {s}) for s in targeted]
    runs.append(("(generated claim shapes)", generated))
    if wanted:
        runs = runs[:1] + [run for run in runs if run[0] in wanted]
    if args.kinds:
        for kind in sorted({kind_of(s) for s in generated}):
            runs.append((f"(generated: {kind})", {s for s in generated if kind_of(s) == kind}))
    if args.all:
        runs.append(("(all shapes)", set(targeted) | generated))
    floor = 0.0
    for name, keep in runs:
        subset = only_targets(shapes, keep)
        started, used, (system, faults, _) = time.perf_counter(), cpu(), counters()
        report = run_engine(data, subset, "turbo")
        seconds, cpu_seconds = time.perf_counter() - started, cpu() - used
        system_after, faults_after, peak = counters()
        if not keep:
            floor = cpu_seconds
        results = len(set(report.subjects(SH.focusNode, None)))
        line = {
            "shape": name,
            "wall_s": round(seconds, 2),
            "cpu_s": round(cpu_seconds, 2),
            "cpu_above_floor": round(cpu_seconds - floor, 2),
            "results": results,
            "sys_s": round(system_after - system, 2),
            "minor_faults": faults_after - faults,
            "peak_mib": peak,
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
