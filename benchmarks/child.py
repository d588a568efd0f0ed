"""One measured build, run in its own process so its peak memory is its own.

    python -m benchmarks.child ours CONTENT SITE BUILD   → our whole pipeline
    python -m benchmarks.child anchor CONTENT SITE BUILD → plain `mkdocs build` of the tip files
    python -m benchmarks.child floor CONTENT SITE BUILD  → the same files, our MkDocs stage

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


def ours(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    from generator.build import build

    report = build(content, site, build_dir=build_dir)
    short = {"load + validate": "load", "tag + phrases": "tag"}
    return {short.get(name, name): seconds for name, seconds in report.stages}


HUB_ONLY_NAV = [{"Home": "index.md"}]


def anchor(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
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


def floor(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    """The anchor's files and configuration through our MkDocs stage, which renders on
    both CPUs: MkDocs' part of a build if our pages were bare tips and there were no
    hubs, so no page content can bring a build of ours below our stages plus this."""
    from generator import workers
    from generator.site.mkdocs_engine import Settings, build_site

    docs = bare_docs(content, build_dir)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["nav"] = HUB_ONLY_NAV
    # Written elsewhere, so the theme folder must be found from there.
    config["theme"]["custom_dir"] = str(ROOT / config["theme"]["custom_dir"])
    config_file = build_dir / "floor.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    start = time.perf_counter()
    with workers.session():
        build_site(Settings(str(config_file), str(docs), str(site), strict=False))
    return {"mkdocs": time.perf_counter() - start}


def bare_docs(content: Path, build_dir: Path) -> Path:
    """The anchor's docs: the tip files as they are, and a one-line home page."""
    docs = build_dir / "anchor-docs"
    shutil.rmtree(docs, ignore_errors=True)
    shutil.copytree(content / "tips", docs / "tips")
    (docs / "index.md").write_text("# Tips\n", encoding="utf-8")
    return docs


def main() -> None:
    mode, content, site, build_dir = sys.argv[1], *map(Path, sys.argv[2:5])
    logging.basicConfig(level=logging.ERROR)
    start = time.perf_counter()
    stages = {"ours": ours, "anchor": anchor, "floor": floor}[mode](content, site, build_dir)
    stages["total"] = time.perf_counter() - start
    print(json.dumps(stages))


if __name__ == "__main__":
    main()
