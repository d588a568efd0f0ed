"""The `tipkb` command line: parse arguments, call one library function, map errors to exit codes."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from .errors import ContentError, TipkbError

CONTENT = click.option(
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("content"),
    show_default=True,
    help="Content folder holding tips/ and taxonomy.yml.",
)


class _Echo(logging.Handler):
    """Log records → stderr lines; counted so --strict can fail on warnings."""

    def __init__(self) -> None:
        super().__init__()
        self.warnings = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.warnings += 1
        click.echo(self.format(record), err=record.levelno >= logging.WARNING)


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
def check(content: Path, strict: bool) -> None:
    """Validate every tip and the taxonomy; report all problems as path:line: message."""
    from .content import load_content

    loaded = load_content(content, strict=strict)
    click.echo(
        f"{len(loaded.tips)} tips and {len(loaded.taxonomy.situations + loaded.taxonomy.techniques)} "
        f"taxonomy terms checked: no errors."
    )


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
    from .scaffold import new_tip

    path = new_tip(content, title, date.date() if date else None)
    click.echo(path)


@cli.group(name="eval")
def eval_() -> None:
    """Measure tagging and search quality against the labelled sets in tests/."""


def main() -> None:
    """Console entry point: run the CLI, turning tipkb errors into messages and exit 1."""
    try:
        cli.main(standalone_mode=False)
    except ContentError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        errors = sum(p.level == "error" for p in err.problems)
        warnings = len(err.problems) - errors
        click.echo(f"{errors} error(s), {warnings} warning(s): fix them and run again.", err=True)
        sys.exit(1)
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
