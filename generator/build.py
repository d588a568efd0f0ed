"""Build the site: the one orchestrator, in explicit stages.

load + validate → tag → index → related tips → pages (and search records) → engine →
site search → swap in.

Everything is checked before anything is written. With two CPUs, one worker
process shares the stages' work (generator.workers): a large search-index update
is written by it while the pages are generated, and MkDocs renders part of the
pages in it (generator.site.mkdocs_engine). MkDocs builds into a temporary folder beside the
site folder, which replaces the site only when the build (index included)
succeeded: a failed or killed build leaves the previous site as it was, and its
leftovers are removed by the next build. The engine is MkDocs (generator.site.mkdocs_engine)
or Zensical (generator.site.zensical_engine), on the same generated pages; either one
builds into that temporary folder. MkDocs renders there only the pages that changed since
the last build with this build folder, and links in the rest from the rendered site the
build folder keeps (generator.site.kept); Zensical renders every page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from generator import clock, workers
from generator.cache import Cache
from generator.content.load import load_content
from generator.content.visible import visible_tips
from generator.errors import BuildError, OutputError
from generator.files import exclusive
from generator.importing import write as importing
from generator.importing.write import ImportReport
from generator.layout import (
    BODIES_CACHE,
    BUILD_DIR,
    CACHE,
    DOCS,
    INDEX,
    PAGEFIND_NEXT,
    RECORDS,
    RELATED_CACHE,
    RENDERED,
    RENDERED_STATE,
    SEARCH_DATA,
    SEARCHED_CACHE,
    SPARE,
    TAGS_CACHE,
    WORDS_CACHE,
    content_cache,
)
from generator.model import Content, Tip
from generator.search import evaluation as search_evaluation
from generator.search.evaluation import MRR_AT, SearchEvaluation
from generator.search.index import OPEN, IndexPlan, IndexWrite, plan_index, update_index
from generator.search.query import SearchResults, check_filters, check_query, search
from generator.search.related import kept_related_tips
from generator.site import outdir
from generator.site.kept import Kept, RenderStats
from generator.site.mkdocs_engine import Settings, build_site, mkdocs_records
from generator.site.model import Site
from generator.site.pagefind import (
    Indexing,
    SearchStats,
    digest_of,
    indexed_records,
    link_index,
    replace_index,
)
from generator.site.pages import WriteStats, render_bodies, render_pages, write_pages
from generator.site.site_search import install_data, search_data, search_records
from generator.site.zensical_engine import run_zensical
from generator.tagging.cache import tag_all
from generator.tagging.tagger import TagRun, tag_run, tag_tip

log = logging.getLogger(__name__)
T = TypeVar("T")

RELATED = 5  # related tips per tip page
# From this many tips to (re)index, the index is written in a worker process while
# the site is rendered; fewer are written quicker than a worker starts.
BACKGROUND_DOCUMENTS = 300


ENGINES = ("mkdocs", "zensical")  # what renders the generated pages into the site
DEFAULT_ENGINE = "mkdocs"


def default_config(content_dir: Path) -> Path:
    """The project's mkdocs.yml: beside the content folder, as in the checkout, else in
    the current folder, where MkDocs itself looks."""
    beside = content_dir.absolute().parent / "mkdocs.yml"
    return beside if beside.is_file() else Path("mkdocs.yml").absolute()


def configured_engine(config_file: Path) -> str:
    """The engine the project's configuration names (`extra: {tipkb_engine: zensical}`),
    else MkDocs."""
    from mkdocs.utils.yaml import yaml_load

    with open(config_file, encoding="utf-8") as file:
        config = yaml_load(file) or {}
    extra = config.get("extra") if isinstance(config, dict) else None
    engine = (
        extra.get("tipkb_engine", DEFAULT_ENGINE) if isinstance(extra, dict) else DEFAULT_ENGINE
    )
    if engine not in ENGINES:
        raise BuildError(
            f"{config_file}: extra.tipkb_engine is {engine!r}; use one of {', '.join(ENGINES)}"
        )
    return engine


@dataclass(frozen=True)
class BuildReport:
    """What a build did, stage by stage."""

    site_dir: Path
    tips: int  # tips on the site
    left_out: int  # drafts and scheduled tips not shown
    pages: WriteStats
    warnings: int  # of the pages and MkDocs (a strict build has none)
    stages: tuple[tuple[str, float], ...]
    rendered: RenderStats  # how many pages the engine rendered afresh
    search: SearchStats = field(default_factory=SearchStats)  # what became of the site index

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.stages)

    def __str__(self) -> str:
        left_out = f" ({self.left_out} drafts or scheduled left out)" if self.left_out else ""
        return (
            f"Built {self.site_dir}: {self.tips} tips{left_out}, {self.pages.pages} pages "
            f"in {self.seconds:.1f} s."
        )


def build(
    content_dir: Path,
    site_dir: Path,
    *,
    strict: bool = False,
    drafts: bool = False,
    build_dir: Path = BUILD_DIR,
    config_file: Path | None = None,
    today: dt.date | None = None,
    jobs: int | None = None,
    engine: str | None = None,
    search_later: bool = False,
) -> BuildReport:
    """Build the site from `content_dir` into `site_dir`; raise a TipkbError on failure.

    The site search's index is remade only when a tip's search record changed; with
    `search_later` (the preview) the site keeps the previous index meanwhile, and
    `report.search.pending` says that `refresh_site_search` should be run with it.

    `drafts` also shows draft and future-dated tips, marked as such; `today`
    decides which tips are in the future (tests pin it). `engine` (mkdocs or zensical)
    overrides the configuration's `extra.tipkb_engine`.
    """
    today = today or clock.today()
    config_file = config_file or default_config(content_dir)
    if not config_file.is_file():
        raise BuildError(
            f"{config_file}: MkDocs configuration not found (looked beside the content "
            "folder and here); pass --config FILE"
        )
    engine = engine or configured_engine(config_file)
    if engine not in ENGINES:
        raise BuildError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    site_dir = outdir.guard(site_dir, keep=[content_dir, build_dir], projects=[config_file.parent])
    stages: list[tuple[str, float]] = []
    with outdir.locked(site_dir), _long_lived(), workers.session():
        content = _stage(
            stages, "load + validate", lambda: _load(content_dir, strict, build_dir), _count_tips
        )
        with _locked(build_dir):
            tips = _stage(
                stages, "tag + phrases", lambda: _tag(content, build_dir), _describe_tagged
            )[0]
            shown = visible_tips(tips, today, drafts=drafts)
            index_dir = build_dir / INDEX
            # The terminal's index and the site's (Pagefind) are written beside the build.
            with _IndexWriter() as writer, contextlib.ExitStack() as background:
                plan = _stage(
                    stages,
                    "index",
                    lambda: writer.start(*plan_index(shown, content.taxonomy, index_dir)),
                    writer.describe,
                )
                related = _stage(
                    stages,
                    "related",
                    lambda: kept_related_tips(
                        shown, plan.signatures, build_dir / CACHE / RELATED_CACHE, k=RELATED
                    ),
                    lambda r: f"{sum(map(len, r.values()))} related-tip links",
                )
                site = Site(shown, content.taxonomy, related, today)
                with _counting() as page_warnings:
                    written, searching = _stage(
                        stages,
                        "pages",
                        lambda: _pages(site, build_dir, site_dir, search_later, background),
                        lambda w: str(w[0]),
                    )
                if strict and page_warnings.count:
                    raise BuildError(
                        f"{page_warnings.count} warning(s) in strict mode; fix them and build again"
                    )
                kept = kept_site(build_dir)
                with fresh_site(site_dir, kept if engine == "mkdocs" else None) as fresh:
                    rendered = _stage(
                        stages,
                        engine,
                        lambda: run_engine(
                            engine,
                            config_file,
                            build_dir / DOCS,
                            fresh,
                            strict=strict,
                            jobs=jobs or workers.cores(),
                            kept=kept,
                        ),
                        lambda r: str(r) + (f" ({r.warnings} warnings)" if r.warnings else ""),
                    )
                    # `fresh` is now the whole new site, however it was rendered. Its files
                    # may be hard links shared with the kept copy and the published site:
                    # what runs over it replaces a file, never writes into one.
                    searched = _stage(
                        stages,
                        "site search",
                        lambda: _site_search(build_dir, fresh, site_dir, searching),
                        str,
                    )
                    writer.wait()  # the terminal's index, written meanwhile
                log.info("site: %s", site_dir)
        warnings = page_warnings.count + rendered.warnings
        return BuildReport(
            site_dir,
            len(shown),
            len(tips) - len(shown),
            written,
            warnings,
            tuple(stages),
            rendered,
            searched,
        )


def _stage(
    stages: list[tuple[str, float]], name: str, run: Callable[[], T], describe: Callable[[T], str]
) -> T:
    """Run one stage, log `name: what (seconds)` and record its time."""
    start = time.perf_counter()
    try:
        result = run()
    except OSError as err:  # read-only, disk full, a file where a folder goes
        raise OutputError.from_os(err, f"the {name} stage failed") from err
    gc.freeze()  # see _long_lived
    seconds = time.perf_counter() - start
    stages.append((name, seconds))
    log.info("%s: %s (%.2f s)", name, describe(result), seconds)
    return result


@contextmanager
def _long_lived() -> Iterator[None]:
    """Keep what each stage leaves (tips, pages, indexes) out of the garbage collector's
    walks until the build ends. Python's collector walks every live object now and
    then: with 10,000 tips loaded, those walks were a third of a rebuild's tagging and
    indexing, and they grow with the corpus. gc.freeze() exempts the objects alive
    when it is called; unfreezing at the end lets a long-running preview server free them.
    """
    try:
        yield
    finally:
        gc.unfreeze()


def _load(content_dir: Path, strict: bool, build_dir: Path) -> Content:
    """Load and check the content; tip files unchanged since the last build are not re-parsed."""
    cache = Cache.open(content_cache(build_dir))
    content = load_content(content_dir, strict=strict, cache=cache)
    cache.save()  # only now: bad content leaves nothing written
    return content


def _start_site_search(build_dir: Path, site_dir: Path, records: str) -> Indexing | None:
    """Pagefind over the records just written, running while the build goes on; None when
    the published site's index was made from the same records (`records`, their digest)
    and is taken as it is."""
    if indexed_records(site_dir) == records:
        return None
    return Indexing.start(build_dir / RECORDS, build_dir / PAGEFIND_NEXT, records)


def _site_search(
    build_dir: Path, fresh: Path, site_dir: Path, searching: SearchStats | Indexing
) -> SearchStats:
    """The search page's data files and Pagefind's index, into the rendered site: the one
    Pagefind is making (`searching` an Indexing), or else the published site's."""
    install_data(build_dir / SEARCH_DATA, fresh)
    if isinstance(searching, Indexing):
        indexed = searching.finish(fresh)
        return SearchStats(indexed, records=searching.made_from, seconds=searching.seconds)
    link_index(site_dir, fresh)
    return searching


def refresh_site_search(
    build_dir: Path, site_dir: Path, search: SearchStats, stop: threading.Event | None = None
) -> int:
    """After a preview build that kept the published index (`search` pending): write the
    records of its site, and remake the index if they changed; how many tips it indexed.
    Setting `stop` (a newer build is waiting for the build folder) ends it early:
    Superseded, the published index left as it was."""
    if search.site is None:
        return 0
    with _locked(build_dir):
        records = _write_records(search.site, build_dir)
        if indexed_records(site_dir) == records:
            return 0
        return replace_index(build_dir / RECORDS, site_dir, records, stop)


def _count_tips(content: Content) -> str:
    return f"{len(content.tips)} tips"


def _describe_tagged(result: tuple[tuple[Tip, ...], int]) -> str:
    tips, computed = result
    return f"{len(tips)} tips, {computed} tagged afresh"


def _tag(content: Content, build_dir: Path) -> tuple[tuple[Tip, ...], int]:
    """Auto-tag every tip in memory (cached between builds); the tip files stay as written."""
    return tag_all(content.tips, content.taxonomy, build_dir / CACHE / TAGS_CACHE)


def _pages(
    site: Site, build_dir: Path, site_dir: Path, later: bool, background: contextlib.ExitStack
) -> tuple[WriteStats, SearchStats | Indexing]:
    """The pages for the engine, and the tips' records for the site search. Pagefind
    starts on the records as soon as they are written (its run ends with `background`),
    unless the published site's index is kept (see _start_site_search): then what the
    site search stage will say instead. With `later` (the preview), a site that has an
    index keeps it, and its records are written after the reload (refresh_site_search)."""
    bodies = render_bodies(site.tips, build_dir / CACHE / BODIES_CACHE)
    site = dataclasses.replace(site, bodies=bodies)
    searching: SearchStats | Indexing
    if later and indexed_records(site_dir) is not None:
        searching = SearchStats(site=site)
    else:
        records = _write_records(site, build_dir)
        indexing = _start_site_search(build_dir, site_dir, records)
        searching = background.enter_context(indexing) if indexing else SearchStats(records=records)
    write_pages(search_data(site, build_dir / CACHE / WORDS_CACHE), build_dir / SEARCH_DATA)
    return write_pages(render_pages(site), build_dir / DOCS), searching


def _write_records(site: Site, build_dir: Path) -> str:
    """Write the tips' search records; their digest, which tells whether the published
    index was made from them."""
    records = search_records(site, build_dir / CACHE / SEARCHED_CACHE)
    write_pages(records, build_dir / RECORDS)
    return digest_of(records)


class _IndexWriter:
    """Writes the search index: inline when few tips changed, else in the build's worker
    process while the pages and MkDocs run (whoosh is pure Python, so a thread would
    not run alongside). Leaving the `with` block waits for that write to end, so the
    build lock is held until the index is whole."""

    def __init__(self) -> None:
        self._future: Future[None] | None = None

    def __enter__(self) -> _IndexWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._future is not None:
            futures.wait([self._future])

    def start(self, plan: IndexPlan, write: IndexWrite | None) -> IndexPlan:
        """Write now, or hand the write to a worker; either way its documents (every
        tip's words and text, on a cold build) are then freed here, not kept to the end."""
        if write is None:
            return plan
        if write.documents >= BACKGROUND_DOCUMENTS:
            self._future = workers.background(write)
        if self._future is None:
            write()
        return plan

    def describe(self, plan: IndexPlan) -> str:
        return f"{plan.stats}" + (", writing in the background" if self._future else "")

    def wait(self) -> None:
        """Wait for a background write; raise what it raised."""
        if self._future is None:
            return
        try:
            self._future.result()
        except BrokenProcessPool as err:
            raise BuildError(f"the search index writer stopped: {err}") from None


def kept_site(build_dir: Path) -> Kept:
    """The rendered site a build folder keeps for the next build."""
    return Kept(build_dir / RENDERED, build_dir / CACHE / RENDERED_STATE, build_dir / SPARE)


def _locked(build_dir: Path) -> AbstractContextManager[None]:
    """One build at a time per build folder: two would overwrite each other's pages."""
    busy = f"another build is running in {build_dir}; wait for it to finish"
    return exclusive(build_dir / ".lock", busy)


@contextmanager
def fresh_site(site_dir: Path, recycle: Kept | None = None) -> Iterator[Path]:
    """A folder beside `site_dir` for the engine to build into (new, or the spare site to
    bring up to date), swapped in as `site_dir` when the block ends; removed instead when
    it raises, so a failed build leaves the previous site as it was."""
    try:
        site_dir.parent.mkdir(parents=True, exist_ok=True)
        _clean_leftovers(site_dir)
        fresh = _fresh(site_dir, recycle)
    except OSError as err:
        raise _os_error(err, "cannot prepare the site folder") from None
    try:
        yield fresh
        outdir.mark(fresh)
        _swap(fresh, site_dir, recycle)
    except OSError as err:
        shutil.rmtree(fresh, ignore_errors=True)
        raise _os_error(err, "cannot write the site") from None
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def run_engine(
    engine: str,
    config_file: Path,
    docs_dir: Path,
    out_dir: Path,
    *,
    strict: bool,
    jobs: int,
    kept: Kept | None = None,
) -> RenderStats:
    """Render the generated pages in `docs_dir` into `out_dir` with MkDocs (only the pages
    changed since the site `kept` holds) or Zensical; what was rendered, and the engine's
    warnings (in strict mode any warning fails)."""
    if engine == "zensical":
        return run_zensical(config_file, docs_dir, out_dir, strict=strict)
    return run_mkdocs(config_file, docs_dir, out_dir, strict=strict, jobs=jobs, kept=kept)


def _os_error(err: OSError, what: str) -> BuildError:
    """`path: what failed (errno text)`, for a disk that is full, read-only or busy."""
    return BuildError(f"{err.filename or '?'}: {what} ({err.strerror or err})")


def run_mkdocs(
    config_file: Path,
    docs_dir: Path,
    out_dir: Path,
    *,
    strict: bool = False,
    jobs: int = 2,
    kept: Kept | None = None,
) -> RenderStats:
    """MkDocs' build (on both CPUs where it can, only the changed pages where `kept`
    allows), quiet but for its warnings, which are logged and counted."""
    from mkdocs.exceptions import MkDocsException

    # Compiled templates are kept in the build folder's cache, beside the kept site's state.
    templates = str(kept.state_file.with_name("templates")) if kept is not None else ""
    settings = Settings(
        str(config_file), str(docs_dir.absolute()), str(out_dir), strict, jobs, templates
    )
    warnings = _Forward()
    with mkdocs_records(warnings):
        try:
            rendered = build_site(settings, kept)
        except MkDocsException as err:
            raise BuildError(f"MkDocs: {err.format_message()}") from None
    return dataclasses.replace(rendered, warnings=warnings.count)


class _Count(logging.Handler):
    """Counts the warnings our own stages log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def _counting() -> Iterator[_Count]:
    counter = _Count()
    logging.getLogger("generator").addHandler(counter)
    try:
        yield counter
    finally:
        logging.getLogger("generator").removeHandler(counter)


class _Forward(logging.Handler):
    """MkDocs' warnings, passed on to our log and counted."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        log.warning("mkdocs: %s", record.getMessage())


def _fresh(site_dir: Path, recycle: Kept | None) -> Path:
    """The folder to build the new site in, beside the site folder: new and empty, or the
    site the last swap took out, to be brought up to date (generator.site.kept)."""
    fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-build-", dir=site_dir.parent))
    fresh.chmod(0o755)  # mkdtemp's 0700 would hide the site from the web server
    if recycle is not None and recycle.spare.is_dir():
        try:
            os.replace(recycle.spare, fresh)  # onto an empty folder; not across disks
        except OSError as err:
            log.debug("not recycling %s: %s", recycle.spare, err.strerror)
    return fresh


def _swap(fresh: Path, site_dir: Path, recycle: Kept | None = None) -> None:
    """Replace `site_dir` by `fresh`: two renames, the old site kept until the new one is
    in; then kept as the spare to recycle, or deleted."""
    if not site_dir.exists():
        os.replace(fresh, site_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-old-", dir=site_dir.parent))
    os.replace(site_dir, old)  # onto an empty folder: allowed, and atomic
    os.replace(fresh, site_dir)
    if recycle is not None:
        try:
            shutil.rmtree(recycle.spare, ignore_errors=True)  # one a Zensical build left
            recycle.spare.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, recycle.spare)
            return
        except OSError as err:  # another disk: deleted instead
            log.debug("not keeping %s to recycle: %s", old, err.strerror)
    shutil.rmtree(old, ignore_errors=True)


def _clean_leftovers(site_dir: Path) -> None:
    """Remove what killed builds left behind; restore the old site if the swap was cut short."""
    parent, name = site_dir.parent, site_dir.name
    olds = sorted(parent.glob(f".{name}-old-*"), key=lambda p: p.stat().st_mtime)
    if not site_dir.exists() and olds:
        log.warning("restoring %s from %s (a build was stopped mid-swap)", site_dir, olds[-1])
        os.replace(olds.pop(), site_dir)
    for leftover in [*olds, *parent.glob(f".{name}-build-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


# --- the other commands, on the same load + tag path ----------------------------------------


def tag_files(
    content_dir: Path,
    files: Sequence[Path] = (),
    *,
    write: bool = False,
    explain: bool = False,
    build_dir: Path = BUILD_DIR,
) -> TagRun:
    """`tipkb tag`: what auto-tagging changes in the named tips, tagged as a build tags them."""
    content = _load(content_dir, False, build_dir)
    with _locked(build_dir):
        tagged = _tag(content, build_dir)[0]
    return tag_run(content, tagged, files, write=write, explain_tags=explain)


def search_tips(
    content_dir: Path,
    query: str,
    *,
    situation: str | None = None,
    technique: str | None = None,
    limit: int = 10,
    build_dir: Path = BUILD_DIR,
) -> SearchResults:
    """`tipkb search`: the site's tips, tagged as a build tags them, in the build's index."""
    check_query(query)  # before the content is loaded: a bad query fails at once
    content = _load(content_dir, False, build_dir)
    check_filters(content.taxonomy, situation, technique)  # before the index is touched
    with _locked(build_dir):
        tips = visible_tips(_tag(content, build_dir)[0], clock.today())
        index_dir = build_dir / INDEX
        update_index(tips, content.taxonomy, index_dir)
        return search(
            index_dir,
            query,
            content.taxonomy,
            situation=situation,
            technique=technique,
            limit=limit,
        )


def import_pages(pages: Sequence[Path], content_dir: Path, *, force: bool = False) -> ImportReport:
    """`tipkb import`: scraped pages into tip files, each tagged as it is written."""
    return importing.import_pages(pages, content_dir, force=force, tag=tag_tip)


def evaluate_search(content_dir: Path, queries: Path) -> SearchEvaluation:
    """`tipkb eval search`: hit@3 and MRR@10 of the terminal search on labelled queries,
    per split, on a fresh index of the content's tips tagged afresh (not the build's)."""
    content = load_content(content_dir)
    tips = visible_tips(tuple(tag_tip(t, content.taxonomy) for t in content.tips), clock.today())
    labelled = search_evaluation.load_queries(queries, {t.slug for t in tips})
    with tempfile.TemporaryDirectory(prefix="tipkb-eval-") as tmp:
        index_dir = Path(tmp)
        update_index(tips, content.taxonomy, index_dir)
        try:
            outcomes = search_evaluation.run_queries(
                labelled,
                lambda text: search(index_dir, text, content.taxonomy, limit=MRR_AT).slugs,
            )
        finally:
            OPEN.close(index_dir)
    return SearchEvaluation(queries, outcomes)
