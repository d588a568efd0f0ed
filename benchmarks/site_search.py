"""`make eval`, the site's part: the labelled staff queries typed into the built site's
own search page in Chromium, scored like `tipkb search` (hit@3, MRR@10) for the tuning
half and the held-out half.

    python -m benchmarks.site_search [--content tests/corpus] [--queries FILE] [--engine mkdocs]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from generator.build import build
from generator.content.load import load_content
from generator.search.evaluation import load_queries, score_rankings

from . import browser

ROOT = Path(__file__).parent.parent
HIT_TARGET, MRR_TARGET = 0.9, 0.8  # on the held-out half


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT / "tests" / "corpus")
    parser.add_argument("--queries", type=Path, default=ROOT / "tests/labels/staff_queries.yml")
    parser.add_argument("--engine", choices=["mkdocs", "zensical"], default="mkdocs")
    args = parser.parse_args()
    slugs = [tip.slug for tip in load_content(args.content).tips]
    queries = load_queries(args.queries, slugs)
    with tempfile.TemporaryDirectory(prefix="tipkb-eval-") as tmp:
        site = Path(tmp) / "site"
        build(args.content, site, build_dir=Path(tmp) / "build", engine=args.engine)
        with browser.served(site) as base, browser.chromium() as chromium:
            page = chromium.new_page()
            ranked = [browser.slugs(browser.search(page, base, q.query))[:10] for q in queries]
    halves: dict[str, list[int]] = defaultdict(list)
    for i, query in enumerate(queries):
        halves[getattr(query, "split", None) or "all"].append(i)
    ok = True
    for half, members in halves.items():
        scores = score_rankings((ranked[i], queries[i].relevant) for i in members)
        print(f"site search ({args.engine}), {half}: {scores}")
        if half == "held-out":
            ok = scores.hit_at_3 >= HIT_TARGET and scores.mrr_at_10 >= MRR_TARGET
        if half != "held-out":  # held-out misses are not shown: no one tunes on them
            for i in members:
                top = ranked[i][:3]
                if not set(top) & queries[i].relevant:
                    print(f"  miss: {queries[i].query!r} → {top}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
