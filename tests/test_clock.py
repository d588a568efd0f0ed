""" "Today" comes from one place: TIPKB_TODAY, else the day in TIPKB_TIMEZONE (default: local)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_project

from generator import clock
from generator.errors import ClockError

SITE = Path(__file__).parent / "fixtures" / "site"  # has a tip dated 2099-01-06


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIPKB_TODAY", raising=False)
    monkeypatch.delenv("TIPKB_TIMEZONE", raising=False)


def test_today_is_the_local_day_by_default() -> None:
    assert clock.today() in (dt.date.today(), dt.date.today() - dt.timedelta(days=1))


def test_today_can_be_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPKB_TODAY", "2031-02-03")
    monkeypatch.setenv("TIPKB_TIMEZONE", "Pacific/Kiritimati")  # the pinned day wins
    assert clock.today() == dt.date(2031, 2, 3)


def test_today_is_the_day_in_the_named_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    days = {}
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 and UTC-11
        monkeypatch.setenv("TIPKB_TIMEZONE", zone)
        days[zone] = clock.today()
    assert days["Pacific/Kiritimati"] > days["Pacific/Pago_Pago"]  # 25 hours apart


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TIPKB_TODAY", "2025-13-01", "TIPKB_TODAY='2025-13-01' is not a real date; write it as"),
        ("TIPKB_TODAY", "20250101", "TIPKB_TODAY='20250101' is not a real date"),
        ("TIPKB_TODAY", "tomorrow", "TIPKB_TODAY='tomorrow' is not a real date"),
        ("TIPKB_TIMEZONE", "Mars/Base", "TIPKB_TIMEZONE='Mars/Base' is not a time zone; use an"),
        ("TIPKB_TIMEZONE", "../../etc/passwd", "is not a time zone"),
    ],
)
def test_a_bad_setting_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ClockError, match=message.replace("(", r"\(")):
        clock.today()


def build(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    content = make_project(tmp_path) / "content"
    if not content.exists():
        shutil.copytree(SITE, content)
    return subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", str(content), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, **env},
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "env"),
    [(["--today", "2099-01-06"], {}), ([], {"TIPKB_TODAY": "2099-01-06"})],
    ids=["--today", "TIPKB_TODAY"],
)
def test_build_as_of_a_day_shows_the_tips_dated_up_to_it(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    result = build(tmp_path, "--site", "site", *args, **env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "tips" / "a-scheduled-tip" / "index.html").is_file()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--today", "2099-13-01"], {}, "Invalid value for '--today'"),
        ([], {"TIPKB_TIMEZONE": "Nowhere/Atall"}, "error: TIPKB_TIMEZONE='Nowhere/Atall' is not"),
    ],
)
def test_build_with_a_bad_day_writes_nothing(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    result = build(tmp_path, "--site", "site", *args, **env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()
