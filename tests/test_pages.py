"""Page generation: golden files, escaping, drafts, pagination, links, writing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from golden import MODES, TODAY, differences, fixture_site, hostile_site, rendered

from generator.content.schema import FIELDS
from generator.content.visible import visible_tips
from generator.errors import BuildError
from generator.model import Phrase, Taxonomy, Term, Tip
from generator.site import markdown as md
from generator.site import passthrough
from generator.site.model import Page, Site
from generator.site.pages import render_pages, write_pages
from generator.site.parts import PHRASES_PER_PAGE, TIPS_PER_PAGE
from generator.site.site_search import search_data

ROOT = Path(__file__).parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")
HREF = re.compile(r'<a href="([^"]+)"')
EXPLICIT_ID = re.compile(r"\{[^}]*#([\w-]+)")


def to_html(text: str, *, leave_out: str = "") -> str:
    """Render Markdown with the extensions mkdocs.yml enables (but `leave_out`), as
    MkDocs would."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names, settings = [], {}
    for item in config["markdown_extensions"]:
        name = item if isinstance(item, str) else next(iter(item))
        if name == leave_out:
            continue
        names.append(name)
        if isinstance(item, dict):
            settings[name] = item[name] or {}
    body = text.split("---\n", 2)[2] if text.startswith("---\n") else text
    return markdown.Markdown(extensions=names, extension_configs=settings).convert(body)


class Elements(HTMLParser):
    """Start tags with their attributes, and the text of a chosen element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


# --- golden files ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_pages_match_golden_files(mode: str) -> None:
    diffs = differences(mode)
    assert not diffs, "generated pages changed; review and run `make golden`:\n" + "".join(diffs)


def test_preview_marks_drafts_and_scheduled_tips_and_published_leaves_them_out() -> None:
    published, preview = rendered("published"), rendered("preview")
    assert "tips/a-draft-tip/index.md" not in published
    assert "tips/a-scheduled-tip/index.md" not in published
    leaks = ("A Draft Tip", "A Scheduled Tip", 'tipkb-badge">Draft', 'tipkb-badge">Scheduled')
    assert not [path for path, text in published.items() if any(s in text for s in leaks)]
    assert '!!! warning "Draft"' in preview["tips/a-draft-tip/index.md"]
    assert '!!! info "Scheduled"' in preview["tips/a-scheduled-tip/index.md"]
    assert '<span class="tipkb-badge">Draft</span>' in preview["archive/index.md"]


def test_teasers_are_marked_in_every_list_and_on_their_page() -> None:
    published = rendered("published")
    teaser = '<a href="../tips/negate-the-nervousness/">Negate the Nervousness</a>'
    for path in ("archive/index.md", "editors/index.md"):
        line = next(line for line in published[path].splitlines() if teaser in line)
        assert '<span class="tipkb-badge">Teaser</span>' in line, path
    page = published["tips/negate-the-nervousness/index.md"]
    assert '!!! note "Teaser"' in page and "the rest of the post was not imported" in page


@pytest.mark.parametrize("drafts", [False, True])
def test_this_weeks_tip_is_the_newest_published_dated_tip(drafts: bool) -> None:
    # The draft (2025-05-20) and the scheduled tip (2099) are newer but not published.
    assert fixture_site(drafts).this_week.slug == "questions-to-guide-you-to-empathy"


@pytest.mark.parametrize(
    ("draft", "date", "shown"),
    [
        (False, TODAY, True),
        (False, None, True),
        (False, TODAY + dt.timedelta(days=1), False),
        (True, TODAY - dt.timedelta(days=1), False),
    ],
)
def test_visible_tips_leave_out_drafts_and_future_tips(
    draft: bool, date: dt.date | None, shown: bool
) -> None:
    tip = Tip(title="T", slug="t", body="B\n", date=date, draft=draft)
    assert bool(visible_tips([tip], TODAY)) is shown
    assert visible_tips([tip], TODAY, drafts=True) == (tip,)


# --- the generator's HTML blocks, passed through ---------------------------------------------

PASSTHROUGH = "generator.site.passthrough"


def _lines(html: str) -> list[str]:
    """The HTML's lines but blank ones and the markers (HTML comments without the extension)."""
    return [line for line in html.splitlines() if line.strip() and line not in MARKERS]


MARKERS = (passthrough.OPEN, passthrough.CLOSE)


@pytest.mark.parametrize("mode", MODES)
def test_passed_through_blocks_render_as_the_raw_html_parser_renders_them(mode: str) -> None:
    for path, text in rendered(mode).items():
        if path.endswith(".md"):
            assert _lines(to_html(text)) == _lines(to_html(text, leave_out=PASSTHROUGH)), path


@pytest.mark.parametrize("mode", MODES)
def test_every_raw_html_block_of_the_generator_is_passed_through(mode: str) -> None:
    # A raw HTML block left to Python-Markdown is parsed tag by tag, twice (md_in_html,
    # then MkDocs' anchors): at 2,000 tips that was half of MkDocs' build.
    for path, text in rendered(mode).items():
        unmarked = [
            block
            for block in text.split("\n\n")
            if block.startswith("<")
            and not block.startswith(passthrough.OPEN)
            and " markdown>" not in block.split("\n", 1)[0]  # Markdown inside: md_in_html's
            and block.strip() != "</div>"
        ]
        assert not unmarked, (path, unmarked[:1])


@pytest.mark.parametrize(
    "text",
    [
        f"{passthrough.OPEN}\n<p>never closed</p>\n\nText *after*.",
        f"Text.\n\n    {passthrough.OPEN}\n    indented: code, not a marker\n    {passthrough.CLOSE}",
        f"{passthrough.CLOSE}\n\nA closing marker alone.",
    ],
)
def test_a_marker_without_its_pair_or_in_code_changes_nothing(text: str) -> None:
    assert to_html(text) == to_html(text, leave_out=PASSTHROUGH)


def test_a_passed_through_block_inside_a_markdown_div_is_html() -> None:
    text = md.block('<div class="x" markdown>', md.html_list(["<b>one</b>"]), "*two*", "</div>")
    html = to_html(text)
    assert "<li><b>one</b></li>" in html and "<em>two</em>" in html and "tipkb:html" not in html


# --- escaping ------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    'Calm {: onclick="alert(1)" }',
    "`code` \\ back *em* _u_ [x]",
    "# Not a heading",
    "1. Not a list",
    "- not a list",
    "A & B | C \"double\" 'single' &amp;",
    "<!-- hidden --> text",
]


def markdown_pages(site: Site) -> list[Page]:
    """The pages an engine renders (the search page's data files are JSON, read as text)."""
    return [page for page in render_pages(site) if page.path.endswith(".md")]


@pytest.mark.parametrize("text", HOSTILE)
def test_content_text_cannot_inject_markup(text: str) -> None:
    for page in markdown_pages(hostile_site(text)):
        for tag, attrs in parse(to_html(page.text)).tags:
            assert tag not in ("script", "img", "iframe"), (page.path, tag)
            assert not [a for a in attrs if a.startswith("on")], (page.path, tag, attrs)
            assert not attrs.get("href", "").startswith("javascript:"), (page.path, attrs)


@pytest.mark.parametrize("text", HOSTILE)
def test_content_text_renders_as_written(text: str) -> None:
    pages = {p.path: p.text for p in render_pages(hostile_site(text))}
    html = parse(to_html(pages["tips/hostile/index.md"]))
    assert html.h1.removesuffix("¶") == text  # ¶: the permalink MkDocs adds
    labels = [a["aria-label"] for tag, a in html.tags if tag == "button"]
    assert labels == [f"Copy phrase: {text}"]


@pytest.mark.parametrize(
    ("raw", "escaped"), [("a  b\n c", "a b c"), ("2014. Year", "2014\\. Year")]
)
def test_text_collapses_whitespace_and_escapes_block_syntax(raw: str, escaped: str) -> None:
    assert md.text(raw) == escaped


# --- links and pagination ---------------------------------------------------------------------


def big_site(tips: int, phrases_per_tip: int) -> Site:
    """One situation and one technique shared by many tips, over several years."""
    taxonomy = Taxonomy(
        situations=(Term("busy", "Busy day", "Many customers at once."),),
        techniques=(Term("triage", "Triage", "Most urgent first."),),
    )
    corpus = tuple(
        Tip(
            title=f"Tip number {n}",
            slug=f"tip-{n}",
            body="Body.\n",
            date=TODAY - dt.timedelta(days=7 * n),
            situations=("busy",),
            techniques=("triage",),
            phrases=tuple(Phrase(f"Phrase {p} of tip {n}.") for p in range(phrases_per_tip)),
        )
        for n in range(tips)
    )
    return Site(visible_tips(corpus, TODAY), taxonomy, {}, TODAY)


def broken_links(pages: tuple[Page, ...]) -> list[str]:
    """Links to pages or heading ids that do not exist: Markdown links (what
    `mkdocs build --strict` rejects) and the HTML links written as MkDocs would."""
    texts = {p.path: p.text for p in pages}
    served = {_served(path): path for path in texts}  # URL folder → page
    broken = []
    for page in pages:
        targets = [(t, _md_target(page.path, t)) for t in LINK.findall(page.text)]
        targets += [(t, _html_target(page.path, t, served)) for t in HREF.findall(page.text)]
        for target, (resolved, anchor) in targets:
            if resolved not in texts or (
                anchor and anchor not in EXPLICIT_ID.findall(texts[resolved])
            ):
                broken.append(f"{page.path}: {target}")
    return broken


def _md_target(source: str, target: str) -> tuple[str, str]:
    path, _, anchor = target.partition("#")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    return (source if not path else resolved), anchor


def _served(path: str) -> str:
    """The URL folder MkDocs serves a page at: tips/a.md → tips/a, a/index.md → a."""
    stem = path.removesuffix(".md").removesuffix("index").rstrip("/")
    return stem or "."


def _html_target(source: str, href: str, served: dict[str, str]) -> tuple[str, str]:
    url, _, anchor = href.partition("#")
    assert url.endswith("/"), f"{source}: {href} is not a directory URL"
    folder = posixpath.normpath(posixpath.join(_served(source), url))
    return served.get(folder, f"(nothing at {folder}/)"), anchor


@pytest.mark.parametrize(
    "site",
    [fixture_site(False), fixture_site(True), big_site(450, 2)],
    ids=["published", "preview", "paginated"],
)
def test_every_generated_link_points_at_a_generated_page(site: Site) -> None:
    assert broken_links(render_pages(site)) == []


def test_hub_pages_paginate_and_list_every_item_once() -> None:
    site = big_site(450, 2)
    pages = {p.path: p.text for p in render_pages(site)}
    situation = [pages[p] for p in sorted(pages) if p.startswith("situations/busy/")]
    assert len(situation) == 6  # 900 phrases at 150 a page
    cards = [text.count('class="tipkb-copy"') for text in situation]
    tips = [len(re.findall(r"^<li><a [^>]*>Tip number", text, re.M)) for text in situation]
    assert max(cards) <= PHRASES_PER_PAGE and sum(cards) == 900
    assert max(tips) <= TIPS_PER_PAGE and sum(tips) == 450
    archive = [pages[p] for p in pages if p.startswith("archive/")]
    assert sum(len(re.findall(r"^<li><a [^>]*>Tip number", t, re.M)) for t in archive) == 450
    assert any("(continued)" in t for t in archive)  # a year spans two pages


def test_tip_pages_do_not_grow_with_the_corpus() -> None:
    small = {p.path: p.text for p in render_pages(big_site(5, 2))}
    large = {p.path: p.text for p in render_pages(big_site(500, 2))}
    assert small["tips/tip-3/index.md"] == large["tips/tip-3/index.md"]


def test_editors_page_lists_every_front_matter_field_and_tag_id() -> None:
    text = rendered("published")["editors/index.md"]
    for field in FIELDS:
        assert f"| `{field.name}` |" in text
    for term_id in ("upset-customer", "long-wait", "coworker-blamed", "empathy", "apology"):
        assert f"`{term_id}`" in text


# --- writing ----------------------------------------------------------------------------------


def test_write_pages_writes_only_changes_and_removes_stale_files(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    first = write_pages([Page("a.md", "A\n"), Page("x/b.md", "B\n")], docs)
    assert (first.written, first.removed) == (2, 0)
    before = (docs / "a.md").stat().st_mtime_ns
    second = write_pages([Page("a.md", "A\n"), Page("c.md", "C\n")], docs)
    assert (second.written, second.removed) == (1, 1)
    assert (docs / "a.md").stat().st_mtime_ns == before
    assert sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*")) == ["a.md", "c.md"]


def test_write_pages_mends_a_page_a_killed_build_left_half_written(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "x").mkdir(parents=True)
    (docs / "x" / "b.md").write_bytes("# Caf\u00e9 page\n".encode()[:7])  # cut inside "é"
    assert write_pages([Page("x/b.md", "# Caf\u00e9 page\n")], docs).written == 1
    assert (docs / "x" / "b.md").read_text(encoding="utf-8") == "# Caf\u00e9 page\n"


@pytest.mark.parametrize("path", ["../evil.md", "x/../../evil.md", "/etc/evil.md", "", "."])
def test_write_pages_refuses_paths_outside_the_docs_folder(tmp_path: Path, path: str) -> None:
    with pytest.raises(BuildError, match="leaves"):
        write_pages([Page(path, "x")], tmp_path / "docs")
    assert not (tmp_path / "evil.md").exists()


@pytest.mark.parametrize(
    ("today", "heading"),
    [
        (dt.date(2025, 5, 13), "## This week’s tip"),  # its day
        (dt.date(2025, 5, 19), "## This week’s tip"),  # six days on
        (dt.date(2025, 5, 20), "## Latest tip"),  # a week on: no longer this week's
    ],
)
def test_this_weeks_tip_is_only_this_weeks(today: dt.date, heading: str) -> None:
    site = dataclasses.replace(fixture_site(drafts=False), today=today)
    home = next(p.text for p in render_pages(site) if p.path == "index.md")
    assert heading in home
    assert home.index("## I’m dealing with…") < home.index(heading)  # situations first


def test_a_situation_page_says_what_to_say_then_what_helps_then_the_tips() -> None:
    pages = {p.path: p.text for p in render_pages(fixture_site(drafts=False))}
    page = pages["situations/upset-customer/index.md"]
    order = [
        "## What to say",
        "### Also useful, from related situations",  # a close situation's phrase, marked
        'From: <a href="../coworker-blamed/">Co-worker blamed</a>',
        "## Techniques that help",
        "## Tips",
        "Also called:",
    ]
    assert [page.index(h) for h in order] == sorted(page.index(h) for h in order)


def test_a_situation_without_tips_says_so_points_to_close_ones_and_is_no_search_result() -> None:
    full = fixture_site(drafts=False)
    site = dataclasses.replace(full, tips=tuple(t for t in full.tips if "long-wait" not in t.tags))
    pages = {p.path: p.text for p in render_pages(site)}
    page = pages["situations/long-wait/index.md"]
    assert "No tip gives the words for this yet" in page
    answers = {p.path: p.text for p in search_data(site)}["search/answers.json"]
    assert '"long-wait"' not in answers  # and no answer of the site search
    assert "situations/long-wait/" not in pages["index.md"]  # not offered on the home page
