"""Unverified quotes are never silent (issue 15, part 4).

A one-character typo in a source's sha256, or a text left out of the corpus, used to switch
quote checking off for that source without a word: verify exited 0 ("no-text"), validate found
nothing and publish published an invented quote. Now it is an error at the sha256 line for
verify, validate and publish, unless the curator opts out (--allow-missing-texts, its
environment variable and agkg.toml setting, or ``text_held_elsewhere`` on the source); then
every reference of the source says ``agkg:quoteVerified false``, its pages say so and validate
warns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from linked_project import make_project

from agkg.cli import cli
from agkg.vocab import AGKG, XSD

INVENTED = "The alliance was founded in 1999"
FALSE = ox.Literal("false", datatype=XSD.boolean)


def agkg(project: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--project", str(project), "--quiet", *args], env=env)


def sha256_line(project: Path, source: str) -> int:
    """The line of ``source``'s sha256 in the sources file (1-based)."""
    lines = (project / "data/sources/sources.yaml").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  - id: {source}")
    return next(i for i in range(start, len(lines)) if lines[i].strip().startswith("sha256:")) + 1


@pytest.fixture
def typo(tmp_path: Path) -> Path:
    """The small project with one character of undated-2021's sha256 changed and an invented
    quote in its claims: nothing checks it against the text any more."""
    project = make_project(tmp_path / "p")
    sources = project / "data/sources/sources.yaml"
    text = sources.read_text(encoding="utf-8")
    line = text.splitlines()[sha256_line(project, "undated-2021") - 1]
    digest = line.split(":", 1)[1].strip()
    wrong = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    sources.write_text(text.replace(digest, wrong), encoding="utf-8")
    claims = project / "data/claims/undated-2021.yaml"
    claims.write_text(
        claims.read_text(encoding="utf-8")
        + f"  - subject: southern-alliance\n    property: inception\n    value: 1999\n    quote: '{INVENTED}'\n",
        encoding="utf-8",
    )
    return project


@pytest.mark.parametrize("command", [["verify"], ["validate"], ["publish"]])
def test_a_mistyped_sha256_is_an_error_at_its_line(typo: Path, command: list[str]) -> None:
    result = agkg(typo, *command)
    assert result.exit_code == 2, result.output
    where = f"data/sources/sources.yaml:{sha256_line(typo, 'undated-2021')}:"
    assert any(
        line.startswith(where) and "undated-2021" in line and "no file with sha256" in line
        for line in result.stderr.splitlines()
    ), result.stderr
    assert "Traceback" not in result.output
    assert not (typo / "dist").exists()


def test_a_source_without_sha256_is_an_error_at_its_entry(typo: Path) -> None:
    sources = typo / "data/sources/sources.yaml"
    lines = sources.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[sha256_line(typo, "undated-2021") - 1]
    sources.write_text("".join(lines), encoding="utf-8")
    entry = lines.index("  - id: undated-2021\n") + 1
    result = agkg(typo, "validate")
    assert result.exit_code == 2
    assert f"data/sources/sources.yaml:{entry}:" in result.stderr
    assert "source 'undated-2021' has no sha256" in result.stderr


def test_no_corpus_folder_is_an_error_too(typo: Path) -> None:
    (typo / "agkg.toml").write_text((typo / "agkg.toml").read_text().replace('corpus = "corpus"', ""))
    result = agkg(typo, "validate")
    assert result.exit_code == 2
    assert "no corpus folder is set" in result.stderr


def unverified_references(project: Path) -> set[ox.NamedNode | ox.BlankNode | ox.Triple]:
    store = ox.Store()
    store.load(path=str(project / "dist" / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    return {q.subject for q in store.quads_for_pattern(None, AGKG.quoteVerified, None)
            if q.object == FALSE}  # fmt: skip


@pytest.mark.parametrize(
    "how",
    ["global option", "command option", "environment", "agkg.toml", "text_held_elsewhere"],
)
def test_opting_out_marks_every_reference_of_the_source_unverified(typo: Path, how: str) -> None:
    args, env = ["publish", "--site"], None
    if how == "global option":
        args = ["--allow-missing-texts", *args]
    elif how == "command option":
        args = [*args, "--allow-missing-texts"]
    elif how == "environment":
        env = {"AGKG_ALLOW_MISSING_TEXTS": "1"}
    elif how == "agkg.toml":
        toml = typo / "agkg.toml"
        toml.write_text(toml.read_text() + "allow_missing_texts = true\n")
    else:
        sources = typo / "data/sources/sources.yaml"
        sources.write_text(
            sources.read_text().replace(
                "  - id: undated-2021\n",
                "  - id: undated-2021\n    text_held_elsewhere: 'a paywalled archive we may not copy'\n",
            )
        )
    result = agkg(typo, *args, env=env)
    assert result.exit_code == 0, result.output
    unverified = unverified_references(typo)
    assert len(unverified) == 2  # both claims of undated-2021, the invented one included
    store = ox.Store()
    store.load(path=str(typo / "dist" / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    for reference in unverified:
        sources = {
            q.object.value
            for q in store.quads_for_pattern(reference, None, None)
            if "source/" in str(q.object)
        }
        assert sources == {"https://example.org/kg/source/undated-2021"}
    # the dated source's quote was found in its text: no marker there
    assert len(list(store.quads_for_pattern(None, AGKG.quoteVerified, None))) == 2
    pages = [p.read_text(encoding="utf-8") for p in (typo / "dist" / "site").rglob("*.html")]
    marked = [page for page in pages if INVENTED in page]
    assert marked and all("quote not verified against the source text" in page for page in marked)
    # the reference page of the quote found in its text carries no such note
    found = [page for page in pages if "<h1>Reference</h1>" in page and "founded in March 2019" in page]
    assert found and not any("quote not verified" in page for page in found)

    validated = agkg(typo, *(["--allow-missing-texts"] if how not in ("agkg.toml", "text_held_elsewhere") else []),
                     "validate", "--format", "json", env=env)  # fmt: skip
    assert validated.exit_code == 0, validated.output
    results = json.loads(validated.stdout)["results"]
    warnings = [r for r in results if "UnverifiedQuoteShape" in r["shape"] and r["severity"] == "warning"]
    assert len(warnings) == 2


def test_verify_accepts_a_source_held_elsewhere(typo: Path) -> None:
    result = agkg(typo, "verify", "--allow-missing-texts")
    assert result.exit_code == 0, result.output
    assert "1 found, 0 not-found, 0 ambiguous, 2 no-text" in result.stderr


def test_text_held_elsewhere_must_say_why(typo: Path) -> None:
    sources = typo / "data/sources/sources.yaml"
    sources.write_text(
        sources.read_text().replace(
            "  - id: undated-2021\n", "  - id: undated-2021\n    text_held_elsewhere: ''\n"
        )
    )
    result = agkg(typo, "validate")
    assert result.exit_code == 2
    assert "text_held_elsewhere says why" in result.stderr


def test_an_incremental_publish_checks_the_texts_too(typo: Path) -> None:
    """The publish cache of a run that opted out must not let the next run skip the check."""
    assert agkg(typo, "publish", "--allow-missing-texts").exit_code == 0
    claims = typo / "data/claims/dated-2021.yaml"
    claims.write_text(claims.read_text().replace("founded in March 2019", "founded in March"))
    result = agkg(typo, "publish")
    assert result.exit_code == 2, result.output
    assert "no file with sha256" in result.stderr
