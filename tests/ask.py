"""The one question the regenerate commands ask before they overwrite files."""

from __future__ import annotations

import sys


def may_overwrite(count: int, what: str, *, yes: bool) -> bool:
    """Whether to overwrite `count` files: yes with --yes, else asked on a terminal;
    without a terminal it refuses and says how to go on."""
    if yes:
        return True
    if not sys.stdin.isatty():
        print(f"{count} {what} differ; rerun with --yes to overwrite them.")
        return False
    if input(f"Overwrite {count} {what}? [y/N] ").strip().lower() not in ("y", "yes"):
        print("Left unchanged.")
        return False
    return True
