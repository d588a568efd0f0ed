"""Zensical's build of the generated pages, with the project's mkdocs.yml and theme.

Zensical (Material's successor) reads mkdocs.yml, but only builds a docs_dir and
a site_dir inside the project folder, and follows no symbolic link out of it. So
each build lays out a project of its own in a temporary folder beside the site
being built: `docs/` (the generated pages, hard-linked where the file system
allows, else copied), a link to each folder the configuration names (the theme's
`custom_dir`), and the configuration with docs_dir and site_dir rewritten. Then
`zensical build --clean` runs on it in a subprocess, and its site is moved into
the folder the build publishes. The project folder is named after that folder,
so what a killed build leaves is removed with it (build.publish).

Every build renders every page. Zensical keeps a cache of its own (in the project's
.cache/, used by a build without --clean), but on our pages it saved nothing: at 2,000
tips, a build with that cache and nothing changed took 69 s, and after editing one tip
92 s, against 80 s from scratch (0.0.73, on the same machine in the same hour).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from generator.errors import BuildError
from generator.files import link_or_copy
from generator.site.kept import RenderStats

log = logging.getLogger(__name__)

DOCS, SITE = "docs", "site"  # the temporary project's folders
_DIR_KEY = re.compile(r"(?m)^(docs_dir|site_dir):.*$")
_CUSTOM_DIR = re.compile(r"(?m)^\s+custom_dir:\s*['\"]?([^'\"\s#]+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WARNING = re.compile(r"^Warning:\s*(.*)$")  # then, on a later line: [ index.md:3:87 ]
_WHERE = re.compile(r"\[\s*(\S+:\d+:\d+)\s*\]")


def run_zensical(
    config_file: Path, docs_dir: Path, out_dir: Path, *, strict: bool = False
) -> RenderStats:
    """Build the pages of `docs_dir` into the empty folder `out_dir`; how many there
    are, and the warnings Zensical printed (logged). Raises BuildError when Zensical fails."""
    project = out_dir.with_name(f"{out_dir.name}-zensical")
    try:
        lay_out(project, config_file, docs_dir)
        output = _zensical(project, strict)
        for entry in (project / SITE).iterdir():
            os.replace(entry, out_dir / entry.name)
    finally:
        shutil.rmtree(project, ignore_errors=True)
    found = warnings(output)
    for warning in found:
        log.warning("zensical: %s", warning)
    pages = sum(1 for _ in docs_dir.rglob("*.md"))
    return RenderStats(pages, pages, len(found), full="Zensical renders every page")


def warnings(output: str) -> list[str]:
    """Zensical's warnings in its output, each as `page:line:column: message` where it
    says where (the line after `Warning: message` that holds `[ page:line:column ]`)."""
    found: list[str] = []
    located = True
    for line in output.splitlines():
        if warning := _WARNING.match(line.strip()):
            found.append(warning[1])
            located = False
        elif not located and (where := _WHERE.search(line)):
            found[-1] = f"{where[1]}: {found[-1]}"
            located = True
    return found


def lay_out(project: Path, config_file: Path, docs_dir: Path) -> None:
    """A Zensical project in `project`: the pages, the configuration's folders, its file."""
    project.mkdir()
    shutil.copytree(docs_dir, project / DOCS, copy_function=link_or_copy)
    config = config_file.read_text(encoding="utf-8")
    for folder in _CUSTOM_DIR.findall(config):
        source = (config_file.parent / folder).absolute()
        if source.is_dir() and not Path(folder).is_absolute():
            (project / folder).parent.mkdir(parents=True, exist_ok=True)
            (project / folder).symlink_to(source, target_is_directory=True)
    config = _DIR_KEY.sub("", config)
    config += f"\ndocs_dir: {DOCS}\nsite_dir: {SITE}\n"
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")


def _zensical(project: Path, strict: bool) -> str:
    """Run `zensical build` in `project`; its output, or a BuildError with it."""
    command = [_executable(), "build", "--clean", *(["--strict"] if strict else [])]
    try:
        done = subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
    except FileNotFoundError:
        raise BuildError(
            "zensical is not installed; `pip install zensical`, or build with --engine mkdocs"
        ) from None
    output = _ANSI.sub("", done.stdout + done.stderr)
    if done.returncode != 0:
        raise BuildError(f"Zensical failed (exit {done.returncode}):\n{output.strip()}")
    return output


def _executable() -> str:
    """The zensical beside this Python (a virtual environment's), else the one on PATH."""
    beside = Path(sys.executable).parent / "zensical"
    return str(beside) if beside.is_file() else "zensical"
