"""Shared test settings."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from generator import workers

# CI runs the property tests with a fixed sequence of examples, so a merge never fails on
# a case drawn by chance; local runs keep drawing new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def in_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in the project folder, whatever folder pytest was started in: a
    content tree of a test has no mkdocs.yml beside it, and the build then takes the
    project's, as it does for an editor working in the checkout."""
    monkeypatch.chdir(ROOT)


def make_project(folder: Path) -> Path:
    """Make `folder` a project like the checkout: the site's mkdocs.yml and theme beside
    its content/, which the build then finds by itself."""
    folder.mkdir(parents=True, exist_ok=True)
    if folder.resolve() == ROOT.resolve():
        return folder
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    if not (folder / "theme").exists():
        shutil.copytree(ROOT / "theme", folder / "theme")
    return folder


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """No worker process can start, as on a platform without shared locks."""

    def unavailable() -> None:
        raise OSError("this platform lacks a functioning sem_open implementation")

    monkeypatch.setattr(workers, "_Worker", unavailable)


def docs_folder(root: Path, pages: dict[str, str]) -> Path:
    """A docs folder `root/docs` holding `pages` (docs-relative path → Markdown)."""
    docs = root / "docs"
    for name, text in pages.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    return docs


def eventually(holds: Callable[[], bool], seconds: float) -> bool:
    """Whether `holds()` comes true within `seconds` (asked every 0.05 s): for what another
    thread or process does."""
    deadline = time.monotonic() + seconds
    while not holds():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
