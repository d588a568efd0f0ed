"""MkDocs' build, with its pages rendered on both of the build's CPUs, and only the pages
that changed since the last build rendered again.

MkDocs renders one page after another in one process; at 2,000 tips that is most of
a build. A page outside the navigation (a tip, a term page, a hub's later pages)
depends only on its own Markdown, the configuration and the navigation, so the
build's worker process (workers.map_shared) renders and writes part of those pages,
after loading the same configuration and running the same plugin events up to the
navigation. What MkDocs keeps from each page for the end of the build (the search
plugin's entries, the anchors for its link check, its warnings) comes back with the
page and is used in page order, so the site is byte for byte MkDocs' own: a test
holds it to that.

The same goes for a page rendered by an earlier build: with a kept copy of the last
site (generator.site.kept), a build renders only the pages whose Markdown changed, and
those whose links looked for a file that has since appeared or gone (each page's
lookups among the site's files are recorded); every other page is its kept file, and
what the end of the build needs from it is in the kept state. The 404 page and the
search index are written by every build. Everything else a page's HTML depends on is
the configuration, the theme and the installed packages (a fingerprint of them), and
the navigation every page shows (its titles, addresses and front matter): when either
changed, every page is rendered, and the log says why; so with a Markdown extension that
puts other files into pages (FILE_READING_EXTENSIONS). A test holds the site of such a
build to be a cold build's, byte for byte, after each kind of edit.

This follows mkdocs.commands.build.build of MkDocs CHECKED_MKDOCS step by step and
calls its page helpers. With another MkDocs, a plugin other than search (which may
keep state across pages), or one job asked for (`tipkb build --jobs 1`), MkDocs' own
build runs instead, on every page, and the log says why. The test extras pin that
MkDocs, and a test fails if another version is installed and this path is still taken.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import logging
import shutil
import sysconfig
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from generator import workers
from generator.cache import digest, file_key
from generator.site.kept import Kept, RenderStats

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

SHAREABLE_PLUGINS = frozenset({"search", "material/search"})
# Markdown extensions that put other files into a page: its HTML changes with them, which
# its own Markdown does not show, so with one of these every page is rendered.
FILE_READING_EXTENSIONS = frozenset({"pymdownx.snippets", "markdown_include.include"})
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
    templates: str = ""  # where compiled templates are kept (generator.site.templates_cache)

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
    """What the end of the build needs from a page rendered and written in either process
    (or in an earlier build: the kept state holds it)."""

    src_uri: str
    entries: list[dict[str, Any]]  # the search plugin's, for this page
    anchors: set[str] | None  # ids on the page, for links to it
    links: dict[str, dict[str, str]] | None  # links to anchors, by target file
    warnings: list[tuple[int, str]]  # MkDocs' log records at WARNING and above
    lookups: frozenset[str] = frozenset()  # the files its links looked for, found or not


def build_site(settings: Settings, kept: Kept | None = None) -> RenderStats:
    """Build the site as `mkdocs build` would, on two CPUs where MkDocs allows it, and
    rendering only the pages that changed since the site `kept` holds, if any.

    Raises what MkDocs raises (mkdocs.exceptions.MkDocsException on bad content or
    configuration; Abort on warnings in strict mode).
    """
    from mkdocs.commands.build import build as mkdocs_build

    config = settings.load()
    reason = "one job was asked for" if settings.jobs < 2 else why_not_shared(config)
    if reason:
        log.info("MkDocs renders on one CPU: %s", reason)
        mkdocs_build(config)
        pages = sum(1 for _ in Path(settings.docs_dir).rglob("*.md"))
        return RenderStats(pages, pages, full=reason)
    from mkdocs.utils import CountHandler

    counter = CountHandler()
    counter.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(counter)
    try:
        stats = _build(settings, config, kept)
    except Exception as err:
        config.plugins.on_build_error(error=err)
        raise
    finally:
        logging.getLogger("mkdocs").removeHandler(counter)
    if settings.strict and (counts := counter.get_counts()):
        from mkdocs.exceptions import Abort

        found = ", ".join(f"{n} {level.lower()}s" for level, n in counts)
        raise Abort(f"Aborted with {found} in strict mode!")
    return stats


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


def _build(settings: Settings, config: MkDocsConfig, kept: Kept | None) -> RenderStats:
    """Only the pages that changed, where the kept site allows; else every page."""
    state = kept.load() if kept is not None else None
    reading = sorted(set(config.markdown_extensions) & FILE_READING_EXTENSIONS)
    if kept is None:
        reason = ""
    elif reading:
        reason = f"the Markdown extensions {', '.join(reading)} read files no page names"
    elif not isinstance(state, _State):
        reason = "no rendered site is kept from an earlier build"
    else:
        done = _build_changed(settings, config, kept, state)
        if isinstance(done, RenderStats):
            return done
        reason = done
        config = settings.load()  # afresh: the plugins' events ran on the first one
    if reason:
        log.info("MkDocs renders every page: %s", reason)
    return _build_all(settings, config, kept, reason)


def _build_all(
    settings: Settings, config: MkDocsConfig, kept: Kept | None, reason: str
) -> RenderStats:
    """MkDocs' build steps, in its order, the pages outside the navigation shared."""
    site = _Site.open(config, clean=True, templates=settings.templates)
    site.populate()
    site.copy_static_files()
    by_uri = _render_pages(settings, site, [f.src_uri for f in site.doc_files])
    site.finish(by_uri)
    if kept is not None:
        sources = {f.src_uri: _source(f, None) for f in site.doc_files}
        fingerprint = _fingerprint(config, site.files)
        kept.replace(Path(config.site_dir), _State.of(site, fingerprint, by_uri, sources))
    return RenderStats(len(site.doc_files), len(site.doc_files), full=reason)


def _build_changed(
    settings: Settings, config: MkDocsConfig, kept: Kept, state: _State
) -> RenderStats | str:
    """Render the pages that changed into an empty folder beside the site folder (which
    may hold an older site), then make the site folder the kept site with them; or why
    every page must be rendered instead (then nothing has been written)."""
    site_dir = Path(settings.site_dir)
    staging = Path(tempfile.mkdtemp(prefix=f"{site_dir.name}-pages-", dir=site_dir.parent))
    try:
        mine = dataclasses.replace(settings, site_dir=str(staging))  # for the worker
        config.site_dir = str(staging)
        done = _render_changed(mine, config, state)
        if isinstance(done, str):
            return done
        site, plan, rendered = done
        dests = {site.page(u).file.dest_uri for u in plan.render}
        written = kept.sync(site_dir, staging, dests | plan.gone)
        fingerprint = state.fingerprint  # unchanged, or nothing would have been rendered
        new_state = _State.of(site, fingerprint, rendered, plan.sources, state)
        kept.update(site_dir, written, (dests | plan.gone) - written, new_state)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RenderStats(len(site.doc_files), len(plan.render))


def _render_changed(
    settings: Settings, config: MkDocsConfig, state: _State
) -> tuple[_Site, _Plan, dict[str, Rendered]] | str:
    """Render into the (empty) site folder the pages that changed since `state`, and what
    every build writes; every page's Rendered, kept or new. Or why all must be rendered."""
    site = _Site.open(config, clean=False, templates=settings.templates, theme=state.theme)
    if _fingerprint(config, site.files) != state.fingerprint:
        return "the configuration, the theme or an installed package changed"
    plan = _Plan.of(site, state)
    reuse = {u: state.nav_pages[u] for u in site.nav_uris - plan.render if u in state.nav_pages}
    site.populate(reuse)
    if _nav_digest(site.nav) != state.nav:
        return "the navigation changed"
    site.write_templates()  # the static files are the kept ones: the fingerprint holds
    rendered = _render_pages(settings, site, [u for u in site.uris if u in plan.render])
    by_uri = {u: state.pages[u].rendered for u in site.uris if u not in plan.render}
    by_uri.update(rendered)
    site.finish(by_uri)
    return site, plan, by_uri


def _render_pages(settings: Settings, site: _Site, uris: Sequence[str]) -> dict[str, Rendered]:
    """Render and write these pages: those outside the navigation shared with the worker,
    the navigation's here (they are populated already)."""
    shared = [u for u in uris if u not in site.nav_uris]
    _OPEN[settings] = site  # this process renders its share with what it has already loaded
    try:
        rendered = workers.map_shared(functools.partial(_render, settings), shared)
    finally:
        del _OPEN[settings]
    by_uri = {r.src_uri: r for r in rendered}
    for page in site.nav_pages:
        if page.file.src_uri in uris:
            by_uri[page.file.src_uri] = site.render(page, populated=True)
    return by_uri


_OPEN: dict[Settings, _Site] = {}  # this process's loaded site, by the settings it came from


def _render(settings: Settings, src_uris: Sequence[str]) -> list[Rendered]:
    """In either process: render and write these pages."""
    site = _OPEN.get(settings)
    if site is None:  # the worker, on its first share of this build
        _OPEN.clear()  # an earlier build's
        with mkdocs_records(_Kept()):  # the build's own process reports the same
            site = _OPEN[settings] = _Site.open(
                settings.load(), clean=False, templates=settings.templates
            )
            site.populate()
    return [site.render(site.page(uri)) for uri in src_uris]


@dataclass(frozen=True)
class _NavPage:
    """What every page shows of a page of the navigation, besides its address."""

    title: str | None
    meta: dict[str, Any]


class _Lookups:
    """Files.get_file_from_path, noting which paths each page looked for: a page's links
    come out otherwise once a file they looked for appears or goes."""

    def __init__(self, files: Files, config: MkDocsConfig) -> None:
        self._find = files.get_file_from_path
        self._config = config
        self.by_page: dict[str, set[str]] = {}

    def __call__(self, path: str) -> File | None:
        page = getattr(self._config, "_current_page", None)  # set by MkDocs while rendering
        if page is not None:
            self.by_page.setdefault(page.file.src_uri, set()).add(PurePath(path).as_posix())
        return self._find(path)


@dataclass
class _Site:
    """One process's MkDocs build, loaded up to the navigation."""

    config: MkDocsConfig
    files: Files
    nav: Navigation
    env: jinja2.Environment
    doc_files: Sequence[File]
    nav_pages: list[Page]
    lookups: _Lookups
    theme: _Theme

    @functools.cached_property
    def nav_uris(self) -> frozenset[str]:
        return frozenset(p.file.src_uri for p in self.nav_pages)

    @functools.cached_property
    def uris(self) -> list[str]:
        """Every page's, in MkDocs' order."""
        return [f.src_uri for f in self.doc_files]

    @classmethod
    def open(
        cls,
        config: MkDocsConfig,
        *,
        clean: bool,
        templates: str = "",
        theme: _Theme | None = None,
    ) -> _Site:
        """Everything MkDocs does before building pages but populating the navigation's
        pages (populate()). `clean` empties the site folder: the build's own process
        does, once. `templates`: where compiled templates are kept; `theme`: the
        theme's files as an earlier build listed them."""
        from mkdocs import utils
        from mkdocs.commands import build as mk

        from generator.site import templates_cache

        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        if clean:
            utils.clean_directory(config.site_dir)
        files = mk.get_files(config)
        env = config.theme.get_env()
        templates_cache.use(env, Path(templates) if templates else None)
        theme = _theme_files(env, config, theme)
        for path, folder in theme.files:  # as files.add_files_from_theme(env, config) does
            if files.get_file_from_path(path) is None:
                files.append(mk.File(path, folder, config.site_dir, config.use_directory_urls))
        files = config.plugins.on_files(files, config=config)
        mk.set_exclusions(files, config)
        lookups = _Lookups(files, config)
        files.get_file_from_path = lookups  # type: ignore[method-assign]
        nav = mk.get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)
        doc_files = files.documentation_pages(inclusion=mk.InclusionLevel.is_included)
        for file in doc_files:
            if file.page is None and file.inclusion.is_not_in_nav():
                mk.Page(None, file, config)
        nav_pages = [p for p in nav.pages if p.file.inclusion.is_included()]
        return cls(config, files, nav, env, doc_files, nav_pages, lookups, theme)

    def populate(self, reuse: Mapping[str, _NavPage] | None = None) -> None:
        """Populate the navigation's pages (their titles are in every page's navigation)
        but those in `reuse`, which get what an earlier build found; then MkDocs' env event."""
        from mkdocs.commands import build as mk

        for page in self.nav_pages:
            kept = (reuse or {}).get(page.file.src_uri)
            if kept is None:
                mk._populate_page(page, self.config, self.files)
            else:
                page.title, page.meta = kept.title, dict(kept.meta)
        self.env = self.config.plugins.on_env(self.env, config=self.config, files=self.files)

    def copy_static_files(self) -> None:
        """Theme assets and templates (404 page), as MkDocs writes them before the pages."""
        from mkdocs.commands import build as mk

        self.files.copy_static_files(dirty=False, inclusion=mk.InclusionLevel.is_included)
        self.write_templates()

    def write_templates(self) -> None:
        from mkdocs.commands import build as mk

        for template in self.config.theme.static_templates:
            mk._build_theme_template(template, self.env, self.files, self.config, self.nav)
        for template in self.config.extra_templates:
            mk._build_extra_template(template, self.files, self.config, self.nav)

    def page(self, src_uri: str) -> Page:
        file = self.files.src_uris.get(src_uri)
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
            frozenset(self.lookups.by_page.pop(page.file.src_uri, ())),
        )

    def finish(self, rendered: dict[str, Rendered]) -> None:
        """MkDocs' end of build, with every page rendered here, in the worker or earlier:
        their warnings in page order, the link check, the search index."""
        for file in self.doc_files:
            _log(rendered[file.src_uri].warnings)
        self.restore(rendered)
        level = self.config.validation.links.anchors
        for file in self.doc_files:
            assert file.page is not None
            file.page.validate_anchor_links(files=self.files, log_level=level)
        self.config.plugins.on_post_build(config=self.config)

    def restore(self, rendered: dict[str, Rendered]) -> None:
        """Give the pages, wherever they were rendered, what MkDocs' end of build reads:
        their anchors for the link check, and the search entries in page order."""
        for file in self.doc_files:
            done = rendered[file.src_uri]
            assert file.page is not None
            file.page.present_anchor_ids = done.anchors
            file.page.links_to_anchors = None
            if done.links is not None:
                target = self.files.src_uris.get
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


# --- what a kept site was rendered from ---------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """A page's Markdown file when it was rendered: its file key (None when it had just
    changed, see cache.file_key) and the digest of its text."""

    key: tuple[str, ...] | None
    digest: str


def _source(file: File, before: _Source | None) -> _Source:
    """The page's source now; `before` again if its file is untouched since then."""
    if file.abs_src_path is None:  # made by a plugin
        return _Source(None, hashlib.blake2b(file.content_bytes, digest_size=16).hexdigest())
    path = Path(file.abs_src_path)
    key = file_key(path)
    if before is not None and key is not None and key == before.key:
        return before
    return _Source(key, hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest())


@dataclass(frozen=True)
class _KeptPage:
    source: _Source
    dest_uri: str
    rendered: Rendered


@dataclass(frozen=True)
class _State:
    """What the kept site was rendered from and what its pages gave the end of the build."""

    fingerprint: str  # the configuration, theme and packages
    nav: str  # digest of the navigation as every page shows it
    nav_pages: dict[str, _NavPage]
    pages: dict[str, _KeptPage]
    theme: _Theme

    @classmethod
    def of(
        cls,
        site: _Site,
        fingerprint: str,
        rendered: Mapping[str, Rendered],
        sources: Mapping[str, _Source],
        before: _State | None = None,
    ) -> _State:
        nav_pages = {p.file.src_uri: _NavPage(p.title, dict(p.meta)) for p in site.nav_pages}
        kept = before.pages if before is not None else {}
        pages = {}
        for uri in site.uris:
            page = kept.get(uri)
            if (
                page is None
                or page.source is not sources[uri]
                or page.rendered is not rendered[uri]
            ):
                page = _KeptPage(sources[uri], site.page(uri).file.dest_uri, rendered[uri])
            pages[uri] = page
        return cls(fingerprint, _nav_digest(site.nav), nav_pages, pages, site.theme)


@dataclass(frozen=True)
class _Plan:
    """Which pages to render, given what the kept site was rendered from."""

    sources: dict[str, _Source]  # every page's, now
    render: frozenset[str]  # pages rendered afresh
    gone: frozenset[str]  # the kept files of pages no longer there

    @classmethod
    def of(cls, site: _Site, state: _State) -> _Plan:
        now = {f.src_uri: f for f in site.doc_files}
        moved = now.keys() ^ state.pages.keys()  # pages that appeared or went
        sources, render = {}, set()
        for uri, file in now.items():
            kept = state.pages.get(uri)
            sources[uri] = source = _source(file, kept.source if kept else None)
            if (
                kept is None
                or source.digest != kept.source.digest
                or not kept.rendered.lookups.isdisjoint(moved)
            ):
                render.add(uri)
        gone = frozenset(state.pages[u].dest_uri for u in state.pages.keys() - now.keys())
        return cls(sources, frozenset(render), gone)


@dataclass(frozen=True)
class _Theme:
    """The theme's static files (path, theme folder), and what the list is made from."""

    key: str
    files: tuple[tuple[str, str], ...]


def _theme_files(env: jinja2.Environment, config: MkDocsConfig, known: _Theme | None) -> _Theme:
    """The theme's static files, as Files.add_files_from_theme of MkDocs 1.6.1 finds them
    (every file of every theme folder, 14,500 of them with Material's icons, matched
    against its patterns: 0.45 s of each build); `known` again if made from the same."""
    import fnmatch
    import os

    from mkdocs import utils

    key = digest(
        [
            *_packages(),
            *config.theme.dirs,
            *sorted(config.theme.static_templates),  # a set: its order differs by process
            _own_theme(config),
        ]
    )
    if known is not None and known.key == key:
        return known
    patterns = [".*", "*/.*", "*.py", "*.pyc", "*.html", "*readme*", "mkdocs_theme.yml"]
    patterns.append("locales/*")
    patterns.extend(f"*{x}" for x in utils.markdown_extensions)
    patterns.extend(config.theme.static_templates)

    def static(name: str) -> bool:
        return not any(fnmatch.fnmatch(name.lower(), pattern) for pattern in patterns)

    found = []
    for path in env.list_templates(filter_func=static):
        folder = next((d for d in config.theme.dirs if os.path.isfile(os.path.join(d, path))), None)
        if folder is not None:
            found.append((path, folder))
    return _Theme(key, tuple(found))


def _own_theme(config: MkDocsConfig) -> str:
    """The files of the theme folders not installed as a package (whose version says)."""
    installed = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    parts = []
    for folder in config.theme.dirs:
        if not any(Path(folder).is_relative_to(place) for place in installed):
            parts += [f"{p}:{_bytes_digest(p)}" for p in sorted(Path(folder).rglob("*"))]
    return digest(parts)


def _nav_digest(nav: Navigation) -> str:
    """The navigation as every page shows it: titles, addresses, front matter."""

    def item(entry: Any) -> tuple[Any, ...]:
        if entry.is_page:
            return ("page", entry.title, entry.url, repr(sorted(entry.meta.items())))
        if entry.is_section:
            return ("section", entry.title, [item(child) for child in entry.children])
        return ("link", entry.title, entry.url)

    return digest(repr([item(entry) for entry in nav.items]))


# Not in any page (the folders' places), or described apart (plugins, theme).
_NOT_RENDERED = {
    "config_file_path",
    "docs_dir",
    "site_dir",
    "strict",
    "dev_addr",
    "plugins",
    "theme",
}


def _fingerprint(config: MkDocsConfig, files: Files) -> str:
    """What every page's HTML depends on but its own Markdown and the navigation: the
    configuration, the plugins' and theme's settings, the theme's own files (a package's
    by its version), the files of the docs folder that are not pages, the packages."""
    parts = [repr([(k, v) for k, v in config.items() if k not in _NOT_RENDERED])]
    parts.append(repr([(name, dict(p.config)) for name, p in config.plugins.items()]))
    parts.append(repr((dict(config.theme), config.theme.dirs)))
    parts += _packages()
    parts += _extension_sources(config.markdown_extensions)
    parts.append(_own_theme(config))
    for file in files:
        if file.src_dir == config.docs_dir and not file.is_documentation_page():
            parts.append(f"{file.src_uri}:{_bytes_digest(Path(file.abs_src_path or ''))}")
    if any(" at 0x" in part for part in parts):  # an object without a stable text
        log.info("the MkDocs configuration holds an object without a stable description")
        parts.append(repr(object()))  # so no earlier site matches
    return digest(parts)


def _extension_sources(extensions: Sequence[object]) -> list[str]:
    """The source of each Markdown extension that is a module of its own (the project's,
    generator.site.passthrough): its HTML changes with it, which no package version shows.
    Python-Markdown's own short names ("toc") go by the package's version."""
    found = []
    for name in extensions:
        if not isinstance(name, str) or "." not in name:
            continue
        try:
            spec = importlib.util.find_spec(name.split(":", 1)[0])
        except (ImportError, ValueError):
            continue  # MkDocs itself says it cannot load it
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            found.append(f"{name}:{_bytes_digest(Path(spec.origin))}")
    return found


def _bytes_digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest() if path.is_file() else ""


# What a page goes through from Markdown to HTML. (Every installed package would be
# surer, but listing them took 0.15 s, a tenth of a rebuild after one edit.)
RENDERING = (
    "mkdocs",
    "mkdocs-material",
    "mkdocs-material-extensions",
    "markdown",
    "pymdown-extensions",
    "jinja2",
    "markupsafe",
    "pygments",
    "babel",
)


@functools.cache
def _packages() -> list[str]:
    """The packages a page is rendered by, and their versions."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "none"

    return [f"{name}=={installed(name)}" for name in RENDERING]


# --- MkDocs' log ------------------------------------------------------------------------------


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
