"""Search: the index, queries, related tips, near-duplicates, `tipkb search`, `tipkb eval search`.

Tiny corpora in tmp_path check behaviour; the committed content checks the
issue's own example and the quality target.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from generator.build import evaluate_search, search_tips
from generator.cli import cli, main
from generator.content.load import load_content
from generator.content.tipfile import dump_tip
from generator.errors import BuildError, ContentError, InputError, QueryError
from generator.model import Phrase, Taxonomy, Term, Tip, slugify
from generator.search import integrity
from generator.search import related as related_module
from generator.search.evaluation import (
    Scores,
    SearchEvaluation,
    evaluate,
    load_queries,
    run_queries,
    score_rankings,
)
from generator.search.index import CONTENTS, INDEX_NAME, OPEN, plan_index, update_index
from generator.search.query import search
from generator.search.related import Signatures, kept_related_tips, related_tips
from generator.search.snippets import MARK, plain_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "corpus"
LABELS = Path(__file__).parent / "labels"

TAXONOMY = Taxonomy(
    situations=(
        Term("upset-customer", "Upset customer", "Angry.", synonyms=("yelling", "irate")),
        Term("bad-news", "Bad news", "A no.", synonyms=("refund delay", "say no")),
        Term("long-wait", "Long wait", "Waiting.", synonyms=("on hold",)),
    ),
    techniques=(
        Term("apology", "Apology", "Sorry.", synonyms=("sorry",)),
        Term("stay-calm", "Stay calm", "Calm.", synonyms=("composure",)),
    ),
)


def tip(title: str, body: str, **fields: object) -> Tip:
    return Tip(title=title, slug=slugify(title), body=body, **fields)  # type: ignore[arg-type]


TIPS = (
    tip(
        "Handle the Screamer",
        "When a caller starts to scream, keep your composure and let them finish.",
        situations=("upset-customer",),
        techniques=("stay-calm",),
        phrases=(Phrase("I can hear how frustrating this is.", ("upset-customer",)),),
        date=dt.date(2024, 1, 2),
    ),
    tip(
        "Explain the Refund Timeline",
        "The refund takes seven business days. Tell the customer exactly when the money arrives.",
        situations=("bad-news",),
        phrases=(Phrase("Your refund will reach your account by Friday."),),
        date=dt.date(2024, 1, 9),
    ),
    tip(
        "Refund Stories",
        "A refund refund refund story about refund policies, told at length.",
        date=dt.date(2024, 1, 16),
    ),
    tip(
        "Thank the Caller",
        "Saying thank you at the end of a call leaves a warm feeling.",
        techniques=("apology",),
        date=dt.date(2024, 1, 23),
    ),
    tip(
        "A Sincere Apology",
        "Apologize once, sincerely, then move to fixing the problem for the customer.",
        situations=("upset-customer",),
        techniques=("apology",),
        date=dt.date(2024, 1, 30),
    ),
)


@pytest.fixture(autouse=True)
def _close_indexes() -> Iterator[None]:
    yield
    OPEN.close()


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    update_index(TIPS, TAXONOMY, folder)
    return folder


def slugs(index_dir: Path, query: str, **options: object) -> list[str]:
    return list(search(index_dir, query, TAXONOMY, **options).slugs)  # type: ignore[arg-type]


# --- queries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("screaming", "handle-the-screamer"),  # stemming: "scream" in the text
        ("refunds", "explain-the-refund-timeline"),
        ("apologizing", "a-sincere-apology"),
    ],
)
def test_words_match_in_any_form(index_dir: Path, query: str, expected: str) -> None:
    assert expected in slugs(index_dir, query)


def test_a_synonym_finds_the_tips_of_its_term(index_dir: Path) -> None:
    # No tip says "yelling"; it is a synonym of upset-customer.
    found = slugs(index_dir, "customer keeps yelling")
    assert set(found[:2]) == {"handle-the-screamer", "a-sincere-apology"}


def test_naming_a_term_ranks_its_tips_up(index_dir: Path) -> None:
    assert slugs(index_dir, "refund")[0] == "refund-stories"  # the word, four times
    # "refund delay" names bad-news: its tip now comes first.
    assert slugs(index_dir, "refund delay")[0] == "explain-the-refund-timeline"


def test_all_words_first_then_any(index_dir: Path) -> None:
    found = slugs(index_dir, "refund customer")
    assert found[0] == "explain-the-refund-timeline"  # has both words
    assert "refund-stories" in found  # has one: still listed, after


def test_a_long_question_still_finds_something(index_dir: Path) -> None:
    query = "what on earth do I say when a caller wants their refund back yesterday"
    assert "explain-the-refund-timeline" in slugs(index_dir, query)


@pytest.mark.parametrize(
    ("query", "searched", "note"),
    [
        ("refnd", "refund", "No tips match 'refnd'; showing results for 'refund'."),
        ("refund timline", "refund timeline", "Showing results for 'refund timeline' instead of"),
        ("refund", "refund", None),
        ("kinder refunds", "kinder refunds", None),  # known in another form: kept as typed
        ("taller refund", "taller refund", None),  # English, though no tip has it: not "caller"
    ],
)
def test_words_no_tip_has_are_respelled_and_the_respelled_query_searched(
    index_dir: Path, query: str, searched: str, note: str | None
) -> None:
    results = search(index_dir, query, TAXONOMY)
    assert results.searched == searched
    assert results.corrected == (searched if searched != query else None)
    assert (results.note or "").startswith(note or "")
    assert results.note is None or note is not None
    assert results.slugs[0] in {"refund-stories", "explain-the-refund-timeline"}


def test_a_query_no_respelling_helps_says_nothing_matches(index_dir: Path) -> None:
    results = search(index_dir, "zzzqx", TAXONOMY)
    assert (results.results, results.note) == ((), "No tips match 'zzzqx'.")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "the query has no words"),
        (" ?! …", "the query has no words"),
        ("what is the", "'what is the' has only common words"),
        ("a 1 x", "has only common words"),
        ("q" * 400, "'qqqqqqqqqqqqqqqqqqqq…' is 400 letters long"),
        ("refund " * 100, "the query is 700 characters long; keep it under 500"),
    ],
)
def test_a_query_that_cannot_be_searched_says_why(
    index_dir: Path, query: str, message: str
) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        search(index_dir, query, TAXONOMY)


@pytest.mark.parametrize(
    "query",
    ["q" * 40, " ".join(f"{'q' * 38}{i}" for i in range(12)), " ".join(["refnd"] * 80)],
)
def test_the_spelling_suggestion_is_quick_for_any_query(index_dir: Path, query: str) -> None:
    start = time.perf_counter()
    search(index_dir, query, TAXONOMY)
    assert time.perf_counter() - start < 2.0  # a 1,000-letter word took 19 s


def test_filters(index_dir: Path) -> None:
    assert len(slugs(index_dir, "customer")) == 3  # in two texts, and a term label
    assert set(slugs(index_dir, "customer", situation="upset-customer")) == {
        "a-sincere-apology",
        "handle-the-screamer",
    }
    assert slugs(index_dir, "customer", technique="apology") == ["a-sincere-apology"]
    assert slugs(index_dir, "refund", situation="upset-customer") == []


@pytest.mark.parametrize(
    ("option", "typo"), [("situation", "upset-custmer"), ("technique", "apolgy")]
)
def test_an_unknown_filter_id_is_an_error_with_a_suggestion(
    index_dir: Path, option: str, typo: str
) -> None:
    with pytest.raises(InputError, match=rf"unknown {option} '{typo}' \(did you mean"):
        search(index_dir, "refund", TAXONOMY, **{option: typo})  # type: ignore[arg-type]


def test_facets_count_the_matching_tips_per_term(index_dir: Path) -> None:
    facets = search(index_dir, "yelling", TAXONOMY).to_json()["facets"]
    assert facets == {
        "situations": {"upset-customer": 2},
        "techniques": {"apology": 1, "stay-calm": 1},
    }


def test_json_shape(index_dir: Path) -> None:
    data = search(index_dir, "refund", TAXONOMY, limit=1).to_json()
    assert list(data) == ["query", "searched", "results", "facets"]
    assert list(data["results"][0]) == [
        "slug",
        "title",
        "date",
        "url",
        "score",
        "situations",
        "techniques",
        "snippet",
        "phrases",
    ]
    first = data["results"][0]
    assert (first["url"], first["date"]) == ("tips/refund-stories/", "2024-01-16")
    assert json.loads(json.dumps(data)) == data


def test_json_is_plain_text(index_dir: Path) -> None:
    """Scripts get text, not markup: no MARK, tags, entities or backslash escapes."""
    first = search(index_dir, "screaming caller", TAXONOMY).to_json()["results"][0]
    assert MARK not in first["snippet"] and "caller" in first["snippet"]
    for value in (first["title"], first["snippet"], *first["phrases"]):
        assert not re.search(r"</?[a-z]+[ >]|&[a-z#0-9]+;|\\[\[\]*_`]", value), value


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("Type &lt;b&gt; and \\[x\\](y) *now*", "Type <b> and [x](y) now"),
        ("An <em>editor's</em> [link](https://x.test)", "An editor's link"),
        ("- a\n- b &amp; c", "a b & c"),
    ],
)
def test_plain_text_has_no_markup(markdown: str, text: str) -> None:
    assert plain_text(markdown) == text


def test_snippets_mark_the_matching_words(index_dir: Path) -> None:
    result = search(index_dir, "screaming caller", TAXONOMY).results[0]
    assert f"{MARK}caller{MARK}" in result.snippet
    assert f"{MARK}scream{MARK}" in result.snippet
    assert "**" not in result.snippet.replace(f"{MARK}caller{MARK}", "").replace(
        f"{MARK}scream{MARK}", ""
    )


def test_phrases_that_match_the_query_come_with_the_tip(index_dir: Path) -> None:
    by_slug = {r.slug: r for r in search(index_dir, "refund friday", TAXONOMY).results}
    assert by_slug["explain-the-refund-timeline"].phrases == (
        "Your refund will reach your account by Friday.",
    )
    # A phrase for the situation the query names comes too, without a shared word.
    yelling = {r.slug: r for r in search(index_dir, "yelling", TAXONOMY).results}
    assert yelling["handle-the-screamer"].phrases == ("I can hear how frustrating this is.",)


def test_results_are_limited_and_ranked_deterministically(index_dir: Path) -> None:
    first = search(index_dir, "customer", TAXONOMY, limit=2)
    assert len(first.results) == 2
    assert first == search(index_dir, "customer", TAXONOMY, limit=2)


def test_no_index_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no search index"):
        search(tmp_path, "refund", TAXONOMY)


# --- incremental indexing ----------------------------------------------------


def index_files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_update_adds_changes_and_removes_only_what_changed(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    first = update_index(TIPS[:3], TAXONOMY, folder)
    assert (first.added, first.updated, first.removed, first.unchanged) == (3, 0, 0, 0)
    changed = dataclasses.replace(TIPS[1], body="The refund now takes three days.")
    stats = update_index([TIPS[0], changed, TIPS[3]], TAXONOMY, folder)
    assert (stats.added, stats.updated, stats.removed, stats.unchanged) == (1, 1, 1, 1)
    assert slugs(folder, "three days") == ["explain-the-refund-timeline"]
    assert slugs(folder, "stories") == []
    assert slugs(folder, "thank") == ["thank-the-caller"]


def test_no_change_opens_no_writer(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    update_index(TIPS, TAXONOMY, folder)
    before = index_files(folder)
    stats = update_index(list(reversed(TIPS)), TAXONOMY, folder)
    assert (stats.added, stats.updated, stats.removed, stats.unchanged) == (0, 0, 0, len(TIPS))
    assert (stats.added, stats.updated, stats.removed) == (0, 0, 0)
    assert index_files(folder) == before  # no file written, none added, no lock taken


@pytest.mark.parametrize("damage", ["index files deleted", "record garbled"])
def test_a_record_of_the_contents_never_hides_a_missing_or_stale_index(
    tmp_path: Path, damage: str
) -> None:
    folder = tmp_path / "index"
    update_index(TIPS, TAXONOMY, folder)
    if damage == "index files deleted":
        for path in folder.iterdir():
            if path.name != CONTENTS:
                path.unlink()
    else:
        (folder / CONTENTS).write_text("not a digest", encoding="ascii")
    stats = update_index(TIPS, TAXONOMY, folder)
    expected_added = len(TIPS) if damage == "index files deleted" else 0
    assert (stats.added, stats.unchanged) == (expected_added, len(TIPS) - expected_added)
    assert slugs(folder, "thank") == ["thank-the-caller"]
    assert update_index(TIPS, TAXONOMY, folder).unchanged == len(TIPS)


def test_a_changed_term_label_reindexes_its_tips(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    update_index(TIPS, TAXONOMY, folder)
    relabelled = dataclasses.replace(
        TAXONOMY,
        techniques=(TAXONOMY.techniques[0], Term("stay-calm", "Keep your cool", "Calm.")),
    )
    stats = update_index(TIPS, relabelled, folder)
    assert (stats.updated, stats.unchanged) == (1, len(TIPS) - 1)


def test_a_search_sees_an_update_made_after_it_opened_the_index(index_dir: Path) -> None:
    assert slugs(index_dir, "giraffe") == []
    update_index([*TIPS, tip("The Giraffe", "A giraffe at the counter.")], TAXONOMY, index_dir)
    assert slugs(index_dir, "giraffe") == ["the-giraffe"]


# --- an index this machine did not write, or cannot read --------------------


class _RunsCode(fields.Schema):
    """A schema whose pickle, when loaded, makes a folder: what a planted index could do."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def plant_toc(folder: Path, marker: Path) -> None:
    """A table of contents newer than the index's, whose schema pickle runs code."""
    whoosh_index.TOC(_RunsCode(marker), [], 99).write(FileStorage(str(folder)), INDEX_NAME)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # whoosh's file
def test_the_planted_file_would_run_code_in_whoosh(tmp_path: Path) -> None:
    """The control for the test below: whoosh itself does unpickle it."""
    update_index(TIPS, TAXONOMY, tmp_path / "index")
    plant_toc(tmp_path / "index", tmp_path / "code-ran")
    with pytest.raises(Exception):  # noqa: B017 (the payload returns no schema)
        whoosh_index.open_dir(tmp_path / "index", indexname=INDEX_NAME)
    assert (tmp_path / "code-ran").is_dir()


@pytest.mark.parametrize("signed", ["never", "by another machine", "before the file came"])
def test_an_index_file_this_machine_did_not_sign_is_never_unpickled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, signed: str
) -> None:
    folder, marker = tmp_path / "index", tmp_path / "code-ran"
    update_index(TIPS, TAXONOMY, folder)
    plant_toc(folder, marker)
    if signed == "never":
        (folder / integrity.SIGNED).unlink()
    elif signed == "by another machine":
        with monkeypatch.context() as m:
            m.setattr(integrity, "_key", lambda: b"another machine's key")
            integrity.seal(folder, INDEX_NAME)
    with pytest.raises(BuildError, match="no search index written on this machine here"):
        search(folder, "thank", TAXONOMY)
    with caplog.at_level(logging.INFO, logger="generator"):
        stats = update_index(TIPS, TAXONOMY, folder)
    assert "was not written on this machine; rebuilding it" in caplog.text
    assert not marker.exists()
    assert stats.added == len(TIPS)
    assert slugs(folder, "thank") == ["thank-the-caller"]


def test_a_truncated_index_is_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    update_index(TIPS, TAXONOMY, folder)
    (segment,) = folder.glob("*.seg")
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    assert update_index(TIPS, TAXONOMY, folder).added == len(TIPS)
    assert slugs(folder, "thank") == ["thank-the-caller"]
    assert update_index(TIPS, TAXONOMY, folder).unchanged == len(TIPS)


class _Gone(fields.TEXT):
    """A field class of an older version of the code, deleted since."""


@pytest.mark.parametrize("damage", ["schema class gone", "table of contents cut short"])
def test_an_index_this_machine_wrote_but_cannot_read_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    folder = tmp_path / "index"
    if damage == "schema class gone":  # the traceback of an old build folder
        folder.mkdir()
        whoosh_index.create_in(folder, fields.Schema(text=_Gone()), indexname=INDEX_NAME)
        monkeypatch.delattr(sys.modules[__name__], "_Gone")
    else:
        update_index(TIPS, TAXONOMY, folder)
        (toc,) = folder.glob("*.toc")
        toc.write_bytes(toc.read_bytes()[:40])
        (folder / CONTENTS).write_text("an older version's record", encoding="ascii")
    integrity.seal(folder, INDEX_NAME)
    with pytest.raises(BuildError, match="cannot read the search index"):
        search(folder, "thank", TAXONOMY)
    with caplog.at_level(logging.INFO, logger="generator"):
        assert update_index(TIPS, TAXONOMY, folder).added == len(TIPS)
    assert "unreadable" in caplog.text and "rebuilding it" in caplog.text
    assert slugs(folder, "thank") == ["thank-the-caller"]


def test_cli_search_rebuilds_an_index_left_by_another_version(
    content: Path, tmp_path: Path
) -> None:
    index = tmp_path / "build" / "index"
    index.mkdir(parents=True)
    whoosh_index.create_in(index, fields.Schema(slug=fields.ID()), indexname=INDEX_NAME)
    (index / CONTENTS).write_text("a record of an older version", encoding="ascii")
    result = CliRunner().invoke(
        cli, ["search", "yelling", "--content", str(content), "--build-dir", str(index.parent)]
    )
    assert result.exit_code == 0, result.output
    assert "rebuilding it" in result.stderr
    assert result.stdout.startswith("1. A Sincere Apology")


# --- related tips ------------------------------------------------------------

FILLER = "stay focused on the person in front of you and the problem they brought"


def related_corpus() -> list[Tip]:
    made = []
    for i, (sits, techs) in enumerate(
        [
            (("upset-customer",), ("apology", "stay-calm")),  # a
            (("upset-customer",), ("apology", "stay-calm")),  # b: shares 3 tags with a
            (("upset-customer",), ("apology",)),  # c: 2
            (("upset-customer",), ()),  # d: 1
            ((), ("stay-calm",)),  # e: 1
            (("bad-news",), ()),  # f: 0
            (("long-wait",), ()),  # g: 0
        ]
    ):
        name = "abcdefg"[i]
        made.append(
            tip(
                f"Tip {name}",
                f"Tip {name}: {FILLER} number {i}.",
                situations=sits,
                techniques=techs,
            )
        )
    return made


def test_related_tips_share_the_most_tags_first(tmp_path: Path) -> None:
    tips = related_corpus()
    related = related_tips(tips, signatures(tips, tmp_path), k=3)
    assert related["tip-a"] == ("tip-b", "tip-c", "tip-d")  # 3, 2, then 1 shared (d before e)
    assert related["tip-f"][:1] != ("tip-f",)
    for slug, others in related.items():
        assert slug not in others
        assert 3 <= len(others) <= 3


def test_related_tips_fill_up_by_text_when_few_share_tags(tmp_path: Path) -> None:
    tips = [
        tip(
            "Lonely",
            "Aardvarks and zebras visit the counter on Mondays.",
            situations=("long-wait",),
        ),
        tip("Twin", "Aardvarks and zebras visit the counter on Fridays."),
        tip("Other", "Completely different words about refunds and policies."),
        tip("Third", "Zebras at the counter."),
    ]
    assert related_tips(tips, signatures(tips, tmp_path), k=5)["lonely"] == ("twin", "third")


def test_related_tips_do_not_depend_on_input_order(tmp_path: Path) -> None:
    tips = related_corpus()
    words = signatures(tips, tmp_path)
    shuffled = tips[:]
    random.Random(7).shuffle(shuffled)
    assert related_tips(shuffled, words) == related_tips(tips, words)
    assert list(related_tips(shuffled, words)) == [t.slug for t in shuffled]


def test_related_tips_are_kept_until_a_tips_tags_or_words_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tips = related_corpus()
    words = signatures(tips, tmp_path / "index")
    cache = tmp_path / "related.pickle"
    assert kept_related_tips(tips, words, cache, k=3) == related_tips(tips, words, k=3)
    made = []
    monkeypatch.setattr(related_module, "related_tips", lambda *a, **kw: made.append(1) or {})
    assert kept_related_tips(tips, words, cache, k=3)["tip-a"] == ("tip-b", "tip-c", "tip-d")
    assert not made  # kept
    retagged = [dataclasses.replace(tips[0], situations=("long-wait",)), *tips[1:]]
    kept_related_tips(retagged, words, cache, k=3)
    reworded = {**words, "tip-b": frozenset({"aardvark"})}
    kept_related_tips(tips, reworded, cache, k=3)
    assert len(made) == 2  # made again for each


def signatures(tips: list[Tip], index_dir: Path) -> Signatures:
    return plan_index(tips, TAXONOMY, index_dir)[0].signatures


@pytest.mark.parametrize("changed", [0, 1], ids=["nothing changed", "one tip changed"])
def test_signatures_read_from_the_index_equal_fresh_ones(tmp_path: Path, changed: int) -> None:
    """A rebuild takes unchanged tips' signatures from the index, not from their text."""
    tips = related_corpus()
    update_index(tips, TAXONOMY, tmp_path / "index")
    tips[0] = (
        dataclasses.replace(tips[0], body=tips[0].body + "Aardvarks.\n") if changed else tips[0]
    )
    plan = plan_index(tips, TAXONOMY, tmp_path / "index")[0]
    assert plan.stats.updated == changed
    assert plan.signatures == signatures(tips, tmp_path / "empty")


# --- the command line --------------------------------------------------------

TAXONOMY_YML = """\
situations:
  - id: upset-customer
    label: Upset customer
    description: Angry.
    synonyms: [yelling]
  - id: bad-news
    label: Bad news
    description: A no.
techniques:
  - id: apology
    label: Apology
    description: Sorry.
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "tips").mkdir(parents=True)
    (root / "taxonomy.yml").write_text(TAXONOMY_YML, encoding="utf-8")
    for made in (TIPS[0], TIPS[1], TIPS[4]):
        kept = dataclasses.replace(made, techniques=(), phrases=())
        (root / "tips" / made.filename).write_text(dump_tip(kept), encoding="utf-8")
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_cli_search_builds_the_index_and_prints_results(content: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    code, out = run("search", "yelling", "--content", str(content), "--build-dir", str(index))
    assert code == 0, out
    # Equal scores (both are tagged with the term "yelling" names): in slug order.
    assert out.startswith("1. A Sincere Apology (2024-01-30)  tips/a-sincere-apology/\n")
    assert "\n2. Handle the Screamer (2024-01-02)  tips/handle-the-screamer/\n" in out
    assert out.endswith("matching situations: upset-customer (2)\n")
    assert any(index.iterdir())  # built on first use


def test_cli_search_json(content: Path, tmp_path: Path) -> None:
    code, out = run(
        "search", "refund", "--json", "--limit", "1", "--content", str(content),
        "--build-dir", str(tmp_path / "idx"),
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert [r["slug"] for r in data["results"]] == ["explain-the-refund-timeline"]
    assert data["searched"] == "refund"


@pytest.mark.parametrize(
    ("option", "term", "expected"),
    [
        ("--situation", "upset-customer", ["a-sincere-apology", "handle-the-screamer"]),
        ("--situation", "bad-news", ["explain-the-refund-timeline"]),
    ],
)
def test_cli_search_filters_and_counts_facets(
    content: Path, tmp_path: Path, option: str, term: str, expected: list[str]
) -> None:
    code, out = run(
        "search", "customer", option, term, "--json", "--content", str(content),
        "--build-dir", str(tmp_path / "idx"),
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert sorted(r["slug"] for r in data["results"]) == expected
    assert data["facets"]["situations"] == {term: len(expected)}


def test_cli_search_says_when_nothing_matches(content: Path, tmp_path: Path) -> None:
    code, out = run(
        "search", "zzzqx", "--content", str(content), "--build-dir", str(tmp_path / "idx")
    )
    assert (code, out.strip()) == (0, "No tips match 'zzzqx'.")


def test_cli_search_runs_the_respelled_query_and_says_so(content: Path, tmp_path: Path) -> None:
    build = ["--content", str(content), "--build-dir", str(tmp_path / "idx")]
    code, out = run("search", "refnd", *build)
    assert code == 0, out
    assert out.startswith(
        "No tips match 'refnd'; showing results for 'refund'.\n"
        "1. Explain the Refund Timeline (2024-01-09)"
    )
    code, out = run("search", "refnd", "--json", *build)
    data = json.loads(out)
    assert (data["query"], data["searched"]) == ("refnd", "refund")
    assert data["results"][0]["slug"] == "explain-the-refund-timeline"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "error: the query has no words; type what the customer said or did"),
        ("what is the", "error: 'what is the' has only common words, which every tip has;"),
    ],
)
def test_a_query_without_words_to_search_exits_2(
    content: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    query: str,
    message: str,
) -> None:
    argv = ["tipkb", "search", query, "--content", str(content), "--build-dir", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        main()
    captured = capsys.readouterr()
    assert exit_.value.code == 2
    assert captured.err.startswith(message)
    assert "Traceback" not in captured.err and captured.out == ""


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
def test_matching_words_are_highlighted_on_a_terminal_only(
    content: Path, tmp_path: Path, terminal: bool
) -> None:
    args = ["search", "screaming", "--content", str(content), "--build-dir", str(tmp_path)]
    out = CliRunner().invoke(cli, args, color=terminal).output
    assert "When a caller starts to" in out
    assert ("\x1b[" in out) == terminal
    assert MARK not in out
    if terminal:
        assert click.style("scream", bold=True, fg="yellow") in out


def test_json_output_is_plain_even_on_a_terminal(content: Path, tmp_path: Path) -> None:
    args = [
        "search",
        "screaming",
        "--json",
        "--content",
        str(content),
        "--build-dir",
        str(tmp_path),
    ]
    out = CliRunner().invoke(cli, args, color=True).output
    assert "\x1b[" not in out and MARK not in out
    assert "scream" in json.loads(out)["results"][0]["snippet"]


def test_search_content_rejects_an_unknown_situation_before_indexing(
    content: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="did you mean 'upset-customer'"):
        search_tips(content, "x", build_dir=tmp_path / "idx", situation="upset-custmer")
    assert not (tmp_path / "idx").exists()


# --- quality figures ---------------------------------------------------------


@pytest.mark.parametrize(
    ("rankings", "hit_at_3", "mrr_at_10"),
    [
        ([(["a", "b"], {"a"})], 1.0, 1.0),
        ([(["x", "y", "a"], {"a"})], 1.0, 1 / 3),
        ([(["x", "y", "z", "a"], {"a", "q"})], 0.0, 1 / 4),
        ([(["x"] * 10 + ["a"], {"a"})], 0.0, 0.0),  # rank 11: beyond MRR@10
        ([(["a"], {"a"}), (["x", "a"], {"a"}), ([], {"a"}), (["x"], {"a"})], 0.5, 1.5 / 4),
    ],
)
def test_hit_at_3_and_mrr_at_10(
    rankings: list[tuple[list[str], set[str]]], hit_at_3: float, mrr_at_10: float
) -> None:
    scores = score_rankings(rankings)
    assert (scores.queries, scores.hit_at_3) == (len(rankings), hit_at_3)
    assert scores.mrr_at_10 == pytest.approx(mrr_at_10)


def test_labelled_queries_must_name_existing_tips(tmp_path: Path) -> None:
    queries = tmp_path / "queries.yml"
    queries.write_text(
        "queries:\n"
        "  - query: angry caller\n"
        "    relevant: [handle-the-screamer]\n"
        "  - query: refund\n"
        "    relevant: [no-such-tip]\n"
        "  - relevant: [handle-the-screamer]\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        load_queries(queries, {"handle-the-screamer"})
    assert [str(p) for p in caught.value.problems] == [
        f"{queries}:4: no tip has the slug 'no-such-tip'",
        f"{queries}:6: each entry needs 'query:' (text) and 'relevant:'",
    ]


def test_cli_eval_search_prints_the_figures(content: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.yml"
    queries.write_text(
        "queries:\n"
        "  - query: customer keeps yelling\n"
        "    relevant: [handle-the-screamer]\n"
        "  - query: when does my money come back\n"
        "    relevant: [explain-the-refund-timeline]\n",
        encoding="utf-8",
    )
    code, out = run("eval", "search", "--content", str(content), "--queries", str(queries))
    assert "terminal all       hit@3 1.00  MRR@10 1.00  (2 queries)" in out
    assert code == 0, out
    queries.write_text(
        "queries:\n  - query: zebra\n    relevant: [handle-the-screamer]\n", encoding="utf-8"
    )
    code, out = run("eval", "search", "--content", str(content), "--queries", str(queries))
    assert "“zebra”: not in the first 10" in out
    assert code == 1


SPLIT_QUERIES = """\
queries:
  - query: angry caller
    relevant: [a]
    split: tune
  - query: refund late
    relevant: [b]
    situation: bad-news
    split: tune
  - query: on hold forever
    relevant: [c]
    split: held-out
  - query: said sorry twice
    relevant: [d]
    split: held-out
  - query: no split here
    relevant: [a]
"""

RANKED = {
    "angry caller": ["a"],  # rank 1
    "refund late": ["x", "y", "z", "b"],  # rank 4: a tune miss
    "on hold forever": ["x", "c"],  # rank 2
    "said sorry twice": [],  # a held-out miss
    "no split here": ["x", "x", "a"],  # rank 3
}


def test_queries_are_scored_per_split(tmp_path: Path) -> None:
    path = tmp_path / "labels.yml"
    path.write_text(SPLIT_QUERIES, encoding="utf-8")
    queries = load_queries(path)
    assert [(q.split, q.situation) for q in queries[:2]] == [("tune", None), ("tune", "bad-news")]
    scores = evaluate(queries, lambda text: RANKED[text])
    assert list(scores) == ["tune", "held-out", "all"]
    assert scores["tune"] == Scores(2, 0.5, pytest.approx((1 + 1 / 4) / 2))
    assert scores["held-out"] == Scores(2, 0.5, pytest.approx(1 / 4))
    assert scores["all"] == Scores(1, 1.0, pytest.approx(1 / 3))


def test_the_report_lists_tune_misses_and_only_counts_held_out_ones(tmp_path: Path) -> None:
    path = tmp_path / "labels.yml"
    path.write_text(SPLIT_QUERIES, encoding="utf-8")
    report = SearchEvaluation(
        path, run_queries(load_queries(path), lambda text: RANKED[text])
    ).report()
    assert "tune: “refund late”: rank 4; got x, y, z" in report
    assert "said sorry twice" not in report
    assert "terminal held-out  hit@3 0.50  MRR@10 0.25  (2 queries); 1 missed, not listed" in report
    assert report.endswith("target held-out hit@3 ≥ 0.90  BELOW TARGET")


def test_a_split_must_be_tune_or_held_out(tmp_path: Path) -> None:
    path = tmp_path / "labels.yml"
    path.write_text("queries:\n  - query: x\n    relevant: [a]\n    split: test\n", "utf-8")
    with pytest.raises(ContentError, match=r"labels.yml:2: 'split:' is 'test'; use one of tune"):
        load_queries(path)


# --- the frozen corpus (tests/corpus/, a copy of the real tips) ---------------


@pytest.fixture(scope="module")
def committed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


def test_the_issue_example_finds_defend_without_being_defensive(committed_index: Path) -> None:
    results = search_tips(
        CORPUS, "client says the other rep lied to them", build_dir=committed_index
    )
    top = {r.slug: r for r in results.results[:3]}
    assert "defend-without-being-defensive" in top
    assert len(top["defend-without-being-defensive"].phrases) >= 2


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("my customer is screaming on the phone", None),
        ("our app has been down all week and people keep calling", "fix-the-unfixed-issue-for-your-customer"),
    ],
)  # fmt: skip
def test_the_issue_examples_find_fitting_tips(
    committed_index: Path, query: str, slug: str | None
) -> None:
    results = search_tips(CORPUS, query, build_dir=committed_index)
    if slug is None:  # any tip for an upset customer will do
        assert "upset-customer" in results.results[0].situations
    else:
        assert slug in results.slugs[:3]


def test_search_quality_meets_its_target_on_the_corpus() -> None:
    result = evaluate_search(CORPUS, LABELS / "queries.yml")
    assert len(result.outcomes) >= 30
    assert result.meets_target, result.report()


def test_the_staff_queries_are_scored_half_by_half_on_the_corpus() -> None:
    """Floors against regressions, below the held-out target of 0.9, which is not
    reached: the tune queries still missed share no telling word with their tips, nor
    with the names of the situations those tips are tagged with."""
    scores = evaluate_search(CORPUS, LABELS / "staff_queries.yml").scores
    assert [(name, s.queries) for name, s in scores.items()] == [("tune", 50), ("held-out", 49)]
    assert scores["tune"].hit_at_3 >= 0.8
    assert scores["held-out"].hit_at_3 >= 0.7


def test_related_tips_for_the_committed_content(tmp_path: Path) -> None:
    content = load_content(ROOT / "tests" / "corpus")
    words = plan_index(content.tips, content.taxonomy, tmp_path)[0].signatures
    related = related_tips(content.tips, words)
    assert set(related) == {t.slug for t in content.tips}
    assert all(3 <= len(r) <= 5 and slug not in r for slug, r in related.items())
