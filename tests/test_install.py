"""constraints.txt pins everything agkg's extras install, at versions pyproject.toml allows.

Regression test for issue 16: a fresh clone failed its own test suite because ``PyYAML>=6.0``
resolved to a release the tests had never run with. README's Quick start and .ci/run install
with ``-c constraints.txt``; this checks that the file leaves nothing to the resolver.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from conftest import REPO
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

EXTRAS = ("test", "serve")


def pins() -> dict[str, str]:
    found = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line.strip())
            assert match, f"not an exact pin: {line!r}"
            found[canonicalize_name(match[1])] = match[2]
    return found


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = [*project["dependencies"], *(r for e in EXTRAS for r in project["optional-dependencies"][e])]
    return [Requirement(r) for r in listed]


def test_every_direct_requirement_is_pinned_within_its_range() -> None:
    pinned = pins()
    for requirement in project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned[name]}, outside {requirement.specifier}"
        )


def test_every_package_installed_for_the_extras_is_pinned() -> None:
    """The requirements of the requirements, as installed here, all the way down."""
    pinned = pins()
    seen: set[str] = set()
    todo = list(project_requirements())
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        assert name in pinned, f"{requirement.name} (needed by agkg's extras) is not in constraints.txt"
        for text in metadata.requires(requirement.name) or []:
            child = Requirement(text)
            if child.marker is None or child.marker.evaluate({**default_environment(), "extra": ""}):
                todo.append(child)
    assert seen, "nothing checked"
