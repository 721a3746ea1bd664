"""agkg add-source: a text stored in the corpus under NNN_<sha256 prefix>.txt and registered as
a source whose guessed fields the loader refuses until reviewed."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from agkg.build.yamlfile import Mapping, Scalar, Sequence, read_yaml

Run = Callable[..., Result]

SOURCES = """\
# yaml-language-server: $schema=../../schema/sources.schema.json
# A hand-written comment that must survive.
sources:
  - id: older-2020
    type: NewsArticle
    headline: "An older article"
    language: en
    sha256: {sha}
"""

ARTICLE = """\
Militants Seize Border Town

By Jane Doe, Staff Reporter

14 March 2022

Kandahar: The Example Front said on Monday that it had taken the town.
"""


@pytest.fixture
def fresh(tmp_path: Path, repo: Path) -> Path:
    """A small project: one source, the repository's ontology and shapes, an empty-ish corpus."""
    project = tmp_path / "p"
    corpus = tmp_path / "corpus"
    (project / "data" / "sources").mkdir(parents=True)
    (project / "data" / "entities").mkdir()
    (project / "data" / "claims").mkdir()
    corpus.mkdir()
    old = b"An older article\n\nSome text.\n"
    (corpus / "000_e79d1eb089dba4fc.txt").write_bytes(old)
    (corpus / "003_57ae7ad77087f975.txt").write_bytes(b"another text\n")
    (project / "data" / "sources" / "corpus.yaml").write_text(
        SOURCES.format(sha=hashlib.sha256(old).hexdigest()), encoding="utf-8"
    )
    for folder in ("ontology", "shapes"):
        shutil.copytree(repo / folder, project / folder)
    (project / "agkg.toml").write_text('[agkg]\ncorpus = "../corpus"\n', encoding="utf-8")
    return project


def entry_at(path: Path, line: int) -> Mapping:
    root = read_yaml(path, str(path))
    assert isinstance(root, Mapping)
    items = root.get("sources")
    assert isinstance(items, Sequence)
    found = [i for i in items.items if isinstance(i, Mapping) and i.position.line == line]
    assert found, f"no source entry at line {line}"
    return found[0]


def field(entry: Mapping, key: str) -> str | None:
    node = entry.get(key)
    return node.text if isinstance(node, Scalar) and not node.is_null else None


def test_plain_text_is_stored_hashed_and_registered_with_guesses_to_review(
    fresh: Path, tmp_path: Path, run_agkg: Run
) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = run_agkg("--project", fresh, "add-source", article)
    assert result.exit_code == 0, result.stderr
    sha = hashlib.sha256(ARTICLE.encode()).hexdigest()
    stored = tmp_path / "corpus" / f"004_{sha[:16]}.txt"  # one more than the highest number (003)
    assert stored.read_bytes() == article.read_bytes()
    sources = fresh / "data" / "sources" / "corpus.yaml"
    where, line = result.stdout.strip().rsplit(":", 1)
    assert where == "data/sources/corpus.yaml"
    entry = entry_at(sources, int(line))
    assert field(entry, "sha256") == sha
    assert field(entry, "id") == "doe-2022"
    assert field(entry, "headline") == "Militants Seize Border Town"
    assert field(entry, "byline") == "Jane Doe, Staff Reporter"
    assert field(entry, "published") == "2022-03-14"
    assert field(entry, "dateline") == "Kandahar"
    assert field(entry, "language") == "en"
    review = entry.get("review")
    assert isinstance(review, Sequence)
    assert {n.text for n in review.items if isinstance(n, Scalar)} == {
        "headline", "byline", "dateline", "published", "language",
    }  # fmt: skip
    text = sources.read_text(encoding="utf-8")
    assert "# A hand-written comment that must survive." in text
    assert text.startswith(SOURCES.splitlines()[0])


def test_unreviewed_source_is_refused_by_validate_until_review_is_removed(
    fresh: Path, tmp_path: Path, run_agkg: Run
) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    added = run_agkg("--project", fresh, "add-source", article)
    line = added.stdout.strip().rsplit(":", 1)[1]
    refused = run_agkg("--project", fresh, "validate")
    assert refused.exit_code == 2
    assert f"data/sources/corpus.yaml:{line}: source has guessed fields to review (" in refused.stderr
    assert "check them and remove 'review'" in refused.stderr
    sources = fresh / "data" / "sources" / "corpus.yaml"
    kept = [row for row in sources.read_text(encoding="utf-8").splitlines() if "review" not in row]
    sources.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert run_agkg("--project", fresh, "validate").exit_code == 0


def test_html_is_reduced_to_its_text_with_markup_metadata(fresh: Path, tmp_path: Path, run_agkg: Run) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<!doctype html><html lang="fr"><head><title>Site | Titre</title>'
        '<meta name="author" content="Marie Curie"><script>var x = "not text";</script></head>'
        "<body><nav>Menu</nav><article><h1>Le front &amp; la ville</h1>"
        '<time datetime="2022-03-14T09:30">14 mars</time>'
        "<p>Kandahar : le <em>Front</em> a pris la ville.</p><p>Deuxième paragraphe.</p></article></body></html>",
        encoding="utf-8",
    )
    result = run_agkg("--project", fresh, "add-source", page, "--id", "curie-2022")
    assert result.exit_code == 0, result.stderr
    stored = sorted((tmp_path / "corpus").glob("004_*.txt"))
    assert len(stored) == 1
    text = stored[0].read_text(encoding="utf-8")
    assert (
        text
        == "Le front & la ville\n\n14 mars\n\nKandahar : le Front a pris la ville.\n\nDeuxième paragraphe.\n"
    )
    entry = entry_at(fresh / "data" / "sources" / "corpus.yaml", int(result.stdout.strip().rsplit(":", 1)[1]))
    assert field(entry, "id") == "curie-2022"
    assert field(entry, "headline") == "Le front & la ville"
    assert field(entry, "byline") == "Marie Curie"
    assert field(entry, "published") == "2022-03-14T09:30"
    assert field(entry, "language") == "fr"
    assert field(entry, "sha256") == hashlib.sha256(text.encode()).hexdigest()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_text_that_is_not_utf8_is_refused_at_its_line_and_column(
    fresh: Path, tmp_path: Path, run_agkg: Run
) -> None:
    before = snapshot(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_bytes("Headline\n\nCaf\xe9 ".encode("latin-1") + b"\n")
    result = run_agkg("--project", fresh, "add-source", bad)
    assert result.exit_code == 2
    assert f"{bad}:3:4: not UTF-8: byte 0xe9" in result.stderr
    assert "Traceback" not in result.stderr
    after = snapshot(tmp_path)
    after.pop("bad.txt")
    assert after == before


def test_a_text_already_registered_or_an_id_in_use_is_an_error_naming_it(
    fresh: Path, tmp_path: Path, run_agkg: Run
) -> None:
    before = snapshot(tmp_path)
    again = tmp_path / "again.txt"
    again.write_bytes(b"An older article\n\nSome text.\n")
    result = run_agkg("--project", fresh, "add-source", again)
    assert result.exit_code == 2
    assert "already registered at data/sources/corpus.yaml:4:5" in result.stderr
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    taken = run_agkg("--project", fresh, "add-source", article, "--id", "older-2020")
    assert taken.exit_code == 2
    assert "id 'older-2020' is already used at data/sources/corpus.yaml:4:5" in taken.stderr
    after = snapshot(tmp_path)
    for name in ("again.txt", "article.txt"):
        after.pop(name)
    assert after == before


def test_a_sources_list_that_is_not_last_in_its_file_is_not_appended_to(
    fresh: Path, tmp_path: Path, run_agkg: Run
) -> None:
    sources = fresh / "data" / "sources" / "corpus.yaml"
    sources.write_text("sources: []\n", encoding="utf-8")
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = run_agkg("--project", fresh, "add-source", article)
    assert result.exit_code == 2
    assert "block list at the end of the file" in result.stderr
    assert sources.read_text(encoding="utf-8") == "sources: []\n"
    assert not list((tmp_path / "corpus").glob("004_*"))
