"""The ``agkg`` command line: thin commands over the library.

Exit codes (one table, applied in one place, ``AgkgGroup.invoke``):

    0  success; the dataset conforms
    1  the dataset does not conform to the shapes
    2  bad input or usage (claim files, options, queries, missing files)
    3  a remote endpoint failed
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from agkg import __version__
from agkg.config import Config, load_config
from agkg.errors import (
    AgkgError,
    AnswersDifferError,
    ConfigurationError,
    InputError,
    NotConformingError,
    Problem,
    QueryError,
    RemoteError,
)

if TYPE_CHECKING:
    from agkg.build.graph import BuiltDataset

EXIT_OK, EXIT_NOT_CONFORMING, EXIT_BAD_INPUT, EXIT_REMOTE = 0, 1, 2, 3
EXIT_CODES: dict[type[AgkgError], int] = {
    NotConformingError: EXIT_NOT_CONFORMING,
    AnswersDifferError: EXIT_NOT_CONFORMING,
    InputError: EXIT_BAD_INPUT,
    ConfigurationError: EXIT_BAD_INPUT,
    QueryError: EXIT_BAD_INPUT,
    RemoteError: EXIT_REMOTE,
}


class AgkgGroup(click.Group):
    """Maps agkg's exceptions to messages on stderr and the documented exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgkgError as error:
            if isinstance(ctx.obj, Settings):
                ctx.obj.done()
            code = next((c for cls, c in EXIT_CODES.items() if isinstance(error, cls)), EXIT_BAD_INPUT)
            if isinstance(error, InputError):
                for problem in error.problems:
                    click.echo(str(problem), err=True)
                count = len(error.problems)
                click.echo(
                    f"agkg: {count} problem{'s' if count != 1 else ''} found; nothing written",
                    err=True,
                )
            else:
                click.echo(f"agkg: {error}", err=True)
            ctx.exit(code)
        finally:
            # also on Ctrl-C: a live display left running would leave the cursor hidden
            if isinstance(ctx.obj, Settings):
                ctx.obj.done()


class ProgressBar:
    """A rich progress display on stderr: one bar per stage, with counts and a rate when the
    library reports them (``progress(stage, done, total)``), elapsed time and a spinner when
    it reports only the stage's name. Transient: it leaves nothing behind once stopped."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.display = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.stage: str | None = None
        self.started = time.monotonic()
        self.task: Any = None
        self.running = False

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        if not self.running:
            self.display.start()
            self.running = True
        if stage != self.stage:
            if self.task is not None:
                self.display.update(self.task, visible=False)
            self.task = self.display.add_task(stage, total=total, rate="")
            self.stage = stage
            self.started = time.monotonic()
        if done is not None:
            # the stage's mean rate: rich's own estimate needs several updates spread in time
            # and stays empty for a stage done in one or two quick steps
            rate = done / max(time.monotonic() - self.started, 1e-3)
            self.display.update(self.task, completed=done, total=total, rate=f"{rate:,.0f}/s")
            self.display.refresh()  # drawn now: a stage may end before the next timed redraw

    def stop(self) -> None:
        if self.running:
            self.display.stop()
            self.running = False


class Settings:
    """What the group options resolved to, handed to each command."""

    def __init__(self, config: Config, quiet: bool) -> None:
        self.config = config
        self.quiet = quiet
        self._bar: ProgressBar | None = None

    def progress(self) -> ProgressBar | None:
        """A progress bar on stderr, only on a terminal (never in CI logs) and not with --quiet."""
        if self.quiet or not sys.stderr.isatty():
            return None
        if self._bar is None:
            self._bar = ProgressBar()
        return self._bar

    def done(self) -> None:
        """Take the progress bar off the terminal (before results or messages are written)."""
        if self._bar is not None:
            self._bar.stop()

    def warn(self, messages: list[str]) -> None:
        for message in messages:
            click.echo(f"warning: {message}", err=True)


pass_settings = click.make_pass_decorator(Settings)


def fail(message: str) -> NoReturn:
    raise ConfigurationError(message)


@click.group(cls=AgkgGroup)
@click.version_option(__version__, prog_name="agkg")
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project folder (holds agkg.toml, data/, ontology/, shapes/).",
)
@click.option("--base", help="Base IRI of minted identifiers (env AGKG_BASE).")
@click.option("--data", "data_dir", help="Folder of curated YAML (env AGKG_DATA).")
@click.option("--corpus", help="Folder of source texts, found by sha256 (env AGKG_CORPUS).")
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
@click.option(
    "--allow-missing-texts",
    is_flag=True,
    default=None,
    help="Accept sources whose text is not in the corpus; their quotes are marked unverified "
    "(env AGKG_ALLOW_MISSING_TEXTS).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    project: Path,
    base: str | None,
    data_dir: str | None,
    corpus: str | None,
    quiet: bool,
    allow_missing_texts: bool | None,
) -> None:
    """Armed Groups Knowledge Graph: curated claims to validated, published RDF."""
    overrides = {"base": base, "data": data_dir, "corpus": corpus}
    overrides["allow_missing_texts"] = "true" if allow_missing_texts else None
    config = load_config(project, overrides)
    ctx.obj = Settings(config, quiet)


def allow_missing_texts_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--allow-missing-texts`` on a command too, where curators look for it."""
    return click.option(
        "--allow-missing-texts",
        is_flag=True,
        help="Accept sources whose text is not in the corpus; their quotes are marked unverified.",
    )(command)


def allowing(settings: Settings, allow_missing_texts: bool) -> Config:
    """The configuration, with the command's --allow-missing-texts on top of the group's."""
    if allow_missing_texts and not settings.config.allow_missing_texts:
        return dataclasses.replace(settings.config, allow_missing_texts=True)
    return settings.config


def built_dataset(settings: Settings) -> BuiltDataset:
    """Build the dataset with the group's progress display, then report its warnings."""
    from agkg.build.graph import build_dataset

    built = build_dataset(settings.config, settings.progress())
    settings.done()
    settings.warn(built.warnings)
    return built


def out_file_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--out FILE``: where a command writes ``what`` instead of stdout."""
    return click.option(
        "--out",
        "out_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Write {what} here (default: stdout).",
    )


def limit_option(
    flag: str, kind: click.ParamType[Any], default: float, what: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A server limit, settable as ``--flag`` or ``AGKG_FLAG`` (named in its help)."""
    envvar = "AGKG_" + flag.lstrip("-").upper().replace("-", "_")
    return click.option(
        flag, type=kind, default=default, show_default=True, envvar=envvar, help=f"{what} (env {envvar})."
    )


def write_or_echo(text: str, out_file: Path | None) -> None:
    """``text`` into ``out_file`` atomically, or to stdout when no file is given."""
    from agkg.build.publishing import atomic_write

    if out_file:
        atomic_write(out_file, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


@cli.command()
@pass_settings
def build(settings: Settings) -> None:
    """Load the curated data and build the dataset; print counts."""
    built = built_dataset(settings)
    counts = built.counts
    for name in ("sources", "entities", "claims", "statements", "references", "triples", "quads"):
        click.echo(f"{name:<11} {getattr(counts, name)}")


@cli.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "turtle", "junit", "github"]),
    default="text",
    show_default=True,
    help="Report format: text grouped by file, JSON, the SHACL report in Turtle, JUnit XML, "
    "or GitHub Actions annotations.",
)
@click.option("--strict", is_flag=True, help="Warnings also make validation fail.")
@allow_missing_texts_option
@click.option(
    "--engine",
    type=click.Choice(["auto", "turbo", "jena", "pyshacl"]),
    help="SHACL engine (default: the shacl_engine setting, auto): all give the same results; "
    "auto is turbo, or Jena from 1.5 million triples when Java and Jena are installed; "
    "pyshacl is much slower.",
)
@pass_settings
def validate(
    settings: Settings, output_format: str, strict: bool, allow_missing_texts: bool, engine: str | None
) -> None:
    """Validate the dataset against the SHACL shapes (exit 1 on violations).

    Each result names the claim file and line behind it. Exit 0 conforms (warnings allowed
    unless --strict), 1 violations, 2 bad input or broken shapes.
    """
    from agkg.build.graph import build_dataset
    from agkg.build.validation import load_shapes, render_report, summary, validate_dataset

    built = build_dataset(allowing(settings, allow_missing_texts), settings.progress(), require_texts=True)
    shapes, _ = load_shapes(settings.config.shapes_dir, base=settings.config.base)
    config = settings.config
    report = validate_dataset(
        built, shapes, engine or config.shacl_engine, jena_classpath=config.jena_classpath
    )
    settings.done()
    settings.warn(built.warnings)
    click.echo(render_report(report, output_format, settings.config.base, strict), nl=False)
    click.echo(summary(report), err=True)
    if report.failing(strict):
        raise NotConformingError("the dataset does not conform to the shapes")


@cli.command()
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of source texts (default: the project's corpus setting).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@allow_missing_texts_option
@pass_settings
def verify(
    settings: Settings, corpus_dir: Path | None, output_format: str, allow_missing_texts: bool
) -> None:
    """Check every claim's quote against its source text; report offsets and misses.

    A source whose text is not in the corpus is an error (exit 2) unless it says
    text_held_elsewhere or --allow-missing-texts is given: its quotes would go unchecked.
    """
    from agkg.build.graph import load_only
    from agkg.build.quotes import check_quotes, load_corpus, missing_texts

    config = allowing(settings, allow_missing_texts)
    folder = corpus_dir or config.corpus_dir
    if folder is None:
        fail("no corpus folder: pass --corpus DIR or set corpus in agkg.toml")
    data = load_only(config)
    corpus = load_corpus(folder)
    report = check_quotes(data, corpus)
    if output_format == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "position": str(c.position),
                        "source": c.claim.source,
                        "status": c.status,
                        "quote": c.claim.quote,
                        "start": c.anchor.start if c.anchor else None,
                        "end": c.anchor.end if c.anchor else None,
                        "line": c.anchor.line if c.anchor else c.closest_line,
                        "occurrences": c.occurrences,
                        "closest": c.closest,
                    }
                    for c in report.checks
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for check in report.checks:
            if check.status == "no-text":
                click.echo(f"{check.position}: {check.describe()}")
    summary = ", ".join(f"{report.count(s)} {s}" for s in ("found", "not-found", "ambiguous", "no-text"))
    click.echo(f"{len(report.checks)} quotes: {summary}", err=True)
    failures = missing_texts(data, corpus, folder, config.allow_missing_texts) + [
        Problem(c.position, c.describe()) for c in report.checks if c.status in ("not-found", "ambiguous")
    ]
    if failures:
        raise InputError(failures)


@cli.command("properties")
@click.argument("word", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@click.option("--markdown", is_flag=True, help="Print the whole catalogue as Markdown (docs/properties.md).")
@pass_settings
def properties_command(settings: Settings, word: str | None, as_json: bool, markdown: bool) -> None:
    """List the claim and qualifier properties, or find them by WORD.

    WORD is looked for in names, labels, other names, definitions and Wikidata labels and ids
    (case and accents aside; 'led by' finds leader). One clear match is shown in full.
    """
    from dataclasses import asdict

    from agkg.build.ontology import load_vocabulary
    from agkg.curation.catalogue import (
        property_catalogue,
        render_entry,
        render_markdown,
        search_properties,
        summary_row,
    )

    entries = catalogue = property_catalogue(load_vocabulary(settings.config.ontology_dir))
    if markdown:
        click.echo(render_markdown(entries), nl=False)
        return
    if word is not None:
        matches = search_properties(entries, word)
        entries = [m.entry for m in matches]
        if not entries:
            from agkg.build.suggestions import did_you_mean

            names = {e.name: [e.label, *e.alt_labels, e.wikidata_label or ""] for e in catalogue}
            click.echo(f"agkg: no property matches '{word}'{did_you_mean(word, names)}", err=True)
            if as_json:
                click.echo("[]")
            return
        # one entry named by WORD, the others only mentioning it in their definitions
        clear = matches[0].score >= 2 and all(m.score == 1 for m in matches[1:])
        if not as_json and (len(matches) == 1 or clear):
            click.echo(render_entry(entries[0]), nl=False)
            if len(entries) > 1:
                click.echo(f"also mentioned by: {', '.join(e.name for e in entries[1:])}", err=True)
            return
    if as_json:
        click.echo(json.dumps([asdict(e) for e in entries], indent=2, ensure_ascii=False))
        return
    headers = ["property", "role", "label", "applies to", "value", "wikidata"]
    click.echo(_table(headers, [summary_row(e) for e in entries]), nl=False)


@cli.command("entities")
@click.option("--search", "text", help="Text in an id, label, alias (any language) or Wikidata id.")
@click.option("--type", "type_name", help="Only entities of this type (or its subtypes), e.g. ArmedGroup.")
@click.option("--json", "as_json", is_flag=True, help="Print the entities as JSON.")
@pass_settings
def entities_command(settings: Settings, text: str | None, type_name: str | None, as_json: bool) -> None:
    """List the entities, or find them by name, with the file and line of each.

    Matching ignores case and accents ('haqqani' finds Ḥaqqānī); only the entity files are read,
    so a claims file being written does not get in the way.
    """
    from agkg.build.claims import load_entities
    from agkg.build.entity_names import search_entities
    from agkg.build.ontology import load_vocabulary
    from agkg.errors import Position

    config = settings.config
    vocabulary = load_vocabulary(config.ontology_dir)
    entities = load_entities(config.data_dir, vocabulary, config.project_dir)
    matches = search_entities(entities, vocabulary, text, type_name)
    if as_json:
        rows = [
            {
                "id": m.entity.id,
                "type": m.entity.type,
                "wikidata": m.entity.wikidata,
                "labels": m.entity.labels,
                "aliases": m.entity.aliases,
                "descriptions": m.entity.descriptions,
                "position": str(Position(m.entity.position.path, m.entity.position.line)),
                "matched": m.matched or None,
            }
            for m in matches
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = [
        [
            m.entity.id,
            m.entity.type,
            m.entity.wikidata or "",
            "; ".join(f"{lang}: {label}" for lang, label in m.entity.labels.items()),
            "; ".join(f"{lang}: {', '.join(names)}" for lang, names in m.entity.aliases.items()),
            f"{m.entity.position.path}:{m.entity.position.line}",
        ]
        for m in matches
    ]
    click.echo(_table(["id", "type", "wikidata", "labels", "aliases", "where"], table), nl=False)
    click.echo(f"{len(matches)} entit{'y' if len(matches) == 1 else 'ies'}", err=True)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell, a rule under the headers (as ``agkg query`` prints)."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip() for cells in [headers]
    ]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    return "\n".join(lines) + "\n"


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: dist/).",
)
@click.option("--force", is_flag=True, help="Publish even if the shapes report violations.")
@click.option(
    "--site", "with_site", is_flag=True, help="Also write the static site (pages, RDF) to OUT/site/."
)
@click.option(
    "--full",
    is_flag=True,
    help="Build everything from scratch instead of reusing the last publish (see docs/incremental.md).",
)
@allow_missing_texts_option
@pass_settings
def publish(
    settings: Settings,
    out_dir: Path | None,
    force: bool,
    with_site: bool,
    full: bool,
    allow_missing_texts: bool,
) -> None:
    """Build, validate and write the dumps to dist/ (refuses on violations unless --force).

    After the first publish, only what changed claims files affect is rebuilt and revalidated;
    the output is the same as a full build's.
    """
    from agkg.build.publishing import publication_lock

    def waiting() -> None:
        if not settings.quiet:
            click.echo("agkg: waiting for another agkg publish into the same folder to finish", err=True)

    # held from before the input is read until the cache is written: publishers run one after
    # the other, so the last to finish is the last to have read the data
    settings.config = allowing(settings, allow_missing_texts)
    with publication_lock(out_dir or settings.config.out_dir, on_wait=waiting):
        _publish(settings, out_dir, force, with_site, full)


def _publish(settings: Settings, out_dir: Path | None, force: bool, with_site: bool, full: bool) -> None:
    """What ``publish`` does, under the publisher lock."""
    from agkg.build.incremental import build_and_validate, remember
    from agkg.build.publishing import QUERY_STORE, Catalogue, write_dumps
    from agkg.build.querystore import write_query_store
    from agkg.build.validation import load_shapes
    from agkg.sparql.query import input_fingerprint

    config = settings.config
    progress = settings.progress()
    # of the inputs as they are before the build reads them: one edited meanwhile no longer
    # matches, and 'agkg query' then rebuilds rather than answer from this publication's store
    fingerprint = input_fingerprint(config)
    shapes, shapes_triples = load_shapes(config.shapes_dir, base=config.base)
    build = build_and_validate(config, shapes, progress, use_cache=not full)
    built, report = build.built, build.report
    if report.violations and not force:
        settings.done()
        for result in report.results:
            if result.severity == "violation":
                where = str(result.origins[0]) if result.origins else result.focus
                click.echo(f"{where}: {result.message}", err=True)
        raise NotConformingError(
            f"{report.violations} violations: nothing published (run 'agkg validate'; --force to publish anyway)"
        )
    files = build.dump_producers(shapes_triples, Catalogue.from_config(config))
    target = out_dir or config.out_dir
    pages: list[Path] = []
    stores: list[str] = []

    def write_extra(staging: Path) -> None:
        """The query store and the site are made from the dumps just written to the staging
        folder, and go there too, so they are swapped in with them."""
        previous = _patchable_publication(config, target) if build.store_changes else None
        stats = write_query_store(
            staging,
            fingerprint,
            built.vocabulary.triples,
            built.iris,
            build.store_changes,
            previous,
            progress,
        )
        stores.append(f"{stats.mode}, {stats.quads} quads in {stats.seconds:.2f} s")
        if with_site:
            from agkg.web.site import SiteData, render_site, write_site

            if progress:
                progress("site")
            site_files = render_site(SiteData.from_folder(staging, config.base))
            pages.extend(write_site(site_files, staging / "site"))

    written = write_dumps(files, target, extra=write_extra, progress=progress, lock=False)
    remember(config, build, target)
    site_dir = target / "site"
    settings.done()
    settings.warn(built.warnings)
    for item in written:
        click.echo(f"{item.path}  {item.size} bytes")
    click.echo(f"{target / QUERY_STORE}/  {stores[0]}")
    if with_site:
        click.echo(f"{site_dir}/  {len(pages)} files")
    click.echo(
        f"published {built.counts.statements} statements, {built.counts.references} references, "
        f"{built.counts.triples} triples ({report.violations} violations); {build.mode} build: {build.reason}",
        err=True,
    )


def _patchable_publication(config: Config, target: Path) -> Path | None:
    """The publication in ``target`` if an incremental build's changes apply to it: its
    ``dataset.nq`` is the one the publish cache holds (a hard link), which the build diffed."""
    from agkg.build.incremental import cache_folder

    try:
        if (target / "dataset.nq").samefile(cache_folder(config) / "dataset.nq"):
            return target
    except OSError:
        pass
    return None


@cli.command("query")
@click.argument("query_text", required=False)
@click.option(
    "--file",
    "query_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the query from a file.",
)
@click.option("--name", "query_name", help="Run the named query queries/NAME.rq.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help='Bind ?KEY to VALUE (<iri>, prefix:name, "literal"@lang, or plain text); repeatable.',
)
@click.option("--list", "list_names", is_flag=True, help="List the named queries and their questions.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld"]),
    default="table",
    show_default=True,
    help="Result format.",
)
@click.option("--endpoint", help="Query this remote SPARQL endpoint instead of the local dataset.")
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for a remote endpoint.",
)
@click.option("--allow-service", is_flag=True, help="Permit SERVICE calls in local queries.")
@click.option(
    "--no-cache",
    is_flag=True,
    envvar="AGKG_NO_CACHE",
    help="Evaluate the query even if this publication's answer to it is kept (env AGKG_NO_CACHE).",
)
@pass_settings
def query_command(
    settings: Settings,
    query_text: str | None,
    query_file: Path | None,
    query_name: str | None,
    params: tuple[str, ...],
    list_names: bool,
    output_format: str,
    endpoint: str | None,
    timeout: float,
    allow_service: bool,
    no_cache: bool,
) -> None:
    """Run a SPARQL query on the dataset (or --endpoint URL) and print the results.

    Answers from the published store are kept with the publication (dist/query-store/results/)
    and a later identical query (same text, parameters and format) is answered from there until
    the next publish replaces them; --no-cache evaluates it afresh.
    """
    from agkg.sparql.query import (
        open_dataset,
        read_query_file,
        render_table,
        run_query,
        write_answer,
    )
    from agkg.sparql.querylib import (
        list_queries,
        load_named_query,
        parse_params,
        prepare_local,
        prepare_remote,
    )
    from agkg.sparql.querytext import uses_service
    from agkg.sparql.resultcache import result_cache
    from agkg.vocab import data_prefixes

    library = settings.config.project_dir / "queries"
    if list_names:
        for named in list_queries(library):
            takes = "".join(f" [--param {p.name}=…]" for p in named.parameters)
            click.echo(f"{named.name:<24} {named.question}{takes}")
        return
    if sum(x is not None for x in (query_text, query_file, query_name)) != 1:
        fail("give one query: as an argument, with --file, or with --name")
    if query_name is not None:
        text = load_named_query(library, query_name).text
    else:
        text = read_query_file(query_file) if query_file else str(query_text)
    prefixes = data_prefixes(settings.config.base)
    bindings = parse_params(params, prefixes)
    out = sys.stdout.buffer
    if endpoint:
        from agkg.sparql.remote import run_remote_query
        from agkg.vocab import Iris

        manifest = Iris(settings.config.base).push_manifest_graph
        answer = run_remote_query(
            endpoint, prepare_remote(text, bindings, prefixes), output_format, manifest, timeout
        )
        if output_format == "table" and answer.format == "json":
            out.write(render_table(answer.json(), prefixes).encode())
        else:
            answer.write_to(out)
        return
    text, substitutions = prepare_local(text, bindings)
    dataset = open_dataset(settings.config, settings.progress())
    settings.done()
    cache = None
    if not no_cache and not (allow_service and uses_service(text)):  # remote data is not kept
        cache = result_cache(settings.config.out_dir, dataset.identity)
    if cache is None:
        write_answer(
            run_query(dataset, text, allow_service, substitutions), output_format, out, settings.config.base
        )
        return
    key = cache.key(text, substitutions, output_format)
    kept = cache.get(key)
    if kept is not None:
        out.write(kept)
        return
    result = run_query(dataset, text, allow_service, substitutions)
    with cache.recording(key, out) as stream:
        write_answer(result, output_format, stream, settings.config.base)


@cli.command("test")
@click.argument("names", nargs=-1)
@click.option("--record", is_flag=True, help="Write the current answers as the expected ones (after review).")
@pass_settings
def test_command(settings: Settings, names: tuple[str, ...], record: bool) -> None:
    """Check the competency queries' answers against queries/expected/ (exit 1 on a difference).

    Every query in queries/ with an expected answer (or the NAMEs given) is run on the dataset;
    a different answer is shown as rows removed (-) and added (+). After reviewing a change,
    --record writes the new answers (of every query, or of the NAMEs).
    """
    from agkg.build.claims import display_path
    from agkg.curation.answers import check_answers, record_answers, select_queries
    from agkg.sparql.query import open_dataset

    queries = select_queries(settings.config, names)
    dataset = open_dataset(settings.config, settings.progress())
    settings.done()
    if record:
        recorded = record_answers(dataset, queries)
        for check in recorded.checks:
            click.echo(
                f"{check.status:<9} {check.name}  {display_path(check.path, settings.config.project_dir)}"
            )
        settings.warn(
            [f"{display_path(p, settings.config.project_dir)}: no query of that name" for p in recorded.stale]
        )
        click.echo(
            f"{recorded.count('recorded')} answers recorded, {recorded.count('unchanged')} unchanged",
            err=True,
        )
        return
    report = check_answers(dataset, queries)
    for check in report.checks:
        if check.status == "different":
            click.echo(
                f"FAIL {check.name}: the answer differs from {display_path(check.path, settings.config.project_dir)}"
            )
            for line in check.diff():
                click.echo(line)
        elif check.status == "same":
            click.echo(f"ok   {check.name}")
    missing = [c.name for c in report.checks if c.status == "missing"]
    settings.warn(
        [f"{display_path(p, settings.config.project_dir)}: no query of that name" for p in report.stale]
    )
    if names and missing:
        fail(
            f"no expected answer for {', '.join(missing)}: review the answer and run 'agkg test --record NAME'"
        )
    if missing:
        settings.warn([f"no expected answer for {', '.join(missing)} (agkg test --record NAME to add one)"])
    checked = len(report.checks) - len(missing)
    if checked == 0:
        fail("no query in queries/ has an expected answer: review the answers and run 'agkg test --record'")
    click.echo(
        f"{checked} answers checked: {report.count('same')} same, {len(report.different)} different", err=True
    )
    if report.different:
        raise AnswersDifferError(
            f"{len(report.different)} answer(s) differ: review the changes, then 'agkg test --record NAME'"
        )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@limit_option(
    "--query-timeout", click.FloatRange(min=0.1), 10.0, "Seconds a SPARQL query may run before it is stopped"
)
@limit_option("--max-rows", click.IntRange(min=1), 10_000, "Most result rows a query returns")
@limit_option("--query-workers", click.IntRange(min=1), 2, "Worker processes answering SPARQL queries")
@limit_option(
    "--query-memory",
    click.IntRange(min=16),
    1024,
    "MB of memory a SPARQL query may use beyond the loaded store",
)
@pass_settings
def serve(
    settings: Settings,
    host: str,
    port: int,
    query_timeout: float,
    max_rows: int,
    query_workers: int,
    query_memory: int,
) -> None:
    """Serve the published dataset: IRIs, pages, SPARQL endpoint (needs the 'serve' extra)."""
    from agkg.web.server import ServerSettings
    from agkg.web.server import serve as run_server

    limits = ServerSettings(
        query_timeout=query_timeout,
        max_rows=max_rows,
        query_workers=query_workers,
        query_memory=query_memory,
    )
    run_server(settings.config, host, port, limits)


@cli.command("push")
@click.option("--endpoint", required=True, help="The store's SPARQL query URL (counts are verified there).")
@click.option("--graph-store", help="Graph Store Protocol URL: each graph is replaced with one PUT.")
@click.option("--update", "update_url", help="SPARQL Update URL (without --graph-store, or as fallback).")
@click.option(
    "--dist",
    type=click.Path(file_okay=False, path_type=Path),
    help="Published folder to push (default: dist/).",
)
@click.option(
    "--batch-size", type=int, default=500, show_default=True, help="Triples per update request."
)  # push.DEFAULT_BATCH (push is imported lazily, as the command runs)
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait per request.")
@click.option("--full", is_flag=True, help="Send every graph, not only those changed since the last push.")
@pass_settings
def push_command(
    settings: Settings,
    endpoint: str,
    graph_store: str | None,
    update_url: str | None,
    dist: Path | None,
    batch_size: int,
    timeout: float,
    full: bool,
) -> None:
    """Load the published dataset into a triple store, one named graph at a time."""
    from agkg.sparql.push import PushTarget, load_published, push_dataset
    from agkg.sparql.remote import HttpClient
    from agkg.vocab import Iris

    if not graph_store and not update_url:
        fail("give --graph-store URL, --update URL, or both")
    iris = Iris(settings.config.base)
    target = PushTarget(endpoint, graph_store, update_url)
    with load_published(dist or settings.config.out_dir, iris) as graphs:
        report = push_dataset(
            graphs, target, HttpClient(timeout), batch_size, settings.progress(), iris=iris, full=full
        )
    settings.done()
    for graph in report.graphs:
        click.echo(f"{graph.graph}  {graph.triples} triples  {graph.method}")
    for removed in report.removed:
        click.echo(f"{removed}  removed (no longer published)")
    click.echo(
        f"pushed {len(report.graphs)} graphs: {len(report.sent)} sent, {len(report.skipped)} unchanged"
        + (" (full push)" if report.full else "")
        + f"; {report.sent_triples} of {report.triples} triples in {report.requests} requests "
        f"({report.retries} retries, {report.sent_bytes:,} bytes), {report.seconds:.2f} s; counts verified"
        + ("; the store refused Graph Store PUT, SPARQL Update used" if report.fell_back else ""),
        err=True,
    )


@cli.command("reconcile")
@click.option(
    "--endpoint",
    default="https://query.wikidata.org/sparql",
    show_default=True,
    help="Wikidata-compatible SPARQL endpoint to look candidates up on.",
)
@out_file_option("the review table (CSV)")
@click.option(
    "--accept-above",
    type=click.FloatRange(0, 100),
    help="Write the best candidate's ID into the entity file when it alone scores above SCORE.",
)
@click.option("--entity", "only", multiple=True, help="Reconcile only this entity id; repeatable.")
@click.option(
    "--limit", type=click.IntRange(1, 50), default=5, show_default=True, help="Candidates per entity."
)
@click.option(
    "--batch-size", type=click.IntRange(1, 200), default=20, show_default=True, help="Entities per look-up."
)
@click.option(
    "--delay", type=click.FloatRange(min=0), default=1.0, show_default=True, help="Seconds between requests."
)
@click.option(
    "--contact",
    envvar="AGKG_CONTACT",
    help="Your e-mail or URL, sent in the User-Agent as Wikimedia asks (env AGKG_CONTACT).",
)
@click.option(
    "--cache-days",
    type=click.FloatRange(min=0),
    default=7.0,
    show_default=True,
    help="Reuse answers this long.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the answer cache.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait per request.")
@pass_settings
def reconcile_command(
    settings: Settings,
    endpoint: str,
    out_file: Path | None,
    accept_above: float | None,
    only: tuple[str, ...],
    limit: int,
    batch_size: int,
    delay: float,
    contact: str | None,
    cache_days: float,
    no_cache: bool,
    timeout: float,
) -> None:
    """Find Wikidata candidates for entities without an ID; write a review CSV."""
    import datetime

    from agkg.build.graph import load_only
    from agkg.build.ontology import load_vocabulary
    from agkg.wikidata.reconciliation import (
        AcceptedId,
        SparqlClient,
        decide,
        reconcile_entities,
        review_table,
        write_wikidata_ids,
    )

    config = settings.config
    vocabulary = load_vocabulary(config.ontology_dir)
    data = load_only(config)
    cache = None if no_cache else config.cache_dir / "wikidata"
    client = SparqlClient(endpoint, contact, delay, cache, cache_days * 86400, timeout)
    report = reconcile_entities(data, vocabulary, client, list(only) or None, batch_size, limit)
    decide(report.matches, accept_above if accept_above is not None else 101.0)
    table = review_table(report.matches)
    write_or_echo(table, out_file)
    accepted = [m for m in report.matches if accept_above is not None and m.decision == "accepted"]
    today = datetime.date.today().isoformat()
    written = write_wikidata_ids(
        [
            AcceptedId(
                m.entity,
                best.qid,
                f"wikidata {best.qid} accepted by agkg reconcile on {today}: score {best.score:g} "
                f"({' '.join(f.id for f in best.features if f.value not in (False, 0))}) at {endpoint}",
            )
            for m in accepted
            if (best := m.best) is not None
        ],
        config.project_dir,
    )
    with_candidates = sum(1 for m in report.matches if m.candidates)
    click.echo(
        f"{len(report.matches)} entities looked up, {with_candidates} with candidates"
        + (f", {len(accepted)} accepted into {len(written)} files" if accept_above is not None else "")
        + f"; {report.requests} requests ({report.retries} retries), {report.cached} answers from the cache",
        err=True,
    )


@cli.group("export")
def export_group() -> None:
    """Export the dataset for other tools (QuickStatements for Wikidata, events as CSV)."""


@export_group.command("quickstatements")
@out_file_option("the commands")
@click.option(
    "--unmappable",
    "unmappable_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write every statement not exported, with the reason, as TSV.",
)
@click.option("--exact-only", is_flag=True, help="Use only exact (not close) property alignments.")
@pass_settings
def export_quickstatements_command(
    settings: Settings, out_file: Path | None, unmappable_file: Path | None, exact_only: bool
) -> None:
    """Write statements whose subject and value have Wikidata IDs as QuickStatements (V1)."""
    from agkg.build.publishing import atomic_write
    from agkg.wikidata.quickstatements import export_quickstatements

    built = built_dataset(settings)
    export = export_quickstatements(built, exact_only)
    write_or_echo(export.text(), out_file)
    if unmappable_file:
        rows = ["position\tstatement\tsubject\tproperty\tvalue\tstatus\treason"]
        for status, issues in (("unmappable", export.unmappable), ("caveat", export.caveats)):
            for issue in issues:
                where = str(issue.positions[0]) if issue.positions else ""
                fields = [
                    where,
                    issue.statement,
                    issue.subject,
                    issue.property,
                    issue.value,
                    status,
                    issue.reason,
                ]
                rows.append("\t".join(" ".join(f.split()) for f in fields))
        atomic_write(unmappable_file, ("\n".join(rows) + "\n").encode("utf-8"))
    for issue in export.caveats:
        click.echo(f"note: {issue}", err=True)
    for issue in export.unmappable:
        click.echo(f"unmappable: {issue}", err=True)
    click.echo(
        f"{export.statements} statements exported as {len(export.commands)} commands "
        f"({export.references} references); {len(export.unmappable)} unmappable",
        err=True,
    )


@export_group.command("events")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["ucdp", "acled"]),
    required=True,
    help="ucdp: UCDP GED's columns; acled: ACLED's export columns (docs/conflict-data.md).",
)
@out_file_option("the CSV")
@pass_settings
def export_events_command(settings: Settings, output_format: str, out_file: Path | None) -> None:
    """Write one CSV row per event, as UCDP GED or ACLED code events."""
    from agkg.exports.conflict_export import export_events

    built = built_dataset(settings)
    export = export_events(built.data, built.provenance, built.vocabulary, output_format)
    write_or_echo(export.csv_text(), out_file)
    click.echo(f"{len(export.rows)} events exported in {output_format.upper()} columns", err=True)


@cli.command("reconciliation-service")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--public-url", help="The service's URL as clients see it (behind a proxy).")
@pass_settings
def reconciliation_service_command(settings: Settings, host: str, port: int, public_url: str | None) -> None:
    """Serve the Reconciliation API 0.2 for OpenRefine (needs the 'serve' extra)."""
    try:
        import uvicorn

        from agkg.wikidata.reconciliation_service import create_app
    except ImportError as error:
        fail(f"the reconciliation service needs the 'serve' extra (pip install 'agkg[serve]'): {error}")
    built = built_dataset(settings)
    click.echo(f"Reconciliation service at {public_url or f'http://{host}:{port}/'}", err=True)
    uvicorn.run(create_app(built, public_url), host=host, port=port, log_level="warning")


@cli.command("add-source")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--id", "source_id", help="The new source's id (default: byline surname or headline, and year)."
)
@click.option(
    "--sources-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Sources file to append to (default: data/sources/corpus.yaml).",
)
@pass_settings
def add_source_command(
    settings: Settings, file: Path, source_id: str | None, sources_file: Path | None
) -> None:
    """Store a text (plain or HTML) in the corpus and register it as a source to review."""
    from agkg.curation.sources import add_source

    config = settings.config
    added = add_source(file, config.data_dir, config.corpus_dir, config.project_dir, source_id, sources_file)
    click.echo(added.display)
    stored = "already in the corpus as" if added.corpus_file_existed else "stored as"
    click.echo(f"agkg: source '{added.id}': text {stored} {added.corpus_file.name}", err=True)
    if added.guessed:
        click.echo(
            f"agkg: review the guessed fields, then delete 'review': {', '.join(added.guessed)}", err=True
        )


@cli.command()
@click.argument("source_id", metavar="SOURCE")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the draft claims here instead of data/claims/SOURCE.yaml.",
)
@click.option(
    "--entities-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write new entity stubs here (default: data/entities/draft-SOURCE.yaml).",
)
@pass_settings
def draft(settings: Settings, source_id: str, out: Path | None, entities_out: Path | None) -> None:
    """Draft claims for a registered source, each marked 'status: draft' for review."""
    from agkg.build.claims import display_path
    from agkg.build.ontology import load_vocabulary
    from agkg.curation.draft import write_draft

    config = settings.config
    vocabulary = load_vocabulary(config.ontology_dir)
    result = write_draft(
        config.data_dir, config.corpus_dir, config.project_dir, vocabulary, source_id, out, entities_out
    )
    click.echo(display_path(result.claims_file, config.project_dir))
    if result.entities_file is not None:
        click.echo(display_path(result.entities_file, config.project_dir))
    click.echo(
        f"agkg: {result.claims} draft claims, {result.entities} entity stubs, "
        f"{result.ambiguous} ambiguous mentions listed; review them, then delete 'status'",
        err=True,
    )


def main() -> None:
    cli.main(prog_name="agkg")
