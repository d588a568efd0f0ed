"""Find the phrases a tip recommends saying to a customer.

Two shapes of advice are recognised, each only when a *cue* introduces it:

- a bulleted list whose lead-in ends with a colon and speaks of saying
  ("Consider these phrases:", "Try statements such as:");
- quoted statements right after a cue ("statements such as “…”", "say “…”",
  "transition with “…”", "follow that up with “…”"), and the quotes chained
  to them by "or", "and" or commas;
- an unquoted sentence after a cue that ends in a colon ("you could say: Thank
  you for waiting."): that sentence only, since what follows it may be the
  writer's comment again.

Everything else in quotes is not a phrase: story dialogue ("the employee
said"), quotations and proverbs, things overheard ("you hear the employee
say"), advice not to follow ("don't say", "instead of saying"), and anything
shorter than three words ("LOL", "I'm sorry").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from html import unescape

from generator.content.safety import visible

MIN_WORDS = 3

_BULLET = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,2}[.)])\s+(.*)$")
_QUOTE = re.compile(r"“([^“”]+)”|\"([^\"\n]+)\"")
_SENTENCE_END = re.compile(r"[.!?…](?:[”\"’)]*)\s+")
_CONNECTOR = re.compile(r"^[\s,;–—-]*(?:(?:and/)?or|and|,)?[\s,;–—-]*$", re.IGNORECASE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(.+?)\1")  # Markdown emphasis
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>&])")  # Markdown's backslash escapes
_WORDS = re.compile(r"\w+(?:['’]\w+)*")
# Words that introduce what to say. "say" counts only when the reader is the
# one saying it ("to say", "you could say", "Say"), not "the employee says".
_SAY = r"(?:(?:^\s*|\b(?:to|can|could|might|may|should|must|will|would|you|we|just|simply|then|also|and|or|try|by|now|instead)\s+|,\s*)say(?:ing)?)"
_CUES = (
    r"\b(?:phrases?|statements?|words|wording|responses?|lines|scripts?|something)\s+(?:such\s+as|like)",
    r"\b(?:transition|follow\s+(?:that|this|it|them)\s+up|follow\s+up|respond|reply|answer|open|start|begin|close|end|finish|lead\s+off|move\s+on)\s+(?:\w+\s+){0,2}?with",
    r"\btell\s+(?:them|him|her|the\s+customer|customers?|the\s+caller|callers?)",
    r"\bask\s+(?:them|him|her|the\s+customer|customers?|the\s+caller)",
    _SAY,
)
# The word each of the _CUES contains. A cue whose word is missing from a text cannot
# match there, so the text is searched only for the others: much quicker than for all.
_CUE_WORDS = ("such|like", "with", "tell", "ask", "say")
_CUE_WORD = tuple(re.compile(w, re.IGNORECASE) for w in _CUE_WORDS)
_ANY_CUE_WORD = re.compile("|".join(_CUE_WORDS), re.IGNORECASE)  # most texts have none
# A cue for a list: the lead-in speaks of phrases, statements or saying.
_LIST_CUE = re.compile(
    r"\b(?:phrases?|statements?|wording|scripts?|responses|say|saying|"
    r"tell\s+(?:them|the\s+customer|customers?))\b",
    re.IGNORECASE,
)
# Reported or overheard speech, anywhere in the sentence.
_HEARSAY = re.compile(
    r"\b(?:hear|hears|heard|hearing|overheard|quote|quoted|quotes|slogans?|mottos?|proverb)\b",
    re.IGNORECASE,
)
# In the clause before a cue: advice against saying it ("don't say"), or a
# condition describing what happens ("if you say … the customer leaves").
_NOT_ADVICE = re.compile(
    r"\b(?:don['’]t|do\s+not|never|avoid(?:ing)?|stop|instead\s+of|rather\s+than|not|"
    r"shouldn['’]t|won['’]t|wouldn['’]t|can['’]t|refrain\s+from|(?:if|when|whenever)\s+you)\b",
    re.IGNORECASE,
)
_CUE_REACH = 5  # at most this many words between a cue and its quote
# A colon with unquoted text after it (quoted text is _quoted's): not "10:30" or "https://".
_COLON = re.compile(r":[ \t]+(?=[^\s“\"‘'])")
_CUE_CHARS = 120  # where to look for it: the end of the text before the quote


@dataclass(frozen=True)
class Found:
    """A phrase in a tip's body and the cue that introduced it."""

    text: str
    cue: str


def extract(body: str) -> tuple[Found, ...]:
    """Every phrase the body recommends saying, in order, without repeats."""
    body = visible(body)  # notes to editors are not advice to readers
    if ":" not in body and "“" not in body and '"' not in body:
        return ()  # no list introduced by a colon, no quotes: nothing to find
    found: list[Found] = []
    for lead_in, items in _blocks(body):
        found += _quoted(lead_in) + _after_colon(lead_in)
        taken = _list_phrases(lead_in, items)
        found += taken
        for item in items if not taken else ():
            found += _quoted(item) + _after_colon(item)
    seen: set[str] = set()
    unique = []
    for phrase in found:
        key = normalize(phrase.text)
        if key not in seen:
            seen.add(key)
            unique.append(phrase)
    return tuple(unique)


def normalize(text: str) -> str:
    """The form two phrases are compared in: case, quotes and edge punctuation ignored."""
    text = text.replace("’", "'").replace("‘", "'").casefold()
    return " ".join(text.strip(" \t\n\"“”'.,;:!?…–—-").split())


def _blocks(body: str) -> list[tuple[str, list[str]]]:
    """(paragraph, the list items right after it) for every paragraph of the body."""
    blocks: list[tuple[str, list[str]]] = []
    paragraph: list[str] = []
    items: list[str] = []
    for line in body.splitlines():
        bullet = _BULLET.match(line)
        if bullet:
            if not items or paragraph:  # a list starts: the paragraph before leads in
                items = []
                blocks.append((_lead_in(paragraph, blocks), items))
                paragraph = []
            items.append(bullet.group(1).strip())
        elif not line.strip():
            if paragraph:
                blocks.append((" ".join(paragraph), []))
                paragraph = []
        elif items and not paragraph and line[0] in " \t":
            items[-1] += " " + line.strip()  # an item continued on the next line
        else:
            paragraph.append(line.strip())
            items = []
    if paragraph:
        blocks.append((" ".join(paragraph), []))
    return blocks


def _lead_in(paragraph: list[str], blocks: list[tuple[str, list[str]]]) -> str:
    """The paragraph introducing a list: the open one, or the last one if it has no list."""
    if paragraph:
        return " ".join(paragraph)
    if blocks and not blocks[-1][1]:
        return blocks.pop()[0]
    return ""


def _list_phrases(lead_in: str, items: list[str]) -> list[Found]:
    """The items of a list introduced as things to say, else none."""
    lead_in = lead_in.rstrip()
    if not items or not lead_in.endswith(":"):  # so its last sentence does not either
        return []
    last = _last_sentence(lead_in)
    if not _LIST_CUE.search(last):
        return []
    if _HEARSAY.search(last) or _NOT_ADVICE.search(last):
        return []
    phrases = [_clean(_unquote(item)) for item in items]
    return [Found(p, last) for p in phrases if _long_enough(p)]


def _quoted(text: str) -> list[Found]:
    """Quoted statements that a cue introduces, directly or through a chain of 'or's."""
    found: list[Found] = []
    if "“" not in text and '"' not in text:
        return found
    previous_end, chained_cue = 0, ""
    for quote in _QUOTE.finditer(text):
        before = text[previous_end : quote.start()]
        if previous_end and _CONNECTOR.match(before):
            cue = chained_cue
        else:
            cue = _cue(_last_sentence(before))
        if cue and _long_enough(phrase := _clean(quote.group(1) or quote.group(2))):
            found.append(Found(phrase, cue))
        previous_end, chained_cue = quote.end(), cue
    return found


def _after_colon(text: str) -> list[Found]:
    """The unquoted sentence after a cue that ends right at a colon ("say: …"); the
    cue must touch the colon, so "Ask them a few questions: …" introduces no phrase."""
    found = []
    for colon in _COLON.finditer(text) if ":" in text else ():
        cue = _cue(_last_sentence(text[: colon.start()]), reach=0)
        end = _SENTENCE_END.search(text, colon.end())
        phrase = _clean(text[colon.end() : end.start() + 1 if end else len(text)])
        if cue and _long_enough(phrase):
            found.append(Found(phrase, cue + ":"))
    return found


def _cue(sentence: str, reach: int = _CUE_REACH) -> str:
    """The cue ending this sentence fragment (at most `reach` words before its end),
    or '' when it has none or it is hearsay."""
    near = sentence[-_CUE_CHARS:]  # a cue ends a few words before its quote
    if not _ANY_CUE_WORD.search(near):
        return ""
    possible = frozenset(n for n, word in enumerate(_CUE_WORD, 1) if word.search(near))
    cues = list(_cue_pattern(possible).finditer(near))
    if not cues:
        return ""
    cue = cues[-1]
    if len(_WORDS.findall(near[cue.end() :])) > reach:
        return ""
    clause = sentence[: len(sentence) - len(near) + cue.end()].split(",")[-1]
    if _HEARSAY.search(sentence) or _NOT_ADVICE.search(clause):
        return ""
    return " ".join(cue.group(0).strip(" ,").split())


@cache  # at most 2 ** len(_CUES) patterns
def _cue_pattern(possible: frozenset[int]) -> re.Pattern[str]:
    """The cues whose words are present (numbered from 1), in their order of precedence."""
    cues = (c for n, c in enumerate(_CUES, 1) if n in possible)
    return re.compile("|".join(f"(?:{c})" for c in cues), re.IGNORECASE | re.MULTILINE)


def _last_sentence(text: str) -> str:
    return _SENTENCE_END.split(text)[-1]


def _unquote(text: str) -> str:
    quoted = _QUOTE.fullmatch(text.strip().rstrip(",;"))
    return (quoted.group(1) or quoted.group(2)) if quoted else text


def _clean(text: str) -> str:
    """A phrase as plain text: the body is Markdown, where the importer writes scraped
    text escaped ("\\[", "&lt;"), and the pages escape a phrase again where they show it."""
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub(r"\2", text)
    if "\\" in text:
        text = _ESCAPED.sub(r"\1", text)
    if "&" in text:
        text = unescape(text)
    return " ".join(text.split()).strip(" ,;:–—-")


def _long_enough(text: str) -> bool:
    return len(_WORDS.findall(text)) >= MIN_WORDS
