"""The query library answers in English, however many languages the entities are labelled in.

Entities may carry one label per language (docs/data-format.md). A library query that joins on
``rdfs:label`` without choosing a language returns one row per combination of the labels of
the entities in the row: with labels in five languages, ``corroborated`` returned 5x as many
rows at 1M as it has facts and sources. Here every entity of a copy of the frozen dataset gets
a Pashto label beside its English one, and each library query must answer exactly as it does
without them; only ``group-names``, whose question is the names themselves, gains rows, and
those rows are the Pashto labels.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from agkg.cli import cli

ENGLISH_LABEL = re.compile(r"^(\s+label: )\{en: (.+)\}$", re.MULTILINE)
PASHTO = "پښتو "
NAMES_QUERY = "group-names"


def add_pashto_labels(project: Path) -> int:
    """Give every entity with an English label a Pashto one too; return how many were given."""
    added = 0
    for path in sorted((project / "data" / "entities").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        changed, count = ENGLISH_LABEL.subn(
            lambda m: f'{m.group(1)}{{en: {m.group(2)}, ps: "{PASHTO}{m.group(2).strip(chr(34))}"}}', text
        )
        path.write_text(changed, encoding="utf-8")
        added += count
    return added


def answers(project: Path) -> dict[str, str]:
    """Every library query's answer as TSV, by name."""
    found = {}
    for path in sorted((project / "queries").glob("*.rq")):
        result = CliRunner().invoke(
            cli, ["--project", str(project), "--quiet", "query", "--file", str(path), "--format", "tsv"]
        )
        assert result.exit_code == 0, (path.name, result.output)
        found[path.stem] = result.output
    return found


@pytest.fixture(scope="module")
def both_answers(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str], int]:
    from conftest import CORPUS, project_source

    def copy(name: str) -> Path:
        target = tmp_path_factory.mktemp(name)
        for folder in ("data", "ontology", "shapes", "queries"):
            shutil.copytree(project_source(folder), target / folder)
        (target / "agkg.toml").write_text(
            f'[agkg]\nbase = "https://w3id.org/agkg/"\ncorpus = "{CORPUS}"\n', encoding="utf-8"
        )
        return target

    english = copy("english")
    bilingual = copy("bilingual")
    added = add_pashto_labels(bilingual)
    return answers(english), answers(bilingual), added


def test_the_fixture_got_its_second_language(
    both_answers: tuple[dict[str, str], dict[str, str], int],
) -> None:
    english, bilingual, added = both_answers
    assert added >= 50
    assert PASHTO in bilingual[NAMES_QUERY] and PASHTO not in english[NAMES_QUERY]


def test_every_other_library_query_answers_as_in_english_alone(
    both_answers: tuple[dict[str, str], dict[str, str], int],
) -> None:
    english, bilingual, _ = both_answers
    assert len(english) >= 20
    differing = [name for name in english if name != NAMES_QUERY and bilingual[name] != english[name]]
    assert differing == []
    # and the answers are not empty ones that would agree trivially
    assert sum(1 for name, text in english.items() if text.count("\n") > 1) >= 20


def test_the_names_query_gains_exactly_the_pashto_labels(
    both_answers: tuple[dict[str, str], dict[str, str], int],
) -> None:
    english, bilingual, _ = both_answers
    before = set(english[NAMES_QUERY].splitlines())
    after = set(bilingual[NAMES_QUERY].splitlines())
    assert before <= after
    assert after - before and all(PASHTO in row for row in after - before)
