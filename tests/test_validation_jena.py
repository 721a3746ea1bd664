"""The Jena engine: Apache Jena's SHACL in a Java process, chosen by ``auto`` for big graphs.

Its results must be agkg's results field for field (the shape suite compares every case in
tests/test_validation_shapes.py; here a whole project, published and revalidated), the choice
must follow the measured threshold and the memory there is, and every way Java or Jena can be
missing or fail must be a clear error, never a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import Result

from agkg.build import jena as jena_module
from agkg.build import validation
from agkg.build.graph import build_dataset
from agkg.build.jena import JenaOutOfMemory, JenaRuntime, find_jena, resource_fix, validate_files
from agkg.build.validation import (
    EngineChoice,
    choose_engine,
    jena_heap,
    load_shapes,
    validate_dataset,
    validate_graph,
)
from agkg.config import load_config
from agkg.errors import ConfigurationError

JENA = find_jena()
needs_jena = pytest.mark.skipif(
    JENA is None and not os.environ.get("CI"),
    reason="Java or Apache Jena is not installed (apt-get install -y default-jdk-headless "
    "libapache-jena-java); CI runs it",
)

RunAgkg = Callable[..., Result]


def dist_files(folder: Path) -> dict[str, bytes]:
    """Every file of a publication by its relative path (the query store's files aside:
    RocksDB's own logs and identifiers differ between any two stores)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "query-store" not in path.parts
    }


def set_engine(project: Path, engine: str) -> None:
    toml = project / "agkg.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'shacl_engine = "{engine}"\n', encoding="utf-8")


def validated(project: Path, run_agkg: RunAgkg, engine: str, output_format: str) -> str:
    """What ``agkg validate`` prints with ``engine`` on a project that conforms."""
    result = run_agkg("--project", project, "validate", "--engine", engine, "--format", output_format)
    assert result.exit_code == 0, result.stderr
    return result.stdout


# ------------------------------------------------------------------------- same results


@needs_jena
def test_a_project_validates_the_same_with_jena_and_turbo(project: Path, run_agkg: RunAgkg) -> None:
    """``agkg validate --format json`` says the same with each engine, but for its name."""
    answers = {}
    for engine in ("turbo", "jena"):
        answer = json.loads(validated(project, run_agkg, engine, "json"))
        assert answer.pop("engine") == engine
        answers[engine] = answer
    assert answers["jena"]["results"], "the fixture project gives notes to compare"
    assert answers["jena"] == answers["turbo"]


@needs_jena
def test_auto_takes_jena_from_the_threshold_on_with_the_same_results(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the threshold lowered to the project's size, ``auto`` runs Jena on the built
    dataset (as publish does) and reports exactly what turbo does, input positions included."""
    config = load_config(project)
    shapes, _ = load_shapes(config.shapes_dir)
    turbo = validate_dataset(build_dataset(config, None), shapes, "turbo")
    monkeypatch.setattr(validation, "JENA_FROM_TRIPLES", 1)
    auto = validate_dataset(build_dataset(config, None), shapes, "auto")
    assert auto.engine == "jena"
    assert auto.results == turbo.results
    assert any(r.origins for r in auto.results)
    assert auto.conforms == turbo.conforms


IDEOLOGY_CLAIM = """  - subject: iskp
    property: ideology
    value: jihadism
    quote: 'extremist and violent jihadist militant group'
"""


@needs_jena
def test_publishing_with_jena_is_byte_identical_full_and_incremental(
    project: Path, tmp_path: Path, run_agkg: RunAgkg
) -> None:
    """A full publish validated by Jena writes the same files as one validated by turbo; so does
    the incremental publish after an edit, which keeps the Jena run's results for what the edit
    did not touch."""
    twin = tmp_path / "twin"
    shutil.copytree(project, twin)
    set_engine(project, "turbo")
    set_engine(twin, "jena")
    for folder in (project, twin):
        result = run_agkg("--project", folder, "publish")
        assert result.exit_code == 0, result.stderr
    assert dist_files(twin / "dist") == dist_files(project / "dist")
    for folder in (project, twin):
        claims = folder / "data" / "claims" / "siddiqui-2021.yaml"
        text = claims.read_text(encoding="utf-8")
        assert IDEOLOGY_CLAIM in text
        claims.write_text(text.replace(IDEOLOGY_CLAIM, ""), encoding="utf-8")
        result = run_agkg("--project", folder, "publish")
        assert result.exit_code == 0, result.stderr
        assert "incremental" in result.stderr
    assert dist_files(twin / "dist") == dist_files(project / "dist")


# ------------------------------------------------------------------------- choosing


RUNTIME = JenaRuntime("java", (Path("jena-core.jar"),))
GIB = 1 << 30


def room(monkeypatch: pytest.MonkeyPatch, available: int | None) -> None:
    """The memory the system has available for a new process, as validation reads it."""
    monkeypatch.setattr(validation, "_available_memory", lambda own=True: available)


def test_auto_is_turbo_below_the_threshold() -> None:
    assert choose_engine("auto", validation.JENA_FROM_TRIPLES - 1, RUNTIME) == EngineChoice("turbo")


def test_auto_is_jena_from_the_threshold_with_the_preferred_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    triples = validation.JENA_FROM_TRIPLES
    room(monkeypatch, 64 * GIB)
    heap = triples * validation.JENA_HEAP_BYTES_PER_TRIPLE
    assert choose_engine("auto", triples, RUNTIME) == EngineChoice("jena", RUNTIME, heap)


def test_a_tight_machine_gives_jena_a_smaller_heap_then_turbo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the preferred and the least heap Jena gets what fits; below the least, turbo."""
    triples = 10_000_000
    least = triples * validation.JENA_LEAST_HEAP_BYTES_PER_TRIPLE
    overhead = validation.JENA_OVERHEAD_BYTES
    room(monkeypatch, least + overhead + GIB)
    assert choose_engine("auto", triples, RUNTIME) == EngineChoice("jena", RUNTIME, least + GIB)
    room(monkeypatch, least + overhead - 1)
    assert choose_engine("auto", triples, RUNTIME) == EngineChoice("turbo")
    # what this process lets go before Java starts counts as room
    assert choose_engine("auto", triples, RUNTIME, freed=1).heap == least


def test_jena_asked_for_runs_with_the_least_heap_even_when_it_may_not_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room(monkeypatch, GIB)
    triples = 10_000_000
    least = triples * validation.JENA_LEAST_HEAP_BYTES_PER_TRIPLE
    assert choose_engine("jena", triples, RUNTIME) == EngineChoice("jena", RUNTIME, least)


def test_unknown_memory_is_taken_as_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    room(monkeypatch, None)
    triples = validation.JENA_FROM_TRIPLES * 4
    assert choose_engine("auto", triples, RUNTIME).heap == triples * validation.JENA_HEAP_BYTES_PER_TRIPLE


def test_auto_is_turbo_without_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert find_jena() is None
    assert choose_engine("auto", validation.JENA_FROM_TRIPLES * 3) == EngineChoice("turbo")


def test_explicit_engines_are_kept() -> None:
    assert choose_engine("turbo", 10**9) == EngineChoice("turbo")
    assert choose_engine("pyshacl", 10) == EngineChoice("pyshacl")
    assert choose_engine("jena", 10, RUNTIME).engine == "jena"


def test_jenas_heap_has_a_floor() -> None:
    assert jena_heap(10) == validation.JENA_MIN_HEAP
    assert jena_heap(10, validation.JENA_MIN_HEAP + validation.JENA_OVERHEAD_BYTES - 1) is None


# ------------------------------------------------------------------------- finding Jena


def test_a_classpath_setting_takes_jars_and_folders_of_jars(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("no java on this machine")
    folder = tmp_path / "lib"
    folder.mkdir()
    for name in ("b.jar", "a.jar", "notes.txt"):
        (folder / name).write_bytes(b"")
    single = tmp_path / "extra.jar"
    single.write_bytes(b"")
    runtime = jena_module.find_jena(f"{folder}{os.pathsep}{single}")
    assert runtime is not None
    assert runtime.jars == (folder / "a.jar", folder / "b.jar", single)


def test_a_classpath_entry_that_is_not_there_is_a_configuration_error(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("no java on this machine")
    with pytest.raises(ConfigurationError, match=r"jena_classpath: .*missing\.jar is neither"):
        find_jena(str(tmp_path / "missing.jar"))


def test_java_home_is_preferred_to_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n", encoding="utf-8")
    jar = tmp_path / "jena.jar"
    jar.write_bytes(b"")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    runtime = find_jena(str(jar))
    assert runtime is not None and runtime.java == str(java)


def make_jar(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return path


def test_the_resource_fix_moves_the_bundles_to_the_relocated_package(tmp_path: Path) -> None:
    """Debian's jena-core: classes under xerces/, bundles left under org/apache/jena/ext/xerces/."""
    core = make_jar(
        tmp_path / "jena-core.jar",
        {
            "xerces/impl/dv/XSSimpleType.class": b"\xca\xfe",
            "org/apache/jena/ext/xerces/impl/msg/XMLSchemaMessages.properties": b"cvc-datatype-valid=...",
            "org/apache/jena/ext/xerces/impl/xpath/regex/message.properties": b"parser.parse.1=...",
        },
    )
    out = tmp_path / "run"
    out.mkdir()
    fix = resource_fix((tmp_path / "other.jar", core), out)
    assert fix is not None and fix.parent == out
    with zipfile.ZipFile(fix) as archive:
        assert sorted(archive.namelist()) == [
            "xerces/impl/msg/XMLSchemaMessages.properties",
            "xerces/impl/xpath/regex/message.properties",
        ]
        assert archive.read("xerces/impl/msg/XMLSchemaMessages.properties") == b"cvc-datatype-valid=..."


def test_no_resource_fix_for_a_jena_core_that_keeps_its_packages(tmp_path: Path) -> None:
    """Apache's own jar keeps classes and bundles together under org/apache/jena/ext/xerces/."""
    core = make_jar(
        tmp_path / "jena-core-4.5.0.jar",
        {
            "org/apache/jena/ext/xerces/impl/dv/XSSimpleType.class": b"\xca\xfe",
            "org/apache/jena/ext/xerces/impl/msg/XMLSchemaMessages.properties": b"x",
        },
    )
    assert resource_fix((core,), tmp_path) is None


# ------------------------------------------------------------------------- failures


def test_the_jena_engine_without_java_is_a_clear_error(
    project: Path, run_agkg: RunAgkg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    result = run_agkg("--project", project, "validate", "--engine", "jena")
    assert result.exit_code == 2
    assert "needs Java and Apache Jena" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_broken_jena_classpath_setting_is_a_clear_error(project: Path, run_agkg: RunAgkg) -> None:
    if shutil.which("java") is None:
        pytest.skip("no java on this machine")
    toml = project / "agkg.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + 'jena_classpath = "/nonexistent/jena"\n', encoding="utf-8"
    )
    result = run_agkg("--project", project, "validate", "--engine", "jena")
    assert result.exit_code == 2
    assert "jena_classpath: /nonexistent/jena is neither a jar nor a folder of jars" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_jars_that_are_not_jena_are_a_clear_error(project: Path, run_agkg: RunAgkg, tmp_path: Path) -> None:
    """Java starts but cannot find Jena's main class: what Java said, exit 2."""
    if shutil.which("java") is None:
        pytest.skip("no java on this machine")
    jar = make_jar(tmp_path / "empty.jar", {"README": b"not jena"})
    toml = project / "agkg.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'jena_classpath = "{jar}"\n', encoding="utf-8")
    result = run_agkg("--project", project, "validate", "--engine", "jena")
    assert result.exit_code == 2
    assert "Jena's SHACL failed" in result.stderr and "shacl.shacl" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unknown_engine_setting_is_a_clear_error(project: Path, run_agkg: RunAgkg) -> None:
    set_engine(project, "rudof")
    result = run_agkg("--project", project, "validate")
    assert result.exit_code == 2
    assert "shacl_engine 'rudof' must be one of auto, turbo, jena, pyshacl" in result.stderr


@needs_jena
def test_shapes_jena_cannot_run_are_a_configuration_error() -> None:
    """A SPARQL constraint that does not parse is broken shapes, whichever engine meets it."""
    shapes = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?x . FILTER ( }" ] .
        """,
        format="turtle",
    )
    data = rdflib.Graph().parse(data="<http://example.org/a> a <http://example.org/C> .", format="turtle")
    for engine in ("turbo", "jena"):
        with pytest.raises(ConfigurationError):
            validate_graph(data, shapes, engine)


@needs_jena
def test_a_heap_too_small_is_a_clear_error(tmp_path: Path) -> None:
    assert JENA is not None
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("", encoding="utf-8")
    data = tmp_path / "data.nt"
    data.write_text(
        "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n", encoding="utf-8"
    )
    with pytest.raises(JenaOutOfMemory, match='ran out of its 8 MiB heap: set shacl_engine = "turbo"'):
        validate_files(JENA, shapes, data, 8 << 20)


# ------------------------------------------------------------------------- messages


def test_jenas_bracketed_iris_in_messages_become_plain_and_the_templates_own_text_stays() -> None:
    """``{?value}`` gives ``<iri>`` in Jena and the plain IRI in turbo and pySHACL; a ``<`` the
    template writes, and a literal value, are left as they are."""
    shapes = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S sh:sparql [ sh:message "see <this> for {?value} and {?other}"@en ] .
        """,
        format="turtle",
    )
    report = ox.parse(
        b"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        [] a sh:ValidationResult ; sh:sourceShape ex:S ;
           sh:sourceConstraintComponent sh:SPARQLConstraintComponent ;
           sh:resultMessage "see <this> for <http://example.org/a> and <b>"@en .
        [] a sh:ValidationResult ; sh:sourceShape ex:S ;
           sh:sourceConstraintComponent sh:MinCountConstraintComponent ;
           sh:resultMessage "see <this> for <http://example.org/a> and <b>"@en .
        """,
        format=ox.RdfFormat.TURTLE,
    )
    fixed = validation._plain_iris_in_messages(list(report), shapes)
    messages = [t.object for t in fixed if t.predicate.value == str(rdflib.SH.resultMessage)]
    assert sorted(m.value for m in messages) == [
        "see <this> for <http://example.org/a> and <b>",  # not a SPARQL constraint: untouched
        "see <this> for http://example.org/a and <b>",
    ]
    assert all(m.language == "en" for m in messages)
    assert len(fixed) == 8  # the other triples as they were


@needs_jena
def test_killing_agkg_mid_validation_stops_java(project: Path) -> None:
    """A publish or validate killed while Jena runs leaves no JVM behind: it is gone within a
    second of agkg, where its run alone (the JVM's start, the shapes, the data) takes seconds."""
    import signal
    import subprocess
    import sys
    import time

    if shutil.which("setpriv") is None:
        pytest.skip("util-linux's setpriv is not installed")
    agkg = subprocess.Popen(
        [sys.executable, "-m", "agkg", "--project", str(project), "-q", "validate", "--engine", "jena"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    java = None
    deadline = time.monotonic() + 120
    while java is None and time.monotonic() < deadline and agkg.poll() is None:
        children = Path(f"/proc/{agkg.pid}/task/{agkg.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            if "java" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                java = int(pid)
        time.sleep(0.05)
    assert java is not None, "Java never started"
    agkg.send_signal(signal.SIGKILL)
    agkg.wait()
    deadline = time.monotonic() + 1
    while Path(f"/proc/{java}").exists() and time.monotonic() < deadline:
        status = Path(f"/proc/{java}/status")
        if status.exists() and "zombie" in status.read_text():
            break
        time.sleep(0.05)
    gone = not Path(f"/proc/{java}").exists() or "zombie" in Path(f"/proc/{java}/status").read_text()
    assert gone, "Java outlived agkg"


# ------------------------------------------------------------------------- the benchmark


@needs_jena
def test_the_engine_benchmark_times_and_compares_both_engines(project: Path, tmp_path: Path) -> None:
    """bench/validation_engines.py: one line per run with the same result count from each
    engine, and ``--compare`` finds their results equal field for field."""
    import subprocess
    import sys

    from agkg.build.validation import validation_triples

    data = tmp_path / "data.nt"
    built = build_dataset(load_config(project), None)
    data.write_bytes(ox.serialize(validation_triples(built), format=ox.RdfFormat.N_TRIPLES) or b"")
    script = Path(__file__).resolve().parents[1] / "bench" / "validation_engines.py"
    runs = subprocess.run(
        [sys.executable, str(script), str(data), "--heaps", "256"], capture_output=True, text=True, check=True
    )
    lines = [json.loads(line) for line in runs.stdout.splitlines()]
    assert [line["engine"] for line in lines] == ["turbo", "jena"]
    assert lines[0]["results"] == lines[1]["results"] > 0
    assert lines[1]["heap_mib"] == 256 and lines[1]["java_peak_mib"] > 0
    compared = subprocess.run(
        [sys.executable, str(script), str(data), "--compare"], capture_output=True, text=True, check=True
    )
    verdict = json.loads(compared.stdout)
    assert verdict["equal"] is True
    assert verdict["results"]["jena"] == verdict["results"]["turbo"] == lines[0]["results"]


@needs_jena
def test_jenas_report_in_turtle_holds_every_result(project: Path, run_agkg: RunAgkg) -> None:
    """``--format turtle`` writes Jena's report (kept as triples), as many results as turbo's."""
    counts = {}
    for engine in ("turbo", "jena"):
        report = rdflib.Graph().parse(data=validated(project, run_agkg, engine, "turtle"), format="turtle")
        assert (None, rdflib.RDF.type, rdflib.SH.ValidationReport) in report
        counts[engine] = len(set(report.subjects(rdflib.RDF.type, rdflib.SH.ValidationResult)))
    assert counts["jena"] == counts["turbo"] > 0


def test_the_help_states_the_threshold_in_force(run_agkg: RunAgkg) -> None:
    result = run_agkg("validate", "--help")
    assert f"Jena from {validation.JENA_FROM_TRIPLES / 1e6:g} million triples" in " ".join(
        result.stdout.split()
    )
