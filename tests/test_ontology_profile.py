"""The ontology is OWL 2 DL, as the OWL API's own profile checker sees it.

tests/owl/ProfileCheck.java calls ``OWL2DLProfile().checkOntology`` on a file and prints every
violation; this test compiles it with the JDK's javac against Debian's libowlapi-java and runs
it. CI installs both (.ci/run); elsewhere the test is skipped when they are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
JAVA_DIR = Path("/usr/share/java")
# the OWL API and the libraries its Debian package depends on (see `apt-cache show libowlapi-java`)
JARS = (
    "owlapi-distribution",
    "guava",
    "caffeine",
    "slf4j-api",
    "slf4j-nop",
    "commons-io",
    "commons-codec",
    "commons-rdf-api",
    "jsr305",
    "hppcrt",
    "atinject-jsr330-api",
    "xz",
    "jackson-core",
    "jackson-databind",
    "jackson-annotations",
)


def owlapi_classpath() -> str | None:
    """The classpath for ProfileCheck, or None when the JDK or the OWL API is missing."""
    if shutil.which("javac") is None or shutil.which("java") is None:
        return None
    jars = [JAVA_DIR / f"{name}.jar" for name in JARS]
    if not all(jar.exists() for jar in jars):
        return None
    # rdf4j comes as many small jars; the versionless names are the package's symlinks
    jars += sorted(p for p in JAVA_DIR.glob("rdf4j-*.jar") if not p.stem[-1].isdigit())
    return os.pathsep.join(str(jar) for jar in jars)


CLASSPATH = owlapi_classpath()
needs_owlapi = pytest.mark.skipif(
    CLASSPATH is None and not os.environ.get("CI"),
    reason="the OWL API or the JDK is missing (apt-get install -y libowlapi-java default-jdk-headless); CI runs it",
)


@pytest.fixture(scope="module")
def profile_check(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The java command that runs the compiled ProfileCheck (compiled once per module)."""
    assert CLASSPATH is not None, "CI must have the OWL API: .ci/run installs libowlapi-java"
    classes = tmp_path_factory.mktemp("owl-classes")
    subprocess.run(
        ["javac", "-d", str(classes), "-cp", CLASSPATH, str(HERE / "owl" / "ProfileCheck.java")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return ["java", "-cp", os.pathsep.join([str(classes), CLASSPATH]), "ProfileCheck"]


def check(command: list[str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=120, check=False)


@needs_owlapi
def test_the_ontology_is_owl2_dl(profile_check: list[str], repo: Path) -> None:
    for path in sorted((repo / "ontology").glob("*.ttl")):
        done = check(profile_check, path)
        assert done.returncode == 0, f"{path.name} is not OWL 2 DL:\n{done.stdout}{done.stderr}"
        assert done.stdout.strip() == "0 violations of OWL 2 DL"


@needs_owlapi
def test_the_check_finds_violations(profile_check: list[str], repo: Path, tmp_path: Path) -> None:
    """The check above can fail: the subclass of rdf:Property and the xsd:gYear union the
    ontology used to have are reported (xsd:date too)."""
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        (repo / "ontology" / "agkg.ttl").read_text(encoding="utf-8")
        + "\nagkg:ClaimProperty rdfs:subClassOf rdf:Property .\n"
        + "agkg:Year a rdfs:Datatype ; owl:equivalentClass [ a rdfs:Datatype ;"
        + " owl:unionOf ( xsd:gYear xsd:date ) ] .\n",
        encoding="utf-8",
    )
    done = check(profile_check, broken)
    assert done.returncode == 1
    assert "Use of reserved vocabulary for class IRI: rdf:Property" in done.stdout
    assert "Use of undeclared datatype: xsd:gYear" in done.stdout
    assert "3 violations of OWL 2 DL" in done.stdout
