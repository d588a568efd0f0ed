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
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import BuildError, Superseded
from generator.site.model import Page, Site

OUTPUT = "pagefind"  # the index's folder in the site, which the search page loads from
MADE_FROM = "tipkb-records"  # in it: the digest of the records it was made from
_INDEXED = re.compile(r"Indexed (\d+) pages?")
_LOG = "pagefind.log"  # what Pagefind said, while it runs


@dataclass(frozen=True)
class SearchStats:
    """What the site search stage did: tips indexed (from the records `records` digests),
    or the published index kept: up to date, or, in the preview, until
    refresh_site_search has written the records of `site` and remade it."""

    indexed: int | None = None
    records: str = ""
    seconds: float = 0.0  # Pagefind's own time, mostly beside the pages and the engine
    site: Site | None = field(default=None, compare=False, repr=False)

    @property
    def pending(self) -> bool:
        return self.site is not None

    def __str__(self) -> str:
        if self.indexed is not None:
            return f"{self.indexed} tips indexed by Pagefind in {self.seconds:.1f} s"
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


def replace_index(
    records_dir: Path, site_dir: Path, made_from: str, stop: threading.Event | None = None
) -> int:
    """Index anew beside a published site's index, then swap it in (the search works
    on the old index until then); how many tips were indexed. Setting `stop` ends it
    early (Superseded), the published index as it was."""
    building = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=site_dir))
    try:
        indexed = index_site(records_dir, building, made_from, stop)
        old = site_dir / f".{OUTPUT}-old"
        shutil.rmtree(old, ignore_errors=True)
        if (site_dir / OUTPUT).exists():
            os.replace(site_dir / OUTPUT, old)
        os.replace(building / OUTPUT, site_dir / OUTPUT)
        shutil.rmtree(old, ignore_errors=True)
        return indexed
    finally:
        shutil.rmtree(building, ignore_errors=True)


def index_site(
    records_dir: Path, site_dir: Path, made_from: str = "", stop: threading.Event | None = None
) -> int:
    """Index the search records in `records_dir` into `site_dir/pagefind/`, noting the
    digest of the records (`made_from`) beside the index; how many tips were indexed.
    With no tip to index, there is no index (the search page says it cannot search)."""
    with Indexing.start(records_dir, site_dir / OUTPUT, made_from) as indexing:
        return indexing.finish(site_dir, stop)


class Indexing:
    """Pagefind indexing the records in a process of its own: started as soon as the
    records are written, it runs beside the rest of the build (which leaves a CPU idle
    half the time), and `finish` waits for it and puts the index into a site. Leaving
    the `with` block stops it if it is still running (a build that failed meanwhile)."""

    def __init__(self, output: Path, made_from: str, process: subprocess.Popen[bytes] | None):
        self.output = output  # Pagefind's own folder of the index
        self.made_from = made_from
        self.process = process
        self.started = time.time()
        self.seconds = 0.0  # how long Pagefind ran, once finished

    @classmethod
    def start(cls, records_dir: Path, output: Path, made_from: str = "") -> Indexing:
        # The output may hold hard links shared with the published site (a site brought
        # up to date from an older one): removed, so that nothing is written into them.
        shutil.rmtree(output, ignore_errors=True)
        if not any(records_dir.glob("tips/*/index.html")):
            return cls(output, made_from, None)
        output.mkdir(parents=True)
        command = [sys.executable, "-m", "pagefind", "--site", str(records_dir)]
        command += ["--output-path", str(output), "--force-language", "en"]
        try:
            # Its report goes to a file, not a pipe, which nobody reads until it ends.
            with open(output / _LOG, "wb") as log:
                process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        except OSError as err:
            raise BuildError(f"cannot run Pagefind for the site search: {err}") from None
        return cls(output, made_from, process)

    def _wait(self, stop: threading.Event | None) -> int:
        """Pagefind's exit code; Superseded once `stop` is set (Pagefind stopped)."""
        assert self.process is not None
        while True:
            try:
                return self.process.wait(timeout=None if stop is None else 0.1)
            except subprocess.TimeoutExpired:
                if stop is not None and stop.is_set():
                    self.__exit__()
                    raise Superseded("index not finished: a newer build came first") from None

    def __enter__(self) -> Indexing:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def finish(self, site_dir: Path, stop: threading.Event | None = None) -> int:
        """Wait for Pagefind, then put its index into `site_dir`; how many tips it indexed.
        Once `stop` is set, Pagefind is stopped and Superseded raised: nothing is put."""
        target = site_dir / OUTPUT
        if self.process is None:
            shutil.rmtree(target, ignore_errors=True)
            return 0
        code = self._wait(stop)
        log = self.output / _LOG
        # Until its last words, which may be long before the build came to wait for it.
        self.seconds = max(0.0, log.stat().st_mtime - self.started)
        said = log.read_text(encoding="utf-8", errors="replace")
        log.unlink()
        if code != 0:
            last = " | ".join(said.strip().splitlines()[-5:])
            hint = "; install it with: pip install 'pagefind[bin]'" if "No module" in said else ""
            raise BuildError(f"Pagefind failed to index the site search{hint}: {last}")
        if self.made_from:
            (self.output / MADE_FROM).write_text(self.made_from + "\n", encoding="ascii")
        if self.output != target:
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(self.output, target)
        found = _INDEXED.search(said)
        return int(found[1]) if found else 0
