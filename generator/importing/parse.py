"""Parse one scraped blog page into posts and warnings (the first step of `tipkb import`).

The page format
===============

A page is the visible text of one page of the blog, scraped to UTF-8 text, one
block of the page per line. Non-breaking spaces, tabs and runs of spaces count
as one space; typographic quotes, dashes and ellipses are kept as they are.

Header
    The first non-empty line names the page: ``service recovery | Customer
    Service Solutions, Inc. - Page 18``, or just a category or tag name
    (``resolve``), with or without `` - Page N``. It is kept as the tip's
    ``source.page``. A page that starts directly with an entry has no header.

Teaser (the newest posts at crawl time, repeated on many pages)::

    Questions to Guide You to Empathy - 5/13/25
    <one or two blank lines>
    “If I was him…” If you’ve ever heard somebody say this … Read more

    The title line ends in `` - M/D/YY`` (any of ``-``, ``–``, ``—``); some
    teasers have no date. The excerpt paragraph ends in ``Read more`` and is
    cut mid-sentence. Two-digit years are 20YY.

Full post, categories before the body::

    Defend without Being Defensive – 7/8/14 TOW       (or `Title – 7/8/14`, or a bare `Title`)

    Posted on in Customer Service Tip of the Week Please leave a comment

    The customer is not always right. …
      • I wasn’t in that conversation, …               (bullets: • or ·)

    ``Posted on [date] in <categories> <comments>``: categories are separated by
    commas; the comments text is ``Please leave a comment``, ``1 Comment`` or
    ``N Comments``. A `` TOW`` suffix on the title, or the category ``Customer
    Service Tip of the Week``, marks the weekly series.

Single-post page: the title, the body, then the ``Posted on in …`` line,
followed by ``Add a Comment``.

Boilerplate, dropped: the page header; footers that end a post's text
(``Interested in improving your company’s customer service? …``, ``Signup for
FREE Tips! Contact Us …``, ``Did you like this post? …`` and anything after
them up to the next entry); ``Add a Comment``; the pagination line
``« Previous 1 2 … 17 18 Next »``.

A page may be cut off mid-word: the last entry then keeps its complete
sentences as an excerpt, with a warning. Text that fits none of these shapes
becomes a warning ``page:line: …``; parsing never fails on odd text.

The same post appears on several pages, as a teaser and as a full post, or as
teasers worded slightly differently: entries with the same slug, or the same
date and a similar title or text, are one tip, and the full text wins.

Stages: ``parse_page`` (text → posts + warnings, pure; this module), ``merge_posts``
(one post per tip; merge), ``plan_import`` (compare with the files already there; plan),
then writing (write). ``import_pages`` runs them in order and writes nothing until every
page parsed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.content import escape
from generator.errors import Problem
from generator.model import SERIES_TOW, slugify

TOW_CATEGORY = "customer service tip of the week"

# --- lines -------------------------------------------------------------------------------

BLANK, TEXT, POSTED, BARRIER = "blank", "text", "posted", "barrier"

_SPACE = re.compile(r"\s+")  # \s covers NBSP, narrow NBSP, line and paragraph separators
_DROP_CATEGORIES = frozenset({"Cc", "Cs", "Cn"})  # control, lone surrogate, unassigned
_DROP_CHARS = frozenset("\ufeff\u200b\u00ad")  # BOM, zero-width space, soft hyphen
_DATE = r"(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4}|\d{2})"
_TITLE_DATE = re.compile(rf"^(?P<title>.+?)\s+[-–—]\s+{_DATE}(?:\s+(?P<tow>TOW))?$")
_POSTED = re.compile(r"^Posted\s+on\b(?:\s+(?P<when>.*?))?\s+in\b\s*(?P<rest>.*)$", re.I)
_POSTED_BARE = re.compile(r"^Posted\s+on\s+in$", re.I)
_COMMENTS = re.compile(
    r"\s*\b(?:Please leave a comment|Leave a comment|No comments?|\d+ Comments?"
    r"|Comments? (?:are )?(?:off|closed))\s*$",
    re.I,
)
_READ_MORE = re.compile(r"\s*Read [Mm]ore\s*[»›→…]*(?:\.{3})?\s*$")
_FOOTER = re.compile(
    r"^(?:Interested in improving your company[’']?s customer service\b|Sign ?up for free tips\b"
    r"|Did you like this post\b|See more information at:)",
    re.I,
)
_RELATED = re.compile(r"^Did you like this post\b", re.I)
# What a post page shows below a post, instead of its comments; a page cut off may end
# partway through one ("You must be logged in to po"), so a long enough start counts.
_CLOSERS = (
    "add a comment",
    "leave a reply",
    "comments are closed",
    "you must be logged in to post a comment",
)
_CLOSER_PREFIX = 9  # "Add a Com": shorter starts are too likely to be a post's own words
_PAGINATION_WORDS = frozenset({"«", "»", "‹", "›", "...", "…", "previous", "prev", "next"})
_BULLET = re.compile(r"^[•·▪●◦‣∙]\s*")
_TERMINAL_CHARS = tuple(".!?…\"”’')]»")
_URL = re.compile(r"https?://\S")
# Every pattern over a whole line stays linear on a line of 200 KB: no two unbounded
# repeats that can both match the same text, and a run is matched from its start only
# (the look-behind), possessively, so a failed match is not tried again inside the run.
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"”’')\]]*+(?=\s|$)")
_PAGE_SUFFIX = re.compile(r"\s+[-–—]\s+Page\s+\d+$", re.I)


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based, as an editor's text editor counts
    text: str  # cleaned: one space between words, no control characters
    kind: str  # BLANK, TEXT, POSTED or BARRIER


def clean_text(text: str) -> str:
    """One line of scraped text, made safe to store: single spaces, no control characters."""
    text = _SPACE.sub(" ", text)
    kept = (
        ch
        for ch in text
        if ch not in _DROP_CHARS and unicodedata.category(ch) not in _DROP_CATEGORIES
    )
    return "".join(kept).strip()


def _kind(text: str) -> str:
    if not text:
        return BLANK
    if _posted_parts(text) is not None:
        return POSTED
    if _FOOTER.match(text) or _is_closer(text) or _is_pagination(text):
        return BARRIER
    return TEXT


def _is_pagination(text: str) -> bool:
    words = text.casefold().split()
    return any(w in ("previous", "next", "«", "»") for w in words) and all(
        w.isdigit() or w in _PAGINATION_WORDS for w in words
    )


def _lines(text: str) -> tuple[_Line, ...]:
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = [clean_text(line) for line in raw]
    return tuple(_Line(n, t, _kind(t)) for n, t in enumerate(cleaned, start=1))


# --- titles and "Posted on" lines -----------------------------------------------------


@dataclass(frozen=True)
class _Title:
    text: str
    date: dt.date | None
    tow: bool
    problem: str = ""  # why a date-like suffix was not taken as the date


def _parse_title(text: str) -> _Title:
    match = _TITLE_DATE.match(text)
    if not match:
        return _Title(text, None, False)
    year = int(match["year"])
    year += 2000 if year < 100 else 0
    title = match["title"].strip(" -–—")
    if not slugify(title) and slugify(text):
        return _Title(text, None, False)  # the "date" is all there is: keep it as the title
    try:
        date = dt.date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        date_text = f"{match['month']}/{match['day']}/{match['year']}"
        return _Title(
            title, None, bool(match["tow"]), f"'{date_text}' is not a real date; left out"
        )
    return _Title(title, date, bool(match["tow"]))


def _title_like(text: str) -> bool:
    """Could this line be a title? Short, and not the end of a sentence or an excerpt."""
    if not text or len(text) > 150 or _READ_MORE.search(text):
        return False
    if _TITLE_DATE.match(text):
        return True
    return not text.endswith((":", ",", ";")) and (not text.endswith(".") or text.endswith(".."))


@dataclass(frozen=True)
class _Posted:
    date: dt.date | None
    categories: tuple[str, ...]


def _posted_parts(text: str) -> _Posted | None:
    """The parts of a ``Posted on [date] in <categories> <comments>`` line, or None."""
    if _POSTED_BARE.match(text):
        return _Posted(None, ())
    match = _POSTED.match(text)
    if not match or len(text) > 300:
        return None
    when = (match["when"] or "").strip()
    date = _loose_date(when) if when else None
    if when and date is None:
        return None  # "Posted on the wall in the lobby…" is prose, not a byline
    rest = _COMMENTS.sub("", match["rest"])
    categories = tuple(c.strip() for c in rest.split(",") if c.strip())
    return _Posted(date, categories)


def _loose_date(text: str) -> dt.date | None:
    text = text.strip(" ,")
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d %B %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _header_title(header: str) -> str:
    """``Post Title | Site - Page 2`` → ``Post Title``: a single-post page's own title."""
    return _PAGE_SUFFIX.sub("", header.split(" | ")[0]).strip()


# --- finding the entries of a page --------------------------------------------------------


@dataclass(frozen=True)
class _Start:
    title: int  # line index of the title (the header's index for a header-derived title)
    body: int  # index of the first line after the title or the "Posted on" line
    posted: int | None = None  # index of its "Posted on" line
    read_more: int | None = None  # teasers: index of the line ending in "Read more"


@dataclass(frozen=True)
class _Span:
    title: int
    first: int  # body lines are lines[first:end]
    end: int
    posted: int | None
    teaser: bool
    open: bool  # ran into the end of the page: may be cut off


def _prev_nonblank(lines: Sequence[_Line], i: int) -> int | None:
    return next((j for j in range(i - 1, -1, -1) if lines[j].kind != BLANK), None)


def _next_nonblank(lines: Sequence[_Line], i: int) -> int | None:
    return next((j for j in range(i + 1, len(lines)) if lines[j].kind != BLANK), None)


def _is_closer(text: str) -> bool:
    """A line that closes a post page: one of _CLOSERS, whole or cut short."""
    words = " ".join(text.lower().split()).rstrip(".!:…")
    return len(words) >= _CLOSER_PREFIX and any(c.startswith(words) for c in _CLOSERS)


def _own_line(lines: Sequence[_Line], i: int) -> bool:
    """Is line i a paragraph of its own (no text line right above it)?"""
    return i == 0 or lines[i - 1].kind != TEXT


def _header_index(lines: Sequence[_Line]) -> int | None:
    first = _next_nonblank(lines, -1)
    if first is None or lines[first].kind != TEXT:
        return None
    if _TITLE_DATE.match(lines[first].text) or _READ_MORE.search(lines[first].text):
        return None
    following = _next_nonblank(lines, first)
    if following is not None and _READ_MORE.search(lines[following].text):
        return None  # the page starts with a teaser
    return first


def _posted_starts(lines: Sequence[_Line], header: int | None) -> list[_Start]:
    """Full posts whose "Posted on" line sits between the title and the body."""
    starts = []
    for i, line in enumerate(lines):
        if line.kind != POSTED:
            continue
        above, below = _prev_nonblank(lines, i), _next_nonblank(lines, i)
        if below is not None and _is_closer(lines[below].text):
            continue  # single-post page: the byline follows the body
        if above is None or lines[above].kind != TEXT:
            continue
        if above == header:
            if " | " in lines[above].text:  # "Post Title | Site": a post page without a title line
                starts.append(_Start(title=above, body=i + 1, posted=i))
        elif _title_like(lines[above].text) and _own_line(lines, above):
            starts.append(_Start(title=above, body=i + 1, posted=i))
    return starts


def _teaser_starts(
    lines: Sequence[_Line], header: int | None, name: str
) -> tuple[list[_Start], list[Problem]]:
    """Teasers: a title line, blank line(s), an excerpt paragraph ending in "Read more"."""
    starts, problems = [], []
    for r, line in enumerate(lines):
        if line.kind != TEXT or not _READ_MORE.search(line.text):
            continue
        first = r
        while first > 0 and lines[first - 1].kind == TEXT and first - 1 != header:
            if _TITLE_DATE.match(lines[first - 1].text):
                break  # a dated title right above the excerpt, without a blank line
            first -= 1
        title = first - 1 if first > 0 and lines[first - 1].kind == TEXT else None
        if title is None or title == header:
            above = _prev_nonblank(lines, first)
            ok = above is not None and lines[above].kind == TEXT and above != header
            title = above if ok and _title_like(lines[above].text) else None
        if title is None:
            problems.append(
                _warn(name, lines[first], "an excerpt ending in 'Read more' has no title; skipped")
            )
            continue
        starts.append(_Start(title=title, body=first, read_more=r))
    return starts, problems


def _dated_starts(lines: Sequence[_Line], header: int | None, taken: set[int]) -> list[_Start]:
    """Other dated title lines: entries without a byline, or cut off by the end of the page."""
    return [
        _Start(title=i, body=i + 1)
        for i, line in enumerate(lines)
        if line.kind == TEXT
        and i != header
        and i not in taken
        and _title_like(line.text)
        and _TITLE_DATE.match(line.text)
    ]


def _starts(
    lines: Sequence[_Line], header: int | None, name: str
) -> tuple[list[_Start], list[Problem]]:
    teasers, problems = _teaser_starts(lines, header, name)
    taken = {i for t in teasers for i in range(t.title, (t.read_more or t.title) + 1)}
    posted = [s for s in _posted_starts(lines, header) if s.title not in taken]
    taken |= {s.title for s in posted}
    starts = teasers + posted + _dated_starts(lines, header, taken)
    return sorted(starts, key=lambda s: s.title), problems


def _spans(lines: Sequence[_Line], starts: Sequence[_Start]) -> list[_Span]:
    """Each entry's lines: up to the next entry, a footer, or a byline after the body."""
    spans = []
    for k, start in enumerate(starts):
        if start.read_more is not None:
            spans.append(_Span(start.title, start.body, start.read_more + 1, None, True, False))
            continue
        last = k + 1 == len(starts)
        end, posted, is_open = (len(lines) if last else starts[k + 1].title), start.posted, last
        for i in range(start.body, end):
            if lines[i].kind in (BARRIER, POSTED):
                if lines[i].kind == POSTED and posted is None:
                    posted = i  # the byline comes after the body
                elif posted is None and _FOOTER.match(lines[i].text):
                    posted = _byline_below(lines, i, end)  # single-post pages: after the footer
                end, is_open = i, False
                break
        spans.append(_Span(start.title, start.body, end, posted, False, is_open))
    return spans


def _byline_below(lines: Sequence[_Line], footer: int, end: int) -> int | None:
    """The byline of the post above a footer, when the page puts it below the footer
    (before the next entry starts): the post is whole, with its categories."""
    return next((i for i in range(footer + 1, end) if lines[i].kind == POSTED), None)


def _trailing_bylines(
    lines: Sequence[_Line], spans: list[_Span], header: int | None
) -> list[_Span]:
    """Single-post pages: a byline after a body that no title started; the text above it is the post."""
    covered = {i for s in spans for i in (s.title, *range(s.first, s.end))}
    covered |= {header} if header is not None else set()
    used = {s.posted for s in spans} | {s.end for s in spans}
    extra = []
    for i, line in enumerate(lines):
        if line.kind != POSTED or i in used or i in covered:
            continue
        first, end = i, i  # the post's lines, up to the byline or a footer above it
        while first > 0 and first - 1 not in covered:
            above = lines[first - 1]
            if above.kind == BARRIER and end == i and _FOOTER.match(above.text):
                end = first - 1  # some pages put the site's footer above the byline
            elif above.kind not in (TEXT, BLANK):
                break
            first -= 1
        text_lines = [
            j
            for j in range(first, end)
            if lines[j].kind == TEXT and not _READ_MORE.search(lines[j].text)
        ]
        if text_lines:
            extra.append(_Span(text_lines[0], text_lines[0] + 1, end, i, False, False))
    return extra


# --- turning an entry's lines into Markdown -------------------------------------------------

_Block = tuple[str, tuple[str, ...]]  # ("p", (paragraph,)) or ("ul", items)


def _blocks(texts: Sequence[str]) -> list[_Block]:
    """Lines → paragraphs and bullet lists; blank lines separate paragraphs."""
    blocks: list[_Block] = []
    kind, items = "", []  # the block being gathered
    for text in [*texts, ""]:
        bullet = _BULLET.match(text)
        line_kind = "" if not text else ("ul" if bullet else "p")
        if line_kind != kind or line_kind == "":
            if items:
                blocks.append((kind, (" ".join(items),) if kind == "p" else tuple(items)))
            kind, items = line_kind, []
        item = text[bullet.end() :] if bullet else text
        if item:
            items.append(item)
    return blocks


def escape_markdown(text: str) -> str:
    """Plain scraped text → Markdown that shows it as that text: the importer writes
    text, never markup (no HTML, no links, no emphasis), whatever the page held."""
    return escape.text(text)


def _terminal(text: str) -> bool:
    """Does the text end as a sentence (or a link) does?"""
    return text.endswith(_TERMINAL_CHARS) or bool(_URL.search(text.rpartition(" ")[2]))


def _markdown(blocks: Sequence[_Block]) -> str:
    parts = []
    for kind, items in blocks:
        escaped = [escape_markdown(item) for item in items]
        parts.append("\n".join(f"- {e}" for e in escaped) if kind == "ul" else escaped[0])
    return "\n\n".join(parts)


def _plain(blocks: Sequence[_Block]) -> str:
    return " ".join(item for _, items in blocks for item in items)


def first_sentences(text: str, least: int = 120, most: int = 300) -> str:
    """The opening sentences of a text: at least ``least`` characters where it has them."""
    end = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > most:
            break
        end = match.end()
        if end >= least:
            return text[:end]
    if len(text) <= most:
        return text
    if end:
        return text[:end]
    return text[:most].rsplit(" ", 1)[0].rstrip(" ,;:–—-") + "…"


def _with_ellipsis(blocks: list[_Block]) -> list[_Block]:
    """Mark a text that stops mid-sentence, as an excerpt does."""
    kind, items = blocks[-1]
    if _terminal(items[-1]):
        return blocks
    return [*blocks[:-1], (kind, (*items[:-1], items[-1].rstrip(" ,;:–—-") + "…"))]


def _complete_part(blocks: list[_Block]) -> list[_Block]:
    """Drop what a cut-off page left unfinished: keep whole sentences, else whole words."""
    kind, items = blocks[-1]
    last = items[-1]
    ends = list(_SENTENCE_END.finditer(last))
    if ends:
        last = last[: ends[-1].end()]
    else:
        words = last.split(" ")[:-1]
        last = " ".join(words).rstrip(" ,;:–—-") + "…" if words else ""
    items = (*items[:-1], last) if last else items[:-1]
    if items:
        return [*blocks[:-1], (kind, items)]
    return blocks[:-1]


# --- posts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """One entry as a page shows it, before duplicates across pages are merged."""

    title: str
    date: dt.date | None
    kind: str  # "full" or "excerpt"
    series: str | None
    categories: tuple[str, ...]
    body: str  # Markdown
    summary: str  # plain text
    page: str  # the page's header line
    where: str  # "page:line" of its title, for messages
    text: str  # plain text of the body, to recognise the same post elsewhere

    @property
    def slug(self) -> str:
        return slugify(self.title) or "tip-" + hashlib.sha1(self.title.encode()).hexdigest()[:8]


def _warn(name: str, line: _Line, message: str) -> Problem:
    return Problem(name, line.number, message, "warning")


def parse_page(text: str, name: str) -> tuple[list[Post], list[Problem]]:
    """Every entry of one scraped page, and a warning for everything that could not be read."""
    lines = _lines(text)
    if not any(line.kind == TEXT for line in lines):
        return [], [Problem(name, 1, "the page has no text", "warning")]
    header = _header_index(lines)
    page = lines[header].text if header is not None else Path(name).name
    starts, problems = _starts(lines, header, name)
    spans = _spans(lines, starts)
    spans = sorted(spans + _trailing_bylines(lines, spans, header), key=lambda s: s.title)
    posts = []
    for span in spans:
        post, span_problems = _post(lines, span, header, page, name)
        problems += span_problems
        if post is not None:
            posts.append(post)
    problems += _loose_text(lines, spans, header, name)
    if not posts:
        problems.append(Problem(name, 1, "no entries found on the page", "warning"))
    return posts, sorted(problems, key=lambda p: p.line)


def _post(
    lines: Sequence[_Line], span: _Span, header: int | None, page: str, name: str
) -> tuple[Post | None, list[Problem]]:
    title_line = lines[span.title]
    raw_title = _header_title(title_line.text) if span.title == header else title_line.text
    title = _parse_title(raw_title)
    problems = [_warn(name, title_line, title.problem)] if title.problem else []
    posted = _posted_parts(lines[span.posted].text) if span.posted is not None else None
    texts = [line.text if line.kind == TEXT else "" for line in lines[span.first : span.end]]
    if span.teaser:
        texts[-1] = _READ_MORE.sub("", texts[-1])
    kind, blocks, ending = _ending(lines, span, _blocks(texts), title.text, name)
    problems += ending
    if not blocks:
        return None, problems
    categories = posted.categories if posted else ()
    tow = title.tow or any(c.casefold() == TOW_CATEGORY for c in categories)
    plain = _plain(blocks)
    post = Post(
        title=title.text,
        date=title.date or (posted.date if posted else None),
        kind=kind,
        series=SERIES_TOW if tow else None,
        categories=categories,
        body=_markdown(blocks),
        summary=plain if span.teaser else first_sentences(plain),
        page=page,
        where=f"{name}:{title_line.number}",
        text=plain,
    )
    return post, problems


def _ending(
    lines: Sequence[_Line], span: _Span, blocks: list[_Block], title: str, name: str
) -> tuple[str, list[_Block], list[Problem]]:
    """The entry's kind and text: what a page cut off mid-entry left complete is an excerpt."""
    title_line = lines[span.title]
    kind = "full" if span.posted is not None else "excerpt"
    problems = []
    if span.open and (not blocks or not _terminal(blocks[-1][1][-1])):
        cut_at = next((ln for ln in reversed(lines) if ln.kind != BLANK), title_line)
        blocks = _complete_part(blocks) if blocks else []
        kind, kept = "excerpt", "kept its complete part as an excerpt" if blocks else "skipped"
        message = f"'{title}' is cut off by the end of the page (line {cut_at.number}); {kept}"
        problems.append(_warn(name, title_line, message))
    elif span.posted is None and not span.teaser:
        message = "no 'Read more' or 'Posted on' line; imported as an excerpt"
        problems.append(_warn(name, title_line, message))
    if not blocks and not span.open:
        problems.append(_warn(name, title_line, f"'{title}' has no text; skipped"))
    if blocks and kind == "excerpt":
        blocks = _with_ellipsis(blocks)
    return kind, blocks, problems


def _loose_text(
    lines: Sequence[_Line], spans: Sequence[_Span], header: int | None, name: str
) -> list[Problem]:
    """A warning for each run of text that belongs to no entry.

    The list of related posts after "Did you like this post?" is boilerplate: no warning.
    """
    covered = {i for s in spans for i in (s.title, *range(s.first, s.end))}
    covered |= {s.posted for s in spans if s.posted is not None}
    runs: list[list[_Line]] = []
    in_run, quiet = False, False
    for i, line in enumerate(lines):
        if i in covered or i == header:
            in_run, quiet = False, False
        elif line.kind == BARRIER:
            in_run, quiet = False, bool(_RELATED.match(line.text))
        elif line.kind in (TEXT, POSTED) and not quiet:
            if not in_run:
                runs.append([])
            runs[-1].append(line)
            in_run = True
    return [_loose_warning(name, run) for run in runs]


def _loose_warning(name: str, run: Sequence[_Line]) -> Problem:
    first, last = run[0], run[-1]
    where = f" (to line {last.number})" if last is not first else ""
    shown = first.text if len(first.text) <= 60 else first.text[:57] + "…"
    return _warn(name, first, f"text outside any entry ignored{where}: '{shown}'")
