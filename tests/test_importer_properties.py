"""Property tests of the page parser: it never fails, and reads every well-formed page right."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.content.safety import unsafe_markup
from generator.content.tipfile import dump_tip, parse_tip
from generator.importing.parse import Post, parse_page
from generator.importing.plan import edited, tip_from_post
from generator.model import SERIES_TOW

SEEDS = [p.read_text("utf-8") for p in sorted((Path(__file__).parent / "fixtures").glob("*.txt"))]
NB = "\u00a0"


def assert_valid(posts: list[Post]) -> None:
    """Every entry makes a tip file that reads back equal, clean and safe."""
    for post in posts:
        tip = tip_from_post(post)
        parsed, problems = parse_tip(Path(tip.filename), dump_tip(tip).encode("utf-8"))
        assert [p for p in problems if p.level == "error"] == [], problems
        assert parsed == tip
        assert not edited(parsed)
        assert unsafe_markup(parsed.body) == []


# Pieces of page syntax and of markup, so random pages often hold both.
TOKENS = [
    *"\n\n\n   -–/•·",
    "Read more",
    "Posted on in ",
    " 2 Comments",
    "Add a Comment",
    "Title",
    " - 5/13/25",
    " – 7/8/14 TOW",
    "« Previous 1 2 Next »",
    "Did you like this post?",
    "<script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "&lt;",
    "# ",
    "text. ",
    NB,
]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600) | st.lists(st.sampled_from(TOKENS), max_size=80).map("".join))
def test_any_text_parses_without_failing(text: str) -> None:
    posts, problems = parse_page(text, "page.txt")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    assert all(1 <= p.line <= lines and p.level == "warning" for p in problems)
    assert_valid(posts)


@st.composite
def damaged_seed(draw: st.DrawFn) -> str:
    """A seed page with lines dropped, shuffled in or cut off at any character."""
    lines = draw(st.sampled_from(SEEDS)).split("\n")
    keep = draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    lines = [line for line, k in zip(lines, keep, strict=True) if k or len(lines) < 3]
    text = "\n".join(lines)
    return text[: draw(st.integers(0, len(text)))]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_seed())
def test_damaged_pages_parse_without_failing(text: str) -> None:
    posts, problems = parse_page(text, "page.txt")
    assert all(p.line >= 1 for p in problems)
    assert_valid(posts)


# --- pages built from the format's grammar --------------------------------------------------

FIRST = ["Listen", "Don’t", "Customer", "Patience", "Top", "Create", "Serving", "6", "“Kind”"]
MIDDLE = [*FIRST, "v.", "–", "-", "...", "is…", "P’s", "COVID-19", "Walk-in", "2", "the", "a"]
LAST = ["Service", "Customers", "Mess", "Eyes", "Life", "Value", "Jerks", "10", "Too"]
SENTENCE_WORDS = ["the", "customer", "was", "upset", "so", "we", "listened", "–", "“fine”", "2"]
SENTENCE_WORDS += ["<script>", "[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "&amp;"]
CATEGORIES = ["Business Advice", "Government", "Customer Service Tip of the Week", "Metrics"]
COMMENTS = ["Please leave a comment", "1 Comment", "12 Comments"]
FOOTERS = [
    "Signup for FREE Tips!    Contact Us    More Resources for You",
    "Interested in improving your company’s customer service? See more at: http://x.example/",
    "",
]


@dataclass(frozen=True)
class Entry:
    title: str
    date: dt.date | None
    full: bool
    tow: bool
    categories: tuple[str, ...]
    text: str  # the page lines of the entry
    bullets: int = 0


def sentence(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(SENTENCE_WORDS), min_size=3, max_size=12))
    return " ".join(words).capitalize() + "."


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    middle = draw(st.lists(st.sampled_from(MIDDLE), max_size=5))
    title = " ".join([draw(st.sampled_from(FIRST)), *middle, draw(st.sampled_from(LAST))])
    date = draw(st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
    full, tow = draw(st.booleans()), draw(st.booleans())
    suffix = f" {draw(st.sampled_from('-–'))} {date.month}/{date.day}/{date:%y}" if date else ""
    suffix += " TOW" if full and tow and date else ""
    gap = "\n" * draw(st.integers(2, 3))
    if not full:
        excerpt = " ".join(sentence(draw) for _ in range(draw(st.integers(1, 3))))
        return Entry(title, date, False, False, (), f"{title}{suffix}{gap}{excerpt} Read more")
    categories = tuple(draw(st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=2)))
    byline = f"Posted on in{NB} {', '.join(categories)} {draw(st.sampled_from(COMMENTS))}"
    paragraphs = [
        sentence(draw) + NB + " " + sentence(draw) for _ in range(draw(st.integers(1, 3)))
    ]
    bullets = draw(st.sampled_from(["", "•", "••·", "·"]))
    if bullets:
        paragraphs.append("\n".join(f"  {b} {sentence(draw)}" for b in bullets))
    body = "\n\n".join(paragraphs) + "\n\n" + draw(st.sampled_from(FOOTERS))
    text = f"{title}{suffix}\n\n{byline}{gap}{body}"
    return Entry(title, date, True, tow and bool(date), categories, text, len(bullets))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["resolve", "service recovery | Customer Service Solutions, Inc. - Page 18"]),
    st.lists(entries(), min_size=1, max_size=6),
    st.booleans(),
)
def test_well_formed_pages_are_read_exactly(header: str, page: list[Entry], paged: bool) -> None:
    pagination = f"\n\n« Previous{NB} 1 2 ... 17 18{NB} Next »" if paged else ""
    text = header + "\n\n" + "\n\n".join(e.text for e in page) + pagination

    posts, problems = parse_page(text, "page.txt")

    assert problems == []
    assert [(p.title, p.date) for p in posts] == [(e.title, e.date) for e in page]
    for post, entry in zip(posts, page, strict=True):
        assert post.kind == ("full" if entry.full else "excerpt")
        assert post.categories == entry.categories
        tow = entry.tow or "Customer Service Tip of the Week" in entry.categories
        assert post.series == (SERIES_TOW if tow else None)
        assert post.page == header
        assert "Read more" not in post.body and "Signup" not in post.body
        assert sum(line.startswith("- ") for line in post.body.split("\n")) == entry.bullets
        assert "•" not in post.body and "·" not in post.body
    assert_valid(posts)
