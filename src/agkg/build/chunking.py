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


def file_chunks(
    handle: IO[bytes], size: int | None = None, start: int = 0, end: int | None = None
) -> Iterator[bytes]:
    """A file's lines (bytes ``start`` to ``end``, the whole file by default) in pieces of about
    ``size`` bytes (``TEXT_CHUNK``), each ending at a line end; read with ``os.pread``, so
    several readers of one open file do not disturb each other. A file that ends before
    ``end`` is an ``OSError``."""
    size = size or TEXT_CHUNK
    descriptor = handle.fileno()
    offset, rest = start, b""
    while end is None or offset < end:
        block = os.pread(descriptor, size if end is None else min(size, end - offset), offset)
        if not block:
            if end is not None:
                raise OSError(f"{handle.name}: shorter than expected")
            break
        offset += len(block)
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]
    if rest:
        yield rest
