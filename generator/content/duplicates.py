"""Tips that look like copies of another: warnings for `tipkb check` and `tipkb new`.

Texts are compared as sets of 3-word runs ("shingles"), each stored as a
stable 64-bit hash so a cache can keep them between runs. Candidates are
found without comparing every pair: a tip can contain TEXT_CLOSE of a
shorter one's runs only if it shares some of that tip's rarest runs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import chain

from generator.cache import Cache, text_key
from generator.content.safety import visible
from generator.errors import Problem
from generator.model import Tip

TEXT_CLOSE = 0.8  # share of the shorter text's 3-word runs also in the other tip
TITLE_CLOSE = 0.85  # title likeness that alone warns, for a tip with too little text
MIN_SHINGLES = 8  # fewer 3-word runs than this: too little text to compare
BOILERPLATE_SHARE = 0.01  # a run in more than this share of the tips is boilerplate...
BOILERPLATE_MIN = 20  # ...or in more than this many
_TOKEN = re.compile(r"\w+")
_MASK = (1 << 60) - 1  # two 30-bit digits: Python hashes and compares these fastest
_MIX = 0x9E3779B97F4A7C15  # odd: multiplying by it mod 2**64 loses nothing

Runs = frozenset[int]  # a text's 3-word runs, as hashes


def near_duplicates(tips: Sequence[Tip], cache: Cache | None = None) -> list[Problem]:
    """Warnings for tips whose text is very close to another tip's (or, for a tip with
    hardly any text yet, whose title is); each on the later tip, naming the other."""
    ordered = sorted(tips, key=_age)
    runs = [_cached_runs(t.body, cache) for t in ordered]
    pairs = _close_texts(runs) | _close_titles(ordered, runs)
    problems = []
    for i, j in sorted(pairs):
        older, newer = ordered[i], ordered[j]
        problems.append(
            Problem(
                newer.path or newer.slug,
                newer.line_of("title"),
                f"very close to '{older.title}' ({older.path or older.slug}); is this the same tip?",
                level="warning",
            )
        )
    return problems


def _age(tip: Tip) -> tuple[dt.date, str]:
    return tip.date or dt.date.max, str(tip.path or tip.slug)


def _cached_runs(body: str, cache: Cache | None) -> Runs:
    if cache is None:
        return shingles(body)
    return cache.fetch(text_key("runs", body), lambda: shingles(body))


class _WordHashes(dict[str, int]):
    """Word → stable 64-bit hash, worked out once per distinct word."""

    def __missing__(self, word: str) -> int:
        value = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        if len(self) < 500_000:  # bounded, so no input can grow it without end
            self[word] = value
        return value


_WORD_HASHES = _WordHashes()


def shingles(body: str) -> Runs:
    """The 3-word runs of a text (comments left out), each hashed the same way in every run."""
    h = list(map(_WORD_HASHES.__getitem__, _TOKEN.findall(visible(body).lower())))
    triples = zip(h, h[1:], h[2:], strict=False)
    return frozenset(((a * _MIX ^ b) * _MIX ^ c) & _MASK for a, b, c in triples)


def _close_texts(runs: list[Runs]) -> set[tuple[int, int]]:
    """Index pairs (i < j) of texts sharing TEXT_CLOSE of the shorter one's runs.

    Runs found in many tips are boilerplate ("Signup for FREE tips"), not a
    sign of the same tip, and are left out of the comparison.
    """
    df = Counter(chain.from_iterable(runs))
    cap = max(BOILERPLATE_MIN, BOILERPLATE_SHARE * len(runs))
    boilerplate = {r for r, n in df.items() if n > cap}
    texts = [rs - boilerplate for rs in runs] if boilerplate else runs
    probes = [_probes(rs, df) for rs in texts]
    probed = frozenset().union(*(looked_up for looked_up, _ in probes))
    having: dict[int, list[int]] = {}
    for i, rs in enumerate(texts):
        for run in rs & probed:  # only runs some tip looks up need their tips listed
            having.setdefault(run, []).append(i)
    found = set()
    for i, (looked_up, need) in enumerate(probes):
        rs = texts[i]
        shared = Counter(chain.from_iterable(having[r] for r in looked_up))
        for j, n in shared.items():
            bigger = j != i and n >= need and len(texts[j]) >= len(rs)
            if bigger and len(rs & texts[j]) >= TEXT_CLOSE * len(rs):
                found.add((min(i, j), max(i, j)))
    return found


def _probes(rs: Runs, df: Counter[int]) -> tuple[list[int], int]:
    """The runs to look up for a text, and how many of them a containing tip must hold.

    If B holds TEXT_CLOSE of A's runs, it holds at least `need` of any `probes`
    of A's runs; taking the rarest keeps the candidates few. Runs in A alone
    count among the probes but cannot be shared, so they are not looked up.
    """
    if len(rs) < MIN_SHINGLES:
        return [], 1
    probes = math.ceil(2 * (1 - TEXT_CLOSE) * len(rs))
    need = probes - math.floor((1 - TEXT_CLOSE) * len(rs))
    shared = sorted((n, r) for r in rs if (n := df[r]) > 1)
    unique = len(rs) - len(shared)
    return [r for _, r in shared[: max(0, probes - unique)]], need


def _close_titles(tips: list[Tip], runs: list[Runs]) -> set[tuple[int, int]]:
    """Pairs with a tip too short to compare by text whose title is very like another's."""
    found = set()
    titles = [" ".join(_TOKEN.findall(t.title.lower())) for t in tips]
    for i, rs in enumerate(runs):
        if len(rs) >= MIN_SHINGLES:
            continue
        matcher = difflib.SequenceMatcher(None, "", titles[i])
        for j, title in enumerate(titles):
            matcher.set_seq1(title)
            if (
                j != i
                and matcher.real_quick_ratio() >= TITLE_CLOSE
                and matcher.quick_ratio() >= TITLE_CLOSE
                and matcher.ratio() >= TITLE_CLOSE
            ):
                found.add((min(i, j), max(i, j)))
    return found
