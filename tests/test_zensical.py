"""Zensical, Material's successor, builds the same generated pages with the same mkdocs.yml.

Material for MkDocs reaches end of life in 2027; this keeps the way open:
every page the generator writes must also come out of `zensical build`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import build, configured_engine
from generator.errors import BuildError
from generator.site import outdir, zensical_engine

pytest.importorskip("zensical", reason="zensical is installed with the test extras")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent


def output_path(page: str) -> str:
    """Where a docs page lands with directory URLs: a/b.md and a/b/index.md → a/b/index.html."""
    stem = page.removesuffix(".md").removesuffix("index").rstrip("/")
    return f"{stem}/index.html" if stem else "index.html"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`tipkb build --engine zensical` of the corpus: build/docs holds the generated
    pages, out/ the site Zensical made of them."""
    tmp = tmp_path_factory.mktemp("zensical")
    build(ROOT / "tests" / "corpus", tmp / "out", build_dir=tmp / "build", engine="zensical")
    return tmp


def test_zensical_builds_every_generated_page(project: Path) -> None:
    pages = [
        p.relative_to(project / "build" / "docs").as_posix()
        for p in (project / "build" / "docs").rglob("*.md")
    ]
    assert len(pages) > 50
    missing = [p for p in pages if not (project / "out" / output_path(p)).is_file()]
    assert missing == []


def test_zensical_site_is_published_as_mkdocs_site_is(project: Path) -> None:
    assert (project / "out" / outdir.MARKER).is_file()
    assert not list(project.glob(".out-*")), "the temporary project and build folders are gone"


def test_the_configuration_chooses_the_engine(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    assert configured_engine(config) == "mkdocs"
    text = config.read_text(encoding="utf-8").replace(
        "extra:\n", "extra:\n  tipkb_engine: zensical\n"
    )
    config.write_text(text, encoding="utf-8")
    assert configured_engine(config) == "zensical"
    config.write_text(
        text.replace("tipkb_engine: zensical", "tipkb_engine: hugo"), encoding="utf-8"
    )
    with pytest.raises(BuildError, match="tipkb_engine"):
        configured_engine(config)


def test_zensical_output_keeps_our_theme_and_copy_buttons(project: Path) -> None:
    home = (project / "out" / "index.html").read_text(encoding="utf-8")
    assert "assets/tipkb.css" in home and "assets/tipkb.js" in home
    assert (project / "out" / "assets" / "tipkb.js").is_file()
    tip = next((project / "out" / "tips").rglob("index.html")).read_text(encoding="utf-8")
    assert 'class="tipkb-chip tipkb-chip--' in tip
    phrases = (project / "out" / "phrases" / "index.html").read_text(encoding="utf-8")
    assert '<button type="button" class="tipkb-copy" aria-label="Copy phrase: ' in phrases


@pytest.mark.parametrize("engine", ["zensical", "mkdocs"])
def test_both_engines_pass_the_generators_html_through(
    project: Path, tmp_path: Path, engine: str
) -> None:
    # Both load generator.site.passthrough from mkdocs.yml: no marker reaches a page.
    site = project / "out"
    if engine == "mkdocs":
        build(ROOT / "tests" / "corpus", tmp_path / "out", build_dir=tmp_path / "build")
        site = tmp_path / "out"
    marked = [p for p in site.rglob("*.html") if "tipkb:html" in p.read_text(encoding="utf-8")]
    assert marked == []


def test_zensical_warnings_are_counted_with_where_they_are() -> None:
    output = (
        "Build started\n\x1b[33mWarning:\x1b[0m page does not exist\n"
        "   ╭─[ tips/a/index.md:3:87 ]\n   │\n 3 │ <a href=…>\n───╯\n"
        "Warning: another\nBuild finished in 0.2s\n"
    )
    found = zensical_engine.warnings(zensical_engine._ANSI.sub("", output))
    assert found == ["tips/a/index.md:3:87: page does not exist", "another"]
