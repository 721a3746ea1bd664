"""bench/load_endpoint.py's bookkeeping: the plan it sends and the RESULTS.md section it edits.

No timings here: the benchmark itself runs by hand and reports to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path
from types import ModuleType

import pytest
from bench_modules import load_bench

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("load_endpoint")


def test_plan_has_the_slow_queries_spread_and_distinct(bench: ModuleType) -> None:
    plan = bench.plan(["a", "b"], 2000, 16)
    assert len(plan) == 2000
    slow = [i for i, (kind, _, _) in enumerate(plan) if kind == "slow"]
    assert len(slow) == 16 and len({plan[i][1] for i in slow}) == 16
    assert slow[0] < 200 and slow[-1] < 0.85 * 2000 and min(b - a for a, b in itertools.pairwise(slow)) > 50
    assert plan == bench.plan(["a", "b"], 2000, 16)  # reproducible


def test_rows_are_replaced_by_label_and_the_rest_is_kept(bench: ModuleType, tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Other\n\nkept\n", encoding="utf-8")
    args = argparse.Namespace(requests=2000, clients=20, slow=16, timeout=10.0)
    bench.write_row(results, args, "| before | 1 |")
    bench.write_row(results, args, "| after | 2 |")
    text = results.read_text(encoding="utf-8")
    text = text.replace("| after | 2 |\n", "| after | 2 |\n\n- a note\n  on two lines\n")
    results.write_text(text, encoding="utf-8")
    bench.write_row(results, args, "| after | 3 |")
    text = results.read_text(encoding="utf-8")
    assert "## Other\n\nkept\n" in text
    assert "| before | 1 |\n| after | 3 |\n\n- a note\n  on two lines\n" in text
    assert "| after | 2 |" not in text and text.count(bench.SECTION) == 1
