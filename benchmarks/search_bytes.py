"""What a phone downloads to search: a page, then its first query on the search page.

Served compressed, as any intranet web server serves text (Pagefind's own chunks are
compressed already), from a fresh browser with an empty cache at 390×844; every
response's transferred bytes are added up. Also how long Pagefind ran (beside the
pages and the engine) and how long the build then waited for it, and the build's peak
memory.

    python -m benchmarks.search_bytes [--sizes 2000,10000] [--work DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generator.build import build

from . import browser
from .corpus import make_corpus

QUERY = "customer is yelling at me on the phone"
TARGET_KB = 600


def fetched(site: Path, query: str = QUERY) -> dict[str, Any]:
    """Bytes a fresh phone browser fetches for the home page, then for a search."""
    with browser.served(site, compress=True) as base, browser.chromium() as chromium:
        context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        sizes: dict[str, int] = {}

        def count(response: Any) -> None:
            sizes[response.url] = (
                response.request.sizes()["responseBodySize"]
                + (response.request.sizes()["responseHeadersSize"])
            )

        page.on("requestfinished", lambda request: count(request.response()))
        page.goto(base)
        page.wait_for_load_state("networkidle")
        home = sum(sizes.values())
        start = time.perf_counter()
        browser.search(page, base, query)
        seconds = time.perf_counter() - start
        page.wait_for_load_state("networkidle")
        context.close()
    total = sum(sizes.values())
    pagefind = sum(n for url, n in sizes.items() if "/pagefind/" in url)
    return {
        "home_kb": round(home / 1024, 1),
        "total_kb": round(total / 1024, 1),
        "pagefind_kb": round(pagefind / 1024, 1),
        "requests": len(sizes),
        "search_seconds": round(seconds, 2),
    }


def measure(n: int, work: Path) -> dict[str, Any]:
    content = make_corpus(n, work / f"content-{n}")
    site = work / f"site-{n}"
    report = build(content, site, build_dir=work / f"build-{n}")
    stages = dict(report.stages)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "tips": n,
        "build_s": round(report.seconds, 1),
        "pagefind_s": round(report.search.seconds, 2),
        "site_search_s": round(stages["site search"], 2),  # what the build waited for it
        "peak_mb_build_process": round(peak_mb),
        "peak_mb_largest_child": round(children_mb),
        **fetched(site),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tipkb-search-bytes-") as tmp:
        work = args.work or Path(tmp)
        rows = [measure(int(n), work) for n in args.sizes.split(",")]
    ok = True
    for row in rows:
        within = row["total_kb"] <= TARGET_KB
        ok &= within
        print(
            f"{row['tips']:>6} tips: a phone fetches {row['home_kb']} KB for the home page and "
            f"{row['total_kb']} KB with its first search ({row['pagefind_kb']} KB of it "
            f"Pagefind, {row['requests']} requests; target ≤ {TARGET_KB} KB: "
            f"{'met' if within else 'MISSED'}); Pagefind ran {row['pagefind_s']} s beside "
            f"the pages and the engine, which then waited {row['site_search_s']} s for it, "
            f"in a {row['build_s']} s build; peak memory "
            f"{row['peak_mb_build_process']} MB (build), {row['peak_mb_largest_child']} MB "
            "(largest child: Pagefind or a worker)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
