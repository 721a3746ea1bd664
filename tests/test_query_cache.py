"""Kept answers (``sparql/resultcache.py``): ``agkg query`` answers a repeated query from the
publication's kept answer, byte for byte what evaluating it gives; a publish makes them go; a
killed or racing writer never gets a half or stale answer served; concurrent processes agree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from bench_modules import load_bench
from click.testing import CliRunner

from agkg.build.publishing import QUERY_STORE
from agkg.cli import cli
from agkg.config import load_config
from agkg.sparql.query import open_dataset, run_query, write_answer
from agkg.sparql.resultcache import RESULTS, result_cache

REPO = Path(__file__).resolve().parent.parent
POSTS = (REPO / "queries" / "posts.rq").read_text(encoding="utf-8")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cache") / "project"
    load_bench("generate").generate_project(folder, triples=4000, seed=7)
    publish(folder)
    return folder


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A published project of its own (copied: the publication and its caches are by path)."""
    target = tmp_path / "project"
    shutil.copytree(template, target, symlinks=True)
    publish(target)  # a publication made in this folder (the copy's fingerprint differs)
    return target


def publish(project: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(project), "-q", "publish"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def ask(project: Path, text: str, *options: str) -> bytes:
    result = CliRunner().invoke(
        cli, ["--project", str(project), "query", *options, text], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def query_command(project: Path, text: str) -> list[str]:
    """``agkg query`` asking ``text`` of ``project`` as CSV, in a process of its own."""
    return [sys.executable, "-m", "agkg", "--project", str(project), "-q", "query", "--format", "csv", text]


def kept(project: Path) -> list[Path]:
    folder = project / "dist" / QUERY_STORE / RESULTS
    return sorted(folder.glob("*.answer")) if folder.is_dir() else []


def drop_last_claim(project: Path) -> None:
    path = sorted((project / "data" / "claims").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("\n  - ") + 1], encoding="utf-8")


@pytest.mark.parametrize("output_format", ["csv", "json", "table"])
def test_a_kept_answer_is_the_evaluated_answer_byte_for_byte(project: Path, output_format: str) -> None:
    fresh = ask(project, POSTS, "--no-cache", "--format", output_format)
    assert kept(project) == []  # --no-cache keeps nothing
    first = ask(project, POSTS, "--format", output_format)
    assert len(kept(project)) == 1
    later = ask(project, POSTS, "--format", output_format)
    assert fresh == first == later and fresh.count(b"src-") > 10


def test_a_later_query_is_answered_from_the_kept_answer(project: Path) -> None:
    ask(project, COUNT, "--format", "csv")
    [path] = kept(project)
    # an answer written under the same key is what a later query prints: proof it is not evaluated
    cache = result_cache(project / "dist", open_dataset(load_config(project)).identity)
    assert cache is not None
    key = path.name.removesuffix(".answer")
    with cache.recording(key, open(os.devnull, "wb")) as stream:
        stream.write(b"n\r\n12345\r\n")
    assert ask(project, COUNT, "--format", "csv") == b"n\r\n12345\r\n"
    assert ask(project, COUNT, "--format", "csv", "--no-cache") != b"n\r\n12345\r\n"
    # other formats, texts and parameters are other answers
    assert ask(project, COUNT, "--format", "tsv").startswith(b"?n\n")
    assert ask(project, COUNT + " ", "--format", "csv") != b"n\r\n12345\r\n"


def test_a_damaged_answer_is_not_served(project: Path) -> None:
    fresh = ask(project, POSTS, "--format", "csv")
    [path] = kept(project)
    data = path.read_bytes()
    for damaged in (b"", data[: len(data) // 2], data.replace(b",", b";", 1)):
        path.write_bytes(damaged)  # as a power cut or a disk error leaves it
        assert ask(project, POSTS, "--format", "csv") == fresh
        assert path.read_bytes() == data  # evaluated again and kept again


def test_a_publish_replaces_the_kept_answers(project: Path) -> None:
    before = ask(project, COUNT, "--format", "csv")
    assert len(kept(project)) == 1
    drop_last_claim(project)
    publish(project)
    assert kept(project) == []
    after = ask(project, COUNT, "--format", "csv")
    assert after != before and after == ask(project, COUNT, "--format", "csv", "--no-cache")


def test_an_answer_to_a_changed_dataset_is_evaluated_not_served(project: Path) -> None:
    before = ask(project, COUNT, "--format", "csv")
    drop_last_claim(project)  # not published: the query is answered from the inputs
    after = ask(project, COUNT, "--format", "csv")
    assert after != before


def test_a_query_that_opened_the_old_store_does_not_keep_its_answer_for_the_new_one(project: Path) -> None:
    # the race: a query opens the store, a publish swaps a new publication in, and the query
    # then keeps the old store's answer; a later query must get the new publication's answer
    old = open_dataset(load_config(project))
    drop_last_claim(project)
    publish(project)
    cache = result_cache(project / "dist", old.identity)
    assert cache is not None
    key = cache.key(COUNT, None, "csv")
    with cache.recording(key, open(os.devnull, "wb")) as stream:
        write_answer(run_query(old, COUNT), "csv", stream, old.iris.base)
    assert ask(project, COUNT, "--format", "csv") == ask(project, COUNT, "--format", "csv", "--no-cache")


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    import agkg.sparql.query
    from agkg.cli import main

    def dying(answer, output_format, stream, base):
        stream.write(b"half an answer\\n")
        stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    agkg.sparql.query.write_answer = dying
    main()
    """
)


def test_a_killed_writer_leaves_no_answer_to_serve(project: Path) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, "--project", str(project), "query", "--format", "csv", POSTS],
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -9 and killed.stdout == b"half an answer\n", killed.stderr
    folder = project / "dist" / QUERY_STORE / RESULTS
    assert [p.suffix for p in folder.iterdir()] == [".tmp"] and kept(project) == []
    assert ask(project, POSTS, "--format", "csv") == ask(project, POSTS, "--format", "csv", "--no-cache")
    assert len(kept(project)) == 1


def test_concurrent_processes_agree(project: Path) -> None:
    fresh = ask(project, POSTS, "--format", "csv", "--no-cache")
    command = query_command(project, POSTS)
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    answers = [process.communicate() for process in running]
    assert all(process.returncode == 0 for process in running), [err for _, err in answers]
    assert [out for out, _ in answers] == [fresh] * 4
    assert len(kept(project)) == 1 and ask(project, POSTS, "--format", "csv") == fresh


def test_queries_and_a_publish_at_once_give_the_old_or_the_new_answer(project: Path) -> None:
    old = ask(project, COUNT, "--format", "csv")
    drop_last_claim(project)
    command = query_command(project, COUNT)
    publisher = subprocess.Popen(
        [sys.executable, "-m", "agkg", "--project", str(project), "-q", "publish"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    answers = []
    while publisher.poll() is None:
        answers.append(subprocess.run(command, capture_output=True, check=True).stdout)
    assert publisher.returncode == 0, publisher.stderr.read() if publisher.stderr else ""
    new = ask(project, COUNT, "--format", "csv", "--no-cache")
    assert new != old
    assert answers and all(answer in (old, new) for answer in answers)
    assert ask(project, COUNT, "--format", "csv") == new


def test_a_publication_that_cannot_keep_answers_still_answers(project: Path) -> None:
    results = project / "dist" / QUERY_STORE / RESULTS
    results.write_bytes(b"")  # a file where the folder goes: nothing can be written there
    fresh = ask(project, POSTS, "--format", "csv", "--no-cache")
    assert ask(project, POSTS, "--format", "csv") == fresh
    assert ask(project, POSTS, "--format", "csv") == fresh


def test_each_parameter_value_has_its_own_answer(project: Path) -> None:
    # a parameter on a projected variable reaches the query as a substitution, not in its text
    labels = "SELECT ?g ?label WHERE { ?g rdfs:label ?label } ORDER BY ?label"

    def group_labels(group: str, *options: str) -> bytes:
        return ask(project, labels, "--format", "csv", "--param", f"g=id:{group}", *options)

    first, second = group_labels("group-0"), group_labels("group-1")
    assert first != second and len(kept(project)) == 2
    assert group_labels("group-0") == first == group_labels("group-0", "--no-cache")
    assert group_labels("group-1") == second == group_labels("group-1", "--no-cache")


def test_a_query_that_fails_keeps_nothing(project: Path) -> None:
    graph = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"
    result = CliRunner().invoke(cli, ["--project", str(project), "query", "--format", "csv", graph])
    assert result.exit_code == 2 and "is a graph" in result.output
    assert kept(project) == []
    assert ask(project, graph, "--format", "ntriples") == ask(
        project, graph, "--format", "ntriples", "--no-cache"
    )
