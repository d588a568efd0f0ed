"""Would a small local semantic model help `tipkb search`? Measured, not shipped.

WordLlama (MIT, its 256-dimension static embeddings shipped inside the pip package, 19 MB
wheel) ranks the frozen tips by the cosine of the query's embedding with each tip's
(title, summary, phrases, its terms' labels and descriptions, the body's start). The
hybrid adds it to the terminal search's score (normalised to the best), as
`mix * lexical + (1 - mix) * cosine`; the mix is chosen on the tune half of the staff
queries, and the held-out half is scored once, for that mix and for the search alone.

    pip install wordllama   # not a dependency of tipkb
    python -m benchmarks.semantic [--queries tests/labels/staff_queries.yml]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from generator import clock
from generator.content.load import load_content
from generator.content.visible import visible_tips
from generator.errors import TipkbError
from generator.model import Taxonomy, Tip
from generator.search import evaluation
from generator.search.index import OPEN, update_index
from generator.search.query import search
from generator.tagging.tagger import tag_tip

ROOT = Path(__file__).parent.parent
MIXES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0)


def model() -> Any:
    """WordLlama's bundled model, loaded from the package only (its own lookup of the
    bundled tokenizer misses it and would try to download it)."""
    import wordllama

    folder = Path(wordllama.__file__).parent
    return wordllama.WordLlama.load(cache_dir=folder, disable_download=True)


def described(tip: Tip, taxonomy: Taxonomy) -> str:
    terms = [t for t in map(taxonomy.term, tip.tags) if t is not None]
    names = " ".join(f"{t.label}. {t.description}" for t in terms)
    said = " ".join(p.text for p in tip.phrases)
    return f"{tip.title}. {tip.summary} {said} {names} {tip.body[:1500]}"


def ranker(
    embed: Any, tips: Sequence[Tip], taxonomy: Taxonomy, lexical: dict[str, dict[str, float]]
) -> Callable[[float], Callable[[str], list[str]]]:
    slugs = [tip.slug for tip in tips]
    docs = embed.embed([described(tip, taxonomy) for tip in tips], norm=True)

    def mixed(mix: float) -> Callable[[str], list[str]]:
        def rank(text: str) -> list[str]:
            cosine = docs @ embed.embed([text], norm=True)[0]
            found = lexical[text]
            best = max(found.values(), default=0.0) or 1.0
            score = {
                slug: mix * found.get(slug, 0.0) / best + (1 - mix) * float(c)
                for slug, c in zip(slugs, cosine, strict=True)
            }
            return sorted(slugs, key=lambda slug: (-score[slug], slug))

        return rank

    return mixed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT / "tests" / "corpus")
    parser.add_argument("--queries", type=Path, default=ROOT / "tests/labels/staff_queries.yml")
    args = parser.parse_args()
    try:
        embed = model()
    except ImportError:
        print("needs WordLlama: pip install wordllama", file=sys.stderr)
        return 2
    content = load_content(args.content)
    taxonomy = content.taxonomy
    tips = visible_tips(tuple(tag_tip(t, taxonomy) for t in content.tips), clock.today())
    queries = evaluation.load_queries(args.queries, {tip.slug for tip in tips})
    with tempfile.TemporaryDirectory(prefix="tipkb-semantic-") as tmp:
        index_dir = Path(tmp)
        update_index(tips, taxonomy, index_dir)
        lexical = {q.query: _scores(index_dir, q.query, taxonomy, len(tips)) for q in queries}
        OPEN.close(index_dir)
    mixed = ranker(embed, tips, taxonomy, lexical)
    tune = [q for q in queries if q.group == "tune"]
    held_out = [q for q in queries if q.group == "held-out"]
    scored = {mix: evaluation.evaluate(tune, mixed(mix))["tune"] for mix in MIXES}
    for mix, s in scored.items():
        print(f"tune      mix {mix:.1f}  hit@3 {s.hit_at_3:.2f}  MRR@10 {s.mrr_at_10:.2f}")
    best = max(MIXES, key=lambda m: (scored[m].hit_at_3, scored[m].mrr_at_10, m))
    for mix in dict.fromkeys((1.0, best)):
        s = evaluation.evaluate(held_out, mixed(mix))["held-out"]
        name = "search alone" if mix == 1.0 else "hybrid"
        print(f"held-out  mix {mix:.1f}  hit@3 {s.hit_at_3:.2f}  MRR@10 {s.mrr_at_10:.2f}  {name}")
    return 0


def _scores(index_dir: Path, text: str, taxonomy: Taxonomy, limit: int) -> dict[str, float]:
    try:
        return {r.slug: r.score for r in search(index_dir, text, taxonomy, limit=limit).results}
    except TipkbError:  # a query of common words only: no lexical score
        return {}


if __name__ == "__main__":
    sys.exit(main())
