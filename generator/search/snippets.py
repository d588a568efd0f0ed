"""Plain text and snippets: `plain_text` turns a tip's Markdown into one line of plain
text (what the index stores of a tip's body and summary), and `snippet` picks the
passage of such text with the most matching words, each wrapped in MARK, which a search
result shows (falling back to the summary, the title or the start of the text).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left

from generator.search.analysis import _SKIPPED, _TOKEN, _stem

MARK = "**"  # snippets wrap matching words in this (plain text, Markdown bold)
SNIPPET_CHARS = 200


_MD_LINK = re.compile(r"(?<!\\)!?\[((?:[^\]\\]|\\.)*)\]\([^)]*\)")  # not `\[x\](y)`
_MD_LINE = re.compile(r"(?m)^[ \t]{0,3}(?:#{1,6}|>|[-*+•]|\d{1,2}[.)])[ \t]+")


_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")


def plain_text(markdown: str) -> str:
    """Markdown → one line of plain text (links keep their words; no tags, entities or
    backslash escapes, which the importer writes for text such as `<b>` or `[x]`)."""
    text = _MD_LINK.sub(r"\1", markdown) if "](" in markdown else markdown
    text = _HTML_TAG.sub("", text) if "<" in text else text
    text = _MD_LINE.sub("", text).replace("*", "").replace("_", "").replace("`", "")
    text = _MD_ESCAPE.sub(r"\1", text) if "\\" in text else text
    return " ".join(html.unescape(text).split()) if "&" in text else " ".join(text.split())


def snippet(text: str, words: frozenset[str], width: int = SNIPPET_CHARS) -> str:
    """The passage of plain text with the most matching words, each wrapped in MARK; '' if none.

    words are indexed forms; the text's own words that have those forms are
    found once, then located with one regular expression.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters change length when lower-cased
        lowered = text
    forms = {
        w.lower() for w in set(_TOKEN.findall(lowered)) - _SKIPPED if _stem(w.lower()) in words
    }
    if not forms:
        return ""
    pattern = r"\b(?:" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + r")\b"
    hits = [m.span() for m in re.finditer(pattern, lowered, re.IGNORECASE)]
    starts = [a for a, _ in hits]
    best = max(range(len(hits)), key=lambda i: (bisect_left(starts, starts[i] + width) - i, -i))
    start = _word_start(text, max(0, hits[best][0] - width // 5))
    end = _word_end(text, min(len(text), start + width))
    out, pos = [], start
    for a, b in hits:
        if a >= start and b <= end:
            out += [text[pos:a], MARK, text[a:b], MARK]
            pos = b
    out.append(text[pos:end])
    return ("…" if start > 0 else "") + "".join(out).strip() + ("…" if end < len(text) else "")


def _word_start(text: str, pos: int) -> int:
    if pos == 0:
        return 0
    space = text.rfind(" ", 0, pos)
    return space + 1 if space >= 0 else 0


def _word_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return space if space > 0 else pos


def _best_snippet(parts: tuple[str, str, str], words: frozenset[str]) -> str:
    """A snippet of the body, else of the summary or title; else the start of either."""
    for part in parts:
        found = snippet(part, words)
        if found:
            return found
    fallback = parts[1] or parts[0]
    if len(fallback) <= SNIPPET_CHARS:
        return fallback
    return fallback[: _word_end(fallback, SNIPPET_CHARS)] + "…"
