"""How deeply a tip's Markdown nests its lists and quotes, checked before anything renders it.

Python-Markdown parses nested lists and quotes by recursion: a list nested a few
hundred levels deep passed `tipkb check` and then stopped the build with a
RecursionError. No tip needs more than a few levels, so `check` refuses a line
that starts with more than MAX_PREFIX characters of indentation, list markers
and quote markers, naming that line; the build never sees it.
"""

from __future__ import annotations

import re

MAX_PREFIX = 100  # characters before a line's text: some 25 levels of lists or quotes

# Indentation, bullets, `1.` or `1)` and `>`: each alternative takes at least one character
# and none can take what another does, so a match is linear in the line's length.
_PREFIX = re.compile(r"(?:[ \t]++|[>*+-]++|\d{1,9}[.)])*+")


def too_deep(text: str) -> tuple[int, str] | None:
    """(1-based line, message) of the first line nested too deeply, or None."""
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
