"""The auto-tagger's match rules, as written in `taxonomy.yml`.

A rule is a sequence of words matched against a tip's stemmed words, so
"angry customer" also matches "angrier customers":

- ``word``         the word or any of its inflections (stemmed);
- ``a|b``          any one of the alternatives at this position;
- ``pre*``         any word starting with ``pre`` (not stemmed);
- words must appear in this order, next to each other.

``compile_rule`` raises ``ValueError`` with a reason a taxonomy editor can act on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis import RegexTokenizer
from whoosh.lang.porter import stem

_WORD = re.compile(r"^[a-z0-9][a-z0-9'’-]*\*?$")
_TOKENIZER = RegexTokenizer(r"\w+(?:['’]\w+)*")


@lru_cache(maxsize=65536)
def stem_word(word: str) -> str:
    return stem(word.lower().replace("’", "'"))


def words(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) of every word of a text, for matching with evidence."""
    return [
        (stem_word(t.text), t.startchar, t.endchar)
        for t in _TOKENIZER(text, positions=True, chars=True)
    ]


@dataclass(frozen=True)
class Rule:
    text: str
    slots: tuple[tuple[str, ...], ...]  # per position: stems, or prefixes ending in '*'

    def find(
        self, tokens: Sequence[tuple[str, int, int]], raw: Sequence[str]
    ) -> tuple[int, int] | None:
        """Char span of the first match in a token list, or None."""
        n = len(self.slots)
        for i in range(len(tokens) - n + 1):
            if all(_slot_matches(self.slots[j], tokens[i + j][0], raw[i + j]) for j in range(n)):
                return tokens[i][1], tokens[i + n - 1][2]
        return None


def _slot_matches(slot: tuple[str, ...], stemmed: str, raw: str) -> bool:
    return any(raw.startswith(alt[:-1]) if alt.endswith("*") else alt == stemmed for alt in slot)


def compile_rule(text: str) -> Rule:
    """Compile one rule; ValueError says what is wrong with it."""
    parts = text.lower().split()
    if not parts:
        raise ValueError("a rule needs at least one word")
    slots = []
    for part in parts:
        alternatives = part.split("|")
        for alt in alternatives:
            if not _WORD.match(alt):
                raise ValueError(
                    f"'{alt}' is not a word (use letters, digits, '|' and a final '*')"
                )
        slots.append(tuple(a if a.endswith("*") else stem_word(a) for a in alternatives))
    return Rule(text=text, slots=tuple(slots))
