"""Settings, resolved once: command-line flag > ``AGKG_*`` environment variable > ``agkg.toml``
in the project folder > built-in default.

The result is a frozen ``Config``; nothing else in agkg reads the environment or the file.
"""

from __future__ import annotations

import datetime
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from agkg.errors import ConfigurationError
from agkg.vocab import CC_BY_4, DEFAULT_BASE

CONFIG_FILE = "agkg.toml"

# setting name -> default, relative paths being relative to the project folder
DEFAULTS: dict[str, str] = {
    "base": DEFAULT_BASE,
    "data": "data",
    "ontology": "ontology",
    "shapes": "shapes",
    "corpus": "",
    "out": "dist",
    "cache": ".agkg",
    # who publishes the dataset and under which terms, for VoID and DCAT (docs/serving.md)
    "publisher": "agkg contributors",
    "creator": "agkg contributors",
    "license": CC_BY_4,
    "issued": "",  # first release, YYYY-MM-DD; default: the modified date
    "modified": "",  # this release, YYYY-MM-DD; default: the latest date of a source in the data
    # build and publish even where a source's text is not in the corpus (its quotes unverified)
    "allow_missing_texts": "false",
    # the SHACL engine (agkg.build.validation): auto picks turbo or, for millions of triples, Jena
    "shacl_engine": "auto",
    # Apache Jena's jars (or folders of them), os.pathsep-separated; empty: Debian's packaged Jena
    "jena_classpath": "",
}

SHACL_ENGINES = ("auto", "turbo", "jena", "pyshacl")

PATH_SETTINGS = ("data", "ontology", "shapes", "corpus", "out", "cache")


@dataclass(frozen=True)
class Config:
    """Where things are and how minted IRIs begin."""

    project_dir: Path
    base: str
    data_dir: Path
    ontology_dir: Path
    shapes_dir: Path
    corpus_dir: Path | None
    out_dir: Path
    cache_dir: Path
    publisher: str = DEFAULTS["publisher"]  # a name, or the IRI of an agent
    creator: str = DEFAULTS["creator"]
    license: str = DEFAULTS["license"]
    issued: str | None = None
    modified: str | None = None
    allow_missing_texts: bool = False
    shacl_engine: str = DEFAULTS["shacl_engine"]
    jena_classpath: str = ""


def load_config(
    project_dir: Path | str = ".",
    overrides: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve the settings for the project in ``project_dir``.

    ``overrides`` holds command-line values (``None`` means not given). The ontology and shapes
    folders fall back to the copies shipped inside the package when the project has none, so a
    data repository needs only ``data/``.
    """
    project = Path(project_dir).resolve()
    env = os.environ if environ is None else environ
    from_file = _read_config_file(project / CONFIG_FILE)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}

    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise ConfigurationError(f"unknown setting(s): {', '.join(sorted(unknown))}")

    def setting(name: str) -> str:
        if name in given:
            return str(given[name])
        env_name = "AGKG_" + name.upper()
        if env.get(env_name):
            return env[env_name]
        if name in from_file:
            return from_file[name]
        return DEFAULTS[name]

    def path(name: str) -> Path:
        return (project / setting(name)).resolve()

    base = setting("base")
    _check_base(base)
    corpus = setting("corpus")
    license = setting("license")
    if not _IRI.fullmatch(license):
        raise ConfigurationError(f"license {license!r} must be the absolute http(s) IRI of a licence")
    dates = {name: setting(name) or None for name in ("issued", "modified")}
    for name, value in dates.items():
        if value is not None and not _is_date(value):
            raise ConfigurationError(f"{name} {value!r} must be a date, YYYY-MM-DD")
    allow_missing_texts = _boolean("allow_missing_texts", setting("allow_missing_texts"))
    shacl_engine = setting("shacl_engine").strip().lower()
    if shacl_engine not in SHACL_ENGINES:
        raise ConfigurationError(f"shacl_engine {shacl_engine!r} must be one of {', '.join(SHACL_ENGINES)}")
    return Config(
        project_dir=project,
        base=base,
        data_dir=path("data"),
        ontology_dir=_with_packaged_fallback(path("ontology"), "ontology"),
        shapes_dir=_with_packaged_fallback(path("shapes"), "shapes"),
        corpus_dir=(project / corpus).resolve() if corpus else None,
        out_dir=path("out"),
        cache_dir=path("cache"),
        publisher=setting("publisher").strip() or DEFAULTS["publisher"],
        creator=setting("creator").strip() or DEFAULTS["creator"],
        license=license,
        issued=dates["issued"],
        modified=dates["modified"],
        allow_missing_texts=allow_missing_texts,
        shacl_engine=shacl_engine,
        jena_classpath=setting("jena_classpath").strip(),
    )


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


def _boolean(name: str, value: str) -> bool:
    """A yes/no setting as TOML (true, written back as 'True'), a flag or the environment gives it."""
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ConfigurationError(f"{name} {value!r} must be true or false")


_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _read_config_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"{path}: {error}") from error
    table = document.get("agkg", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [agkg] must be a table")
    unknown = set(table) - set(DEFAULTS)
    if unknown:
        raise ConfigurationError(f"{path}: unknown setting(s) in [agkg]: {', '.join(sorted(unknown))}")
    return {k: str(v) for k, v in table.items()}


def _check_base(base: str) -> None:
    """Minted IRIs are ``base + 'id/…'`` and ``base + 'reference/…#quote'``: the base must be an
    absolute http(s) IRI ending in / (a base ending in # would give references a second #), and
    every IRI minted from it must be one pyoxigraph accepts (no bare %, no [ outside a host)."""
    if not base.startswith(("http://", "https://")) or not base.endswith("/"):
        raise ConfigurationError(f"base IRI {base!r} must start with http:// or https:// and end with '/'")
    if any(c in base for c in ' <>"{}|\\^`#') or any(ord(c) < 0x21 for c in base):
        raise ConfigurationError(f"base IRI {base!r} contains characters not allowed in an IRI")
    try:
        ox.NamedNode(base + "reference/x#quote")
    except ValueError as error:
        raise ConfigurationError(f"base IRI {base!r} is not a valid IRI: {error}") from None


def _with_packaged_fallback(folder: Path, name: str) -> Path:
    if folder.is_dir():
        return folder
    packaged = Path(__file__).parent / "_resources" / name
    if packaged.is_dir():
        return packaged
    return folder
