"""The page model: a generated page, a phrase with its tip, and the site pages are made from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from generator import clock
from generator.content.safety import render_body
from generator.model import Phrase, Taxonomy, Term, Tip


@dataclass(frozen=True)
class Page:
    """One generated Markdown file."""

    path: str  # docs-relative, with forward slashes
    text: str


@dataclass(frozen=True)
class Said:
    """A phrase together with the tip that recommends it."""

    phrase: Phrase
    tip: Tip


@dataclass(frozen=True)
class Site:
    """Everything the pages are made from: the tips to show, newest first."""

    tips: tuple[Tip, ...]
    taxonomy: Taxonomy
    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    today: dt.date = field(default_factory=clock.today)
    # Each tip's body as sanitized HTML, by slug, when the build rendered them ahead
    # (cached, on two CPUs); a tip missing here is rendered when its page is made.
    bodies: Mapping[str, str] = field(default_factory=dict)

    def body(self, tip: Tip) -> str:
        """The tip's body as sanitized HTML: as the build rendered it ahead, else now."""
        rendered = self.bodies.get(tip.slug)
        return rendered if rendered is not None else render_body(tip.body)

    @cached_property
    def by_slug(self) -> dict[str, Tip]:
        return {tip.slug: tip for tip in self.tips}

    @cached_property
    def by_term(self) -> dict[str, tuple[Tip, ...]]:
        """Term id → its tips, newest first."""
        found: dict[str, list[Tip]] = {}
        for tip in self.tips:
            for term_id in dict.fromkeys(tip.tags):
                found.setdefault(term_id, []).append(tip)
        return {term_id: tuple(tips) for term_id, tips in found.items()}

    @cached_property
    def _made(self) -> dict[tuple[Callable[[Site, Tip], str], str], str]:
        return {}

    def memo(self, make: Callable[[Site, Tip], str], tip: Tip) -> str:
        """`make(self, tip)`, made once for this site: the pieces a tip has on every
        page that lists it."""
        key = (make, tip.slug)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = make(self, tip)
        return made

    def tips_for(self, term: Term) -> tuple[Tip, ...]:
        return self.by_term.get(term.id, ())

    def phrases_for(self, term: Term) -> tuple[Said, ...]:
        """What to say in a situation, or with a technique; newest tips first, no repeats."""
        if term in self.taxonomy.situations:
            return self._phrases_by_situation.get(term.id, ())
        return unique(Said(p, t) for t in self.tips_for(term) for p in t.phrases)

    @cached_property
    def _phrases_by_situation(self) -> dict[str, tuple[Said, ...]]:
        """Each situation's phrases, in one pass over the tips (the pages ask for them
        about 80 times, and each asking went through every tip). A phrase fits the
        situations it is linked to, or its tip's if it has none at all."""
        found: dict[str, list[Said]] = {}
        for tip in self.tips:
            for phrase in tip.phrases:
                for situation_id in dict.fromkeys(phrase.fits or tip.situations):
                    found.setdefault(situation_id, []).append(Said(phrase, tip))
        return {situation_id: unique(said) for situation_id, said in found.items()}

    def general_phrases(self) -> tuple[Said, ...]:
        """Phrases that belong to no situation: their tip has none and they name none."""
        said = (Said(p, t) for t in self.tips if not t.situations for p in t.phrases)
        return unique(s for s in said if not s.phrase.fits)

    def related_to(self, tip: Tip) -> tuple[Tip, ...]:
        """The related tips that are on the site, in the order given."""
        slugs = self.related.get(tip.slug, ())
        return tuple(self.by_slug[s] for s in slugs if s in self.by_slug and s != tip.slug)

    def status(self, tip: Tip) -> str:
        """`Draft`, `Scheduled`, or `` for a published tip."""
        if tip.draft:
            return "Draft"
        if tip.date is not None and tip.date > self.today:
            return "Scheduled"
        return ""

    @cached_property
    def this_week(self) -> Tip | None:
        """The newest published dated tip."""
        return next((t for t in self.tips if t.date and not self.status(t)), None)


def unique(said: Iterable[Said]) -> tuple[Said, ...]:
    """Keep the first of phrases with the same wording."""
    seen: set[str] = set()
    kept = []
    for item in said:
        key = _wording(item.phrase.text)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return tuple(kept)


@lru_cache(maxsize=1 << 16)
def _wording(text: str) -> str:
    """What tells two phrases apart: their words, whatever the case and spacing."""
    return " ".join(text.casefold().split())
