"""Write the planned tips, all or nothing: the library behind `tipkb import PAGE...`.

``import_pages`` reads every page, parses, merges and plans, and writes nothing until
every page has parsed."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.content.load import TAXONOMY_FILE, TIPS_DIR
from generator.content.taxonomy import load_taxonomy
from generator.content.tipfile import dump_tip
from generator.errors import InputError, OutputError, Problem, UnreadableError
from generator.files import read_file, remove_leftovers, stage
from generator.importing.merge import merge_posts
from generator.importing.parse import Post, parse_page
from generator.importing.plan import NEW, SKIPPED, UNCHANGED, UPDATED, Change, plan_import
from generator.model import Taxonomy, Tip

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 20_000_000  # a scraped page is text of a few hundred KB at most

# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    """The outcome of an import: what happened to each tip, and every warning."""

    changes: tuple[Change, ...]
    warnings: tuple[Problem, ...]

    def count(self, action: str) -> int:
        return sum(c.action == action for c in self.changes)

    @property
    def summary(self) -> str:
        counts = (f"{self.count(a)} {a}" for a in (NEW, UPDATED, UNCHANGED, SKIPPED))
        return ", ".join(counts)


def read_pages(pages: Sequence[Path]) -> list[tuple[Path, str]]:
    """Every page's text; one InputError listing every page that cannot be read."""
    texts, errors = [], []
    for path in pages:
        try:
            raw = read_file(path, MAX_PAGE_BYTES, follow_symlinks=True)
        except UnreadableError as err:
            errors.append(str(err))
            continue
        try:
            texts.append((path, raw.decode("utf-8-sig")))
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            errors.append(f"{path}:{line}: page is not UTF-8 text; save it as UTF-8")
    if errors:
        raise InputError("\n".join(errors) + "\nnothing was imported")
    return texts


Tagger = Callable[[Tip, Taxonomy], Tip]


def _tagger(content_dir: Path, tag: Tagger | None) -> tuple[Callable[[Tip], Tip], list[Problem]]:
    """`tag` with the content's taxonomy (none: tips are written as imported); a broken
    taxonomy is a warning here, and check reports it."""
    if tag is None:
        return (lambda tip: tip), []
    taxonomy, problems = load_taxonomy(content_dir / TAXONOMY_FILE)
    problems = [dataclasses.replace(p, level="warning") for p in problems]
    return (lambda tip: tag(tip, taxonomy)), problems


def _write_all(changes: Sequence[Change], tag: Callable[[Tip], Tip]) -> None:
    """Write every entry or none: each file is staged beside its target first, and only
    when all are staged are they renamed into place (renames need no space and are
    atomic). If anything fails before, the staged files are removed and tips/ is as it was.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for change in changes:
            text = dump_tip(tag(change.tip))
            if not _holds(change.path, text):
                staged.append((stage(change.path, text.encode("utf-8")), change.path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    for change in changes:
        if change.old_path is not None and change.old_path != change.path:
            change.old_path.unlink(missing_ok=True)
        log.debug("%s %s", change.action, change.path)


def _holds(path: Path, text: str) -> bool:
    """Does the file already hold exactly this text?"""
    try:
        return read_file(path) == text.encode("utf-8")
    except UnreadableError:
        return False


def import_pages(
    pages: Sequence[Path], content_dir: Path, *, force: bool = False, tag: Tagger | None = None
) -> ImportReport:
    """Parse every page, merge duplicates, compare with content_dir/tips, then write,
    each written tip tagged by `tag` (the orchestrator passes the tagger)."""
    remove_leftovers(content_dir / TIPS_DIR)
    warnings: list[Problem] = []
    posts: list[Post] = []
    for path, text in read_pages(pages):
        page_posts, problems = parse_page(text, str(path))
        posts += page_posts
        warnings += problems
    merged, problems = merge_posts(posts)
    warnings += problems
    changes = plan_import(merged, content_dir, force=force)
    writing = [c for c in changes if c.action in (NEW, UPDATED)]
    if writing:
        tagger, problems = _tagger(content_dir, tag)
        warnings += problems
        try:
            _write_all(writing, tagger)
        except OSError as err:
            raise OutputError.from_os(err, "cannot write; nothing was imported") from err
    for change in changes:
        if change.action == SKIPPED:
            warnings.append(
                Problem(change.path, 1, f"skipped: {change.reason} (--force overwrites)", "warning")
            )
    return ImportReport(changes=changes, warnings=tuple(warnings))
