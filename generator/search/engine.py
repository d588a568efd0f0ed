"""Full-text search over the tips: the index, queries and related tips.

This is the one module that knows whoosh (rules.py borrows only its stemmer),
so the engine can be replaced without touching the rest of tipkb.

Index: one document per tip. Title, summary, phrases, body and the labels of
the tip's terms are analysed once, in Python, into a single ``text`` field
whose postings carry the word's BM25 score in the tip (title and phrases
count more than body: BM25F folded in at index time), so indexing writes one
posting per distinct word and a query reads one list per word. Situations
and techniques are keyword fields, for filters, facets and the taxonomy
boost. Each document carries a fingerprint of what was indexed, so an
update re-indexes only tips whose fingerprint changed.

Query: words are stemmed and stop words dropped. A query that names a
situation or technique (its label or a synonym: "yelling" names
upset-customer) also finds, and ranks up, the tips tagged with it and those
whose title names it. Tips matching every word come first (AND); when they
are fewer than ``limit``, tips matching any word follow (OR), so a long
natural question still finds something. Ranking sums the words' BM25 scores
(with IDF) in plain Python over cached posting lists: whoosh's own matchers
cost too much per posting for 10,000 tips. When nothing matches, a spelling
suggestion is made from the index's vocabulary.
"""

from __future__ import annotations

import datetime as dt
import heapq
import html
import logging
import math
import re
import string
import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain, filterfalse
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh import columns, fields, formats, index
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.codec.whoosh3 import W3Codec
from whoosh.lang.porter import stem as _porter
from whoosh.searching import Searcher
from whoosh.writing import CLEAR, SegmentWriter

from generator.cache import digest, text_digest
from generator.content.taxonomy import did_you_mean
from generator.content.tipfile import write_text_atomic
from generator.errors import BuildError, InputError, QueryError
from generator.model import Taxonomy, Term, Tip, tip_url
from generator.workers import map_shared

log = logging.getLogger(__name__)

INDEX_NAME = "tips"
CONTENTS = "tipkb-contents"  # beside whoosh's files: a digest of what the index holds
FORMAT_VERSION = "4"  # bump when what is indexed changes: every tip is re-indexed
MARK = "**"  # snippets wrap matching words in this (plain text, Markdown bold)

# Weight of each part of a tip in the `text` field (per occurrence of a word).
WEIGHTS = {"title": 4.0, "phrases": 2.0, "summary": 2.0, "terms": 1.5, "body": 1.0}
_FORMAT = (FORMAT_VERSION, tuple(WEIGHTS.items()))  # part of every tip's fingerprint
TERM_WEIGHT = 3.0  # being tagged with a term the query names, as a word's BM25 weight
BM25_K1, BM25_B = 1.2, 0.75
TYPICAL_LENGTH = 400.0  # weighted words in a typical tip, for BM25 length normalisation
POOL_POSTINGS = 2_000_000  # postings held in memory while indexing (~180 bytes each);
# beyond, whoosh sorts runs on disk and merges them, several times slower
REWRITE_SHARE = 0.5  # rewrite the index whole when more of it than this changed
COMMON = 0.3  # a word in more than this share of tips does not widen an OR query...
COMMON_MIN = 10  # ...nor in more than this many, in a small collection
SNIPPET_CHARS = 200
FACETS_SHOWN = 6  # per vocabulary, in `tipkb search` output
SIGNATURE_SIZE = 40  # words kept per tip for related-tip similarity
MAX_QUERY_CHARS = 500  # a query is what a customer said, not a pasted document
MAX_WORD_LETTERS = 40  # longer than any word: a query with one is a mistake
SUGGESTED_WORDS = 5  # unknown words of a query given a spelling suggestion, at most

# Function words and staff-query filler: dropped from index and queries alike.
_STOP_WORDS = """a about above after again against all also am an and any are aren as at be because
    been before being below between both but by can could couldn did didn do does doesn doing
    don down during each even ever few for from further get gets getting got had hadn has hasn
    have haven having he her here hers herself him himself his how i if in into is isn it its
    itself just let ll me more most my myself no nor not of off on once only or other our ours
    ourselves out over own re really same she should shouldn so some such than that the their
    theirs them themselves then there these they this those through to too under until up us
    ve very was wasn we were weren what when where which while who whom why will with won would
    wouldn you your yours yourself yourselves"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_SKIPPED = STOP_WORDS | set(string.ascii_lowercase + string.digits)  # and one-letter words
_TOKEN = re.compile(r"\w+")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _porter(word)


def _tokens(text: str) -> list[str]:
    """Lower-cased words of a text, stop words and one-letter words dropped."""
    return [w for w in _TOKEN.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


def stems(text: str) -> list[str]:
    """The indexed form of every word of a text, in order."""
    return list(map(_stem, _tokens(text)))


# ---------------------------------------------------------------------------
# The index


def word_weights(parts: Iterable[tuple[float, str]]) -> Counter[str]:
    """Weighted occurrences of each indexed word in (weight, text) parts.

    Built from C-speed pieces (findall, map over a cached stemmer, Counter):
    whoosh's own analyser chain costs microseconds per word. The first part
    should be the longest: it is counted without a Python loop.
    """
    weights: Counter[str] = Counter()
    for weight, text in parts:
        words = filterfalse(_SKIPPED.__contains__, _TOKEN.findall(text.lower()))
        counted = Counter(map(_stem, words))
        if not weights and weight == 1:
            weights.update(counted)  # into an empty Counter: a plain dict update
            continue
        for word, n in counted.items():
            weights[word] += n * weight
    return weights


class _WeightedText(fields.TEXT):
    """A text field fed pre-counted words: the dict from `word_weights`.

    Each posting's weight is the word's BM25 term score in the tip, computed at
    index time; queries multiply it by the word's IDF. whoosh then scores a
    posting by reading one number (no per-document length lookup), which keeps
    queries within budget on large indexes. Lengths are normalised against a
    fixed typical length rather than the corpus average, so adding tips never
    changes the indexed weights of others.
    The ``analyzer`` does the same tokenise → lower-case → stop → stem work,
    for anything in whoosh that analyses text itself.
    """

    def __init__(self) -> None:
        analyzer = RegexTokenizer(_TOKEN.pattern) | LowercaseFilter()
        analyzer |= StopFilter(stoplist=STOP_WORDS, minsize=2) | StemFilter(stemfn=_stem)
        super().__init__(analyzer=analyzer, phrase=False)
        self.scorable = False  # scored by the stored weight alone (see above)
        self.format = formats.Existence()  # postings carry their weight, no other value

    def index(self, value: Any, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        norm = BM25_K1 * (1 - BM25_B + BM25_B * sum(value.values()) / TYPICAL_LENGTH)
        k = BM25_K1 + 1
        # (word, count, weight, value): the count and value are unused (Existence format).
        return [(word.encode("utf-8"), 1, tf * k / (tf + norm), b"") for word, tf in value.items()]


def _schema() -> fields.Schema:
    return fields.Schema(
        slug=fields.ID(stored=True, unique=True, sortable=True),
        fingerprint=fields.COLUMN(columns.VarBytesColumn()),
        keywords=fields.COLUMN(columns.VarBytesColumn()),
        body=fields.COLUMN(columns.VarBytesColumn()),  # plain text, for snippets
        text=_WeightedText(),
        title=fields.COLUMN(columns.VarBytesColumn()),  # indexed words, for terms named in titles
        situations=fields.KEYWORD(stored=True, commas=True),
        techniques=fields.KEYWORD(stored=True, commas=True),
        tip=fields.STORED(),
    )


@dataclass(frozen=True)
class IndexStats:
    """What an index update did."""

    added: int
    updated: int
    removed: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged"
        )


@dataclass(eq=False)  # not frozen: one is made per tip on every build, and frozen is slower
class _Source:
    """What the index holds of one tip, before analysis (cheap to fingerprint)."""

    tip: Tip
    labels: tuple[str, ...]  # of the tip's situations and techniques

    @cached_property
    def parts(self) -> tuple[tuple[float, str], ...]:
        """(weight, text) making up the `text` field; body first, see word_weights."""
        tip = self.tip
        return (
            (WEIGHTS["body"], tip.body),
            (WEIGHTS["title"], tip.title),
            (WEIGHTS["summary"], tip.summary),
            (WEIGHTS["phrases"], "\n".join(p.text for p in tip.phrases)),
            (WEIGHTS["terms"], "\n".join(self.labels)),
        )

    @cached_property
    def fingerprint(self) -> bytes:
        """A digest of everything the tip's document is made from (the parts, unjoined:
        every tip is fingerprinted on every build, only changed ones are analysed)."""
        tip = self.tip
        date = tip.date.isoformat() if tip.date else None
        phrases = tuple((p.text, p.situations) for p in tip.phrases)
        body = text_digest(tip.body)
        raw = (_FORMAT, tip.slug, date, body, tip.title, tip.summary, phrases, self.labels)
        return digest((*raw, tip.situations, tip.techniques)).encode("ascii")

    def document(self) -> dict[str, Any]:
        tip = self.tip
        weights = word_weights(self.parts)
        # Heaviest words first (equal weights in order of appearance: deterministic).
        keywords = sorted(weights.items(), key=itemgetter(1), reverse=True)
        return {
            "slug": tip.slug,
            "fingerprint": self.fingerprint,
            "keywords": " ".join(w for w, _ in keywords[:SIGNATURE_SIZE]).encode("utf-8"),
            # A column, not a stored field: whoosh compresses stored fields, which is slow.
            "body": plain_text(tip.body).encode("utf-8"),
            "text": weights,
            "title": " ".join(set(stems(tip.title))).encode("utf-8"),
            "situations": ",".join(tip.situations),
            "techniques": ",".join(tip.techniques),
            "tip": {
                "title": tip.title,
                "date": tip.date.isoformat() if tip.date else None,
                "summary": plain_text(tip.summary),
                "phrases": [[p.text, list(p.situations)] for p in tip.phrases],
            },
        }


def _sources(tips: Sequence[Tip], taxonomy: Taxonomy) -> dict[str, _Source]:
    """slug → what is indexed of each tip."""
    label = {t.id: t.label for t in reversed(taxonomy.situations + taxonomy.techniques)}
    return {tip.slug: _Source(tip, tuple(label[i] for i in tip.tags if i in label)) for tip in tips}


def _layout(schema: fields.Schema) -> list[tuple[str, ...]]:
    """What must match for an existing index to be reused (whoosh fields lack equality)."""
    return [
        (name, *(type(x).__name__ for x in (f, f.format, f.column_type)), str(f.scorable))
        for name, f in schema.items()
    ]


def _open_or_create(index_dir: Path) -> index.Index:
    """The index in index_dir, created (or recreated, if its fields differ) as needed."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        if index.exists_in(index_dir, indexname=INDEX_NAME):
            ix = index.open_dir(index_dir, indexname=INDEX_NAME)
            if _layout(ix.schema) == _layout(_schema()):
                return ix
            log.info("search index format changed; rebuilding %s", index_dir)
        return index.create_in(index_dir, _schema(), indexname=INDEX_NAME)
    except OSError as err:
        raise BuildError(f"{index_dir}: cannot open the search index: {err}") from err


def _indexed(ix: index.Index) -> dict[str, tuple[bytes, bytes]]:
    """slug → (fingerprint, signature) of every tip in the index, read from columns."""
    with ix.reader() as reader:
        if not reader.doc_count():
            return {}
        slugs = reader.column_reader("slug")
        prints = reader.column_reader("fingerprint")
        words = reader.column_reader("keywords")
        return {slugs[d]: (prints[d], words[d]) for d in reader.all_doc_ids()}


Signatures = dict[str, frozenset[str]]  # slug → a tip's heaviest words, for related tips


@dataclass(frozen=True)
class IndexWrite:
    """The documents that bring the index up to date. Picklable, so the build can
    run it in another process while it renders the site."""

    index_dir: Path
    contents: str  # recorded once the commit succeeded
    rewrite: bool  # rewrite the index whole, from `added` alone
    added: tuple[dict[str, Any], ...] = ()
    updated: tuple[dict[str, Any], ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.updated)

    def __call__(self) -> None:
        if self.rewrite or self.added or self.updated or self.removed:
            self._commit(_open_or_create(self.index_dir))
        _record(self.index_dir, self.contents)

    def _commit(self, ix: index.Index) -> None:
        writer = _writer(ix)
        try:
            for slug in self.removed:
                writer.delete_by_term("slug", slug)
            for document in self.updated:
                writer.update_document(**document)
            for document in self.added:
                writer.add_document(**document)
            writer.commit(mergetype=CLEAR) if self.rewrite else writer.commit()
        except BaseException:
            writer.cancel()
            raise


@dataclass(frozen=True)
class IndexPlan:
    """What an index update finds: what changed, and every tip's signature."""

    stats: IndexStats
    index_dir: Path
    known: Signatures | None = None  # worked out by the plan, when the index changes

    @cached_property
    def signatures(self) -> Signatures:
        """Every tip's signature words, for related tips: worked out by the plan, or read
        from the index when it was up to date (and so is not being written)."""
        if self.known is not None:
            return self.known
        ix = _open_or_create(self.index_dir)
        return {slug: _signature(words) for slug, (_, words) in _indexed(ix).items()}


def plan_index(
    tips: Sequence[Tip], taxonomy: Taxonomy, index_dir: Path
) -> tuple[IndexPlan, IndexWrite | None]:
    """Compare tips with the index in index_dir: only changed tips are analysed. Returns
    the plan and what to write (None: the index and its record are up to date); apart,
    so that the documents can be freed once handed over.

    When most tips changed, the index is to be rewritten whole instead:
    deleted documents linger in whoosh's segments and would slow every query.
    """
    sources = _sources(tips, taxonomy)
    contents = _contents(sources)
    if _recorded(index_dir) == contents:  # what a rebuild with nothing changed finds
        return IndexPlan(IndexStats(0, 0, 0, len(sources)), index_dir), None
    current = _indexed(_open_or_create(index_dir))
    changed = [s for s in sources if current.get(s, (None,))[0] != sources[s].fingerprint]
    removed = sorted(set(current) - set(sources))
    stats = IndexStats(
        sum(s not in current for s in changed),
        sum(s in current for s in changed),
        len(removed),
        len(sources) - len(changed),
    )
    rewrite = not current or stats.updated + stats.removed > REWRITE_SHARE * len(current)
    analysed = list(sources) if rewrite else changed
    analyses = map_shared(_documents, [sources[s] for s in analysed])
    documents = dict(zip(analysed, analyses, strict=True))
    signatures = {
        slug: _signature(documents[slug]["keywords"] if slug in documents else current[slug][1])
        for slug in sources
    }
    if rewrite:
        write = IndexWrite(index_dir, contents, True, tuple(documents.values()))
    else:
        added = tuple(documents[s] for s in changed if s not in current)
        updated = tuple(documents[s] for s in changed if s in current)
        write = IndexWrite(index_dir, contents, False, added, updated, tuple(removed))
    return IndexPlan(stats, index_dir, signatures), write


def _documents(sources: Sequence[_Source]) -> list[dict[str, Any]]:
    """Index documents of tips: module-level, so a worker process can be sent it."""
    return [source.document() for source in sources]


def _signature(keywords: bytes) -> frozenset[str]:
    return frozenset(keywords.decode("utf-8").split())


def update_index(tips: Sequence[Tip], taxonomy: Taxonomy, index_dir: Path) -> IndexStats:
    """Bring the index in index_dir up to date with tips; only changed tips are re-indexed.

    When nothing changed no writer is opened, so the index files are untouched.
    """
    plan, write = plan_index(tips, taxonomy, index_dir)
    if write is not None:
        write()
    log.debug("search index %s: %s", index_dir, plan.stats)
    return plan.stats


def _contents(sources: dict[str, _Source]) -> str:
    """A digest of what an up-to-date index holds: its fields and every tip's fingerprint."""
    prints = sorted((slug, source.fingerprint) for slug, source in sources.items())
    return digest((repr(_layout(_schema())), prints))


def _recorded(index_dir: Path) -> str | None:
    """The contents digest recorded by the last update, if its index is still there."""
    try:
        recorded = (index_dir / CONTENTS).read_text(encoding="ascii")
    except (OSError, ValueError):
        return None
    return recorded if index.exists_in(index_dir, indexname=INDEX_NAME) else None


def _record(index_dir: Path, contents: str) -> None:
    """Written only after a successful commit: a stale record merely costs a full check."""
    write_text_atomic(index_dir / CONTENTS, contents)


def _writer(ix: index.Index) -> SegmentWriter:
    try:
        return _Writer(ix, limitmb=256, codec=W3Codec(compression=0))
    except Exception as err:  # whoosh raises LockError, or OSError
        raise BuildError(f"cannot write the search index: {err}") from err


class _Writer(SegmentWriter):
    """whoosh's writer, made cheaper per posting.

    - Postings are pooled by count, checked once per document; whoosh's pool
      sizes every posting (and whoosh ignores the `poolclass` argument).
    - No field is scored by length (see _WeightedText), so the length of a
      document is not looked up again for each of its postings.
    - Posting blocks are written uncompressed (each block records whether it
      is): zlib took a fifth of the indexing time and slows every query.
    """

    def __init__(self, ix: index.Index, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.pool.add = self.pool.current.append

    def add_document(self, **fields: Any) -> None:
        super().add_document(**fields)
        if len(self.pool.current) >= POOL_POSTINGS:
            self.pool.save()

    def per_document_reader(self) -> Any:
        return _NoLengths(super().per_document_reader())


class _NoLengths:
    """A per-document reader whose length lookups say 0: nothing is scored by length."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


# ---------------------------------------------------------------------------
# Open indexes, kept between queries


class _View:
    """An open index and what queries reuse from it.

    whoosh's matcher trees cost several Python calls per posting visited, too
    slow for 10,000 tips; so ranking reads each query word's postings once
    (docnum → BM25 weight, cached) and sums them in plain dicts, and the
    situation/technique sets are read once per opened index.
    """

    CACHED_WORDS = 4096

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count()
        self._postings: dict[str, dict[int, float]] = {}
        self._titled: dict[str, frozenset[int]] = {}
        self._df: dict[str, int] = {}
        self._bodies: Any = None
        self.tags = {
            name: {
                term.decode("utf-8"): frozenset(self.reader.postings(name, term).all_ids())
                for term in self.reader.lexicon(name)
            }
            for name in ("situations", "techniques")
        }
        slugs = self.reader.column_reader("slug") if self.size else {}
        self.slugs = {d: slugs[d] for d in self.reader.all_doc_ids()}

    def has(self, word: str) -> bool:
        return ("text", word) in self.reader

    def df(self, word: str) -> int:
        found = self._df.get(word)
        if found is None:
            found = self._df[word] = self.reader.doc_frequency("text", word)
        return found

    def common(self, word: str) -> bool:
        """Whether most tips have the word ("customer"), so it tells little about a tip."""
        return self.df(word) > max(COMMON * self.size, COMMON_MIN)

    def idf(self, word: str) -> float:
        return _idf(self.df(word), self.size)

    def postings(self, word: str) -> dict[int, float]:
        """docnum → indexed weight of a word, for every live tip containing it."""
        found = self._postings.get(word)
        if found is None:
            if len(self._postings) >= self.CACHED_WORDS:
                self._postings.clear()
            found = {}
            if self.has(word):
                matcher = self.reader.postings("text", word)
                while matcher.is_active():
                    found[matcher.id()] = matcher.weight()
                    matcher.next()
            self._postings[word] = found
        return found

    def body(self, docnum: int) -> str:
        """A tip's body as plain text."""
        if self._bodies is None:
            self._bodies = self.reader.column_reader("body")
        return self._bodies[docnum].decode("utf-8")

    def tagged(self, field_name: str, term_id: str) -> frozenset[int]:
        return self.tags[field_name].get(term_id, frozenset())

    def titled(self, concept: _Concept) -> frozenset[int]:
        """Tips whose title has every word of one of the term's names ("Listen with Your Eyes")."""
        found = self._titled.get(concept.term.id)
        if found is None:
            in_titles = self._titles
            found = frozenset().union(
                *(
                    frozenset.intersection(*(in_titles.get(w, frozenset()) for w in name))
                    for name in concept.names
                )
            )
            self._titled[concept.term.id] = found
        return found

    @cached_property
    def _titles(self) -> dict[str, frozenset[int]]:
        """Indexed title word → tips with it; read once from a column, small."""
        having: dict[str, set[int]] = {}
        if self.size:
            column = self.reader.column_reader("title")
            for docnum in self.reader.all_doc_ids():
                for word in column[docnum].decode("utf-8").split():
                    having.setdefault(word, set()).add(docnum)
        return {word: frozenset(docs) for word, docs in having.items()}

    def close(self) -> None:
        self.searcher.close()


def _idf(df: int, size: int) -> float:
    """BM25's inverse document frequency; 0 when no tip has the word."""
    return math.log(1 + (size - df + 0.5) / (df + 0.5)) if df else 0.0


class _Views:
    """One open index per folder, refreshed when the index changes.

    Opening an index costs far more than a query, so a process that searches
    repeatedly (the benchmark, a future server) keeps it open. Few folders are
    kept, and an evicted one is closed so no file handle leaks.
    """

    SIZE = 4

    def __init__(self) -> None:
        self._open: dict[Path, _View] = {}
        self._lock = threading.Lock()

    def get(self, index_dir: Path) -> _View:
        key = index_dir.resolve()
        with self._lock:
            view = self._open.pop(key, None)
            if view is not None and not view.searcher.up_to_date():
                view.close()
                view = None
            if view is None:
                if not index.exists_in(index_dir, indexname=INDEX_NAME):
                    raise BuildError(f"{index_dir}: no search index here; build it first")
                view = _View(index.open_dir(index_dir, indexname=INDEX_NAME).searcher())
            self._open[key] = view
            while len(self._open) > self.SIZE:
                self._open.pop(next(iter(self._open))).close()
            return view

    def close(self, index_dir: Path | None = None) -> None:
        """Close the index open for index_dir, or every open index."""
        with self._lock:
            keys = [index_dir.resolve()] if index_dir else list(self._open)
            for key in keys:
                view = self._open.pop(key, None)
                if view is not None:
                    view.close()


OPEN = _Views()


# ---------------------------------------------------------------------------
# Queries


@dataclass(frozen=True)
class _Concept:
    """A situation or technique as search sees it."""

    term: Term
    field: str  # "situations" or "techniques"
    patterns: tuple[tuple[str, ...], ...]  # label and synonyms, as `_inflection_key`s
    words: tuple[str, ...]  # indexed forms of its one-word names, for snippet highlights
    names: tuple[tuple[str, ...], ...]  # indexed forms of each name's words, to find in titles


_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


@lru_cache(maxsize=50_000)
def _inflection_key(word: str) -> str:
    """A word without its inflection: "yelling", "yelled", "yells" → "yell".

    Naming a term is matched on this, not on the index's Porter stems, which
    merge too much for the purpose ("customize" and "customer" are both "custom").
    """
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("eed"):
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # shopp(ing) → shop
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _words(text: str) -> tuple[str, ...]:
    """Every word, lower-cased, stop words kept: "no idea" must not shrink to "idea"."""
    return tuple(_TOKEN.findall(text.lower()))


@lru_cache(maxsize=16)
def _concepts(taxonomy: Taxonomy) -> tuple[_Concept, ...]:
    """The taxonomy prepared for matching queries; cached, taxonomies are immutable."""
    out = []
    for name, terms in (("situations", taxonomy.situations), ("techniques", taxonomy.techniques)):
        for term in terms:
            names = [_words(n) for n in (term.label, *term.synonyms)]
            # A one-word name that is a stop word ("no", "down") would match almost any
            # query; a longer one ("been down") is telling enough.
            names = [n for n in names if len(n) > 1 or (n and n[0] not in STOP_WORDS)]
            patterns = {tuple(map(_inflection_key, n)) for n in names}
            words = {_stem(n[0]) for n in names if len(n) == 1}
            indexed = {tuple(stems(" ".join(n))) for n in names} - {()}
            out.append(
                _Concept(
                    term,
                    name,
                    tuple(sorted(patterns)),
                    tuple(sorted(words)),
                    tuple(sorted(indexed)),
                )
            )
    return tuple(out)


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
    written = {_stem(w): w for w in reversed(_tokens(text))}
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
    """Ranked tips for a query, facet counts over every match, and a spelling suggestion."""

    query: str
    results: tuple[Result, ...] = ()
    situations: tuple[tuple[str, int], ...] = ()  # (id, tips matching), most first
    techniques: tuple[tuple[str, int], ...] = ()
    suggestion: str | None = None  # a corrected query, offered only when nothing matched

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(r.slug for r in self.results)

    def to_text(self) -> str:
        """What `tipkb search` prints: ranked tips, then facets, or a suggestion."""
        if not self.results:
            hint = f" Did you mean: {self.suggestion}" if self.suggestion else ""
            return f"No tips match '{self.query}'.{hint}"
        lines = []
        for rank, r in enumerate(self.results, 1):
            date = r.date.isoformat() if r.date else "undated"
            lines += [f"{rank}. {r.title} ({date})  {r.url}"]
            lines += [f"   situations: {', '.join(r.situations)}"] if r.situations else []
            lines += [f"   {r.snippet}"] if r.snippet else []
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
            "results": [r.to_json() for r in self.results],
            "facets": {"situations": dict(self.situations), "techniques": dict(self.techniques)},
            "suggestion": self.suggestion,
        }


def search(
    index_dir: Path,
    query_text: str,
    taxonomy: Taxonomy,
    *,
    situation: str | None = None,
    technique: str | None = None,
    limit: int = 10,
) -> SearchResults:
    """Search the index in index_dir; see the module docstring for how.

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
    every, either = _match(view, parsed)
    allowed = _allowed(view, situation, technique)
    if allowed is not None:
        every = {d: s for d, s in every.items() if d in allowed}
        either = {d: s for d, s in either.items() if d in allowed}
    found = _best(view, every, limit)
    matching = every
    if len(found) < limit:
        matching = either
        seen = set(found)
        found += [d for d in _best(view, either, limit) if d not in seen][: limit - len(found)]
    if not found:
        return SearchResults(query_text, suggestion=_suggestion(view, query_text, taxonomy))
    situations, techniques = (_facet(view, name, matching) for name in ("situations", "techniques"))
    results = tuple(_result(view, d, matching[d], parsed) for d in found)
    return SearchResults(query_text, results, situations, techniques)


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
# Snippets

_MD_LINK = re.compile(r"(?<!\\)!?\[((?:[^\]\\]|\\.)*)\]\([^)]*\)")  # not `\[x\](y)`
_MD_LINE = re.compile(r"(?m)^[ \t]{0,3}(?:#{1,6}|>|[-*+•]|\d{1,2}[.)])[ \t]+")


_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")


def plain_text(markdown: str) -> str:
    """Markdown → one line of plain text (links keep their words; no tags, entities or
    backslash escapes, which the importer writes for text such as `<b>` or `[x]`)."""
    text = _MD_LINK.sub(r"\1", markdown) if "](" in markdown else markdown
    text = _HTML_TAG.sub("", text) if "<" in text else text
    text = _MD_LINE.sub("", text).replace("*", "").replace("_", "").replace("`", "")
    text = _MD_ESCAPE.sub(r"\1", text) if "\\" in text else text
    return " ".join(html.unescape(text).split()) if "&" in text else " ".join(text.split())


def snippet(text: str, words: frozenset[str], width: int = SNIPPET_CHARS) -> str:
    """The passage of plain text with the most matching words, each wrapped in MARK; '' if none.

    words are indexed forms; the text's own words that have those forms are
    found once, then located with one regular expression.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters change length when lower-cased
        lowered = text
    forms = {
        w.lower() for w in set(_TOKEN.findall(lowered)) - _SKIPPED if _stem(w.lower()) in words
    }
    if not forms:
        return ""
    pattern = r"\b(?:" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + r")\b"
    hits = [m.span() for m in re.finditer(pattern, lowered, re.IGNORECASE)]
    starts = [a for a, _ in hits]
    best = max(range(len(hits)), key=lambda i: (bisect_left(starts, starts[i] + width) - i, -i))
    start = _word_start(text, max(0, hits[best][0] - width // 5))
    end = _word_end(text, min(len(text), start + width))
    out, pos = [], start
    for a, b in hits:
        if a >= start and b <= end:
            out += [text[pos:a], MARK, text[a:b], MARK]
            pos = b
    out.append(text[pos:end])
    return ("…" if start > 0 else "") + "".join(out).strip() + ("…" if end < len(text) else "")


def _word_start(text: str, pos: int) -> int:
    if pos == 0:
        return 0
    space = text.rfind(" ", 0, pos)
    return space + 1 if space >= 0 else 0


def _word_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return space if space > 0 else pos


def _best_snippet(parts: tuple[str, str, str], words: frozenset[str]) -> str:
    """A snippet of the body, else of the summary or title; else the start of either."""
    for part in parts:
        found = snippet(part, words)
        if found:
            return found
    fallback = parts[1] or parts[0]
    if len(fallback) <= SNIPPET_CHARS:
        return fallback
    return fallback[: _word_end(fallback, SNIPPET_CHARS)] + "…"


# ---------------------------------------------------------------------------
# "Did you mean"


def _suggestion(view: _View, text: str, taxonomy: Taxonomy) -> str | None:
    """The query with each word no tip (nor the taxonomy) knows replaced by a close known word.

    Bounded: only the first SUGGESTED_WORDS unknown words, each of at most
    MAX_WORD_LETTERS letters, so at most a few thousand candidates are tried.
    """
    known = {w for c in _concepts(taxonomy) for w in c.words}
    changed = text
    unknown = [
        w
        for w in dict.fromkeys(_tokens(text))
        if len(w) <= MAX_WORD_LETTERS and not (view.has(_stem(w)) or _stem(w) in known)
    ]
    for word in unknown[:SUGGESTED_WORDS]:
        better = _closest(view, word, known)
        if better:
            changed = re.sub(rf"\b{re.escape(word)}\b", better, changed, flags=re.IGNORECASE)
    return changed if changed != text else None


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
    return set(_tokens(" ".join((tip["title"], tip["summary"], view.body(docnum)))))


# ---------------------------------------------------------------------------
# Related tips

MIN_RELATED = 3
NEIGHBOURS = 30  # most similar tips remembered per tip
RARE_WORDS = 10  # signature words per tip used to find similar tips...
RARE_SHARE = 0.01  # ...each found in at most this share of the tips...
RARE_MIN = 50  # ...or this many, in a small collection


def related_tips(
    tips: Sequence[Tip], signatures: Signatures, *, k: int = 5
) -> dict[str, tuple[str, ...]]:
    """For each tip, up to k others: those sharing the most situations and techniques
    first; among equal sharers, the most similar in text, then by slug. A tip with
    fewer than MIN_RELATED such tips is filled up with the most similar ones.

    Text similarity counts the rare words two tips' signatures share (each
    tip's heaviest words, from `plan_index`). Near-linear in the number of
    tips: tag overlaps are counted on bitsets, similarity through an
    inverted map of rare words.
    """
    ordered = sorted(tips, key=lambda t: t.slug)
    slugs = [t.slug for t in ordered]
    near = _neighbours([signatures.get(slug, frozenset()) for slug in slugs])
    sharing = _TagSets([t.tags for t in ordered])
    related = {}
    for i, slug in enumerate(slugs):
        chosen = sharing.best(i, near[i], k)
        chosen += [j for j in near[i] if j not in chosen][: max(0, MIN_RELATED - len(chosen))]
        related[slug] = tuple(slugs[j] for j in chosen)
    return {t.slug: related[t.slug] for t in tips}


def _neighbours(words: list[frozenset[str]]) -> list[list[int]]:
    """For each tip (by position), the NEIGHBOURS tips sharing most of its rarest words."""
    df = Counter(chain.from_iterable(words))
    cap = max(RARE_MIN, RARE_SHARE * len(words))
    having: dict[str, list[int]] = {}
    for i, ws in enumerate(words):
        for word in ws:
            if 1 < df[word] <= cap:
                having.setdefault(word, []).append(i)
    near = []
    for i, ws in enumerate(words):
        rare = sorted((df[w], w) for w in ws if w in having)[:RARE_WORDS]
        shared = Counter(chain.from_iterable(having[w] for _, w in rare))
        shared.pop(i, None)
        ranked = sorted(shared.items())  # by position, i.e. slug...
        ranked.sort(key=itemgetter(1), reverse=True)  # ...within equal counts (stable)
        near.append([j for j, _ in ranked[:NEIGHBOURS]])
    return near


class _TagSets:
    """Which tips carry each tag, as bitsets over tip positions, to count shared tags fast."""

    def __init__(self, tags: list[tuple[str, ...]]) -> None:
        self.tags = [frozenset(t) for t in tags]
        positions: dict[str, list[int]] = {}
        for i, ts in enumerate(self.tags):
            for tag in ts:
                positions.setdefault(tag, []).append(i)
        self.masks = {tag: sum(1 << i for i in ps) for tag, ps in positions.items()}
        self.everyone = (1 << len(tags)) - 1

    def best(self, i: int, preferred: list[int], k: int) -> list[int]:
        """Up to k tips sharing most tags with tip i; ties: preferred order, then position."""
        chosen: list[int] = []
        for level in self._levels(i):
            wanted = k - len(chosen)
            if wanted <= 0:
                break
            first = [j for j in preferred if level >> j & 1][:wanted]
            chosen += first
            for j in first:
                level &= ~(1 << j)
            chosen += _lowest_bits(level, k - len(chosen))
        return chosen

    def _levels(self, i: int) -> Iterable[int]:
        """Bitsets of the tips sharing exactly n of tip i's tags, n from most to 1.

        The per-tip counts are summed in binary, one bitset per bit of the
        count (a bit-sliced adder), so each step is a few big-integer operations.
        """
        planes: list[int] = []
        for tag in self.tags[i]:
            carry = self.masks[tag]
            for p, plane in enumerate(planes):
                planes[p], carry = plane ^ carry, plane & carry
            if carry:
                planes.append(carry)
        others = self.everyone & ~(1 << i)
        for n in range(len(self.tags[i]), 0, -1):
            level = others
            for p, plane in enumerate(planes):
                level &= plane if n >> p & 1 else ~plane
            if level and n < 1 << len(planes):
                yield level


def _lowest_bits(mask: int, n: int) -> list[int]:
    out = []
    while mask and len(out) < n:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out
