"""The site search's index: Pagefind, run over the tips' search records.

Pagefind writes a static index split into small chunks, so a phone fetches only the
chunks of the words it searches: the download no longer grows with the corpus, as one
search_index.json did. It reads one small record per tip (generator.site.site_search),
not the rendered pages: the same index for MkDocs and Zensical, and a tenth of the bytes
to parse. Each record sits at its page's path, which Pagefind turns into the result's URL.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import BuildError
from generator.site.model import Page

OUTPUT = "pagefind"  # the index's folder in the site, which the search page loads from
MADE_FROM = "tipkb-records"  # in it: the digest of the records it was made from
_INDEXED = re.compile(r"Indexed (\d+) pages?")


@dataclass(frozen=True)
class SearchStats:
    """What the site search stage did: tips indexed, or the published index kept (up to
    date, or until refresh_site_search makes the new one from the `records` digested)."""

    indexed: int | None = None
    pending: bool = False
    records: str = ""

    def __str__(self) -> str:
        if self.indexed is not None:
            return f"{self.indexed} tips indexed by Pagefind"
        if self.pending:
            return "index kept until it is remade in the background"
        return "index kept: no tip's record changed"


def digest_of(records: Sequence[Page]) -> str:
    """The digest of a set of search records, as records_digest finds it on disk."""
    return _digest((r.path, r.text.encode("utf-8")) for r in records)


def _digest(items: Iterable[tuple[str, bytes]]) -> str:
    sha = hashlib.sha256()
    for path, data in sorted(items):
        sha.update(path.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return sha.hexdigest()


def indexed_records(site_dir: Path) -> str | None:
    """The digest of the records a site's index was made from, if it has one."""
    try:
        return (site_dir / OUTPUT / MADE_FROM).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None


def link_index(published: Path, fresh: Path) -> None:
    """Put the published site's index into a fresh site, as hard links (Pagefind replaces
    its files, never writes into them)."""
    shutil.rmtree(fresh / OUTPUT, ignore_errors=True)
    shutil.copytree(published / OUTPUT, fresh / OUTPUT, copy_function=_link)


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another disk
        shutil.copy2(source, target)


def replace_index(records_dir: Path, site_dir: Path, made_from: str) -> int:
    """Index anew beside a published site's index, then swap it in (the search works
    on the old index until then); how many tips were indexed."""
    building = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=site_dir))
    try:
        indexed = index_site(records_dir, building, made_from)
        old = site_dir / f".{OUTPUT}-old"
        shutil.rmtree(old, ignore_errors=True)
        if (site_dir / OUTPUT).exists():
            os.replace(site_dir / OUTPUT, old)
        os.replace(building / OUTPUT, site_dir / OUTPUT)
        shutil.rmtree(old, ignore_errors=True)
        return indexed
    finally:
        shutil.rmtree(building, ignore_errors=True)


def index_site(records_dir: Path, site_dir: Path, made_from: str = "") -> int:
    """Index the search records in `records_dir` into `site_dir/pagefind/`, noting the
    digest of the records (`made_from`) beside the index; how many tips were indexed.
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
    if made_from:
        (site_dir / OUTPUT / MADE_FROM).write_text(made_from + "\n", encoding="ascii")
    found = _INDEXED.search(done.stdout)
    return int(found[1]) if found else 0
