"""Which tips a build shows: published ones (not drafts, not dated after today), newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from generator.model import Tip


def is_published(tip: Tip, today: dt.date) -> bool:
    """Not a draft, and not dated after today."""
    return not tip.draft and (tip.date is None or tip.date <= today)


def newest_first(tips: Iterable[Tip]) -> tuple[Tip, ...]:
    """Dated tips newest first, then undated ones; ties by slug so order is stable."""
    return tuple(
        sorted(tips, key=lambda t: (t.date is None, -(t.date or dt.date.min).toordinal(), t.slug))
    )


def visible_tips(tips: Iterable[Tip], today: dt.date, *, drafts: bool = False) -> tuple[Tip, ...]:
    """The tips a build shows: published ones, or all of them when previewing drafts."""
    return newest_first(t for t in tips if drafts or is_published(t, today))
