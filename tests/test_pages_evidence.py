"""How pages show a source's date and the context around a quote (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from linked_project import make_project, publish

from agkg.site import context_after, context_before


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("pages") / "project")
    publish(project, "--site")
    return project / "dist" / "site"


def caption(page: str, source: str) -> str:
    """The figcaption of the evidence quoted from ``source``."""
    found = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    return next(c for c in found if f"source/{source}.html" in c)


def test_an_undated_source_is_shown_as_not_before_its_earliest_date(site: Path) -> None:
    page = (site / "doc/source/undated-2021.html").read_text(encoding="utf-8")
    shown = re.sub(r"<[^>]+>", "", caption(page, "undated-2021"))
    assert shown.endswith("· not before 26 August 2021")


def test_a_dated_source_is_shown_with_its_date(site: Path) -> None:
    page = (site / "doc/id/northern-front.html").read_text(encoding="utf-8")
    shown = re.sub(r"<[^>]+>", "", caption(page, "dated-2021"))
    assert shown.endswith("· 3 September 2021")
    assert "not before" not in shown


def contexts(page: str, quote: str) -> tuple[str, str]:
    match = re.search(
        r'<span class="context">([^<]*)</span><q class="quote">'
        + re.escape(quote)
        + r'</q><span class="context">([^<]*)</span>',
        page,
    )
    assert match, quote
    return match.group(1), match.group(2)


def test_context_is_cut_at_word_boundaries_with_an_ellipsis(site: Path) -> None:
    page = (site / "doc/source/undated-2021.html").read_text(encoding="utf-8")
    before, after = contexts(page, "an offshoot of the Southern Alliance")
    # the text before the quote is "Officials say the Northern Front, ": 32 characters of it
    # start inside "Officials", which is left out
    assert before == "…say the Northern Front, "
    # the suffix is the rest of the text (shorter than 32 characters): whole, no ellipsis
    assert after == ", has some 400 fighters.\n"


def test_context_at_the_start_of_the_text_has_no_ellipsis(site: Path) -> None:
    page = (site / "doc/id/northern-front.html").read_text(encoding="utf-8")
    before, after = contexts(page, "founded in March 2019")
    assert before == "The Northern Front was "
    # " by veterans of the river war. It" is cut inside "Its"
    assert after == " by veterans of the river war.…"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ials say the front, ", "say the front, "), (" the front", "the front"), ("Officials", "")],
)
def test_context_before(text: str, expected: str) -> None:
    assert context_before(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [(" by the river war. It", " by the river war."), ("the end ", "the end"), ("veterans", "")],
)
def test_context_after(text: str, expected: str) -> None:
    assert context_after(text) == expected
