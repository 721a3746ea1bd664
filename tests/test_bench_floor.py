"""bench/floor.py: the engine floor of a publish, each stage on the published files.

Its figures are only worth comparing with agkg's if each stage does the same job: the engines
must find the results agkg's validation finds, and the store must hold the quads agkg's query
store holds (the named graphs plus the union as the default graph)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench_modules import BENCH, load_bench
from click.testing import CliRunner

from agkg.cli import cli


def test_floor_stages_do_the_publish_jobs(tmp_path: Path) -> None:
    project = load_bench("generate").generate_project(tmp_path / "p", triples=3000, seed=5)
    published = CliRunner().invoke(cli, ["--project", str(project), "-q", "publish"])
    assert published.exit_code == 0, published.output
    checked = CliRunner().invoke(cli, ["--project", str(project), "validate", "--format", "json"])
    agkg_results = len(json.loads(checked.stdout)["results"])
    done = subprocess.run(
        [sys.executable, str(BENCH / "floor.py"), str(project), "--skip", "shacl-jena"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {row.get("stage", "total"): row for row in map(json.loads, done.stdout.splitlines())}
    nquads = (project / "dist" / "dataset.nq").read_bytes().count(b"\n")
    ntriples = (project / "dist" / "dataset.nt").read_bytes().count(b"\n")
    assert rows["parse"]["quads"] == nquads
    # the union's triples are in the default graph beside the named graphs, as in agkg's store
    assert rows["store"]["quads"] == nquads + ntriples
    assert rows["shacl-turbo"]["results"] == agkg_results > 0  # the generator plants mistakes
    total = rows["total"]
    parts = ("parse", "shacl-turbo", "dumps", "store")
    assert abs(total["floor_cpu_s"] - sum(rows[p]["cpu_s"] for p in parts)) < 0.02
