"""The scripts under bench/ loaded as modules, for the tests that use their generators and
helpers (bench/ is not a package: its scripts are run by path)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load_bench(name: str) -> ModuleType:
    """A fresh module of bench/<name>.py, registered in sys.modules as bench_<name> (dataclasses
    look their module up while it is executed)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
