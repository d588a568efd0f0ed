"""Tag tips with situations and techniques, and attach the phrases they recommend.

Tags come from the taxonomy's rules (generator.rules) matched against a tip's
title, summary and body. Editors stay in charge: a tag they wrote is never
removed, an id in `rejected` is never added, and `auto_tags` lists exactly
the tags the tagger added, recomputed on each run.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.content.rules import Document, RuleSet, compile_rule, document
from generator.content.safety import visible
from generator.content.tipfile import dump_tip, write_tip
from generator.errors import InputError
from generator.model import Content, Phrase, Taxonomy, Tip
from generator.tagging import phrases as phrase_finder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evidence:
    """Why a tip gets a tag or a phrase."""

    kind: str  # "situation", "technique" or "phrase"
    term: str  # the term id, or the phrase
    rule: str  # the rule that matched, or the cue that introduced the phrase
    field: str  # title, summary or body
    text: str  # the text that matched


@dataclass(frozen=True)
class _Rules:
    """A taxonomy's rules, compiled into one set so a tip is searched once."""

    rules: RuleSet
    situations: frozenset[str]
    phrase_rules: RuleSet  # the situations' rules, to link a phrase by its own words
    broad: frozenset[str]  # situations a phrase fits only by its own words


# Compiled rules of the taxonomies seen last, by identity: hashing a whole
# taxonomy for every tip would cost more than tagging it.
_COMPILED: dict[int, tuple[Taxonomy, _Rules]] = {}


def _compiled(taxonomy: Taxonomy) -> _Rules:
    """Every rule compiled once per taxonomy (the taxonomy is validated on load)."""
    cached = _COMPILED.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    pairs = [
        (t.id, compile_rule(r)) for t in taxonomy.situations + taxonomy.techniques for r in t.rules
    ]
    situations = frozenset(taxonomy.situation_ids)
    phrase_rules = RuleSet.of(
        (term_id, rule)
        for term_id, rule in pairs
        if term_id in situations and "phrase" in rule.fields
    )
    broad = frozenset(t.id for t in taxonomy.situations if t.broad)
    compiled = _Rules(RuleSet.of(pairs), situations, phrase_rules, broad)
    if len(_COMPILED) >= 8:
        _COMPILED.clear()
    _COMPILED[id(taxonomy)] = (taxonomy, compiled)
    return compiled


def _document(tip: Tip) -> Document:
    """The tip's text; a summary copied from the body adds no evidence, so it is skipped."""
    text = visible(tip.body)
    summary = tip.summary.rstrip("…. ")
    copied = summary in text or " ".join(summary.split()) in " ".join(text.split())
    return document(tip.title, "" if copied else tip.summary, text)


def tag_tip(tip: Tip, taxonomy: Taxonomy) -> Tip:
    """The tip with automatic tags and phrases brought up to date; editors' choices kept."""
    compiled = _compiled(taxonomy)
    found = compiled.rules.keys(_document(tip))  # taxonomy order: situations, then techniques
    rejected = set(tip.rejected)
    situations, auto_situations = _merge(
        tip.situations, [k for k in found if k in compiled.situations], tip.auto_tags, rejected
    )
    techniques, auto_techniques = _merge(
        tip.techniques, [k for k in found if k not in compiled.situations], tip.auto_tags, rejected
    )
    return dataclasses.replace(
        tip,
        situations=situations,
        techniques=techniques,
        auto_tags=auto_situations + auto_techniques,
        phrases=_phrases(tip, situations, compiled),
    )


def _merge(
    current: tuple[str, ...], found: list[str], auto: tuple[str, ...], rejected: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(all tags, automatic tags): the editor's tags first, then new automatic ones."""
    editors = tuple(t for t in current if t not in auto)
    added = tuple(t for t in found if t not in rejected and t not in editors)
    return editors + added, added


def _phrases(tip: Tip, situations: tuple[str, ...], compiled: _Rules) -> tuple[Phrase, ...]:
    """Editors' phrases, then the extracted ones, each linked to the situations its own
    words fit; an editor's phrase keeps the situations the editor gave it."""
    editors = tuple(_linked(p, situations, compiled) for p in tip.phrases if not p.auto)
    taken = {phrase_finder.normalize(p) for p in (*(p.text for p in editors), *tip.rejected)}
    extracted = []
    for found in phrase_finder.extract(tip.body):
        if phrase_finder.normalize(found.text) not in taken:
            text = found.text
            extracted.append(
                Phrase(text, situations=_fitting(text, situations, compiled), auto=True)
            )
    return editors + tuple(extracted)


def _linked(phrase: Phrase, situations: tuple[str, ...], compiled: _Rules) -> Phrase:
    if phrase.situations:
        return phrase
    fitting = _fitting(phrase.text, situations, compiled)
    return dataclasses.replace(phrase, inferred=fitting)


def _fitting(text: str, situations: tuple[str, ...], compiled: _Rules) -> tuple[str, ...]:
    """The situations a phrase's own words name (its situation rules), then its tip's
    other situations but the broad ones, which a phrase fits only by naming them.

    A phrase naming a situation its tip is not tagged with is about that one, so its
    tip's situations are no evidence for it: "Fortunately, we do have other options"
    in a tip on a known issue is what to say with the bad news, not about the issue.
    A broad situation named this way (a channel) changes nothing: it is no subject."""
    own = compiled.phrase_rules.keys(document("", "", "", phrase=text))
    if any(s not in situations and s not in compiled.broad for s in own):
        return own
    return own + tuple(s for s in situations if s not in own and s not in compiled.broad)


def explain(tip: Tip, taxonomy: Taxonomy) -> list[Evidence]:
    """Every rule that matches the tip, and the cue behind every extracted phrase."""
    doc = _document(tip)
    evidence = []
    compiled = _compiled(taxonomy)
    for term_id, rule, (match, *_) in compiled.rules.matches(doc):
        kind = "situation" if term_id in compiled.situations else "technique"
        evidence.append(Evidence(kind, term_id, rule.text, match.field, doc.excerpt(match)))
    for found in phrase_finder.extract(tip.body):
        evidence.append(Evidence("phrase", found.text, found.cue, "body", found.text))
    return evidence


# --- `tipkb tag` ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TagChange:
    """What tagging does to one tip file."""

    path: Path
    diff: str  # unified diff of the file; "" when nothing changes
    explanation: str = ""


@dataclass(frozen=True)
class TagRun:
    changes: tuple[TagChange, ...]
    written: bool

    def report(self) -> str:
        parts = [c.explanation for c in self.changes if c.explanation]
        parts += [c.diff for c in self.changes if c.diff and not self.written]
        changed = sum(bool(c.diff) for c in self.changes)
        verb = "updated" if self.written else "would change (run with --write to save)"
        parts.append(f"{changed} of {len(self.changes)} tip file(s) {verb}.")
        return "\n".join(parts)


def tag_run(
    content: Content,
    tagged: Sequence[Tip],
    files: Sequence[Path] = (),
    *,
    write: bool = False,
    explain_tags: bool = False,
) -> TagRun:
    """What tagging changes in the named tips (default: all); `tagged` is every tip of
    `content` as tag_tip tags it (the build's tag cache computes it)."""
    by_path = {tip.path: new for tip, new in zip(content.tips, tagged, strict=True)}
    changes = []
    for tip in _selected(content.tips, files):
        new = by_path[tip.path]
        changed = _tag_fields(new) != _tag_fields(tip)
        assert tip.path is not None
        diff = _diff(tip.path, dump_tip(new)) if changed else ""
        if changed and write:
            write_tip(tip.path, new)
            log.debug("tagged %s", tip.path)
        note = render_evidence(new, explain(new, content.taxonomy)) if explain_tags else ""
        changes.append(TagChange(tip.path, diff, note))
    return TagRun(tuple(changes), write)


def _tag_fields(tip: Tip) -> tuple[object, ...]:
    return tip.situations, tip.techniques, tip.phrases, tip.auto_tags


def _selected(tips: Sequence[Tip], files: Sequence[Path]) -> list[Tip]:
    if not files:
        return list(tips)
    by_path = {t.path.resolve(): t for t in tips if t.path is not None}
    missing = [str(f) for f in files if f.resolve() not in by_path]
    if missing:
        raise InputError(f"not a tip file of the content folder: {', '.join(missing)}")
    return [by_path[f.resolve()] for f in files]


def _diff(path: Path, new_text: str) -> str:
    old_text = path.read_text(encoding="utf-8")
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=str(path),
        tofile=str(path),
    )
    return "".join(lines).rstrip("\n")


def render_evidence(tip: Tip, evidence: Sequence[Evidence]) -> str:
    """The --explain text for one tip: each tag with its rules and matched words."""
    lines = [f"{tip.path or tip.slug}:"]
    for tag in tip.situations + tip.techniques:
        origin = "auto" if tag in tip.auto_tags else "editor"
        lines.append(f"  {tag} ({origin})")
        lines += [
            f"    rule {e.rule!r} matched {e.field}: “{e.text}”" for e in evidence if e.term == tag
        ]
    ignored = sorted({e.term for e in evidence if e.term in tip.rejected})
    lines += [f"  {tag} (rejected by the editor; not added)" for tag in ignored]
    for phrase in (p for p in tip.phrases if p.auto):
        cue = next((e.rule for e in evidence if e.kind == "phrase" and e.term == phrase.text), "")
        lines.append(f"  phrase “{phrase.text}”")
        lines.append(f"    cue {cue!r}; situations: {', '.join(phrase.situations) or '(none)'}")
    if len(lines) == 1:
        lines.append("  no tags: no rule matched")
    return "\n".join(lines)
