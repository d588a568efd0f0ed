"""`tipkb new`: start a new tip from a template, ready for an editor to write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path

from generator import clock
from generator.content.load import TIPS_DIR, load_content
from generator.content.schema import PLACEHOLDERS
from generator.content.tipfile import dump_tip, write_text_atomic
from generator.errors import TipkbError
from generator.model import SERIES_TOW, Tip, slugify

log = logging.getLogger(__name__)

TUESDAY = 1  # tips go out on Tuesdays

BODY_TEMPLATE = (
    """\
<!--
  Write the tip here in plain Markdown: short paragraphs, "- " for bullet points.

  Phrases staff can say are found automatically when you introduce them like this:

      Consider these phrases:

      - "I'm sorry you had to wait. Let me take care of this right now."
      - "Here's what happens next, and when."

  or quote them after "say", "try saying" or "statements such as":
  say "I don't know, but I'll find out." Put them in quotation marks.

  Delete this comment when you are done, then run `tipkb check`.
-->

"""
    + "\n\n".join(PLACEHOLDERS)
    + "\n"
)


def next_tuesday(today: dt.date) -> dt.date:
    """The day the next tip goes out: today if it is a Tuesday."""
    return today + dt.timedelta(days=(TUESDAY - today.weekday()) % 7)


def new_tip(
    content_dir: Path, title: str, date: dt.date | None = None, *, today: dt.date | None = None
) -> Path:
    """Create the file of a new tip and return its path; refuse a title or slug already used."""
    title = " ".join(title.split())
    slug = slugify(title)
    if not slug:
        raise TipkbError(
            f"title {title!r} has no letters or digits to make an address from; choose another title"
        )
    content = load_content(content_dir, allow_empty=True)  # the first tip is welcome
    for tip in content.tips:
        if tip.slug == slug or tip.title.casefold() == title.casefold():
            raise TipkbError(
                f"a tip called {tip.title!r} already exists in {tip.path}; choose another title"
            )
    tip = Tip(
        title=title,
        slug=slug,
        date=date or next_tuesday(today or clock.today()),
        series=SERIES_TOW,
        body=BODY_TEMPLATE,
    )
    path = content_dir / TIPS_DIR / tip.filename
    write_text_atomic(path, dump_tip(tip))
    _warn_near_duplicates(content.tips, tip, path)
    return path


def _warn_near_duplicates(existing: tuple[Tip, ...], tip: Tip, path: Path) -> None:
    from generator.content.duplicates import near_duplicates

    for problem in near_duplicates([*existing, dataclasses.replace(tip, path=path)]):
        if Path(problem.path) == path:
            log.warning("%s", problem)
