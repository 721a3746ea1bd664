"""Property tests (hypothesis): what any input the loader accepts must survive.

- Any Unicode text in labels, aliases, descriptions, notes and quotes (quotation marks of every
  kind, backslashes, triple quotes, newlines, Turtle/SPARQL/JSON metacharacters, right-to-left
  Pashto, Dari and Arabic, combining marks, ZWJ/ZWNJ, bidi controls) goes YAML → build →
  Turtle / TriG / N-Triples / N-Quads / JSON-LD → pyoxigraph's parsers as the very same graph,
  and the literal keeps every code point.
- Minted statement and reference IRIs are stable (the same data in another file order gives the
  same IRIs) and distinct for distinct claims.
- Dates at each precision round-trip through the loader and the dumps with their XSD type.

Each test writes a tiny project (one source with its text, one entity, claims) so an example
builds in milliseconds; example counts are modest to keep the suite fast on two cores.
"""

from __future__ import annotations

import calendar
import hashlib
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agkg.build.dates import parse_time_value, time_from_wikibase
from agkg.build.graph import BuiltDataset, build_dataset
from agkg.build.publishing import render_dumps
from agkg.build.quotes import SourceText, find_quote
from agkg.config import load_config
from agkg.vocab import OA, RDFS, SKOS, WIKIBASE, XSD

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = settings(max_examples=30, deadline=None)

# Characters the loader refuses (C0/C1 controls except tab and newline) and lone surrogates,
# which no UTF-8 file can hold, are left out; everything else is fair game.
_REFUSED = "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A)) + "".join(
    chr(c) for c in range(0x7F, 0xA0)
)
FRAGMENTS = [
    '"', "'", '"""', "'''", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb",
    "\\", "\\n", "\\u0041", "\n", "\t", "  ", "\u00a0", "\u2028", "\u2029",
    "<", ">", "{", "}", "[", "]", "@en", "^^", "#", ";", ".", ",", ":", "?x", "$x", "_:b0",
    "<http://example.org/>", "%20", "&amp;", "@context", "@id",
    "داعش خراسان", "د اسلامي دولت", "طالبان", "افغانستان", "ښځه", "ګروپ", "ـ",
    "\u0301", "e\u0301", "\u200d", "\u200c", "\u200e", "\u200f",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "\ufeff", "\ufffe", "\uffff", "\U0001f600", "\U0001f468\u200d\U0001f469", "\u0430", "\u0456",
]  # fmt: skip
TEXT = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=_REFUSED), max_size=8),
    ),
    min_size=1,
    max_size=8,
).map("".join)
VISIBLE = TEXT.filter(lambda s: bool(s.strip()))


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar holding exactly ``text`` (YAML 1.1 section 5.7 escapes)."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code in (0x85, 0x2028, 0x2029, 0xFEFF) or 0xFFFE <= code <= 0xFFFF:
            out.append(f"\\u{code:04x}")  # line breaks YAML would fold; bytes its reader refuses
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


class TinyProject:
    """A project with one source (whose text is written per example), one entity, claims."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in ("ontology", "shapes"):
            shutil.copytree(REPO / folder, root / folder)
        for kind in ("sources", "entities", "claims", "corpus"):
            (root / ("data/" + kind if kind != "corpus" else kind)).mkdir(parents=True)
        (root / "agkg.toml").write_text('[agkg]\nbase = "https://w3id.org/agkg/"\ncorpus = "corpus"\n')

    def write(self, text: str, entities: str, claims: dict[str, str]) -> None:
        data = self.root / "data"
        for path in [*(data / "claims").iterdir(), *(self.root / "corpus").iterdir()]:
            path.unlink()
        encoded = text.encode("utf-8")
        (self.root / "corpus" / "text.txt").write_bytes(encoded)
        (data / "sources" / "s.yaml").write_text(
            "sources:\n  - id: src\n    type: Report\n    language: en\n"
            f"    sha256: {hashlib.sha256(encoded).hexdigest()}\n",
            encoding="utf-8",
        )
        (data / "entities" / "e.yaml").write_text("entities:\n" + entities, encoding="utf-8")
        for name, body in claims.items():
            (data / "claims" / name).write_text("source: src\nclaims:\n" + body, encoding="utf-8")

    def build(self) -> BuiltDataset:
        return build_dataset(load_config(self.root))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyProject]:
    yield TinyProject(tmp_path_factory.mktemp("tiny"))


GROUP = "  - id: g\n    type: ArmedGroup\n    label: {en: Group}\n"


def claim(value: str, quote: str, extra: str = "", prop: str = "inception", subject: str = "g") -> str:
    return (
        f"  - subject: {subject}\n    property: {prop}\n    value: {value}\n"
        f"    quote: {yaml_string(quote)}\n{extra}"
    )


def parsed(content: bytes, rdf_format: ox.RdfFormat) -> set[ox.Triple] | set[ox.Quad]:
    return set(ox.parse(content, format=rdf_format))


def assert_dumps_hold_the_built_graph(built: BuiltDataset) -> dict[str, bytes]:
    files = render_dumps(built, [], [])
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in built.quads}
    for name, rdf_format in (
        ("dataset.ttl", ox.RdfFormat.TURTLE),
        ("dataset.nt", ox.RdfFormat.N_TRIPLES),
        ("dataset.jsonld", ox.RdfFormat.JSON_LD),
    ):
        got = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(files[name], format=rdf_format)}
        assert got == triples, name
    for name, rdf_format in (("dataset.trig", ox.RdfFormat.TRIG), ("dataset.nq", ox.RdfFormat.N_QUADS)):
        assert set(ox.parse(files[name], format=rdf_format)) == set(built.quads), name
    return files


@EXAMPLES
@given(label=VISIBLE, alias=VISIBLE, description=VISIBLE, quote=VISIBLE, note=VISIBLE)
def test_any_text_survives_build_and_every_dump(
    tiny: TinyProject, label: str, alias: str, description: str, quote: str, note: str
) -> None:
    entities = (
        f"  - id: g\n    type: ArmedGroup\n    label: {{ps: {yaml_string(label)}}}\n"
        f"    aliases: {{fa-AF: [{yaml_string(alias)}]}}\n"
        f"    description: {{ar: {yaml_string(description)}}}\n"
    )
    # the source text is the quote itself, so it occurs exactly once
    tiny.write(quote, entities, {"c.yaml": claim("2015", quote, f"    note: {yaml_string(note)}\n")})
    built = tiny.build()
    assert_dumps_hold_the_built_graph(built)
    objects = {(q.predicate, q.object) for q in built.quads}
    assert (SKOS.prefLabel, ox.Literal(label, language="ps")) in objects
    assert (SKOS.altLabel, ox.Literal(alias, language="fa-af")) in objects or (
        SKOS.altLabel,
        ox.Literal(alias, language="fa-AF"),
    ) in objects
    assert (OA.exact, ox.Literal(quote, datatype=XSD.string)) in objects
    assert (RDFS.comment, ox.Literal(note, language="en")) in objects


@settings(max_examples=20, deadline=None)
@given(values=st.lists(st.integers(min_value=1, max_value=10**30), min_size=2, max_size=6, unique=True))
def test_minted_iris_are_stable_and_distinct(tiny: TinyProject, values: list[int]) -> None:
    quote = "The group has many fighters."
    bodies = [claim(str(v), quote, prop="memberCount") for v in values]

    def statement_iris(claims: dict[str, str]) -> list[str]:
        tiny.write(quote, GROUP, claims)
        built = tiny.build()
        assert_dumps_hold_the_built_graph(built)
        return sorted(built.provenance.statements)

    one_file = statement_iris({"a.yaml": "".join(bodies)})
    assert len(one_file) == len(values)  # distinct values, distinct statements
    spread = statement_iris({f"{i:02d}.yaml": body for i, body in enumerate(reversed(bodies))})
    assert spread == one_file  # same claims in other files and order: same IRIs


@settings(max_examples=20, deadline=None)
@given(quotes=st.lists(VISIBLE, min_size=2, max_size=4, unique_by=lambda q: " ".join(q.split())))
def test_reference_iris_are_distinct_for_distinct_quotes(tiny: TinyProject, quotes: list[str]) -> None:
    text = "\n\n".join(quotes)
    source = SourceText(Path("text.txt"), "", unicodedata.normalize("NFC", text))
    # a quote that also occurs inside another is ambiguous, which the loader rightly refuses
    assume(all(len(find_quote(source, q, None, None)) == 1 for q in quotes))
    tiny.write(text, GROUP, {"c.yaml": "".join(claim("2015", q) for q in quotes)})
    built = tiny.build()
    assert len(built.provenance.references) == len(quotes)
    assert len(built.provenance.statements) == 1  # one statement, a reference per quote


@st.composite
def dates(draw: st.DrawFn) -> tuple[str, str]:
    """A valid date at a random precision, written as a curator would, and its precision."""
    year = draw(st.integers(min_value=1, max_value=9999))
    precision = draw(st.sampled_from(["year", "month", "day", "time"]))
    if precision == "year":
        return f"{year:04d}", precision
    month = draw(st.integers(min_value=1, max_value=12))
    if precision == "month":
        return f"{year:04d}-{month:02d}", precision
    day = draw(st.integers(min_value=1, max_value=calendar.monthrange(year, month)[1]))
    if precision == "day":
        return f"{year:04d}-{month:02d}-{day:02d}", precision
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}", precision


DATATYPES = {"year": XSD.gYear, "month": XSD.gYearMonth, "day": XSD.date, "time": XSD.dateTime}


@settings(max_examples=200, deadline=None)
@given(written=dates())
def test_dates_keep_their_precision(written: tuple[str, str]) -> None:
    text, precision = written
    value = parse_time_value(text)
    assert value.precision == precision
    expected = text + ":00" if precision == "time" else text
    assert value.lexical == expected
    assert parse_time_value(value.lexical) == value  # the published form reads back the same
    assert value.earliest <= value.latest
    literal = ox.Literal(value.lexical, datatype=DATATYPES[precision])
    line = f"<http://e/s> <http://e/p> {literal} .\n".encode()
    assert next(iter(ox.parse(line, format=ox.RdfFormat.N_TRIPLES))).object == literal


@settings(max_examples=15, deadline=None)
@given(written=st.lists(dates(), min_size=1, max_size=4, unique_by=lambda d: d[0]))
def test_dates_round_trip_through_the_dumps(tiny: TinyProject, written: list[tuple[str, str]]) -> None:
    quote = "It was founded long ago."
    tiny.write(quote, GROUP, {"c.yaml": "".join(claim(text, quote) for text, _ in written)})
    built = tiny.build()
    files = assert_dumps_hold_the_built_graph(built)
    triples = list(ox.parse(files["dataset.nt"], format=ox.RdfFormat.N_TRIPLES))
    # every date is a Wikibase time value node whose precision gives the written date back
    instants = {t.subject: t.object.value for t in triples if t.predicate == WIKIBASE.timeValue}
    dates = {
        time_from_wikibase(instants[t.subject], int(t.object.value)).lexical
        for t in triples
        if t.predicate == WIKIBASE.timePrecision
    }
    for text, precision in written:
        lexical = text + ":00Z" if precision == "time" else text
        assert lexical in dates
