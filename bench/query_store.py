"""Time ``agkg query`` on a published project: the first query after a publish and later ones,
each as a fresh process, for every query in ``queries/``, evaluated each time (``--no-cache``)
and with the kept answers; and what the query store adds to a full and an incremental publish.

Usage: ``python bench/query_store.py PROJECT [--runs 3] [--out results.json]`` on a project
from ``bench/generate.py`` (it is published with ``--full``, then one claims file is edited
and it is published again, incrementally).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AGKG = [sys.executable, "-m", "agkg"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: dict[str, float] = {}  # CPU seconds of the last run of each command (the machine is shared)


def timed(args: list[str], project: Path) -> tuple[float, str]:
    started, used = time.perf_counter(), children_cpu()
    result = subprocess.run(
        [*AGKG, "--project", str(project), "-q", *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    CPU[" ".join(args)] = children_cpu() - used
    if result.returncode != 0:
        raise SystemExit(f"agkg {' '.join(args)} failed: {result.stderr}")
    return seconds, result.stdout + result.stderr


def store_seconds(output: str) -> float:
    match = re.search(r"query-store/ +\w+, \d+ quads in ([\d.]+) s", output)
    return float(match.group(1)) if match else float("nan")


def drop_last_claim(project: Path) -> None:
    path = sorted((project / "data" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("\n  - ") + 1], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="later queries timed per query")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--published", action="store_true", help="the project is published: no full publish")
    parser.add_argument(
        "--no-edit", action="store_true", help="stop after the queries (no incremental publish)"
    )
    options = parser.parse_args()
    project = options.project.resolve()

    figures: dict[str, object] = {}
    if not options.published:
        full, output = timed(["publish", "--full"], project)
        triples = re.search(r"(\d+) triples", output)
        figures = {
            "triples": int(triples.group(1)) if triples else None,
            "publish_full": full,
            "publish_full_cpu": CPU["publish --full"],
            "publish_full_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "store_full": store_seconds(output),
        }
    queries = {}
    for path in sorted((REPO / "queries").glob("*.rq")):
        # evaluated each time (--no-cache: the engine's speed), then with the kept answers: the
        # first run evaluates and keeps the answer, the later ones print it; all must agree
        command = ["query", "--file", str(path), "--format", "csv"]
        figures_of: dict[str, float] = {}
        answers = set()
        for mode, options_of_mode in (("engine", ["--no-cache"]), ("cache", [])):
            first, answer = timed([*command, *options_of_mode], project)
            answers.add(answer)
            first_cpu = CPU[" ".join([*command, *options_of_mode])]
            later, later_cpu = [], []
            for _ in range(options.runs):
                seconds, answer = timed([*command, *options_of_mode], project)
                answers.add(answer)
                later.append(seconds)
                later_cpu.append(CPU[" ".join([*command, *options_of_mode])])
            figures_of |= {
                f"{mode}_first": first,
                f"{mode}_first_cpu": first_cpu,
                f"{mode}_later": statistics.median(later),
                f"{mode}_later_cpu": statistics.median(later_cpu),
            }
        if len(answers) != 1:
            raise SystemExit(f"{path.stem}: the kept answer differs from the evaluated one")
        queries[path.stem] = figures_of
        print(
            f"| {path.stem} | "
            + " | ".join(
                f"{figures_of[f'{mode}_{run}_cpu']:.2f} | {figures_of[f'{mode}_{run}']:.2f}"
                for mode in ("engine", "cache")
                for run in ("first", "later")
            )
            + " |",
            flush=True,
        )
    figures["queries"] = queries
    if options.no_edit:
        print(json.dumps(figures, indent=1))
        if options.out:
            options.out.write_text(json.dumps(figures, indent=1) + "\n")
        return
    drop_last_claim(project)
    incremental, output = timed(["publish"], project)
    figures["publish_incremental"] = incremental
    figures["publish_incremental_cpu"] = CPU["publish"]
    figures["store_incremental"] = store_seconds(output)
    print(json.dumps({k: v for k, v in figures.items() if k != "queries"}, indent=1))
    if options.out:
        options.out.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
