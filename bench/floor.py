"""The engine floor of a full publish, stage by stage, on the files that publish wrote.

    .venv/bin/python bench/floor.py PROJECT [--dist DIST] [--skip jena,turbo]

Issue 18 asks for a full publish within 2x of "the per-stage engine floor measured in the same
run": what the fastest engines cost for each stage's job alone, with none of agkg's own work
(YAML, quotes, provenance, the Wikibase form, the origins of every IRI, the error messages).
Each stage runs in a fresh process (so its CPU and peak memory are its own) on the published
``dataset.nq``/``dataset.nt`` and the shapes agkg validates with (the hand-written ones plus
the generated claim shapes, written out once as ``shapes-all.ttl``):

- ``parse``: pyoxigraph's N-Quads parser over ``dataset.nq``, every quad made and dropped;
- ``shacl-jena`` and ``shacl-turbo``: Jena's ``shacl validate`` and pyshacl-turbo on the
  union's N-Triples plus the ontology's schema triples (what agkg's validation stage sees);
  the lower of the two is the floor;
- ``dumps``: pyoxigraph's writers, from quads already parsed: Turtle (the union), TriG,
  N-Triples (the union), N-Quads and JSON-LD;
- ``store``: pyoxigraph's RocksDB bulk load of the quads the query store holds (the named
  graphs and the union as the default graph) into a fresh folder, then its compaction.

Figures are CPU seconds (user + system of the stage's process, Jena's JVM included) and the
peak resident set, printed as one JSON line per stage and a total.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))

STAGES = ("parse", "shacl-jena", "shacl-turbo", "dumps", "store")


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _inputs(project: Path, dist: Path, work: Path) -> tuple[Path, Path]:
    """The validation data (union N-Triples plus schema triples) and the whole shapes graph,
    written once so that every engine reads the same two files."""
    import pyoxigraph as ox

    from agkg.build.ontology import load_vocabulary
    from agkg.build.validation import load_shapes, schema_triples
    from agkg.config import load_config

    config = load_config(project)
    data = work / "validation.nt"
    if not data.exists():
        schema = ox.serialize(
            schema_triples(load_vocabulary(config.ontology_dir).triples), format=ox.RdfFormat.N_TRIPLES
        )
        with data.open("wb") as out:
            with (dist / "dataset.nt").open("rb") as union:
                shutil.copyfileobj(union, out, 1 << 20)
            out.write(schema or b"")
    shapes_file = work / "shapes-all.ttl"
    if not shapes_file.exists():
        shapes, _ = load_shapes(config.shapes_dir)
        shapes_file.write_text(shapes.serialize(format="turtle"), encoding="utf-8")
    return data, shapes_file


def stage(name: str, project: Path, dist: Path, work: Path) -> dict[str, object]:
    """Run one stage in this process (a fresh one: see ``main``) and measure it."""
    import pyoxigraph as ox

    data, shapes_file = _inputs(project, dist, work)
    cpu0, wall0 = _cpu(resource.RUSAGE_SELF), time.perf_counter()
    extra: dict[str, object] = {}
    if name == "parse":
        count = 0
        with (dist / "dataset.nq").open("rb") as stream:
            for _ in ox.parse(stream, format=ox.RdfFormat.N_QUADS):
                count += 1
        extra["quads"] = count
    elif name == "shacl-jena":
        from agkg.build.jena import find_jena, validate_files
        from agkg.build.validation import jena_heap

        runtime = find_jena()
        if runtime is None:
            raise SystemExit("shacl-jena: Java or Apache Jena is not installed")
        triples = sum(1 for _ in data.open("rb"))
        report = validate_files(runtime, shapes_file, data, jena_heap(triples) or 0)
        extra["results"] = report.read_text(encoding="utf-8", errors="replace").count("sh:ValidationResult")
    elif name == "shacl-turbo":
        import rdflib
        from pyshacl_turbo import validate
        from pyshacl_turbo.rdf import Input

        shapes = rdflib.Graph().parse(shapes_file, format="turtle")
        cpu0, wall0 = _cpu(resource.RUSAGE_SELF), time.perf_counter()  # the shapes are agkg's set-up
        _, graph, _ = validate(
            Input(data.read_text(encoding="utf-8"), "nt", None, {}),
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            allow_warnings=True,
            allow_infos=True,
        )
        extra["results"] = len(
            list(
                graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))
            )
        )
    elif name == "dumps":
        quads = list(ox.parse(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS))
        triples = list(ox.parse(path=str(dist / "dataset.nt"), format=ox.RdfFormat.N_TRIPLES))
        cpu0, wall0 = _cpu(resource.RUSAGE_SELF), time.perf_counter()  # writing only: parse is its own stage
        for form, items in (
            (ox.RdfFormat.TURTLE, triples),
            (ox.RdfFormat.TRIG, quads),
            (ox.RdfFormat.N_TRIPLES, triples),
            (ox.RdfFormat.N_QUADS, quads),
            (ox.RdfFormat.JSON_LD, quads),
        ):
            with (work / f"floor.{form.file_extension}").open("wb") as out:
                ox.serialize(items, out, format=form)
    elif name == "store":
        folder = Path(tempfile.mkdtemp(prefix="floor-store-", dir=work))
        store = ox.Store(str(folder))
        store.bulk_load(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        store.bulk_load(
            path=str(dist / "dataset.nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph()
        )
        store.optimize()
        extra["quads"] = len(store)
        del store
        shutil.rmtree(folder)
    else:
        raise SystemExit(f"unknown stage {name}")
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu0
    peak = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {
        "stage": name,
        "cpu_s": round(cpu, 2),
        "wall_s": round(time.perf_counter() - wall0, 2),
        "peak_mib": peak // 1024,
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--dist", type=Path, help="the publication (default: PROJECT/dist)")
    parser.add_argument("--skip", default="", help="stages to leave out, comma-separated")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    dist = args.dist or args.project / "dist"
    if args.stage:
        print(json.dumps(stage(args.stage, args.project, dist, args.work)), flush=True)
        return
    work = Path(tempfile.mkdtemp(prefix="agkg-floor-"))
    _inputs(args.project, dist, work)
    rows = []
    for name in STAGES:
        if name in args.skip.split(","):
            continue
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                str(args.project),
                "--dist",
                str(dist),
                "--stage",
                name,
                "--work",
                str(work),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        if done.returncode != 0:
            raise SystemExit(f"stage {name} failed:\n{done.stderr[-2000:]}")
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    cpu = {str(r["stage"]): float(r["cpu_s"]) for r in rows}  # type: ignore[arg-type]
    shacl = min((cpu[s] for s in ("shacl-jena", "shacl-turbo") if s in cpu), default=0.0)
    floor = cpu.get("parse", 0.0) + shacl + cpu.get("dumps", 0.0) + cpu.get("store", 0.0)
    print(json.dumps({"floor_cpu_s": round(floor, 2), "shacl_floor_cpu_s": shacl}))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
