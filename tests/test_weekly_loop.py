"""The weekly loop, as an editor lives it, on a copy of the project.

An editor adds an untagged tip with `tipkb new` (dated next Tuesday) and a
"Consider these phrases:" list, fixes a word in another tip and retires a third.
The content half of the README's test command (`tipkb check`, then a strict
build) passes; the new tip stays off the site until its Tuesday, when it is this
week's tip with its phrases. A misspelled id, or the template left unfilled,
fails with `path:line` lines and no traceback. The other half of the test
command, the test suite, never reads content/ (tests/test_layout.py and this
file's last test hold that), so an editor's change cannot break it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_project

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "corpus"
WEDNESDAY, TUESDAY = "2026-12-02", "2026-12-08"
BODY = """\
A customer brings back a parcel and expects a fight about it.

Consider these phrases:

- “Thanks for bringing it back; let’s get this sorted for you.”
- “You’ll see the money on your card within three days.”

Make returns painless.
"""


def tipkb(project: Path, *args: str, today: str = WEDNESDAY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIPKB_TODAY": today}
    done = subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def content_checks(project: Path, today: str = WEDNESDAY) -> list[subprocess.CompletedProcess[str]]:
    """The content half of `make test`: check, then the strict build."""
    return [tipkb(project, "check", today=today), tipkb(project, "build", "--strict", today=today)]


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project after an editor's week: a new tip, an edited one, a retired one."""
    project = make_project(tmp_path_factory.mktemp("week"))
    shutil.copytree(CORPUS, project / "content")
    made = tipkb(project, "new", "Make Returns Painless")
    assert made.returncode == 0, made.stderr
    new = project / made.stdout.strip()  # printed relative to the project folder
    assert new.name == f"{TUESDAY}-make-returns-painless.md"
    text = new.read_text(encoding="utf-8")
    new.write_text(text[: text.index("<!--")] + BODY, encoding="utf-8")
    tips = sorted((project / "content" / "tips").glob("2014-*.md"))
    fixed = tips[0].read_text(encoding="utf-8").replace(" customer ", " client ", 1)
    tips[0].write_text(fixed, encoding="utf-8")  # a word fixed
    tips[1].unlink()  # retired
    return project, new


def test_the_content_half_of_the_test_command_passes(week: tuple[Path, Path]) -> None:
    project, _ = week
    for done in content_checks(project):
        assert done.returncode == 0, done.stderr


def test_the_new_tip_is_off_the_site_until_its_tuesday(week: tuple[Path, Path]) -> None:
    project, _ = week
    assert tipkb(project, "build", "--strict").returncode == 0
    assert not (project / "site" / "tips" / "make-returns-painless").exists()


def test_on_its_tuesday_it_is_this_weeks_tip_with_its_phrases(week: tuple[Path, Path]) -> None:
    project, _ = week
    done = tipkb(project, "build", "--strict", today=TUESDAY)
    assert done.returncode == 0, done.stderr
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    this_week = home[home.index("This week") :]
    assert "Make Returns Painless" in this_week[:2000]
    page = (project / "site" / "tips" / "make-returns-painless" / "index.html").read_text("utf-8")
    assert "let’s get this sorted for you" in page and "within three days" in page


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        (
            lambda text: text.replace("situations: []", "situations: [upset-custmer]", 1),
            r":8: unknown situation 'upset-custmer' \(did you mean 'upset-customer'\?\)",
        ),
        (
            lambda text: text.replace(
                "Make returns painless.", "Then say what to do, and what to say."
            ),
            r":\d+: 'Then say what to do, and what to say\.' is the template's",
        ),
    ],
    ids=["misspelled id", "template left"],
)
def test_a_mistake_fails_the_test_command_on_its_line(
    week: tuple[Path, Path], mistake: object, expected: str
) -> None:
    project, new = week
    good = new.read_text(encoding="utf-8")
    new.write_text(mistake(good), encoding="utf-8")  # type: ignore[operator]
    try:
        check, build = content_checks(project)
    finally:
        new.write_text(good, encoding="utf-8")
    for done in (check, build):
        assert done.returncode == 1
        shown = re.escape(str(new.relative_to(project)))  # as the editor named the folder
        assert re.search(shown + expected, done.stderr), done.stderr


def test_no_test_reads_the_committed_content() -> None:
    """Editors change content/ every week: tests use their own trees or tests/corpus."""
    readers = [
        f"{path.name}:{number}"
        for path in sorted(Path(__file__).parent.glob("*.py"))
        if path.name not in {"corpus.py", Path(__file__).name}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""(ROOT|parent\.parent)\s*/\s*["']content["']""", line)
    ]
    assert readers == []
