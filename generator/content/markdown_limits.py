"""Markdown that Python-Markdown cannot render in good time, refused by `tipkb check` at its line.

Two shapes stop a build that `check` used to pass:

- Nesting: lists and quotes are parsed by recursion, so a list nested a few
  hundred levels deep stopped the build with a RecursionError. A line may start
  with at most MAX_PREFIX characters of indentation, list and quote markers.
- Long paragraphs full of brackets: each `[` (a link, perhaps) or `<` (HTML,
  perhaps) scans ahead through its paragraph, so 5,000 `[` took 9 s and 20,000
  took minutes. A paragraph may hold MAX_PARAGRAPH characters, MAX_BRACKETS `[`
  and MAX_TAGS `<`: a real tip's paragraph is far smaller and renders in
  milliseconds; one at every limit still renders in a fraction of a second.
- Many paragraphs full of marks: inline parsing slows down faster than the
  marks grow, so a whole body may hold MAX_MARKS of `< & * _ ` [ { ! \\`; a long,
  richly formatted tip has a few hundred.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_PREFIX = 100  # characters before a line's text: some 25 levels of lists or quotes
MAX_PARAGRAPH = 10_000  # characters: some 1,700 words
MAX_BRACKETS = 50  # `[` in one paragraph: links and footnotes
MAX_TAGS = 100  # `<` in one paragraph
MAX_MARKS = 5000  # inline marks in a whole body
_MARKS = re.compile(r"[<&*_`\[{!\\]")

# Indentation, bullets, `1.` or `1)` and `>`: each alternative takes at least one character
# and none can take what another does, so a match is linear in the line's length.
_PREFIX = re.compile(r"(?:[ \t]++|[>*+-]++|\d{1,9}[.)])*+")


def markdown_problem(text: str) -> tuple[int, str] | None:
    """(1-based line, message) of the first thing Markdown cannot render in good time, or None."""
    return _too_deep(text) or _too_costly(text) or _too_many_marks(text)


def _too_many_marks(text: str) -> tuple[int, str] | None:
    for count, mark in enumerate(_MARKS.finditer(text), start=1):
        if count > MAX_MARKS:
            return text.count("\n", 0, mark.start()) + 1, (
                f"the tip holds more than {MAX_MARKS:,} of the marks < & * _ ` [ {{ ! \\ "
                "by this line; a tip is prose: remove them or split the tip"
            )
    return None


def _too_deep(text: str) -> tuple[int, str] | None:
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) <= MAX_PREFIX:
            continue  # most lines: too short to be nested that deep
        width = len(_PREFIX.match(line).group().expandtabs(4))  # type: ignore[union-attr]
        if width > MAX_PREFIX and line.strip():
            return number, (
                f"lists or quotes nested too deeply ({width} characters of indentation and "
                f"markers before the text; at most {MAX_PREFIX}): flatten the list"
            )
    return None


def _too_costly(text: str) -> tuple[int, str] | None:
    for number, paragraph in _paragraphs(text):
        if len(paragraph) > MAX_PARAGRAPH:
            return number, (
                f"a paragraph of {len(paragraph):,} characters (at most {MAX_PARAGRAPH:,}); "
                "split it with blank lines"
            )
        for char, limit, what in (("[", MAX_BRACKETS, "links"), ("<", MAX_TAGS, "HTML tags")):
            if paragraph.count(char) > limit:
                return number, (
                    f"a paragraph with {paragraph.count(char):,} '{char}' (at most {limit}); "
                    f"use fewer {what}, or split the paragraph with blank lines"
                )
    return None


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of each run of non-blank lines."""
    first, lines = 0, []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            first = first or number
            lines.append(line)
        elif lines:
            yield first, "\n".join(lines)
            first, lines = 0, []
    if lines:
        yield first, "\n".join(lines)
