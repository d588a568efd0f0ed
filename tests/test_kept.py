"""A build that renders only the pages that changed, into the site its build folder kept,
makes the site a cold build makes, byte for byte, whatever the edit; and the preview's
rebuild after an edit renders only the pages whose Markdown changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import docs_folder, eventually, make_project
from mkdocs.exceptions import Abort
from mkdocs.livereload import LiveReloadServer
from test_build import fake_python, stable_tree

from generator.build import BuildReport, build
from generator.serve import BANNER_CLASS, _Background, preview_server
from generator.site import mkdocs_engine, pagefind
from generator.site.kept import Kept, RenderStats
from generator.site.mkdocs_engine import Settings, build_site
from generator.site.pagefind import indexed_records

FIXTURE = Path(__file__).parent / "fixtures" / "site"
TODAY = dt.date(2025, 6, 1)
NERVOUS = "tips/2025-05-06-negate-the-nervousness.md"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _logs_reach_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CLI run in this process stops `generator` records from reaching the root logger."""
    monkeypatch.setattr(logging.getLogger("generator"), "propagate", True)


def tree(root: Path) -> dict[str, bytes]:
    """A built site's files, but for Pagefind's run-dependent ones (see test_build)."""
    return stable_tree(root)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def body(project: Path) -> None:
    tip = project / "content" / NERVOUS
    tip.write_text(tip.read_text(encoding="utf-8") + "\nOne more calm line.\n", "utf-8")


def title(project: Path) -> None:
    edit(project / "content" / NERVOUS, "title: Negate", "title: Defeat")


def add(project: Path) -> None:
    tip = (project / "content" / NERVOUS).read_text(encoding="utf-8")
    tip = tip.replace("Negate the Nervousness", "Calm the Caller").replace(
        "negate-the-nervousness", "calm-the-caller"
    )
    new = project / "content" / "tips" / "2025-05-27-calm-the-caller.md"
    new.write_text(tip.replace("date: 2025-05-06", "date: 2025-05-27"), "utf-8")


def delete(project: Path) -> None:
    (project / "content" / "tips" / "2014-07-08-defend-without-being-defensive.md").unlink()


def taxonomy(project: Path) -> None:
    edit(project / "content" / "taxonomy.yml", "label: Stay calm", "label: Keep calm")


def configuration(project: Path) -> None:
    edit(project / "mkdocs.yml", "site_name: Customer Service Tips", "site_name: Service Tips")


def theme(project: Path) -> None:
    sheet = project / "theme" / "assets" / "tipkb.css"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n/* wider */\n", "utf-8")


def nothing(project: Path) -> None:
    pass


def project_with_site(tmp_path: Path) -> Path:
    """A project like the checkout, with the fixture's content, built once."""
    project = make_project(tmp_path / "project")
    shutil.copytree(FIXTURE, project / "content")
    build_project(project)
    return project


def build_project(project: Path, site: str = "site", build_dir: str = "build") -> BuildReport:
    return build(project / "content", project / site, build_dir=project / build_dir, today=TODAY)


def same_as_cold(project: Path) -> None:
    build_project(project, "cold-site", "cold-build")
    kept, cold = tree(project / "site"), tree(project / "cold-site")
    assert sorted(kept.keys() ^ cold.keys()) == []
    assert [path for path in kept if kept[path] != cold[path]] == []


@pytest.mark.parametrize("change", [nothing, body, title, add, delete, taxonomy])
def test_a_build_after_an_edit_renders_the_changed_pages_and_is_a_cold_build(
    tmp_path: Path, change: Callable[[Path], None]
) -> None:
    project = project_with_site(tmp_path)
    change(project)
    report = build_project(project)
    # Exactly the pages whose Markdown changed (none of the fixture's links looks for
    # a tip page by its file, so no other page's links come out differently).
    assert report.rendered.rendered == report.pages.written
    assert report.rendered.rendered < report.rendered.pages or change is taxonomy
    assert report.rendered.full == ""
    same_as_cold(project)


def test_successive_edits_recycle_the_site_each_swap_took_out(tmp_path: Path) -> None:
    """From the third build on, the folder published is the site the swap before last
    took out, brought up to date: each build is still a cold build, byte for byte."""
    project = project_with_site(tmp_path)
    first = (project / "site" / "tips").stat().st_ino
    for number, change in enumerate([title, body, add, delete, taxonomy, nothing], 2):
        change(project)
        report = build_project(project)
        assert report.rendered.rendered == report.pages.written, change.__name__
        same_as_cold(project)
        shutil.rmtree(project / "cold-site")
        shutil.rmtree(project / "cold-build")
        if number == 3:  # the first site, taken out by the second build
            assert (project / "site" / "tips").stat().st_ino == first
        assert (project / "build" / "spare" / "tips").is_dir()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (configuration, "the configuration, the theme or an installed package changed"),
        (theme, "the configuration, the theme or an installed package changed"),
    ],
)
def test_what_every_page_depends_on_renders_every_page_and_says_why(
    tmp_path: Path, change: Callable[[Path], None], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    project = project_with_site(tmp_path)
    change(project)
    with caplog.at_level(logging.INFO, logger="generator"):
        report = build_project(project)
    assert report.rendered.rendered == report.rendered.pages
    assert f"MkDocs renders every page: {reason}" in caplog.text
    same_as_cold(project)


MINIMAL = "site_name: Links\ntheme: {name: material}\nnav: [{Home: index.md}]\nplugins: [search]\n"


def render(tmp_path: Path, name: str, *, strict: bool = False) -> RenderStats:
    """MkDocs' stage alone, on tmp_path/docs, into a new folder tmp_path/name."""
    config = tmp_path / "mkdocs.yml"
    config.write_text(MINIMAL, encoding="utf-8")
    settings = Settings(str(config), str(tmp_path / "docs"), str(tmp_path / name), strict)
    kept = Kept(tmp_path / "kept", tmp_path / "kept.pickle", tmp_path / "spare")
    kept = kept if name != "cold" else None
    return build_site(settings, kept)


HOME = "# Home\n"
LINKS_TO_B = "# A\n\nSee [B](b.md).\n"


def test_a_page_is_rendered_again_when_a_file_its_links_look_for_appears_or_goes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Its Markdown is the same, but MkDocs resolves its link (or warns) otherwise."""
    docs = docs_folder(tmp_path, {"index.md": HOME, "a.md": LINKS_TO_B, "c.md": "# C\n"})
    assert render(tmp_path, "one").rendered == 3
    (docs / "b.md").write_text("# B\n", encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        assert render(tmp_path, "two").rendered == 2  # b.md, and a.md whose link finds it
    assert "contains a link 'b.md'" not in caplog.text
    render(tmp_path, "cold")
    assert tree(tmp_path / "two") == tree(tmp_path / "cold")
    (docs / "b.md").unlink()
    shutil.rmtree(tmp_path / "cold")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        assert render(tmp_path, "three").rendered == 1  # a.md, which warns again
    assert "contains a link 'b.md'" in caplog.text
    render(tmp_path, "cold")
    assert tree(tmp_path / "three") == tree(tmp_path / "cold")


def test_a_kept_page_warns_as_it_did_and_fails_a_strict_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    docs = docs_folder(tmp_path, {"index.md": HOME, "a.md": LINKS_TO_B})
    render(tmp_path, "one")
    (docs / "index.md").write_text("# Home again\n", encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        assert render(tmp_path, "two").rendered == 1  # index.md; a.md is kept
    assert "Doc file 'a.md' contains a link 'b.md'" in caplog.text
    (docs / "index.md").write_text("# Home once more\n", encoding="utf-8")
    with pytest.raises(Abort, match="1 warnings in strict mode"):
        render(tmp_path, "three", strict=True)


def test_a_markdown_extension_that_reads_files_renders_every_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A snippet file changes the pages that include it, not their Markdown."""
    docs = docs_folder(tmp_path, {"index.md": HOME, "a.md": "# A\n"})
    config = MINIMAL + "markdown_extensions: [pymdownx.snippets]\n"
    settings = Settings(str(tmp_path / "mkdocs.yml"), str(docs), "", False)
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    kept = Kept(tmp_path / "kept", tmp_path / "kept.pickle", tmp_path / "spare")
    for name in ("one", "two"):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="generator"):
            mine = dataclasses.replace(settings, site_dir=str(tmp_path / name))
            assert build_site(mine, kept).rendered == 2
        assert "read files no page names" in caplog.text


def test_the_kept_site_is_checked_against_the_source_of_the_projects_markdown_extensions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page's HTML changes with an extension of the project's own, as
    generator.site.passthrough is, which no package's version shows."""
    source = tmp_path / "tipkb_test_ext" / "mark.py"
    source.parent.mkdir()
    (source.parent / "__init__.py").write_text("", encoding="utf-8")
    source.write_text("MARK = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    names = ["toc", "generator.site.passthrough", "tipkb_test_ext.mark", "no_such.extension"]
    before = mkdocs_engine._extension_sources(names)
    assert [n.split(":")[0] for n in before] == [
        "generator.site.passthrough",
        "tipkb_test_ext.mark",
    ]
    source.write_text("MARK = 2\n", encoding="utf-8")
    after = mkdocs_engine._extension_sources(names)
    assert before[0] == after[0] and before[1] != after[1]


KEYS = """
import sys
from generator.site import mkdocs_engine as me
settings = me.Settings(sys.argv[1], sys.argv[2], sys.argv[3], False)
config = settings.load()
site = me._Site.open(config, clean=False)
site.populate()
print(me._fingerprint(config, site.files), site.theme.key, me._nav_digest(site.nav))
"""


def test_what_a_kept_site_is_checked_against_is_the_same_in_every_process(
    tmp_path: Path,
) -> None:
    """Python orders sets by a hash that differs from one process to the next: a key
    made in that order would make every other build render every page."""
    docs = docs_folder(tmp_path, {"index.md": "---\ntags: [a, b]\n---\n" + HOME})
    config = Path(__file__).parent.parent / "mkdocs.yml"
    args = [str(config), str(docs), str(tmp_path / "site")]
    keys = {
        subprocess.run(
            [sys.executable, "-c", KEYS, *args],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1 and len(keys.pop().split()) == 3


@pytest.mark.parametrize("lost", ["cache/rendered.pickle", "rendered"])
def test_a_lost_kept_site_or_state_renders_every_page(tmp_path: Path, lost: str) -> None:
    project = project_with_site(tmp_path)
    gone = project / "build" / lost
    shutil.rmtree(gone) if gone.is_dir() else gone.unlink()
    body(project)
    report = build_project(project)
    assert report.rendered.rendered == report.rendered.pages
    same_as_cold(project)


def test_a_build_folder_restored_from_a_cache_keeps_its_site(tmp_path: Path) -> None:
    """As CI restores its cached build folder: the same contents in new files."""
    project = project_with_site(tmp_path)
    shutil.copytree(project / "build", tmp_path / "cached", symlinks=True)
    shutil.rmtree(project / "build")
    shutil.copytree(tmp_path / "cached", project / "build", symlinks=True)
    title(project)
    report = build_project(project)
    assert 0 < report.rendered.rendered < report.rendered.pages
    same_as_cold(project)


def test_the_preview_rebuild_renders_only_the_changed_pages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = make_project(tmp_path / "project")
    shutil.copytree(FIXTURE, project / "content")
    server = preview_server(
        project / "content", project / "site", port=0, build_dir=project / "build", today=TODAY
    )
    try:
        title(project)
        caplog.clear()  # the first build's lines, if another test left INFO on
        with caplog.at_level(logging.INFO, logger="generator"):
            server.builder()  # what the server runs when a file is saved
        written = int(re.search(r"pages: \d+ pages, (\d+) written", caplog.text)[1])  # type: ignore[index]
        rendered = re.search(r"mkdocs: (\d+) of (\d+) pages rendered", caplog.text)
        assert rendered is not None and int(rendered[1]) == written < int(rendered[2])
        page = project / "site" / "tips" / "negate-the-nervousness" / "index.html"
        assert "Defeat the Nervousness" in page.read_text(encoding="utf-8")
    finally:
        server.server_close()


def test_a_failed_preview_build_leaves_the_kept_pages_without_its_banner(tmp_path: Path) -> None:
    """The banner is put on the preview's pages, which share their files with the kept
    copy: the pages the next build keeps must not carry it."""
    project = make_project(tmp_path / "project")
    shutil.copytree(FIXTURE, project / "content")
    content = project / "content"
    server = preview_server(content, project / "site", port=0, build_dir=project / "build")
    try:
        tip = content / NERVOUS
        good = tip.read_text(encoding="utf-8")
        tip.write_text(good.replace("techniques: [stay-calm]", "techniques: [stay-clam]"))
        server.builder()
        pages = list((project / "site").rglob("*.html"))
        assert pages and all(BANNER_CLASS in p.read_text(encoding="utf-8") for p in pages)
        tip.write_text(good + "\nOne more calm line.\n")
        server.builder()
        pages = list((project / "site").rglob("*.html"))
        assert pages and not any(BANNER_CLASS in p.read_text(encoding="utf-8") for p in pages)
        kept = list((project / "build" / "rendered").rglob("*.html"))
        assert kept and not any(BANNER_CLASS in p.read_text(encoding="utf-8") for p in kept)
        tip.write_text(good)
        server.builder()  # publishes the bannered site the last swap took out, updated
        pages = list((project / "site").rglob("*.html"))
        assert pages and not any(BANNER_CLASS in p.read_text(encoding="utf-8") for p in pages)
    finally:
        server.server_close()


@pytest.mark.parametrize(("change", "remade"), [(nothing, False), (body, True)])
def test_the_site_search_index_is_remade_only_when_a_record_changed(
    tmp_path: Path, change: Callable[[Path], None], remade: bool
) -> None:
    project = project_with_site(tmp_path)
    change(project)
    report = build_project(project)
    assert (report.search.indexed is not None) is remade and not report.search.pending
    assert indexed_records(project / "site") == report.search.records
    same_as_cold(project)


@pytest.fixture
def previewed(tmp_path: Path) -> Iterator[tuple[Path, LiveReloadServer]]:
    """A project whose site the preview server has built (it is not listening)."""
    project = make_project(tmp_path / "project")
    shutil.copytree(FIXTURE, project / "content")
    server = preview_server(
        project / "content", project / "site", port=0, build_dir=project / "build", today=TODAY
    )
    try:
        yield project, server
    finally:
        server.server_close()


def test_the_preview_keeps_the_site_search_index_when_no_record_changed(
    previewed: tuple[Path, LiveReloadServer],
) -> None:
    project, server = previewed
    entry = project / "site" / "pagefind" / "pagefind-entry.json"
    before = (indexed_records(project / "site"), entry.stat().st_ino)
    server.builder()  # a save that changed nothing the search reads
    server.builder()  # waits for the records written after the reload
    assert (indexed_records(project / "site"), entry.stat().st_ino) == before  # not remade


def test_the_preview_remakes_the_site_search_index_after_the_reload(
    tmp_path: Path, previewed: tuple[Path, LiveReloadServer]
) -> None:
    project, server = previewed
    site = project / "site"
    before = indexed_records(site)
    body(project)
    server.builder()  # the page is rebuilt; the index follows in the background
    server.builder()  # which the next rebuild stops, and makes again for its own site
    background_done()
    cold = build(
        project / "content", tmp_path / "cold", build_dir=tmp_path / "b", today=TODAY, drafts=True
    )
    assert indexed_records(site) == cold.search.records != before
    assert not list(site.glob(".pagefind*"))  # nothing left of the swap


def background_done() -> None:
    """Wait for the preview's site search job, if one is running."""
    for thread in threading.enumerate():
        if thread.name == _Background.THREAD:
            thread.join(timeout=120)


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for Pagefind")
def test_a_save_while_the_index_is_made_stops_it_instead_of_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, previewed: tuple[Path, LiveReloadServer]
) -> None:
    project, server = previewed
    before = indexed_records(project / "site")
    once = tmp_path / "slow-once"
    once.touch()  # the first Pagefind run hangs (as a large index takes long); later ones run
    script = (
        f'if [ -e "{once}" ]; then rm "{once}"; exec sleep 60; fi\nexec "{sys.executable}" "$@"'
    )
    monkeypatch.setattr(pagefind.sys, "executable", fake_python(tmp_path, script))
    body(project)
    server.builder()  # its index is being made in the background, and hangs
    assert eventually(lambda: not once.exists(), 30)  # the stand-in has started
    start = time.monotonic()
    server.builder()  # the next save
    assert time.monotonic() - start < 30, "the save waited for the old index"
    assert indexed_records(project / "site") == before  # the stopped one swapped nothing in
    background_done()  # the index of the newest site, made in full
    cold = build(
        project / "content", tmp_path / "cold", build_dir=tmp_path / "b", today=TODAY, drafts=True
    )
    assert indexed_records(project / "site") == cold.search.records != before
    assert not list((project / "site").glob(".pagefind*"))


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for Pagefind")
def test_closing_the_preview_stops_the_index_being_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, previewed: tuple[Path, LiveReloadServer]
) -> None:
    # On Ctrl+C the preview's folder is removed: Pagefind must not go on writing into it.
    project, server = previewed
    started = tmp_path / "started"
    script = f'touch "{started}"\nexec sleep 60'
    monkeypatch.setattr(pagefind.sys, "executable", fake_python(tmp_path, script))
    body(project)
    server.builder()  # its index is being made in the background, and hangs
    assert eventually(started.exists, 30)
    server.server_close()  # as shutdown() does, on Ctrl+C
    assert not [t for t in threading.enumerate() if t.name == _Background.THREAD]
    assert not list((project / "site").glob(".pagefind*"))
