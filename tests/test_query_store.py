"""The persistent query store: ``agkg publish`` leaves one beside the dumps, ``agkg query`` and
the server's workers open it instead of rebuilding, it answers as the rebuilt store does, an
incremental publish patches it to what a full build makes, and a killed publish leaves the old
store with the old dumps."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
from bench_modules import load_bench
from click.testing import CliRunner
from starlette.testclient import TestClient

from agkg.build.graph import build_dataset
from agkg.build.publishing import DUMP_FILES, QUERY_STORE
from agkg.cli import cli
from agkg.config import load_config
from agkg.sparql.query import DatasetStore, open_dataset, run_query, store_from_built
from agkg.web.server import create_app

REPO = Path(__file__).resolve().parent.parent
QUERIES = sorted((REPO / "queries").glob("*.rq"))


def _generator() -> ModuleType:
    return load_bench("generate")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated project (copied by each test)."""
    folder = tmp_path_factory.mktemp("store") / "project"
    _generator().generate_project(folder, triples=4000, seed=5)
    return folder


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A copy of the generated project, published (in place: the publish cache is by path)."""
    target = tmp_path / "project"
    shutil.copytree(template, target, symlinks=True)
    publish(target)
    return target


def publish(project: Path, *options: str) -> str:
    result = CliRunner().invoke(cli, ["--project", str(project), "publish", *options], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def query(project: Path, text: str) -> str:
    result = CliRunner().invoke(
        cli, ["--project", str(project), "query", "--format", "csv", text], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def drop_last_claim(project: Path) -> None:
    """A curator's edit: the last claim of the first claims file removed."""
    path = sorted((project / "data" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("\n  - ") + 1], encoding="utf-8")


def rows(dataset: DatasetStore, text: str) -> list[tuple[str, ...]]:
    answer = run_query(dataset, text)
    if isinstance(answer, ox.QueryBoolean):
        return [(str(bool(answer)),)]
    if isinstance(answer, ox.QueryTriples):
        return sorted((str(t),) for t in answer)
    names = answer.variables
    return sorted(tuple(str(s[v]) if s[v] is not None else "" for v in names) for s in answer)


def rebuilt(project: Path) -> DatasetStore:
    """The in-memory store made from the inputs, as ``agkg query`` built it before."""
    built = build_dataset(load_config(project))
    return DatasetStore(store_from_built(built), built.iris, rebuilt=True)


def canonical(quads: set[ox.Quad]) -> set[ox.Quad]:
    """The quads with blank nodes relabelled canonically (the ontology has some)."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def test_publish_leaves_a_query_store_beside_the_dumps(project: Path) -> None:
    published = project / "dist"
    assert sorted(p.name for p in published.iterdir()) == sorted([*DUMP_FILES, QUERY_STORE])
    assert (published / QUERY_STORE / "db").is_dir()
    assert (published / QUERY_STORE / "fingerprint").read_text().strip()


def test_query_opens_the_published_store_without_rebuilding(project: Path) -> None:
    shutil.rmtree(project / ".agkg" / "query", ignore_errors=True)
    dataset = open_dataset(load_config(project))
    assert (dataset.origin, dataset.rebuilt) == ("publication", False)
    out = query(project, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(out.split()[1]) > 4000
    # a rebuild writes the query cache; opening the publication's store does not
    assert not (project / ".agkg" / "query").exists()


def test_the_published_store_answers_as_the_rebuilt_store(project: Path) -> None:
    published, fresh = open_dataset(load_config(project)), rebuilt(project)
    assert published.origin == "publication"
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        assert rows(published, text) == rows(fresh, text), path.name
    assert canonical(set(published.store)) == canonical(set(fresh.store))


def test_inputs_changed_since_the_publish_are_not_answered_from_its_store(project: Path) -> None:
    before = len(open_dataset(load_config(project)).store)
    drop_last_claim(project)
    dataset = open_dataset(load_config(project))
    assert (dataset.origin, dataset.rebuilt) == ("built", True)
    assert len(dataset.store) < before


def test_an_edit_that_keeps_the_file_size_is_noticed(project: Path) -> None:
    # the fingerprint reads the data files' sizes and times, not their content
    path = sorted((project / "data" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    edited = text.replace("# yaml-language-server", "# YAML-language-server", 1)
    assert edited != text and len(edited) == len(text)
    path.write_text(edited, encoding="utf-8")
    assert open_dataset(load_config(project)).origin == "built"


def test_an_incremental_publish_patches_the_store_to_what_a_full_build_makes(project: Path) -> None:
    drop_last_claim(project)
    output = publish(project)
    assert "query-store/  updated" in output
    published = open_dataset(load_config(project))
    assert published.origin == "publication"
    assert canonical(set(published.store)) == canonical(set(rebuilt(project).store))
    for path in QUERIES[:5]:
        text = path.read_text(encoding="utf-8")
        assert rows(published, text) == rows(rebuilt(project), text), path.name


def test_a_damaged_store_is_rebuilt_not_patched(project: Path) -> None:
    """An incremental publish whose last store cannot be opened builds it from the dumps."""
    (project / "dist" / QUERY_STORE / "db" / "CURRENT").unlink()
    drop_last_claim(project)
    output = publish(project)
    assert "incremental build" in output and "query-store/  built" in output
    published = open_dataset(load_config(project))
    assert canonical(set(published.store)) == canonical(set(rebuilt(project).store))


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import agkg.build.publishing, agkg.build.querystore
    from agkg.cli import main

    where = sys.argv.pop(1)
    if where == "store":  # in the middle of loading the new store
        chunks = agkg.build.querystore._chunks
        def dying(path):
            for chunk in chunks(path):
                yield chunk
                os.kill(os.getpid(), signal.SIGKILL)
        agkg.build.querystore._chunks = dying
    else:  # the store and the dumps are staged, right before the swap
        def swap(staging, target):
            os.kill(os.getpid(), signal.SIGKILL)
        agkg.build.publishing._swap = swap
    main()
    """
)


@pytest.mark.parametrize("where", ["store", "swap"])
def test_a_killed_publish_leaves_the_old_store_with_the_old_dumps(project: Path, where: str) -> None:
    dist = project / "dist"
    dumps = {name: (dist / name).read_bytes() for name in DUMP_FILES}
    fingerprint = (dist / QUERY_STORE / "fingerprint").read_bytes()
    store = canonical(set(ox.Store.read_only(str(dist / QUERY_STORE / "db"))))
    drop_last_claim(project)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, where, "--project", str(project), "-q", "publish", "--full"],
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    assert {name: (dist / name).read_bytes() for name in DUMP_FILES} == dumps
    assert (dist / QUERY_STORE / "fingerprint").read_bytes() == fingerprint
    assert canonical(set(ox.Store.read_only(str(dist / QUERY_STORE / "db")))) == store
    # the next publish goes through, and its store is the new dumps'
    publish(project)
    assert (dist / "dataset.nq").read_bytes() != dumps["dataset.nq"]
    assert canonical(set(open_dataset(load_config(project)).store)) == canonical(set(rebuilt(project).store))


def test_server_workers_open_a_copy_of_the_published_store(project: Path) -> None:
    app = create_app(load_config(project))
    with TestClient(app) as client:
        response = client.get(
            "/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
            headers={"Accept": "text/csv"},
        )
        assert response.status_code == 200, response.text
        pool = app.state.pool
        assert pool.store_path.is_dir() and pool.store_path.name == "store"
        expected = query(project, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert response.text.split() == expected.split()


def run_on_terminal(args: list[str]) -> tuple[int, str]:
    """Run ``agkg`` with its stderr on a pseudo-terminal; what it wrote there."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    process = subprocess.Popen(
        [sys.executable, "-m", "agkg", *args], stdout=subprocess.DEVNULL, stderr=follower, env=env
    )
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the process closed its end
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(), output.decode("utf-8", "replace")


def test_progress_bars_show_on_a_terminal_and_never_on_a_pipe(project: Path) -> None:
    code, shown = run_on_terminal(["--project", str(project), "publish", "--full"])
    assert code == 0, shown
    assert "query store" in shown and "━" in shown  # a drawn bar
    assert "/s" in shown  # with a rate
    total = len((project / "dist" / "dataset.nq").read_bytes().splitlines()) + len(
        (project / "dist" / "dataset.nt").read_bytes().splitlines()
    )
    assert f"{total}/{total}" in shown  # and counts

    code, quiet = run_on_terminal(["--project", str(project), "--quiet", "publish", "--full"])
    assert code == 0 and "━" not in quiet and "query store" not in quiet

    piped = subprocess.run(
        [sys.executable, "-m", "agkg", "--project", str(project), "publish", "--full"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "━" not in piped.stderr and "\x1b" not in piped.stderr and "query store" not in piped.stderr
    assert piped.stderr.startswith("published ")


def test_answering_from_the_published_store_does_not_import_the_build() -> None:
    # the build (YAML, claims, provenance) and rdflib cost a third of a query's start-up; the
    # modules a query from the published store needs must not pull them in
    code = (
        "import sys, agkg.cli, agkg.sparql.query, agkg.sparql.querylib, agkg.build.querystore, agkg.sparql.label_service\n"
        "print(' '.join(m for m in ('agkg.build.graph', 'agkg.build.claims', 'yaml', 'rdflib') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []


def test_the_fingerprint_reads_every_yaml_file_under_the_data_folder(tmp_path: Path) -> None:
    from agkg.sparql.query import data_file_stats

    for name in (
        "b.yaml",
        "a/z.yml",
        "a/b/c.yaml",
        "a.d/x.yaml",
        "notes.txt",
        "a/README.md",
        ".hidden/h.yaml",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    found = [name for name, _ in data_file_stats(tmp_path)]
    expected = [str(p.relative_to(tmp_path)) for p in sorted(tmp_path.glob("**/*.y*ml"))]
    assert found == expected
    assert set(found) == {"b.yaml", "a/z.yml", "a/b/c.yaml", "a.d/x.yaml", ".hidden/h.yaml"}


def test_the_fingerprint_changes_with_a_data_file_or_a_corpus_text(tmp_path: Path) -> None:
    from agkg.config import load_config
    from agkg.sparql.query import input_fingerprint

    (tmp_path / "data" / "claims").mkdir(parents=True)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "agkg.toml").write_text('[agkg]\ncorpus = "corpus"\n', encoding="utf-8")
    claims = tmp_path / "data" / "claims" / "s1.yaml"
    claims.write_text("claims: []\n", encoding="utf-8")
    text = tmp_path / "corpus" / "s1.txt"
    text.write_text("An article.\n", encoding="utf-8")
    config = load_config(tmp_path)
    seen = {input_fingerprint(config)}
    assert input_fingerprint(config) in seen  # stable
    claims.write_text("claims: [] \n", encoding="utf-8")
    seen.add(input_fingerprint(config))
    text.write_text("An article, longer.\n", encoding="utf-8")
    seen.add(input_fingerprint(config))
    (tmp_path / "corpus" / "s2.txt").write_text("Another.\n", encoding="utf-8")
    seen.add(input_fingerprint(config))
    assert len(seen) == 4
