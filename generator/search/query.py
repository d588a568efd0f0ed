"""Queries, from the text typed to the results shown: words are stemmed and stop words
dropped; a query that names a situation or technique (its label or a synonym: "yelling"
names upset-customer) also finds, and ranks up, the tips tagged with it and those whose
title names it; tips matching every word come first (AND) and, when they are fewer than
``limit``, tips matching any word follow (OR), so a long natural question still finds
something; ranking sums the words' BM25 scores (with IDF) in plain Python over the
posting lists the open index caches (generator.search.index), as whoosh's own matchers
cost too much per posting for 10,000 tips; `check_query` and `check_filters` reject
what cannot be searched, saying what to type instead; and a word no tip has is
respelled from the index's vocabulary before searching ("cancle" → "cancel"), the
results saying which query was searched.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from spellchecker import SpellChecker

from generator.content.taxonomy import did_you_mean
from generator.errors import InputError, QueryError
from generator.model import Taxonomy, tip_url
from generator.search.analysis import (
    _TOKEN,
    _Concept,
    _concepts,
    _inflection_key,
    _stem,
    _words,
    significant_words,
    stems,
)
from generator.search.index import OPEN, _idf, _View
from generator.search.snippets import MARK, _best_snippet

TERM_WEIGHT = 3.0  # being tagged with a term the query names, as a word's BM25 weight
FACETS_SHOWN = 6  # per vocabulary, in `tipkb search` output
MAX_QUERY_CHARS = 500  # a query is what a customer said, not a pasted document
MAX_WORD_LETTERS = 40  # longer than any word: a query with one is a mistake
SUGGESTED_WORDS = 5  # unknown words of a query respelled, at most


@dataclass(frozen=True)
class _Parsed:
    """A query: its indexed words, and the taxonomy terms it names with the words naming them."""

    words: tuple[str, ...]
    named: tuple[tuple[_Concept, frozenset[str]], ...]
    written: dict[str, str]  # indexed form → the word as typed

    @property
    def concepts(self) -> tuple[_Concept, ...]:
        return tuple(c for c, _ in self.named)

    def naming(self, word: str) -> tuple[_Concept, ...]:
        return tuple(c for c, covered in self.named if word in covered)

    @property
    def unattached(self) -> tuple[_Concept, ...]:
        """Terms named by stop words only ("been down"): they rank tips up, not filter."""
        return tuple(c for c, covered in self.named if not covered)

    @property
    def highlight(self) -> frozenset[str]:
        """Words worth marking in a snippet: the query's and its terms' one-word names."""
        return frozenset(self.words).union(*(c.words for c in self.concepts))


def _parse(text: str, taxonomy: Taxonomy) -> _Parsed:
    written = {_stem(w): w for w in reversed(significant_words(text))}
    words = tuple(dict.fromkeys(stems(text)))
    every = _words(text)
    keys = tuple(map(_inflection_key, every))
    named = []
    for concept in _concepts(taxonomy):
        spans = [
            every[start : start + len(pattern)]
            for pattern in concept.patterns
            for start in _occurrences(keys, pattern)
        ]
        if spans:
            covered = {s for span in spans for s in map(_stem, span) if s in words}
            named.append((concept, frozenset(covered)))
    return _Parsed(words, tuple(named), written)


def _occurrences(seq: tuple[str, ...], pattern: tuple[str, ...]) -> Iterable[int]:
    n = len(pattern)
    first = pattern[0]
    return (i for i, w in enumerate(seq) if w == first and seq[i : i + n] == pattern)


def _clause(view: _View, word: str, parsed: _Parsed, *, text: bool = True) -> dict[int, float]:
    """Score of each tip for one query word: its BM25 score (unless text is False),
    plus a score for each term the word names (see _add_term)."""
    idf = view.idf(word) if text else 0.0
    scores = {docnum: weight * idf for docnum, weight in view.postings(word).items()} if idf else {}
    for concept in parsed.naming(word):
        _add_term(view, concept, scores)
    return scores


def _add_term(view: _View, concept: _Concept, scores: dict[int, float]) -> None:
    """Score tips tagged with a term, and tips whose title names it, as if each were
    a word of weight TERM_WEIGHT."""
    for docs in (view.tagged(concept.field, concept.term.id), view.titled(concept)):
        boost = TERM_WEIGHT * _idf(len(docs), view.size)
        for docnum in docs:
            scores[docnum] = scores.get(docnum, 0.0) + boost


def _match(view: _View, parsed: _Parsed) -> tuple[dict[int, float], dict[int, float]]:
    """Scores of the tips matching every query word (AND) and any query word (OR).

    A word most tips contain ("customer") tells little and would cost a pass
    over most of the index, so it counts only through the terms it names, or
    when the query has no other word. A word no tip contains is tried without
    a derivational ending ("kinder" → "kind"). A term named by stop words only
    ("been down") adds to the scores without being required.
    """
    words = [_known_form(view, w, parsed) for w in parsed.words]
    common = {w for w in words if view.common(w)}
    clauses = [_clause(view, w, parsed, text=w not in common) for w in words]
    clauses = [c for c in clauses if c]
    if not clauses:
        clauses = [c for c in (_clause(view, w, parsed) for w in words) if c]
    bonus: dict[int, float] = {}
    for concept in parsed.unattached:
        _add_term(view, concept, bonus)
    if not clauses and bonus:
        clauses, bonus = [bonus], {}
    either: dict[int, float] = {}
    for scores in [*clauses, bonus]:
        for docnum, score in scores.items():
            either[docnum] = either.get(docnum, 0.0) + score
    every = set(clauses[0]).intersection(*clauses[1:]) if clauses else set()
    return {d: either[d] for d in every}, either


_ENDINGS = ("ness", "ment", "ful", "est", "ing", "er", "ed", "ly")


def _known_form(view: _View, word: str, parsed: _Parsed) -> str:
    if view.df(word) or parsed.naming(word):
        return word
    written = parsed.written.get(word, word)
    for ending in _ENDINGS:
        base = written[: -len(ending)]
        if written.endswith(ending) and len(base) >= 3:
            # "kinder" → "kind"; "apologizing" → "apologize" (Porter: "apologiz" ≠ "apolog")
            for shorter in (_stem(base), _stem(base + "e")):
                if view.df(shorter):
                    return shorter
    return word


def _allowed(view: _View, situation: str | None, technique: str | None) -> frozenset[int] | None:
    sets = [view.tagged("situations", situation)] if situation else []
    sets += [view.tagged("techniques", technique)] if technique else []
    return frozenset.intersection(*sets) if sets else None


def check_filters(taxonomy: Taxonomy, situation: str | None, technique: str | None) -> None:
    """An InputError for a filter that names no situation or technique of the taxonomy."""
    _check_filter(situation, taxonomy.situation_ids, "situation")
    _check_filter(technique, taxonomy.technique_ids, "technique")


def _check_filter(term_id: str | None, known: tuple[str, ...], noun: str) -> None:
    if term_id is not None and term_id not in known:
        raise InputError(
            f"unknown {noun} '{term_id}'{did_you_mean(term_id, known)}; "
            f"the {noun} ids are listed in taxonomy.yml"
        )


@dataclass(frozen=True)
class Result:
    """One tip found."""

    slug: str
    title: str
    date: dt.date | None
    url: str
    score: float
    situations: tuple[str, ...]
    techniques: tuple[str, ...]
    snippet: str  # plain text; matching words wrapped in MARK
    phrases: tuple[str, ...]  # the tip's phrases that match the query

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "url": self.url,
            "score": self.score,
            "situations": list(self.situations),
            "techniques": list(self.techniques),
            "snippet": self.snippet.replace(MARK, ""),  # plain text, as every field
            "phrases": list(self.phrases),
        }


@dataclass(frozen=True)
class SearchResults:
    """Ranked tips for a query, facet counts over every match, and the query searched."""

    query: str  # as typed
    results: tuple[Result, ...] = ()
    situations: tuple[tuple[str, int], ...] = ()  # (id, tips matching), most first
    techniques: tuple[tuple[str, int], ...] = ()
    corrected: str | None = None  # searched instead: words no tip has, respelled
    typed_matches: bool = True  # whether the query as typed matched any tip

    @property
    def searched(self) -> str:
        return self.corrected or self.query

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(r.slug for r in self.results)

    @property
    def note(self) -> str | None:
        """What to tell the reader about the query searched, if it is not the one typed."""
        if not self.results:
            nor = f" (nor '{self.corrected}')" if self.corrected else ""
            return f"No tips match '{self.query}'{nor}."
        if self.corrected is None:
            return None
        if not self.typed_matches:
            return f"No tips match '{self.query}'; showing results for '{self.corrected}'."
        return f"Showing results for '{self.corrected}' instead of '{self.query}'."

    def to_text(self, mark: Callable[[str], str] = str) -> str:
        """What `tipkb search` prints: the note, ranked tips, then facets. `mark` shows
        a word of a snippet that matched (a terminal makes it bold); by default as is."""
        lines = [self.note] if self.note else []
        for rank, r in enumerate(self.results, 1):
            date = r.date.isoformat() if r.date else "undated"
            lines += [f"{rank}. {r.title} ({date})  {r.url}"]
            lines += [f"   situations: {', '.join(r.situations)}"] if r.situations else []
            lines += [f"   {_MARKED.sub(lambda m: mark(m[1]), r.snippet)}"] if r.snippet else []
            lines += [f"   say: “{p}”" for p in r.phrases]
        for name, counts in (("situations", self.situations), ("techniques", self.techniques)):
            shown = ", ".join(f"{t} ({n})" for t, n in counts[:FACETS_SHOWN])
            more = f", … {len(counts) - FACETS_SHOWN} more" if len(counts) > FACETS_SHOWN else ""
            lines += [f"matching {name}: {shown}{more}"] if counts else []
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The `tipkb search --json` shape: plain text in every field, no markup."""
        return {
            "query": self.query,
            "searched": self.searched,
            "results": [r.to_json() for r in self.results],
            "facets": {"situations": dict(self.situations), "techniques": dict(self.techniques)},
        }


_MARKED = re.compile(re.escape(MARK) + "(.+?)" + re.escape(MARK))


def search(
    index_dir: Path,
    query_text: str,
    taxonomy: Taxonomy,
    *,
    situation: str | None = None,
    technique: str | None = None,
    limit: int = 10,
) -> SearchResults:
    """Search the index in index_dir; see the module docstring for how. Words no tip
    has are respelled first, and the corrected query is the one searched.

    Raises QueryError for a query that cannot be searched (see check_query), or one
    of only common words ("what is the"), which every tip has.
    """
    check_query(query_text)
    _check_filter(situation, taxonomy.situation_ids, "situation")
    _check_filter(technique, taxonomy.technique_ids, "technique")
    parsed = _parse(query_text, taxonomy)
    if not parsed.words and not parsed.named:
        raise QueryError(
            f"'{query_text}' has only common words, which every tip has; "
            "add a word saying what happened, e.g. 'angry customer'"
        )
    view = OPEN.get(index_dir)
    allowed = _allowed(view, situation, technique)
    corrected = _corrected(view, query_text, parsed, taxonomy)
    searched = _parse(corrected, taxonomy) if corrected else parsed
    found, matching = _ranked(view, searched, allowed, limit)
    typed_matches = not corrected or bool(_ranked(view, parsed, allowed, 1)[0])
    if not found:
        return SearchResults(query_text, corrected=corrected, typed_matches=typed_matches)
    situations, techniques = (_facet(view, name, matching) for name in ("situations", "techniques"))
    results = tuple(_result(view, d, matching[d], searched) for d in found)
    return SearchResults(query_text, results, situations, techniques, corrected, typed_matches)


def _ranked(
    view: _View, parsed: _Parsed, allowed: frozenset[int] | None, limit: int
) -> tuple[list[int], dict[int, float]]:
    """The best `limit` tips (docnums), and the score of every tip matching."""
    every, either = _match(view, parsed)
    if allowed is not None:
        every = {d: s for d, s in every.items() if d in allowed}
        either = {d: s for d, s in either.items() if d in allowed}
    found = _best(view, every, limit)
    matching = every
    if len(found) < limit:
        matching = either
        seen = set(found)
        found += [d for d in _best(view, either, limit) if d not in seen][: limit - len(found)]
    return found, matching


def check_query(text: str) -> None:
    """Raise QueryError, saying what to type instead, for a query too long or without words."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text)} characters long; keep it under {MAX_QUERY_CHARS}: "
            "a few words of what the customer said or did"
        )
    if not _TOKEN.search(text):
        raise QueryError("the query has no words; type what the customer said or did")
    longest = max(_TOKEN.findall(text), key=len)
    if len(longest) > MAX_WORD_LETTERS:
        raise QueryError(
            f"'{longest[:20]}…' is {len(longest)} letters long, longer than any word; "
            "check the query for a missing space"
        )


def _best(view: _View, scores: dict[int, float], limit: int) -> list[int]:
    """The top docnums; equal scores in slug order, so results never depend on index history."""
    return heapq.nsmallest(limit, scores, key=lambda d: (-scores[d], view.slugs[d]))


def _facet(view: _View, name: str, docs: dict[int, float]) -> tuple[tuple[str, int], ...]:
    matched = set(docs)
    counts = (
        (term_id, len(matched.intersection(tagged))) for term_id, tagged in view.tags[name].items()
    )
    return tuple(sorted(((t, n) for t, n in counts if n), key=lambda kv: (-kv[1], kv[0])))


def _result(view: _View, docnum: int, score: float, parsed: _Parsed) -> Result:
    stored = view.reader.stored_fields(docnum)
    tip = stored["tip"]
    situations = tuple(filter(None, stored["situations"].split(",")))
    techniques = tuple(filter(None, stored["techniques"].split(",")))
    return Result(
        slug=stored["slug"],
        title=tip["title"],
        date=dt.date.fromisoformat(tip["date"]) if tip["date"] else None,
        url=tip_url(stored["slug"]),
        score=round(score, 3),
        situations=situations,
        techniques=techniques,
        snippet=_best_snippet((view.body(docnum), tip["summary"], tip["title"]), parsed.highlight),
        phrases=_matching_phrases(view, tip["phrases"], situations, parsed),
    )


def _matching_phrases(
    view: _View, phrases: list[list[Any]], situations: tuple[str, ...], parsed: _Parsed
) -> tuple[str, ...]:
    """Phrases sharing a telling query word, or meant for a situation the query names.

    A word found in most tips ("customer") tells nothing about a phrase.
    """
    telling = {w for w in parsed.words if not view.common(w)}
    named = {c.term.id for c in parsed.concepts}
    out = []
    for text, for_situations in phrases:
        if telling & set(stems(text)) or named & set(for_situations or situations):
            out.append(text)
    return tuple(out)


# ---------------------------------------------------------------------------
# Respelling words no tip has


def _corrected(view: _View, text: str, parsed: _Parsed, taxonomy: Taxonomy) -> str | None:
    """The query with each word no tip (nor the taxonomy) knows replaced by a close known
    word, or None when no word needed it or none could be respelled.

    Bounded: only the first SUGGESTED_WORDS unknown words, each of at most
    MAX_WORD_LETTERS letters, so at most a few thousand candidates are tried.
    """
    known = {w for c in _concepts(taxonomy) for w in c.words}
    changed = text
    unknown = [
        w
        for w in dict.fromkeys(significant_words(text))
        if len(w) <= MAX_WORD_LETTERS and w.isalpha() and not _known(view, w, parsed, known)
    ]
    for word in unknown[:SUGGESTED_WORDS]:
        better = _closest(view, word, known)
        if better:
            changed = re.sub(rf"\b{re.escape(word)}\b", better, changed, flags=re.IGNORECASE)
    return changed if changed != text else None


def _known(view: _View, word: str, parsed: _Parsed, known: set[str]) -> bool:
    """Whether a tip or the taxonomy has the word in some form, or it is English: a real
    word no tip uses ("leaving") is no typo of one they do ("leading")."""
    indexed = _stem(word)
    return (
        indexed in known
        or bool(parsed.naming(indexed))
        or view.has(indexed)
        or _known_form(view, indexed, parsed) != indexed
        or word in _english()
    )


@cache
def _english() -> SpellChecker:
    """English words, loaded when first needed (half a second): only a query with a
    word no tip has asks."""
    return SpellChecker(language="en", distance=1)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits(word: str) -> set[str]:
    """Every string one deletion, swap, replacement or insertion away from word."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        | {a + c + b for a, b in splits for c in _LETTERS}
    )


def _closest(view: _View, word: str, known: set[str]) -> str | None:
    """The one-edit variant of a word that the most tips contain (or the taxonomy knows).

    Typos are matched as written, not stemmed: "custmer" is one edit from
    "customer" but three from the indexed "custom". Of the variants sharing
    that stem ("customer", "customed"), the one a tip actually uses wins.
    """
    by_stem: dict[str, list[str]] = {}
    for candidate in sorted(_edits(word)):
        indexed = _stem(candidate)
        if indexed in by_stem or view.has(indexed) or indexed in known:
            by_stem.setdefault(indexed, []).append(candidate)
    if not by_stem:
        return None
    best = max(sorted(by_stem), key=view.df)
    used = _words_of_a_tip(view, best)
    return next((c for c in by_stem[best] if c in used), by_stem[best][0])


def _words_of_a_tip(view: _View, indexed: str) -> set[str]:
    docnum = next(iter(view.postings(indexed)), None)
    if docnum is None:
        return set()
    tip = view.reader.stored_fields(docnum)["tip"]
    return set(significant_words(" ".join((tip["title"], tip["summary"], view.body(docnum)))))
