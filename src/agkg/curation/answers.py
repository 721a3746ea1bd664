"""Expected answers of the competency queries, kept as data beside them and checked.

The questions a dataset must answer live in ``queries/*.rq``; what each answers today, reviewed
by a curator, lives in ``queries/expected/NAME.tsv`` (``NAME.nt`` for a CONSTRUCT or DESCRIBE).
Keeping the answers as data rather than as assertions in the tool's own tests means adding an
article changes a file a curator reviews and re-records (``agkg test --record``), and never
breaks the tool's test suite.

Answer files are exact and diff well line by line:

- SELECT: SPARQL 1.1 Query Results TSV (W3C), a header of ``?variables`` then one row per
  line, every term in its N-Triples form (``<iri>``, ``"text"@en``, ``"2015"^^<…#gYear>``), an
  empty field for an unbound variable; rows in the query's order (sorted when it has no
  ORDER BY, whose order SPARQL leaves open);
- ASK: one line, ``true`` or ``false``;
- CONSTRUCT and DESCRIBE: the triples in N-Triples, sorted.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from agkg.build.publishing import atomic_write
from agkg.config import Config
from agkg.errors import QueryError
from agkg.sparql.query import DatasetStore, run_query
from agkg.sparql.querylib import NamedQuery, list_queries, load_named_query
from agkg.sparql.querytext import mask_non_code

EXPECTED_FOLDER = "expected"
_ORDERED = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


@dataclass(frozen=True)
class AnswerCheck:
    """One query's answer against its expected answer.

    ``status``: ``same``; ``different`` (with ``added`` and ``removed`` rows, and ``reordered``
    when only the order differs); ``recorded`` (written by ``record``); ``unchanged`` (record
    found the file already right); ``missing`` (the query has no expected answer).
    """

    name: str
    path: Path
    status: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    header: tuple[str, str] | None = None  # (expected, got) when the columns differ
    reordered: bool = False

    def diff(self) -> list[str]:
        """A readable account of a difference: the columns, then rows removed (-) and added (+)."""
        lines = []
        if self.header is not None:
            lines.append(f"  columns: expected {self.header[0]!r}, got {self.header[1]!r}")
        lines.extend(f"  - {_shown(row)}" for row in self.removed)
        lines.extend(f"  + {_shown(row)}" for row in self.added)
        if self.reordered:
            lines.append("  the same rows in another order")
        return lines


def _shown(row: str) -> str:
    return row.replace("\t", " | ")


@dataclass
class AnswerReport:
    """Every check of one ``agkg test`` run; ``stale`` are answer files without a query."""

    checks: list[AnswerCheck] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)

    @property
    def different(self) -> list[AnswerCheck]:
        return [c for c in self.checks if c.status == "different"]

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)


def answer_file(query: NamedQuery) -> Path:
    """Where the expected answer of ``query`` lives (whichever of .tsv or .nt exists, else .tsv)."""
    folder = query.path.parent / EXPECTED_FOLDER
    graph = folder / f"{query.name}.nt"
    return graph if graph.exists() else folder / f"{query.name}.tsv"


def canonical_answer(dataset: DatasetStore, query: NamedQuery) -> tuple[str, str]:
    """The query's answer on ``dataset`` as the text of an answer file, and the file suffix."""
    try:
        answer = run_query(dataset, query.text)
    except QueryError as error:
        raise QueryError(f"{query.path}: {error}") from error
    if isinstance(answer, ox.QueryBoolean):
        return ("true" if bool(answer) else "false") + "\n", ".tsv"
    if isinstance(answer, ox.QueryTriples):
        triples = sorted({str(t) + " .\n" for t in answer})
        return "".join(triples), ".nt"
    buffer = io.BytesIO()
    answer.serialize(buffer, format=ox.QueryResultsFormat.TSV)
    header, *rows = buffer.getvalue().decode("utf-8").splitlines()
    if not _ORDERED.search(mask_non_code(query.text)):
        rows.sort()
    return "".join(line + "\n" for line in [header, *rows]), ".tsv"


def select_queries(config: Config, names: list[str] | tuple[str, ...]) -> list[NamedQuery]:
    """The named queries, or every query in the project's ``queries/`` folder."""
    library = queries_folder(config)
    if names:
        return [load_named_query(library, name) for name in names]
    return list_queries(library)


def queries_folder(config: Config) -> Path:
    return config.project_dir / "queries"


def check_answers(dataset: DatasetStore, queries: list[NamedQuery]) -> AnswerReport:
    """Compare each query's answer with its expected answer file."""
    report = AnswerReport()
    for query in queries:
        path = answer_file(query)
        if not path.exists():
            report.checks.append(AnswerCheck(query.name, path, "missing"))
            continue
        expected = path.read_text(encoding="utf-8")
        got, _ = canonical_answer(dataset, query)
        report.checks.append(compare(query.name, path, expected, got))
    if queries:
        report.stale = stale_answers(queries[0].path.parent)
    return report


def record_answers(dataset: DatasetStore, queries: list[NamedQuery]) -> AnswerReport:
    """Write each query's answer as its expected answer (after a curator reviewed the diff)."""
    report = AnswerReport()
    for query in queries:
        got, suffix = canonical_answer(dataset, query)
        path = query.path.parent / EXPECTED_FOLDER / f"{query.name}{suffix}"
        old = answer_file(query)
        if old.exists() and old.read_text(encoding="utf-8") == got and old == path:
            report.checks.append(AnswerCheck(query.name, path, "unchanged"))
            continue
        if old.exists() and old != path:
            old.unlink()  # the query changed form (SELECT to CONSTRUCT or back)
        atomic_write(path, got.encode("utf-8"))
        report.checks.append(AnswerCheck(query.name, path, "recorded"))
    if queries:
        report.stale = stale_answers(queries[0].path.parent)
    return report


def stale_answers(library: Path) -> list[Path]:
    """Answer files whose query is gone (renamed or removed): they check nothing."""
    folder = library / EXPECTED_FOLDER
    if not folder.is_dir():
        return []
    names = {p.stem for p in library.glob("*.rq")}
    return sorted(p for p in folder.iterdir() if p.suffix in (".tsv", ".nt") and p.stem not in names)


def compare(name: str, path: Path, expected: str, got: str) -> AnswerCheck:
    """Rows removed from and added to the expected answer, as a reviewer reads them."""
    if expected == got:
        return AnswerCheck(name, path, "same")
    old_lines, new_lines = expected.splitlines(), got.splitlines()
    header = None
    if path.suffix == ".tsv" and old_lines and new_lines and old_lines[0].startswith("?"):
        if old_lines[0] != new_lines[0]:
            header = (old_lines[0], new_lines[0])
        old_lines, new_lines = old_lines[1:], new_lines[1:]
    removed: list[str] = []
    added: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(old_lines[i1:i2])
        if tag in ("replace", "insert"):
            added.extend(new_lines[j1:j2])
    # a row that moved is not news: show only rows that are gone or new
    moved = set(removed) & set(added)
    removed = [row for row in removed if row not in moved]
    added = [row for row in added if row not in moved]
    reordered = not removed and not added and header is None
    return AnswerCheck(name, path, "different", tuple(added), tuple(removed), header, reordered=reordered)
