"""The editor's week, end to end: new → write → check → build shows it as this week's tip."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import cli
from generator.content.load import load_content

CONTENT = Path(__file__).parent / "corpus"  # the frozen copy of the real tips
TUESDAY = dt.date(2026, 12, 1)

BODY = """\
The line was out the door and the customer had been waiting twenty minutes.
Long waits feel shorter when people know what is happening and why.

Consider these phrases:

- “Thank you for waiting. I’m sorry it took so long.”
- “Here’s what happens next, and it should take about five minutes.”

Make the long wait feel shorter.
"""


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("flow")
    content = root / "content"
    shutil.copytree(CONTENT, content)
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "new",
            "--content",
            str(content),
            "--date",
            TUESDAY.isoformat(),
            "Make the Long Wait Feel Shorter",
        ],
    )
    assert made.exit_code == 0, made.output
    path = Path(made.stdout.strip())
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.split("---\n\n", 1)[0] + "---\n\n" + BODY, encoding="utf-8"
    )  # the editor writes
    (content / "tips" / "2026-12-02-not-yet.md").write_text(
        "---\ntitle: Not Yet\nslug: not-yet\ndate: 2026-12-02\n---\n\nA tip for tomorrow.\n",
        encoding="utf-8",
    )
    (content / "tips" / "undated-a-draft.md").write_text(
        "---\ntitle: A Draft\nslug: a-draft\ndraft: true\n---\n\nStill being written.\n",
        encoding="utf-8",
    )
    checked = runner.invoke(cli, ["check", "--content", str(content)])
    assert checked.exit_code == 0, checked.output
    site = root / "site"
    build(content, site, strict=True, build_dir=root / "build", today=TUESDAY)
    return content, site


def test_new_tip_is_this_weeks_tip_with_auto_tags(flow: tuple[Path, Path]) -> None:
    _, site = flow
    home = (site / "index.html").read_text(encoding="utf-8")
    week = home.split('id="this-week"', 1)[1].split("</div>", 1)[0]
    assert "Make the Long Wait Feel Shorter" in week
    page = (site / "tips" / "make-the-long-wait-feel-shorter" / "index.html").read_text(
        encoding="utf-8"
    )
    assert re.search(r'href="\.\./\.\./situations/long-wait/"', page)
    assert "Thank you for waiting. I’m sorry it took so long." in page


def test_tip_file_keeps_what_the_editor_wrote(flow: tuple[Path, Path]) -> None:
    content, _ = flow
    tip = next(t for t in load_content(content).tips if t.slug == "make-the-long-wait-feel-shorter")
    assert (tip.situations, tip.techniques, tip.auto_tags) == (
        (),
        (),
        (),
    )  # tags live in the build only


@pytest.mark.parametrize("slug", ["not-yet", "a-draft"])
def test_future_and_draft_tips_are_not_published(flow: tuple[Path, Path], slug: str) -> None:
    _, site = flow
    assert not (site / "tips" / slug).exists()
    assert all(slug not in p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
