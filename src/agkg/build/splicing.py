"""Sorted lines held as one text: find lines by bisection on byte offsets, splice by offsets.

An incremental publish at a million triples changes a few dozen lines of a dump of a million
(``dataset.nq``, ``dataset.nt``: sorted N-Quads and N-Triples, one statement a line). Holding
such a dump as one ``bytes`` and its changes as (offset, bytes) pairs costs one copy of the
text; holding it as a list of lines costs a Python object per line (about 70 bytes each on top
of the text) and a Python-level loop to filter or merge them, seconds at that size.

Every function here takes ``text``: lines, each ending with b"\\n", sorted as bytes (so a line
is compared with a key as ``bytes`` compare, as ``bisect`` on a list of the lines would), and
offsets that are line starts (0, or just after a b"\\n"), ``len(text)`` included.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import overload

_NEWLINE = b"\n"
_LINE_END = re.compile(b"\n")


def bisect_text(
    text: bytes,
    key: bytes,
    lo: int = 0,
    hi: int | None = None,
    by: Callable[[bytes], bytes] | None = None,
) -> int:
    """The start of the first line of ``text[lo:hi]`` that is not less than ``key`` (``hi``,
    or ``len(text)``, if there is none): where ``key`` would go, as ``bisect_left`` on a list of
    the lines. ``lo`` and ``hi`` must be line starts; about log2(bytes) steps, one line copied
    each. With ``by``, a line is compared as ``by(line)``, and the lines must be sorted so.
    """
    if hi is None:
        hi = len(text)
    while lo < hi:
        middle = (lo + hi) // 2
        # the line holding ``middle``: it starts at or after ``lo`` and ends at or before ``hi``
        start = text.rfind(_NEWLINE, lo, middle) + 1 or lo
        end = text.index(_NEWLINE, start) + 1
        line = text[start:end]
        if (by(line) if by is not None else line) < key:
            lo = end
        else:
            hi = start
    return lo


def line_at(text: bytes, start: int) -> bytes:
    """The line starting at ``start`` (b"" at the end of the text)."""
    if start >= len(text):
        return b""
    return text[start : text.index(_NEWLINE, start) + 1]


def has_line_starting(text: bytes, head: bytes) -> bool:
    """Whether a line of ``text`` starts with ``head``."""
    at = bisect_text(text, head)
    return at < len(text) and text.startswith(head, at)


def run_of(text: bytes, head: bytes) -> tuple[int, int]:
    """The span (start, end) of the lines starting with ``head``: one run, since they sort
    together; (s, s) where such lines would go if there are none."""
    start = bisect_text(text, head)
    end = start
    while end < len(text) and text.startswith(head, end):
        end = text.index(_NEWLINE, end) + 1
    return start, end


def spans_ending(text: bytes, suffix: bytes) -> list[tuple[int, int]]:
    """The spans of the lines that end with ``suffix`` (which ends with b"\\n" and holds no
    other), in order. Found by scanning for ``suffix`` at C speed, not line by line."""
    spans = []
    at = text.find(suffix)
    while at >= 0:
        end = at + len(suffix)
        spans.append((text.rfind(_NEWLINE, 0, at) + 1, end))
        at = text.find(suffix, end)
    return spans


def splice(text: bytes, removed: Iterable[tuple[int, int]], inserted: Iterable[tuple[int, bytes]]) -> bytes:
    """``text`` without the ``removed`` spans and with each ``inserted`` (offset, bytes) put
    in at its offset of the old text. Spans must not overlap; an insertion at the start of a
    removed span goes before the span's place, like one at its end after it. The long runs
    between are copied once, into the new text."""
    cuts: list[tuple[int, int, bytes]] = [(start, end, b"") for start, end in removed]
    cuts += [(offset, offset, content) for offset, content in inserted]
    cuts.sort(key=lambda cut: (cut[0], cut[1]))
    parts: list[bytes | memoryview] = []
    view = memoryview(text)
    done = 0
    for start, end, content in cuts:
        if start < done:
            raise ValueError(f"overlapping changes at offset {start}")
        parts.append(view[done:start])
        if content:
            parts.append(content)
        done = end
    parts.append(view[done:])
    return b"".join(parts)


def line_starts(text: bytes) -> array[int]:
    """The start of every line of ``text``, and ``len(text)`` last: a line index of 8 bytes a
    line, found by the regular expression engine (no line is copied)."""
    starts = array("q", [0])
    starts.extend(map(re.Match.end, _LINE_END.finditer(text)))
    return starts


class Lines(Sequence[bytes]):
    """The lines of ``text`` as a read-only sequence (for ``bisect`` and indexing), each
    line a copy made when asked for; the line index is made at the first use."""

    def __init__(self, text: bytes) -> None:
        self.text = text
        self._starts: array[int] | None = None

    @property
    def starts(self) -> array[int]:
        if self._starts is None:
            self._starts = line_starts(self.text)
        return self._starts

    def __len__(self) -> int:
        return len(self.starts) - 1

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        starts = self.starts
        if index < 0:
            index += len(starts) - 1
        if not 0 <= index < len(starts) - 1:
            raise IndexError("line index out of range")
        return self.text[starts[index] : starts[index + 1]]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.text.splitlines(keepends=True))
