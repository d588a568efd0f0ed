"""The `tipkb` command line: parse arguments, call one library function, map errors to exit codes."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from generator.errors import ContentError, Problem, QueryError, TipkbError, describe_os_error

CONTENT = click.option(
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("content"),
    show_default=True,
    help="Content folder holding tips/ and taxonomy.yml.",
)


EVAL_CONTENT = click.option(
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("tests/corpus"),
    show_default=True,
    help="Content to measure: the frozen copy of the tips the labels were written for.",
)
BUILD_DIR = click.option(
    "--build-dir",
    type=click.Path(path_type=Path),  # a file there is the build's own message
    default=Path("build"),
    show_default=True,
    help="What builds keep between runs: generated pages, caches, the search index.",
)


class _Echo(logging.Handler):
    """Log records → lines: warnings and errors to stderr, the rest to stdout."""

    to_stderr_from = logging.WARNING

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=record.levelno >= self.to_stderr_from)


def _logs_to_stderr() -> None:
    """Every log line to stderr: stdout holds only what a script reads (JSON, results)."""
    for handler in logging.getLogger("generator").handlers:
        if isinstance(handler, _Echo):
            handler.to_stderr_from = logging.NOTSET


def _setup_logging(verbose: bool) -> None:
    handler = _Echo()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("generator")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Print more detail.")
@click.version_option(package_name="tipkb")
def cli(verbose: bool) -> None:
    """tipkb: the customer-service tips knowledge base.

    Import scraped blog pages, check and tag tips, search them, and build
    the static site. Run `tipkb COMMAND --help` for each command.
    """
    _setup_logging(verbose)


@cli.command()
@CONTENT
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read every file afresh, without the results kept in build/cache/.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default=None,
    help="How to print problems: 'path:line: message' lines, GitHub workflow annotations "
    "(shown on the line in a pull request), or a GitLab code-quality report (JSON). "
    "[default: github when GITHUB_ACTIONS=true, else text]",
)
@click.pass_context
def check(ctx: click.Context, content: Path, strict: bool, no_cache: bool, fmt: str | None) -> None:
    """Validate every tip and the taxonomy; report all problems as path:line: message.

    Also warns about tips that look like copies of another. Exit 1 on any
    error (or any warning with --strict), 0 otherwise. What was worked out for
    unchanged files is kept in build/cache/, so the next check is quick.
    """
    # Not through generator.build: loading every stage of a build took a third of a check.
    from generator.content.load import check_all
    from generator.layout import content_cache

    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    try:
        loaded = check_all(content, strict=strict, cache_file=None if no_cache else content_cache())
    except ContentError as err:
        if fmt == "text":
            raise
        click.echo(_formatted(err.problems, fmt))
        ctx.exit(1)
    if fmt == "json":
        click.echo("[]")
        return
    terms = len(loaded.taxonomy.situations + loaded.taxonomy.techniques)
    click.echo(f"{len(loaded.tips)} tips and {terms} taxonomy terms checked: no errors.")


def _formatted(problems: list[Problem], fmt: str) -> str:
    """Problems as GitHub workflow commands, or as a GitLab code-quality report."""
    if fmt == "github":
        return "\n".join(
            f"::{p.level} file={_escape(str(p.path), True)},line={p.line}::{_escape(p.message)}"
            for p in problems
        )
    report = [
        {
            "description": p.message,
            "check_name": "tipkb-check",
            "fingerprint": hashlib.sha256(str(p).encode()).hexdigest(),
            "severity": "major" if p.level == "error" else "minor",
            "location": {"path": str(p.path), "lines": {"begin": p.line}},
        }
        for p in problems
    ]
    return json.dumps(report, ensure_ascii=False, indent=2)


def _escape(text: str, in_property: bool = False) -> str:
    """GitHub's escaping for workflow command values (and properties)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if in_property else text


@cli.command()
@CONTENT
@click.argument("title")
@click.option(
    "--date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Publication date, YYYY-MM-DD. Default: the next Tuesday, the day tips go out.",
)
def new(content: Path, title: str, date: datetime | None) -> None:
    """Start a new tip called TITLE from a template and print its path.

    Refuses a title that already exists, and warns when another tip looks
    like the same topic.
    """
    from generator.content.scaffold import new_tip

    path = new_tip(content, title, date.date() if date else None)
    click.echo(path)
    click.echo(
        "Write the tip in place of the template's three lines, then preview it with "
        "`make serve` and check it with `make check`.",
        err=True,
    )


@cli.command(name="import")
@CONTENT
@click.argument(
    "pages", nargs=-1, required=True, metavar="PAGE...", type=click.Path(path_type=Path)
)
@click.option(
    "--force", is_flag=True, help="Also overwrite entries an editor changed since the last import."
)
def import_(content: Path, pages: tuple[Path, ...], force: bool) -> None:
    """Import scraped blog pages (PAGE...) into tips/ as one Markdown file per tip.

    Duplicates across pages become one entry, the full text winning over a
    teaser. Re-running is safe: unchanged files are left alone, and entries an
    editor changed are skipped unless --force. Prints 'N new, N updated,
    N unchanged, N skipped'; anything it could not read is a page:line warning.
    """
    from generator.build import import_pages

    report = import_pages(pages, content, force=force)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    click.echo(report.summary)


TODAY = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    default=None,
    help="Build as of this day, YYYY-MM-DD: tips dated later are left out. "
    "[default: $TIPKB_TODAY, else today in $TIPKB_TIMEZONE or the local time zone]",
)

MKDOCS_CONFIG = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="MkDocs configuration to build with. [default: the project's mkdocs.yml]",
)

ENGINE = click.option(
    "--engine",
    type=click.Choice(["mkdocs", "zensical"]),
    default=None,
    help="What renders the generated pages into the site. "
    "[default: extra.tipkb_engine in mkdocs.yml, else mkdocs]",
)


@cli.command()
@CONTENT
@click.option(
    "--site",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Folder to build the site into; replaced only when the build succeeds.",
)
@click.option("--strict", is_flag=True, help="Fail on any warning (content or MkDocs).")
@click.option("--drafts", is_flag=True, help="Also show drafts and future-dated tips, marked.")
@TODAY
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="CPUs MkDocs may render on; 1 is MkDocs' own build. [default: all]",
)
@BUILD_DIR
@MKDOCS_CONFIG
@ENGINE
def build(
    content: Path,
    site: Path,
    strict: bool,
    drafts: bool,
    today: datetime | None,
    jobs: int | None,
    build_dir: Path,
    config_file: Path | None,
    engine: str | None,
) -> None:
    """Check the content, generate the pages into build/docs/, and build the site with MkDocs
    (or Zensical).

    Nothing is written when a tip has an error. Draft tips and tips dated in
    the future are left out unless --drafts.
    """
    from generator.build import build as build_site

    report = build_site(
        content,
        site,
        strict=strict,
        drafts=drafts,
        config_file=config_file,
        jobs=jobs,
        build_dir=build_dir,
        today=today.date() if today else None,
        engine=engine,
    )
    click.echo(str(report))


@cli.command()
@CONTENT
@click.option("--port", type=int, default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--drafts/--no-drafts", default=True, show_default=True, help="Show drafts and future tips."
)
@TODAY
@MKDOCS_CONFIG
@ENGINE
def serve(
    content: Path,
    port: int,
    drafts: bool,
    today: datetime | None,
    config_file: Path | None,
    engine: str | None,
) -> None:
    """Preview the site on http://127.0.0.1:8000/ and rebuild it whenever content changes.

    The browser reloads by itself after each rebuild. Stop with Ctrl+C.
    """
    from generator.serve import serve as serve_site

    serve_site(
        content,
        port=port,
        drafts=drafts,
        config_file=config_file,
        today=today.date() if today else None,
        engine=engine,
    )


@cli.command()
@CONTENT
@click.argument("files", nargs=-1, metavar="[FILE]...", type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="Save the new tags and phrases into the files.")
@click.option(
    "--explain", is_flag=True, help="Show, per tag, the rule and the text that matched it."
)
def tag(content: Path, files: tuple[Path, ...], write: bool, explain: bool) -> None:
    """Tag tips with situations and techniques, and extract the phrases they recommend.

    Without --write, prints what would change as a diff per file and changes
    nothing. FILE... are tip files of the content folder (default: all).
    Tags an editor wrote are kept; ids listed in a tip's `rejected:` are
    never added; `auto_tags:` lists the tags added automatically.
    """
    from generator.build import tag_files

    run = tag_files(content, files, write=write, explain=explain)
    click.echo(run.report())


@cli.command()
@CONTENT
@click.argument("query")
@click.option(
    "--situation", metavar="ID", help="Only tips for this situation (an id of taxonomy.yml)."
)
@click.option(
    "--technique", metavar="ID", help="Only tips using this technique (an id of taxonomy.yml)."
)
@click.option(
    "--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Most tips to list."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON for scripts (plain text, no markup)."
)
@BUILD_DIR
def search(
    content: Path,
    query: str,
    situation: str | None,
    technique: str | None,
    limit: int,
    as_json: bool,
    build_dir: Path,
) -> None:
    """Find the tips (and phrases to say) for QUERY, in your own words.

    Example: tipkb search "client says the other rep lied to them". Words are
    matched in any form ("screaming" finds "scream"), and a word naming a
    situation or technique, or one of its synonyms ("yelling"), ranks its tips
    up; a word no tip has is respelled ("cancle" → "cancel") and the corrected
    query searched, saying so. Lists each tip with a snippet (matching words
    highlighted on a terminal) and its matching phrases, then how many matches
    each situation and technique has. A query without a word to search for
    exits 2.
    """
    import json

    from generator.build import search_tips

    _logs_to_stderr()  # "rebuilding the index" must not end up in a script's JSON
    results = search_tips(
        content,
        query,
        situation=situation,
        technique=technique,
        limit=limit,
        build_dir=build_dir,
    )
    if as_json:
        click.echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
    else:  # click.echo drops the styles unless stdout is a terminal
        click.echo(results.to_text(mark=lambda word: click.style(word, bold=True, fg="yellow")))


@cli.group(name="eval")
def eval_() -> None:
    """Measure tagging and search quality against the labelled sets in tests/labels/,
    on the frozen copy of the tips in tests/corpus/ (run from the project folder)."""


@eval_.command(name="tags")
@EVAL_CONTENT
@click.option(
    "--labels",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=Path("tests/labels/tags.yml"),
    show_default=True,
    help="Labelled tips to compare with.",
)
@click.option(
    "--links",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Also score phrase → situation links against these labels "
    "(make eval passes tests/labels/phrase_situations.yml).",
)
@click.pass_context
def eval_tags(ctx: click.Context, content: Path, labels: Path, links: Path | None) -> None:
    """Precision and recall of the tags (per vocabulary) and of the phrases.

    Each labelled tip is tagged afresh and compared with the hand-made labels;
    exits 1 when a figure is below its target.
    """
    from generator.tagging.evaluation import evaluate, evaluate_links

    result = evaluate(content, labels)
    click.echo(result.report())
    linked = evaluate_links(content, links) if links else None
    if linked:
        click.echo(linked.report())
    if not result.meets_targets or (linked and not linked.meets_target):
        ctx.exit(1)


@eval_.command(name="search")
@EVAL_CONTENT
@click.option(
    "--queries",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=Path("tests/labels/queries.yml"),
    show_default=True,
    help="Labelled queries to run.",
)
@click.pass_context
def eval_search(ctx: click.Context, content: Path, queries: Path) -> None:
    """hit@3 and MRR@10 of `tipkb search` on staff queries labelled with their tips.

    One line per split of the queries (tune, held-out; "all" for queries without
    a split). Lists the tune queries whose tip is not in the first three (held-out
    misses are only counted: tune on the tune half only); exits 1 when hit@3 of the
    held-out half (else of all) is below its target.
    """
    from generator.build import evaluate_search

    result = evaluate_search(content, queries)
    click.echo(result.report())
    if not result.meets_target:
        ctx.exit(1)


def main() -> None:
    """Console entry point: run the CLI, turning tipkb errors into messages and exit 1."""
    try:
        code = cli.main(standalone_mode=False)  # what ctx.exit(N) returns here
        if isinstance(code, int) and code:
            sys.exit(code)
    except ContentError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        errors = sum(p.level == "error" for p in err.problems)
        warnings = len(err.problems) - errors
        click.echo(f"{errors} error(s), {warnings} warning(s): fix them and run again.", err=True)
        sys.exit(1)
    except QueryError as err:  # what was typed cannot be searched: a usage error
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    except TipkbError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except OSError as err:  # the last resort: a path and what the system said, no traceback
        path, reason = describe_os_error(err)
        click.echo(f"error: {path}: {reason}", err=True)
        sys.exit(1)
