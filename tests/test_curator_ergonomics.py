"""Curator ergonomics (issue 15 part 3): suggestions by meaning, finding entities, names two
entities share, and the character at which a quote goes wrong.

Every test runs on a throw-away project written here: one article (with a curly apostrophe and
an en dash in its text), a handful of entities and the claims each test needs.
"""

# The article's words use curly quotation marks and dashes on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

REPO = Path(__file__).resolve().parents[1]
TEXT = """Militants in the north

The group’s leader, Abu Example, said the Tehrik-e-Taliban Pakistan had grown.
It was founded in 2007 – in the tribal areas – and has about 4000 fighters.
"""

ENTITIES = """entities:
  - id: example-group
    type: ArmedGroup
    label: {en: Example Front}
    aliases: {en: [EF]}

  - id: pakistani-taliban
    type: ArmedGroup
    label: {en: Tehrik-e-Taliban Pakistan}
    aliases: {en: [TTP, Pakistani Taliban], ps: [د پاکستان طالبان]}
    wikidata: Q1063207

  - id: abu-example
    type: Person
    label: {en: Abū Ḥaqqānī Example}
"""

CLAIMS_OK = """source: example-2021
claims:
  - subject: example-group
    property: leader
    value: abu-example
    quote: The group’s leader, Abu Example
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A project with the real ontology and shapes and the tiny data above."""
    project = tmp_path / "project"
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, project / folder)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = TEXT.encode("utf-8")
    (corpus / "article.txt").write_bytes(data)
    (project / "agkg.toml").write_text(
        f'[agkg]\nbase = "https://w3id.org/agkg/"\ncorpus = "{corpus}"\n', encoding="utf-8"
    )
    for kind in ("sources", "entities", "claims"):
        (project / "data" / kind).mkdir(parents=True)
    (project / "data" / "sources" / "sources.yaml").write_text(
        "sources:\n  - id: example-2021\n    type: NewsArticle\n    language: en\n"
        f"    sha256: {hashlib.sha256(data).hexdigest()}\n",
        encoding="utf-8",
    )
    (project / "data" / "entities" / "entities.yaml").write_text(ENTITIES, encoding="utf-8")
    write_claims(project, CLAIMS_OK)
    return project


def write_claims(project: Path, text: str) -> Path:
    path = project / "data" / "claims" / "example-2021.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def claim(prop: str, value: str, quote: str, extra: str = "") -> str:
    return (
        "source: example-2021\nclaims:\n  - subject: example-group\n"
        f"    property: {prop}\n    value: {value}\n{extra}    quote: {quote}\n"
    )


# ----- suggestions by meaning


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("ledBy", "unknown property 'ledBy' (did you mean 'leader', also called 'led by'?)"),
        ("headedBy", "unknown property 'headedBy' (did you mean 'leader', also called 'headed by'?)"),
        ("chief", "unknown property 'chief' (did you mean 'leader', also called 'chief'?)"),
        # the label of the Wikidata property leader is aligned with
        ("chairperson", "unknown property 'chairperson' (did you mean 'leader', also called 'chairperson'?)"),
        ("P488", "unknown property 'P488' (did you mean 'leader', aligned with Wikidata P488?)"),
        # plain misspellings are still caught as before
        ("leadr", "unknown property 'leadr' (did you mean 'leader'?)"),
    ],
)
def test_unknown_property_suggests_by_meaning(
    tiny: Path, run_agkg: Callable[..., Result], written: str, message: str
) -> None:
    write_claims(tiny, claim(written, "abu-example", "The group’s leader, Abu Example"))
    result = run_agkg("--project", tiny, "build")
    assert result.exit_code == 2
    assert f"data/claims/example-2021.yaml:4:15: {message}\n" in result.stderr


def test_unknown_qualifier_suggests_by_meaning(tiny: Path, run_agkg: Callable[..., Result]) -> None:
    extra = "    qualifiers:\n      since: 2007\n      asOf: 2021\n"
    write_claims(tiny, claim("leader", "abu-example", "The group’s leader, Abu Example", extra))
    result = run_agkg("--project", tiny, "build")
    assert result.exit_code == 2
    assert (
        "data/claims/example-2021.yaml:7:7: unknown qualifier 'since' "
        "(did you mean 'startTime', also called 'since'?)"
    ) in result.stderr
    assert "unknown qualifier 'asOf' (did you mean 'pointInTime', also called 'as of'?)" in result.stderr


def test_unknown_entity_suggests_by_label_and_alias(tiny: Path, run_agkg: Callable[..., Result]) -> None:
    text = claim("alliedWith", "ttp", "the Tehrik-e-Taliban Pakistan") + (
        "  - subject: example-front\n    property: alliedWith\n    value: pakistani-taliban\n"
        "    quote: the Tehrik-e-Taliban Pakistan\n"
        "  - subject: example-group\n    property: leader\n    value: haqqani\n"
        "    quote: The group’s leader, Abu Example\n"
    )
    write_claims(tiny, text)
    result = run_agkg("--project", tiny, "build")
    assert result.exit_code == 2
    err = result.stderr
    assert (
        "data/claims/example-2021.yaml:5:12: value of alliedWith: unknown entity 'ttp' "
        "(did you mean 'pakistani-taliban', also called 'TTP'?)"
    ) in err
    # an id written as the label ("Example Front") finds the entity
    assert (
        "data/claims/example-2021.yaml:7:14: subject: unknown entity 'example-front' "
        "(did you mean 'example-group', also called 'Example Front'?)"
    ) in err
    # accents aside: "Ḥaqqānī" in the label
    assert "unknown entity 'haqqani'" in err
    assert "nothing written" in err


# ----- entities on the command line


def test_entities_search_ignores_case_and_accents_and_shows_where(
    tiny: Path, run_agkg: Callable[..., Result]
) -> None:
    result = run_agkg("--project", tiny, "entities", "--search", "HAQQANI")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "type", "wikidata", "labels", "aliases", "where"]
    (row,) = lines[2:]
    assert row.startswith("abu-example")
    assert "en: Abū Ḥaqqānī Example" in row
    assert row.endswith("data/entities/entities.yaml:13")
    assert result.stderr == "1 entity\n"


def test_entities_search_by_alias_in_any_language_and_wikidata_id(
    tiny: Path, run_agkg: Callable[..., Result]
) -> None:
    for text in ("ttp", "طالبان", "Q1063207", "pakistani"):
        result = run_agkg("--project", tiny, "entities", "--search", text, "--json")
        assert result.exit_code == 0, result.stderr
        (found,) = json.loads(result.stdout)
        assert found["id"] == "pakistani-taliban", text
    assert found["position"] == "data/entities/entities.yaml:7"
    assert found["aliases"] == {"en": ["TTP", "Pakistani Taliban"], "ps": ["د پاکستان طالبان"]}
    assert found["wikidata"] == "Q1063207"


def test_entities_type_includes_subtypes_and_unknown_type_is_refused(
    tiny: Path, run_agkg: Callable[..., Result]
) -> None:
    groups = run_agkg("--project", tiny, "entities", "--type", "Organization", "--json")
    assert [e["id"] for e in json.loads(groups.stdout)] == ["example-group", "pakistani-taliban"]
    people = run_agkg("--project", tiny, "entities", "--type", "Person", "--json")
    assert [e["id"] for e in json.loads(people.stdout)] == ["abu-example"]
    wrong = run_agkg("--project", tiny, "entities", "--type", "Persn")
    assert wrong.exit_code == 2
    assert wrong.stderr == "agkg: unknown type 'Persn' (did you mean 'Person'?)\n"


def test_entities_works_while_a_claims_file_is_broken(tiny: Path, run_agkg: Callable[..., Result]) -> None:
    write_claims(tiny, "source: example-2021\nclaims:\n  - subject: [\n")
    assert run_agkg("--project", tiny, "build").exit_code == 2
    result = run_agkg("--project", tiny, "entities")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2 + 3


# ----- names two entities share


SECOND_ENTITIES = """entities:
  - id: ttp
    type: ArmedGroup
    label: {en: Pakistani taliban}
"""


@pytest.mark.parametrize("command", [["build"], ["validate"], ["publish", "--out", "dist"]])
def test_two_entities_sharing_a_name_get_a_warning_naming_both(
    tiny: Path, run_agkg: Callable[..., Result], command: list[str]
) -> None:
    (tiny / "data" / "entities" / "more.yaml").write_text(SECOND_ENTITIES, encoding="utf-8")
    if command[0] == "publish":
        command[-1] = str(tiny / "dist")
    result = run_agkg("--project", tiny, *command)
    assert result.exit_code == 0, result.stderr
    assert (
        "warning: data/entities/more.yaml:2:5: entity 'ttp' has the en label 'Pakistani taliban', "
        "which entity 'pakistani-taliban' (data/entities/entities.yaml:7:5) has as 'Pakistani Taliban' "
        "as its en alias: the same thing twice? merge them, or tell them apart with a description\n"
    ) in result.stderr


def test_shared_name_warning_survives_an_incremental_publish(
    tiny: Path, run_agkg: Callable[..., Result]
) -> None:
    (tiny / "data" / "entities" / "more.yaml").write_text(SECOND_ENTITIES, encoding="utf-8")
    out = tiny / "dist"
    assert run_agkg("--project", tiny, "publish", "--out", out).exit_code == 0
    write_claims(tiny, CLAIMS_OK.replace("Abu Example", "Abu Example, said"))
    again = run_agkg("--project", tiny, "publish", "--out", out)
    assert again.exit_code == 0, again.stderr
    assert "incremental build" in again.stderr
    assert "warning: data/entities/more.yaml:2:5: entity 'ttp' has the en label" in again.stderr


def test_names_in_different_languages_or_of_one_entity_are_not_shared(
    tiny: Path, run_agkg: Callable[..., Result]
) -> None:
    (tiny / "data" / "entities" / "more.yaml").write_text(
        "entities:\n  - id: ef-fr\n    type: ArmedGroup\n    label: {fr: Example Front}\n", encoding="utf-8"
    )
    result = run_agkg("--project", tiny, "build")
    assert result.exit_code == 0
    assert "warning" not in result.stderr


# ----- quotes not found


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        (
            '"The group\'s leader"',
            "differs at character 10: the quote has ''' (U+0027 APOSTROPHE), "
            "the text has '’' (U+2019 RIGHT SINGLE QUOTATION MARK)",
        ),
        (
            "founded in 2007 - in the tribal areas",
            "differs at character 17: the quote has '-' (U+002D HYPHEN-MINUS), "
            "the text has '–' (U+2013 EN DASH)",
        ),
        (
            "has about\u00a04000 soldiers",
            "differs at character 16: the quote has 's' (U+0073 LATIN SMALL LETTER S), "
            "the text has 'f' (U+0066 LATIN SMALL LETTER F)",
        ),
    ],
)
def test_quote_not_found_names_the_first_differing_character(
    tiny: Path, run_agkg: Callable[..., Result], quote: str, expected: str
) -> None:
    write_claims(tiny, claim("leader", "abu-example", quote))
    result = run_agkg("--project", tiny, "build")
    assert result.exit_code == 2
    (line,) = [x for x in result.stderr.splitlines() if "quote not found" in x]
    assert line.startswith(
        "data/claims/example-2021.yaml:6:12: quote not found in the source text; closest passage"
    )
    assert line.endswith("; closest passage " + expected)


def test_quote_found_but_not_with_its_prefix_says_so(tiny: Path, run_agkg: Callable[..., Result]) -> None:
    extra = "    prefix: Nothing like this\n"
    write_claims(tiny, claim("leader", "abu-example", "The group’s leader", extra))
    result = run_agkg("--project", tiny, "verify")
    assert result.exit_code == 2
    assert (
        "data/claims/example-2021.yaml:7:12: quote not found in the source text with its prefix and "
        "suffix: the quote occurs, but not next to them"
    ) in result.stderr
