"""`tipkb new`: a new tip from the template."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.content.load import load_content
from generator.content.scaffold import new_tip, next_tuesday
from generator.content.schema import PLACEHOLDERS
from generator.errors import ContentError, TipkbError

BASE = Path(__file__).parent / "fixtures" / "base"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path / "content")
    return tmp_path / "content"


@pytest.mark.parametrize(
    ("today", "tuesday"),
    [
        (dt.date(2026, 11, 23), dt.date(2026, 11, 24)),  # Monday
        (dt.date(2026, 11, 24), dt.date(2026, 11, 24)),  # Tuesday: today
        (dt.date(2026, 11, 25), dt.date(2026, 12, 1)),  # Wednesday
        (dt.date(2026, 12, 29), dt.date(2026, 12, 29)),
        (dt.date(2026, 12, 30), dt.date(2027, 1, 5)),  # across the year
    ],
)
def test_next_tuesday(today: dt.date, tuesday: dt.date) -> None:
    assert next_tuesday(today) == tuesday


def test_new_tip_is_dated_next_tuesday_and_valid_once_written(content: Path) -> None:
    path = new_tip(content, "  Make the Long  Wait Feel Shorter ", today=dt.date(2026, 11, 23))
    assert path == content / "tips" / "2026-11-24-make-the-long-wait-feel-shorter.md"
    text = path.read_text(encoding="utf-8")
    assert "Consider these phrases:" in text  # the hint for the phrase extractor
    with pytest.raises(ContentError) as unfinished:  # the template is not a tip
        load_content(content)
    lines = text.splitlines()
    assert [(p.line, p.message.split("'")[1]) for p in unfinished.value.problems] == [
        (lines.index(placeholder) + 1, placeholder) for placeholder in PLACEHOLDERS
    ]
    for placeholder in PLACEHOLDERS:  # the editor writes
        text = text.replace(placeholder, "Tell them how long, and check back.")
    path.write_text(text, encoding="utf-8")
    tip = next(t for t in load_content(content).tips if t.path == path)
    assert (tip.title, tip.series, tip.situations, tip.phrases) == (
        "Make the Long Wait Feel Shorter",
        "tip-of-the-week",
        (),
        (),
    )


@pytest.mark.parametrize("title", ["Base Tip", "base tip", "Base  Tip!"])
def test_existing_title_or_slug_is_refused(content: Path, title: str) -> None:
    before = sorted((content / "tips").iterdir())
    with pytest.raises(TipkbError, match="already exists"):
        new_tip(content, title)
    assert sorted((content / "tips").iterdir()) == before


def test_cli_prints_path_and_honours_date(content: Path) -> None:
    result = CliRunner().invoke(
        cli, ["new", "--content", str(content), "--date", "2027-01-05", "A New Tip"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(content / "tips" / "2027-01-05-a-new-tip.md")
    assert "`make serve`" in result.stderr and "`make check`" in result.stderr  # as the guide


def test_cli_rejects_a_bad_date(content: Path) -> None:
    result = CliRunner().invoke(
        cli, ["new", "--content", str(content), "--date", "2027-13-05", "A New Tip"]
    )
    assert result.exit_code == 2
    assert "YYYY" in result.output or "%Y-%m-%d" in result.output
