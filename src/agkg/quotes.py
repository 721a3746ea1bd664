"""Finding each claim's quoted words in the text of its source.

Matching is exact after Unicode NFC normalisation, with one documented relaxation: a run of
white space in the quote matches any run of white space in the text (articles reflow, curators
paste across line breaks). Curly and straight quotation marks are different characters and are
never folded: a quote that straightens them is reported as not found, with the closest passage.

Offsets count Unicode code points of the NFC-normalised text, 0-based, end exclusive, as the W3C
Web Annotation TextPositionSelector asks; for NFC input (both corpus files are) that is the file
as received.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .claims import Claim, CuratedData
from .errors import ConfigurationError, Position

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
        if self.closest is not None:
            message += f"; closest passage, line {self.closest_line}: {self.closest!r}"
        return message


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


def find_quote(source: SourceText, quote: str, prefix: str | None, suffix: str | None) -> list[Anchor]:
    """Every place ``quote`` occurs in ``source``, narrowed by the curator's prefix and suffix."""
    before = quote_pattern(prefix) + r"\s*" if prefix and prefix.strip() else ""
    after = r"\s*" + quote_pattern(suffix) if suffix and suffix.strip() else ""
    pattern = re.compile(f"{before}(?P<quote>{quote_pattern(quote)}){after}")
    anchors: list[Anchor] = []
    position = 0
    text = source.text
    while True:
        match = pattern.search(text, position)
        if match is None:
            return anchors
        start, end = match.span("quote")
        anchors.append(
            Anchor(
                start=start,
                end=end,
                line=source.line_of(start),
                prefix=text[max(0, start - CONTEXT_CHARS) : start],
                suffix=text[end : end + CONTEXT_CHARS],
            )
        )
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


def check_claim_quote(claim: Claim, source: SourceText | None) -> QuoteCheck:
    if source is None:
        return QuoteCheck(claim, "no-text")
    anchors = find_quote(source, claim.quote, claim.prefix, claim.suffix)
    if len(anchors) == 1:
        return QuoteCheck(claim, "found", anchor=anchors[0])
    if anchors:
        return QuoteCheck(claim, "ambiguous", occurrences=[a.line for a in anchors])
    passage, line = closest_passage(source, claim.quote)
    return QuoteCheck(claim, "not-found", closest=passage, closest_line=line)
