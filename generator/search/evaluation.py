"""Search quality on labelled staff queries, for any search that ranks tips.

The queries (tests/labels/staff_queries.yml, queries.yml) are what staff type, each
with the tips that answer it and, in the larger set, a `split`: `tune` queries may be
looked at while changing the search, `held-out` ones are only scored. For each query a
search ranks the tips; a query is a hit when a relevant tip is among the first three
(hit@3), and scores 1/rank of its first relevant tip within the first ten (MRR@10).

`evaluate(queries, rank)` takes the ranking as a function of the query text, so the
terminal search (generator.build.evaluate_search) and the site's search page in a
browser are measured by the same code; nothing here knows how a search works.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.content.tipfile import load_yaml
from generator.errors import ContentError, Problem

HIT_TARGET = 0.9  # hit@3 that `tipkb search` must reach, on the held-out half if there is one
HIT_AT = 3
MRR_AT = 10
SPLITS = ("tune", "held-out")
UNSPLIT = "all"  # the group of queries without a split


@dataclass(frozen=True)
class LabelledQuery:
    """A staff query and the tips (slugs) that answer it."""

    query: str
    relevant: frozenset[str]
    line: int = 0
    split: str | None = None  # "tune" or "held-out"; None in a set that is not split
    situation: str | None = None  # the taxonomy situation the query names, if it names one

    @property
    def group(self) -> str:
        return self.split or UNSPLIT


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

    @property
    def missed(self) -> bool:
        return self.rank is None or self.rank > HIT_AT


def run_queries(
    queries: Iterable[LabelledQuery], rank: Callable[[str], Sequence[str]]
) -> tuple[Outcome, ...]:
    """Each query's outcome, ranked by `rank` (query text → slugs, best first)."""
    return tuple(Outcome(q, tuple(rank(q.query))[:MRR_AT]) for q in queries)


def by_split(outcomes: Iterable[Outcome]) -> dict[str, Scores]:
    """Scores per group: "tune", "held-out", and "all" for queries without a split."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.query.group, []).append(outcome)
    order = [*SPLITS, UNSPLIT]
    return {
        name: score_rankings((o.ranked, o.query.relevant) for o in groups[name])
        for name in sorted(groups, key=order.index)
    }


def evaluate(
    queries: Iterable[LabelledQuery], rank: Callable[[str], Sequence[str]]
) -> dict[str, Scores]:
    """hit@3 and MRR@10 of a search, per split (see by_split)."""
    return by_split(run_queries(queries, rank))


@dataclass(frozen=True)
class SearchEvaluation:
    """The outcomes of one search on one labelled set, and their report."""

    queries_path: Path
    outcomes: tuple[Outcome, ...]
    name: str = "terminal"  # which search: "terminal", "site", ...

    @property
    def scores(self) -> dict[str, Scores]:
        return by_split(self.outcomes)

    @property
    def judged(self) -> str:
        """The group the target is held on: the held-out half, when the set is split."""
        return "held-out" if "held-out" in self.scores else UNSPLIT

    @property
    def meets_target(self) -> bool:
        scores = self.scores.get(self.judged)
        return scores is not None and scores.hit_at_3 >= HIT_TARGET

    def report(self) -> str:
        """Misses of the queries one may tune on, then one line of figures per group.

        Held-out misses are counted, never listed: seeing them would be tuning on them.
        """
        listed = [o for o in self.outcomes if o.missed and o.query.split != "held-out"]
        lines = [f"Queries not answered in the first {HIT_AT}:"] if listed else []
        lines += [f"  {_miss(o)}" for o in listed]
        for group, scores in self.scores.items():
            hidden = sum(o.missed for o in self.outcomes if o.query.group == group)
            note = f"; {hidden} missed, not listed" if group == "held-out" and hidden else ""
            lines.append(f"{self.name} {group:<8}  {scores}{note}")
        verdict = "ok" if self.meets_target else "BELOW TARGET"
        lines.append(
            f"from {self.queries_path}; target {self.judged} hit@3 ≥ {HIT_TARGET:.2f}  {verdict}"
        )
        return "\n".join(lines)


def _miss(o: Outcome) -> str:
    where = f"rank {o.rank}" if o.rank else f"not in the first {MRR_AT}"
    split = f"{o.query.split}: " if o.query.split else ""
    return f"{split}“{o.query.query}”: {where}; got {', '.join(o.ranked[:HIT_AT])}"


def load_queries(path: Path, slugs: Collection[str] | None = None) -> tuple[LabelledQuery, ...]:
    """Read the labelled queries; ContentError lists every malformed entry, and every
    slug that is not one of `slugs` (when given)."""
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
    path: Path, line: int, item: Any, slugs: Collection[str] | None
) -> tuple[LabelledQuery | None, list[Problem]]:
    if not isinstance(item, dict) or not isinstance(item.get("query"), str):
        return None, [Problem(path, line, "each entry needs 'query:' (text) and 'relevant:'")]
    relevant = item.get("relevant")
    if not isinstance(relevant, list) or not relevant:
        return None, [Problem(path, line, "'relevant:' must list at least one tip slug")]
    split, situation = item.get("split"), item.get("situation")
    if split is not None and split not in SPLITS:
        return None, [Problem(path, line, f"'split:' is {split!r}; use one of {', '.join(SPLITS)}")]
    if situation is not None and not isinstance(situation, str):
        return None, [Problem(path, line, "'situation:' must be one situation id")]
    problems = [
        Problem(path, line, f"no tip has the slug '{slug}'")
        for slug in relevant
        if slugs is not None and slug not in slugs
    ]
    labelled = LabelledQuery(item["query"], frozenset(map(str, relevant)), line, split, situation)
    return labelled, problems
