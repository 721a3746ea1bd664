"""Finding each claim's quoted words in the text of its source.

Matching is exact after Unicode NFC normalisation, with one documented relaxation: a run of
white space in the quote matches any run of white space in the text (articles reflow, curators
paste across line breaks). Curly and straight quotation marks are different characters and are
never folded: a quote that straightens them is reported as not found, with the closest passage.

Offsets count Unicode code points of the NFC-normalised text, 0-based, end exclusive, as the W3C
Web Annotation TextPositionSelector asks; for NFC input (both corpus files are) that is the file
as received.

Matching folds the text once per source (every run of white space becomes one space, with a map
back to the original offsets) and looks for each folded quote with ``str.find``; this gives the
same occurrences as the regular expression of ``quote_pattern`` (kept as ``find_quote_regex``,
the reference, and used for blank quotes) without compiling one expression per quote.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from agkg.build.claims import Claim, CuratedData
from agkg.errors import ConfigurationError, Position, Problem

CONTEXT_CHARS = 32  # length of the prefix/suffix taken from the text, as annotation tools do
MAX_TEXT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class SourceText:
    """A source's full text, found in the corpus folder by the sha256 of its bytes."""

    path: Path
    sha256: str
    text: str  # NFC

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    @cached_property
    def folded(self) -> FoldedText:
        """The text with each run of white space folded to one space (computed once)."""
        return FoldedText.of(self.text)


_WHITE_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class FoldedText:
    """A text whose white-space runs are each one space, and the way back to the original offsets."""

    text: str
    run_starts: list[int]  # folded offset of each run's space, ascending
    shifts: list[int]  # shifts[k]: original offset minus folded offset after the first k runs

    @classmethod
    def of(cls, text: str) -> FoldedText:
        parts: list[str] = []
        run_starts: list[int] = []
        shifts = [0]
        last = shift = 0
        for match in _WHITE_SPACE_RUN.finditer(text):
            start, end = match.span()
            parts.append(text[last:start])
            parts.append(" ")
            run_starts.append(start - shift)
            shift += end - start - 1
            shifts.append(shift)
            last = end
        parts.append(text[last:])
        return cls("".join(parts), run_starts, shifts)

    def original(self, offset: int) -> int:
        """The original offset of a folded offset that is not inside a folded run."""
        return offset + self.shifts[bisect_left(self.run_starts, offset)]


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in its source text."""

    start: int
    end: int
    line: int
    prefix: str
    suffix: str


@dataclass
class QuoteCheck:
    """The outcome of looking for one claim's quote."""

    claim: Claim
    status: str  # "found", "not-found", "ambiguous", "no-text"
    anchor: Anchor | None = None
    occurrences: list[int] = field(default_factory=list)  # lines, when ambiguous
    closest: str | None = None
    closest_line: int | None = None
    difference: Difference | None = None  # where the closest passage first differs from the quote
    found_without_context: bool = False  # the quote occurs, but not with the given prefix/suffix

    @property
    def position(self) -> Position:
        return self.claim.quote_position or self.claim.position

    def describe(self) -> str:
        if self.status == "found":
            assert self.anchor is not None
            return f"found at line {self.anchor.line}, characters {self.anchor.start}-{self.anchor.end}"
        if self.status == "ambiguous":
            lines = ", ".join(map(str, self.occurrences))
            return (
                f"quote occurs {len(self.occurrences)} times (lines {lines}); "
                "add a prefix or suffix to say which"
            )
        if self.status == "no-text":
            return "source text not available (no sha256, or no corpus file with that sha256)"
        message = "quote not found in the source text"
        if self.found_without_context:
            return message + " with its prefix and suffix: the quote occurs, but not next to them"
        if self.closest is not None:
            message += f"; closest passage, line {self.closest_line}: {self.closest!r}"
        if self.difference is not None:
            message += f"; {self.difference}"
        return message


@dataclass(frozen=True)
class Difference:
    """The first character at which a quote and the closest passage of the text part ways.

    Curators paste quotes through editors that straighten curly quotation marks, turn dashes
    into hyphens and spaces into no-break spaces; the passage alone hides which character it
    was, so the character is named, with its code point.
    """

    character: int  # 1-based, in the quote as written
    quote_has: str
    text_has: str | None  # None: the passage ends there

    def __str__(self) -> str:
        return (
            f"closest passage differs at character {self.character}: the quote has "
            f"{describe_character(self.quote_has, '')}, the text has "
            f"{describe_character(self.text_has, 'nothing more on that line')}"
        )


def describe_character(char: str | None, absent: str) -> str:
    """``'x' (U+0078 LATIN SMALL LETTER X)``, as a message names a character."""
    if char is None:
        return absent
    return f"'{char}' (U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')})"


def _folded_units(text: str) -> tuple[str, list[int]]:
    """``text`` with each white-space run one space, and each character's index in ``text``."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if chars and chars[-1] == " ":
                continue
            chars.append(" ")
        else:
            chars.append(char)
        origins.append(index)
    return "".join(chars), origins


def first_difference(quote: str, passage: str) -> Difference | None:
    """Where ``quote`` and ``passage`` first differ, white-space runs counting as equal; None
    when the passage holds the whole quote."""
    written = unicodedata.normalize("NFC", quote)
    lead = len(written) - len(written.lstrip())
    quote_folded, quote_origins = _folded_units(written.strip())
    text_folded, text_origins = _folded_units(passage)
    matcher = difflib.SequenceMatcher(None, quote_folded, text_folded, autojunk=False)
    for tag, i1, _i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 >= len(quote_folded):
            return None  # the passage goes on after the whole quote
        at = quote_origins[i1]
        text_char = passage[text_origins[j1]] if j1 < len(text_folded) else None
        return Difference(lead + at + 1, written.strip()[at], text_char)
    return None


@dataclass
class QuoteReport:
    checks: list[QuoteCheck]

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def ok(self) -> bool:
        return all(c.status == "found" for c in self.checks)


def load_corpus(corpus_dir: Path) -> dict[str, SourceText]:
    """Every regular file in ``corpus_dir`` keyed by the sha256 of its bytes."""
    if not corpus_dir.is_dir():
        raise ConfigurationError(f"corpus folder not found: {corpus_dir}")
    texts: dict[str, SourceText] = {}
    for path in sorted(corpus_dir.iterdir()):
        if not path.is_file() or path.stat().st_size > MAX_TEXT_BYTES:
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        try:
            decoded = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        texts[digest] = SourceText(path, digest, unicodedata.normalize("NFC", decoded))
    return texts


def quote_pattern(text: str) -> str:
    """A regex for ``text`` in which each run of white space matches any run of white space."""
    pieces = re.split(r"\s+", unicodedata.normalize("NFC", text.strip()))
    return r"\s+".join(re.escape(p) for p in pieces if p)


def folded_fragment(text: str) -> str:
    """``text`` as ``quote_pattern`` reads it: NFC, stripped, each white-space run one space."""
    return " ".join(unicodedata.normalize("NFC", text.strip()).split())


def find_quote(source: SourceText, quote: str, prefix: str | None, suffix: str | None) -> list[Anchor]:
    """Every place ``quote`` occurs in ``source``, narrowed by the curator's prefix and suffix.

    The same anchors, in the same order, as ``find_quote_regex``: every occurrence (overlapping
    ones too) of the folded quote in the folded text, kept when the folded prefix ends right
    before it (or one space before) and the folded suffix starts right after it (or one space
    after).
    """
    wanted = folded_fragment(quote)
    before = folded_fragment(prefix) if prefix and prefix.strip() else ""
    after = folded_fragment(suffix) if suffix and suffix.strip() else ""
    if not wanted or (prefix and prefix.strip() and not before) or (suffix and suffix.strip() and not after):
        return find_quote_regex(source, quote, prefix, suffix)
    folded = source.folded
    haystack = folded.text
    anchors: list[Anchor] = []
    at = haystack.find(wanted)
    while at != -1:
        end = at + len(wanted)
        if (
            not before
            or haystack.endswith(before, 0, at)
            or (at > 0 and haystack[at - 1] == " " and haystack.endswith(before, 0, at - 1))
        ) and (
            not after
            or haystack.startswith(after, end)
            or (haystack.startswith(" ", end) and haystack.startswith(after, end + 1))
        ):
            anchors.append(_anchor(source, folded.original(at), folded.original(end)))
        at = haystack.find(wanted, at + 1)
    return anchors


def _anchor(source: SourceText, start: int, end: int) -> Anchor:
    text = source.text
    return Anchor(
        start=start,
        end=end,
        line=source.line_of(start),
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def find_quote_regex(source: SourceText, quote: str, prefix: str | None, suffix: str | None) -> list[Anchor]:
    """The reference matcher: one regular expression per quote (slow; ``find_quote`` is the
    fast equivalent, which falls back to this one for blank quotes)."""
    before = quote_pattern(prefix) + r"\s*" if prefix and prefix.strip() else ""
    after = r"\s*" + quote_pattern(suffix) if suffix and suffix.strip() else ""
    pattern = re.compile(f"{before}(?P<quote>{quote_pattern(quote)}){after}")
    anchors: list[Anchor] = []
    position = 0
    while True:
        match = pattern.search(source.text, position)
        if match is None:
            return anchors
        start, end = match.span("quote")
        anchors.append(_anchor(source, start, end))
        position = match.start() + 1


def closest_passage(source: SourceText, quote: str) -> tuple[str, int]:
    """The stretch of text most like ``quote``, and its line, to help a curator fix a typo."""
    best_ratio, best_line, best_text = -1.0, 1, ""
    target = unicodedata.normalize("NFC", quote.strip())
    for number, line in enumerate(source.text.split("\n"), start=1):
        if not line.strip():
            continue
        matcher = difflib.SequenceMatcher(None, target, line, autojunk=False)
        block = matcher.find_longest_match(0, len(target), 0, len(line))
        start = max(0, block.b - block.a)
        window = line[start : start + len(target) + len(target) // 4]
        ratio = difflib.SequenceMatcher(None, target, window, autojunk=False).ratio()
        if ratio > best_ratio:
            best_ratio, best_line, best_text = ratio, number, window
    return best_text, best_line


def check_quotes(
    data: CuratedData,
    corpus: dict[str, SourceText],
    progress: Callable[[int, int], None] | None = None,
) -> QuoteReport:
    """Look for every claim's quote in its source's text."""
    checks = []
    total = len(data.claims)
    for index, claim in enumerate(data.claims):
        checks.append(check_claim_quote(claim, source_text(data, corpus, claim.source)))
        if progress and index % 1000 == 0:
            progress(index, total)
    return QuoteReport(checks)


def source_text(data: CuratedData, corpus: dict[str, SourceText], source_id: str) -> SourceText | None:
    sha = data.sources[source_id].sha256
    return corpus.get(sha) if sha else None


def missing_texts(
    data: CuratedData, corpus: dict[str, SourceText], folder: Path | None, allowed: bool = False
) -> list[Problem]:
    """A problem for each source with claims whose text is not in the corpus.

    A typo in a sha256 or a text left out of the corpus folder would otherwise switch quote
    checking off for the whole source without a word, and invented quotes would be published.
    Not a problem when the curator said so: ``allowed`` (--allow-missing-texts) for every source,
    ``text_held_elsewhere`` for one. The problem is reported at the ``sha256:`` line (or at the
    source's entry when it has none).
    """
    if allowed:
        return []
    quotes: dict[str, int] = {}
    for claim in data.claims:
        quotes[claim.source] = quotes.get(claim.source, 0) + 1
    problems = []
    opt_out = 'or say who holds it with text_held_elsewhere: "why" (or pass --allow-missing-texts)'
    for source_id, count in quotes.items():
        source = data.sources.get(source_id)
        if source is None or source.text_held_elsewhere or source_text(data, corpus, source_id):
            continue
        unverified = f"its {count} quote{'s' if count != 1 else ''} cannot be verified"
        if not source.sha256:
            message = (
                f"source '{source_id}' has no sha256: {unverified}; add its text to the corpus {opt_out}"
            )
        elif folder is None:
            message = (
                f"source '{source_id}': no corpus folder is set (corpus in agkg.toml or --corpus), "
                f"so {unverified}; set it {opt_out}"
            )
        else:
            message = (
                f"source '{source_id}': no file with sha256 {source.sha256[:12]}… in the corpus "
                f"folder {folder}, so {unverified}; check the sha256 for a typo, add the text {opt_out}"
            )
        problems.append(Problem(source.sha256_position or source.position, message))
    return problems


def check_claim_quote(claim: Claim, source: SourceText | None) -> QuoteCheck:
    if source is None:
        return QuoteCheck(claim, "no-text")
    anchors = find_quote(source, claim.quote, claim.prefix, claim.suffix)
    if len(anchors) == 1:
        return QuoteCheck(claim, "found", anchor=anchors[0])
    if anchors:
        return QuoteCheck(claim, "ambiguous", occurrences=[a.line for a in anchors])
    if (claim.prefix or claim.suffix) and find_quote(source, claim.quote, None, None):
        return QuoteCheck(claim, "not-found", found_without_context=True)
    passage, line = closest_passage(source, claim.quote)
    return QuoteCheck(
        claim,
        "not-found",
        closest=passage,
        closest_line=line,
        difference=first_difference(claim.quote, passage),
    )
