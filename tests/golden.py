"""Golden files: the Markdown pages generated from tests/fixtures/site/ (the search
page's data files are tested on their own, in tests/test_site_search.py).

`python -m tests.golden` (or `make golden`) regenerates them: it shows the
diff and asks before overwriting (`--yes` to skip the question; without a
terminal and without `--yes` it refuses). tests/test_pages.py compares
fresh output with them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import sys
from pathlib import Path

import yaml

from generator.content.load import load_content
from generator.content.visible import visible_tips
from generator.model import Phrase, Taxonomy, Term, Tip
from generator.site.model import Site
from generator.site.pages import render_pages

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "site"
GOLDEN = HERE / "golden"
TODAY = dt.date(2025, 6, 1)  # pinned: decides which fixture tips are "scheduled"
MODES = {"published": False, "preview": True}  # golden folder → drafts shown


def fixture_site(drafts: bool) -> Site:
    """The fixture content as the site shows it; related tips come from related.yml."""
    content = load_content(FIXTURE)
    related = yaml.safe_load((FIXTURE / "related.yml").read_text(encoding="utf-8"))
    tips = visible_tips(content.tips, TODAY, drafts=drafts)
    return Site(tips, content.taxonomy, {k: tuple(v) for k, v in related.items()}, TODAY)


def hostile_site(text: str) -> Site:
    """One tip whose every field, and its situation's, holds `text`."""
    term = Term(id="angry", label=text, description=text, synonyms=(text,))
    tip = Tip(
        title=text,
        slug="hostile",
        body="A harmless body.\n",
        date=TODAY,
        summary=text,
        situations=("angry",),
        phrases=(Phrase(text),),
    )
    return Site((tip,), Taxonomy(situations=(term,)), {}, TODAY)


def rendered(mode: str) -> dict[str, str]:
    """Page path → Markdown, freshly generated."""
    return {page.path: page.text for page in render_pages(fixture_site(MODES[mode]))}


def stored(mode: str) -> dict[str, str]:
    """Page path → Markdown, as committed in tests/golden/<mode>/."""
    root = GOLDEN / mode
    files = (p for p in root.rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in files}


def differences(mode: str) -> list[str]:
    """Unified diffs between the golden files and fresh output, one per changed file."""
    old, new = stored(mode), rendered(mode)
    diffs = []
    for path in sorted(old.keys() | new.keys()):
        if old.get(path) != new.get(path):
            diff = difflib.unified_diff(
                old.get(path, "").splitlines(keepends=True),
                new.get(path, "").splitlines(keepends=True),
                f"golden/{mode}/{path}",
                f"generated/{mode}/{path}",
            )
            diffs.append("".join(diff))
    return diffs


def _overwrite(mode: str) -> None:
    root = GOLDEN / mode
    new = rendered(mode)
    for path in stored(mode).keys() - new.keys():
        (root / path).unlink()
    for path, text in new.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__)
    parser.add_argument("--yes", action="store_true", help="overwrite without asking")
    args = parser.parse_args(argv)
    diffs = {mode: differences(mode) for mode in MODES}
    count = sum(map(len, diffs.values()))
    if not count:
        print("Golden files are up to date.")
        return 0
    for mode_diffs in diffs.values():
        sys.stdout.writelines(mode_diffs)
    from tests.ask import may_overwrite  # here: the tests import this module as `golden`

    if not may_overwrite(count, "golden file(s)", yes=args.yes):
        return 1
    for mode, mode_diffs in diffs.items():
        if mode_diffs:
            _overwrite(mode)
    print(f"Wrote {count} golden file(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
