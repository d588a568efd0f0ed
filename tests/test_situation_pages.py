"""Situation pages: what to say (their own phrases, then close situations' marked as
such), what to do, the tips; and which situations are close."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from generator.model import Phrase, Taxonomy, Term, Tip
from generator.site.model import Site
from generator.site.neighbours import neighbours
from generator.site.pages import render_pages
from generator.site.terms import RELATED_PER_SITUATION, RELATED_SITUATIONS

TODAY = dt.date(2025, 6, 1)

TAXONOMY = Taxonomy(
    situations=(
        Term("upset", "Upset customer", "Angry.", synonyms=("angry",), broad=True),
        Term("known-issue", "Known issue", "Unfixed.", synonyms=("outage", "delay")),
        Term("bad-news", "Bad news", "No.", synonyms=("refund", "delay")),
        Term("long-wait", "Long wait", "Waiting.", synonyms=("queue", "delay")),
        Term("blamed", "Co-worker blamed", "Blame.", synonyms=("colleague",)),
        Term("manager", "Asks for a manager", "Escalation.", synonyms=("boss",)),
    ),
    techniques=(
        Term("empathy", "Empathy", "Show you understand how they feel."),
        Term("options", "Offer alternatives", "Offer what you can do."),
    ),
)


def tip(
    slug: str,
    situations: tuple[str, ...],
    *phrases: Phrase,
    techniques: tuple[str, ...] = ("empathy",),
) -> Tip:
    return Tip(
        title=slug.replace("-", " ").capitalize(),
        slug=slug,
        body="Body.\n",
        date=TODAY,
        situations=situations,
        techniques=techniques,
        phrases=phrases,
    )


def site(*tips: Tip) -> Site:
    return Site(tips, TAXONOMY, {}, TODAY)


def page(s: Site, situation: str) -> str:
    return {p.path: p.text for p in render_pages(s)}[f"situations/{situation}/index.md"]


def closest(s: Site, situation: str) -> list[str]:
    return [t.id for t in neighbours(s)[situation]]


# --- which situations are close -------------------------------------------------------------


@pytest.mark.parametrize(
    ("tips", "situation", "close"),
    [
        pytest.param(
            [tip("a", ("known-issue", "bad-news"))],
            "known-issue",
            ["bad-news", "long-wait"],  # a tip on both first; a synonym shared ("delay") next
            id="tagged-together-then-shared-synonyms",
        ),
        pytest.param(
            [tip("a", ("known-issue", "upset")), tip("b", ("blamed", "upset"))],
            "blamed",
            ["upset"],
            id="upset-customers-in-both-relate-them-to-it-not-to-each-other",
        ),
        pytest.param(
            [tip("a", ("known-issue",), Phrase("Fortunately, we can.", ("bad-news",)))],
            "known-issue",
            ["bad-news", "long-wait"],
            id="its-tip-gives-words-for-the-other",
        ),
        pytest.param(
            [tip("a", ("blamed",)), tip("b", ("manager",))],
            "blamed",
            [],
            id="the-same-technique-relates-nothing",
        ),
        pytest.param([], "long-wait", ["known-issue", "bad-news"], id="no-tips-synonyms-only"),
    ],
)
def test_close_situations(tips: list[Tip], situation: str, close: list[str]) -> None:
    assert closest(site(*tips), situation) == close


# --- the situation page -------------------------------------------------------------------


def positions(text: str, *marks: str) -> list[int]:
    return [text.index(mark) for mark in marks]


def test_own_phrases_then_close_situations_marked_then_what_helps_then_tips() -> None:
    text = page(
        site(
            tip(
                "a", ("known-issue", "bad-news"), Phrase("We have a team on it.", ("known-issue",))
            ),
            tip("b", ("bad-news",), Phrase("Here is what I can do today.")),
        ),
        "known-issue",
    )
    order = positions(
        text,
        "## What to say",
        "We have a team on it.",
        "### Also useful, from related situations",
        "Here is what I can do today.",
        "## Techniques that help",
        "## Tips",
        "Also called: outage, delay",
    )
    assert order == sorted(order)
    borrowed = text[text.index("### Also useful") : text.index("## Techniques")]
    assert 'From: <a href="../bad-news/">Bad news</a> · <a href="../../tips/b/">B</a>' in borrowed


def test_a_phrase_is_shown_once_own_before_borrowed() -> None:
    shared = Phrase("Let me see what I can do.", ("known-issue", "bad-news"))
    text = page(site(tip("a", ("known-issue", "bad-news"), shared)), "known-issue")
    assert text.count("Let me see what I can do.</span>") == 1
    assert "### Also useful" not in text


def test_borrowed_phrases_are_capped() -> None:
    lenders = ("bad-news", "long-wait", "upset", "blamed")
    tips = [tip("mine", ("known-issue", *lenders))]
    tips += [
        tip(f"{s}-{n}", (s,), Phrase(f"Phrase {n} for {s} here."))
        for s in lenders
        for n in range(5)
    ]
    text = page(site(*tips), "known-issue")
    borrowed = text[text.index("### Also useful") : text.index("## Techniques")]
    assert borrowed.count('class="tipkb-copy"') == RELATED_SITUATIONS * RELATED_PER_SITUATION
    assert len(set(re.findall(r"From: <a href=\"\.\./([a-z-]+)/\"", borrowed))) == 3


@pytest.mark.parametrize(
    ("tips", "situation", "shown", "not_shown"),
    [
        pytest.param(
            [tip("a", ("blamed",), techniques=("empathy",))],
            "blamed",
            [
                "No tip gives the words for this yet: see what to do below.",
                # what to do, in a sentence each, instead of bare chips
                '<li><a href="../../techniques/empathy/">Empathy</a>: Show you understand',
            ],
            ["### Also useful"],
            id="no-phrases-says-what-to-do",
        ),
        pytest.param(
            [
                tip("a", ("known-issue",), techniques=("options",)),
                tip(
                    "b",
                    ("known-issue", "bad-news"),
                    Phrase("Here is what I can do.", ("bad-news",)),
                ),
            ],
            "known-issue",
            [
                "see what to do below, or what is said in the closest situations.",
                "### Also useful",
                'From: <a href="../bad-news/">Bad news</a>',
            ],
            [],
            id="no-phrases-borrows-from-close-ones",
        ),
        pytest.param(
            [tip("a", ("bad-news",), Phrase("We can refund it today.", ("bad-news",)))],
            "long-wait",
            [
                "here is what is said in the closest situations.",
                "No tips yet.",
                '<span class="tipkb-chips__label">Close situations</span> <a href="../bad-news/"',
            ],
            ["## Techniques that help"],
            id="no-tips-points-to-close-ones",
        ),
        pytest.param(
            [tip("a", ("bad-news",), Phrase("We can refund it today.", ("bad-news",)))],
            "manager",
            [
                "No tip gives the words for this yet: try [the phrase book](../../phrases/index.md).",
                "No tips yet: see [all situations](../index.md).",
            ],
            ["Close situations"],
            id="nothing-close-points-to-the-lists",
        ),
    ],
)
def test_a_situation_short_of_phrases_or_tips_says_where_to_look(
    tips: list[Tip], situation: str, shown: list[str], not_shown: list[str]
) -> None:
    text = page(site(*tips), situation)
    assert [s for s in shown if s not in text] == []
    assert [s for s in not_shown if s in text] == []


def test_a_situation_without_tips_is_not_on_the_home_page() -> None:
    s = site(tip("a", ("bad-news",), Phrase("We can refund it today.")))
    home = {p.path: p.text for p in render_pages(s)}["index.md"]
    assert "situations/bad-news/" in home and "situations/long-wait/" not in home
