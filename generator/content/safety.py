"""The one place a tip's Markdown becomes HTML, and the one allow-list it passes.

A tip body is Markdown, and Markdown passes raw HTML through: an editor's (or a
pasted) `<svg onload=…>`, an `onerror=` split over two lines, an attribute list
`{: onmouseover=… }` or a `javascript:` link hidden behind entities would reach
every reader of the intranet. Lists of patterns lose that race, so the body is
rendered here and passed through nh3 (the Rust sanitizer ammonia, built on a
browser-grade HTML parser): only the tags, attributes and URL schemes below
survive, whatever engine then renders the site. The generator embeds the result
as a raw HTML block, which the engines pass through untouched.

`tipkb check` asks the same sanitizer: whatever it would remove from a body is
reported on its line, so editors learn what not to write.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3

# The same Markdown an editor previews, less what has no place in a tip body.
EXTENSIONS = ("admonition", "attr_list", "md_in_html", "tables", "toc")

TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
)
_HEADINGS = {f"h{n}": {"id"} for n in range(1, 7)}  # ids only where the TOC puts them
ATTRIBUTES = {
    "*": {"class", "title"},
    **_HEADINGS,
    "a": {"href"},  # and target="_blank", below
    "details": {"open"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_URL_ATTRIBUTES = frozenset({"href", "src"})
# Removed with their content, not just unwrapped: their text is code, not prose.
_DROPPED_WHOLE = frozenset({"script", "style"})


def _same_site_images(tag: str, attribute: str, value: str) -> str | None:
    """Images only from the site itself: the intranet has no internet, and an outside
    image would tell its host who read which tip."""
    if tag == "img" and attribute == "src":
        parts = urlsplit(value.strip())
        return None if parts.scheme or parts.netloc else value
    return value


_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags=set(_DROPPED_WHOLE),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    attribute_filter=_same_site_images,
    url_schemes=set(URL_SCHEMES),
    filter_style_properties={"text-align"},  # what Markdown tables write for alignment
    tag_attribute_values={"a": {"target": {"_blank"}}},
    link_rel="noopener noreferrer",  # a new tab may not reach back into the site
    strip_comments=True,
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags=set(_DROPPED_WHOLE), strip_comments=True)


def render_body(body: str) -> str:
    """A tip's Markdown body as sanitized HTML."""
    return clean(_markdown(body))


def plain_text(rendered: str) -> str:
    """The text of rendered, sanitized HTML on one line, tags dropped and entities decoded
    (plain text: escape it again wherever it is written into a page)."""
    # A space before each tag, so that words of two paragraphs do not run together.
    return " ".join(unescape(_TEXT_ONLY.clean(rendered.replace("<", " <"))).split())


def clean(html: str) -> str:
    """HTML with everything outside the allow-list removed."""
    return _CLEANER.clean(html)


@lru_cache(maxsize=1)
def _renderer() -> markdown.Markdown:
    return markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")


def _markdown(body: str) -> str:
    renderer = _renderer()
    try:
        return renderer.reset().convert(_defuse(body))
    finally:
        renderer.reset()


def _defuse(text: str) -> str:
    """Text that Python's HTML parser (under Python-Markdown) reads in linear time.

    That parser scans to the end of the text for every tag or comment that is never
    closed, so 20 KB of `<a <a <a` took 13 s. HTML comments are dropped (the
    sanitizer would drop them anyway), and a `<` that would open a tag no `>` closes
    before the next `<`, or a declaration, is written as text: what it would have
    opened is no tag a tip needs, and the sanitizer sees the rest.
    """
    text = _without_comments(text)
    pieces = text.split("<")
    out = [pieces[0]]
    for piece in pieces[1:]:
        first = piece[:1]
        opens = first.isascii() and (first.isalpha() or first in "/!?")
        out.append("&lt;" if opens and (first in "!?" or ">" not in piece) else "<")
        out.append(piece)
    return _close_links("".join(out))


def _close_links(text: str) -> str:
    """Likewise for links: Python-Markdown scans to the end of the paragraph for the
    `)` of every `[text](`, so a `](` that no `)` closes before the next one is text."""
    pieces = text.split("](")
    out = [pieces[0]]
    for piece in pieces[1:-1]:
        out.append(("](" if ")" in piece else "]\\(") + piece)
    if len(pieces) > 1:
        out.append("](" + pieces[-1])
    return "".join(out)


def visible(body: str) -> str:
    """The body as readers see it: without HTML comments, which are notes to editors
    (one left open runs to the end of the body)."""
    if "<!--" not in body:
        return body
    text = _without_comments(body, " ")
    opening = text.find("<!--")
    return text if opening == -1 else text[:opening] + " "


def _without_comments(text: str, gap: str = "") -> str:
    """The text with each closed `<!-- … -->` comment replaced by `gap`; each search
    starts where the last ended, so the scan is linear."""
    kept, start = [], 0
    while (opening := text.find("<!--", start)) != -1:
        closing = text.find("-->", opening + 4)
        if closing == -1:
            break
        kept.append(text[start:opening])
        start = closing + 3
    kept.append(text[start:])
    return gap.join(kept)


# Nothing in a body can become a tag, an attribute or a URL without one of these:
# raw HTML and autolinks need '<', entities '&', attribute lists '{', links ']'.
_MAY_HOLD_MARKUP = re.compile(r"[<&{\]]")


def unsafe_markup(body: str) -> list[tuple[int, str]]:
    """(line within body, message) for everything the sanitizer would remove.

    The body must have passed generator.markdown_limits, which keeps its rendering quick.
    """
    if not _MAY_HOLD_MARKUP.search(body):
        return []  # the usual case: plain prose
    found = [(_line_of(body, needle), message) for needle, message in _removals(body)]
    return sorted(dict.fromkeys(found))


def _removals(markdown_text: str) -> list[tuple[str, str]]:
    raw = _markdown(markdown_text)
    return _removed(_Tags.of(raw), _Tags.of(_CLEANER.clean(raw)))


def _removed(raw: _Tags, kept: _Tags) -> list[tuple[str, str]]:
    """(text to find in the body, message) for each tag or attribute that was removed."""
    gone = raw.tags - kept.tags
    found = [(f"<{tag}", f"raw <{tag}> HTML is not allowed in a tip; {_INSTEAD}") for tag in gone]
    for tag, name, value in raw.attributes - kept.attributes:
        if tag not in gone:  # else the tag's own line is reported already
            found.append(_attribute_problem(tag, name, value))
    return found


_INSTEAD = "write plain Markdown"


def _attribute_problem(tag: str, name: str, value: str) -> tuple[str, str]:
    if name.startswith("on"):
        return name, f"HTML event attribute '{name}=' is not allowed in a tip; remove it"
    if name in _URL_ATTRIBUTES and value:
        if tag == "img":
            return value, f"image '{_short(value)}' is not allowed: show only images of the site"
        scheme = urlsplit("".join(value.split())).scheme.lower()
        what = f"'{scheme}:' links" if scheme else f"the link '{_short(value)}'"
        return value, f"{what} are not allowed in a tip; link to an http(s) page or another tip"
    return name, f"HTML attribute '{name}=' on <{tag}> is not allowed in a tip; remove it"


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


class _Tags(HTMLParser):
    """The start tags of an HTML fragment, and their attributes with entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[tuple[str, str, str]] = set()

    @classmethod
    def of(cls, html: str) -> _Tags:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update((tag, name, _value(name, value or "")) for name, value in attrs)

    handle_startendtag = handle_starttag


def _value(name: str, value: str) -> str:
    """An attribute value as the sanitizer writes it back: it rewrites kept styles."""
    return "".join(value.split()).rstrip(";") if name == "style" else value


def _line_of(body: str, needle: str) -> int:
    """The first body line holding `needle` (any case, entities decoded); else the first
    line that is unsafe on its own; else line 1 (the message still names the problem)."""
    lines = body.split("\n")
    folded = needle.lower()
    span = folded.count("\n") + 1  # an attribute value may run over lines
    for number in range(1, len(lines) + 1):
        if folded in unescape("\n".join(lines[number - 1 : number - 1 + span])).lower():
            return number
    for number, line in enumerate(lines, start=1):
        if _MAY_HOLD_MARKUP.search(line) and _removals(line):
            return number
    return 1
