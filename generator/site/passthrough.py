"""A Markdown extension that passes the generator's own HTML blocks through untouched.

The generated pages are mostly HTML the generator has already made (a tip's rendered
and sanitized body, its chips, phrase cards and lists of tips). Python-Markdown finds
where a raw HTML block ends by parsing it with Python's HTMLParser, tag by tag, and
MkDocs parses the whole page once more for its anchors: at 2,000 tips that was half of
MkDocs' build, to learn what the generator already knew. So the generator writes each
such block between two marker lines (`raw()`), and this extension, listed in mkdocs.yml
(both engines render with Python-Markdown and load its extensions), hands the block to
Python-Markdown's store of raw HTML before either parser runs. The output is the same
HTML; an engine without the extension reads the markers as HTML comments and the
block as a raw HTML block, as before.

Only the generator writes a marker: a tip body's comments are removed by the sanitizer
and every other text from content is escaped (`<` becomes `&lt;`), so no content
can open or close a block, and a block is only what the generator has checked.
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

OPEN = "<!-- tipkb:html -->"
CLOSE = "<!-- /tipkb:html -->"
# After Python-Markdown's whitespace normalizing (30), before MkDocs' anchor parsing (21)
# and the raw HTML block parser (20).
PRIORITY = 25


def raw(html: str) -> str:
    """A block of checked HTML, between the marker lines."""
    return f"{OPEN}\n{html}\n{CLOSE}"


class _Passthrough(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if OPEN not in lines:
            return lines
        out: list[str] = []
        block: list[str] | None = None
        for line in lines:
            if block is None:
                if line == OPEN:
                    block = []
                else:
                    out.append(line)
            elif line == CLOSE:
                out += ["", self.md.htmlStash.store("\n".join(block)), ""]
                block = None
            else:
                block.append(line)
        if block is not None:  # no closing marker: left to the raw HTML parser, as written
            out += [OPEN, *block]
        return out


class PassthroughExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(_Passthrough(md), "tipkb_passthrough", PRIORITY)


def makeExtension(**kwargs: object) -> PassthroughExtension:
    return PassthroughExtension(**kwargs)
