"""Compare the merged posts with the tips already there: each becomes new, updated,
unchanged or skipped (a tip changed by an editor is never overwritten without --force)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.content.load import TIPS_DIR, tip_paths
from generator.content.tipfile import read_tip
from generator.importing.merge import same_post
from generator.importing.parse import Post
from generator.model import Source, Tip, tip_filename

# --- comparing with the tips already there --------------------------------------------------

IMPORTED_FIELDS = ("title", "date", "kind", "series", "categories", "summary", "body")
NEW, UPDATED, UNCHANGED, SKIPPED = "new", "updated", "unchanged", "skipped"


def _digest_value(name: str, value: object) -> object:
    """A field as the digest has always written it (kept, so stored digests still match)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value.strip() if name == "body" and isinstance(value, str) else value


def digest(tip: Tip) -> str:
    """Fingerprint of a tip's imported fields, as written: a change by an editor alters it."""
    values = [_digest_value(name, getattr(tip, name)) for name in IMPORTED_FIELDS]
    data = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def edited(tip: Tip) -> bool:
    """Has someone changed this tip's imported fields since the import (or written it by hand)?"""
    return tip.source is None or tip.source.digest != digest(tip)


@dataclass(frozen=True)
class Change:
    """What the import does with one tip."""

    action: str  # NEW, UPDATED, UNCHANGED or SKIPPED
    path: Path  # where the tip is (or will be) written
    tip: Tip
    old_path: Path | None = None  # a file to remove: the tip's date changed its name
    reason: str = ""  # why it was skipped


@dataclass(frozen=True)
class _Existing:
    tips: tuple[Tip, ...]  # every readable tip file
    broken: frozenset[str]  # names of tip files that cannot be read: never overwritten


def _existing(content_dir: Path) -> _Existing:
    tips, broken = [], set()
    for path in tip_paths(content_dir):
        tip, _ = read_tip(path)
        if tip is None:
            broken.add(path.name)
        else:
            tips.append(tip)
    return _Existing(tuple(tips), frozenset(broken))


def _as_post(tip: Tip) -> Post:
    return Post(
        title=tip.title,
        date=tip.date,
        kind=tip.kind,
        series=tip.series,
        categories=tip.categories,
        body=tip.body,
        summary=tip.summary,
        page=tip.source.page if tip.source else "",
        where=str(tip.path),
        text=tip.body,
    )


def _match(post: Post, tips: Sequence[Tip], taken: set[str]) -> Tip | None:
    """The existing tip this post is, by slug first, else by date and title or text."""
    free = [t for t in tips if t.slug not in taken]
    by_slug = next((t for t in free if t.slug == post.slug), None)
    return by_slug or next((t for t in free if same_post(post, _as_post(t))), None)


def tip_from_post(post: Post, slug: str | None = None, old: Tip | None = None) -> Tip:
    """The tip a post becomes; tags and a date from an earlier import are kept."""
    tip = Tip(
        title=post.title,
        slug=slug or post.slug,
        body=post.body.strip() + "\n",
        date=post.date or (old.date if old and old.source else None),
        kind=post.kind,
        series=post.series,
        categories=post.categories,
        summary=post.summary,
    )
    if old is not None:
        tip = dataclasses.replace(
            tip,
            situations=old.situations,
            techniques=old.techniques,
            phrases=old.phrases,
            auto_tags=old.auto_tags,
            rejected=old.rejected,
            draft=old.draft,
        )
    return dataclasses.replace(tip, source=Source(page=post.page, digest=digest(tip)))


def plan_import(
    posts: Sequence[Post], content_dir: Path, *, force: bool = False
) -> tuple[Change, ...]:
    """Decide, for each post, whether its tip is new, updated, unchanged or skipped."""
    existing = _existing(content_dir)
    tips_dir = content_dir / TIPS_DIR
    taken: set[str] = set()
    changes = []
    names = existing.broken | {t.path.name for t in existing.tips if t.path}
    for post in posts:
        old = _match(post, existing.tips, taken)
        slug = old.slug if old else _free_slug(post.slug, taken, existing.tips)
        taken.add(slug)
        changes.append(_change(post, slug, old, tips_dir, names, force))
    return tuple(changes)


def _free_slug(slug: str, taken: set[str], tips: Sequence[Tip]) -> str:
    used = taken | {t.slug for t in tips}
    candidates = (slug if n == 1 else f"{slug}-{n}" for n in range(1, len(used) + 2))
    return next(c for c in candidates if c not in used)


def _change(
    post: Post, slug: str, old: Tip | None, tips_dir: Path, names: frozenset[str], force: bool
) -> Change:
    """The fate of one post; `names` are the files already in tips/ (readable or not)."""
    tip = tip_from_post(post, slug, old)
    path = tips_dir / tip_filename(tip.slug, tip.date)
    occupied = path.name in names and (old is None or old.path != path)
    if occupied and not force:
        return Change(SKIPPED, path, tip, reason="another file has this name")
    if old is None:
        return Change(NEW, path, tip)
    assert old.path is not None
    if edited(old) and not force:
        return Change(SKIPPED, old.path, old, reason="changed by an editor since the import")
    if old.kind == "full" and tip.kind == "excerpt":
        return Change(UNCHANGED, old.path, old)  # a teaser never replaces the full text
    if not edited(old) and digest(old) == digest(tip) and old.path == path:
        return Change(UNCHANGED, old.path, old)
    return Change(UPDATED, path, tip, old_path=None if old.path == path else old.path)
