"""The frozen corpus: a copy of the real tips that the quality figures are measured on.

Editors change content/ every week, so no test reads it. The labelled sets in
tests/labels/ name tips of this copy; `python -m tests.corpus --from content` (or
`make corpus`) refreshes it from the folder named, listing what would change and
asking first (`--yes` to skip the question; without a terminal and without `--yes`
it refuses). After a refresh, check that the labelled sets still name tips that exist.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

from tests.ask import may_overwrite

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"


def changes(source: Path, corpus: Path = CORPUS) -> list[str]:
    """'+ path', '- path' or '~ path' for each file that a refresh would add, remove or change."""
    new = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    old = {p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file()}
    out = [f"+ {p}" for p in sorted(new - old)] + [f"- {p}" for p in sorted(old - new)]
    out += [
        f"~ {p}"
        for p in sorted(new & old)
        if not filecmp.cmp(source / p, corpus / p, shallow=False)
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus", description=__doc__)
    parser.add_argument("--from", dest="source", type=Path, required=True, help="content folder")
    parser.add_argument("--yes", action="store_true", help="refresh without asking")
    args = parser.parse_args(argv)
    found = changes(args.source)
    if not found:
        print(f"The frozen corpus is up to date with {args.source}.")
        return 0
    print("\n".join(found))
    if not may_overwrite(len(found), "file(s) of tests/corpus/", yes=args.yes):
        return 1
    staged = CORPUS.with_name("corpus.new")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(args.source, staged)
    shutil.rmtree(CORPUS, ignore_errors=True)
    staged.rename(CORPUS)
    print(f"Refreshed tests/corpus/ ({len(found)} file(s)).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
