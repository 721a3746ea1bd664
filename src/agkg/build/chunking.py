"""Sorted N-Triples and N-Quads text handled in pieces that end at line ends.

The dumps, the query store and validation stream the dataset's text (hundreds of megabytes at a
million triples) instead of holding whole copies or a million line objects; a piece always ends
at a line end, because neither format allows a raw line break inside a line. Kept apart from
graph.py so that the query store, which ``agkg query`` imports, does not pull in the build.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO

TEXT_CHUNK = 4 << 20  # bytes of text read or handled at a time when streaming the dataset's text


def text_chunks(text: bytes, size: int | None = None) -> Iterator[bytes]:
    """Lines of ``text`` in pieces of about ``size`` bytes (``TEXT_CHUNK``; each a copy), each
    ending at a line end (N-Triples and N-Quads never hold a raw line break inside a line)."""
    size = size or TEXT_CHUNK
    start = 0
    while start < len(text):
        end = text.find(b"\n", start + size - 1) + 1 or len(text)
        yield text[start:end]
        start = end


def file_chunks(handle: IO[bytes], size: int | None = None) -> Iterator[bytes]:
    """A file's lines in pieces of about ``size`` bytes (``TEXT_CHUNK``), each ending at a line
    end; read with ``os.pread`` from the start, so several readers of one open file do not
    disturb each other."""
    size = size or TEXT_CHUNK
    descriptor = handle.fileno()
    offset, rest = 0, b""
    while block := os.pread(descriptor, size, offset):
        offset += len(block)
        block = rest + block
        end = block.rfind(b"\n") + 1
        rest = block[end:]
        if end:
            yield block[:end]
    if rest:
        yield rest
