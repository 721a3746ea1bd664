"""Deep nesting is refused in agkg's words, whatever the YAML parser's own limits.

Regression test for issue 16: PyYAML 6.0.4's libyaml gives up on flow collections nested about
1000 deep with its own message ("exceeded maximum nesting depth") before agkg's depth check
saw the events, so the message depended on the installed PyYAML.
"""

from __future__ import annotations

import pytest
import yaml

import agkg.build.yamlfile
from agkg.build.yamlfile import MAX_DEPTH, YamlProblems, parse_yaml

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


def problems_of(text: str) -> list[str]:
    with pytest.raises(YamlProblems) as raised:
        parse_yaml(text, "x.yaml")
    return [str(p) for p in raised.value.problems]


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with libyaml (which has its own limit) and with the pure-Python parser."""
    monkeypatch.setattr(agkg.build.yamlfile, "_Loader", request.param)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 999, 1001, 10_000])
def test_deep_flow_nesting_has_one_message(loader: None, depth: int) -> None:
    text = "claims:\n  - note: " + "[" * depth + "]" * depth + "\n"
    # the 33rd collection is too deep: the file's mapping, its list and the item's mapping, then 29
    # brackets fit
    column = 11 + (MAX_DEPTH - 3)
    assert problems_of(text) == [f"x.yaml:2:{column}: nested deeper than {MAX_DEPTH} levels"]


def test_deep_mixed_flow_nesting(loader: None) -> None:
    text = "a: " + "{b: [" * 600 + "1" + "]}" * 600 + "\n"
    (problem,) = problems_of(text)
    assert problem.startswith("x.yaml:1:") and problem.endswith(f"nested deeper than {MAX_DEPTH} levels")


def test_brackets_in_text_are_not_nesting(loader: None) -> None:
    deep = "[" * 2000
    quoted = f'a: \'{deep}\'\nb: "{deep} \\" {deep}"\nc: |\n  {deep}\n  more\n# {deep}\nd: x {deep}\n'
    parse_yaml(quoted, "x.yaml")  # valid: brackets inside scalars and comments nest nothing
    # a real syntax error after them keeps its own message
    (problem,) = problems_of(quoted + "e: [1, 2\n")
    assert "YAML syntax error" in problem and "nested" not in problem
