"""One measured build, run in its own process so its peak memory is its own.

    python -m benchmarks.child ours CONTENT SITE BUILD   → our whole pipeline
    python -m benchmarks.child anchor CONTENT SITE BUILD → plain `mkdocs build` of the tip files

Prints one JSON object: seconds per stage and in total.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ours(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    from generator.build import build

    report = build(content, site, build_dir=build_dir)
    short = {"load + validate": "load", "tag + phrases": "tag"}
    return {short.get(name, name): seconds for name, seconds in report.stages}


def anchor(content: Path, site: Path, build_dir: Path) -> dict[str, float]:
    """The same tip Markdown through MkDocs alone: same theme, hub-only nav."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    docs = build_dir / "anchor-docs"
    shutil.rmtree(docs, ignore_errors=True)
    shutil.copytree(content / "tips", docs / "tips")
    (docs / "index.md").write_text("# Tips\n", encoding="utf-8")
    config = load_config(
        config_file=str(ROOT / "mkdocs.yml"),
        docs_dir=str(docs),
        site_dir=str(site),
        nav=[{"Home": "index.md"}],
    )
    start = time.perf_counter()
    mkdocs_build(config)
    return {"mkdocs": time.perf_counter() - start}


def main() -> None:
    mode, content, site, build_dir = sys.argv[1], *map(Path, sys.argv[2:5])
    logging.basicConfig(level=logging.ERROR)
    start = time.perf_counter()
    stages = {"ours": ours, "anchor": anchor}[mode](content, site, build_dir)
    stages["total"] = time.perf_counter() - start
    print(json.dumps(stages))


if __name__ == "__main__":
    main()
