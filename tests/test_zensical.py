"""Zensical, Material's successor, builds the same generated pages with the same mkdocs.yml.

Material for MkDocs reaches end of life in 2027; this keeps the way open:
every page the generator writes must also come out of `zensical build`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import build

pytest.importorskip("zensical", reason="zensical is installed with the test extras")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
ZENSICAL = Path(sys.executable).parent / "zensical"


def output_path(page: str) -> str:
    """Where a docs page lands with directory URLs: a/b.md and a/b/index.md → a/b/index.html."""
    stem = page.removesuffix(".md").removesuffix("index").rstrip("/")
    return f"{stem}/index.html" if stem else "index.html"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Zensical project: our mkdocs.yml and theme, and the pages the generator wrote."""
    tmp = tmp_path_factory.mktemp("zensical")
    build(ROOT / "tests" / "corpus", tmp / "site", build_dir=tmp / "build")
    project = tmp / "project"
    shutil.copytree(tmp / "build" / "docs", project / "docs")
    shutil.copytree(ROOT / "theme", project / "theme")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # Zensical wants its folders inside the project, given relative to the config.
    config = re.sub(r"(?m)^docs_dir:.*$", "docs_dir: docs", config)
    config = re.sub(r"(?m)^site_dir:.*$", "site_dir: out", config)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    done = subprocess.run(
        [str(ZENSICAL), "build", "--clean"], cwd=project, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return project


def test_zensical_builds_every_generated_page(project: Path) -> None:
    pages = [p.relative_to(project / "docs").as_posix() for p in (project / "docs").rglob("*.md")]
    assert len(pages) > 50
    missing = [p for p in pages if not (project / "out" / output_path(p)).is_file()]
    assert missing == []


def test_zensical_output_keeps_our_theme_and_copy_buttons(project: Path) -> None:
    home = (project / "out" / "index.html").read_text(encoding="utf-8")
    assert "assets/tipkb.css" in home and "assets/tipkb.js" in home
    assert (project / "out" / "assets" / "tipkb.js").is_file()
    tip = next((project / "out" / "tips").rglob("index.html")).read_text(encoding="utf-8")
    assert 'class="tipkb-chip tipkb-chip--' in tip
    phrases = (project / "out" / "phrases" / "index.html").read_text(encoding="utf-8")
    assert '<button type="button" class="tipkb-copy" aria-label="Copy phrase: ' in phrases
