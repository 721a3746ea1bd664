"""Sorted lines held as one text: find lines by bisection on byte offsets, splice by offsets.

An incremental publish at a million triples changes a few dozen lines of a dump of a million
(``dataset.nq``, ``dataset.nt``: sorted N-Quads and N-Triples, one statement a line). Holding
such a dump as one ``bytes`` and its changes as (offset, bytes) pairs costs one copy of the
text; holding it as a list of lines costs a Python object per line (about 70 bytes each on top
of the text) and a Python-level loop to filter or merge them, seconds at that size.

At ten million triples even one copy of each dump is too much (the last publication's five
dumps are 6 GB, and the old and new texts together were the incremental publish's peak): the
last publication's dumps are read from their files where asked for (``TextFile``: a few
pages for a bisection, windows of ``WINDOW`` bytes for a scan), and a new dump is the old file's
unchanged byte ranges and the new lines between them (``Spliced``), copied from file to file
when it is written, never held whole.

Every function here takes ``text`` (``bytes`` or a ``TextFile``): lines, each ending with
b"\\n", sorted as bytes (so a line is compared with a key as ``bytes`` compare, as ``bisect`` on
a list of the lines would), and offsets that are line starts (0, or just after a b"\\n"),
``len(text)`` included.
"""

from __future__ import annotations

import bisect
import errno
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

_NEWLINE = b"\n"

# How much of a file a scan reads at a time: large enough that a scan of 2 GB is a hundred
# reads, small enough to be nothing next to the build's own memory.
WINDOW = 16 << 20
_BLOCK = 1 << 14  # what a bisection step reads: the line at an offset lies mostly within it
_BLOCKS_KEPT = 32  # the blocks last read, kept: a bisection's first and last steps reread them


class TextFile:
    """A file's bytes, read where they are asked for (``os.pread``), never whole.

    It answers the few ``bytes`` operations the functions here use (``len``, slices, ``find``,
    ``rfind``), so a dump of gigabytes is searched by bisection in a few reads of ``_BLOCK``
    bytes and scanned in windows (``windows``), without its bytes in the process's memory
    (anonymous memory, or mapped pages that would count in its resident set). The file is read
    through the descriptor opened here: a file put in its place afterwards is not seen.
    """

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self.stat = os.fstat(self._fd)
        self._size = self.stat.st_size
        self._blocks: OrderedDict[int, bytes] = OrderedDict()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        self.close()

    def fileno(self) -> int:
        return self._fd

    def __len__(self) -> int:
        return self._size

    def read(self, start: int, end: int) -> bytes:
        """The bytes from ``start`` to ``end``, read at once."""
        parts = []
        while start < end:
            part = os.pread(self._fd, end - start, start)
            if not part:
                raise OSError(errno.EIO, "the file is shorter than it was", str(self._fd))
            parts.append(part)
            start += len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _block(self, index: int) -> bytes:
        block = self._blocks.get(index)
        if block is None:
            start = index * _BLOCK
            block = self._blocks[index] = self.read(start, min(self._size, start + _BLOCK))
            if len(self._blocks) > _BLOCKS_KEPT:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(index)
        return block

    def __getitem__(self, index: slice) -> bytes:
        start, stop, step = index.indices(self._size)
        if step != 1:
            raise ValueError("a text file is sliced with step 1 only")
        if stop <= start:
            return b""
        first, last = start // _BLOCK, (stop - 1) // _BLOCK
        if last - first > 1:
            return self.read(start, stop)
        offset = first * _BLOCK
        blocks = [self._block(i) for i in range(first, last + 1)]
        joined = blocks[0] if len(blocks) == 1 else b"".join(blocks)
        return joined[start - offset : stop - offset]

    def find(self, sub: bytes, start: int = 0, end: int | None = None) -> int:
        """Like ``bytes.find``: read forward from ``start`` in growing windows."""
        end = self._size if end is None else min(end, self._size)
        if not sub:
            return start if start <= end else -1
        width = _BLOCK
        at = start
        while at < end:
            stop = min(end, at + width)
            # the piece overlaps the next by len(sub) - 1: a match starting before ``stop``
            found = self[at : min(end, stop + len(sub) - 1)].find(sub)
            if found >= 0:
                return at + found
            at = stop
            width = min(width * 2, WINDOW)
        return -1

    def rfind(self, sub: bytes, start: int = 0, end: int | None = None) -> int:
        """Like ``bytes.rfind``: read backward from ``end`` in growing windows."""
        end = self._size if end is None else min(end, self._size)
        if not sub:
            return end if start <= end else -1
        width = _BLOCK
        hi = end
        while hi > start:
            lo = max(start, hi - width)
            found = self[lo : min(end, hi + len(sub) - 1)].rfind(sub)
            if found >= 0:
                return lo + found
            hi = lo
            width = min(width * 2, WINDOW)
        return -1


Text = bytes | TextFile


def _starts_with(text: Text, head: bytes, at: int) -> bool:
    if isinstance(text, bytes):
        return text.startswith(head, at)
    return text[at : at + len(head)] == head


def _line_end(text: Text, start: int) -> int:
    """The end of the line starting at (or holding) ``start``: just after its b"\\n"."""
    end = text.find(_NEWLINE, start)
    if end < 0:
        raise ValueError("a text's last line must end with a newline")
    return end + 1


def windows(text: Text, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
    """``text[start:end]`` in pieces of about ``WINDOW`` bytes, each ending at a line end (a
    longer line is one piece), with each piece's offset: what a scan of a file reads, one
    piece held at a time. ``start`` and ``end`` must be line starts."""
    end = len(text) if end is None else end
    if isinstance(text, bytes):
        if start < end:
            yield start, text[start:end]
        return
    at = start
    while at < end:
        stop = min(end, at + WINDOW)
        if stop < end:  # the window ends at its last line end, found before it is read
            cut = text.rfind(_NEWLINE, at, stop)
            stop = cut + 1 if cut >= 0 else min(end, _line_end(text, stop))  # or a long line's
        yield at, text.read(at, stop)
        at = stop


def count_lines(text: Text) -> int:
    """How many lines ``text`` has (a scan, in windows)."""
    return sum(piece.count(_NEWLINE) for _, piece in windows(text))


def bisect_text(
    text: Text,
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
        end = _line_end(text, start)
        line = text[start:end]
        if (by(line) if by is not None else line) < key:
            lo = end
        else:
            hi = start
    return lo


def line_at(text: Text, start: int) -> bytes:
    """The line starting at ``start`` (b"" at the end of the text)."""
    if start >= len(text):
        return b""
    return text[start : _line_end(text, start)]


def has_line_starting(text: Text, head: bytes) -> bool:
    """Whether a line of ``text`` starts with ``head``."""
    at = bisect_text(text, head)
    return at < len(text) and _starts_with(text, head, at)


def run_of(text: Text, head: bytes) -> tuple[int, int]:
    """The span (start, end) of the lines starting with ``head``: one run, since they sort
    together; (s, s) where such lines would go if there are none."""
    start = bisect_text(text, head)
    end = start
    while end < len(text) and _starts_with(text, head, end):
        end = _line_end(text, end)
    return start, end


def lines_ending(text: Text, suffix: bytes) -> list[tuple[int, bytes]]:
    """The lines that end with ``suffix`` (which ends with b"\\n" and holds no other), with
    their offsets, in order. Found by scanning for ``suffix`` at C speed, not line by line,
    a window at a time."""
    found = []
    for offset, piece in windows(text):
        at = piece.find(suffix)
        while at >= 0:
            end = at + len(suffix)
            start = piece.rfind(_NEWLINE, 0, at) + 1
            found.append((offset + start, piece[start:end]))
            at = piece.find(suffix, end)
    return found


def spans_ending(text: Text, suffix: bytes) -> list[tuple[int, int]]:
    """The spans of the lines that end with ``suffix`` (see ``lines_ending``), in order."""
    return [(start, start + len(line)) for start, line in lines_ending(text, suffix)]


def splice(text: bytes, removed: Iterable[tuple[int, int]], inserted: Iterable[tuple[int, bytes]]) -> bytes:
    """``text`` without the ``removed`` spans and with each ``inserted`` (offset, bytes) put
    in at its offset of the old text, as one ``bytes`` (see ``Spliced``)."""
    return bytes(Spliced(text, removed, inserted))


class Spliced:
    """A text without some spans of it and with new bytes put in at some offsets, held as the
    old text's unchanged ranges and the new bytes between them: an incremental publish's new
    dump, which is the last one's file but for a few dozen lines, is never made whole in
    memory. It is written by copying the ranges from file to file (``write``), scanned in
    windows (``chunks``), and its lines starting with a head are found by bisection on the old
    text (``lines_starting``).

    Spans must not overlap; an insertion at the start of a removed span goes before the span's
    place, like one at its end after it. The changes must keep whole lines: removed spans and
    inserted bytes are lines, at line starts, and the inserted lines sorted where they go, for
    ``lines_starting`` (``ending_replaced`` changes the text's last bytes afterwards).
    """

    def __init__(
        self, text: Text, removed: Iterable[tuple[int, int]], inserted: Iterable[tuple[int, bytes]]
    ) -> None:
        self.text = text
        cuts: list[tuple[int, int, bytes]] = [(start, end, b"") for start, end in removed]
        cuts += [(offset, offset, content) for offset, content in inserted if content]
        cuts.sort(key=lambda cut: (cut[0], cut[1]))
        # pieces in the new order: (start, end, None), a range of the old text, or
        # (offset, offset, content), new bytes at an offset of the old text
        pieces: list[tuple[int, int, bytes | None]] = []
        done = 0
        for start, end, content in cuts:
            if start < done:
                raise ValueError(f"overlapping changes at offset {start}")
            if done < start:
                pieces.append((done, start, None))
            if content:
                pieces.append((start, start, content))
            done = end
        if done < len(text):
            pieces.append((done, len(text), None))
        self._pieces = pieces
        self._offsets = [piece[0] for piece in pieces]  # ascending: the old text's order

    def __len__(self) -> int:
        return sum(end - start if content is None else len(content) for start, end, content in self._pieces)

    def __bytes__(self) -> bytes:
        return b"".join(piece for _, piece in self.chunks())

    def chunks(self) -> Iterator[tuple[int, bytes]]:
        """The new text in pieces, each of whole lines, with the old text's offsets they come
        from (an inserted piece's: where it was put in); one piece held at a time."""
        for start, end, content in self._pieces:
            if content is None:
                yield from windows(self.text, start, end)
            else:
                yield start, content

    def write(self, path: Path) -> None:
        """Write the new text to ``path``: the old text's ranges copied from its file (by the
        kernel, ``os.copy_file_range``, where it can), the new bytes between them."""
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for start, end, content in self._pieces:
                if content is not None:
                    _write_all(descriptor, content)
                elif isinstance(self.text, TextFile):
                    _copy_range(self.text, descriptor, start, end)
                else:
                    _write_all(descriptor, memoryview(self.text)[start:end])
        finally:
            os.close(descriptor)

    def _section(self, start: int, end: int) -> Iterator[bytes]:
        """The new text of the old text's ``start:end``, with what was put in at both ends."""
        index = max(0, bisect.bisect_left(self._offsets, start) - 1)
        for first, last, content in self._pieces[index:]:
            if first > end:
                break
            if content is None:
                if last > start and first < end:
                    yield self.text[max(first, start) : min(last, end)]
            elif first >= start:
                yield content

    def lines_starting(self, head: bytes) -> list[bytes]:
        """The lines of the new text that start with ``head``, in order (a bisection of the old
        text: those lines of it that are kept, and the new ones put in amongst them)."""
        start, end = run_of(self.text, head)
        return [
            line
            for part in self._section(start, end)
            for line in part.splitlines(keepends=True)
            if line.startswith(head)
        ]

    def has_line_starting(self, head: bytes) -> bool:
        return bool(self.lines_starting(head))

    def ending_replaced(self, old: bytes, new: bytes) -> Spliced:
        """This text with its last bytes, ``old``, replaced by ``new`` (ValueError if it does
        not end with them within its last piece)."""
        if not self._pieces:
            raise ValueError("an empty text has no ending")
        first, last, content = self._pieces[-1]
        replaced = Spliced.__new__(Spliced)
        replaced.text = self.text
        ending: list[tuple[int, int, bytes | None]]
        if content is not None and content.endswith(old):
            ending = [(first, last, content[: len(content) - len(old)] + new)]
        elif content is None and last - first >= len(old) and self.text[last - len(old) : last] == old:
            ending = [(first, last - len(old), None), (last, last, new)]
        else:
            raise ValueError("the text does not end as expected")
        replaced._pieces = [
            *self._pieces[:-1],
            *(piece for piece in ending if piece[2] or piece[0] < piece[1]),
        ]
        replaced._offsets = [piece[0] for piece in replaced._pieces]
        return replaced


def _write_all(descriptor: int, content: bytes | memoryview) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(descriptor, view) :]


def _copy_range(text: TextFile, descriptor: int, start: int, end: int) -> None:
    """Copy ``text``'s bytes ``start:end`` to the end of what ``descriptor`` has written."""
    while start < end:
        try:
            copied = os.copy_file_range(text.fileno(), descriptor, end - start, start)
        except OSError as error:  # another file system, or no such call: read and write
            if error.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
                raise
            for _, piece in windows(text, start, end):
                _write_all(descriptor, piece)
            return
        if copied == 0:
            raise OSError(errno.EIO, "the file is shorter than it was")
        start += copied
