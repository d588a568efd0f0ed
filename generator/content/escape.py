"""The one door for untrusted text: content text made safe for Markdown or HTML.

Titles, summaries, phrases and labels come from editors and from scraped pages,
which may hold anything. Wherever such text lands in a generated page (or the
importer writes it into a tip file), it passes through `text()` (Markdown) or
`html()` (raw HTML, an attribute value, a `<title>`), so it can neither open raw
HTML nor trigger Markdown syntax such as links or `{: attribute lists }`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

# Inline Markdown syntax, backslash-escaped: code, emphasis, links, attribute lists.
_MD_INLINE = re.compile(r"([\\`*_\[\]{}])")
# Syntax that only counts at the start of a block: headings, lists, numbered lists.
_MD_LEADING = re.compile(r"^(?:([#+-])|(\d+)\.)")


@lru_cache(maxsize=65536)  # a tip's title is written on a dozen pages at 10,000 tips
def text(value: str) -> str:
    """Content text → Markdown that renders exactly as that text, on one line."""
    value = " ".join(value.split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace("|", "&#124;")  # table cells
    value = _MD_INLINE.sub(r"\\\1", value)
    return _MD_LEADING.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\.", value)


@lru_cache(maxsize=65536)
def html(value: str) -> str:
    """Content text → HTML text or attribute value, on one line, for raw HTML blocks
    (Markdown is not parsed inside them, so only HTML needs escaping)."""
    return escape(" ".join(value.split()))
