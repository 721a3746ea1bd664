"""The runner the bad-input catalogues share (test_robustness.py, test_hostile_input.py): small
files to add to a copy of the project, and the contract every case checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

Run = Callable[..., Result]

CLAIMS = "data/claims/zz-test.yaml"
ENTITIES = "data/entities/zz-test.yaml"
SOURCES = "data/sources/zz-test.yaml"
HEADER = "source: siddiqui-2021\nclaims:\n"
ENTITY = "entities:\n  - id: new-group\n    type: ArmedGroup\n    label: {en: New group}\n"
SOURCE = "sources:\n  - id: new-source\n    type: Report\n"


def claim(**changes: str) -> str:
    """A claims file with one good claim, keys changed or added (one per line, in order: subject
    on line 3, property 4, value 5, quote 6, added keys from line 7)."""
    fields = {"subject": "iskp", "property": "inception", "value": "2015-01"}
    fields.update(quote="It was founded in January 2015")
    fields.update(changes)
    lines = [f"    {key}: {value}" for key, value in fields.items()]
    lines[0] = "  - " + lines[0].lstrip()
    return HEADER + "\n".join(lines) + "\n"


def write_files(project: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def assert_publish_refuses(
    project: Path, run_agkg: Run, files: dict[str, str | bytes], expected: str
) -> None:
    """The contract: ``expected`` (a ``path:line:column: message`` prefix) on stderr, exit code 2,
    no traceback, and nothing written."""
    write_files(project, files)
    out = project / "dist"
    result = run_agkg("--project", project, "-q", "publish", "--out", out)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert any(line.startswith(expected) for line in lines), lines
    assert "Traceback" not in result.output
    assert "nothing written" in lines[-1]
    assert not out.exists()
