"""One measured build, run in its own process so its peak memory is its own.

    python -m benchmarks.child ours CONTENT SITE BUILD     → our whole pipeline (`tipkb build`)
    python -m benchmarks.child floor CONTENT SITE BUILD    → plain `mkdocs build` of the tip files
    python -m benchmarks.child floor2 CONTENT SITE BUILD   → the same files, our MkDocs stage
    python -m benchmarks.child peer CONTENT SITE BUILD     → Material's blog + tags plugins
    python -m benchmarks.child zensical CONTENT SITE BUILD → the floor's files through Zensical
    python -m benchmarks.child preview CONTENT SITE BUILD  → `tipkb serve`'s rebuild after one edit

Prints one JSON object: seconds per stage and in total.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PEER_DOCS = "peer-docs"  # beside the content folder: made once per corpus (benchmarks.peer)
PREVIEW_LINE = "\nOne more line, saved while the preview runs.\n"


def ours(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    from generator.build import build

    report = build(content, site, build_dir=build_dir)
    short = {"load + validate": "load", "tag + phrases": "tag"}
    stages = {short.get(name, name): seconds for name, seconds in report.stages}
    return {**stages, "rendered": report.rendered.rendered}


HUB_ONLY_NAV = [{"Home": "index.md"}]


def floor(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    """The same tip Markdown through MkDocs alone: same theme, hub-only nav."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    docs = bare_docs(content, build_dir)
    config = load_config(
        config_file=str(ROOT / "mkdocs.yml"),
        docs_dir=str(docs),
        site_dir=str(site),
        nav=HUB_ONLY_NAV,
    )
    start = time.perf_counter()
    mkdocs_build(config)
    return {"mkdocs": time.perf_counter() - start}


def floor2(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    """The floor's files and configuration through our MkDocs stage, which renders on
    both CPUs: MkDocs' part of a build if our pages were bare tips and there were no
    hubs, so no page content can bring a build of ours below our stages plus this."""
    from generator import workers
    from generator.site.mkdocs_engine import Settings, build_site

    docs = bare_docs(content, build_dir)
    config_file = site_config(build_dir / "floor.yml", nav=HUB_ONLY_NAV)
    start = time.perf_counter()
    with workers.session():
        build_site(Settings(str(config_file), str(docs), str(site), strict=False))
    return {"mkdocs": time.perf_counter() - start}


PEER_NAV = [{"Home": "index.md"}, {"Blog": "blog/index.md"}, {"Tags": "tags.md"}]


def peer(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    """The same tips as posts of Material's blog plugin, with its tags plugin: what a
    site of these posts costs MkDocs + Material with the plugins made for posts."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    plugins = [*site_plugins(), "blog", "tags"]
    config_file = site_config(build_dir / "peer.yml", nav=PEER_NAV, plugins=plugins)
    config = load_config(
        config_file=str(config_file), docs_dir=str(content.parent / PEER_DOCS), site_dir=str(site)
    )
    start = time.perf_counter()
    mkdocs_build(config)
    return {"mkdocs": time.perf_counter() - start}


def zensical(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    """The floor's files and configuration through Zensical (`zensical build --clean`)."""
    from generator.site.zensical_engine import run_zensical

    docs = bare_docs(content, build_dir)
    # Zensical builds nothing outside its project: the theme folder is named relatively.
    shutil.copytree(ROOT / "theme", build_dir / "theme", dirs_exist_ok=True)
    config_file = site_config(build_dir / "zensical.yml", nav=HUB_ONLY_NAV, theme="theme")
    site.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    run_zensical(config_file, docs, site)
    return {"zensical": time.perf_counter() - start}


def preview(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    """`tipkb serve`: the first build (untimed), then the rebuild the server runs when an
    editor saves a tip, from the save to the rebuilt site being in place (the server
    then tells the browser to reload). Not counted: the file watcher noticing the save
    (it polls every half second, then waits 0.1 s for more)."""
    from generator.serve import preview_server

    server = preview_server(content, site, port=0, build_dir=build_dir)
    try:
        tip = edited_tip(content)
        tip.write_text(tip.read_text(encoding="utf-8") + PREVIEW_LINE, encoding="utf-8")
        start = time.perf_counter()
        server.builder()  # what the server runs on a change
        return {"preview": time.perf_counter() - start}
    finally:
        server.server_close()


def edited_tip(content: Path) -> Path:
    """The tip the benchmark edits: the oldest, which is on the site."""
    return min(content.glob("tips/*.md"))


def site_config(
    path: Path, *, nav: list[dict[str, str]], plugins: list[object] | None = None, theme: str = ""
) -> Path:
    """The site's mkdocs.yml with another nav (and plugins), written to `path`; its theme
    folder named absolutely (`theme` empty) or as given."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["nav"] = nav
    if plugins is not None:
        config["plugins"] = plugins
    config["theme"]["custom_dir"] = theme or str(ROOT / config["theme"]["custom_dir"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def site_plugins() -> list[object]:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["plugins"]


def bare_docs(content: Path, build_dir: Path) -> Path:
    """The floor's docs: the tip files as they are, and a one-line home page."""
    docs = build_dir / "anchor-docs"
    shutil.rmtree(docs, ignore_errors=True)
    shutil.copytree(content / "tips", docs / "tips")
    (docs / "index.md").write_text("# Tips\n", encoding="utf-8")
    return docs


MODES = {
    "ours": ours,
    "floor": floor,
    "floor2": floor2,
    "peer": peer,
    "zensical": zensical,
    "preview": preview,
}


def main() -> None:
    mode, content, site, build_dir = sys.argv[1], *map(Path, sys.argv[2:5])
    logging.basicConfig(level=logging.ERROR)
    start = time.perf_counter()
    stages = MODES[mode](content, site, build_dir)
    stages["total"] = time.perf_counter() - start
    print(json.dumps(stages))


if __name__ == "__main__":
    main()
