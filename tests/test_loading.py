"""Bad claim files: every problem reported as path:line:column, exit code 2, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from agkg.build.claims import load_curated_data
from agkg.build.graph import build_dataset
from agkg.build.ontology import load_vocabulary
from agkg.config import load_config
from agkg.errors import InputError

HEADER = "source: siddiqui-2021\nclaims:\n"


def write_claims(project: Path, body: str, name: str = "zz-test.yaml") -> str:
    """Add a claims file to the project copy; return its path as messages show it."""
    path = project / "data" / "claims" / name
    path.write_text(HEADER + body, encoding="utf-8")
    return f"data/claims/{name}"


def problems_of(project: Path) -> list[str]:
    config = load_config(project)
    with pytest.raises(InputError) as caught:
        load_curated_data(config.data_dir, load_vocabulary(config.ontology_dir), root=project)
    return [str(p) for p in caught.value.problems]


GOOD_CLAIM = """  - subject: iskp
    property: inception
    value: 2015-01
    quote: It was founded in January 2015
"""


def test_the_bundled_data_loads(project: Path) -> None:
    config = load_config(project)
    data = load_curated_data(config.data_dir, load_vocabulary(config.ontology_dir), root=project)
    assert len(data.claims) > 50 and len(data.sources) >= 3


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "  - subject: iskp\n    property: inception\n    value: [2015\n",
            ":6:1: YAML syntax error: did not find expected ',' or ']'",
            id="yaml-syntax",
        ),
        pytest.param(
            GOOD_CLAIM + "    quote: again\n",
            ":7:5: duplicate key 'quote' (first at line 6)",
            id="duplicate-key",
        ),
        pytest.param(
            GOOD_CLAIM + "    qoute_note: x\n",
            ":7:5: unknown key 'qoute_note'",
            id="unknown-key",
        ),
        pytest.param(
            GOOD_CLAIM + "    rnak: normal\n",
            ":7:5: unknown key 'rnak' (did you mean 'rank'?)",
            id="unknown-key-did-you-mean",
        ),
        pytest.param(
            GOOD_CLAIM.replace("subject: iskp", "subject: iskp2"),
            ":3:14: subject: unknown entity 'iskp2' (did you mean 'iskp'?)",
            id="unknown-entity",
        ),
        pytest.param(
            GOOD_CLAIM.replace("property: inception", "property: incepton"),
            ":4:15: unknown property 'incepton' (did you mean 'inception'?)",
            id="unknown-property",
        ),
        pytest.param(
            GOOD_CLAIM.replace("value: 2015-01", "value: 2015-13"),
            ":5:12: value of inception: '2015-13': month 13 does not exist",
            id="invalid-month",
        ),
        pytest.param(
            GOOD_CLAIM.replace("value: 2015-01", "value: 2021-02-30"),
            ":5:12: value of inception: '2021-02-30': day 30 does not exist in 2021-02",
            id="impossible-date",
        ),
        pytest.param(
            GOOD_CLAIM.replace("value: 2015-01", "value: January 2015"),
            ":5:12: value of inception: 'January 2015' is not a date",
            id="date-in-words",
        ),
        pytest.param(
            "  - subject: iskp\n    property: partOf\n    value: nangarhar\n    quote: x\n",
            ":5:12: value of partOf: 'nangarhar' is a Province, but partOf takes a Organization",
            id="entity-of-wrong-class",
        ),
        pytest.param(
            "  - subject: iskp\n    property: memberCount\n    value: 3,000\n    quote: about 3,000 fighters\n",
            ":5:12: value of memberCount: '3,000' is not a whole number",
            id="number-with-comma",
        ),
        pytest.param(
            GOOD_CLAIM.replace("quote: It was founded in January 2015", "quote: '  '"),
            ":6:12: quote is empty",
            id="empty-quote",
        ),
        pytest.param(
            GOOD_CLAIM + "    rank: deprecated\n",
            "a deprecated claim needs a rank_reason",
            id="deprecated-without-reason",
        ),
        pytest.param(
            GOOD_CLAIM + "    qualifiers: {approximat: true}\n",
            ":7:18: unknown qualifier 'approximat' (did you mean 'approximate'?)",
            id="unknown-qualifier",
        ),
        pytest.param(
            GOOD_CLAIM.replace("subject: iskp", "subject: \u0456skp"),
            "contains U+0456 (CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I)",
            id="homoglyph-id",
        ),
        pytest.param(
            "  - &a\n    subject: iskp\n  - *a\n",
            "YAML anchors and aliases (&, *) are not allowed",
            id="alias",
        ),
        pytest.param(
            GOOD_CLAIM + "    attributed_to: analysts\n",
            ":7:20: attributed_to: unknown entity or source 'analysts'",
            id="unknown-attribution",
        ),
        pytest.param(
            GOOD_CLAIM + "    better_supported_by: no-such-claim\n",
            "better_supported_by: unknown claim id 'no-such-claim'",
            id="dangling-claim-reference",
        ),
    ],
)
def test_bad_claim_is_reported_at_its_position(project: Path, body: str, expected: str) -> None:
    path = write_claims(project, body)
    messages = problems_of(project)
    assert any(m.startswith(path) and expected in m for m in messages), messages


def test_every_problem_is_reported_in_one_run(project: Path) -> None:
    body = (
        GOOD_CLAIM.replace("subject: iskp", "subject: nobody")
        + GOOD_CLAIM.replace("value: 2015-01", "value: 2015-13")
        + GOOD_CLAIM.replace("property: inception", "property: nothing")
    )
    path = write_claims(project, body)
    messages = [m for m in problems_of(project) if m.startswith(path)]
    assert len(messages) == 3, messages
    assert [m.split(":")[1] for m in messages] == ["3", "9", "12"]


def test_duplicate_entity_ids_across_files(project: Path) -> None:
    (project / "data" / "entities" / "zz-extra.yaml").write_text(
        "entities:\n  - id: iskp\n    type: ArmedGroup\n    label: {en: Duplicate}\n", encoding="utf-8"
    )
    messages = problems_of(project)
    assert any(
        m.startswith("data/entities/zz-extra.yaml:2:5: duplicate id 'iskp' (first defined at data/entities/")
        for m in messages
    ), messages


def test_unknown_entity_type_suggests_the_class(project: Path) -> None:
    (project / "data" / "entities" / "zz-extra.yaml").write_text(
        "entities:\n  - id: new-group\n    type: ArmedGrop\n    label: {en: New}\n", encoding="utf-8"
    )
    assert "data/entities/zz-extra.yaml:3:11: unknown type 'ArmedGrop' (did you mean 'ArmedGroup'?)" in (
        problems_of(project)
    )


def test_quote_not_in_source_names_the_closest_passage(project: Path) -> None:
    path = write_claims(
        project, GOOD_CLAIM.replace("It was founded in January 2015", "It was founded in June 2015")
    )
    config = load_config(project)
    with pytest.raises(InputError) as caught:
        build_dataset(config)
    message = next(str(p) for p in caught.value.problems if str(p).startswith(path))
    assert message.startswith(f"{path}:6:12: quote not found in the source text; closest passage, line 9:")
    assert "It was founded in January 2015" in message


def test_quote_found_twice_needs_a_prefix(project: Path) -> None:
    body = (
        "  - subject: iskp\n    property: groupKind\n    value: jihadist-militant-group\n    quote: IS-K is\n"
    )
    path = write_claims(project, body)
    with pytest.raises(InputError) as caught:
        build_dataset(load_config(project))
    assert any(
        str(p).startswith(f"{path}:6:12: quote occurs") and "add a prefix or suffix" in str(p)
        for p in caught.value.problems
    )


def test_identical_claims_must_agree_on_rank(project: Path) -> None:
    deprecated = GOOD_CLAIM + "    rank: deprecated\n    rank_reason: test\n"
    path = write_claims(project, deprecated)
    with pytest.raises(InputError) as caught:
        build_dataset(load_config(project))
    assert any(
        str(p).startswith(f"{path}:3:5: this claim states the same statement") and "agree on rank" in str(p)
        for p in caught.value.problems
    ), caught.value.problems


def test_bad_input_exits_2_and_publishes_nothing(project: Path, run_agkg: Callable[..., Result]) -> None:
    path = write_claims(project, GOOD_CLAIM.replace("subject: iskp", "subject: nobody"))
    out = project / "dist"
    result = run_agkg("--project", project, "publish")
    assert result.exit_code == 2
    assert f"{path}:3:14: subject: unknown entity 'nobody'" in result.stderr
    assert "nothing written" in result.stderr
    assert not out.exists()


def test_bad_input_leaves_a_previous_publication_untouched(
    project: Path, run_agkg: Callable[..., Result]
) -> None:
    assert run_agkg("--project", project, "publish").exit_code == 0
    before = {p.name: p.read_bytes() for p in (project / "dist").iterdir() if p.is_file()}
    write_claims(project, GOOD_CLAIM.replace("value: 2015-01", "value: 2015-13"))
    assert run_agkg("--project", project, "publish").exit_code == 2
    after = {p.name: p.read_bytes() for p in (project / "dist").iterdir() if p.is_file()}
    assert after == before
