"""content/taxonomy.yml: the committed vocabularies, and validation errors with path:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.content.load import check_content
from generator.content.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "tests" / "corpus" / "taxonomy.yml"

REQUIRED = {
    "situations": [
        "upset-customer",
        "rude-customer",
        "coworker-blamed",
        "known-issue",
        "dont-know-answer",
        "customer-mistake",
        "long-wait",
        "bad-news",
        "nervous-customer",
        "tech-challenged-customer",
        "written-message",
        "phone-call",
        "remote-work",
        "supervisor-request",
        "feedback",
    ],
    "techniques": [
        "lead",
        "empathy",
        "apology",
        "let-them-vent",
        "stay-calm",
        "take-ownership",
        "set-expectations",
        "offer-alternatives",
        "admit-and-follow-up",
        "personalize",
        "positive-attitude",
        "read-body-language",
        "resolve-quickly",
        "show-appreciation",
        "ask-for-feedback",
        "learn-from-others",
        "measure-service",
    ],
}

TERM = """\
  - id: {id}
    label: {label}
    description: {description}
    synonyms: [one, two]
    rules: [{rules}]
"""


def taxonomy_text(*terms: str, techniques: tuple[str, ...] = ()) -> str:
    return "situations:\n" + "".join(terms) + "techniques:\n" + "".join(techniques)


def term(term_id: str = "upset-customer", rules: str = '"angry customer"', **extra: str) -> str:
    text = TERM.format(id=term_id, label="Label", description="When it applies.", rules=rules)
    return text + "".join(f"    {key}: {value}\n" for key, value in extra.items())


def test_committed_taxonomy_is_valid_and_complete() -> None:
    taxonomy, problems = load_taxonomy(COMMITTED)
    assert problems == []
    assert set(REQUIRED["situations"]) <= set(taxonomy.situation_ids)
    assert set(REQUIRED["techniques"]) <= set(taxonomy.technique_ids)


@pytest.mark.parametrize("term_id", REQUIRED["situations"] + REQUIRED["techniques"])
def test_committed_terms_have_synonyms_and_rules(term_id: str) -> None:
    taxonomy, _ = load_taxonomy(COMMITTED)
    found = taxonomy.term(term_id)
    assert found is not None
    assert len(found.synonyms) >= 5, "staff need words to search with"
    assert found.rules, "the auto-tagger needs at least one rule"
    assert found.description.endswith(".") and found.description.count(". ") == 0


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            taxonomy_text(term(), term()),
            7,
            "duplicate id 'upset-customer' (first defined on line 2)",
            id="duplicate-id",
        ),
        pytest.param(
            taxonomy_text(term(), techniques=(term(),)),
            8,
            "duplicate id 'upset-customer' (first defined on line 2)",
            id="duplicate-id-across-vocabularies",
        ),
        pytest.param(
            taxonomy_text(term(), term("long-wait", colour="blue")),
            7,
            "unknown key 'colour' in a term",
            id="unknown-key",
        ),
        pytest.param(
            taxonomy_text(term(rules='"angry ..."')),
            2,
            "rule 'angry ...' of 'upset-customer' does not compile: '...' must come between two words",
            id="rule-does-not-compile",
        ),
        pytest.param(
            taxonomy_text(term(rules='"angry,customer"')),
            2,
            "is not a word",
            id="rule-with-punctuation",
        ),
        pytest.param(
            taxonomy_text(term(rules="title: phone")),
            2,
            'put it in double quotes: - "title: phone"',
            id="unquoted-field-rule",
        ),
    ],
)
def test_taxonomy_errors_have_path_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "taxonomy.yml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_taxonomy(path)
    assert any(p.line == line and message in p.message for p in problems), problems
    assert all(str(p).startswith(f"{path}:") for p in problems)


TIP = """\
---
title: A Tip
slug: a-tip
kind: full
situations: [{situations}]
techniques: [{techniques}]
---

Body.
"""


@pytest.mark.parametrize(
    ("situations", "techniques", "line", "message"),
    [
        (
            "upset-custmer",
            "",
            5,
            "unknown situation 'upset-custmer' (did you mean 'upset-customer'?)",
        ),
        ("", "apologies", 6, "unknown technique 'apologies' (did you mean 'apology'?)"),
        ("", "upset-customer", 6, "unknown technique 'upset-customer'"),  # the wrong vocabulary
    ],
)
def test_check_rejects_unknown_tag_ids_with_a_suggestion(
    tmp_path: Path, situations: str, techniques: str, line: int, message: str
) -> None:
    (tmp_path / "tips").mkdir()
    (tmp_path / "taxonomy.yml").write_text(
        taxonomy_text(term(), techniques=(term("apology", '"apolog*"'),)), encoding="utf-8"
    )
    tip = tmp_path / "tips" / "undated-a-tip.md"
    tip.write_text(TIP.format(situations=situations, techniques=techniques), encoding="utf-8")
    _, problems = check_content(tmp_path)
    assert [(p.path, p.line) for p in problems] == [(tip, line)]
    assert message in problems[0].message
