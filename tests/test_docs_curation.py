"""docs/curation.md, run: its commands, their exit codes and the output lines it shows, so the
walkthrough cannot go stale.

The doc's ```console blocks hold commands (``$ agkg …``, with ``# exit N`` when the command is
expected to fail) followed by the lines it shows of their output (``…`` stands for lines left
out); its ```diff blocks are the review's edits, applied in order. Deleting ``status`` and
``confidence`` after checking each claim is the one review step the doc gives in words: the test
accepts every drafted claim and stub.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import Result
from conftest import DATASET

Run = Callable[..., Result]

DOC = Path(__file__).resolve().parents[1] / "docs" / "curation.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass
class Command:
    args: list[str]
    exit_code: int
    shown: list[str] = field(default_factory=list)


@dataclass
class Edit:
    path: str
    old: str
    new: str


def steps(doc: str) -> list[Command | Edit]:
    """The doc's commands and review edits, in the order a curator meets them."""
    result: list[Command | Edit] = []
    for block in BLOCK.finditer(doc):
        kind, body = block.group(1), block.group(2)
        if kind == "console":
            for line in body.splitlines():
                if line.startswith("$ "):
                    command, _, comment = line[2:].partition("#")
                    expected = re.fullmatch(r"\s*exit (\d+)\s*", comment)
                    result.append(Command(shlex.split(command), int(expected.group(1)) if expected else 0))
                elif line.strip() and line.strip() != "…":
                    assert isinstance(result[-1], Command), f"output before any command: {line}"
                    result[-1].shown.append(line.strip())
        elif kind == "diff":
            header, *lines = body.splitlines()
            assert header.startswith("--- "), header
            old = [row[1:] for row in lines if not row.startswith("+")]
            new = [row[1:] for row in lines if not row.startswith("-")]
            result.append(Edit(header[4:], "\n".join(old) + "\n", "\n".join(new) + "\n"))
    return result


@pytest.fixture
def curator_folder(tmp_path: Path, corpus: Path, repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The doc's starting point: a project with the dataset less the ISIS-K explainer, a corpus
    folder beside it without that article's text, and the text saved in the project folder."""
    project = tmp_path / "work" / "project"
    own_corpus = tmp_path / "work" / "shared" / "corpus"
    own_corpus.mkdir(parents=True)
    shutil.copy(corpus / "000_e79d1eb089dba4fc.txt", own_corpus)
    shutil.copytree(DATASET / "data", project / "data")
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(repo / folder, project / folder)
    (project / "agkg.toml").write_text(
        '[agkg]\nbase = "https://w3id.org/agkg/"\ncorpus = "../shared/corpus"\n', encoding="utf-8"
    )
    sources = project / "data" / "sources" / "corpus.yaml"
    text = sources.read_text(encoding="utf-8")
    start, end = text.index("  - id: what-is-isis-k-2021"), text.index("  - id: jadoon-mines-2021")
    sources.write_text(text[:start] + text[end:], encoding="utf-8")
    (project / "data" / "claims" / "what-is-isis-k-2021.yaml").unlink()
    shutil.copy(corpus / "003_57ae7ad77087f975.txt", project / "isis-k-explainer.txt")
    monkeypatch.chdir(project)
    return project


def accept_drafts(project: Path) -> None:
    for path in [*project.glob("data/claims/*.yaml"), *project.glob("data/entities/draft-*.yaml")]:
        rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [r for r in rows if r.strip() != "status: draft" and not r.strip().startswith("confidence:")]
        path.write_text("".join(kept), encoding="utf-8")


def test_the_walkthrough_has_every_step() -> None:
    commands = [s.args[:2] for s in steps(DOC.read_text(encoding="utf-8")) if isinstance(s, Command)]
    for verb in ("add-source", "draft", "verify", "validate", "publish"):
        assert ["agkg", verb] in commands, verb


def test_the_walkthrough_runs_as_written(curator_folder: Path, run_agkg: Run) -> None:
    doc = DOC.read_text(encoding="utf-8")
    reviewed = False
    for step in steps(doc):
        if isinstance(step, Edit):
            target = curator_folder / step.path
            text = target.read_text(encoding="utf-8")
            assert text.count(step.old) == 1, f"the doc's edit of {step.path} no longer applies:\n{step.old}"
            target.write_text(text.replace(step.old, step.new), encoding="utf-8")
            continue
        assert step.args[0] == "agkg", step.args
        if step.args[1] == "verify" and not reviewed:
            accept_drafts(curator_folder)  # the review the doc gives in words
            reviewed = True
        result = run_agkg(*step.args[1:])
        output = result.stdout + result.stderr
        assert result.exit_code == step.exit_code, f"{shlex.join(step.args)}:\n{output}"
        lines = {line.strip() for line in output.splitlines()}
        for shown in step.shown:
            assert shown in lines, f"{shlex.join(step.args)} no longer prints {shown!r}:\n{output}"
    # the YAML the doc shows is what the draft wrote (less the review's deletions)
    example = next(b.group(2) for b in BLOCK.finditer(doc) if b.group(1) == "yaml")
    claims = (curator_folder / "data" / "claims" / "what-is-isis-k-2021.yaml").read_text(encoding="utf-8")
    kept = [r for r in example.splitlines() if r.strip() != "status: draft" and "confidence:" not in r]
    assert "\n".join(kept) in claims
    assert (curator_folder / "dist" / "dataset.nq").is_file()
    assert (curator_folder.parent / "shared" / "corpus" / "001_dfc8d3f87a92d4c2.txt").is_file()
