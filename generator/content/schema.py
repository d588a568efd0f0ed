"""The front matter of a tip file, declared once.

Each field says what it holds, how to read it from YAML, and when it is left
out of a written file. The loader validates with it, the writer orders keys
by it, and the editors' reference page is generated from it, so the three
cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.model import KINDS, SERIES_TOW, SLUG_RE, Phrase, Source


class FieldError(ValueError):
    """A front-matter value is wrong; the message says what to do."""


def _shown(value: Any) -> str:
    """A value for a message: its repr, cut short (a value may be 2 MB long)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _text(value: Any) -> str:
    if value is None:
        raise FieldError("has an empty item; write it out or remove its line")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise FieldError("must be text")
    if isinstance(value, float) and not math.isfinite(value):
        raise FieldError(f"{value} is a number, not text; put it in quotes if it is text")
    text = str(value).strip()
    if not text:
        raise FieldError("must not be empty")
    return text


def _optional_text(value: Any) -> str:
    return "" if value in (None, "") else _text(value)


def _slug(value: Any) -> str:
    slug = _text(value)
    if not SLUG_RE.match(slug):
        raise FieldError(
            f"{_shown(slug)} may use only a-z, 0-9 and single hyphens (e.g. 'defend-without-being-defensive')"
        )
    return slug


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldError(f"{_shown(value)} is not a real date; write it as YYYY-MM-DD") from None


def _kind(value: Any) -> str:
    kind = "full" if value in (None, "") else _text(value)
    if kind not in KINDS:
        raise FieldError(f"must be one of {', '.join(KINDS)}, not {_shown(kind)}")
    return kind


def _series(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if value != SERIES_TOW:
        raise FieldError(f"must be {SERIES_TOW!r} or left out, not {_shown(value)}")
    return SERIES_TOW


def _text_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise FieldError("must be a list, one item per line starting with '- '")
    return tuple(_text(item) for item in value)


def _phrases(value: Any) -> tuple[Phrase, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise FieldError("must be a list of phrases, each '- text: ...'")
    return tuple(_phrase(item) for item in value)


def _phrase(item: Any) -> Phrase:
    if isinstance(item, str):
        return Phrase(text=_text(item))
    if not isinstance(item, dict) or "text" not in item:
        raise FieldError("each phrase needs a 'text:' (and optionally 'situations:')")
    unknown = set(item) - {"text", "situations", "auto"}
    if unknown:
        raise FieldError(f"a phrase has unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    return Phrase(
        text=_text(item["text"]),
        situations=_text_list(item.get("situations")),
        auto=item.get("auto") is True,
    )


def _source(value: Any) -> Source | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dict) or "page" not in value:
        raise FieldError("needs a 'page:' (the scraped page it came from)")
    return Source(page=_text(value["page"]), digest=_optional_text(value.get("digest")))


def _bool(value: Any) -> bool:
    if value in (None, ""):
        return False
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false, not {_shown(value)}")
    return value


@dataclass(frozen=True)
class Field:
    """One front-matter key."""

    name: str
    doc: str
    example: str
    parse: Callable[[Any], Any]
    required: bool = False
    written_when_empty: bool = False  # keep `situations: []` visible for editors


# The body `tipkb new` writes: what to write where. A tip that still holds any of these
# lines is not finished, and check says so (the scaffold builds its body from them).
PLACEHOLDERS = (
    "Start with a short story or situation your readers will recognise.",
    "Then say what to do, and what to say.",
    "End with one sentence that sums the tip up.",
)

FIELDS: tuple[Field, ...] = (
    Field(
        "title",
        "The tip's headline, as readers see it.",
        "Defend without Being Defensive",
        _text,
        required=True,
    ),
    Field(
        "slug",
        "The tip's address on the site: a-z, 0-9 and hyphens. Leave it out: the file name "
        "gives it (2014-07-08-defend-without-being-defensive.md); if written, it must agree.",
        "defend-without-being-defensive",
        _slug,
    ),
    Field(
        "date",
        "The day the tip was published, YYYY-MM-DD. Leave it out when unknown; "
        "a future date keeps the tip off the site until that day.",
        "2014-07-08",
        _date,
    ),
    Field(
        "kind",
        "`full` for a whole tip, `excerpt` when only the teaser is known.",
        "full",
        _kind,
        written_when_empty=True,
    ),
    Field(
        "series", f"`{SERIES_TOW}` for the weekly tip; leave out otherwise.", SERIES_TOW, _series
    ),
    Field(
        "categories",
        "The blog's categories for the post.",
        "[Customer Service Tip of the Week]",
        _text_list,
        written_when_empty=True,
    ),
    Field(
        "summary",
        "One or two plain sentences shown in lists and search results.",
        "When a customer criticises a co-worker, support the co-worker without getting defensive.",
        _optional_text,
    ),
    Field(
        "source",
        "Where an imported tip came from (`page`) and a fingerprint used to notice "
        "editors' changes (`digest`). Leave it as it is.",
        "{page: 'Page 18', digest: '…'}",
        _source,
    ),
    Field(
        "situations",
        "What the staff member faces: ids from content/taxonomy.yml.",
        "[upset-customer, coworker-blamed]",
        _text_list,
        written_when_empty=True,
    ),
    Field(
        "techniques",
        "What the staff member does: ids from content/taxonomy.yml.",
        "[empathy, stay-calm]",
        _text_list,
        written_when_empty=True,
    ),
    Field(
        "phrases",
        "What to say: each `text` with the `situations` it fits; `auto: true` marks one found automatically.",
        "[{text: 'I’m sorry you had to deal with it.', situations: [coworker-blamed]}]",
        _phrases,
        written_when_empty=True,
    ),
    Field(
        "auto_tags",
        "Tags the auto-tagger added. Delete an id here to accept the tag as yours.",
        "[empathy]",
        _text_list,
    ),
    Field(
        "rejected",
        "Tag ids or phrase texts the auto-tagger must not add again.",
        "[apology]",
        _text_list,
    ),
    Field("draft", "`true` keeps the tip off the published site.", "true", _bool),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)


def reference_table() -> str:
    """The editors' front-matter reference as a Markdown table (site page and README)."""
    rows = [
        "| Field | Required | What it holds | Example |",
        "| --- | --- | --- | --- |",
    ]
    for f in FIELDS:
        example = f.example.replace("|", "\\|")
        rows.append(f"| `{f.name}` | {'yes' if f.required else 'no'} | {f.doc} | `{example}` |")
    return "\n".join(rows) + "\n"
