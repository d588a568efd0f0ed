"""MkDocs' build with pages rendered in two processes gives MkDocs' own site, byte for byte."""

from __future__ import annotations

import logging
import multiprocessing
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import docs_folder
from jinja2 import TemplateNotFound
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from generator.build import build
from generator.site import mkdocs_engine as render

CONTENT = Path(__file__).parent / "corpus"  # the frozen copy of the real tips
CONFIG = Path(__file__).parent.parent / "mkdocs.yml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed content's generated pages."""
    tmp = tmp_path_factory.mktemp("render")
    build(CONTENT, tmp / "site", build_dir=tmp / "build")
    return tmp / "build" / "docs"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def mkdocs_own(docs: Path, site: Path) -> dict[str, bytes]:
    mkdocs_build(load_config(str(CONFIG), docs_dir=str(docs), site_dir=str(site)))
    return tree(site)


def elsewhere(func: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any]) -> list[Any]:
    """map_shared with every item done by a freshly spawned process, none by this one."""
    with ProcessPoolExecutor(1, multiprocessing.get_context("spawn")) as pool:
        return pool.submit(func, items).result()


def in_this_process(func: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any]) -> list[Any]:
    return func(items)


def settings(docs: Path, site: Path, *, strict: bool = False) -> render.Settings:
    return render.Settings(str(CONFIG), str(docs), str(site), strict)


@pytest.mark.parametrize("share", [elsewhere, in_this_process])
def test_the_site_is_mkdocs_own(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share: Callable[..., Any]
) -> None:
    """Every page outside the navigation rendered by the other process, or by this one."""
    monkeypatch.setattr(render.workers, "map_shared", share)
    render.build_site(settings(docs, tmp_path / "ours"))
    ours = tree(tmp_path / "ours")
    assert "search/index.html" in ours and len(ours) > 100
    assert ours == mkdocs_own(docs, tmp_path / "theirs")


def with_broken_link(docs: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "docs"
    shutil.copytree(docs, copy)
    tip = next((copy / "tips").glob("*/index.md"))
    tip.write_text(tip.read_text() + "\nSee [the missing tip](missing.md).\n")
    return copy


def test_warnings_from_another_process_are_logged_once(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(render.workers, "map_shared", elsewhere)
    broken = with_broken_link(docs, tmp_path)
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        render.build_site(settings(broken, tmp_path / "site"))
    found = [r for r in caplog.records if "contains a link 'missing.md'" in r.getMessage()]
    assert len(found) == 1 and found[0].levelno == logging.WARNING


def test_warnings_from_another_process_fail_a_strict_build(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render.workers, "map_shared", elsewhere)
    broken = with_broken_link(docs, tmp_path)
    with pytest.raises(Abort, match="1 warnings in strict mode"):
        render.build_site(settings(broken, tmp_path / "site", strict=True))


def test_a_plugin_other_than_search_gets_mkdocs_own_build(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another plugin may keep state across pages, which a second process would not see."""
    config = tmp_path / "mkdocs.yml"
    text = CONFIG.read_text(encoding="utf-8")
    text = text.replace("plugins:\n", "plugins:\n  - tags\n")
    theme = CONFIG.parent / "theme"
    config.write_text(text.replace("custom_dir: theme", f"custom_dir: {theme}"), encoding="utf-8")

    def refuse(*args: object) -> None:
        raise AssertionError("pages shared despite the tags plugin")

    monkeypatch.setattr(render.workers, "map_shared", refuse)
    mine = render.Settings(str(config), str(docs), str(tmp_path / "site"), False)
    assert not render.shareable(mine.load())
    assert render.shareable(settings(docs, tmp_path / "x").load())
    render.build_site(mine)
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize("share", [elsewhere, in_this_process])
def test_a_page_that_fails_is_named(
    docs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    share: Callable[..., Any],
) -> None:
    """MkDocs logs which page failed, then raises: that record is not held back."""
    monkeypatch.setattr(render.workers, "map_shared", share)
    copy = tmp_path / "docs"
    shutil.copytree(docs, copy)
    tip = next((copy / "tips").glob("*/index.md"))
    tip.write_text(tip.read_text().replace("---\n", "---\ntemplate: missing.html\n", 1))
    with caplog.at_level(logging.WARNING, logger="mkdocs"), pytest.raises(TemplateNotFound):
        render.build_site(settings(copy, tmp_path / "site"))
    said = caplog.text + capfd.readouterr().err  # a worker process's log goes to stderr
    assert f"Error building page 'tips/{tip.parent.name}/index.md'" in said


def test_the_two_cpu_build_is_taken_only_with_the_mkdocs_it_follows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test extras pin that MkDocs; any other falls back to MkDocs' own build, logged."""
    import mkdocs

    (tmp_path / "docs").mkdir()
    config = settings(tmp_path / "docs", tmp_path / "site").load()
    assert render.shareable(config) == (mkdocs.__version__ == render.CHECKED_MKDOCS)
    monkeypatch.setattr(mkdocs, "__version__", "1.7.0")
    assert "MkDocs 1.7.0" in render.why_not_shared(config)


def test_one_job_is_mkdocs_own_build_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    docs = docs_folder(tmp_path, {"index.md": "# Home\n"})
    one = render.Settings(str(CONFIG), str(docs), str(tmp_path / "site"), False, jobs=1)
    with caplog.at_level(logging.INFO, logger="generator"):
        render.build_site(one)
    assert "MkDocs renders on one CPU: one job was asked for" in caplog.text
    assert (tmp_path / "site" / "index.html").is_file()
