"""Phrase extraction: what a tip recommends saying, and what it only quotes."""

from __future__ import annotations

import pytest

from generator.tagging.phrases import extract, normalize

PHRASES = [
    pytest.param(
        "Consider these phrases:\n\n"
        "- I’m sorry you had to deal with it, and I want to help.\n"
        "- Let’s discuss how we can best resolve this.\n",
        [
            "I’m sorry you had to deal with it, and I want to help.",
            "Let’s discuss how we can best resolve this.",
        ],
        id="bullets-after-consider-these-phrases",
    ),
    pytest.param(
        "Support your co-worker. Consider these phrases:\n"
        "- That’s not how we typically do things around here.\n\n"
        "- I’ll share your concerns after our call.\n",
        [
            "That’s not how we typically do things around here.",
            "I’ll share your concerns after our call.",
        ],
        id="loose-list-with-lead-in-on-the-same-paragraph",
    ),
    pytest.param(
        'Try statements such as:\n\n- "Thank you for waiting so patiently."\n- “Here is what happens next.”\n',
        ["Thank you for waiting so patiently.", "Here is what happens next."],
        id="quoted-bullets",
    ),
    pytest.param(
        "Use wording like this:\n\n1. Here is what I can do for you today.\n2. I will call you back by noon.\n",
        ["Here is what I can do for you today.", "I will call you back by noon."],
        id="numbered-list",
    ),
    pytest.param(
        "Even if it is a statement such as “We have a team looking at it” or "
        "“Our tech folks are investigating” – those statements help.",
        ["We have a team looking at it", "Our tech folks are investigating"],
        id="statements-such-as-chained-by-or",
    ),
    pytest.param(
        "It’s okay to say “I don’t know,” but follow that up with “I’ll find out.”",
        ["I don’t know", "I’ll find out."],
        id="say-and-follow-that-up-with",
    ),
    pytest.param(
        "You could transition with statements such as: “Fortunately, we do have other options.”",
        ["Fortunately, we do have other options."],
        id="transition-with",
    ),
    pytest.param(
        "When stuck, say \"I don't know, but I'll find out.\"",
        ["I don't know, but I'll find out."],
        id="straight-quotes",
    ),
    pytest.param(
        "Instead of saying “You need to calm down now,” say “I can see why this upsets you.”",
        ["I can see why this upsets you."],
        id="instead-of-a-then-b",
    ),
    pytest.param(
        "Say “Thank you for your patience.” Then say “Thank you for your patience.”",
        ["Thank you for your patience."],
        id="repeats-kept-once",
    ),
    pytest.param(
        "When the order is late, you could say: I’m sorry it has not arrived yet. "
        "It shows you know.",
        ["I’m sorry it has not arrived yet."],
        id="unquoted-after-say-colon-one-sentence",
    ),
    pytest.param(
        "Ask the customer: What would make this right for you?",
        ["What would make this right for you?"],
        id="unquoted-after-ask-the-customer-colon",
    ),
    pytest.param(
        "Tips for the desk:\n\n- When they are upset, say: I understand how you feel.\n",
        ["I understand how you feel."],
        id="unquoted-after-say-colon-in-a-list-item",
    ),
    pytest.param(
        'Try saying "I can \\[check\\] that &lt;today&gt; &amp; call you back."',
        ["I can [check] that <today> & call you back."],
        id="markdown-escapes-become-text",
    ),
]

NOT_PHRASES = [
    pytest.param(
        "“Those who don’t learn from history are doomed to repeat it.”\n\n"
        "Many people have said variations of this.",
        id="proverb",
    ),
    pytest.param(
        "Oscar Wilde said that “Imitation is the sincerest form of flattery.”", id="quotation"
    ),
    pytest.param(
        "“A green bottle,” was the reply.\n\n“What is it?”\n\n“I’m not sure, but it works.”\n\n"
        "Then the employee said “it’s not there; sorry.”",
        id="story-dialogue",
    ),
    pytest.param(
        "In this day and age of “LOL” and “IMO”, this letter was “OMG” – good!", id="abbreviations"
    ),
    pytest.param(
        "You sometimes have to say “I’m sorry” or “I apologize,” but those words are hard.",
        id="too-short",
    ),
    pytest.param("Don’t say “That is not my department.”", id="dont-say"),
    pytest.param("Avoid phrases such as “There is nothing I can do.”", id="avoid-phrases"),
    pytest.param(
        "If you say “There is nothing I can do,” the customer gets angrier.", id="if-you-say"
    ),
    pytest.param(
        "Avoid these phrases:\n\n- There is nothing I can do for you.\n- That is not my job.\n",
        id="list-of-things-not-to-say",
    ),
    pytest.param(
        "Please don’t misconstrue this advice to be to “give the customer whatever they want.”",
        id="advice-not-to-follow",
    ),
    pytest.param(
        "You’ve probably heard companies use phrases such as: “We want to go from good to great.”",
        id="overheard-slogan",
    ),
    pytest.param(
        "You hear the employee say: “The refund process takes 7-10 days.”", id="overheard-employee"
    ),
    pytest.param(
        "You may think “I’m dealing with an emotional customer” at first.", id="a-thought"
    ),
    pytest.param(
        "Several things would be different:\n\n- You would ask for improvement suggestions.\n"
        "- You would follow up after the sale.\n",
        id="list-without-a-speaking-cue",
    ),
    pytest.param(
        "Ask them a few questions: what they ordered, and when it came.",
        id="colon-a-few-words-after-the-cue",
    ),
    pytest.param("Don’t say: That is not my department at all.", id="dont-say-colon"),
    pytest.param(
        "On the menu there was a quote that said: Our food is the best in town.",
        id="unquoted-quote-someone-else-said",
    ),
    pytest.param("We meet at 10:30 to say hello to the new team.", id="a-time-is-no-colon"),
    pytest.param(
        "<!--\nConsider these phrases:\n\n- I’m sorry you had to wait for us.\n-->\nBody.",
        id="editor-comment",
    ),
]


@pytest.mark.parametrize(("body", "expected"), PHRASES)
def test_phrases_found(body: str, expected: list[str]) -> None:
    assert [found.text for found in extract(body)] == expected


@pytest.mark.parametrize("body", NOT_PHRASES)
def test_not_phrases(body: str) -> None:
    assert extract(body) == ()


def test_each_phrase_names_its_cue() -> None:
    found = extract("Consider these phrases:\n\n- I can help you with that today.\n")
    assert [f.cue for f in found] == ["Consider these phrases:"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("I’ll find out.", "i'll find out"),
        ("“However, there is some good news…”", "however, there is some good news"),
        ("  We  have a team\nlooking at it, ", "we have a team looking at it"),
    ],
)
def test_normalize(a: str, b: str) -> None:
    assert normalize(a) == b
