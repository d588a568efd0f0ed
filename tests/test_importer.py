"""`tipkb import`: scraped pages → one tip file per post, safely re-runnable."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.build import import_pages  # the importer with the tagger, as `tipkb import`
from generator.cli import cli
from generator.content.load import load_content
from generator.content.safety import unsafe_markup
from generator.content.tipfile import dump_tip, parse_tip, read_tip
from generator.errors import InputError
from generator.importing.merge import merge_posts, same_post
from generator.importing.parse import Post, parse_page
from generator.importing.plan import digest, edited
from generator.model import SERIES_TOW, Tip

HERE = Path(__file__).parent
REPO = HERE.parent
SEEDS = sorted((HERE / "fixtures").glob("*.txt"))
PAGES = HERE / "fixtures" / "pages"
HAND_MADE = sorted(PAGES.glob("*.txt"))
BOILERPLATE = (
    "Read more",
    "Posted on",
    "Signup for FREE",
    "Interested in improving",
    "Did you like this post",
    "« Previous",
    "Next »",
    "Add a Comment",
    "Customer Service Solutions, Inc. - Page",
    "\u00a0",
)


def tips_in(content: Path) -> dict[str, Tip]:
    """Every tip file of a content folder, by file name; each must read without errors."""
    tips = {}
    for path in sorted((content / "tips").glob("*.md")):
        tip, problems = read_tip(path)
        assert tip is not None, problems
        tips[path.name] = tip
    return tips


def write_page(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- parsing: hand-made pages that vary the format -------------------------------------


@pytest.mark.parametrize("page", HAND_MADE, ids=lambda p: p.stem)
def test_hand_made_page(page: Path) -> None:
    expected = yaml.safe_load(page.with_name(f"{page.stem}.expected.yml").read_text("utf-8"))
    posts, problems = parse_page(page.read_text("utf-8"), page.name)

    assert [p.title for p in posts] == [e["title"] for e in expected["entries"]]
    for post, want in zip(posts, expected["entries"], strict=True):
        assert post.date == want["date"], post.title
        assert post.kind == want["kind"], post.title
        assert post.series == want.get("series"), post.title
        assert list(post.categories) == want.get("categories", []), post.title
        assert post.page == expected["page"]
        for key in ("body", "summary"):
            if key in want:
                assert getattr(post, key) == want[key], f"{post.title}: {key}"
    found = [f"{p.line}: {p.message}" for p in problems]
    assert len(found) == len(expected["warnings"]), found
    for got, want in zip(found, expected["warnings"], strict=True):
        assert got.startswith(want)
        assert all(p.level == "warning" and p.path == page.name for p in problems)


@pytest.mark.parametrize("page", SEEDS + HAND_MADE, ids=lambda p: p.stem)
def test_entries_are_clean_markdown_without_boilerplate(page: Path) -> None:
    posts, _ = parse_page(page.read_text("utf-8"), page.name)
    for post in posts:
        for text in (post.title, post.body, post.summary):
            assert text == text.strip() and text
            assert not [b for b in BOILERPLATE if b in text], (post.title, text)
        assert "  " not in post.body and "\n\n\n" not in post.body
        assert "\n" not in post.summary and "\n" not in post.title
        assert unsafe_markup(post.body) == []
        assert "<" not in post.body


def test_bullets_become_markdown_lists() -> None:
    seed = (HERE / "fixtures" / "000_2ed0cde2bf974ec3.txt").read_text("utf-8")
    posts, _ = parse_page(seed, "p")
    once = next(p for p in posts if p.title.startswith("You’re Once"))
    items = [line for line in once.body.split("\n") if line.startswith("- ")]
    assert len(items) == 8
    assert "•" not in once.body
    assert "\n\n- You would be more concerned" in once.body  # a list starts a new block


@pytest.mark.parametrize(
    ("title_line", "title", "date", "series"),
    [
        ("Energy v. Apathy - 4/22/25", "Energy v. Apathy", dt.date(2025, 4, 22), None),
        ("Fix Fast – 2/4/14 TOW", "Fix Fast", dt.date(2014, 2, 4), SERIES_TOW),
        ("Listen – Then Speak – 5/5/15", "Listen – Then Speak", dt.date(2015, 5, 5), None),
        ("Wait... What? - 12/31/99", "Wait... What?", dt.date(2099, 12, 31), None),
        (
            "Year 2000 - Y2K Service - 1/1/2000",
            "Year 2000 - Y2K Service",
            dt.date(2000, 1, 1),
            None,
        ),
        ("A Bare Title, No Date", "A Bare Title, No Date", None, None),
    ],
)
def test_title_lines(title_line: str, title: str, date: dt.date | None, series: str | None) -> None:
    page = f"header\n\n{title_line}\n\nPosted on in Tips Please leave a comment\n\nText.\n"
    (post,), problems = parse_page(page, "p")
    assert (post.title, post.date, post.series, post.kind) == (title, date, series, "full")
    assert problems == []


@pytest.mark.parametrize(
    ("byline", "categories", "series"),
    [
        ("Posted on in Business Advice Please leave a comment", ["Business Advice"], None),
        ("Posted on in Business Advice, Government 1 Comment", ["Business Advice", "Government"], None),
        ("Posted on in Customer Service Tip of the Week 27 Comments", ["Customer Service Tip of the Week"], SERIES_TOW),
        ("Posted on in Please leave a comment", [], None),
        ("Posted on July 8, 2014 in Service Recovery No Comments", ["Service Recovery"], None),
    ],
)  # fmt: skip
def test_bylines(byline: str, categories: list[str], series: str | None) -> None:
    page = f"header\n\nA Title\n\n{byline}\n\nText.\n"
    (post,), _ = parse_page(page, "p")
    assert list(post.categories) == categories
    assert post.series == series


def test_a_dated_byline_gives_the_date() -> None:
    page = "header\n\nA Title\n\nPosted on July 8, 2014 in Tips 2 Comments\n\nText.\n"
    (post,), _ = parse_page(page, "p")
    assert post.date == dt.date(2014, 7, 8)


def test_a_post_page_without_a_title_line_takes_the_title_from_its_header() -> None:
    page = (
        "Own It – 3/3/15 | Customer Service Solutions, Inc.\n\nPosted on in Tips 1 Comment\n\nDo.\n"
    )
    (post,), problems = parse_page(page, "p")
    assert (post.title, post.date, post.kind, post.body) == (
        "Own It",
        dt.date(2015, 3, 3),
        "full",
        "Do.",
    )
    assert problems == []


def test_prose_starting_like_a_byline_stays_in_the_body() -> None:
    page = (
        "header\n\nA Title\n\nPosted on in Tips Please leave a comment\n\n"
        "Posted on the wall in the lobby was a sign.\n"
    )
    (post,), problems = parse_page(page, "p")
    assert post.body == "Posted on the wall in the lobby was a sign."
    assert problems == []


def test_full_post_summary_is_its_first_sentences() -> None:
    seed = (HERE / "fixtures" / "003_3d78b9db761b2e7a.txt").read_text("utf-8")
    posts, _ = parse_page(seed, "p")
    review = next(p for p in posts if p.title.startswith("Review the Failures"))
    assert review.summary.startswith("“Those who don’t learn from history")
    assert review.summary.endswith("a question I was asked recently.")
    assert review.body.startswith(review.summary.split("” ")[0])


# --- merging duplicates -----------------------------------------------------------------


def post(title: str, date: dt.date | None, text: str, kind: str = "excerpt") -> Post:
    return Post(title, date, kind, None, (), text, text, "page", "page:1", text)


STORY = "The customer is angry, so you use the technique as designed, but it does not work at all"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (post("Don’t Rush", None, "x"), post("Don't rush!", dt.date(2025, 4, 29), "y"), True),
        (
            post("Don’t Rush to Resolve", dt.date(2025, 4, 29), STORY),
            post("Rush to Resolve? Don’t", dt.date(2025, 4, 29), STORY + " today"),
            True,
        ),
        (
            post("Energy v. Apathy", dt.date(2025, 4, 22), "Energy is what customers feel."),
            post("Prep to Personalize", dt.date(2025, 4, 22), "Everybody loves Howie."),
            False,
        ),
        (
            post("Create Customers for Life", dt.date(2025, 6, 17), STORY),
            post("Create Customers for a Lifetime", dt.date(2024, 6, 17), STORY),
            False,
        ),
        (
            post("Listen with Your Eyes", None, STORY),
            post("Listen With Our Eyes", None, STORY),
            True,
        ),
        (post("Listen with Your Eyes", None, "a b c"), post("Listen to Me", None, "d e f"), False),
    ],
)
def test_same_post(a: Post, b: Post, same: bool) -> None:
    assert same_post(a, b) is same
    assert same_post(b, a) is same


@pytest.mark.parametrize("order", [1, -1])
def test_reworded_teasers_and_teaser_plus_full_post_are_one_entry_each(order: int) -> None:
    posts: list[Post] = []
    for page in [PAGES / "reworded_a.txt", PAGES / "reworded_b.txt"][::order]:
        posts += parse_page(page.read_text("utf-8"), page.name)[0]
    merged, problems = merge_posts(posts)
    assert problems == []
    assert sorted((p.date, p.kind) for p in merged) == [
        (dt.date(2025, 1, 28), "full"),
        (dt.date(2025, 4, 29), "excerpt"),
    ]
    rush = next(p for p in merged if p.kind == "excerpt")
    assert "exactly as designed" in rush.body  # the longer teaser wins, whatever the order
    listen = next(p for p in merged if p.kind == "full")
    assert listen.series == SERIES_TOW and "shoulder bag" in listen.body


def test_conflicting_dates_for_one_title_are_reported() -> None:
    a = post("Say Thank You", dt.date(2015, 11, 24), "Thanks.")
    b = post("Say Thank You", dt.date(2016, 11, 22), "Thanks again.")
    merged, problems = merge_posts([a, b])
    assert len(merged) == 1
    assert "different dates (2015-11-24, 2016-11-22)" in problems[0].message


# --- importing the seed pages -----------------------------------------------------------

UNDATED_IN_SEEDS = {
    "You’re Once, Twice, Three Times a Customer",
    "Small Errors in Service Recovery",
    "Culture can be the Root of City Government Service Issues",
    "Address the 4 P’s for a Customer-friendly COVID-19 Walk-in Experience",
    "Defining Organizational Agility in a Time of Uncertainty",
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("seeded") / "content"
    report = import_pages(SEEDS, content)
    assert report.summary == "43 new, 0 updated, 0 unchanged, 0 skipped"
    assert report.warnings == ()
    return content


def test_seed_figures(seeded: Path) -> None:
    tips = tips_in(seeded).values()
    assert len(tips) == 43
    assert sum(t.kind == "full" for t in tips) == 10
    assert sum(t.kind == "excerpt" for t in tips) == 33
    # Every title line of the seeds, read by eye: these five carry no date.
    assert {t.title for t in tips if t.date is None} == UNDATED_IN_SEEDS


@pytest.mark.parametrize(
    ("filename", "kind", "series", "categories", "page"),
    [
        (
            "2014-07-08-defend-without-being-defensive.md",
            "full",
            SERIES_TOW,
            ("Customer Service Tip of the Week",),
            "service recovery | Customer Service Solutions, Inc. - Page 10",
        ),
        (
            "2018-01-23-fix-the-unfixed-issue-for-your-customer.md",
            "full",
            SERIES_TOW,  # from the category: the title has no TOW
            ("Customer Service Tip of the Week",),
            "resolve",
        ),
        (
            "undated-culture-can-be-the-root-of-city-government-service-issues.md",
            "full",
            None,
            ("Business Advice", "Government"),
            "service recovery | Customer Service Solutions, Inc. - Page 10",
        ),
        (
            "2025-03-04-patience-is.md",
            "excerpt",
            None,
            (),
            "service recovery | Customer Service Solutions, Inc. - Page 10",
        ),
        (
            "undated-address-the-4-ps-for-a-customer-friendly-covid-19-walk-in-experience.md",
            "excerpt",
            None,
            (),
            "resolve",
        ),
    ],
)
def test_seed_entries(
    seeded: Path,
    filename: str,
    kind: str,
    series: str | None,
    categories: tuple[str, ...],
    page: str,
) -> None:
    tip = tips_in(seeded)[filename]
    assert (tip.kind, tip.series, tip.categories) == (kind, series, categories)
    assert tip.source is not None and tip.source.page == page
    assert not edited(tip)


def test_seeded_content_passes_check(seeded: Path) -> None:
    assert len(load_content(seeded).tips) == 43


def test_imported_tips_round_trip(seeded: Path) -> None:
    for tip in tips_in(seeded).values():
        assert tip.source is not None and tip.source.digest == digest(tip)
        again, problems = parse_tip(tip.path or Path(), dump_tip(tip).encode("utf-8"))
        assert problems == []
        assert again == tip


# --- re-running, editors' changes, renames ----------------------------------------------


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import_pages(SEEDS, content)
    past = 1_000_000_000
    for path in (content / "tips").iterdir():
        os.utime(path, ns=(past, past))
    before = {p.name: p.read_bytes() for p in (content / "tips").iterdir()}

    report = import_pages(SEEDS, content)

    assert report.summary == "0 new, 0 updated, 43 unchanged, 0 skipped"
    after = {p.name: p.read_bytes() for p in (content / "tips").iterdir()}
    assert after == before
    assert {p.stat().st_mtime_ns for p in (content / "tips").iterdir()} == {past}


def test_editor_change_is_skipped_unless_forced(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import_pages(SEEDS, content)
    path = content / "tips" / "2014-07-08-defend-without-being-defensive.md"
    original = path.read_text("utf-8")
    path.write_text(original.replace("flat out wrong", "simply wrong"), "utf-8")

    report = import_pages(SEEDS, content)
    assert report.summary == "0 new, 0 updated, 42 unchanged, 1 skipped"
    assert "simply wrong" in path.read_text("utf-8")
    assert [str(w.path) for w in report.warnings] == [str(path)]
    assert "changed by an editor" in report.warnings[0].message

    report = import_pages(SEEDS, content, force=True)
    assert report.summary == "0 new, 1 updated, 42 unchanged, 0 skipped"
    assert path.read_text("utf-8") == original


def test_tags_are_not_imported_fields(tmp_path: Path) -> None:
    """Editors tag tips; tags survive the update of a teaser to its full post."""
    content = tmp_path / "content"
    import_pages([PAGES / "reworded_a.txt"], content)
    path = content / "tips" / "2025-01-28-listen-with-your-eyes.md"
    tip, _ = read_tip(path)
    assert tip is not None and tip.kind == "excerpt"
    tagged = dataclasses.replace(tip, situations=("walk-in",), rejected=("apology",))
    path.write_text(dump_tip(tagged), "utf-8")

    report = import_pages([PAGES / "reworded_b.txt"], content)

    # Both entries change: this teaser becomes its full post, the other gets its longer wording.
    assert report.summary == "0 new, 2 updated, 0 unchanged, 0 skipped"
    tip, _ = read_tip(path)
    assert tip is not None and tip.kind == "full" and "shoulder bag" in tip.body
    assert "walk-in" in tip.situations and tip.rejected == ("apology",)
    assert not edited(tip)


def test_a_teaser_never_replaces_the_full_text(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import_pages([PAGES / "reworded_b.txt"], content)
    report = import_pages([PAGES / "reworded_a.txt"], content)
    assert report.count("unchanged") == 1  # Listen with Your Eyes stays full
    tips = tips_in(content)
    assert tips["2025-01-28-listen-with-your-eyes.md"].kind == "full"
    assert len(tips) == 2  # the reworded teaser matched its earlier entry


def test_a_new_date_renames_the_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import_pages([PAGES / "tag_header.txt"], content)
    assert (content / "tips" / "undated-the-3-rs-of-recovery.md").exists()
    dated = write_page(
        tmp_path,
        "dated.txt",
        "recovery\n\nThe 3 R’s of Recovery - 10/13/15\n\n\nRecognise, respond, and restore. Read more\n",
    )

    report = import_pages([dated], content)

    assert report.summary == "0 new, 1 updated, 0 unchanged, 0 skipped"
    assert not (content / "tips" / "undated-the-3-rs-of-recovery.md").exists()
    tip = tips_in(content)["2015-10-13-the-3-rs-of-recovery.md"]
    assert tip.date == dt.date(2015, 10, 13)
    assert len(tips_in(content)) == 4


def test_a_file_that_cannot_be_read_is_never_overwritten(tmp_path: Path) -> None:
    content = tmp_path / "content"
    broken = content / "tips" / "2015-03-03-own-the-outcome.md"
    broken.parent.mkdir(parents=True)
    broken.write_text("---\ntitle: [unclosed\n---\nMine.\n", "utf-8")

    report = import_pages([PAGES / "cut_teaser.txt"], content)

    assert report.summary == "1 new, 0 updated, 0 unchanged, 1 skipped"
    assert broken.read_text("utf-8") == "---\ntitle: [unclosed\n---\nMine.\n"


def test_new_and_updated_entries_are_auto_tagged(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "taxonomy.yml").write_text(
        "situations:\n"
        "  - {id: upset-customer, label: Upset customer, description: Angry.,"
        " rules: [irate|angry]}\n"
        "techniques: []\n",
        "utf-8",
    )
    import_pages(SEEDS, content)
    tips = tips_in(content)
    defend = tips["2014-07-08-defend-without-being-defensive.md"]
    assert defend.situations == ("upset-customer",) and defend.auto_tags == ("upset-customer",)
    assert tips["2025-04-01-narrow-your-focus-to-seek-excellence.md"].situations == ()
    assert len(load_content(content).tips) == 43


# --- bad input ------------------------------------------------------------------------------


def test_missing_page_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    content = tmp_path / "content"
    with pytest.raises(InputError, match=r"missing\.txt: file not found"):
        import_pages([*SEEDS, tmp_path / "missing.txt"], content)
    assert not content.exists()


def test_non_utf8_page_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "latin1.txt"
    page.write_bytes("header\n\nCaf\u00e9 - 1/1/15\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.txt:3: page is not UTF-8"):
        import_pages([page], tmp_path / "content")


# --- the command line -----------------------------------------------------------------------


def test_cli_import_prints_the_summary_and_warnings(tmp_path: Path) -> None:
    content = tmp_path / "content"
    pages = [*map(str, SEEDS), str(PAGES / "cut_off.txt")]
    result = CliRunner().invoke(cli, ["import", *pages, "--content", str(content)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "44 new, 0 updated, 0 unchanged, 0 skipped\n"
    assert f"{PAGES / 'cut_off.txt'}:8: warning: 'Defend without Being Defensive'" in result.stderr

    again = CliRunner().invoke(cli, ["import", *map(str, SEEDS), "--content", str(content)])
    assert again.stdout == "0 new, 0 updated, 43 unchanged, 0 skipped\n"


def test_cli_missing_page_exits_1(tmp_path: Path) -> None:
    content = tmp_path / "content"
    result = subprocess.run(
        [sys.executable, "-m", "generator", "import", "nope.txt", "--content", str(content)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 1
    assert "error: nope.txt: file not found" in result.stderr
    assert "Traceback" not in result.stderr
    assert not content.exists()
