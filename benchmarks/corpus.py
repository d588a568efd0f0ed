"""Make a realistic synthetic content folder of N tips from the real ones.

Sentences, titles and phrases of the committed tips are recombined with a fixed
seed, so a corpus of a given size is the same on every run and reads like the
real thing to the tagger, the index and MkDocs.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from generator.content.load import TAXONOMY_FILE, TIPS_DIR, load_content
from generator.content.tipfile import dump_tip
from generator.model import SERIES_TOW, Tip, slugify

ROOT = Path(__file__).resolve().parent.parent
_SENTENCE = re.compile(r"(?<=[.!?”])\s+(?=[A-Z“])")
FIRST_DAY = dt.date(2008, 1, 1)


@dataclass(frozen=True)
class Material:
    """What synthetic tips are made of."""

    titles: tuple[str, ...]
    sentences: tuple[str, ...]
    phrases: tuple[str, ...]


def gather(content_dir: Path) -> Material:
    tips = load_content(content_dir).tips
    sentences = [
        s.strip()
        for tip in tips
        for para in tip.body.split("\n\n")
        if not para.lstrip().startswith("-")
        for s in _SENTENCE.split(para)
        if len(s.split()) >= 5
    ]
    phrases = [p.text for tip in tips for p in tip.phrases]
    return Material(tuple(t.title for t in tips), tuple(sentences), tuple(phrases))


def synthetic_tip(i: int, rng: random.Random, material: Material) -> Tip:
    left, right = rng.sample(material.titles, 2)
    title = f"{' '.join(left.split()[:3])} {' '.join(right.split()[-2:])} {i}"
    paragraphs = [
        " ".join(rng.sample(material.sentences, rng.randint(2, 4)))
        for _ in range(rng.randint(3, 7))
    ]
    if material.phrases and rng.random() < 0.4:
        chosen = rng.sample(material.phrases, min(3, len(material.phrases)))
        paragraphs.insert(2, "Consider these phrases:\n\n" + "\n".join(f"- “{p}”" for p in chosen))
    date = FIRST_DAY + dt.timedelta(weeks=i % 1000, days=i // 1000)
    return Tip(
        title=title,
        slug=slugify(title),
        body="\n\n".join(paragraphs) + "\n",
        date=date,
        series=SERIES_TOW,
        summary=paragraphs[0].split(". ")[0].rstrip(".") + ".",
    )


def make_corpus(n: int, out: Path, *, source: Path = ROOT / "content", seed: int = 2025) -> Path:
    """Write a content folder of n synthetic tips (plus the real taxonomy) to out."""
    rng = random.Random(seed)
    material = gather(source)
    if out.exists():
        shutil.rmtree(out)
    (out / TIPS_DIR).mkdir(parents=True)
    shutil.copy(source / TAXONOMY_FILE, out / TAXONOMY_FILE)
    for i in range(n):
        tip = synthetic_tip(i, rng, material)
        (out / TIPS_DIR / tip.filename).write_text(dump_tip(tip), encoding="utf-8")
    return out
