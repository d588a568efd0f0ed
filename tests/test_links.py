"""Every link of the built site resolves, in each engine's build of the corpus.

The generator writes raw HTML links by hand (generator.site.markdown.url), and
the engines read relative links in raw HTML differently, so each engine's site
is built once and every href and src of every page is followed to a file of it.
No link is root-relative (the site must work under any sub-path of the
intranet server), except on the 404 page, which the server shows at any depth.
"""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator.build import ENGINES, build

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
CORPUS = ROOT / "tests" / "corpus"
OUTSIDE = ("http:", "https:", "mailto:", "tel:", "data:")
ROOT_RELATIVE_ALLOWED = {"404.html"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def target(site: Path, page: str, link: str) -> Path | None:
    """The file a relative link from `page` (site-relative) names; None if it leaves the site."""
    path = unquote(urlsplit(link).path)
    if not path:  # #fragment or ?query alone: this page
        return site / page
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if joined == ".." or joined.startswith("../"):
        return None
    file = site / joined
    return file / "index.html" if path.endswith("/") or file.is_dir() else file


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The corpus built once by each engine, strictly."""
    built = {}
    for engine in ENGINES:
        tmp = tmp_path_factory.mktemp(engine)
        build(CORPUS, tmp / "site", build_dir=tmp / "build", strict=True, engine=engine)
        built[engine] = tmp / "site"
    return built


@pytest.fixture(params=ENGINES)
def site(request: pytest.FixtureRequest, sites: dict[str, Path]) -> Path:
    return sites[request.param]


def pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_every_link_resolves_to_a_file_of_the_site(site: Path) -> None:
    broken, checked = [], 0
    for page in pages(site):
        for link in links(site / page):
            if link.startswith(OUTSIDE) or link.startswith("/"):
                continue
            checked += 1
            file = target(site, page, link)
            if file is None or not file.is_file():
                broken.append(f"{page}: {link}")
    assert checked > 1000
    assert broken == []


def test_no_link_is_root_relative(site: Path) -> None:
    rooted = [
        f"{page}: {link}"
        for page in pages(site)
        if page not in ROOT_RELATIVE_ALLOWED
        for link in links(site / page)
        if link.startswith("/")
    ]
    assert rooted == []


def test_both_engines_build_the_same_pages(sites: dict[str, Path]) -> None:
    mkdocs, zensical = (pages(sites[engine]) for engine in ENGINES)
    assert len(mkdocs) > 80
    assert zensical == mkdocs
