"""`tipkb eval search`: search quality on labelled staff queries.

The queries (tests/labels/queries.yml) are what staff type, each with the
tips that answer it. For each query the search ranks the tips; a query is a
hit when a relevant tip is among the first three (hit@3), and scores 1/rank
of its first relevant tip within the first ten (MRR@10). `score_rankings`
takes plain ranked slug lists, so the site's own search box is measured the
same way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.content.tipfile import load_yaml
from generator.errors import ContentError, Problem
from generator.model import Taxonomy, Tip

HIT_TARGET = 0.9  # hit@3 that `tipkb search` must reach
HIT_AT = 3
MRR_AT = 10


@dataclass(frozen=True)
class LabelledQuery:
    """A staff query and the tips (slugs) that answer it."""

    query: str
    relevant: frozenset[str]
    line: int = 0


@dataclass(frozen=True)
class Scores:
    """hit@3 and MRR@10 over a set of queries."""

    queries: int
    hit_at_3: float
    mrr_at_10: float

    def __str__(self) -> str:
        return f"hit@3 {self.hit_at_3:.2f}  MRR@10 {self.mrr_at_10:.2f}  ({self.queries} queries)"


def first_relevant(ranked: Sequence[str], relevant: Collection[str]) -> int | None:
    """1-based rank of the first relevant slug, or None when none is ranked."""
    return next((i for i, slug in enumerate(ranked, 1) if slug in relevant), None)


def score_rankings(rankings: Iterable[tuple[Sequence[str], Collection[str]]]) -> Scores:
    """Score (ranked slugs, relevant slugs) pairs, one per query."""
    ranks = [first_relevant(ranked, relevant) for ranked, relevant in rankings]
    if not ranks:
        return Scores(0, 0.0, 0.0)
    hits = sum(1 for r in ranks if r is not None and r <= HIT_AT)
    reciprocal = sum(1 / r for r in ranks if r is not None and r <= MRR_AT)
    return Scores(len(ranks), hits / len(ranks), reciprocal / len(ranks))


@dataclass(frozen=True)
class Outcome:
    """How one query fared."""

    query: LabelledQuery
    ranked: tuple[str, ...]  # the first MRR_AT slugs returned

    @property
    def rank(self) -> int | None:
        return first_relevant(self.ranked, self.query.relevant)


@dataclass(frozen=True)
class SearchEvaluation:
    queries_path: Path
    outcomes: tuple[Outcome, ...]

    @property
    def scores(self) -> Scores:
        return score_rankings((o.ranked, o.query.relevant) for o in self.outcomes)

    @property
    def meets_target(self) -> bool:
        return self.scores.hit_at_3 >= HIT_TARGET

    def report(self) -> str:
        misses = [o for o in self.outcomes if o.rank is None or o.rank > HIT_AT]
        lines = [f"Queries not answered in the first {HIT_AT}:"] if misses else []
        for o in misses:
            where = f"rank {o.rank}" if o.rank else f"not in the first {MRR_AT}"
            lines.append(f"  “{o.query.query}”: {where}; got {', '.join(o.ranked[:HIT_AT])}")
        verdict = "ok" if self.meets_target else "BELOW TARGET"
        lines.append(
            f"{self.scores} from {self.queries_path}; target hit@3 ≥ {HIT_TARGET:.2f}  {verdict}"
        )
        return "\n".join(lines)


def load_queries(path: Path, slugs: Collection[str]) -> tuple[LabelledQuery, ...]:
    """Read the labelled queries; ContentError lists every malformed entry and unknown slug."""
    try:
        text = path.read_text(encoding="utf-8")
        data, _ = load_yaml(text)
    except OSError as err:
        raise ContentError([Problem(path, 1, f"cannot read queries: {err.strerror}")]) from None
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 1
        raise ContentError([Problem(path, line, f"invalid YAML: {err.problem}")]) from None
    items = data.get("queries") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ContentError([Problem(path, 1, "expected 'queries:', a list of query/relevant")])
    lines = _item_lines(text)
    queries, problems = [], []
    for i, item in enumerate(items):
        query, item_problems = _query(path, lines[i] if i < len(lines) else 1, item, slugs)
        problems += item_problems
        queries += [query] if query else []
    if problems:
        raise ContentError(problems)
    return tuple(queries)


def _item_lines(text: str) -> list[int]:
    """The line of each item of the `queries:` list."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for key, value in getattr(node, "value", []):
        if key.value == "queries" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _query(
    path: Path, line: int, item: Any, slugs: Collection[str]
) -> tuple[LabelledQuery | None, list[Problem]]:
    if not isinstance(item, dict) or not isinstance(item.get("query"), str):
        return None, [Problem(path, line, "each entry needs 'query:' (text) and 'relevant:'")]
    relevant = item.get("relevant")
    if not isinstance(relevant, list) or not relevant:
        return None, [Problem(path, line, "'relevant:' must list at least one tip slug")]
    problems = [
        Problem(path, line, f"no tip has the slug '{slug}'")
        for slug in relevant
        if slug not in slugs
    ]
    return LabelledQuery(item["query"], frozenset(map(str, relevant)), line), problems


def evaluate(tips: Sequence[Tip], taxonomy: Taxonomy, queries_path: Path) -> SearchEvaluation:
    """Run every labelled query through `tipkb search`'s engine on a fresh index of the
    tagged, visible `tips`."""
    from generator.search.index import OPEN, update_index
    from generator.search.query import search

    queries = load_queries(queries_path, {t.slug for t in tips})
    with tempfile.TemporaryDirectory(prefix="tipkb-eval-") as tmp:
        index_dir = Path(tmp)
        update_index(tips, taxonomy, index_dir)
        try:
            outcomes = tuple(
                Outcome(q, search(index_dir, q.query, taxonomy, limit=MRR_AT).slugs)
                for q in queries
            )
        finally:
            OPEN.close(index_dir)
    return SearchEvaluation(queries_path, outcomes)
