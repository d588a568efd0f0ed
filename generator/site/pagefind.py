"""The site search's index: Pagefind, run over the tips' search records.

Pagefind writes a static index split into small chunks, so a phone fetches only the
chunks of the words it searches: the download no longer grows with the corpus, as one
search_index.json did. It reads one small record per tip (generator.site.site_search),
not the rendered pages: the same index for MkDocs and Zensical, and a tenth of the bytes
to parse. Each record sits at its page's path, which Pagefind turns into the result's URL.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from generator.errors import BuildError

OUTPUT = "pagefind"  # the index's folder in the site, which the search page loads from
_INDEXED = re.compile(r"Indexed (\d+) pages?")


def index_site(records_dir: Path, site_dir: Path) -> int:
    """Index the search records in `records_dir` into `site_dir/pagefind/`; how many.
    With no tip to index, there is no index (the search page says it cannot search)."""
    # A site brought up to date from an older one may hold its index as hard links
    # shared with the published site: remove them, so that nothing is written into them.
    shutil.rmtree(site_dir / OUTPUT, ignore_errors=True)
    if not any(records_dir.glob("tips/*/index.html")):
        return 0
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(records_dir),
        "--output-path",
        str(site_dir / OUTPUT),
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
