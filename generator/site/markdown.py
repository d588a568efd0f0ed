"""Markdown building blocks for the generated pages.

Text from content (titles, phrases, descriptions) is untrusted: imported
pages may hold anything. Every piece of it passes through `text()` (Markdown
context) or `html()` (raw HTML block, attribute values), both from
generator.escape, so it can neither open raw HTML nor trigger Markdown syntax
such as links or `{: attribute lists }`. Tip bodies are Markdown by design: they
are rendered and sanitized by generator.safety, not escaped.

The parts repeated by the thousand (tip lists, tag chips, phrase cards) are
written as raw HTML blocks with links both engines resolve (see url()), between the
markers of generator.site.passthrough, which hands them to the engine's output
unparsed: a Markdown list of links costs Python-Markdown several times as much
(inline patterns on every piece of text, then MkDocs resolving every link), and
even a raw HTML block is parsed tag by tag, twice. Everything else stays Markdown.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from generator.content.escape import html, text
from generator.site.passthrough import raw

T = TypeVar("T")

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def a(label: str, source: str, target: str, *, css: str = "") -> str:
    """An HTML link from page `source` to page `target` (both docs-relative .md paths)."""
    cls = f' class="{css}"' if css else ""
    return f'<a href="{url(source, target)}"{cls}>{html(label)}</a>'


def html_list(items: Iterable[str], css: str = "") -> str:
    """A raw HTML list of HTML items (passed through, see raw()); wrapped in a div of
    class `css` for the theme."""
    lis = "\n".join(f"<li>{item}</li>" for item in items)
    ul = f"<ul>\n{lis}\n</ul>"
    return raw(f'<div class="{css}">\n{ul}\n</div>' if css else ul)


@lru_cache(maxsize=1 << 18)  # 42,000 links at 2,000 tips, the same ones each preview rebuild
def url(source: str, target: str) -> str:
    """The relative URL of page `target` from page `source`, for a raw HTML link.

    Every generated page is the index.md of a folder of its own (tips/a/index.md),
    which `use_directory_urls` serves as that folder (tips/a/). The engines read a
    relative href in raw HTML differently: MkDocs leaves it as written, so the browser
    takes it relative to the page's URL; Zensical takes it relative to the page's
    source file and rewrites it for the page's URL. For an index.md the two folders
    are one, so the same href reaches the same page in both (tests/test_links.py)."""
    here, there = _folders(source), _folders(target)
    common = _shared(here, there)
    return "../" * (len(here) - common) + "".join(f"{f}/" for f in there[common:]) or "./"


@lru_cache(maxsize=65536)  # every page links to the same hubs; tip pages are many
def _folders(page: str) -> tuple[str, ...]:
    """The URL folders of a page: tips/a.md → (tips, a); situations/index.md → (situations,)."""
    stem = page.removesuffix(".md")
    stem = stem.removesuffix("index").rstrip("/") if posixpath.basename(stem) == "index" else stem
    return tuple(stem.split("/")) if stem else ()


def _shared(here: Sequence[str], there: Sequence[str]) -> int:
    """How many leading folders two paths share."""
    common = 0
    for mine, theirs in zip(here, there, strict=False):
        if mine != theirs:
            break
        common += 1
    return common


def link(label: str, source: str, target: str, *, css: str = "") -> str:
    """A Markdown link from page `source` to page `target` (both docs-relative .md paths).

    MkDocs checks these links (strict mode fails on a broken one) and turns
    them into relative URLs, so the site works under any sub-path.
    """
    suffix = f"{{ {css} }}" if css else ""
    return f"[{text(label)}]({_relative(target, source)}){suffix}"


def anchor_link(label: str, source: str, target: str, anchor: str) -> str:
    """A link to a heading id on another (or the same) page."""
    if target == source:
        return f"[{text(label)}](#{anchor})"
    return f"[{text(label)}]({_relative(target, source)}#{anchor})"


def _relative(target: str, source: str) -> str:
    return _relative_to_folder(target, posixpath.dirname(source) or ".")


@lru_cache(maxsize=65536)  # pages link to the same hubs from the same folders, many times
def _relative_to_folder(target: str, folder: str) -> str:
    """posixpath.relpath for our page paths (relative, normalised), without its
    abspath calls: at 10,000 tips the pages hold some 200,000 links."""
    if folder == ".":
        return target
    up, down = folder.split("/"), target.split("/")
    common = _shared(up, down[:-1])  # the file name is no folder
    return "/".join([".."] * (len(up) - common) + down[common:])


def front_matter(data: dict[str, Any], *, title: str | None = None) -> str:
    """A YAML front matter block; empty when there is nothing to say.

    A page whose title is content text names it here, HTML-escaped: the engines'
    templates put `page.meta.title` into `<title>` and the header as it is (and
    would unescape a title taken from the page's heading), so a title such as
    `</title><img onerror=…>` must arrive escaped. Each value is written as JSON,
    which YAML reads as the same value: a page per tip makes this a hot path, where
    yaml.dump took a tenth of page generation.
    """
    if title is not None:
        data = {"title": html(title), **data}
    if not data:
        return ""
    lines = "".join(f"{_json(key)}: {_json(value)}\n" for key, value in data.items())
    return f"---\n{lines}---\n\n"


# Characters YAML refuses even in quotes, or reads as line breaks; JSON's own escapes
# cover the control characters. (Not ensure_ascii: YAML would not rejoin the surrogate
# pairs JSON writes for characters beyond U+FFFF.)
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _json(value: Any) -> str:
    """`value` in JSON that YAML 1.1 reads back as the same value."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_json(str(k))}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(_json, value)) + "]"
    if isinstance(value, float):
        # YAML 1.1 wants a dot in a float: 1e-05 would be read as text.
        text = json.dumps(value, allow_nan=False)
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    text = json.dumps(value, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def long_date(date: dt.date) -> str:
    """`8 July 2014`, independent of the machine's locale."""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """Split a listing into pages of at most `size` items; always at least one page."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [items[:0]]


def page_path(base: str, number: int) -> str:
    """Page `number` of a paginated listing whose first page is `base` (…/index.md)."""
    if number == 1:
        return base
    return f"{posixpath.dirname(base)}/{number}/index.md"


def pager(source: str, base: str, number: int, total: int) -> str:
    """`Pages: 1 · 2 · 3  Next →` at the foot of a paginated listing."""
    if total <= 1:
        return ""
    items = []
    for n in range(1, total + 1):
        if n == number:
            items.append(f"**{n}**")
        else:
            items.append(link(str(n), source, page_path(base, n)))
    parts = ["Pages:", " · ".join(items)]
    if number > 1:
        parts.insert(0, link("← Previous", source, page_path(base, number - 1)))
    if number < total:
        parts.append(link("Next →", source, page_path(base, number + 1)))
    return "\n".join(parts) + "\n{ .tipkb-pager }\n"


def block(*parts: str) -> str:
    """Join Markdown blocks with blank lines, leaving out empty ones."""
    return "\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"
