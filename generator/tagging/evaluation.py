"""`tipkb eval tags`: the auto-tagger and phrase extractor against hand-made labels.

The labels (tests/labels/tags.yml) are written by reading the tips. Each
labelled tip is tagged afresh, with its committed tags, phrases and
rejections set aside, so the figures measure the rules rather than the
editors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.content.load import load_content
from generator.content.tipfile import load_yaml
from generator.errors import ContentError, Problem
from generator.model import Taxonomy, Tip
from generator.tagging.phrases import normalize
from generator.tagging.tagger import tag_tip

# (precision, recall) each figure must reach.
TARGETS = {"situations": (0.8, 0.7), "techniques": (0.8, 0.7), "phrases": (0.9, 0.8)}
_LABEL_KEYS = {"situations", "techniques", "phrases", "not_phrases"}


@dataclass(frozen=True)
class Label:
    """What one tip should get."""

    slug: str
    situations: frozenset[str]
    techniques: frozenset[str]
    phrases: frozenset[str]  # normalised texts
    links: frozenset[tuple[str, str]]  # (normalised phrase, situation)
    not_phrases: frozenset[str]


@dataclass(frozen=True)
class Score:
    name: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def meets_target(self) -> bool:
        precision, recall = TARGETS.get(self.name, (0.0, 0.0))
        return self.precision >= precision and self.recall >= recall


@dataclass(frozen=True)
class TagEvaluation:
    labels_path: Path
    tips: int
    scores: tuple[Score, ...]
    non_phrases_extracted: tuple[str, ...]
    non_phrases: int
    mistakes: tuple[str, ...]  # one line per tip: what was missed or wrongly added

    @property
    def meets_targets(self) -> bool:
        return all(s.meets_target for s in self.scores) and not self.non_phrases_extracted

    def report(self, *, details: bool = True) -> str:
        lines = [f"{self.tips} labelled tips ({self.labels_path}):"]
        for s in self.scores:
            target = TARGETS.get(s.name)
            goal = f"target ≥ {target[0]:.2f} / ≥ {target[1]:.2f}" if target else "no target"
            verdict = ("ok" if s.meets_target else "BELOW TARGET") if target else ""
            lines.append(
                f"  {s.name:<13} precision {s.precision:.2f}  recall {s.recall:.2f}  "
                f"(right {s.true_positives}, wrong {s.false_positives}, missed "
                f"{s.false_negatives})  {goal}  {verdict}".rstrip()
            )
        lines.append(
            f"  non-phrases   {len(self.non_phrases_extracted)} of {self.non_phrases} extracted"
        )
        lines += [f"    extracted non-phrase: “{t}”" for t in self.non_phrases_extracted]
        if details and self.mistakes:
            lines.append("Differences from the labels:")
            lines += [f"  {m}" for m in self.mistakes]
        return "\n".join(lines)


def evaluate(content_dir: Path, labels_path: Path) -> TagEvaluation:
    """Tag every labelled tip and score the result against the labels."""
    content = load_content(content_dir)
    labels = load_labels(labels_path, content.taxonomy, {t.slug for t in content.tips})
    by_slug = {t.slug: t for t in content.tips}
    results = [(label, _fresh_tags(by_slug[label.slug], content.taxonomy)) for label in labels]
    return TagEvaluation(
        labels_path=labels_path,
        tips=len(labels),
        scores=_scores(results),
        non_phrases_extracted=tuple(
            text
            for label, tip in results
            for text in (p.text for p in tip.phrases)
            if normalize(text) in label.not_phrases
        ),
        non_phrases=sum(len(label.not_phrases) for label, _ in results),
        mistakes=tuple(m for label, tip in results if (m := _mistakes(label, tip))),
    )


def _fresh_tags(tip: Tip, taxonomy: Taxonomy) -> Tip:
    blank = dataclasses.replace(
        tip, situations=(), techniques=(), phrases=(), auto_tags=(), rejected=()
    )
    return tag_tip(blank, taxonomy)


def _predicted(tip: Tip) -> dict[str, set[Any]]:
    return {
        "situations": set(tip.situations),
        "techniques": set(tip.techniques),
        "phrases": {normalize(p.text) for p in tip.phrases},
        "phrase links": {(normalize(p.text), s) for p in tip.phrases for s in p.situations},
    }


def _expected(label: Label) -> dict[str, set[Any]]:
    return {
        "situations": set(label.situations),
        "techniques": set(label.techniques),
        "phrases": set(label.phrases),
        "phrase links": set(label.links),
    }


def _scores(results: list[tuple[Label, Tip]]) -> tuple[Score, ...]:
    totals = {name: [0, 0, 0] for name in ("situations", "techniques", "phrases", "phrase links")}
    for label, tip in results:
        predicted, expected = _predicted(tip), _expected(label)
        for name, counts in totals.items():
            counts[0] += len(predicted[name] & expected[name])
            counts[1] += len(predicted[name] - expected[name])
            counts[2] += len(expected[name] - predicted[name])
    return tuple(Score(name, *counts) for name, counts in totals.items())


def _mistakes(label: Label, tip: Tip) -> str:
    predicted, expected = _predicted(tip), _expected(label)
    notes = []
    for name in ("situations", "techniques", "phrases"):
        missed = sorted(map(str, expected[name] - predicted[name]))
        wrong = sorted(map(str, predicted[name] - expected[name]))
        notes += [f"missed {name} {', '.join(missed)}"] if missed else []
        notes += [f"wrong {name} {', '.join(wrong)}"] if wrong else []
    return f"{label.slug}: {'; '.join(notes)}" if notes else ""


def load_labels(path: Path, taxonomy: Taxonomy, slugs: Iterable[str]) -> tuple[Label, ...]:
    """Read the labels; ContentError lists unknown slugs, ids and keys with their lines."""
    try:
        data, lines = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ContentError([Problem(path, 1, f"cannot read labels: {err.strerror}")]) from None
    if not isinstance(data, dict):
        raise ContentError([Problem(path, 1, "labels must map each tip's slug to its labels")])
    known = set(slugs)
    labels, problems = [], []
    for slug, entry in data.items():
        line = lines.get(str(slug), 1)
        if slug not in known:
            problems.append(Problem(path, line, f"no tip has the slug '{slug}'"))
            continue
        label, entry_problems = _label(path, line, str(slug), entry, taxonomy)
        problems += entry_problems
        labels.append(label)
    if problems:
        raise ContentError(problems)
    return tuple(labels)


def _label(
    path: Path, line: int, slug: str, entry: Any, taxonomy: Taxonomy
) -> tuple[Label, list[Problem]]:
    entry = entry if isinstance(entry, dict) else {}
    problems = [
        Problem(path, line, f"unknown key '{k}' for '{slug}'; use {', '.join(sorted(_LABEL_KEYS))}")
        for k in entry
        if k not in _LABEL_KEYS
    ]
    phrases = [p if isinstance(p, dict) else {"text": p} for p in entry.get("phrases") or []]
    ids = {
        "situations": set(entry.get("situations") or []),
        "techniques": set(entry.get("techniques") or []),
    }
    links = {(normalize(str(p["text"])), s) for p in phrases for s in p.get("situations") or []}
    for name, known in (
        ("situations", taxonomy.situation_ids),
        ("techniques", taxonomy.technique_ids),
    ):
        wanted = ids[name] | ({s for _, s in links} if name == "situations" else set())
        problems += [
            Problem(path, line, f"unknown {name[:-1]} '{i}' in the labels of '{slug}'")
            for i in sorted(wanted - set(known))
        ]
    label = Label(
        slug=slug,
        situations=frozenset(ids["situations"]),
        techniques=frozenset(ids["techniques"]),
        phrases=frozenset(normalize(str(p["text"])) for p in phrases),
        links=frozenset(links),
        not_phrases=frozenset(normalize(str(t)) for t in entry.get("not_phrases") or []),
    )
    return label, problems


# --- phrase → situation links ----------------------------------------------------------------

LINK_TARGET = (0.9, 0.8)  # precision, recall of the links, on the held-out half


@dataclass(frozen=True)
class LinkEvaluation:
    """How well each phrase is linked to the situations its own words fit, per half of
    the labelled set: `tune` may be looked at while changing rules; `held-out` only scored."""

    labels_path: Path
    scores: tuple[Score, ...]  # one per split, named by it
    mistakes: tuple[str, ...]

    @property
    def meets_target(self) -> bool:
        held = [s for s in self.scores if s.name == "held-out"]
        return all(s.precision >= LINK_TARGET[0] and s.recall >= LINK_TARGET[1] for s in held)

    def report(self) -> str:
        lines = [f"Phrase → situation links ({self.labels_path}):"]
        for s in self.scores:
            lines.append(
                f"  {s.name:<9} precision {s.precision:.2f}  recall {s.recall:.2f}  (right "
                f"{s.true_positives}, wrong {s.false_positives}, missed {s.false_negatives})"
            )
        verdict = "ok" if self.meets_target else "BELOW TARGET"
        lines.append(f"  target on held-out ≥ {LINK_TARGET[0]} / ≥ {LINK_TARGET[1]}: {verdict}")
        lines += [f"  {m}" for m in self.mistakes]
        return "\n".join(lines)


def evaluate_links(content_dir: Path, labels_path: Path) -> LinkEvaluation:
    """Tag each labelled phrase's tip afresh (its extracted phrases set aside) and compare
    the situations each phrase is shown for with the labels."""
    content = load_content(content_dir)
    by_slug = {t.slug: t for t in content.tips}
    items, problems = _link_labels(labels_path, by_slug)
    if problems:
        raise ContentError(problems)
    counts: dict[str, list[int]] = {}
    mistakes = []
    for text, slug, want, split in items:
        tip = by_slug[slug]
        fresh = dataclasses.replace(tip, phrases=tuple(p for p in tip.phrases if not p.auto))
        tagged = tag_tip(fresh, content.taxonomy)
        found = next((p for p in tagged.phrases if normalize(p.text) == normalize(text)), None)
        got = set(found.fits or tagged.situations) if found else set()
        tp_fp_fn = counts.setdefault(split, [0, 0, 0])
        for i, n in enumerate((len(got & want), len(got - want), len(want - got))):
            tp_fp_fn[i] += n
        if got != want:
            shown = "not extracted" if found is None else ", ".join(sorted(got)) or "none"
            mistakes.append(f"{split}: “{text[:60]}” → {shown}; labelled {sorted(want)}")
    scores = tuple(
        Score(split, *counts[split]) for split in ("tune", "held-out") if split in counts
    )
    return LinkEvaluation(labels_path, scores, tuple(mistakes))


def _link_labels(
    path: Path, tips: dict[str, Tip]
) -> tuple[list[tuple[str, str, set[str], str]], list[Problem]]:
    try:
        data, _ = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return [], [Problem(path, 1, f"cannot read the labels: {err}")]
    items, problems = [], []
    for number, item in enumerate((data or {}).get("phrases", []), start=1):
        if not isinstance(item, dict) or item.get("tip") not in tips:
            problems.append(Problem(path, 1, f"phrase {number}: 'tip:' names no tip of the corpus"))
            continue
        split = str(item.get("split", "tune"))
        items.append(
            (str(item["text"]), str(item["tip"]), set(item.get("situations") or []), split)
        )
    return items, problems
