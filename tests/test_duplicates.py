"""Near-duplicate warnings, and the cache that lets `tipkb check` skip unchanged tips."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import cache as cache_module
from generator.cli import cli
from generator.content import load as content_module
from generator.content.duplicates import near_duplicates, shingles
from generator.content.load import check_all
from generator.content.tipfile import dump_tip
from generator.errors import ContentError
from generator.model import Tip, slugify

ROOT = Path(__file__).resolve().parent.parent


def tip(title: str, body: str, **fields: object) -> Tip:
    return Tip(title=title, slug=slugify(title), body=body, **fields)  # type: ignore[arg-type]


LONG = (
    "When the customer is angry about a late delivery, start by listening to the whole story "
    "without interrupting, then repeat the key facts back so they know you heard them, and "
    "finally tell them the one thing you will do today and when they will hear from you again."
)


def dated(title: str, body: str, day: int) -> Tip:
    made = tip(title, body, date=dt.date(2024, 3, day))
    return dataclasses.replace(made, path=Path("content/tips") / made.filename)


def test_a_near_copy_is_reported_on_the_newer_tip_naming_the_older() -> None:
    original = dated("Late Deliveries", LONG, 1)
    copy = dated("Late Delivery Calls", LONG.replace("angry", "upset"), 8)
    problems = near_duplicates([copy, original, dated("Other", "Nothing alike at all here.", 2)])
    assert [str(p) for p in problems] == [
        f"{copy.path}:1: warning: very close to 'Late Deliveries' ({original.path}); "
        "is this the same tip?"
    ]
    assert problems[0].level == "warning"


def test_a_short_tip_contained_in_a_long_one_is_reported() -> None:
    teaser = dated("Deliveries Teaser", LONG[:180], 5)
    assert len(near_duplicates([dated("Late Deliveries", LONG, 1), teaser])) == 1


def test_different_tips_sharing_boilerplate_are_not_reported() -> None:
    footer = " Signup for free tips, contact us, and visit our home page."
    tips = [
        dated(f"Tip {i}", f"Tip number {i} says something of its own: {word}." + footer * 3, i)
        for i, word in enumerate(["patience", "kindness", "speed", "honesty"], 1)
    ]
    assert near_duplicates(tips) == []


def test_a_new_tip_with_no_text_yet_is_compared_by_title() -> None:
    blank = dated("Defend Without Getting Defensive", "<!-- write the tip here -->", 9)
    existing = dated("Defend without Being Defensive", LONG, 1)
    problems = near_duplicates([existing, blank])
    assert [p.path for p in problems] == [blank.path]
    assert near_duplicates([existing, dated("Greet Every Visitor", "<!-- -->", 9)]) == []


def test_runs_hash_the_same_in_every_process() -> None:
    """They are cached between runs, so Python's per-process string hashing won't do."""
    code = f"from generator.content.duplicates import shingles; print(sorted(shingles({LONG!r})))"
    other = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert other.stdout.strip() == str(sorted(shingles(LONG)))


# --- the cache `tipkb check` keeps ---------------------------------------------


def content_tree(root: Path, bodies: dict[str, str]) -> Path:
    (root / "tips").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "corpus" / "taxonomy.yml", root / "taxonomy.yml")
    for day, (title, body) in enumerate(bodies.items(), 1):
        made = dated(title, body, day)
        (root / "tips" / made.filename).write_text(dump_tip(made), encoding="utf-8")
    return root


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Paths parsed from disk (not taken from the cache); files count as settled at once."""
    reads: list[Path] = []
    read_tip = content_module.read_tip

    def counting(path: Path, **kwargs: bool) -> object:
        reads.append(path)
        return read_tip(path, **kwargs)

    monkeypatch.setattr(content_module, "read_tip", counting)
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    return reads


def test_a_second_check_parses_only_the_changed_tip(
    tmp_path: Path, counted_reads: list[Path]
) -> None:
    root = content_tree(tmp_path / "content", {"Late Deliveries": LONG, "Other": "Be kind."})
    cache_file = tmp_path / "cache.pickle"
    first = check_all(root, cache_file=cache_file)
    assert len(counted_reads) == 2 and cache_file.is_file()
    counted_reads.clear()
    assert check_all(root, cache_file=cache_file) == first
    assert counted_reads == []
    changed = next((root / "tips").glob("*other.md"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("kind", "calm"), "utf-8")
    again = check_all(root, cache_file=cache_file)
    assert counted_reads == [changed]
    assert [t.body for t in again.tips] == [LONG + "\n", "Be calm.\n"]


def test_a_cached_problem_is_still_reported(tmp_path: Path, counted_reads: list[Path]) -> None:
    root = content_tree(tmp_path / "content", {"Late Deliveries": LONG})
    bad = root / "tips" / "2024-03-09-broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    cache_file = tmp_path / "cache.pickle"
    messages = []
    for _ in range(2):
        with pytest.raises(ContentError) as caught:
            check_all(root, cache_file=cache_file)
        messages.append([str(p) for p in caught.value.problems])
    assert messages[0] == messages[1] and f"{bad}:3: invalid YAML" in messages[0][0]
    assert counted_reads == [root / "tips" / dated("Late Deliveries", "", 1).filename, bad]


def test_a_file_changed_within_a_clock_tick_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File times tick coarsely: a second edit to the same size in one tick keeps the key."""
    path = tmp_path / "tip.md"
    path.write_text("text", encoding="utf-8")
    assert cache_module.file_key(path) is None
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    assert cache_module.file_key(path) is not None
    assert cache_module.file_key(tmp_path / "missing.md") is None


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda f: f.write_bytes(b"not a pickle"), id="corrupt file"),
        pytest.param(lambda f: f.write_bytes(b""), id="empty file"),
    ],
)
def test_a_broken_cache_is_ignored_and_replaced(
    tmp_path: Path, counted_reads: list[Path], spoil: object
) -> None:
    root = content_tree(tmp_path / "content", {"Late Deliveries": LONG})
    cache_file = tmp_path / "cache.pickle"
    spoil(cache_file)  # type: ignore[operator]
    assert len(check_all(root, cache_file=cache_file).tips) == 1
    counted_reads.clear()
    check_all(root, cache_file=cache_file)
    assert counted_reads == []


def test_a_cache_from_other_code_is_not_used(
    tmp_path: Path, counted_reads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = content_tree(tmp_path / "content", {"Late Deliveries": LONG})
    cache_file = tmp_path / "cache.pickle"
    check_all(root, cache_file=cache_file)
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another version")
    counted_reads.clear()
    check_all(root, cache_file=cache_file)
    assert len(counted_reads) == 1


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path) -> None:
    root = content_tree(tmp_path / "content", {"Late Deliveries": LONG})
    (tmp_path / "build").write_text("a file where the cache folder would go", encoding="utf-8")
    assert len(check_all(root, cache_file=tmp_path / "build" / "cache.pickle").tips) == 1


@pytest.mark.parametrize(("args", "cached"), [([], True), (["--no-cache"], False)])
def test_check_command_keeps_its_cache_under_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], cached: bool
) -> None:
    content_tree(tmp_path / "content", {"Late Deliveries": LONG})
    monkeypatch.chdir(tmp_path)  # the command's defaults are relative to where it runs
    result = CliRunner().invoke(cli, ["check", *args])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "build" / "cache" / "content.pickle").is_file() == cached
