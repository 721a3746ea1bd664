"""The fast quote matcher (folded text + str.find) against the reference regex matcher.

Both must give the same anchors, in the same order, on every input: white-space runs of any kind
inside quotes, prefixes and suffixes; overlapping occurrences; prefix/suffix narrowing with and
without white space in between; quotes at the very start and end of the text. (Blank quotes
never reach the matcher: the loader refuses them.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agkg.build.quotes import FoldedText, SourceText, find_quote, find_quote_regex

TEXT = (
    "The group\tannounced  its\n\nformation in 2014.\r\n"
    "  aaa aaa\u00a0aaa  \n"
    "It announced its formation again; it announced\u2003its formation.\n"
    "abab ababab abab\n"
)

CASES: list[tuple[str, str | None, str | None]] = [
    ("announced its formation", None, None),
    ("announced\n its\tformation", None, None),
    ("announced its formation", "group", None),
    ("announced its formation", "group\t", "in"),
    ("announced its formation", "again; it", None),
    ("announced its formation", None, "again"),
    ("announced its formation", None, " . "),
    ("its formation", "announced", "."),
    ("aaa", None, None),
    ("aaa aaa", None, None),
    ("aaa", "aaa", None),
    ("aaa", None, "aaa"),
    ("aa", None, None),
    ("abab", None, None),
    ("abab", "ab", None),
    ("ab", None, "ab"),
    ("The", None, None),
    ("abab\n", None, None),
    ("The group", None, "announced"),
    ("\u201cannounced\u201d", None, None),
    ("not there", None, None),
    ("formation", "   ", "\n"),
    ("T", None, None),
]


def source(text: str) -> SourceText:
    return SourceText(Path("text.txt"), "", text)


@pytest.mark.parametrize(("quote", "prefix", "suffix"), CASES)
def test_fast_matcher_equals_the_regex_matcher(quote: str, prefix: str | None, suffix: str | None) -> None:
    text = source(TEXT)
    assert find_quote(text, quote, prefix, suffix) == find_quote_regex(text, quote, prefix, suffix)


def test_overlapping_and_ambiguous_occurrences_are_all_reported() -> None:
    anchors = find_quote(source("aaa aaa\taaa"), "aaa  aaa", None, None)
    assert [(a.start, a.end) for a in anchors] == [(0, 7), (4, 11)]
    narrowed = find_quote(source("aaa aaa\taaa"), "aaa  aaa", "aaa", None)
    assert [(a.start, a.end) for a in narrowed] == [(4, 11)]


def test_folded_text_maps_back_to_original_offsets() -> None:
    folded = FoldedText.of(" a \t\n b  c ")
    assert folded.text == " a b c "
    assert [folded.original(i) for i in (1, 2, 3, 4, 5, 6)] == [1, 2, 6, 7, 9, 10]


ALPHABET = st.sampled_from(["a", "b", "é", " ", "\t", "\n", "\u00a0", "\u2003", "."])
FRAGMENT = st.text(ALPHABET, max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(ALPHABET, max_size=40),
    quote=FRAGMENT.filter(str.strip),
    prefix=st.none() | FRAGMENT,
    suffix=st.none() | FRAGMENT,
)
def test_fast_matcher_equals_the_regex_matcher_on_any_input(
    text: str, quote: str, prefix: str | None, suffix: str | None
) -> None:
    where = source(text)
    assert find_quote(where, quote, prefix, suffix) == find_quote_regex(where, quote, prefix, suffix)
