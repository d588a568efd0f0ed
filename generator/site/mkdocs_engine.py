"""MkDocs' build, with its pages rendered on both of the build's CPUs.

MkDocs renders one page after another in one process; at 2,000 tips that is most of
a build. A page outside the navigation (a tip, a term page, a hub's later pages)
depends only on its own Markdown, the configuration and the navigation, so the
build's worker process (workers.map_shared) renders and writes part of those pages,
after loading the same configuration and running the same plugin events up to the
navigation. What MkDocs keeps from each page for the end of the build (the search
plugin's entries, the anchors for its link check, its warnings) comes back with the
page and is used in page order, so the site is byte for byte MkDocs' own: a test
holds it to that.

This follows mkdocs.commands.build.build of MkDocs CHECKED_MKDOCS step by step and
calls its page helpers. With another MkDocs, a plugin other than search (which may
keep state across pages), or one job asked for (`tipkb build --jobs 1`), MkDocs' own
build runs instead, and the log says why. The test extras pin that MkDocs, and a test
fails if another version is installed and this path is still taken.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator import workers

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

SHAREABLE_PLUGINS = frozenset({"search", "material/search"})
CHECKED_MKDOCS = "1.6.1"  # the one MkDocs whose build this follows
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """What loads the same MkDocs configuration in either process."""

    config_file: str
    docs_dir: str
    site_dir: str
    strict: bool
    jobs: int = 2  # 1: MkDocs' own build, in this process only

    def load(self) -> MkDocsConfig:
        from mkdocs.config import load_config

        return load_config(
            config_file=self.config_file,
            docs_dir=self.docs_dir,
            site_dir=self.site_dir,
            strict=self.strict,
        )


@dataclass(frozen=True)
class Rendered:
    """What the end of the build needs from a page rendered and written in either process."""

    src_uri: str
    entries: list[dict[str, Any]]  # the search plugin's, for this page
    anchors: set[str] | None  # ids on the page, for links to it
    links: dict[str, dict[str, str]] | None  # links to anchors, by target file
    warnings: list[tuple[int, str]]  # MkDocs' log records at WARNING and above


def build_site(settings: Settings) -> None:
    """Build the site as `mkdocs build` would, on two CPUs where MkDocs allows it.

    Raises what MkDocs raises (mkdocs.exceptions.MkDocsException on bad content or
    configuration; Abort on warnings in strict mode).
    """
    from mkdocs.commands.build import build as mkdocs_build

    config = settings.load()
    reason = "one job was asked for" if settings.jobs < 2 else why_not_shared(config)
    if reason:
        log.info("MkDocs renders on one CPU: %s", reason)
        mkdocs_build(config)
        return
    from mkdocs.utils import CountHandler

    counter = CountHandler()
    counter.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(counter)
    try:
        _build(settings, config)
    except Exception as err:
        config.plugins.on_build_error(error=err)
        raise
    finally:
        logging.getLogger("mkdocs").removeHandler(counter)
    if settings.strict and (counts := counter.get_counts()):
        from mkdocs.exceptions import Abort

        found = ", ".join(f"{n} {level.lower()}s" for level, n in counts)
        raise Abort(f"Aborted with {found} in strict mode!")


def why_not_shared(config: MkDocsConfig) -> str:
    """Why this MkDocs or these plugins do not let pages render in two processes ('' if they do)."""
    import mkdocs

    if mkdocs.__version__ != CHECKED_MKDOCS:
        return f"this is MkDocs {mkdocs.__version__}; the two-CPU build follows {CHECKED_MKDOCS}"
    others = sorted(set(config.plugins) - SHAREABLE_PLUGINS)
    return f"the plugins {', '.join(others)} may keep state across pages" if others else ""


def shareable(config: MkDocsConfig) -> bool:
    """Whether this MkDocs and these plugins let pages be rendered in two processes."""
    return not why_not_shared(config)


def _build(settings: Settings, config: MkDocsConfig) -> None:
    """MkDocs' build steps, in its order, the pages outside the navigation shared."""
    site = _Site.open(config, clean=True)
    site.copy_static_files()
    shared = [f.src_uri for f in site.doc_files if f.src_uri not in site.nav_uris]
    _OPEN[settings] = site  # this process renders its share with what it has already loaded
    try:
        rendered = workers.map_shared(functools.partial(_render, settings), shared)
    finally:
        del _OPEN[settings]
    by_uri = {r.src_uri: r for r in rendered}
    for page in site.nav_pages:
        by_uri[page.file.src_uri] = site.render(page, populated=True)
    for file in site.doc_files:
        _log(by_uri[file.src_uri].warnings)
    site.restore(by_uri)
    level = config.validation.links.anchors
    for file in site.doc_files:
        assert file.page is not None
        file.page.validate_anchor_links(files=site.files, log_level=level)
    config.plugins.on_post_build(config=config)


_OPEN: dict[Settings, _Site] = {}  # this process's loaded site, by the settings it came from


def _render(settings: Settings, src_uris: Sequence[str]) -> list[Rendered]:
    """In either process: render and write these pages."""
    site = _OPEN.get(settings)
    if site is None:  # the worker, on its first share of this build
        _OPEN.clear()  # an earlier build's
        with mkdocs_records(_Kept()):  # the build's own process reports the same
            site = _OPEN[settings] = _Site.open(settings.load(), clean=False)
    return [site.render(site.page(uri)) for uri in src_uris]


@dataclass
class _Site:
    """One process's MkDocs build, loaded up to the navigation."""

    config: MkDocsConfig
    files: Files
    nav: Navigation
    env: jinja2.Environment
    doc_files: Sequence[File]
    nav_pages: list[Page]

    @functools.cached_property
    def nav_uris(self) -> frozenset[str]:
        return frozenset(p.file.src_uri for p in self.nav_pages)

    @classmethod
    def open(cls, config: MkDocsConfig, *, clean: bool) -> _Site:
        """Everything MkDocs does before building pages, and the navigation's pages
        populated (their titles are in every page's navigation). `clean` empties
        the site folder: the build's own process does, once."""
        from mkdocs import utils
        from mkdocs.commands import build as mk

        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        if clean:
            utils.clean_directory(config.site_dir)
        files = mk.get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        mk.set_exclusions(files, config)
        nav = mk.get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)
        doc_files = files.documentation_pages(inclusion=mk.InclusionLevel.is_included)
        for file in doc_files:
            if file.page is None and file.inclusion.is_not_in_nav():
                mk.Page(None, file, config)
        nav_pages = [p for p in nav.pages if p.file.inclusion.is_included()]
        for page in nav_pages:
            mk._populate_page(page, config, files)
        env = config.plugins.on_env(env, config=config, files=files)
        return cls(config, files, nav, env, doc_files, nav_pages)

    def copy_static_files(self) -> None:
        """Theme assets and templates (404 page), as MkDocs writes them before the pages."""
        from mkdocs.commands import build as mk

        self.files.copy_static_files(dirty=False, inclusion=mk.InclusionLevel.is_included)
        for template in self.config.theme.static_templates:
            mk._build_theme_template(template, self.env, self.files, self.config, self.nav)
        for template in self.config.extra_templates:
            mk._build_extra_template(template, self.files, self.config, self.nav)

    def page(self, src_uri: str) -> Page:
        file = self.files.get_file_from_path(src_uri)
        assert file is not None and file.page is not None, src_uri
        return file.page

    def render(self, page: Page, *, populated: bool = False) -> Rendered:
        """Render one page and write it; what the end of the build needs comes back."""
        from mkdocs.commands import build as mk

        entries = self.search_entries
        before = len(entries)
        with _captured() as warnings:
            if not populated:
                mk._populate_page(page, self.config, self.files)
            mk._build_page(page, self.config, self.doc_files, self.nav, self.env)
        mine = entries[before:]
        del entries[before:]
        links = page.links_to_anchors
        if page.file.src_uri not in self.nav_uris:
            page.content = page.markdown = None  # MkDocs keeps them to the end; no one reads them
        return Rendered(
            page.file.src_uri,
            mine,
            page.present_anchor_ids,
            None if links is None else {f.src_uri: anchors for f, anchors in links.items()},
            warnings,
        )

    def restore(self, rendered: dict[str, Rendered]) -> None:
        """Give the pages, wherever they were rendered, what MkDocs' end of build reads:
        their anchors for the link check, and the search entries in page order."""
        for file in self.doc_files:
            done = rendered[file.src_uri]
            assert file.page is not None
            file.page.present_anchor_ids = done.anchors
            file.page.links_to_anchors = None
            if done.links is not None:
                target = self.files.get_file_from_path
                file.page.links_to_anchors = {target(u): a for u, a in done.links.items()}
        self.search_entries[:] = [e for f in self.doc_files for e in rendered[f.src_uri].entries]

    @functools.cached_property
    def search_entries(self) -> list[dict[str, Any]]:
        """The search plugin's entries (a list no one reads when there is no plugin)."""
        for plugin in self.config.plugins.values():
            index = getattr(plugin, "search_index", None)
            if index is not None:
                return index.entries
        return []


@contextmanager
def mkdocs_records(handler: logging.Handler) -> Iterator[None]:
    """Within the block, MkDocs' records at WARNING and above go to `handler` alone."""
    logger = logging.getLogger("mkdocs")
    saved = logger.level, logger.propagate, logger.handlers[:]
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.handlers[:] = [handler]
    try:
        yield
    finally:
        logger.setLevel(saved[0])
        logger.propagate, logger.handlers[:] = saved[1], saved[2]


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


@contextmanager
def _captured() -> Iterator[list[tuple[int, str]]]:
    """MkDocs' warnings and errors, kept instead of logged: the build's own process
    logs them, all in page order, wherever the page was rendered. A page that fails
    has them logged at once, where it failed: MkDocs' error names the page."""
    kept = _Kept()
    try:
        with mkdocs_records(kept):
            yield kept.records
    except BaseException:
        _log(kept.records)
        raise


def _log(records: Sequence[tuple[int, str]]) -> None:
    for level, message in records:
        logging.getLogger("mkdocs").log(level, message)
