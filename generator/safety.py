"""Refuse Markdown that could run script on an intranet page.

Markdown passes raw HTML through, so an editor's (or a pasted) `<script>`,
`onerror=` attribute or `javascript:` link would reach every reader. Imported
text is escaped by the importer; this check guards what editors write.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"<\s*/?\s*(script|iframe|object|embed|style|form|meta|link|base)\b", re.I),
        "raw <{0}> HTML is not allowed in a tip; write plain Markdown",
    ),
    (
        re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I),
        "HTML event attribute '{0}=' is not allowed in a tip; write plain Markdown",
    ),
    (
        re.compile(r"(javascript|vbscript|data)\s*:", re.I),
        "'{0}:' links are not allowed in a tip; link to an http(s) page or another tip",
    ),
)
# Only URLs count for the scheme rule, not prose like "Data: the numbers…".
_URL_CONTEXT = re.compile(r"(\]\(\s*<?|href\s*=\s*[\"']?|src\s*=\s*[\"']?|<)\s*$", re.I)


def unsafe_markup(body: str) -> list[tuple[int, str]]:
    """(line within body, message) for every unsafe construct in a Markdown body."""
    if not any(pattern.search(body) for pattern, _ in _RULES):
        return []  # the usual case: one fast scan of the whole body
    found = []
    for number, line in enumerate(body.splitlines(), start=1):
        for pattern, message in _RULES:
            for match in pattern.finditer(line):
                if pattern is _RULES[2][0] and not _URL_CONTEXT.search(line[: match.start()]):
                    continue
                found.append((number, message.format(match.group(1).lower())))
    return list(dict.fromkeys(found))  # `<script>…</script>` on one line is one problem
