"""Answers of ``agkg query`` kept with the publication, so asking again costs no evaluation.

A competency query that returns tens of thousands of sorted rows costs seconds of engine time
at a million triples even on the published RocksDB store (most of it decoding strings from
disk to sort them), and its answer changes only when the publication does. So the first
answer is written, as the bytes the user received, to ``<out>/query-store/results/``, and a
later identical request is answered by copying that file.

Why it is never stale:
- It lives inside the publication's query-store folder, which every publish (full or
  incremental) makes anew in its staging folder and swaps in whole: the old answers leave with
  the old publication.
- Each answer is also keyed by the publication's identity (its query store's fingerprint file:
  content, inode and modification time, read *before* the store is opened). A query that
  opened the old store while a publish swapped the new one in writes its answer under the old
  identity, a key nobody asks for in the new folder.
- The key holds the exact query text, the bound parameters and the output format.
- Only answers from the published store are kept (not from ``.agkg`` or a fresh build, whose
  inputs may change without a publish), and never of a query with ``SERVICE`` (remote data).

Why a half answer is never served: an answer is written to a temporary file beside its final
name and renamed into place when complete, with a checksum trailer checked on every read (a
power cut can leave a renamed file empty); a killed writer leaves only a temporary file, which
no lookup reads and the next publish removes. Concurrent writers of the same key write the
same bytes; the last rename wins.

The cache is best effort: a publication folder that cannot be written (read-only, full disk)
just means the query is evaluated each time. ``--no-cache`` evaluates and leaves the cache
alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from agkg.build.querystore import FINGERPRINT, QUERY_STORE

RESULTS = "results"  # inside the publication's query-store folder
MAX_BYTES = 256 << 20  # a bigger answer is streamed to the user but not kept
_TRAILER_MARK = b"\n#agkg-answer-sha256:"
_TRAILER_LENGTH = len(_TRAILER_MARK) + 64 + 1  # the mark, the hex digest, a line end


def publication_identity(publication: Path) -> str | None:
    """Which publication ``publication`` holds now: its query store's fingerprint file, by
    content, inode and modification time (every publish writes that file anew, so two
    publications never share it); None without a query store."""
    path = publication / QUERY_STORE / FINGERPRINT
    try:
        stat = path.stat()
        content = path.read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(content)
    digest.update(f"\0{stat.st_dev}\0{stat.st_ino}\0{stat.st_mtime_ns}\0{stat.st_size}".encode())
    return digest.hexdigest()


Bindings = Mapping[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]


@dataclass(frozen=True)
class ResultCache:
    """The kept answers of one publication (``identity``), in ``folder``."""

    folder: Path
    identity: str

    def key(self, query: str, substitutions: Bindings | None, output_format: str) -> str:
        """The name of an answer: the publication, the exact query, its bound parameters (as
        canonical N-Triples terms) and the format, hashed."""
        digest = hashlib.sha256()
        for part in (self.identity, output_format, query):
            digest.update(part.encode("utf-8") + b"\0")
        for variable, term in sorted((substitutions or {}).items(), key=lambda item: item[0].value):
            digest.update(f"{variable.value}={term}\0".encode())
        return digest.hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.answer"

    def get(self, key: str) -> bytes | None:
        """The kept answer, or None if there is none or it fails its checksum."""
        try:
            data = self.path(key).read_bytes()
        except OSError:
            return None
        body, trailer = data[:-_TRAILER_LENGTH], data[-_TRAILER_LENGTH:]
        if len(data) < _TRAILER_LENGTH or trailer != _trailer(body):
            return None
        return body

    @contextlib.contextmanager
    def recording(self, key: str, stream: IO[bytes]) -> Iterator[IO[bytes]]:
        """A stream writing to ``stream`` and keeping a copy; the copy becomes the answer of
        ``key`` when the block ends normally, and is dropped when it raises."""
        tee = _Tee(stream, self.folder, key)
        try:
            yield cast(IO[bytes], tee)  # file-like enough for pyoxigraph's serializers
        except BaseException:
            tee.discard()
            raise
        tee.commit(self.path(key))


def result_cache(publication: Path, identity: str | None) -> ResultCache | None:
    """The answer cache of the publication whose identity was read before its store was opened."""
    if identity is None:
        return None
    return ResultCache(publication / QUERY_STORE / RESULTS, identity)


def _trailer(body: bytes) -> bytes:
    return _TRAILER_MARK + hashlib.sha256(body).hexdigest().encode() + b"\n"


class _Tee:
    """Writes to the user's stream and, while the answer stays under ``MAX_BYTES`` and the
    folder is writable, to a temporary file in the cache folder."""

    def __init__(self, stream: IO[bytes], folder: Path, key: str) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0
        self.copy: IO[bytes] | None = None
        self.temporary: str | None = None
        try:
            folder.mkdir(exist_ok=True)
            descriptor, self.temporary = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
            self.copy = os.fdopen(descriptor, "wb")
        except OSError:
            self.discard()

    def write(self, data: bytes) -> int:
        self.stream.write(data)
        if self.copy is not None:
            self.size += len(data)
            if self.size > MAX_BYTES:
                self.discard()
            else:
                try:
                    self.copy.write(data)
                    self.digest.update(data)
                except OSError:
                    self.discard()
        return len(data)

    def flush(self) -> None:
        self.stream.flush()

    def commit(self, path: Path) -> None:
        if self.copy is None or self.temporary is None:
            return
        try:
            self.copy.write(_TRAILER_MARK + self.digest.hexdigest().encode() + b"\n")
            self.copy.close()
            os.chmod(self.temporary, 0o644)
            os.replace(self.temporary, path)
        except OSError:
            self.discard()
        self.copy = self.temporary = None

    def discard(self) -> None:
        if self.copy is not None:
            with contextlib.suppress(OSError):
                self.copy.close()
        if self.temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temporary)
        self.copy = self.temporary = None
