"""Load a content folder and validate it as a whole.

Every command that reads content starts here, so a bad entry never reaches
the site. All problems are gathered before any is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from generator.cache import Cache, file_key
from generator.content.taxonomy import did_you_mean, load_taxonomy
from generator.content.tipfile import read_tip
from generator.errors import ContentError, Problem
from generator.files import remove_leftovers
from generator.model import Content, Taxonomy, Tip, name_parts
from generator.workers import map_shared

log = logging.getLogger(__name__)

TIPS_DIR = "tips"
TAXONOMY_FILE = "taxonomy.yml"


def tip_paths(root: Path) -> list[Path]:
    """Every tip file of a content folder, in a stable order."""
    return sorted((root / TIPS_DIR).glob("*.md"))


def check_content(
    root: Path, cache: Cache | None = None, *, allow_empty: bool = False
) -> tuple[Content, list[Problem]]:
    """Load everything and return the valid content plus every problem found.

    With a cache, a tip file unchanged since it was last read is not parsed again.
    A content folder without tips is an error, unless `allow_empty` (for the first tip).
    """
    if not root.is_dir():
        raise ContentError([Problem(root, 0, "content folder not found; pass --content DIR")])
    remove_leftovers(root / TIPS_DIR)  # of a write that was killed: `tipkb import`, `tag --write`
    taxonomy, problems = load_taxonomy(root / TAXONOMY_FILE)
    taxonomy_ok = not any(p.level == "error" for p in problems)
    paths, folder_problems = _tip_files(root, allow_empty)
    problems += folder_problems
    tips: list[Tip] = []
    for tip, tip_problems in _read(paths, cache):
        problems += tip_problems
        if tip is not None:
            tips.append(tip)
    problems += cross_check(tips, taxonomy if taxonomy_ok else None)
    # In the order of the files and their lines, as an editor goes through them.
    problems.sort(key=lambda p: (str(p.path), p.line))
    return Content(root=root, tips=tuple(tips), taxonomy=taxonomy), problems


def _tip_files(root: Path, allow_empty: bool) -> tuple[list[Path], list[Problem]]:
    """The tip files to read, or the problem with the tips folder."""
    folder = root / TIPS_DIR
    if folder.is_symlink():
        return [], [
            Problem(
                folder,
                0,
                "is a symbolic link, which tipkb does not follow; put the folder itself here",
            )
        ]
    paths = tip_paths(root) if folder.is_dir() else []
    if paths or allow_empty:
        return paths, []
    return [], [
        Problem(
            folder,
            0,
            "no tips found; add one with `tipkb new TITLE` or `tipkb import PAGE...`, "
            "or pass the right --content DIR",
        )
    ]


def _read(paths: list[Path], cache: Cache | None) -> list[tuple[Tip | None, list[Problem]]]:
    """Each file read and parsed, or as cached; many files are parsed on two CPUs."""
    if cache is None:
        return map_shared(_read_tips, paths)
    keys = [file_key(path) for path in paths]  # before reading: a change after it changes the key
    return cache.fetch_all(keys, paths, partial(map_shared, _read_tips))[0]


def _read_tips(paths: Sequence[Path]) -> list[tuple[Tip | None, list[Problem]]]:
    # An unsafe tip too, checked against the others: its error makes the check fail.
    return [read_tip(path, keep_unsafe=True) for path in paths]


def load_content(
    root: Path, *, strict: bool = False, cache: Cache | None = None, allow_empty: bool = False
) -> Content:
    """Load and validate; raise ContentError listing every error (and warning, if strict)."""
    content, problems = check_content(root, cache, allow_empty=allow_empty)
    return _reported(content, problems, strict)


def _reported(content: Content, problems: list[Problem], strict: bool) -> Content:
    """The content, once its warnings are logged; a ContentError for any error (or any
    warning, if strict), listing every problem."""
    if any(p.level == "error" or strict for p in problems):
        raise ContentError(problems)
    for problem in problems:
        log.warning("%s", problem)
    return content


def check_all(root: Path, *, strict: bool = False, cache_file: Path | None = None) -> Content:
    """`tipkb check`: load_content, plus warnings that need the whole corpus (near-duplicates).

    Kept out of load_content so builds don't pay for the duplicate search.
    `cache_file` keeps what was worked out for unchanged tips for the next check.
    """
    from generator.content.duplicates import near_duplicates

    cache = Cache.open(cache_file)
    content, problems = check_content(root, cache)
    problems += near_duplicates(content.tips, cache)
    cache.save()
    return _reported(content, problems, strict)


def _name_problem(tip: Tip) -> Problem:
    """What to change when a tip's file name and its slug or date disagree. The file name
    decides; a rename is proposed only onto a name no file has."""
    assert tip.path is not None
    parts = name_parts(tip.path.name)
    if parts and parts[1] != tip.slug:
        return Problem(
            tip.path,
            tip.line_of("slug"),
            f"'slug: {tip.slug}' does not match the file name, which gives '{parts[1]}': "
            f"delete the slug line (the file name decides) or change it to 'slug: {parts[1]}'",
        )
    dated = f"date: {tip.date.isoformat()}" if tip.date else "no date"
    rename = tip.path.with_name(tip.filename)
    also = "" if rename.exists() else f", or rename the file to '{tip.filename}'"
    if parts:
        return Problem(
            tip.path,
            tip.line_of("date"),
            f"the file name starts with '{parts[0]}' but the tip has {dated}: change the "
            f"date to agree with the file name{also}",
        )
    name = (
        f"rename the file to '{tip.filename}'"
        if not rename.exists()
        else (
            f"'{tip.filename}' exists already: give this tip another name, YYYY-MM-DD-its-title.md"
        )
    )
    return Problem(
        tip.path, 1, f"a tip's file name is YYYY-MM-DD-slug.md (or undated-slug.md): {name}"
    )


def cross_check(tips: list[Tip], taxonomy: Taxonomy | None) -> list[Problem]:
    """Checks that need more than one file: file names, unique slugs, known tag ids.

    With no usable taxonomy (it has errors of its own), tag ids are not checked,
    so one broken taxonomy.yml doesn't bury its message under one per tip.
    """
    problems: list[Problem] = []
    first: dict[str, Tip] = {}
    for tip in tips:
        assert tip.path is not None
        if tip.path.name != tip.filename:
            problems.append(_name_problem(tip))
        if tip.slug in first:
            other = first[tip.slug].path
            problems.append(
                Problem(
                    tip.path,
                    tip.line_of("slug"),
                    f"duplicate slug '{tip.slug}' (also in {other}); give one tip another slug",
                )
            )
        first.setdefault(tip.slug, tip)
        if taxonomy is not None:
            problems += _unknown_ids(tip, taxonomy)
    return problems


_NOUN = {"situations": "situation", "techniques": "technique", "phrases": "situation"}


def _unknown_ids(tip: Tip, taxonomy: Taxonomy) -> list[Problem]:
    assert tip.path is not None
    problems = []
    checks = [
        ("situations", tip.situations, taxonomy.situation_ids),
        ("techniques", tip.techniques, taxonomy.technique_ids),
    ]
    checks += [("phrases", p.situations, taxonomy.situation_ids) for p in tip.phrases]
    for key, ids, known in checks:
        for term_id in ids:
            if term_id not in known:
                hint = did_you_mean(term_id, known)
                problems.append(
                    Problem(
                        tip.path,
                        tip.line_of(key),
                        f"unknown {_NOUN[key]} '{term_id}'{hint}; ids are listed in taxonomy.yml",
                    )
                )
    return problems
