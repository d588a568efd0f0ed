"""The site search's index: Pagefind, run over the rendered tip pages of a fresh site.

Pagefind writes a static index split into small chunks, so a phone fetches only the
chunks of the words it searches: the download no longer grows with the corpus, as
one search_index.json did. It runs on the engine's output, so MkDocs and Zensical
sites get the same index. What it reads of a page (weights, filters, metadata, what
to ignore) is written by the generator (generator.site.site_search).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from generator.errors import BuildError

OUTPUT = "pagefind"  # the index's folder in the site, which the search page loads from
TIP_PAGES = "tips/*/index.html"  # only tips are results; hubs are reached otherwise
ROOT = "article"  # the page's content in both engines' themes: no header, nav or footer
# Parts of a tip page the engines or the theme add, which are no words of the tip.
EXCLUDED = ".headerlink, .tipkb-copy, .admonition"
_INDEXED = re.compile(r"Indexed (\d+) pages?")


def index_site(site_dir: Path) -> int:
    """Index the tip pages of `site_dir` into `site_dir/pagefind/`; how many were indexed."""
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_dir),
        "--output-subdir",
        OUTPUT,
        "--glob",
        TIP_PAGES,
        "--root-selector",
        ROOT,
        "--exclude-selectors",
        EXCLUDED,
        "--force-language",
        "en",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as err:
        raise BuildError(f"cannot run Pagefind for the site search: {err}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-5:]
        hint = (
            "; install it with: pip install 'pagefind[bin]'" if "No module" in done.stderr else ""
        )
        raise BuildError(f"Pagefind failed to index the site search{hint}: {' | '.join(said)}")
    found = _INDEXED.search(done.stdout)
    return int(found[1]) if found else 0
