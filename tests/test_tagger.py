"""The auto-tagger: rules, tag_tip's respect for editors, explain, `tipkb tag` and `tipkb eval tags`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import tag_files
from generator.cli import cli
from generator.content.load import load_content
from generator.content.rules import compile_rule, document
from generator.content.tipfile import dump_tip
from generator.errors import ContentError, InputError
from generator.model import Phrase, Taxonomy, Term, Tip
from generator.tagging.evaluation import evaluate, evaluate_links
from generator.tagging.tagger import explain, tag_tip

ROOT = Path(__file__).resolve().parent.parent

TAXONOMY = Taxonomy(
    situations=(
        Term("upset-customer", "Upset", "Angry.", rules=("angry|irate customer*", "phrase: upset")),
        Term(
            "coworker-blamed",
            "Blamed",
            "Blame.",
            rules=("blam* ... coworker*", "phrase: coworker*"),
        ),
    ),
    techniques=(
        Term("apology", "Apology", "Sorry.", rules=("apolog*",)),
        Term("stay-calm", "Calm", "Calm.", rules=("calm|composed unless don't",)),
    ),
)

TAXONOMY_YML = """\
situations:
  - id: upset-customer
    label: Upset customer
    description: The customer is angry.
    synonyms: [angry, irate]
    rules: ["angry|irate customer*"]
techniques:
  - id: apology
    label: Apology
    description: Say sorry.
    synonyms: [sorry]
    rules: ["apolog*"]
"""


def tip(body: str, **fields: object) -> Tip:
    values: dict[str, object] = {"title": "A Tip", "slug": "a-tip", "body": body}
    return Tip(**(values | fields))  # type: ignore[arg-type]


def matches(rule: str, body: str, title: str = "") -> bool:
    return bool(compile_rule(rule).find(document(title, "", body)))


# --- the rule language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "body", "expected"),
    [
        ("apologize", "She apologized twice.", True),  # stemming
        ("apologize", "An apology helps.", True),
        ("angry customer", "Two angry customers came in.", True),
        ("angry customer", "The customer was angry.", False),  # order matters
        ("customer ... angry", "The customer was very angry.", True),  # up to three words between
        ("customer ... angry", "The customer who came in late today was angry.", False),
        ("angry customer", "He was angry. Customers noticed.", False),  # never across sentences
        ("angry customer", "- angry\n- customer", False),  # nor across list items
        ("co-worker", "Ask your coworkers.", True),  # hyphens are ignored
        ("coworker", "Ask your co-workers.", True),
        ("complain*", "Complaints arrived.", True),  # prefix, as written
        ("excellence*", "An excellent job.", False),  # a prefix is not stemmed
        ("excellence", "An excellent job.", True),  # a stem may lump words together
        ("=LEAD technique", "Use the LEAD technique.", True),  # exact capitals
        ("=LEAD technique", "Take the lead technique.", False),
        ("angry|irate customer", "An irate customer.", True),
        ("2x: sorry", "Sorry. So sorry.", True),
        ("2x: sorry", "Sorry for that.", False),
        ("empathize unless don't", "They don't empathize.", False),
        ("empathize unless don't", "They don't listen. They empathize.", True),
        ("title: phone", "Answer the phone.", False),
        ("phrase: coworker", "Talk to your co-worker.", False),  # only in phrases
    ],
)
def test_rule_matches(rule: str, body: str, expected: bool) -> None:
    assert matches(rule, body) is expected


def test_field_restriction_matches_its_field() -> None:
    assert matches("title: phone", "No calls here.", title="What Phones Teach Us")
    assert compile_rule("phrase: coworker").find(document("", "", "", phrase="My co-worker"))


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("", "at least one word"),
        ("title:", "at least one word"),
        ("...", "between two words"),
        ("angry ...", "between two words"),
        ("angry unless", "followed by the words"),
        ("unless angry", "at least one word"),
        ("angry,customer", "is not a word"),
        ("*", "is not a word"),
        ("angry|", "is not a word"),
    ],
)
def test_rule_errors(rule: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        compile_rule(rule)


# --- tag_tip ---------------------------------------------------------------------------------


def test_auto_tags_are_added_and_recorded() -> None:
    tagged = tag_tip(tip("An irate customer. I apologize and stay calm."), TAXONOMY)
    assert tagged.situations == ("upset-customer",)
    assert tagged.techniques == ("apology", "stay-calm")
    assert tagged.auto_tags == ("upset-customer", "apology", "stay-calm")


@pytest.mark.parametrize(
    ("fields", "situations", "techniques", "auto_tags"),
    [
        pytest.param(  # an editor's tag stays even without evidence, and is not "auto"
            {"situations": ("coworker-blamed",)},
            ("coworker-blamed", "upset-customer"),
            ("apology",),
            ("upset-customer", "apology"),
            id="editor-tag-kept",
        ),
        pytest.param(  # an editor's tag that the rules also find stays the editor's
            {"techniques": ("apology",)},
            ("upset-customer",),
            ("apology",),
            ("upset-customer",),
            id="editor-tag-not-auto",
        ),
        pytest.param(  # an automatic tag the text no longer supports goes away
            {"techniques": ("apology", "stay-calm"), "auto_tags": ("stay-calm",)},
            ("upset-customer",),
            ("apology",),
            ("upset-customer",),
            id="stale-auto-tag-removed",
        ),
        pytest.param(
            {"rejected": ("upset-customer",)},
            (),
            ("apology",),
            ("apology",),
            id="rejected-never-added",
        ),
    ],
)
def test_editors_choices_are_respected(
    fields: dict[str, object],
    situations: tuple[str, ...],
    techniques: tuple[str, ...],
    auto_tags: tuple[str, ...],
) -> None:
    tagged = tag_tip(tip("An irate customer. We apologize.", **fields), TAXONOMY)
    assert (tagged.situations, tagged.techniques, tagged.auto_tags) == (
        situations,
        techniques,
        auto_tags,
    )


def test_tagging_twice_changes_nothing() -> None:
    once = tag_tip(
        tip("Angry customers. Consider these phrases:\n\n- Sorry about that delay.\n"), TAXONOMY
    )
    assert tag_tip(once, TAXONOMY) == once


def test_no_evidence_no_tags() -> None:
    tagged = tag_tip(tip("Tomatoes grow best in the sun."), TAXONOMY)
    assert (tagged.tags, tagged.auto_tags, tagged.phrases) == ((), (), ())


def test_excerpt_is_tagged_from_its_teaser() -> None:
    teaser = tip("The customer was angry… an irate customer, and then…", kind="excerpt")
    assert tag_tip(teaser, TAXONOMY).situations == ("upset-customer",)


def test_summary_copied_from_the_body_is_not_counted_twice() -> None:
    taxonomy = Taxonomy(techniques=(Term("apology", "A", "A.", rules=("2x: sorry",)),))
    body = "I am sorry. Then we moved on."
    assert tag_tip(tip(body, summary="I am sorry."), taxonomy).techniques == ()
    assert tag_tip(tip(body, summary="Sorry, again."), taxonomy).techniques == ("apology",)


def test_phrases_linked_to_tip_and_own_situations() -> None:
    body = (
        "An irate customer blamed your co-worker.\n\nConsider these phrases:\n\n"
        "- I will talk with my co-worker today.\n- I can see why you are upset.\n"
    )
    tagged = tag_tip(tip(body, situations=("upset-customer",)), TAXONOMY)
    assert [(p.text, p.situations, p.auto) for p in tagged.phrases] == [
        ("I will talk with my co-worker today.", ("coworker-blamed", "upset-customer"), True),
        ("I can see why you are upset.", ("upset-customer", "coworker-blamed"), True),
    ]


def test_phrase_gets_its_own_situation_when_the_tip_has_none() -> None:
    body = "Consider these phrases:\n\n- I will ask my co-worker right away.\n"
    (phrase,) = tag_tip(tip(body), TAXONOMY).phrases
    assert phrase.situations == ("coworker-blamed",)


LINKING = Taxonomy(
    situations=(
        Term("upset-customer", "Upset", "Angry.", rules=("phrase: upset",), broad=True),
        Term("known-issue", "Known issue", "Unfixed.", rules=("phrase: investigat*",)),
        Term("bad-news", "Bad news", "No.", rules=("phrase: fortunately",)),
        Term("phone-call", "Phone", "Calls.", rules=("phrase: calling",), broad=True),
    )
)


@pytest.mark.parametrize(
    ("phrase", "situations", "linked"),
    [
        pytest.param(
            "I can see this has upset you.",
            ("upset-customer", "known-issue"),
            ("upset-customer", "known-issue"),
            id="broad-situation-by-its-own-words",
        ),
        pytest.param(
            "Fortunately, we do have other options.",
            ("upset-customer", "known-issue"),
            ("bad-news",),
            id="names-a-situation-its-tip-lacks",
        ),
        pytest.param(
            "Thank you for calling about the fix.",
            ("known-issue",),
            ("phone-call", "known-issue"),
            id="a-broad-one-its-tip-lacks-keeps-the-prior",
        ),
        pytest.param("Thank you for your patience.", (), (), id="nothing-to-go-by"),
    ],
)
def test_a_phrase_is_linked_to_the_situations_its_words_fit(
    phrase: str, situations: tuple[str, ...], linked: tuple[str, ...]
) -> None:
    body = f"Consider these phrases:\n\n- {phrase}\n"
    (found,) = tag_tip(tip(body, situations=situations), LINKING).phrases
    assert found.situations == linked


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        pytest.param(
            Phrase("Our tech folks are investigating.", ("bad-news",)),
            ("bad-news",),
            id="editors-situations-kept",
        ),
        pytest.param(
            Phrase("Our tech folks are investigating."), (), id="editors-phrase-left-unlinked"
        ),
        pytest.param(
            Phrase("Our tech folks are investigating.", ("bad-news",), auto=True),
            ("known-issue",),
            id="auto-phrase-relinked",
        ),
    ],
)
def test_editors_phrase_situations_survive_retagging(given: Phrase, kept: tuple[str, ...]) -> None:
    """What is written to the file after tagging twice: an editor's phrase as the editor
    left it (the situations inferred for it are shown, never written)."""
    body = f"Consider these phrases:\n\n- {given.text}\n"
    old = tip(body, situations=("known-issue",), phrases=(given,))
    again = tag_tip(tag_tip(old, LINKING), LINKING)
    (phrase,) = again.phrases
    assert phrase.situations == kept
    assert phrase.fits == (kept or ("known-issue",))
    assert dump_tip(again).count("investigating") == 2  # the body and one phrase


def test_auto_phrases_replaced_editor_phrases_kept_rejected_skipped() -> None:
    body = (
        "Consider these phrases:\n\n- Thank you for waiting today.\n- Let me fix that right now.\n"
    )
    old = tip(
        body,
        phrases=(
            Phrase("Something the text no longer says.", auto=True),
            Phrase("Our own words for this.", ("upset-customer",)),
            Phrase("Thank you for waiting today.", ("upset-customer",)),
        ),
        rejected=("Let me fix that right now",),
    )
    tagged = tag_tip(old, TAXONOMY)
    assert [(p.text, p.auto) for p in tagged.phrases] == [
        ("Our own words for this.", False),
        ("Thank you for waiting today.", False),
    ]


def test_explain_gives_rule_and_matched_text() -> None:
    body = "An irate customer. Consider these phrases:\n\n- I apologize for the wait.\n"
    evidence = explain(tip(body), TAXONOMY)
    assert [(e.kind, e.term, e.rule, e.field, e.text) for e in evidence] == [
        ("situation", "upset-customer", "angry|irate customer*", "body", "irate customer"),
        ("technique", "apology", "apolog*", "body", "apologize"),
        (
            "phrase",
            "I apologize for the wait.",
            "Consider these phrases:",
            "body",
            "I apologize for the wait.",
        ),
    ]


# --- tipkb tag ----------------------------------------------------------------------------


TIP_FILE = """\
---
title: {title}
slug: {slug}
kind: full
situations: []
techniques: []
phrases: []
---

{body}
"""


def content_tree(root: Path, tips: dict[str, str]) -> Path:
    (root / "tips").mkdir(parents=True)
    (root / "taxonomy.yml").write_text(TAXONOMY_YML, encoding="utf-8")
    for slug, body in tips.items():
        text = TIP_FILE.format(title=slug.replace("-", " ").title(), slug=slug, body=body)
        (root / "tips" / f"undated-{slug}.md").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return content_tree(
        tmp_path / "content",
        {"angry-one": "An angry customer. We apologize.", "plain-one": "Tomatoes need sun."},
    )


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_tag_without_write_prints_a_diff_and_changes_nothing(tree: Path) -> None:
    before = {p: p.read_text(encoding="utf-8") for p in (tree / "tips").iterdir()}
    code, out = run("tag", "--content", str(tree))
    assert code == 0
    assert "+- upset-customer" in out and "+auto_tags:" in out
    assert "undated-plain-one.md" not in out
    assert "1 of 2 tip file(s) would change" in out
    assert {p: p.read_text(encoding="utf-8") for p in before} == before


def test_tag_write_writes_only_changed_files(tree: Path) -> None:
    plain = tree / "tips" / "undated-plain-one.md"
    plain.write_text(plain.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")  # not canonical
    code, out = run("tag", "--write", "--content", str(tree))
    assert code == 0 and "1 of 2 tip file(s) updated" in out
    assert plain.read_text(encoding="utf-8").endswith("sun.\n\n\n")  # untouched
    tagged = load_content(tree).tips[0]
    assert (tagged.situations, tagged.techniques) == (("upset-customer",), ("apology",))
    assert run("tag", "--content", str(tree))[1].endswith(
        "0 of 2 tip file(s) would change (run with --write to save).\n"
    )


def test_tag_explain_shows_rules_and_text(tree: Path) -> None:
    code, out = run(
        "tag", "--explain", "--content", str(tree), str(tree / "tips" / "undated-angry-one.md")
    )
    assert code == 0
    assert "upset-customer (auto)" in out
    assert "rule 'angry|irate customer*' matched body: “angry customer”" in out
    assert "1 of 1 tip file(s) would change" in out


def test_tag_refuses_a_file_outside_the_content(tree: Path, tmp_path: Path) -> None:
    stray = tmp_path / "stray.md"
    stray.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"stray\.md"):
        tag_files(tree, [stray], build_dir=tree.parent / "build")


def test_tag_validates_all_content_first(tree: Path) -> None:
    (tree / "tips" / "undated-angry-one.md").write_text("---\ntitle: [\n---\nx\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        tag_files(tree, write=True, build_dir=tree.parent / "build")
    assert any("undated-angry-one.md:" in str(p) for p in err.value.problems)
    assert "auto_tags" not in (tree / "tips" / "undated-plain-one.md").read_text(encoding="utf-8")


# --- tipkb eval tags ----------------------------------------------------------------------


def test_the_corpus_meets_the_quality_targets() -> None:
    result = evaluate(
        Path(__file__).parent / "corpus", Path(__file__).parent / "labels" / "tags.yml"
    )
    assert result.tips >= 20
    assert result.meets_targets, result.report()


@pytest.mark.parametrize(
    ("labels", "code", "shown"),
    [
        (
            "angry-one:\n  situations: [upset-customer]\n  techniques: [apology]\n",
            0,
            "precision 1.00",
        ),
        ("angry-one:\n  situations: []\n  techniques: []\n", 1, "BELOW TARGET"),
        ("plain-one:\n  not_phrases: [Tomatoes need sun]\n", 0, "0 of 1 extracted"),
    ],
)
def test_eval_tags_command(tree: Path, tmp_path: Path, labels: str, code: int, shown: str) -> None:
    path = tmp_path / "labels.yml"
    path.write_text(labels, encoding="utf-8")
    exit_code, out = run("eval", "tags", "--content", str(tree), "--labels", str(path))
    assert (exit_code, shown in out) == (code, True), out


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("no-such-tip:\n  situations: []\n", "labels.yml:1: no tip has the slug 'no-such-tip'"),
        ("angry-one:\n  situations: [upset]\n", "labels.yml:1: unknown situation 'upset'"),
        ("angry-one:\n  tags: []\n", "labels.yml:1: unknown key 'tags'"),
    ],
)
def test_bad_labels_are_reported_with_their_line(
    tree: Path, tmp_path: Path, labels: str, message: str
) -> None:
    path = tmp_path / "labels.yml"
    path.write_text(labels, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        evaluate(tree, path)
    assert any(str(p).endswith(message) or message in str(p) for p in err.value.problems)


def test_evaluation_ignores_committed_tags(tree: Path, tmp_path: Path) -> None:
    """The figures measure the rules: tags written into the files don't count."""
    path = tree / "tips" / "undated-plain-one.md"
    tagged = dataclasses.replace(load_content(tree).tips[1], situations=("upset-customer",))
    path.write_text(dump_tip(tagged), encoding="utf-8")
    labels = tmp_path / "labels.yml"
    labels.write_text("plain-one:\n  situations: [upset-customer]\n", encoding="utf-8")
    scores = {s.name: s for s in evaluate(tree, labels).scores}
    assert scores["situations"].recall == 0.0


def test_phrase_links_are_scored_per_half(tree: Path, tmp_path: Path) -> None:
    """Held-out figures decide the verdict; tune figures are shown beside them."""
    links = tmp_path / "links.yml"
    links.write_text(
        "phrases:\n"
        "  - {text: 'x never said', tip: angry-one, situations: [upset-customer], split: tune}\n",
        encoding="utf-8",
    )
    result = evaluate_links(tree, links)
    assert [s.name for s in result.scores] == ["tune"]
    assert result.scores[0].false_negatives == 1  # not extracted: missed
    assert "not extracted" in result.report()


@pytest.mark.parametrize(
    ("phrase", "situations", "linked"),
    [
        # Own words name the situation: only that, plus the tip's specific situations.
        ("Our tech folks are investigating", ("known-issue", "upset-customer"), ("known-issue",)),
        # No own words: the tip's specific situations, never the broad one.
        ("We have a team looking at it", ("known-issue", "upset-customer"), ("known-issue",)),
        # Only a broad situation on the tip: the phrase fits it.
        ("Let me help you.", ("upset-customer",), ()),
    ],
)
def test_a_phrase_is_linked_by_its_own_words(
    phrase: str, situations: tuple[str, ...], linked: tuple[str, ...]
) -> None:
    from generator.content.load import load_content as load

    taxonomy = load(Path(__file__).parent / "corpus").taxonomy
    tip = Tip(
        title="T",
        slug="t",
        body=f"Consider these phrases:\n\n- “{phrase}”\n",
        situations=situations,
        phrases=(Phrase(phrase),),
    )
    tagged = tag_tip(tip, taxonomy)
    assert tagged.phrases[0].fits == linked
