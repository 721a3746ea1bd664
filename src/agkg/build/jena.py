"""Apache Jena's SHACL validator, run as a Java process, for graphs of millions of triples.

Why a second engine: pyshacl-turbo keeps the data in ordered indexes, so its run grows as
n log n (25-30 s of CPU at 1M triples, 96-101 s at 3M, 349-436 s at 10M); Jena's in-memory
graph is hashed and its run grows linearly (28 s, 77 s, 224 s on the same data and shapes,
with the same results field for field: bench/RESULTS.md, "Validation: Jena from 1.5M
triples"). Below that turbo costs as little or less, needs no Java and no second process, so
``validation.choose_engine`` picks Jena only where it pays.

Jena is found as Debian packages it (``apt-get install libapache-jena-java``: its jars in
``/usr/share/java``) or on the classpath the ``jena_classpath`` setting gives. Debian's
jena-core moves the bundled Xerces classes to the ``xerces`` package but leaves their
message bundles under ``org/apache/jena/ext/xerces``, so every XSD datatype check fails with
"internal error"; ``resource_fix`` copies the bundles to where the classes look, into a
small jar beside the run's data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from agkg.errors import ConfigurationError

DEBIAN_JARS = Path("/usr/share/java")

# The jars Debian's Jena 4 needs to run ``shacl validate``: Jena's own, then what RIOT loads
# when it starts (every syntax registers itself), then the logger.
DEBIAN_JAR_NAMES = (
    "jena-cmds",
    "jena-shacl",
    "jena-arq",
    "jena-core",
    "jena-base",
    "jena-iri",
    "commons-lang3",
    "commons-io",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-cli",
    "dexx.collection",
    "guava",
    "gson",
    "jackson-core",
    "jackson-databind",
    "jackson-annotations",
    "jsonld-java",
    "titanium-json-ld",
    "jakarta.json-api",
    "protobuf",
    "thrift",
    "slf4j-api",
    "slf4j-simple",
)

RELOCATED_BUNDLES = "org/apache/jena/ext/xerces/"
MAIN_CLASS = "shacl.shacl"


@dataclass(frozen=True)
class JenaRuntime:
    """How to start Jena: the ``java`` executable and the jars on its classpath."""

    java: str
    jars: tuple[Path, ...]


def find_jena(classpath: str = "") -> JenaRuntime | None:
    """Java and Jena's jars, or None when either is missing.

    ``classpath`` (the ``jena_classpath`` setting) lists jars or folders of jars, separated by
    ``os.pathsep``; empty means Debian's packaged Jena. Java is ``$JAVA_HOME/bin/java`` when
    that is set, else the first ``java`` on the PATH.
    """
    java = _java()
    if java is None:
        return None
    if classpath:
        jars = _jars_on(classpath)
    else:
        jars = tuple(DEBIAN_JARS / f"{name}.jar" for name in DEBIAN_JAR_NAMES)
        if not all(jar.is_file() for jar in jars):
            return None
    return JenaRuntime(java, jars) if jars else None


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _jars_on(classpath: str) -> tuple[Path, ...]:
    """The jars a classpath setting names: each entry a jar, or a folder whose jars all count."""
    jars: list[Path] = []
    for entry in filter(None, classpath.split(os.pathsep)):
        path = Path(entry).expanduser()
        if path.is_dir():
            jars.extend(sorted(path.glob("*.jar")))
        elif path.is_file():
            jars.append(path)
        else:
            raise ConfigurationError(f"jena_classpath: {entry} is neither a jar nor a folder of jars")
    return tuple(jars)


def resource_fix(jars: tuple[Path, ...], folder: Path) -> Path | None:
    """A jar in ``folder`` with the Xerces message bundles where relocated classes look for
    them, when a jena-core among ``jars`` has its Xerces classes under ``xerces/`` and the
    bundles still under ``org/apache/jena/ext/xerces/`` (Debian's); None when no jar needs it."""
    for jar in jars:
        if not jar.name.startswith("jena-core"):
            continue
        with zipfile.ZipFile(jar) as archive:
            names = archive.namelist()
            if not any(name.startswith("xerces/") and name.endswith(".class") for name in names):
                continue
            bundles = [n for n in names if n.startswith(RELOCATED_BUNDLES) and not n.endswith("/")]
            if not bundles:
                continue
            fix = folder / "jena-resource-fix.jar"
            with zipfile.ZipFile(fix, "w") as out:
                for name in bundles:
                    out.writestr("xerces/" + name[len(RELOCATED_BUNDLES) :], archive.read(name))
            return fix
    return None


class JenaOutOfMemory(ConfigurationError):
    """Jena's heap was too small for the graph (agkg sizes it by the triples: the estimate
    was wrong, or the shapes changed what a run keeps)."""


def validate_files(runtime: JenaRuntime, shapes: Path, data: Path, heap_bytes: int) -> Path:
    """Run ``shacl validate`` on the shapes and data files; the report (Turtle) is written to
    ``report.ttl`` beside ``data``, whose folder also holds the resource fix if one is needed.

    Jena's start-up problems and failures become ConfigurationError with what Java printed;
    running out of heap is JenaOutOfMemory.
    """
    folder = data.parent
    jars = runtime.jars
    fix = resource_fix(jars, folder)
    classpath = os.pathsep.join(str(jar) for jar in (*jars, *([fix] if fix else [])))
    report = folder / "report.ttl"
    command = [
        runtime.java,
        f"-Xmx{max(heap_bytes >> 20, 2)}m",
        "-XX:+UseParallelGC",
        "-cp",
        classpath,
        MAIN_CLASS,
        "validate",
        "--shapes",
        str(shapes),
        "--data",
        str(data),
    ]
    with report.open("wb") as out:
        try:
            finished = subprocess.run(
                _dying_with_agkg(command), stdout=out, stderr=subprocess.PIPE, check=False
            )
        except OSError as error:
            raise ConfigurationError(f"cannot start Java for Jena's SHACL: {error}") from error
    errors = finished.stderr.decode("utf-8", errors="replace")
    if "java.lang.OutOfMemoryError" in errors:
        raise JenaOutOfMemory(
            f"Jena's SHACL ran out of its {heap_bytes >> 20} MiB heap: "
            'set shacl_engine = "turbo" in agkg.toml (or agkg validate --engine turbo)'
        )
    if finished.returncode != 0:
        raise ConfigurationError(f"Jena's SHACL failed (exit {finished.returncode}): {_last_lines(errors)}")
    return report


def _dying_with_agkg(command: list[str]) -> list[str]:
    """``command`` run so that the kernel kills it when agkg goes (util-linux's ``setpriv
    --pdeathsig``, where there is one): a publish killed mid-validation leaves no JVM of
    gigabytes running on for minutes. (A ``preexec_fn`` would do the same from Python, but is
    unsafe in a process with threads, as a progress bar's.)"""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *command] if setpriv else command


def _last_lines(text: str, count: int = 5) -> str:
    """The end of what Java printed, without the stack frames."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("at ")]
    return "\n".join(lines[-count:]) or "(nothing on stderr)"
