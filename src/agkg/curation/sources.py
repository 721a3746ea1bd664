"""``agkg add-source``: register a text as a source without hand-computed hashes or copied metadata.

The text goes into the corpus folder as ``NNN_<first 16 hex digits of its sha256>.txt`` (NNN one
more than the highest number there, so files sort in the order they were added), and an entry is
appended to a sources file as text, so the file's comments and layout stay as the curator wrote
them. Every field read off the text rather than given is listed under ``review:``; the loader
refuses the source until a curator has checked those fields and deleted the list.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import py3langid

from agkg.build.claims import ID_PATTERN, display_path
from agkg.build.publishing import atomic_write
from agkg.build.yamlfile import Mapping, Node, Scalar, Sequence, YamlProblems, parse_yaml, read_yaml
from agkg.curation.dating import parse_date
from agkg.curation.text import ExtractedText, extract_text
from agkg.errors import ConfigurationError, InputError, Position, Problem

CORPUS_NAME = re.compile(r"^(\d{3,})_[0-9a-f]{16}\.txt$")
DEFAULT_SOURCES_FILE = "corpus.yaml"
SOURCES_HEADER = "# yaml-language-server: $schema=../../schema/sources.schema.json\nsources:\n"
_BYLINE_ROLE = re.compile(
    r"(?<=[a-z])(?=(?:(?:Senior|Chief|Web|Staff|Special|Foreign|Political|Deputy|Managing|News|Associate)\s)?"
    r"(?:Editor|Correspondent|Reporter|Writer|Journalist|Contributor)\b)"
)
_DATELINE = re.compile(
    r"^([A-Z][A-Za-z.'\u2019\- ]{1,40}?|[A-Z][A-Z .'\u2019\-]{1,40}?)\s*(?::|\u2014|\u2013| - )\s+\S"
)


@dataclass(frozen=True)
class SourceRecord:
    """A source or entity id already declared, or a sha256 already registered, and where."""

    key: str
    position: Position


@dataclass(frozen=True)
class AddedSource:
    """What ``add_source`` did: the new entry and its corpus file, and what must be reviewed."""

    id: str
    sources_file: Path
    line: int
    display: str  # ``file:line`` of the new entry, relative to the project
    corpus_file: Path
    corpus_file_existed: bool
    sha256: str
    guessed: tuple[str, ...]


@dataclass(frozen=True)
class SourceMetadata:
    """What could be read off a text; ``guessed`` names the fields found by heuristics."""

    headline: str | None
    byline: str | None
    dateline: str | None
    published: str | None
    language: str
    guessed: tuple[str, ...]


def add_source(
    file: Path,
    data_dir: Path,
    corpus_dir: Path | None,
    root: Path,
    source_id: str | None = None,
    sources_file: Path | None = None,
) -> AddedSource:
    """Store ``file``'s text in the corpus and append a source entry for it; return where.

    Everything is checked before anything is written; the corpus file and the sources file are
    each written atomically. A text already registered (same sha256) or an id already used is an
    error naming the existing entry.
    """
    display = display_path(file, root)
    if not file.is_file():
        raise InputError.single(display, "file not found")
    if corpus_dir is None:
        raise ConfigurationError("no corpus folder: set 'corpus' in agkg.toml, AGKG_CORPUS or --corpus")
    if not corpus_dir.is_dir():
        raise ConfigurationError(f"corpus folder {corpus_dir} not found")
    extracted = extract_text(file.read_bytes(), display, file.name)
    content = extracted.text.encode("utf-8")
    if not extracted.text.strip():
        raise InputError.single(display, "the file holds no text")
    sha256 = hashlib.sha256(content).hexdigest()
    metadata = guess_metadata(extracted)

    target = sources_file or _default_sources_file(data_dir)
    ids, hashes = _registered(data_dir, root, extra=target)
    if sha256 in hashes:
        raise InputError.single(
            display,
            f"this text (sha256 {sha256[:16]}…) is already registered at {hashes[sha256].position}",
        )
    if source_id is None:
        source_id = _guess_id(metadata, sha256)
        if source_id in ids:
            source_id = _next_free(source_id, ids)
    elif not ID_PATTERN.match(source_id):
        raise InputError.single(
            display, f"--id '{source_id}' is not a lowercase ASCII slug ([a-z0-9][a-z0-9-]*)"
        )
    if source_id in ids:
        raise InputError.single(display, f"id '{source_id}' is already used at {ids[source_id].position}")

    existing = _corpus_file_with(corpus_dir, sha256)
    corpus_file = existing or corpus_dir / corpus_file_name(corpus_dir, sha256)
    entry = _entry_text(source_id, metadata, sha256, corpus_file.name, display)
    new_text, line = _appended(target, root, entry, source_id)

    if existing is None:
        atomic_write(corpus_file, content)
    atomic_write(target, new_text.encode("utf-8"))
    target_display = display_path(target, root)
    return AddedSource(
        id=source_id,
        sources_file=target,
        line=line,
        display=f"{target_display}:{line}",
        corpus_file=corpus_file,
        corpus_file_existed=existing is not None,
        sha256=sha256,
        guessed=metadata.guessed,
    )


def corpus_file_name(corpus_dir: Path, sha256: str) -> str:
    """``NNN_<sha256[:16]>.txt``, NNN one more than the highest number in the folder (three digits
    at least). The hash in the name is for people; agkg finds a text by hashing its bytes."""
    numbers = [int(m.group(1)) for p in corpus_dir.iterdir() if (m := CORPUS_NAME.match(p.name))]
    return f"{max(numbers, default=-1) + 1:03d}_{sha256[:16]}.txt"


def guess_metadata(extracted: ExtractedText) -> SourceMetadata:
    """Headline, byline, dateline, publication date (at its precision) and language of a text.

    News texts as received start with a headline, then short lines (byline, date) before the
    first paragraph; a dateline opens the first paragraph ("New Delhi: …"). Markup, when there
    was any, is preferred. Every field found is a guess, listed for review."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", extracted.text) if p.strip()]
    guessed: list[str] = []
    headline = extracted.headline
    body = paragraphs
    if paragraphs and (headline is None or paragraphs[0] == headline):
        if headline is None and len(paragraphs[0]) <= 200 and not paragraphs[0].endswith("."):
            headline = paragraphs[0]
        if headline == paragraphs[0]:
            body = paragraphs[1:]
    language = extracted.language or py3langid.classify(extracted.text)[0]
    byline = extracted.byline
    published = parse_date(extracted.published, language) if extracted.published else None
    first_long = 0
    for index, line in enumerate(body[:5]):
        first_long = index
        if len(line) > 80:
            break
        if published is None and (date := parse_date(line, language)) is not None:
            published = date
        elif byline is None and _looks_like_byline(line):
            byline = _BYLINE_ROLE.sub(", ", re.sub(r"^[Bb]y\s+", "", line), count=1)
    dateline = None
    if body[first_long:]:
        match = _DATELINE.match(body[first_long])
        if match and len(match.group(1).split()) <= 4:
            dateline = match.group(1).strip()
    for name, value in (
        ("headline", headline),
        ("byline", byline),
        ("dateline", dateline),
        ("published", published),
        ("language", language),
    ):
        if value is not None:
            guessed.append(name)
    return SourceMetadata(headline, byline, dateline, published, language, tuple(guessed))


def _looks_like_byline(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= 10 or line.endswith(("?", ".", "!")):
        return False
    capitalised = sum(1 for w in words if w[:1].isupper())
    return line.lower().startswith("by ") or capitalised >= len(words) - 1


def slugify(text: str, max_words: int = 6) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)[:max_words]
    return "-".join(words)[:70].strip("-")


def _guess_id(metadata: SourceMetadata, sha256: str) -> str:
    """``surname-year`` from the byline, else the headline's first words and the year."""
    year = metadata.published[:4] if metadata.published else None
    stem = ""
    if metadata.byline:
        name = re.split(r",| and |&", metadata.byline)[0].split()
        stem = slugify(name[-1]) if name else ""
    if not stem and metadata.headline:
        stem = slugify(metadata.headline, 5)
    if not stem:
        stem = f"source-{sha256[:8]}"
    return f"{stem}-{year}" if year else stem


def _numbered(identifier: str, n: int) -> str:
    return f"{identifier}-{n}"


def _next_free(identifier: str, taken: dict[str, SourceRecord]) -> str:
    n = 2
    while _numbered(identifier, n) in taken:
        n += 1
    return _numbered(identifier, n)


def _default_sources_file(data_dir: Path) -> Path:
    folder = data_dir / "sources"
    default = folder / DEFAULT_SOURCES_FILE
    if default.exists():
        return default
    existing = sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []
    return existing[0] if len(existing) == 1 else default


def _registered(
    data_dir: Path, root: Path, extra: Path
) -> tuple[dict[str, SourceRecord], dict[str, SourceRecord]]:
    """Ids of every source and entity, and the sha256 of every source, with their positions."""
    ids: dict[str, SourceRecord] = {}
    hashes: dict[str, SourceRecord] = {}
    paths = sorted({*data_dir.glob("sources/*.y*ml"), *data_dir.glob("entities/*.y*ml")})
    if extra.is_file() and extra not in paths:
        paths.append(extra)
    problems: list[Problem] = []
    for path in paths:
        try:
            root_node = read_yaml(path, display_path(path, root))
        except YamlProblems as error:
            problems.extend(error.problems)
            continue
        for item in _list_items(root_node):
            for key, index in (("id", ids), ("sha256", hashes)):
                node = item.get(key)
                if isinstance(node, Scalar) and not node.is_null:
                    index.setdefault(node.text, SourceRecord(node.text, item.position))
    if problems:
        raise InputError(problems)
    return ids, hashes


def _list_items(root_node: Node | None) -> list[Mapping]:
    if not isinstance(root_node, Mapping):
        return []
    result: list[Mapping] = []
    for key in ("sources", "entities"):
        items = root_node.get(key)
        if isinstance(items, Sequence):
            result.extend(i for i in items.items if isinstance(i, Mapping))
    return result


def _corpus_file_with(corpus_dir: Path, sha256: str) -> Path | None:
    for path in sorted(corpus_dir.iterdir()):
        if (
            path.is_file()
            and path.suffix == ".txt"
            and hashlib.sha256(path.read_bytes()).hexdigest() == sha256
        ):
            return path
    return None


def _yaml_text(value: str | None) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML), or null."""
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _entry_text(source_id: str, metadata: SourceMetadata, sha256: str, corpus_name: str, origin: str) -> str:
    review = ", ".join(metadata.guessed)
    lines = [
        f"- id: {source_id}",
        "  # agkg add-source read the fields under 'review' off the text: check each against the",
        "  # article, correct it, then delete 'review' (validate and publish refuse the source until then).",
        f"  review: [{review}]" if review else None,
        "  type: NewsArticle",
        f"  headline: {_yaml_text(metadata.headline)}",
        f"  byline: {_yaml_text(metadata.byline)}",
        "  outlet: null",
        f"  dateline: {_yaml_text(metadata.dateline)}",
        f"  published: {metadata.published or 'null'}",
        f"  language: {metadata.language}",
        "  url: null",
        f"  sha256: {sha256}",
        f"  note: {_yaml_text(f'Corpus file {corpus_name}, added by agkg add-source from {Path(origin).name}.')}",
    ]
    return "\n".join(line for line in lines if line is not None) + "\n"


def _appended(target: Path, root: Path, entry: str, source_id: str) -> tuple[str, int]:
    """The sources file's text with ``entry`` appended to its list, and the entry's line.

    The result is parsed again: if the list is not the last thing in the file (or is written in
    flow style), appending would change its meaning, and that is an error rather than a guess."""
    display = display_path(target, root)
    old = target.read_text(encoding="utf-8") if target.exists() else SOURCES_HEADER
    indent = "  "
    match = re.search(r"^sources:\s*\n(?:\s*#.*\n|\s*\n)*( *)- ", old, re.MULTILINE)
    if match:
        indent = match.group(1)
    prefix = old if old.endswith("\n") else old + "\n"
    if match and not prefix.endswith("\n\n"):
        prefix += "\n"
    line = prefix.count("\n") + 1
    body = "".join(indent + row if row else row for row in entry.splitlines(keepends=True))
    new = prefix + body
    try:
        parsed = parse_yaml(new, display)
    except YamlProblems:
        parsed = None
    items = parsed.get("sources") if isinstance(parsed, Mapping) else None
    last = items.items[-1] if isinstance(items, Sequence) and items.items else None
    last_id = last.get("id") if isinstance(last, Mapping) else None
    if not (isinstance(last_id, Scalar) and last_id.text == source_id and last_id.position.line == line):
        raise InputError.single(
            display,
            "cannot append a source here: the 'sources:' list must be a block list at the end of the file",
        )
    return new, line
