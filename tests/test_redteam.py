"""Red team: hostile content is refused by `tipkb check`, or inert on the built site.

Every payload is put where an editor or the importer could put it (a tip's Markdown
body, its title, summary, a phrase or a category, a taxonomy label, synonym or
description, a scraped page fed to the importer). Then it must be EITHER

- rejected: `check_all` raises ContentError with an error Problem whose path is
  the file holding the payload and whose line is >= 1 (for a body payload: a line
  of the payload itself); OR
- inert: nothing on any built page that the clean fixture build does not have
  too: no `on*` attribute, no URL attribute that would run script (`javascript:`,
  `vbscript:`, `data:`), no script/iframe/object/embed/form/style/base/math/link
  element, no `<meta http-equiv>`, no animating or scripting element inside
  `<svg>`, exactly one `<title>` with nothing parsed inside it, and no new
  element in `<head>`.

The HTML is read with Python's html.parser, made to parse like a browser where the
two differ in ways attackers use (raw-text elements such as <noscript>, `<!-->`
comments, `<![CDATA[` outside SVG, <style>/<script> inside SVG or MathML). Each
payload's `alert(1)` is numbered (`alert(1007)`), so a finding on a shared page
(a hub, the phrase book) is charged to the payload that caused it.

Both builds (the clean fixture, and the fixture plus every accepted payload) run
once per module. A browser test opens every payload page in Chromium and pokes at
it; property tests throw random tip files and scraped pages at the checks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import signal
import tempfile
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_build import serve_sub_path

from benchmarks import browser as site_browser
from benchmarks.browser import ARGS as BROWSER_ARGS
from benchmarks.browser import CHROMIUM
from generator.build import build
from generator.content.load import check_all
from generator.errors import ContentError, InputError, Problem, TipkbError
from generator.importing.write import import_pages

HERE = Path(__file__).parent
REPO = HERE.parent
FIXTURE = HERE / "fixtures" / "site"
CONFIG = REPO / "mkdocs.yml"
TODAY = dt.date(2025, 6, 1)  # as in test_build: the fixture's draft and 2099 tip stay out

# Where a payload goes.
BODY = "body"  # the Markdown body of an editor's tip
TITLE = "title"  # front matter
SUMMARY = "summary"
PHRASE = "phrase"  # phrases: [{text: ..., situations: [...]}]
CATEGORY = "category"
LABEL = "label"  # taxonomy.yml: a new situation's label
SYNONYM = "synonym"  # ... one of its synonyms
DESCRIPTION = "description"  # ... its description
IMPORT = "import"  # the body of a post on a scraped page, through import_pages
IMPORT_TITLE = "import-title"  # the title line of that post
TIP_PLACES = (BODY, TITLE, SUMMARY, PHRASE, CATEGORY)
TAXONOMY_PLACES = (LABEL, SYNONYM, DESCRIPTION)
IMPORT_PLACES = (IMPORT, IMPORT_TITLE)

# (id, place, text). `alert(1)` is numbered per row before use.
PAYLOADS: list[tuple[str, str, str]] = [
    # --- raw HTML in the body
    ("script-tag", BODY, "<script>alert(1)</script>"),
    ("svg-onload", BODY, "<svg/onload=alert(1)>"),
    ("img-onerror-split-lines", BODY, "<img src=x\nonerror=alert(1)>"),
    ("img-event-equals-next-line", BODY, "<img src=x onerror\n=alert(1)>"),
    ("img-no-space-before-event", BODY, '<img src="x"onerror="alert(1)">'),
    ("img-slash-before-event", BODY, "<img/src=x/onerror=alert(1)>"),
    ("img-in-list-item", BODY, "- first\n- <img src=x onerror=alert(1)>\n- last"),
    ("img-in-table-cell", BODY, "| a | b |\n| --- | --- |\n| <img src=x onerror=alert(1)> | c |"),
    ("a-href-tab-entity", BODY, '<a href="jav&#x09;ascript:alert(1)">x</a>'),
    ("a-href-tab-named-entity", BODY, '<a href="jav&Tab;ascript:alert(1)">x</a>'),
    ("a-href-newline-in-scheme", BODY, '<a href="java\nscript:alert(1)">x</a>'),
    ("a-href-leading-space", BODY, '<a href=" javascript:alert(1)">x</a>'),
    ("a-href-unquoted", BODY, "<a href=javascript:alert(1)>x</a>"),
    ("a-href-uppercase", BODY, '<a href="JaVaScRiPt:alert(1)">x</a>'),
    ("a-href-colon-entity", BODY, '<a href="javascript&#58;alert(1)">x</a>'),
    ("a-href-colon-hex-entity", BODY, '<a href="javascript&#x3A;alert(1)">x</a>'),
    (
        "a-href-padded-decimal-entities",
        BODY,
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
        '&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
    ),
    ("a-href-nul-entity", BODY, '<a href="java&#0;script:alert(1)">x</a>'),
    ("a-href-data-html", BODY, '<a href="data:text/html,<script>alert(1)</script>">x</a>'),
    ("a-href-vbscript", BODY, '<a href="vbscript:alert(1)">x</a>'),
    ("a-target-blank-javascript", BODY, '<a target="_blank" href="javascript:alert(1)">x</a>'),
    (
        "svg-animate-href",
        BODY,
        '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
    ),
    (
        "svg-a-animate-href",
        BODY,
        "<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>x</text></a></svg>",
    ),
    (
        "svg-a-set-href",
        BODY,
        "<svg><a><set attributeName=href to=javascript:alert(1) /><text x=20 y=20>x</text></a></svg>",
    ),
    (
        "svg-a-xlink-href",
        BODY,
        '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    ),
    ("svg-script", BODY, "<svg><script>alert(1)</script></svg>"),
    ("svg-style-mxss", BODY, "<svg><style><img src=x onerror=alert(1)></style></svg>"),
    ("svg-discard-onbegin", BODY, "<svg><discard onbegin=alert(1) /></svg>"),
    (
        "math-mglyph-style-mxss",
        BODY,
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ),
    (
        "form-math-mxss",
        BODY,
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    ),
    ("iframe-srcdoc", BODY, '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    ("iframe-src-javascript", BODY, '<iframe src="javascript:alert(1)"></iframe>'),
    ("object-data-javascript", BODY, '<object data="javascript:alert(1)"></object>'),
    ("embed-src-javascript", BODY, '<embed src="javascript:alert(1)">'),
    (
        "form-action-javascript",
        BODY,
        '<form action="javascript:alert(1)"><button>go</button></form>',
    ),
    ("button-formaction", BODY, '<button formaction="javascript:alert(1)">go</button>'),
    ("base-href", BODY, '<base href="javascript:alert(1)//">'),
    ("meta-refresh", BODY, '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("details-ontoggle", BODY, "<details open ontoggle=alert(1)><summary>x</summary>y</details>"),
    ("input-autofocus-onfocus", BODY, "<input autofocus onfocus=alert(1)>"),
    ("body-onload", BODY, "<body onload=alert(1)>"),
    ("audio-onerror", BODY, "<audio src=x onerror=alert(1)></audio>"),
    ("marquee-onstart", BODY, "<marquee onstart=alert(1)>x</marquee>"),
    (
        "link-rel-import",
        BODY,
        '<link rel="import" href="data:text/html,<script>alert(1)</script>">',
    ),
    ("img-srcset-javascript", BODY, '<img src="x.png" srcset="javascript:alert(1) 1x">'),
    ("style-attr-css-url", BODY, '<p style="background:url(javascript:alert(1))">x</p>'),
    ("style-element-import", BODY, "<style>@import 'javascript:alert(1)'</style>"),
    (
        "noscript-title-mxss",
        BODY,
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    ),
    ("comment-breakout", BODY, "<!--><img src=x onerror=alert(1)>-->"),
    ("comment-dash-breakout", BODY, "<!---><img src=x onerror=alert(1)>-->"),
    ("cdata-breakout", BODY, "<![CDATA[><img src=x onerror=alert(1)>]]>"),
    ("nested-script-strip", BODY, "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("unclosed-img-at-end", BODY, "<img src=x onerror=alert(1)//"),
    ("md-in-html-onclick", BODY, '<div markdown="1" onclick="alert(1)">x</div>'),
    ("md-in-html-link", BODY, '<div markdown="1">\n[x](javascript:alert(1))\n</div>'),
    ("html-in-admonition-title", BODY, '!!! note "<img src=x onerror=alert(1)>"\n    text'),
    ("html-in-heading", BODY, "## <img src=x onerror=alert(1)>"),
    # the passthrough's markers (generator.site.passthrough), which only the generator may write
    (
        "passthrough-close-and-reopen",
        BODY,
        "<!-- /tipkb:html -->\n<img src=x onerror=alert(1)>\n<!-- tipkb:html -->",
    ),
    ("passthrough-fenced", BODY, "```\n<!-- tipkb:html -->\n<svg onload=alert(1)>\n```"),
    ("passthrough-title", TITLE, "<!-- tipkb:html --><img src=x onerror=alert(1)>"),
    ("passthrough-phrase", PHRASE, "<!-- /tipkb:html --><svg onload=alert(1)>"),
    ("passthrough-description", DESCRIPTION, "<!-- tipkb:html -->\n<img src=x onerror=alert(1)>"),
    # --- Markdown that makes links, images and attributes
    ("ref-link-javascript", BODY, "[x][r]\n\n[r]: javascript:alert(1)"),
    ("ref-link-angle-javascript", BODY, "[x][r]\n\n[r]: <javascript:alert(1)>"),
    ("md-link-javascript", BODY, "[x](javascript:alert(1))"),
    ("md-link-spaces", BODY, "[x]( javascript:alert(1) )"),
    ("md-link-uppercase", BODY, "[x](JaVaScRiPt:alert(1))"),
    ("md-link-entity-j", BODY, "[x](&#106;avascript:alert(1))"),
    (
        "md-link-all-hex-entities",
        BODY,
        "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    ),
    ("md-link-tab-entity", BODY, "[x](java&#9;script:alert(1))"),
    ("md-link-colon-entity", BODY, "[x](javascript&colon;alert(1))"),
    ("md-link-double-encoded", BODY, "[x](&amp;#106;avascript:alert(1))"),
    ("md-link-nul-byte", BODY, "[x](java\x00script:alert(1))"),
    ("md-link-vbscript", BODY, "[x](vbscript:alert(1))"),
    (
        "md-link-data-base64",
        BODY,
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ),
    (
        "md-link-title-breakout",
        BODY,
        '[x](https://example.com "a&quot; onmouseover=&quot;alert(1)")',
    ),
    ("md-image-javascript", BODY, "![x](javascript:alert(1))"),
    ("autolink-javascript", BODY, "<javascript:alert(1)>"),
    ("attr-list-after-paragraph", BODY, 'Some text\n{: onmouseover="alert(1)" }'),
    ("attr-list-after-heading", BODY, '## Heading {: onmouseover="alert(1)" }'),
    ("attr-list-heading-braces", BODY, "## Heading { #h onmouseover=alert(1) }"),
    ("attr-list-on-link-href", BODY, '[x](https://example.com){: href="javascript:alert(1)" }'),
    ("attr-list-on-link-onclick", BODY, '[x](https://example.com){: onclick="alert(1)" }'),
    ("attr-list-on-image", BODY, '![x](x.png){: onerror="alert(1)" }'),
    ("attr-list-style", BODY, 'Text\n{: style="background:url(javascript:alert(1))" }'),
    ("code-span-script", BODY, "Type `<script>alert(1)</script>` to see it."),
    ("fenced-code-script", BODY, "```\n<script>alert(1)</script>\n```"),
    # --- front matter
    ("title-closes-title", TITLE, "</title><img src=x onerror=alert(1)>"),
    ("title-script", TITLE, "<script>alert(1)</script>"),
    ("title-attribute-breakout", TITLE, '"><svg onload=alert(1)>'),
    ("title-md-link", TITLE, "[x](javascript:alert(1))"),
    ("title-attr-list", TITLE, 'Title {: onclick="alert(1)" }'),
    ("title-entities", TITLE, "&lt;img src=x onerror=alert(1)&gt;"),
    ("summary-img", SUMMARY, "<img src=x onerror=alert(1)>"),
    ("summary-closes-title", SUMMARY, "</title><script>alert(1)</script>"),
    ("summary-attribute-breakout", SUMMARY, '"><img src=x onerror=alert(1)>'),
    ("summary-md-link", SUMMARY, "[x](javascript:alert(1))"),
    ("phrase-img", PHRASE, "<img src=x onerror=alert(1)>"),
    ("phrase-attribute-breakout", PHRASE, '"><svg onload=alert(1)>'),
    ("phrase-single-quote-breakout", PHRASE, "'><svg onload=alert(1)>"),
    ("phrase-md-link", PHRASE, "[x](javascript:alert(1))"),
    ("category-img", CATEGORY, "<img src=x onerror=alert(1)>"),
    # --- taxonomy.yml
    ("label-img", LABEL, "<img src=x onerror=alert(1)>"),
    ("label-attribute-breakout", LABEL, '"><svg onload=alert(1)>'),
    ("label-closes-title", LABEL, "</title><script>alert(1)</script>"),
    ("synonym-img", SYNONYM, "<img src=x onerror=alert(1)>"),
    ("synonym-attribute-breakout", SYNONYM, '"><svg onload=alert(1)>'),
    ("description-img", DESCRIPTION, "<img src=x onerror=alert(1)>"),
    # --- scraped pages, through the importer
    ("import-script", IMPORT, "<script>alert(1)</script>"),
    ("import-img-onerror", IMPORT, "<img src=x onerror=alert(1)>"),
    ("import-md-link", IMPORT, "[x](javascript:alert(1))"),
    ("import-md-link-entity", IMPORT, "[x](&#106;avascript:alert(1))"),
    ("import-md-link-tab-entity", IMPORT, "[x](java&#9;script:alert(1))"),
    ("import-md-link-colon-entity", IMPORT, "[x](javascript&colon;alert(1))"),
    ("import-autolink", IMPORT, "<javascript:alert(1)>"),
    ("import-ref-link", IMPORT, "[x][r] and [r]: javascript:alert(1)"),
    ("import-attr-list", IMPORT, 'Some text {: onmouseover="alert(1)" }'),
    ("import-attr-list-line", IMPORT, 'Some text\n{: onmouseover="alert(1)" }'),
    ("import-admonition", IMPORT, '!!! note "x" onclick="alert(1)"'),
    ("import-comment-breakout", IMPORT, "<!--><img src=x onerror=alert(1)>-->"),
    ("import-title-img", IMPORT_TITLE, "<img src=x onerror=alert(1)>"),
    ("import-title-closes-title", IMPORT_TITLE, "</title><script>alert(1)</script>"),
]

# Legitimate input that must be accepted and must render: (id, place, text, expected).
# Expected: ("tag", name, {attribute: value}) an element with those attributes, or
# ("text", s) text s on the page (after entities are decoded).
LEGIT: list[tuple[str, str, str, list[tuple]]] = [
    (
        "ok-https-link",
        BODY,
        "Read [the help page](https://example.com/help) first.",
        [("tag", "a", {"href": "https://example.com/help"}), ("text", "the help page")],
    ),
    (
        "ok-emphasis",
        BODY,
        "Say it *calmly* and **clearly**.",
        [("tag", "em", {}), ("tag", "strong", {}), ("text", "calmly")],
    ),
    (
        "ok-list",
        BODY,
        "Steps:\n\n- listen\n- repeat it back\n- resolve",
        [("tag", "ul", {}), ("tag", "li", {}), ("text", "repeat it back")],
    ),
    (
        "ok-table",
        BODY,
        "| Say | Avoid |\n| --- | --- |\n| I can help | Calm down |",
        [("tag", "table", {}), ("tag", "td", {}), ("text", "Calm down")],
    ),
    (
        "ok-prose-data",
        BODY,
        "data: the numbers show that callers hang up after two minutes.",
        [("text", "data: the numbers show")],
    ),
    (
        "ok-prose-javascript",
        BODY,
        "javascript: not a link, just a word an engineer might say.",
        [("text", "javascript: not a link")],
    ),
    ("ok-less-greater", BODY, "a < b and c > d", [("text", "a < b and c > d")]),
    (
        "ok-code-span",
        BODY,
        "Type `a < b` into the box.",
        [("tag", "code", {}), ("text", "a < b")],
    ),
    ("ok-heading", BODY, "## What to do next\n\nCall back.", [("tag", "h2", {})]),
    (
        "ok-target-blank",
        BODY,
        '<a href="https://example.com/policy" target="_blank">our policy</a>',
        [("tag", "a", {"href": "https://example.com/policy"}), ("text", "our policy")],
    ),
    (
        "ok-title-prose",
        TITLE,
        "Data: what javascript: users say when a < b",
        [("text", "Data: what javascript: users say when a < b")],
    ),
    (
        "ok-phrase-punctuation",
        PHRASE,
        'Say "sorry" & mean it <really>',
        [("text", 'Say "sorry" & mean it <really>')],
    ),
    (
        "ok-summary-prose",
        SUMMARY,
        "Data: the numbers; javascript: not a link.",
        [("text", "Data: the numbers; javascript: not a link.")],
    ),
]

# A summary is shown only for the newest tip, on the home page ("This week's tip"):
# the legit summary row is that tip. The hostile summaries are checked all the same,
# and are exercised on whatever page comes to show summaries.
SHOWN_SUMMARY = "ok-summary-prose"
THIS_WEEK = "2025-05-31"

pytestmark = pytest.mark.slow


# --- what makes a page unsafe ----------------------------------------------------------------

BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "srcdoc",
        "values",
        "to",
        "from",
        "by",
        "srcset",
        "poster",
        "background",
        "lowsrc",
        "dynsrc",
        "ping",
        "codebase",
    }
)
ACTIVE_ELEMENTS = frozenset(
    {
        "script",
        "iframe",
        "object",
        "embed",
        "math",
        "base",
        "form",
        "style",
        "link",
        "frame",
        "frameset",
        "applet",
        "portal",
    }
)
SVG_ACTIVE = frozenset(
    {"script", "animate", "animatemotion", "animatetransform", "set", "foreignobject", "handler"}
)
# Elements whose content a browser (with scripting on) reads as text, not markup.
RAW_TEXT = frozenset({"noscript", "xmp", "noembed", "noframes", "iframe", "textarea", "plaintext"})
# HTML start tags that end SVG or MathML content (HTML's "breakout" list).
BREAKOUT = frozenset(
    [
        "b",
        "big",
        "blockquote",
        "body",
        "br",
        "center",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "hr",
        "i",
        "img",
        "li",
        "listing",
        "menu",
        "meta",
        "nobr",
        "ol",
        "p",
        "pre",
        "ruby",
        "s",
        "small",
        "span",
        "strong",
        "strike",
        "sub",
        "sup",
        "table",
        "tt",
        "u",
        "ul",
        "var",
    ]
)
_CONTROLS = re.compile(r"[\x00-\x20\x7f]+")
_STYLE_BAD = re.compile(r"javascript:|vbscript:|expression\(|-moz-binding|behavior:|@import")
_COMMENT_END = re.compile(r"--!?>")


def scheme_text(value: str) -> str:
    """A URL as a browser reads its scheme: no ASCII whitespace or controls, lower case."""
    return _CONTROLS.sub("", value).lower()


def _normal(value: str) -> str:
    """Attribute values and script text of the theme without the page's depth (`../..`)."""
    return re.sub(r"[./]+", "/", value)


def _url_parts(name: str, value: str) -> list[str]:
    if name == "values":
        return value.split(";")
    if name == "srcset":
        return [candidate.strip().split(" ")[0] for candidate in value.split(",")]
    return [value]


@dataclass(frozen=True)
class Finding:
    """Something on a page that could run script; `signature` compares it with the theme's."""

    rule: str
    signature: tuple[str, ...]
    evidence: str
    page: str = ""

    def __str__(self) -> str:
        return f"{self.page}: {self.rule}: {self.evidence[:400]!r}"


class Scanner(HTMLParser):
    """Every Finding of one HTML page, plus its elements and text for the legit checks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[Finding] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.titles: list[str] = []
        self._in_title = False
        self._in_head = False
        self._foreign: list[str] = []  # open elements since the outermost <svg>/<math>
        self._raw: list[str] | None = None  # the open <script>/<style>: rule, tag, source, shape
        self._raw_text: list[str] = []

    # Parse like a browser where html.parser does not.

    def set_cdata_mode(self, elem: str) -> None:
        if not self._foreign:  # <style> and <script> in SVG or MathML hold markup
            super().set_cdata_mode(elem)

    def parse_comment(self, i: int, report: int = 1) -> int:
        rawdata = self.rawdata
        for empty in ("<!-->", "<!--->"):  # whole comments for a browser
            if rawdata.startswith(empty, i):
                return i + len(empty)
        match = _COMMENT_END.search(rawdata, i + 4)
        if not match:
            return -1
        return match.end()

    def parse_html_declaration(self, i: int) -> int:
        if self.rawdata.startswith("<![", i) and not self._foreign:
            return self.parse_bogus_comment(i)  # CDATA is a bogus comment in HTML content
        return super().parse_html_declaration(i)

    # Elements.

    def _add(self, rule: str, signature: tuple[str, ...], evidence: str) -> None:
        self.findings.append(Finding(rule, (rule, *signature), evidence))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        source = self.get_starttag_text() or f"<{tag}>"
        values = [(name, value or "") for name, value in attrs]
        named = dict(values)
        shape = tuple(f"{name}={_normal(value)}" for name, value in sorted(values))
        self.elements.append((tag, named))
        if self._foreign and tag in BREAKOUT:
            self._foreign.clear()
        foreign = bool(self._foreign)
        if self._in_title:
            self._add("element inside <title>", (tag, *shape), source)
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        elif self._in_head:
            kind = tuple(named.get(k, "") for k in ("rel", "name", "http-equiv", "property"))
            self._add("element in <head>", (tag, ",".join(sorted(named)), *kind), source)
        if tag == "title" and not foreign:
            self.titles.append("")
            self._in_title = True
        for name, value in values:
            if name.startswith("on"):
                self._add("event attribute", (tag, name, _normal(value)), source)
            if name in URL_ATTRIBUTES:
                for part in _url_parts(name, value):
                    url = scheme_text(part)
                    if url.startswith(BAD_SCHEMES):
                        self._add("script URL", (tag, name, _normal(url)), source)
            if name == "style" and _STYLE_BAD.search(scheme_text(value)):
                self._add("script in style attribute", (tag, _normal(value)), source)
        svg = "svg" in self._foreign
        active = tag in ACTIVE_ELEMENTS or (tag == "meta" and "http-equiv" in named)
        if svg and tag in SVG_ACTIVE:
            self._add("active element in <svg>", (tag, *shape), source)
        elif active and tag in ("script", "style") and not foreign:
            self._raw = ["active element", tag, source, *shape]
            self._raw_text = []
        elif active:
            self._add("active element", (tag, *shape), source)
        if tag in ("svg", "math") or foreign:
            self._foreign.append(tag)
        if tag in RAW_TEXT and not foreign:
            self.set_cdata_mode(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._foreign:
            self.handle_endtag(tag)
        elif tag == "title":
            self._in_title = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        if tag == "title":
            self._in_title = False
        if self._raw is not None and tag == self._raw[1]:
            rule, name, source, *shape = self._raw
            text = "".join(self._raw_text)
            self._add(rule, (name, *shape, _normal(text)), source + text)
            self._raw = None
        if self._foreign:
            if tag in self._foreign:
                del self._foreign[len(self._foreign) - 1 - self._foreign[::-1].index(tag) :]
            else:  # an HTML end tag closes the foreign content inside it
                self._foreign.clear()

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            self._raw_text.append(data)
            return
        if self._in_title:
            self.titles[-1] += data
        self.text.append(data)

    def close(self) -> None:
        super().close()
        if self._raw is not None:  # never closed: the rest of the page is its text
            rule, name, source, *shape = self._raw
            text = "".join(self._raw_text)
            self._add(rule, (name, *shape, _normal(text)), source + text)
            self._raw = None
        if len(self.titles) != 1 or self._in_title:
            self._add("not exactly one closed <title>", (str(len(self.titles)),), repr(self.titles))


def scan(html: str) -> Scanner:
    scanner = Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner


@dataclass
class Site:
    """A built site, scanned: each page's scanner, by path relative to the site."""

    root: Path
    pages: dict[str, Scanner]

    @classmethod
    def read(cls, root: Path) -> Site:
        pages = {
            p.relative_to(root).as_posix(): scan(p.read_text(encoding="utf-8"))
            for p in sorted(root.rglob("*.html"))
        }
        return cls(root, pages)


def page_kind(page: str) -> str:
    return page.split("/")[0] if "/" in page else page


def baselines(clean: Site) -> tuple[dict[str, Counter], dict[str, Counter]]:
    """The theme's own findings: per page, and per kind of page (the most any page has)."""
    per_page = {page: Counter(f.signature for f in s.findings) for page, s in clean.pages.items()}
    per_kind: dict[str, Counter] = {}
    for page, counts in per_page.items():
        per_kind.setdefault(page_kind(page), Counter())
        per_kind[page_kind(page)] |= counts
    return per_page, per_kind


def new_findings(site: Site, clean: Site) -> list[Finding]:
    """Findings the clean build does not have on the same page (or any page of its kind)."""
    per_page, per_kind = baselines(clean)
    found = []
    for page, scanner in site.pages.items():
        allowed = per_page.get(page) or per_kind.get(page_kind(page), Counter())
        counts = Counter(f.signature for f in scanner.findings)
        extra = counts - allowed
        found += [
            Finding(f.rule, f.signature, f.evidence, page)
            for f in scanner.findings
            if f.signature in extra
        ]
    return found


# --- putting payloads into content ---------------------------------------------------------


def marker(number: int) -> str:
    return f"alert({number})"


def numbered(text: str, number: int) -> str:
    return text.replace("alert(1)", marker(number))


def _yaml(value: str) -> str:
    return json.dumps(value)  # JSON strings are YAML double-quoted strings


@dataclass(frozen=True)
class Tip:
    """A tip file's text, and the lines of its body payload (first, last)."""

    text: str
    lines: tuple[int, int]


def tip_file(slug: str, number: int, place: str, payload: str, date: str = "") -> Tip:
    values = {
        TITLE: f"Redteam {number}",
        SUMMARY: f"Redteam summary {number}.",
        PHRASE: f"Redteam phrase {number}.",
        CATEGORY: "Redteam",
    }
    if place in values:
        values[place] = payload
    front = [
        "---",
        f"title: {_yaml(values[TITLE])}",
        f"slug: {slug}",
        *([f"date: {date}"] if date else []),
        "kind: full",
        f"categories: [{_yaml(values[CATEGORY])}]",
        f"summary: {_yaml(values[SUMMARY])}",
        "situations: [upset-customer]",
        "techniques: [empathy]",
        "phrases:",
        f"  - text: {_yaml(values[PHRASE])}",
        "    situations: [upset-customer]",
        "---",
        f"Redteam {number}: the text before the payload.",
        "",
    ]
    body = payload if place == BODY else f"Redteam {number}: nothing hostile here."
    first = len(front) + 1
    last = first + body.count("\n")
    text = "\n".join([*front, body, "", f"Redteam {number}: the text after the payload.", ""])
    return Tip(text, (first, last))


def term_yaml(term_id: str, number: int, place: str, payload: str) -> str:
    label = payload if place == LABEL else f"Redteam term {number}"
    synonym = payload if place == SYNONYM else f"redteam{number}"
    description = payload if place == DESCRIPTION else f"Redteam term {number}."
    return (
        f"  - id: {term_id}\n"
        f"    label: {_yaml(label)}\n"
        f"    description: {_yaml(description)}\n"
        f"    synonyms: [{_yaml(synonym)}]\n"
    )


def with_terms(taxonomy: str, terms: list[str]) -> str:
    """taxonomy.yml with more situations, added at the end of its situations list."""
    head, sep, tail = taxonomy.partition("\ntechniques:")
    assert sep, "the fixture's taxonomy lists situations before techniques"
    return head.rstrip("\n") + "\n" + "".join(terms) + sep + tail


def scraped_page(number: int, place: str, payload: str) -> str:
    title = f"Redteam Import {number}"
    body = f"An upset customer wrote in, case {number}."
    if place == IMPORT_TITLE:
        title = payload
    else:
        body += "\n" + payload
    return (
        "redteam | Customer Service Solutions, Inc. - Page 1\n\n"
        f"{title} - 5/1/25\n"
        "Posted on in Business Advice Please leave a comment\n"
        f"{body}\n"
        f"The end of post {number}.\n"
        "Interested in improving your company's customer service? Call us.\n"
    )


def slug_of(tip_path: Path) -> str:
    return re.sub(r"^(?:\d{4}-\d{2}-\d{2}|undated)-", "", tip_path.stem)


def base_content(root: Path) -> Path:
    """A content folder with the fixture's taxonomy and one plain tip (an empty folder
    is an error of its own)."""
    (root / "tips").mkdir(parents=True)
    shutil.copy(FIXTURE / "taxonomy.yml", root / "taxonomy.yml")
    (root / "tips" / "undated-rt-plain.md").write_text(
        "---\ntitle: Redteam plain tip\nslug: rt-plain\n---\nListen first.\n", encoding="utf-8"
    )
    return root


@dataclass
class Outcome:
    """What became of one payload row at `tipkb check` (and `tipkb import`)."""

    row: str
    place: str
    number: int
    files: list[Path] = field(default_factory=list)  # the files holding the payload
    lines: tuple[int, int] | None = None  # a body payload's lines in its file
    problems: list[Problem] | None = None  # None: accepted
    crash: str | None = None  # an exception other than a TipkbError
    import_error: str | None = None  # import_pages refused the page with a TipkbError
    own_pages: list[str] = field(default_factory=list)  # the pages built for it
    term: str | None = None  # a taxonomy payload's term (and its yaml)
    term_yaml: str = ""

    @property
    def accepted(self) -> bool:
        return self.crash is None and self.problems is None and self.import_error is None


def check_row(work: Path, index: int, row: str, place: str, text: str) -> Outcome:
    number = 1000 + index
    payload = numbered(text, number)
    root = base_content(work / row)
    outcome = Outcome(row, place, number)
    try:
        if place in TIP_PLACES:
            slug = f"rt-{row}"
            date = THIS_WEEK if row == SHOWN_SUMMARY else ""
            tip = tip_file(slug, number, place, payload, date)
            path = root / "tips" / f"{date or 'undated'}-{slug}.md"
            path.write_text(tip.text, encoding="utf-8")
            outcome.files = [path]
            outcome.lines = tip.lines if place == BODY else None
            outcome.own_pages = [f"tips/{slug}/index.html"]
        elif place in TAXONOMY_PLACES:
            term = f"rt-{row}"
            outcome.term, outcome.term_yaml = term, term_yaml(term, number, place, payload)
            taxonomy = root / "taxonomy.yml"
            taxonomy.write_text(
                with_terms(taxonomy.read_text(encoding="utf-8"), [outcome.term_yaml]),
                encoding="utf-8",
            )
            outcome.files = [taxonomy]
            outcome.own_pages = [f"situations/{term}/index.html"]
        else:
            page = work / f"{row}.txt"
            page.write_text(scraped_page(number, place, payload), encoding="utf-8")
            try:
                import_pages([page], root)
            except TipkbError as err:
                outcome.import_error = str(err)
                return outcome
            outcome.files = sorted((root / "tips").glob("*.md"))
            outcome.own_pages = [f"tips/{slug_of(p)}/index.html" for p in outcome.files]
        try:
            check_all(root, strict=False, cache_file=None)
        except ContentError as err:
            outcome.problems = list(err.problems)
    except Exception:
        outcome.crash = traceback.format_exc()
    return outcome


ROWS = [(row, place, text) for row, place, text in PAYLOADS] + [
    (row, place, text) for row, place, text, _ in LEGIT
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every payload and legit row, each checked in a content folder of its own."""
    work = tmp_path_factory.mktemp("redteam-check")
    assert len({row for row, _, _ in ROWS}) == len(ROWS), "row ids must be unique"
    return {row: check_row(work, i, row, place, text) for i, (row, place, text) in enumerate(ROWS)}


def site_content(root: Path, outcomes: dict[str, Outcome]) -> Path:
    """The fixture plus every accepted row: one content folder, built once."""
    shutil.copytree(FIXTURE, root)
    accepted = [o for o in outcomes.values() if o.accepted]
    for outcome in accepted:
        if outcome.place not in TAXONOMY_PLACES:
            for path in outcome.files:
                shutil.copy(path, root / "tips" / path.name)
    terms = [o for o in accepted if o.term]
    if terms:
        taxonomy = root / "taxonomy.yml"
        text = with_terms(taxonomy.read_text(encoding="utf-8"), [o.term_yaml for o in terms])
        taxonomy.write_text(text, encoding="utf-8")
        ids = ", ".join(o.term for o in terms if o.term)
        (root / "tips" / "undated-rt-taxonomy-terms.md").write_text(
            "---\n"
            "title: Redteam taxonomy terms\n"
            "slug: rt-taxonomy-terms\n"
            "kind: full\n"
            f"situations: [{ids}]\n"
            "techniques: [empathy]\n"
            "phrases:\n"
            "  - text: Redteam phrase for every term.\n"
            f"    situations: [{ids}]\n"
            "---\n"
            "A tip in every redteam situation, so each has a page.\n",
            encoding="utf-8",
        )
    return root


def build_site(content: Path, tmp: Path) -> Site:
    build(content, tmp / "site", build_dir=tmp / "build", config_file=CONFIG, today=TODAY)
    return Site.read(tmp / "site")


@pytest.fixture(scope="module")
def clean_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(FIXTURE, tmp_path_factory.mktemp("redteam-clean"))


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory, outcomes: dict[str, Outcome]) -> Site:
    tmp = tmp_path_factory.mktemp("redteam-site")
    return build_site(site_content(tmp / "content", outcomes), tmp)


@pytest.fixture(scope="module")
def unsafe(payload_site: Site, clean_site: Site) -> list[Finding]:
    return new_findings(payload_site, clean_site)


def charged_to(outcome: Outcome, findings: list[Finding]) -> list[Finding]:
    """Findings on the row's own pages, or carrying its numbered alert."""
    mark = marker(outcome.number)
    return [f for f in findings if f.page in outcome.own_pages or mark in f.evidence]


def located(outcome: Outcome) -> list[Problem]:
    """The error problems that point into the file holding the payload, at a sensible line."""
    assert outcome.problems is not None
    good = []
    for problem in outcome.problems:
        if problem.level != "error" or not isinstance(problem.line, int):
            continue
        path = Path(problem.path).resolve()
        if path not in [f.resolve() for f in outcome.files]:
            continue
        if outcome.lines is not None:
            first, last = outcome.lines
            if not first <= problem.line <= last:
                continue
        elif not 1 <= problem.line <= path.read_text(encoding="utf-8").count("\n") + 1:
            continue
        good.append(problem)
    return good


# --- the payloads ------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "place", "text"), PAYLOADS, ids=[row for row, _, _ in PAYLOADS])
def test_payload_is_refused_or_inert(
    row: str, place: str, text: str, outcomes: dict[str, Outcome], request: pytest.FixtureRequest
) -> None:
    outcome = outcomes[row]
    assert outcome.crash is None, f"checking it crashed:\n{outcome.crash}"
    if outcome.import_error is not None:
        # The importer refused the page itself: nothing was written, nothing is built.
        assert outcome.import_error.strip(), "import failed without saying why"
        return
    if outcome.problems is not None:
        shown = "\n".join(map(str, outcome.problems))
        where = f"lines {outcome.lines}" if outcome.lines else "a line"
        assert located(outcome), (
            f"rejected, but no error points at {where} of {[str(p) for p in outcome.files]}:\n"
            f"{shown}"
        )
        return
    site: Site = request.getfixturevalue("payload_site")
    unsafe: list[Finding] = request.getfixturevalue("unsafe")
    for page in outcome.own_pages:
        assert page in site.pages, f"accepted, but {page} was not built"
    live = charged_to(outcome, unsafe)
    assert not live, "accepted, and live in the built HTML:\n" + "\n".join(map(str, live))


def test_no_page_gains_anything_that_could_run_script(unsafe: list[Finding]) -> None:
    """The whole payload site against the clean build, charged to no payload in particular."""
    assert not unsafe, f"{len(unsafe)} findings:\n" + "\n".join(map(str, unsafe[:60]))


def test_every_page_has_one_title_and_nothing_injected_into_head(payload_site: Site) -> None:
    for page, scanner in payload_site.pages.items():
        assert len(scanner.titles) == 1, (page, scanner.titles)
        bad = [f for f in scanner.findings if f.rule == "element inside <title>"]
        assert not bad, (page, [str(f) for f in bad])


# --- legitimate text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "place", "text", "expected"), LEGIT, ids=[row for row, *_ in LEGIT]
)
def test_legitimate_text_is_accepted_and_rendered(
    row: str,
    place: str,
    text: str,
    expected: list[tuple],
    outcomes: dict[str, Outcome],
    payload_site: Site,
    unsafe: list[Finding],
) -> None:
    outcome = outcomes[row]
    assert outcome.crash is None, outcome.crash
    assert outcome.problems is None, "rejected:\n" + "\n".join(map(str, outcome.problems or []))
    (own,) = outcome.own_pages
    assert own in payload_site.pages, f"{own} was not built"
    pages = [payload_site.pages[own]] if place != SUMMARY else list(payload_site.pages.values())
    for want in expected:
        if want[0] == "tag":
            _, tag, attrs = want
            found = any(
                t == tag and all(a.get(k) == v for k, v in attrs.items())
                for s in pages
                for t, a in s.elements
            )
            assert found, f"no <{tag} {attrs}> rendered for {text!r}"
        else:
            assert any(want[1] in " ".join("".join(s.text).split()) for s in pages), (
                f"{want[1]!r} not shown"
            )
    assert not charged_to(outcome, unsafe)


# --- the oracle itself -----------------------------------------------------------------------

THEME_HEAD = '<html><head><meta charset="utf-8"><title>T</title></head><body>'


def added_to_bare_page(html: str) -> list[Finding]:
    """The findings `html` adds to the body of a bare page."""
    bare = Counter(f.signature for f in scan(THEME_HEAD + "</body></html>").findings)
    findings = scan(THEME_HEAD + html + "</body></html>").findings
    extra = Counter(f.signature for f in findings) - bare
    return [f for f in findings if f.signature in extra]


@pytest.mark.parametrize(
    ("html", "rule"),
    [
        ('<a href="&#106;avascript:alert(1)">x</a>', "script URL"),
        ('<a href=" jav\tascript:alert(1)">x</a>', "script URL"),
        ('<a href="JAVASCRIPT&colon;alert(1)">x</a>', "script URL"),
        ('<img src="DATA:image/svg+xml,x">', "script URL"),
        ('<svg><animate attributeName="href" values="x;javascript:alert(1)"/></svg>', "script URL"),
        ("<svg><set attributeName=href to=x /></svg>", "active element in <svg>"),
        ('<p onmouseover="alert(1)">x</p>', "event attribute"),
        ("<svg/onload=alert(1)>", "event attribute"),
        ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', "event attribute"),
        ("<!--><img src=x onerror=alert(1)>-->", "event attribute"),
        ("<![CDATA[><img src=x onerror=alert(1)>]]>", "event attribute"),
        ("<svg><style><img src=x onerror=alert(1)></style></svg>", "event attribute"),
        ("<math><mi>x</mi></math>", "active element"),
        ("<style>p{}</style>", "active element"),
        ('<meta http-equiv="refresh" content="0">', "active element"),
        ('<p style="background:url(javascript:alert(1))">', "script in style attribute"),
    ],
)
def test_the_scanner_sees_what_a_browser_would_run(html: str, rule: str) -> None:
    rules = {f.rule for f in added_to_bare_page(html)}
    assert rule in rules, rules


@pytest.mark.parametrize(
    "html",
    [
        "<p>data: the numbers; javascript: not a link</p>",
        '<a href="https://example.com/javascript:x">x</a>',
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<!-- <img src=x onerror=alert(1)> -->",
        "<textarea><img src=x onerror=alert(1)></textarea>",
        '<svg viewBox="0 0 24 24"><path d="M0 0h24v24H0z"/></svg><p>after</p>',
    ],
)
def test_the_scanner_leaves_harmless_markup_alone(html: str) -> None:
    assert not added_to_bare_page(html)


def test_the_scanner_sees_a_title_breakout() -> None:
    html = "<html><head><title></title><img src=x onerror=alert(1)></title></head><body></body>"
    rules = {f.rule for f in scan(html).findings}
    assert {"element in <head>", "event attribute"} <= rules
    assert "element inside <title>" in {
        f.rule for f in scan("<head><title>a<b>c</b></title></head>").findings
    }


def test_the_clean_build_is_its_own_baseline(clean_site: Site) -> None:
    assert not new_findings(clean_site, clean_site)
    for page, scanner in clean_site.pages.items():
        assert len(scanner.titles) == 1, page


# --- in a browser ------------------------------------------------------------------------------

# A click on a link or a form submission that would leave the page is cancelled, so
# one page can be poked at length; one that would run script is let through.
STAY_ON_PAGE = """
(() => {
  const runs = (u) => /^(javascript|vbscript):/i.test(String(u || "").replace(/[\\u0000-\\u0020]/g, ""));
  const target = (a) => {
    const h = a.href;
    if (h && typeof h === "object" && "animVal" in h) return h.animVal;
    return a.getAttribute("href") || a.getAttribute("xlink:href") || "";
  };
  addEventListener("click", (e) => {
    const a = e.target && e.target.closest ? e.target.closest("a, area") : null;
    if (a && !runs(target(a))) e.preventDefault();
  }, true);
  addEventListener("submit", (e) => {
    const by = e.submitter;
    const action = (by && by.getAttribute("formaction")) || e.target.getAttribute("action") || "";
    if (!runs(action)) e.preventDefault();
  }, true);
})();
"""
# Hover, focus and click every element of `root` (the page's article by default) with
# events, then return the article's box for a real mouse sweep over it.
POKE = """
(selector) => {
  const root = (selector && document.querySelector(selector)) || document.body;
  for (const el of [root, ...root.querySelectorAll("*"), document.body]) {
    for (const type of ["pointerover", "mouseover", "mouseenter", "mousemove", "mousedown", "mouseup"]) {
      el.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true}));
    }
    if (typeof el.focus === "function") el.focus();
    if (el.matches("a, area, button, input, summary, label, svg *")) {
      el.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true}));
    }
  }
  const r = root.getBoundingClientRect();
  return [r.x, Math.max(r.y, 0), r.width, Math.min(r.height, innerHeight - Math.max(r.y, 0))];
}
"""
SEARCHES = ("redteam", "alert", "img", "script", "svg")


# Payloads shown only on these pages (all phrases are in the phrase book and on their
# situation's page; summaries, categories and synonyms on no tip page): their own
# tip pages are left out, which saves the browser a tenth of its pages.
HUBS = [
    "index.html",
    "situations/index.html",
    "situations/upset-customer/index.html",
    "phrases/index.html",
    "archive/index.html",
]
SHOWN_ON_HUBS = (PHRASE, SUMMARY, CATEGORY, SYNONYM)


def browser_pages(outcomes: dict[str, Outcome], site: Site) -> list[str]:
    """The hubs, and every page built for an accepted row."""
    pages = list(HUBS)
    for outcome in outcomes.values():
        if outcome.accepted and outcome.place not in SHOWN_ON_HUBS:
            pages += outcome.own_pages
    pages.append("tips/rt-taxonomy-terms/index.html")
    return [p for p in dict.fromkeys(pages) if p in site.pages]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_no_payload_page_opens_a_dialog_in_chromium(
    outcomes: dict[str, Outcome], payload_site: Site
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="comes with the test extras")
    dialogs: list[str] = []
    errors: list[str] = []
    with serve_sub_path(payload_site.root) as base, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:

            def open_tab() -> sync_api.Page:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_init_script(STAY_ON_PAGE)

                def route(route: sync_api.Route) -> None:
                    if route.request.url.startswith("http://127.0.0.1:"):
                        route.continue_()
                    else:
                        route.abort()

                context.route("**/*", route)
                tab = context.new_page()
                tab.set_default_timeout(10_000)

                def on_dialog(dialog: sync_api.Dialog) -> None:
                    dialogs.append(f"{tab.url}: {dialog.type}({dialog.message!r})")
                    dialog.dismiss()

                tab.on("dialog", on_dialog)
                return tab

            tab = open_tab()
            for page in browser_pages(outcomes, payload_site):
                try:
                    tab.goto(base + page.removesuffix("index.html"), wait_until="load")
                    x, y, width, height = tab.evaluate(POKE, "article")
                    tab.mouse.move(x + 1, y + height / 2)  # and a real sweep of the mouse
                    tab.mouse.move(x + width - 1, y + height / 2, steps=3)
                    tab.wait_for_timeout(50)  # for handlers that run late (ontoggle)
                except sync_api.Error as err:  # a payload that navigated away, say
                    errors.append(f"{page}: {err.message.splitlines()[0]}")
            tab.context.close()

            # The search page renders its results from the index: search for payloads.
            tab = open_tab()
            for query in SEARCHES:
                site_browser.search(tab, base, query)
                tab.evaluate(POKE, "#tipkb-results")
            tab.context.close()
        finally:
            browser.close()
    assert not dialogs, "\n".join(dialogs + errors)


# --- property tests ----------------------------------------------------------------------------

LOCATED_LINE = re.compile(r"^(?P<path>.+?):(?P<line>[0-9]+): ")
FRONT_MATTER_LINES = [
    "title: A fuzzed tip",
    "slug: fuzzed",
    "kind: full",
    "kind: [",
    "date: 2025-13-45",
    "date: 99999-01-01",
    "date: [1, 2]",
    "title: [a, b]",
    "title: {a: 1}",
    "title: !!binary aGk=",
    "title: !!python/object/apply:os.system ['true']",
    "title: &a x",
    "summary: *a",
    "a: &x [1]\nb: [*x, *x, *x]",
    "<<: {title: y}",
    "? [complex]\n: key",
    "title: 'unterminated",
    '"title": "\\ud800"',
    "\ttitle: tab",
    "phrases: [{text: 1}]",
    "phrases: 3",
    "phrases: [[[]]]",
    "phrases:\n  - text: <img src=x onerror=alert(1)>\n    situations: [nope]",
    "situations: [nope, upset-customer]",
    "situations: upset-customer",
    "draft: maybe",
    "source: {page: 1}",
    "---",
    "...",
    "%YAML 1.1",
    "!!set {a, b}",
    "title: \x85",
    "title: \u2028x",
    "title: \ufeffx",
    "slug: ../../etc/passwd",
    "slug: CON",
    "categories: [[1], {a: b}]",
]
BODY_PARTS = [p for _, place, p in PAYLOADS if place == BODY] + [
    "",
    "x" * 50_000,
    "> " * 2_000 + "deep",
    "".join("    " * i + "- item\n" for i in range(200)),
    "*" * 5_000 + "a" + "*" * 5_000,
    "[" * 3_000 + "x" + "](y)" * 3_000,
    "<div>" * 2_000,
    "\x00\x01\x02\x0b\x0c\x1b",
    "\ud7ff\ue000\U0010ffff",
    "---\ntitle: again\n---",
]


def deep_yaml(depth: int) -> str:
    return "title: " + "[" * depth + "]" * depth


@st.composite
def tip_bytes(draw: st.DrawFn) -> bytes:
    """A tip file: random bytes, or front matter lines and a body from hostile parts."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=600))
    front = draw(
        st.lists(
            st.one_of(
                st.sampled_from(FRONT_MATTER_LINES),
                st.builds(deep_yaml, st.integers(1, 3_000)),
                st.text(max_size=80).map(lambda s: f"title: {s}"),
                st.text(max_size=80),
            ),
            max_size=8,
        )
    )
    base = ["title: Fuzz", "slug: fuzz"] if draw(st.booleans()) else []
    body = draw(st.lists(st.one_of(st.sampled_from(BODY_PARTS), st.text(max_size=200)), max_size=4))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    closing = ["---"] if draw(st.integers(0, 9)) else []
    text = newline.join(["---", *base, *front, *closing, *body])
    encoded = text.encode("utf-8", "surrogatepass")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + encoded


TAXONOMY_EXTRAS = [
    "",
    "  - id: x\n    label: [a]\n    description: d\n",
    "  - id: Bad Id\n    label: x\n    description: d\n",
    "  - id: y\n    label: <img src=x onerror=alert(1)>\n    description: d\n    rules: ['(']\n",
    "  - {}\n",
    "  - 3\n",
    "  - id: z\n    label: z\n    description: d\n    synonyms: [[1]]\n    rules: [unquoted*]\n",
    "bogus: [",
]

PAGE_LINES = [
    "redteam | Customer Service Solutions, Inc. - Page 1",
    "security | Customer Service Solutions, Inc. - Page 99999999999999999999",
    "A Title - 5/1/25",
    "A Title – 13/45/25 TOW",
    "A Title — 2/29/23",
    "<img src=x onerror=alert(1)> - 5/1/25",
    "Posted on in Business Advice Please leave a comment",
    "Posted on May 1, 2025 in A, B 3 Comments",
    "Posted on in",
    "Some text that ends in Read more",
    "Read more",
    "  • a bullet <script>alert(1)</script>",
    "· [x](javascript:alert(1))",
    "Add a Comment",
    "« Previous 1 2 … 17 18 Next »",
    "Interested in improving your company's customer service? Call us.",
    "Did you like this post? Share it.",
    "# not a heading",
    "{: onclick=alert(1) }",
    "x" * 20_000,
    "",
    "",
]


@st.composite
def page_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    lines = draw(
        st.lists(st.one_of(st.sampled_from(PAGE_LINES), st.text(max_size=120)), max_size=25)
    )
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def assert_located(problems: list[Problem] | tuple[Problem, ...], root: Path) -> None:
    for problem in problems:
        assert isinstance(problem.line, int) and not isinstance(problem.line, bool), problem
        assert problem.line >= 1, problem
        assert str(problem).startswith(f"{problem.path}:{problem.line}: "), problem
        assert "\n" not in str(problem), f"a problem spans lines: {str(problem)!r}"


def assert_error_lines(message: str, root: Path, trailer: tuple[str, ...] = ()) -> None:
    """Every line of an error message is `path:line: ...` with line >= 1."""
    for line in message.splitlines():
        if line in trailer:
            continue
        match = LOCATED_LINE.match(line)
        assert match, f"error line without path:line: {line!r}"
        assert int(match["line"]) >= 1, line


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Turn a hang into a failure (hypothesis's deadline only judges runs that end)."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


FUZZ = settings(
    max_examples=40,
    deadline=dt.timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@example(raw="---\ntitle: \u00850\n---".encode(), taxonomy_extra="")  # YAML's own line break
@given(raw=tip_bytes(), taxonomy_extra=st.sampled_from(TAXONOMY_EXTRAS))
def test_any_tip_file_gets_located_problems_or_passes(raw: bytes, taxonomy_extra: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, time_limit(20):
        root = base_content(Path(tmp) / "content")
        taxonomy = root / "taxonomy.yml"
        taxonomy.write_text(
            with_terms(taxonomy.read_text(encoding="utf-8"), [taxonomy_extra]), encoding="utf-8"
        )
        (root / "tips" / "undated-fuzz.md").write_bytes(raw)
        try:
            check_all(root, strict=True, cache_file=None)
        except ContentError as err:
            assert err.problems, "ContentError without problems"
            assert_located(err.problems, root)
            assert_error_lines(str(err), root)
        except TipkbError as err:
            assert_error_lines(str(err), root)


@FUZZ
@given(pages=st.lists(page_bytes(), min_size=1, max_size=2))
def test_any_scraped_page_imports_with_located_warnings(pages: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp, time_limit(20):
        root = base_content(Path(tmp) / "content")
        paths = []
        for i, raw in enumerate(pages):
            path = Path(tmp) / f"page{i}.txt"
            path.write_bytes(raw)
            paths.append(path)
        try:
            report = import_pages(paths, root)
        except InputError as err:
            assert_error_lines(str(err), root, trailer=("nothing was imported",))
            return
        except TipkbError as err:
            assert_error_lines(str(err), root)
            return
        assert_located(report.warnings, root)
        try:
            check_all(root, strict=False, cache_file=None)
        except ContentError as err:
            assert_located(err.problems, root)
            assert_error_lines(str(err), root)
