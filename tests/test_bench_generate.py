"""The benchmark generator's data: ranks agree at every scale, and every curated query matches it.

Regression for the rank conflict at 300k triples ("identical claims must agree on rank"): the
generator ranked a Fact preferred when it drew it again, after an earlier source had already
written it at normal rank. Only a Fact drawn for the first time may now be ranked.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
from bench_modules import load_bench

from agkg.build.graph import build_dataset
from agkg.config import load_config
from agkg.sparql.query import DatasetStore, run_query, store_from_built

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    return load_bench("generate")


def _ranks_by_fact(project: Path) -> dict[tuple[object, ...], set[str]]:
    built = build_dataset(load_config(project))  # raises InputError on a rank conflict
    ranks: dict[tuple[object, ...], set[str]] = defaultdict(set)
    for claim in built.data.claims:
        ranks[(claim.subject, claim.property, claim.value, claim.qualifiers)].add(claim.rank)
    return ranks


def test_recurring_fact_keeps_its_first_rank(generate: ModuleType, tmp_path: Path) -> None:
    """Draw the same few member counts over and over: each recurs in many sources."""

    class Recurring(generate.Generator):  # type: ignore[misc]
        def fact(self) -> object:
            count = 100 + self.random.randrange(40)
            return generate.Fact(
                "group-0",
                "memberCount",
                str(count),
                [("pointInTime", "2015")],
                words=f"group 0 has {count} fighters",
            )

    Recurring(200, 7).write(tmp_path / "p")
    ranks = _ranks_by_fact(tmp_path / "p")
    assert {"normal", "preferred", "deprecated"} <= set().union(*ranks.values())
    assert all(len(r) == 1 for r in ranks.values())


@pytest.mark.parametrize(("triples", "seed"), [(2_000, 7), (20_000, 7), (20_000, 11)])
def test_generated_facts_agree_on_rank(generate: ModuleType, tmp_path: Path, triples: int, seed: int) -> None:
    project = generate.generate_project(tmp_path / "p", triples=triples, seed=seed)
    ranks = _ranks_by_fact(project)
    assert any(r == {"deprecated"} for r in ranks.values())
    assert all(len(r) == 1 for r in ranks.values())
    # article-claims matches the headline as English text: the article must be in English
    sources = (project / "data" / "sources" / "sources.yaml").read_text(encoding="utf-8")
    entry = sources.split(f'headline: "{generate.ARTICLE_HEADLINE}"')[1].split("\n\n")[0]
    assert "language: en\n" in entry


def test_every_curated_query_matches_synthetic_data(generate: ModuleType, tmp_path: Path) -> None:
    """Queries naming corpus ids (iskp, Nangarhar, the ISIS-K article) find them at any scale."""
    built = build_dataset(load_config(generate.generate_project(tmp_path / "p", triples=3_000, seed=7)))
    dataset = DatasetStore(store_from_built(built), built.iris, rebuilt=True)
    for path in sorted((REPO / "queries").glob("*.rq")):
        answer = run_query(dataset, path.read_text(encoding="utf-8"))
        if isinstance(answer, ox.QueryBoolean):
            # as in the curated data, the only claim placing Nangarhar in Pakistan is deprecated
            assert path.stem == "nangarhar-in-pakistan" and not bool(answer)
        else:
            assert sum(1 for _ in answer) > 0, path.stem
    nangarhar = [c for c in built.data.claims if c.subject == "nangarhar" and c.property == "country"]
    assert {c.rank for c in nangarhar} == {"normal", "deprecated"}
