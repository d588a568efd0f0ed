"""Pathological inputs end quickly and cleanly: a `path:line:` message, never a hang or a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from generator.importer import escape_markdown, import_pages

LONG = 200_000  # characters on one line: a quadratic pattern takes minutes on it
SECONDS = 5.0  # what the slowest case may take; a linear one takes well under one

PATTERNS = [
    *"<[*_-•. ",
    "data: ",
    "&#",
    "](",
    "[](",
    "Posted on in ",
    "Read more ",
    "http://",
    "&a",
    "- 1/1/14 ",
]
SHAPES = {
    "title": "Header - Page 1\n\n{line}x – 7/8/14\n\nPosted on in Tips\n\nStart.\n",
    "header": "{line}x\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart.\n",
    "body": "Header\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart. {line}x end.\n",
    "cut-off body": "Header\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart. {line}x\n",
    "bullet": "Header\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart.\n• {line}x end.\n",
    "teaser": "Header\n\nA Title\n\n{line}x Read more\n",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_long_line_is_imported_in_linear_time(tmp_path: Path, pattern: str, shape: str) -> None:
    line = (pattern * (LONG // len(pattern) + 1))[:LONG]
    page = tmp_path / "page.txt"
    page.write_text(SHAPES[shape].format(line=line), encoding="utf-8")
    start = time.perf_counter()
    import_pages([page], tmp_path / "content")
    assert time.perf_counter() - start < SECONDS


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("[x](javascript:alert(1))", "[x](javascript&#58;alert(1))"),
        ("[x]( DATA :text/html,1)", "[x]( DATA &#58;text/html,1)"),
        ("href=vbscript:x", "href=vbscript&#58;x"),
        ("Data: the numbers, and [a](data:x)", "Data: the numbers, and [a](data&#58;x)"),
        ("Data: the numbers", "Data: the numbers"),
    ],
)
def test_link_schemes_are_escaped_prose_is_not(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped
