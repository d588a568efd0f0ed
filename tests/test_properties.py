"""Property tests: any valid tip survives write → read unchanged; reading never raises."""

from __future__ import annotations

import datetime as dt
import pickle
import posixpath
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cache import digest
from generator.content.safety import unsafe_markup
from generator.content.tipfile import dump_tip, parse_tip
from generator.model import SERIES_TOW, Phrase, Source, Tip, slugify
from generator.site import markdown as pages_md

ROOT = Path(__file__).parent.parent

# Text as tips hold it: any character but control characters and lone surrogates
# (line ends are normalised on reading, so '\r' is not part of stored text).
TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() == s and s != "")
BODY = (
    st.lists(TEXT, min_size=1, max_size=5).map("\n\n".join).filter(lambda b: not unsafe_markup(b))
)
IDS = st.lists(st.from_regex(r"[a-z]{1,8}(-[a-z]{1,8})?", fullmatch=True), max_size=3, unique=True)


@st.composite
def tips(draw: st.DrawFn) -> Tip:
    title = draw(TEXT.filter(lambda t: slugify(t) != ""))
    return Tip(
        title=title,
        slug=slugify(title),
        body=draw(BODY) + "\n",
        date=draw(st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1))),
        kind=draw(st.sampled_from(["full", "excerpt"])),
        series=draw(st.sampled_from([None, SERIES_TOW])),
        categories=tuple(draw(st.lists(TEXT, max_size=3))),
        summary=draw(st.just("") | TEXT),
        source=draw(
            st.none()
            | st.builds(Source, page=TEXT, digest=st.from_regex(r"[0-9a-f]{8}", fullmatch=True))
        ),
        situations=tuple(draw(IDS)),
        techniques=tuple(draw(IDS)),
        phrases=tuple(
            draw(
                st.lists(
                    st.builds(Phrase, text=TEXT, situations=IDS.map(tuple), auto=st.booleans()),
                    max_size=3,
                )
            )
        ),
        draft=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tips())
def test_any_valid_tip_round_trips(tip: Tip) -> None:
    text = dump_tip(tip)
    parsed, problems = parse_tip(Path(tip.filename), text.encode("utf-8"))
    assert [p for p in problems if p.level == "error"] == []
    assert parsed == tip


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=400)
    | st.text(max_size=400).map(lambda t: ("---\n" + t).encode("utf-8", "surrogatepass"))
)
def test_reading_never_raises(raw: bytes) -> None:
    tip, problems = parse_tip(Path("undated-x.md"), raw)
    assert (tip is None) == any(p.level == "error" for p in problems)
    assert all(p.line >= 1 for p in problems)


FOLDERS = st.lists(st.sampled_from(["tips", "situations", "a", "b", "x-y"]), max_size=3)
PAGE = st.builds(
    lambda folders, name: "/".join([*folders, name]),
    FOLDERS,
    st.sampled_from(["index.md", "2.md", "tips.md", "a.md"]),
)


@given(PAGE, PAGE)
def test_page_links_are_what_relpath_gives(target: str, source: str) -> None:
    """The generator's quick relative links equal posixpath.relpath's for page paths."""
    folder = posixpath.dirname(source) or "."
    assert pages_md._relative(target, source) == posixpath.relpath(target, folder)


@given(PAGE, PAGE)
def test_html_links_are_the_urls_mkdocs_makes(target: str, source: str) -> None:
    """The generator's HTML links equal what MkDocs makes of a Markdown link between the
    same pages, with the mkdocs.yml setting they assume (use_directory_urls)."""
    from mkdocs.structure.files import File
    from mkdocs.utils import get_relative_url

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["use_directory_urls"] is True

    def served(page: str) -> str:
        return File(page, "docs", "site", use_directory_urls=True).url

    assert pages_md.url(source, target) == get_relative_url(served(target), served(source))


ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
META = st.dictionaries(
    st.from_regex(r"[a-z]{1,8}", fullmatch=True),
    st.lists(ANY_TEXT, max_size=3)
    | st.dictionaries(st.sampled_from(["boost", "exclude"]), st.floats(0, 10) | st.booleans())
    | ANY_TEXT,
    max_size=4,
)


@given(META)
def test_front_matter_reads_back_as_written(data: dict[str, object]) -> None:
    """Pages' front matter is JSON per key; YAML (as MkDocs reads it) gets the same values."""
    text = pages_md.front_matter(data)
    assert (yaml.safe_load(text.split("---\n")[1]) if data else None) == (data or None)


# What digest() is given: strings, numbers, None, and tuples or lists of them.
DIGESTED = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=4),
    max_leaves=12,
)


@given(DIGESTED)
def test_equal_values_have_equal_digests(value: object) -> None:
    """However the value was made: copied through pickle (as a worker process gets it),
    with interned strings, or referenced from elsewhere."""
    copy = pickle.loads(pickle.dumps(value))
    held = [value, value, copy]  # more references to the same objects
    assert digest(copy) == digest(value) == digest(_interned(value))
    assert held


def _interned(value: object) -> object:
    if isinstance(value, str):
        return sys.intern("".join(list(value)))
    if isinstance(value, tuple | list):
        return type(value)(map(_interned, value))
    return value
