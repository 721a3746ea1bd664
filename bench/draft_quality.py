"""How close ``agkg draft`` comes to the curated claims: recall and precision per article.

Each corpus article that has a curated claims file is drafted from scratch (the draft sees the
text and the entities, never the claims) and compared with the curated claims as statements
matched on subject, property and value (qualifiers, quotes and attribution are not scored).
Run from the project folder: ``python bench/draft_quality.py [--corpus DIR]``.
"""

from __future__ import annotations

import argparse
import sys

from agkg.build.claims import load_curated_data
from agkg.build.ontology import load_vocabulary
from agkg.build.quotes import load_corpus
from agkg.config import load_config
from agkg.curation.draft import draft_claims, read_catalog

# tuned on siddiqui-2021; what-is-isis-k-2021 is held out (never looked at while writing the rules)
HELD_OUT = {"what-is-isis-k-2021"}


def normalise(kind_value: str) -> str:
    return " ".join(kind_value.lower().split())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", default=".")
    parser.add_argument("--corpus")
    parser.add_argument("-v", "--verbose", action="store_true", help="list extra and missed statements")
    args = parser.parse_args()
    config = load_config(args.project, {"corpus": args.corpus})
    vocabulary = load_vocabulary(config.ontology_dir)
    data = load_curated_data(config.data_dir, vocabulary, config.project_dir)
    catalog = read_catalog(config.data_dir, config.project_dir)
    assert config.corpus_dir is not None
    corpus = load_corpus(config.corpus_dir)
    print("| article | set | curated | drafted | matched | recall | precision | attribution agrees |")
    print("|---|---|---|---|---|---|---|---|")
    for source in sorted(data.sources.values(), key=lambda s: s.id):
        if not source.sha256 or source.sha256 not in corpus:
            continue
        curated = {
            (c.subject, c.property, normalise(getattr(c.value, "id", None) or c.value.lexical))  # type: ignore[union-attr]
            for c in data.claims
            if c.source == source.id
        }
        if not curated:
            continue
        draft = draft_claims(
            corpus[source.sha256].text, source.id, catalog, vocabulary, source.language, source.relays
        )
        drafted = {(c.subject, c.property, normalise(c.value)) for c in draft.claims}
        matched = curated & drafted
        # of the matched statements, how many the draft attributes as the curators did
        curated_by: dict[tuple[str, str, str], set[str | None]] = {}
        for c in data.claims:
            if c.source == source.id:
                key = (c.subject, c.property, normalise(getattr(c.value, "id", None) or c.value.lexical))  # type: ignore[union-attr]
                curated_by.setdefault(key, set()).add(c.attributed_to)
        drafted_by: dict[tuple[str, str, str], set[str | None]] = {}
        for d in draft.claims:
            drafted_by.setdefault((d.subject, d.property, normalise(d.value)), set()).add(d.attributed_to)
        agree = sum(1 for key in matched if curated_by[key] & drafted_by[key])
        recall = len(matched) / len(curated)
        precision = len(matched) / len(drafted) if drafted else 0.0
        role = "held out" if source.id in HELD_OUT else "tuning"
        print(
            f"| {source.id} | {role} | {len(curated)} | {len(drafted)} | {len(matched)} "
            f"| {recall:.0%} | {precision:.0%} | {agree}/{len(matched)} |"
        )
        if args.verbose and source.id not in HELD_OUT:  # never look at the held-out article's diff
            for item in sorted(drafted - curated):
                print("  extra", item, file=sys.stderr)
            for item in sorted(curated - drafted):
                print("  missed", item, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
