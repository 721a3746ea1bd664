"""Incremental publishing gives what a full build gives: the same dumps, byte for byte, and the
same validation results, after edits of every kind; it falls back to a full build whenever it
cannot be sure (and then reports bad input exactly as a full build does)."""

from __future__ import annotations

import re
import shutil
import tracemalloc
from collections.abc import Callable
from dataclasses import replace as dataclass_replace
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
import rdflib
from bench_modules import load_bench
from click.testing import Result
from conftest import DATASET

from agkg.build.dates import TimeValue
from agkg.build.graph import BuiltDataset, build_dataset, nquads_of
from agkg.build.incremental import PublishBuild, build_and_validate, dirty_nodes, remember, validation_region
from agkg.build.provenance import StatementRecord
from agkg.build.publishing import write_dumps
from agkg.build.validation import NTriplesData, load_shapes, validate_dataset, validate_graph
from agkg.build.wikibase import time_node
from agkg.config import load_config
from agkg.vocab import AGKG, OA, RDF, SCHEMA, WIKIBASE

REPO = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    return load_bench("generate")


@pytest.fixture(scope="module")
def synthetic_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated project with many sources, shared statements, ranks and attributions."""
    folder = tmp_path_factory.mktemp("synthetic") / "project"
    # about 410 claims in 16 sources (the edits below need 14 claims files)
    return Path(_generator().generate_project(folder, triples=11_800, seed=11))


@pytest.fixture
def synthetic(synthetic_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "synthetic"
    shutil.copytree(synthetic_template, target, ignore=shutil.ignore_patterns(".agkg", "dist"))
    return target


def build(project: Path, use_cache: bool) -> PublishBuild:
    config = load_config(project)
    shapes, _ = load_shapes(config.shapes_dir, check=False)
    return build_and_validate(config, shapes, use_cache=use_cache)


def dumps(result: PublishBuild, project: Path) -> dict[str, bytes]:
    config = load_config(project)
    _, shapes_triples = load_shapes(config.shapes_dir, check=False)
    return {name: producer() for name, producer in result.dump_producers(shapes_triples)}


def publish_and_remember(project: Path) -> PublishBuild:
    """What ``agkg publish`` does, through the library: build, write, remember."""
    result = build(project, use_cache=True)
    config = load_config(project)
    _, shapes_triples = load_shapes(config.shapes_dir, check=False)
    out = project / "dist"
    write_dumps(result.dump_producers(shapes_triples), out)
    remember(config, result, out)
    return result


def assert_same_as_full(project: Path) -> PublishBuild:
    """Build incrementally and in full; everything published and every result must agree."""
    incremental = build(project, use_cache=True)
    assert incremental.mode == "incremental", incremental.reason
    full = build(project, use_cache=False)
    assert full.mode == "full"
    assert incremental.report.results == full.report.results
    assert incremental.built.counts == full.built.counts
    assert incremental.built.warnings == full.built.warnings
    assert incremental.built.origins == full.built.origins
    assert dumps(incremental, project) == dumps(full, project)
    return incremental


def claims_files(project: Path) -> list[Path]:
    return sorted((project / "data" / "claims").glob("*.yaml"))


def claim_blocks(text: str) -> tuple[str, list[str]]:
    """A claims file as its header and its claim blocks (each starting with '  - ')."""
    head, _, body = text.partition("claims:\n")
    blocks = re.split(r"(?m)^(?=  - )", body)
    return head + "claims:\n", [b for b in blocks if b.strip()]


def edit_blocks(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    head, blocks = claim_blocks(path.read_text(encoding="utf-8"))
    path.write_text(head + "".join(change(blocks)), encoding="utf-8")


def with_field(block: str, key: str, value: str) -> str:
    block = re.sub(rf"(?m)^    {key}: .*\n", "", block)
    return block.rstrip("\n") + f"\n    {key}: {value}\n\n"


# --------------------------------------------------------------------------- edits


def add_note(project: Path) -> None:
    edit_blocks(claims_files(project)[3], lambda b: [with_field(b[0], "note", "Edited."), *b[1:]])


def make_preferred(project: Path) -> None:
    """Changes best ranks: the siblings' truthy triples and wikibase:BestRank go, in other
    sources' graphs too."""

    def change(blocks: list[str]) -> list[str]:
        block = with_field(blocks[1], "rank", "preferred")
        blocks[1] = with_field(block, "rank_reason", "The most precise report.")
        return blocks

    edit_blocks(claims_files(project)[5], change)


def remove_claims(project: Path) -> None:
    edit_blocks(claims_files(project)[7], lambda b: b[2:])


def reuse_another_sources_claim(project: Path) -> None:
    """A claim another source makes, with this source's own quote: one statement, two sources."""
    files = claims_files(project)
    _, theirs = claim_blocks(files[0].read_text(encoding="utf-8"))
    _, ours = claim_blocks(files[9].read_text(encoding="utf-8"))
    quote = re.search(r"(?m)^    quote: .*$", ours[0])
    assert quote is not None
    copied = re.sub(r"(?m)^    (quote|note|attributed_to|allegation|rank|rank_reason): .*\n", "", theirs[0])
    copied = copied.rstrip("\n") + "\n" + quote.group(0) + "\n\n"
    edit_blocks(files[9], lambda b: [*b, copied])


def swap_quotes(project: Path) -> None:
    """New references: two claims of a file exchange their quotes."""

    def change(blocks: list[str]) -> list[str]:
        first = re.search(r"(?m)^    quote: .*$", blocks[0])
        second = re.search(r"(?m)^    quote: .*$", blocks[1])
        assert first and second
        blocks[0] = blocks[0].replace(first.group(0), second.group(0))
        blocks[1] = blocks[1].replace(second.group(0), first.group(0))
        return blocks

    edit_blocks(claims_files(project)[11], change)


def drop_attributions(project: Path) -> None:
    for path in claims_files(project)[12:14]:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^    attributed_to: .*\n", "", text), encoding="utf-8")


def allege(project: Path) -> None:
    """Attributed claims become allegations: their statements lose best rank and truthy
    triples (and their siblings may gain them), and their references get new IRIs."""

    def change(blocks: list[str]) -> list[str]:
        return [
            with_field(b, "allegation", "true") if "attributed_to:" in b and "    rank:" not in b else b
            for b in blocks
        ]

    edit_blocks(claims_files(project)[6], change)


def empty_a_file(project: Path) -> None:
    path = claims_files(project)[4]
    head, _ = claim_blocks(path.read_text(encoding="utf-8"))
    path.write_text(head.replace("claims:\n", "claims: []\n"), encoding="utf-8")


EDITS = [add_note, make_preferred, remove_claims, reuse_another_sources_claim, swap_quotes,
         drop_attributions, allege, empty_a_file]  # fmt: skip


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__)
def test_incremental_build_equals_full_build(synthetic: Path, edit: Callable[[Path], None]) -> None:
    publish_and_remember(synthetic)
    before = {p: p.read_bytes() for p in claims_files(synthetic)}
    edit(synthetic)
    assert {p: p.read_bytes() for p in claims_files(synthetic)} != before, "the edit changed nothing"
    assert_same_as_full(synthetic)


def test_edits_in_a_row_each_equal_a_full_build(synthetic: Path) -> None:
    publish_and_remember(synthetic)
    for edit in (make_preferred, add_note, remove_claims):
        edit(synthetic)
        assert_same_as_full(synthetic)
        publish_and_remember(synthetic)


def test_a_violation_introduced_by_an_edit_is_found(project: Path) -> None:
    """An event dated after every report of it: only a shape sees that, not the loader."""
    publish_and_remember(project)
    path = project / "data" / "claims" / "siddiqui-2021.yaml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace(
        "    property: eventDate\n    value: 2021-08-15\n    quote: 'the Taliban gained control",
        "    property: eventDate\n    value: 2022-08-15\n    quote: 'the Taliban gained control",
    )
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    result = assert_same_as_full(project)
    violations = [r for r in result.report.results if r.severity == "violation"]
    assert [r.shape for r in violations] == ["https://w3id.org/agkg/shapes#EventBeforePublicationShape"]
    assert violations[0].position is not None
    assert violations[0].position.path == "data/claims/siddiqui-2021.yaml"
    # and fixed again: the violation is gone, incrementally
    publish_and_remember(project)
    path.write_text(text, encoding="utf-8")
    fixed = assert_same_as_full(project)
    assert fixed.report.violations == 0


def test_publish_is_incremental_and_says_so(
    project: Path, run_agkg: Callable[..., Result], tmp_path: Path
) -> None:
    out, full_out = tmp_path / "out", tmp_path / "full"
    first = run_agkg("--project", project, "-q", "publish", "--out", out)
    assert first.exit_code == 0, first.stderr
    assert "full build: no publish cache yet" in first.stderr
    add_note_to_bundled(project)
    second = run_agkg("--project", project, "-q", "publish", "--out", out)
    assert second.exit_code == 0, second.stderr
    assert "incremental build: 1 claims file(s) changed" in second.stderr
    third = run_agkg("--project", project, "-q", "publish", "--full", "--out", full_out)
    assert third.exit_code == 0, third.stderr
    assert "full build: --full" in third.stderr
    for path in sorted(p for p in out.iterdir() if p.is_file()):  # the dumps; query-store/ is a folder
        assert path.read_bytes() == (full_out / path.name).read_bytes(), path.name


def add_note_to_bundled(project: Path) -> None:
    path = project / "data" / "claims" / "what-is-isis-k-2021.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "    property: responsibilityClaimedBy\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + "    note: Edited.\n", 1), encoding="utf-8")


def test_bad_input_is_reported_as_a_full_build_reports_it(
    project: Path, run_agkg: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_agkg("--project", project, "-q", "publish", "--out", out).exit_code == 0
    published = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    path = project / "data" / "claims" / "what-is-isis-k-2021.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("value: kabul-airport\n", "value: kabul-airprot\n", 1), encoding="utf-8")
    incremental = run_agkg("--project", project, "-q", "publish", "--out", out)
    shutil.rmtree(project / ".agkg")
    full = run_agkg("--project", project, "-q", "publish", "--out", out)
    assert incremental.exit_code == full.exit_code == 2
    assert incremental.stderr == full.stderr
    assert "unknown entity 'kabul-airprot' (did you mean 'kabul-airport'?)" in incremental.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == published


def test_other_inputs_changing_force_a_full_build(project: Path) -> None:
    publish_and_remember(project)
    entities = sorted((project / "data" / "entities").glob("*.yaml"))[0]
    entities.write_text(entities.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    result = build(project, use_cache=True)
    assert result.mode == "full"
    assert result.reason == "inputs other than claims files changed"


def test_a_tampered_cache_falls_back_to_a_full_build(project: Path) -> None:
    publish_and_remember(project)
    add_note_to_bundled(project)
    cached = project / ".agkg" / "publish" / "dataset.nq"
    cached.unlink()
    cached.write_bytes(b"")
    result = build(project, use_cache=True)
    assert result.mode == "full"
    assert result.reason == "the cached dumps are missing or changed"
    (project / ".agkg" / "publish" / "state.json").write_bytes(b"not JSON")
    assert build(project, use_cache=True).reason == "the publish cache cannot be read"


def test_a_cached_dump_rewritten_in_place_forces_a_full_build(project: Path) -> None:
    # the cached dumps are known by size, time, inode and device, not by a hash of their bytes:
    # bytes changed in place, at the same size and inode, must still be noticed
    publish_and_remember(project)
    add_note_to_bundled(project)
    cached = project / ".agkg" / "publish" / "dataset.ttl"
    content = bytearray(cached.read_bytes())
    content[-2:-1] = b"?"
    with cached.open("r+b") as handle:
        handle.write(bytes(content))
    result = build(project, use_cache=True)
    assert result.mode == "full"
    assert result.reason == "the cached dumps are missing or changed"


def test_only_a_full_build_writes_the_sources_and_entities(project: Path) -> None:
    publish_and_remember(project)
    inputs = project / ".agkg" / "publish" / "inputs.json"
    written = inputs.read_bytes()
    inputs.touch()  # as an older copy: a rewrite would change the time
    stamp = inputs.stat().st_mtime_ns
    add_note_to_bundled(project)
    assert publish_and_remember(project).mode == "incremental"
    assert inputs.stat().st_mtime_ns == stamp and inputs.read_bytes() == written
    # the state written by the incremental build still finds them
    again = build(project, use_cache=True)
    assert again.mode == "incremental", again.reason
    assert again.state.entities == build(project, use_cache=False).state.entities
    # an inputs file that is not the one the state was written with is not used
    inputs.write_bytes(written + b" ")
    assert build(project, use_cache=True).reason == "the publish cache cannot be read"


# --------------------------------------------------------------------------- the dependency rules
# The edits above rarely change a validation result (valid input gives valid statements), so
# here faults are put straight into the quads of a built dataset, each of a kind a shape
# reads beyond its focus node, and the two rules are checked against full validations:
# every node whose results change is among ``dirty_nodes``, and validating
# ``validation_region`` gives those nodes exactly the results a full validation gives them.


def _faults(built: BuiltDataset) -> dict[str, tuple[list[ox.Quad], list[ox.Quad]]]:
    """Per fault: the quads it removes and the quads it adds."""
    iris = built.iris
    records = built.provenance.statements
    by_group: dict[tuple[str, str], list[StatementRecord]] = {}
    for record in records.values():
        by_group.setdefault((record.subject, record.property), []).append(record)
    siblings = next(
        g
        for g in by_group.values()
        if len(g) >= 2 and all(r.rank == "normal" and not r.alleged_by for r in g)
    )  # best-ranked siblings (alleged statements are never best)
    first, second = siblings[0], siblings[1]
    quads = built.quads

    def about(node: ox.NamedNode, predicate: ox.NamedNode | None = None) -> list[ox.Quad]:
        return [q for q in quads if q.subject == node and (predicate is None or q.predicate == predicate)]

    rank = about(iris.statement(first.key), WIKIBASE.rank)
    preferred = [ox.Quad(q.subject, q.predicate, WIKIBASE.PreferredRank, q.graph_name) for q in rank]
    best = [q for q in about(iris.statement(second.key), RDF.type) if q.object == WIKIBASE.BestRank]
    truthy = [
        q
        for q in about(iris.entity(first.subject), iris.wb.direct.term(first.property))
        if q.graph_name == rank[0].graph_name
    ]
    reference = iris.reference(first.references[0])
    quote = [q for q in about(reference, OA.hasSelector) if q.object.value.endswith("#quote")]
    event = next(r for r in records.values() if r.property == "eventDate")
    event_value = about(iris.statement(event.key), iris.wb.statement_value.eventDate)
    node = time_node(iris.wb, TimeValue("2099-01-01", "day"))
    later = [ox.Quad(q.subject, q.predicate, node.iri, q.graph_name) for q in event_value] + [
        ox.Quad(s, p, o, q.graph_name) for q in event_value[:1] for s, p, o in node.triples
    ]
    other = next(r for r in records.values() if r.subject != first.subject)
    graph = rank[0].graph_name
    alleged = next(r for r in records.values() if r.alleged_by)
    allegation = about(iris.reference(alleged.references[0]), AGKG.allegation)
    return {
        "an alleged statement's reference stating it as fact": (allegation, []),
        "a sibling made preferred": (rank, preferred),
        "best rank mark dropped": (best, []),
        "truthy triple dropped": (truthy, []),
        "quote selector dropped": (quote, []),
        "event dated after its reports": (event_value, later),
        "better-supported by another subject's statement": (
            [],
            [ox.Quad(iris.statement(first.key), AGKG.betterSupportedBy, iris.statement(other.key), graph)],
        ),
        "attributed to a source not relayed": (
            [],
            [
                ox.Quad(
                    reference,
                    iris.wb.reference.attributedTo,
                    next(q.subject for q in quads if q.predicate == SCHEMA.headline),
                    graph,
                )
            ],
        ),
    }


def _with_quads(built: BuiltDataset, removed: list[ox.Quad], added: list[ox.Quad]) -> BuiltDataset:
    quads = (set(built.quads) - set(removed)) | set(added)
    return dataclass_replace(built, nquads=nquads_of(quads), _ntriples=None)


@pytest.fixture(scope="module")
def bundled(corpus: Path) -> tuple[BuiltDataset, rdflib.Graph]:
    config = load_config(DATASET)
    config = dataclass_replace(config, corpus_dir=corpus)
    shapes, _ = load_shapes(config.shapes_dir, check=False)
    return build_dataset(config), shapes


@pytest.mark.parametrize(
    "fault",
    ["a sibling made preferred", "best rank mark dropped", "truthy triple dropped", "quote selector dropped",
     "event dated after its reports", "better-supported by another subject's statement",
     "attributed to a source not relayed", "an alleged statement's reference stating it as fact"],
)  # fmt: skip
def test_dependency_rules_cover_what_the_shapes_read(
    bundled: tuple[BuiltDataset, rdflib.Graph], fault: str
) -> None:
    clean, shapes = bundled
    removed, added = _faults(clean)[fault]
    assert removed or added
    faulty = _with_quads(clean, removed, added)
    before = {r.key() for r in validate_dataset(clean, shapes).results}
    after = validate_dataset(faulty, shapes).results
    changed = {key[0] for key in before.symmetric_difference(r.key() for r in after)}
    assert changed, "the fault changed no result"
    dirty = dirty_nodes({f"{q} .\n".encode() for q in removed + added}, faulty)
    assert changed <= dirty
    lines = [f"{q} .\n".encode() for q in faulty.quads]
    region = validation_region(dirty, faulty, lines)
    partial = validate_graph(NTriplesData.of(region), shapes, "turbo", faulty.origins)
    assert sorted(r.key() for r in partial.results if r.focus in dirty) == sorted(
        r.key() for r in after if r.focus in dirty
    )


def test_publishing_again_without_edits_is_incremental_and_identical(synthetic: Path) -> None:
    first = publish_and_remember(synthetic)
    again = assert_same_as_full(synthetic)
    assert again.reason.startswith("0 claims file(s) changed: 0 source graph(s) rebuilt")
    assert dumps(again, synthetic) == dumps(first, synthetic)


def test_the_incremental_build_does_not_hold_the_last_dumps(synthetic: Path) -> None:
    """While it patches the dumps (the graph stage) and while it writes them, an incremental
    publish allocates far less than the last publication's dumps: it reads them from their
    files where needed, in small windows here, and writes the new ones from the old files'
    ranges and the changes. (It read them all into memory and made the new texts beside them,
    which at 10M was the publish's peak, higher than a full build's.)"""
    publish_and_remember(synthetic)
    dumps_size = sum(p.stat().st_size for p in (synthetic / "dist").glob("dataset.*"))
    remove_claims(synthetic)
    config = load_config(synthetic)
    shapes, shapes_triples = load_shapes(config.shapes_dir, check=False)
    at_end: dict[str, tuple[int, int]] = {}  # traced memory (now, peak) at each stage's end

    def trace(stage: str) -> None:
        if stage == "provenance":  # the graph stage follows
            tracemalloc.start()
        elif tracemalloc.is_tracing():
            at_end[stage] = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("agkg.build.splicing.WINDOW", 1 << 16, raising=False)
        patch.setattr("agkg.build.chunking.TEXT_CHUNK", 1 << 16)
        try:
            result = build_and_validate(config, shapes, trace)
            trace("built")
            write_dumps(result.dump_producers(shapes_triples), synthetic / "dist", progress=trace)
        finally:
            tracemalloc.stop()
    assert result.mode == "incremental", result.reason
    graph_now, graph_peak = at_end["graph"]
    assert graph_peak - graph_now < dumps_size / 8, (at_end, dumps_size)
    built_now, _ = at_end["built"]
    writing_peak = max(peak for stage, (_, peak) in at_end.items() if stage.startswith("dataset."))
    assert writing_peak - built_now < dumps_size / 8, (at_end, dumps_size)
    assert_same_as_full(synthetic)


def test_a_file_edited_during_a_full_build_is_read_again_next_time(synthetic: Path) -> None:
    """The cache must not remember a file under its new bytes when the build read the old."""
    config = load_config(synthetic)
    shapes, shapes_triples = load_shapes(config.shapes_dir, check=False)

    def edit_after_loading(stage: str) -> None:
        if stage == "load":
            add_note(synthetic)

    result = build_and_validate(config, shapes, edit_after_loading, use_cache=False)
    write_dumps(result.dump_producers(shapes_triples), synthetic / "dist")
    remember(config, result, synthetic / "dist")
    assert_same_as_full(synthetic)  # the edit is in: the next build read the file again
