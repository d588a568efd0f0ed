"""`make eval`, the site's part: the labelled staff queries typed into the built site's
own search page in Chromium, scored like `tipkb eval search` (hit@3 and MRR@10 per half,
tune misses listed, held-out misses only counted), on the frozen copy of the tips.

    python -m benchmarks.site_search [--content tests/corpus] [--queries FILE] [--engine mkdocs]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from generator.build import build
from generator.content.load import load_content
from generator.search.evaluation import SearchEvaluation, load_queries, run_queries

from . import browser

ROOT = Path(__file__).parent.parent
MRR_TARGET = 0.8  # the site's MRR@10 on the held-out half (hit@3 as tipkb eval search's)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT / "tests" / "corpus")
    parser.add_argument("--queries", type=Path, default=ROOT / "tests/labels/staff_queries.yml")
    parser.add_argument("--engine", choices=["mkdocs", "zensical"], default="mkdocs")
    args = parser.parse_args()
    queries = load_queries(args.queries, {tip.slug for tip in load_content(args.content).tips})
    with tempfile.TemporaryDirectory(prefix="tipkb-eval-") as tmp:
        site = Path(tmp) / "site"
        build(args.content, site, build_dir=Path(tmp) / "build", engine=args.engine)
        with browser.served(site) as base, browser.chromium() as chromium:
            page = chromium.new_page()
            outcomes = run_queries(
                queries, lambda text: browser.slugs(browser.search(page, base, text))
            )
    result = SearchEvaluation(args.queries, outcomes, name=f"site ({args.engine})")
    print(result.report())
    judged = result.scores.get(result.judged)
    mrr_ok = judged is not None and judged.mrr_at_10 >= MRR_TARGET
    print(f"target {result.judged} MRR@10 ≥ {MRR_TARGET:.2f}  {'ok' if mrr_ok else 'BELOW TARGET'}")
    return 0 if result.meets_target and mrr_ok else 1


if __name__ == "__main__":
    sys.exit(main())
