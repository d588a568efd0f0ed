"""One post per tip: the same post seen on several pages, as a teaser and in full or
worded a little differently, becomes one post, and the full text wins."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from generator.errors import Problem
from generator.importing.parse import Post
from generator.model import SERIES_TOW

# --- one post per tip -----------------------------------------------------------------------


def _shingles(text: str) -> set[tuple[str, str]]:
    words = re.findall(r"\w+", text[:1000].casefold())[:60]
    return set(itertools.pairwise(words))


def _text_overlap(a: str, b: str) -> float:
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / min(len(sa), len(sb)) if sa and sb else 0.0


def same_post(a: Post, b: Post) -> bool:
    """Are these two entries the same post, perhaps worded a little differently?"""
    if a.slug == b.slug:
        return True
    if a.date and b.date and a.date != b.date:
        return False
    title = SequenceMatcher(None, a.slug, b.slug).ratio()
    text = _text_overlap(a.text, b.text)
    if a.date and b.date:  # the same day
        return title >= 0.8 or text >= 0.5 or (title >= 0.6 and text >= 0.2)
    return title >= 0.9 or (title >= 0.7 and text >= 0.5)


def merge_posts(posts: Sequence[Post]) -> tuple[list[Post], list[Problem]]:
    """One post per tip: the full text wins over teasers, a longer text over a shorter one."""
    groups: list[list[Post]] = []
    by_slug: dict[str, list[Post]] = {}  # the common case, found without comparing texts
    for post in posts:
        group = by_slug.get(post.slug) or next(
            (g for g in groups if any(same_post(post, other) for other in g)), None
        )
        if group is None:
            group = []
            groups.append(group)
        group.append(post)
        by_slug.setdefault(post.slug, group)
    merged, problems = [], []
    for group in groups:
        post, problem = _merge_group(group)
        merged.append(post)
        problems += [problem] if problem else []
    return merged, problems


def _merge_group(group: Sequence[Post]) -> tuple[Post, Problem | None]:
    best = max(group, key=lambda p: (p.kind == "full", len(p.body)))
    dates = sorted({p.date for p in group if p.date})
    problem = None
    if len(dates) > 1:
        page, _, line = best.where.rpartition(":")
        listed = ", ".join(d.isoformat() for d in dates)
        problem = Problem(
            page,
            int(line),
            f"'{best.title}' appears with different dates ({listed}); kept one entry",
            "warning",
        )
    merged = dataclasses.replace(
        best,
        date=best.date or (dates[0] if dates else None),
        series=SERIES_TOW if any(p.series for p in group) else None,
        categories=best.categories or next((p.categories for p in group if p.categories), ()),
    )
    return merged, problem
