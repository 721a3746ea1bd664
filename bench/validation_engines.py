"""pyshacl-turbo against Jena on one data graph: time, CPU and peak memory of each run.

    .venv/bin/python bench/validation_engines.py DATA.nt [DATA.nt ...] [--engines turbo,jena]
        [--heaps 1024,2048] [--shapes DIR]

DATA.nt is the graph the shapes see (union plus schema triples), as ``bench/shape_profile.py
--data`` writes it. Each run is a fresh process started by this one, so the figures include
start-up (the JVM's as well) and nothing of an earlier run: wall seconds, CPU seconds (user and
system, the Java process's included), the peak resident memory of the Python process and of the
Java process apart, and the number of results. Jena runs once per heap size (MiB; default:
what ``agkg.build.validation.jena_heap`` gives). One JSON line per run.

``--compare`` instead validates each file with both engines as agkg does (``validate_graph``)
and says whether their results are equal in every field (focus node, path, shape, severity,
constraint component, value, message), with the first differences.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from agkg.build.jena import find_jena, validate_files  # noqa: E402
from agkg.build.validation import (  # noqa: E402
    NTriplesData,
    jena_heap,
    load_shapes,
    read_results,
    run_engine,
    to_rdflib,
    validate_graph,
)


def one_run(engine: str, data_file: Path, shapes_dir: Path, heap_mib: int) -> dict[str, object]:
    """Validate in this process and say what it took (the parent reads the JSON line)."""
    import tempfile

    import pyoxigraph as ox

    shapes, _ = load_shapes(shapes_dir)
    if engine == "turbo":
        data = NTriplesData.from_ntriples(data_file.read_bytes())
        results = len(read_results(run_engine(data, shapes, "turbo"), {}))
    else:
        runtime = find_jena()
        if runtime is None:
            raise SystemExit("Jena is not installed")
        with tempfile.TemporaryDirectory() as folder:
            link = Path(folder) / "data.nt"
            link.symlink_to(data_file.resolve())
            shapes_file = Path(folder) / "shapes.ttl"
            shapes.serialize(shapes_file, format="turtle")
            report = validate_files(runtime, shapes_file, link, heap_mib << 20)
            graph = to_rdflib(ox.parse(path=str(report), format=ox.RdfFormat.TURTLE))
            results = len(read_results(graph, {}))
    own = resource.getrusage(resource.RUSAGE_SELF)
    java = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "python_peak_mib": own.ru_maxrss // 1024,
        "java_peak_mib": java.ru_maxrss // 1024 if engine == "jena" else 0,
        "results": results,
    }


def compare(data_file: Path, shapes_dir: Path) -> dict[str, object]:
    """Both engines' results on ``data_file``, compared field for field."""
    from collections import Counter

    shapes, _ = load_shapes(shapes_dir)
    keys = {}
    for engine in ("jena", "turbo"):
        data = NTriplesData.from_ntriples(data_file.read_bytes())
        keys[engine] = Counter(r.key() for r in validate_graph(data, shapes, engine).results)
        del data
    only_jena, only_turbo = keys["jena"] - keys["turbo"], keys["turbo"] - keys["jena"]
    return {
        "data": data_file.name,
        "results": {engine: sum(counted.values()) for engine, counted in keys.items()},
        "equal": not only_jena and not only_turbo,
        "only_jena": [list(k) for k in list(only_jena)[:5]],
        "only_turbo": [list(k) for k in list(only_turbo)[:5]],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, nargs="+")
    parser.add_argument("--engines", default="turbo,jena")
    parser.add_argument("--heaps", default="", help="Jena heap sizes in MiB, comma-separated")
    parser.add_argument("--shapes", type=Path, default=REPO / "shapes")
    parser.add_argument("--compare", action="store_true", help="compare the two engines' results")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--heap", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.data[0], args.shapes, args.heap)))
        return
    if args.compare:
        for data_file in args.data:
            print(json.dumps(compare(data_file, args.shapes)), flush=True)
        return
    for data_file in args.data:
        with data_file.open("rb") as handle:
            triples = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))
        for engine in args.engines.split(","):
            heaps = [int(h) for h in args.heaps.split(",") if h] or [(jena_heap(triples) or 0) >> 20]
            for heap in heaps if engine == "jena" else [0]:
                command = [sys.executable, __file__, str(data_file), "--one", engine, "--heap", str(heap)]
                command += ["--shapes", str(args.shapes)]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                finished = subprocess.run(command, capture_output=True, text=True, check=False)
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                line: dict[str, object] = {"data": data_file.name, "triples": triples, "engine": engine}
                if engine == "jena":
                    line["heap_mib"] = heap
                line["wall_s"] = round(wall, 2)
                line["cpu_s"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2)
                if finished.returncode != 0:
                    line["error"] = finished.stderr.strip().splitlines()[-1:]
                else:
                    line.update(json.loads(finished.stdout.strip().splitlines()[-1]))
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
