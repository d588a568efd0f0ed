"""Whole-site builds: the committed content in strict mode, and what a build promises.

Hub-only navigation, nothing requested from outside hosts, working under a
sub-path, byte-identical rebuilds, atomic publishing, drafts left out.
"""

from __future__ import annotations

import datetime as dt
import gc
import http.server
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import eventually
from whoosh import index as whoosh_index

from benchmarks import browser as site_browser
from generator import build as build_module
from generator import workers
from generator.build import BuildReport, build
from generator.content.load import load_content
from generator.errors import BuildError, ContentError
from generator.search.index import CONTENTS, INDEX_NAME
from generator.search.query import search
from generator.site import pagefind

ROOT = Path(__file__).parent.parent
CONTENT = ROOT / "tests" / "corpus"  # the frozen copy of the real tips
FIXTURE = Path(__file__).parent / "fixtures" / "site"
TODAY = dt.date(2025, 6, 1)  # the fixture's draft and 2099 tip stay unpublished
NAV = ["Home", "Situations", "Techniques", "Phrase book", "Archive", "For editors"]
# Attributes through which a page makes the browser fetch something.
FETCHING = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
    "form": "action",
}

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _logs_reach_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CLI run in this process stops `generator` records from reaching the root logger."""
    monkeypatch.setattr(logging.getLogger("generator"), "propagate", True)


class Links(HTMLParser):
    """Every (tag, attribute, url) of a page, plus the links of its primary navigation."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.nav: list[tuple[str, str]] = []
        self._nav_depth = 0
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for name in ("href", "src", "data", "action"):
            if name in values:
                self.urls.append((tag, name, values[name]))
        if tag == "nav" and "md-nav--primary" in values.get("class", ""):
            self._nav_depth = 1
        elif tag == "nav" and self._nav_depth:
            self._nav_depth += 1
        if self._nav_depth == 1 and tag == "a":  # deeper: the page's table of contents
            self._href = values.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._nav_depth:
            self._nav_depth -= 1
        if tag == "a":
            self._href = ""

    def handle_data(self, data: str) -> None:
        if self._href and data.strip():
            self.nav.append((data.strip(), self._href))


def links(html_file: Path) -> Links:
    parser = Links()
    parser.feed(html_file.read_text(encoding="utf-8"))
    return parser


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# Pagefind writes its filter and metadata indexes (and the entry file naming them) in an
# order of its own that changes from run to run (Pagefind/pagefind#638: since 1.3 only
# the fragments, the bulk of the files, are stable); the same pages give the same index.
_UNSTABLE = re.compile(r"pagefind/(filter/.*|pagefind\.[^/]*\.pf_meta|pagefind-entry\.json)")


def stable_tree(root: Path) -> dict[str, bytes]:
    """A built site's files, but for Pagefind's run-dependent ones."""
    return {path: data for path, data in tree(root).items() if not _UNSTABLE.fullmatch(path)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildReport, Path]:
    """The committed content, built in strict mode."""
    tmp = tmp_path_factory.mktemp("site")
    report = build(CONTENT, tmp / "site", strict=True, build_dir=tmp / "build")
    return report, tmp / "site"


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- the committed content -------------------------------------------------------------------


def test_strict_build_publishes_every_tip(built: tuple[BuildReport, Path]) -> None:
    report, site = built
    tips = load_content(CONTENT).tips
    assert report.tips == len(tips) > 0
    assert report.warnings == 0
    for tip in tips:
        assert (site / "tips" / tip.slug / "index.html").is_file(), tip.slug
    for hub in ("situations", "techniques", "phrases", "archive", "editors"):
        assert (site / hub / "index.html").is_file()


def test_the_build_leaves_no_objects_frozen(built: tuple[BuildReport, Path]) -> None:
    """The build exempts its stages' results from garbage collection only while it runs,
    so a preview server rebuilding again and again does not pile them up."""
    assert gc.get_freeze_count() == 0


def test_navigation_lists_only_the_hubs(built: tuple[BuildReport, Path]) -> None:
    _, site = built
    for page in (site / "index.html", next((site / "tips").rglob("index.html"))):
        nav = links(page).nav
        assert [title for title, _ in nav if title != "Customer Service Tips"] == NAV, page
        assert not [href for _, href in nav if "tips/" in href]


def test_no_page_fetches_anything_from_another_host(built: tuple[BuildReport, Path]) -> None:
    _, site = built
    for page in html_pages(site):
        for tag, attr, url in links(page).urls:
            if FETCHING.get(tag) == attr:
                assert not urlsplit(url).scheme and not url.startswith("//"), (page, tag, url)
        text = page.read_text(encoding="utf-8")
        # Material's script loads mermaid from a CDN only for a mermaid diagram.
        assert 'class="mermaid"' not in text and "fonts.googleapis" not in text, page


def test_outside_links_come_only_from_tip_text(built: tuple[BuildReport, Path]) -> None:
    """An <a> to another host is fine (a click, not a fetch) only where an editor wrote it."""
    _, site = built
    written = "\n".join(tip.body for tip in load_content(CONTENT).tips)
    for page in html_pages(site):
        for tag, _, url in links(page).urls:
            if tag == "a" and urlsplit(url).scheme in ("http", "https"):
                assert url in written, (page, url)


def test_stylesheets_fetch_nothing_from_another_host(built: tuple[BuildReport, Path]) -> None:
    _, site = built
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        assert "@import" not in text, sheet
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
            assert url.startswith("data:") or not urlsplit(url).scheme, (sheet, url)


def test_our_script_and_styles_name_no_host() -> None:
    for asset in (ROOT / "theme").rglob("*"):
        if asset.suffix in (".js", ".css", ".html"):
            assert "://" not in asset.read_text(encoding="utf-8"), asset


@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        ("index.html", '<div class="grid cards tipkb-cards">\n<ul>'),
        ("situations/index.html", '<div class="grid cards tipkb-cards">\n<ul>'),
        ("techniques/index.html", '<div class="grid cards tipkb-cards">\n<ul>'),
        ("editors/index.html", '<div class="tipkb-reference">\n<table>'),
    ],
)
def test_markdown_inside_html_blocks_is_rendered(
    built: tuple[BuildReport, Path], page: str, rendered: str
) -> None:
    """The hubs' card grids and the editors' table are Markdown inside a <div markdown>:
    the site's configuration must render it (md_in_html), not pass it on as text."""
    html = (built[1] / page).read_text(encoding="utf-8")
    assert rendered in html
    assert " markdown>" not in html and "\n- [" not in html


def test_pages_stay_small(built: tuple[BuildReport, Path]) -> None:
    _, site = built
    sizes = {p: p.stat().st_size for p in html_pages(site)}
    assert max(sizes.values()) < 250_000
    assert max(s for p, s in sizes.items() if "tips" in p.parts) < 40_000


def test_site_search_indexes_the_tip_pages_with_their_terms(
    built: tuple[BuildReport, Path],
) -> None:
    """Pagefind indexed a record of every tip, at its page's URL; the answers list the
    situations that have tips; the engine's own search is off."""
    report, site = built
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == report.tips
    content = load_content(CONTENT)
    answers = json.loads((site / "search" / "answers.json").read_text())
    tagged = {t for tip in content.tips for t in tip.situations}
    assert {s["id"] for s in answers["situations"]} == {
        t.id for t in content.taxonomy.situations if t.id in tagged
    }
    assert not (site / "search" / "search_index.json").exists()


serve_sub_path = site_browser.served  # under http://127.0.0.1:PORT/kb/, as on an intranet


@pytest.fixture(scope="module")
def sub_path_server(built: tuple[BuildReport, Path]) -> Iterator[str]:
    with serve_sub_path(built[1]) as url:
        yield url


def test_every_link_works_under_a_sub_path(
    built: tuple[BuildReport, Path], sub_path_server: str
) -> None:
    _, site = built
    checked: set[str] = set()
    for page in html_pages(site):
        if page.name == "404.html":  # served for any missing path; its links are root-based
            continue
        page_url = urljoin(sub_path_server, page.relative_to(site).as_posix())
        for _, _, url in links(page).urls:
            target = urljoin(page_url, url).split("#")[0].split("?")[0]
            if urlsplit(target).hostname != "127.0.0.1" or target in checked:
                continue
            checked.add(target)
            assert target.startswith(sub_path_server), (page, url)
            with urllib.request.urlopen(target) as response:
                assert response.status == 200, (page, url)
    assert len(checked) > 50


# --- what every build promises (on the small fixture: fast) ------------------------------------


def build_fixture(tmp: Path, name: str = "site", **options: object) -> BuildReport:
    return build(FIXTURE, tmp / name, build_dir=tmp / "build", today=TODAY, **options)


@pytest.mark.parametrize("content", [FIXTURE, CONTENT], ids=["fixture", "committed"])
def test_two_builds_are_byte_identical(tmp_path: Path, content: Path) -> None:
    build(content, tmp_path / "one", build_dir=tmp_path / "b1", today=TODAY, strict=True)
    build(content, tmp_path / "two", build_dir=tmp_path / "b2", today=TODAY, strict=True)
    one, two = stable_tree(tmp_path / "one"), stable_tree(tmp_path / "two")
    assert any(path.startswith("pagefind/fragment/") for path in one)
    assert one.keys() == two.keys()
    assert [path for path in one if one[path] != two[path]] == []


def test_drafts_and_future_tips_are_left_out_unless_asked(tmp_path: Path) -> None:
    report = build_fixture(tmp_path, strict=True)
    assert report.left_out == 2
    assert not (tmp_path / "site" / "tips" / "a-draft-tip").exists()
    assert not (tmp_path / "site" / "tips" / "a-scheduled-tip").exists()
    words = json.loads((tmp_path / "site" / "search" / "answers.json").read_text())
    assert "A Draft Tip" not in json.dumps(words)
    indexed = json.loads((tmp_path / "site" / "pagefind" / "pagefind-entry.json").read_text())
    assert indexed["languages"]["en"]["page_count"] == report.tips
    build_fixture(tmp_path, "preview", strict=True, drafts=True)
    draft = tmp_path / "preview" / "tips" / "a-draft-tip" / "index.html"
    assert '<span class="tipkb-badge">Draft</span>' in draft.read_text()


def test_build_logs_each_stage(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="generator"):
        report = build_fixture(tmp_path)
    stages = [name for name, _ in report.stages]
    assert stages == [
        "load + validate",
        "tag + phrases",
        "index",
        "related",
        "pages",
        "mkdocs",
        "site search",
    ]
    assert "load + validate: 6 tips (" in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("mkdocs")]  # MkDocs' chatter


def broken_content(tmp_path: Path) -> Path:
    """The fixture plus a tip linking to a page that does not exist."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    tip = content / "tips" / "2025-05-13-questions-to-guide-you-to-empathy.md"
    tip.write_text(tip.read_text() + "\nSee [the old tip](missing-tip.md).\n")
    return content


def test_mkdocs_warnings_are_shown_and_fail_a_strict_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    content = broken_content(tmp_path)
    with caplog.at_level(logging.WARNING, logger="generator"):
        report = build(content, tmp_path / "site", build_dir=tmp_path / "build", today=TODAY)
    assert report.warnings >= 1 and "missing-tip.md" in caplog.text
    with pytest.raises(BuildError, match="strict"):
        build(content, tmp_path / "site", build_dir=tmp_path / "build", today=TODAY, strict=True)


def test_a_failed_build_leaves_the_previous_site_intact(tmp_path: Path) -> None:
    build_fixture(tmp_path, strict=True)
    before = tree(tmp_path / "site")
    with pytest.raises(BuildError):
        build(
            broken_content(tmp_path),
            tmp_path / "site",
            build_dir=tmp_path / "build",
            today=TODAY,
            strict=True,
        )
    assert tree(tmp_path / "site") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")] == []
    assert running_with(tmp_path) == []  # the Pagefind it had started is stopped


def running_with(path: Path) -> list[str]:
    """The command lines of this machine's processes that name `path` (Linux)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:  # ended meanwhile
            continue
        if any(str(path).encode() in word for word in words):
            found.append(b" ".join(words).decode(errors="replace"))
    return found


def test_pagefind_indexes_beside_the_build_and_leaves_only_the_index(tmp_path: Path) -> None:
    report = build_fixture(tmp_path, strict=True)
    assert report.search.indexed == report.tips and report.search.seconds > 0
    assert "indexed by Pagefind in" in str(report.search)
    index = tmp_path / "site" / "pagefind"
    assert (index / "pagefind-entry.json").is_file() and not (index / "pagefind.log").exists()
    assert not (tmp_path / "build" / build_module.PAGEFIND_NEXT).exists()


def fake_python(tmp_path: Path, script: str) -> str:
    """An executable standing in for `python -m pagefind`."""
    fake = tmp_path / "fake-python"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    return str(fake)


def one_record(tmp_path: Path) -> Path:
    records = tmp_path / "records"
    (records / "tips" / "a").mkdir(parents=True)
    (records / "tips" / "a" / "index.html").write_text("<html><body><h1>A</h1></body></html>")
    return records


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for Pagefind")
def test_a_build_that_stops_early_stops_its_pagefind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagefind.sys, "executable", fake_python(tmp_path, "exec sleep 60"))
    with pagefind.Indexing.start(one_record(tmp_path), tmp_path / "out") as indexing:
        assert indexing.process is not None and indexing.process.poll() is None
    assert indexing.process.poll() is not None  # killed, not left running for a minute


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for Pagefind")
def test_pagefind_missing_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = "echo 'No module named pagefind' >&2; exit 1"
    monkeypatch.setattr(pagefind.sys, "executable", fake_python(tmp_path, said))
    with pytest.raises(BuildError, match=r"pip install 'pagefind\[bin\]'"):
        pagefind.index_site(one_record(tmp_path), tmp_path / "site")


@pytest.fixture
def index_in_background(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write even a small index update in a worker process, as a large one is."""
    monkeypatch.setattr(build_module, "BACKGROUND_DOCUMENTS", 1)
    monkeypatch.setattr(workers, "cores", lambda: 2)


def test_an_index_written_in_the_background_is_the_one_written_inline(
    tmp_path: Path, index_in_background: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="generator"):
        build_fixture(tmp_path / "worker", strict=True)
    assert "writing in the background" in caplog.text
    build_module.BACKGROUND_DOCUMENTS = 10**9
    build_fixture(tmp_path / "inline", strict=True)
    assert stable_tree(tmp_path / "worker" / "site") == stable_tree(tmp_path / "inline" / "site")
    taxonomy = load_content(FIXTURE).taxonomy
    for name in ("worker", "inline"):
        index_dir = tmp_path / name / "build" / "index"
        found = search(index_dir, "customer is nervous", taxonomy)
        assert found.slugs[:1] == ("negate-the-nervousness",), name
    record = [
        (tmp_path / n / "build" / "index" / CONTENTS).read_text() for n in ("worker", "inline")
    ]
    assert record[0] == record[1]


def test_the_index_is_written_here_where_no_worker_can_start(
    tmp_path: Path,
    index_in_background: None,
    no_worker: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="generator"):
        build_fixture(tmp_path, strict=True)
    assert "working on one CPU: cannot start a worker process" in caplog.text
    found = search(
        tmp_path / "build" / "index", "customer is nervous", load_content(FIXTURE).taxonomy
    )
    assert found.slugs[:1] == ("negate-the-nervousness",)


def test_a_failed_background_index_write_fails_the_build_before_the_swap(
    tmp_path: Path, index_in_background: None
) -> None:
    build_fixture(tmp_path, strict=True)
    before = tree(tmp_path / "site")
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    edited = content / "tips" / "2025-05-06-negate-the-nervousness.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    ix = whoosh_index.open_dir(tmp_path / "build" / "index", indexname=INDEX_NAME)
    lock = ix.lock("WRITELOCK")  # held by this process: the worker cannot write
    assert lock.acquire()
    try:
        with pytest.raises(BuildError, match="cannot write the search index"):
            build(content, tmp_path / "site", build_dir=tmp_path / "build", today=TODAY)
    finally:
        lock.release()
    assert tree(tmp_path / "site") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")] == []


def test_invalid_content_stops_before_anything_is_written(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    (content / "tips" / "2025-05-06-negate-the-nervousness.md").write_text(
        "---\ntitle: [\n---\nx\n"
    )
    with pytest.raises(ContentError):
        build(content, tmp_path / "site", build_dir=tmp_path / "build", today=TODAY)
    assert not (tmp_path / "site").exists() and not (tmp_path / "build").exists()


def test_a_killed_build_leaves_the_previous_site_intact(tmp_path: Path) -> None:
    build_fixture(tmp_path, strict=True)
    before = tree(tmp_path / "site")
    script = (
        "import datetime, pathlib, time, generator.build as b\n"
        "real = b.build_site\n"
        "def slow(*args):\n"
        "    real(*args)\n"
        "    print('built', flush=True)\n"
        "    time.sleep(60)\n"  # killed here: the new site is complete but not swapped in
        "b.build_site = slow\n"
        f"b.build(pathlib.Path({str(FIXTURE)!r}), pathlib.Path({str(tmp_path / 'site')!r}),"
        f" build_dir=pathlib.Path({str(tmp_path / 'build')!r}), drafts=True)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None and child.stdout.readline() == "built\n"
            leftovers = list(tmp_path.glob(".site-build-*"))
            assert leftovers and (leftovers[0] / "tips" / "a-draft-tip").is_dir()
        finally:
            os.kill(child.pid, signal.SIGKILL)
    assert tree(tmp_path / "site") == before
    build_fixture(tmp_path, strict=True)  # the next build clears what the killed one left
    assert list(tmp_path.glob(".site-*")) == []


def test_a_site_lost_mid_swap_is_restored_and_leftovers_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = tmp_path / ".site-old-x1"  # a build killed between its two renames
    old.mkdir()
    (old / "index.html").write_text("previous site")
    (tmp_path / ".site-build-x2").mkdir()
    with caplog.at_level(logging.WARNING, logger="generator"):
        build_fixture(tmp_path)
    assert "restoring" in caplog.text
    assert (tmp_path / "site" / "tips").is_dir()
    assert list(tmp_path.glob(".site-*")) == []


def test_the_build_command_reports_and_exits_nonzero_on_bad_content(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "generator", "build", "--content", str(FIXTURE)]
    command += ["--config", str(ROOT / "mkdocs.yml")]
    done = subprocess.run(
        [*command, "--site", str(tmp_path / "site"), "--strict"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "load + validate: 6 tips" in done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith(f"Built {tmp_path / 'site'}")
    bad = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", str(tmp_path / "nowhere")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


# --- preview server ------------------------------------------------------------------------


def test_serve_rebuilds_when_a_tip_changes(tmp_path: Path) -> None:
    from generator.serve import preview_server

    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    server = preview_server(content, tmp_path / "site", port=0, build_dir=tmp_path / "build")
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{wait_for_port(server)}/tips/negate-the-nervousness/"
        # The server thread may not listen yet: its first page is waited for too.
        assert shown(url, "Negate the Nervousness", 10), "the preview was not served"
        tip = content / "tips" / "2025-05-06-negate-the-nervousness.md"
        tip.write_text(tip.read_text().replace("title: Negate", "title: Defeat"))
        assert shown(url, "Defeat the Nervousness", 30), "the preview was not rebuilt"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_serve_stopped_by_sigterm_removes_its_temporary_site(tmp_path: Path) -> None:
    # A `kill` (or a tool closing the preview) stops it as Ctrl+C does, not mid-way.
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "generator", "serve", "--content", str(content)]
    command += ["--config", str(ROOT / "mkdocs.yml"), "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/tips/negate-the-nervousness/"
        assert shown(url, "Negate the Nervousness", 60), "the preview was not served"
        assert list((tmp_path / "build").glob("tipkb-serve-*"))
        server.send_signal(signal.SIGTERM)
        said, _ = server.communicate(timeout=30)
    finally:
        server.kill()
    assert server.returncode == 0 and "Stopped." in said and "Traceback" not in said
    assert not list((tmp_path / "build").glob("tipkb-serve-*"))


def test_the_preview_shows_a_failed_build_on_every_page_until_it_is_fixed(tmp_path: Path) -> None:
    from generator.serve import BANNER_CLASS, preview_server

    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    server = preview_server(content, tmp_path / "site", port=0, build_dir=tmp_path / "build")
    tip = content / "tips" / "2025-05-06-negate-the-nervousness.md"
    good = tip.read_text(encoding="utf-8")
    tip.write_text(good.replace("techniques: [stay-calm]", "techniques: [stay-clam]"))
    server.builder()  # what the server runs when a file is saved
    pages = list((tmp_path / "site").rglob("*.html"))
    assert pages and all(BANNER_CLASS in p.read_text(encoding="utf-8") for p in pages)
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert f"{tip}:8: unknown technique &#x27;stay-clam&#x27;" in home
    server.builder()  # still broken: one banner, not two
    assert (tmp_path / "site" / "index.html").read_text(encoding="utf-8").count(BANNER_CLASS) == 1
    tip.write_text(good)
    server.builder()
    assert not any(BANNER_CLASS in p.read_text(encoding="utf-8") for p in pages if p.exists())
    server.server_close()


def wait_for_port(server: http.server.HTTPServer) -> int:
    deadline = time.monotonic() + 10
    while not server.server_address[1]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return server.server_address[1]


def shown(url: str, text: str, seconds: float) -> bool:
    """Whether the page at `url` shows `text` within `seconds`."""
    return eventually(lambda: text in fetch(url), seconds)


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except urllib.error.URLError:
        return ""


def test_a_rebuild_parses_only_the_tips_changed_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import cache
    from generator.content import load as content_module

    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    monkeypatch.setattr(cache, "RACY_NS", 0)  # count files as settled at once
    parsed: list[str] = []
    read_tip = content_module.read_tip
    monkeypatch.setattr(
        content_module, "read_tip", lambda p, **kw: parsed.append(p.name) or read_tip(p, **kw)
    )
    kwargs = {"build_dir": tmp_path / "build", "today": TODAY}
    build(content, tmp_path / "site", **kwargs)  # type: ignore[arg-type]
    assert len(parsed) == len(list(content.glob("tips/*.md")))
    parsed.clear()
    tip = content / "tips" / "2025-05-06-negate-the-nervousness.md"
    tip.write_text(tip.read_text().replace("title: Negate", "title: Defeat"))
    build(content, tmp_path / "site", **kwargs)  # type: ignore[arg-type]
    assert parsed == [tip.name]
    assert (
        "Defeat the Nervousness"
        in (tmp_path / "site/tips/negate-the-nervousness/index.html").read_text()
    )


def test_check_loads_no_stage_of_a_build() -> None:
    # The pre-commit hook runs it on every commit: loading the site and search stages
    # (whoosh, MkDocs' helpers, Pagefind's) was a third of its time.
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['tipkb', 'check', '--content', {str(ROOT / 'tests' / 'fixtures' / 'base')!r}]\n"
        "try:\n    runpy.run_module('generator', run_name='__main__')\n"
        "except SystemExit as done:\n    assert not done.code, done.code\n"
        "stages = ('generator.site', 'generator.search', 'generator.tagging', 'mkdocs')\n"
        "print(sorted(m for m in sys.modules if m.startswith(stages)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
