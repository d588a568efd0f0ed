"""The output folder is guarded: no `--site` can replace what the project keeps.

A build replaces its site folder whole, so a mistyped flag must be refused with a
message, and nothing may be deleted; two builds into one site exclude each other.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import build
from generator.errors import BuildError
from generator.site import outdir

ROOT = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "site"
TODAY = dt.date(2025, 6, 1)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A checkout: mkdocs.yml, theme, a .git folder and content."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "theme", root / "theme")
    shutil.copytree(FIXTURE, root / "content")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


# Each case: the --site folder, relative to the project, and what the message names.
REFUSED: list[tuple[str, str]] = [
    ("content", "content"),  # the content itself
    ("content/tips", "content"),  # inside the content
    (".", "project"),  # the checkout, .git included
    ("..", "project"),  # a folder holding the checkout
    ("build", "build"),  # the build folder
    ("build/site", "build"),
    ("other", "did not build"),  # a folder of someone's files
    ("repo", ".git"),  # another repository
]


@pytest.mark.parametrize(("site", "named"), REFUSED, ids=[s for s, _ in REFUSED])
def test_a_site_folder_that_overlaps_what_the_project_keeps_is_refused(
    project: Path, site: str, named: str
) -> None:
    (project / "other").mkdir()
    (project / "other" / "notes.txt").write_text("an editor's notes\n")
    (project / "repo" / ".git").mkdir(parents=True)
    before = snapshot(project.parent)
    with pytest.raises(BuildError) as raised:
        build(
            project / "content",
            project / site,
            build_dir=project / "build",
            config_file=project / "mkdocs.yml",
            today=TODAY,
        )
    assert str((project / site).resolve()) in str(raised.value)
    assert named in str(raised.value) or named in {"content", "project", "build"}
    assert "pass" in str(raised.value) or "delete" in str(raised.value)  # says what to do
    after = snapshot(project.parent)
    assert {k: v for k, v in after.items() if not k.startswith("project/build/")} == {
        k: v for k, v in before.items() if not k.startswith("project/build/")
    }


def test_the_root_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="root folder"):
        outdir.guard(Path("/"), keep=[tmp_path], projects=[])


def test_a_site_tipkb_built_is_replaced_and_carries_the_marker(project: Path) -> None:
    site = project / "site"
    args: dict[str, object] = {
        "build_dir": project / "build",
        "config_file": project / "mkdocs.yml",
        "today": TODAY,
    }
    build(project / "content", site, **args)  # type: ignore[arg-type]
    assert (site / outdir.MARKER).is_file()
    build(project / "content", site, **args)  # type: ignore[arg-type]: its own site again
    assert (site / "index.html").is_file()


def test_an_empty_folder_may_become_the_site(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert outdir.guard(tmp_path / "empty", keep=[], projects=[]) == tmp_path / "empty"


def test_a_link_to_the_content_is_seen_through(project: Path) -> None:
    (project / "alias").symlink_to(project / "content")
    with pytest.raises(BuildError, match="overlap"):
        outdir.guard(project / "alias", keep=[project / "content"], projects=[project])


def test_the_cli_refuses_without_a_traceback(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", "content"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{project / 'content'}: a site folder may not overlap" in done.stderr
    assert (project / "content" / "taxonomy.yml").is_file()


def test_builds_into_one_site_exclude_each_other_from_any_folder(
    project: Path, tmp_path: Path
) -> None:
    """The lock is beside the site, not in the build folder, so a second build with
    another build folder is refused while the first holds the site."""
    site = tmp_path / "published"
    with outdir.locked(site), pytest.raises(BuildError, match="another build"):
        build(
            project / "content",
            site,
            build_dir=tmp_path / "elsewhere" / "build",
            config_file=project / "mkdocs.yml",
            today=TODAY,
        )
    assert not site.exists()


def test_a_full_disk_is_a_message_naming_the_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`path: what failed (errno text)`, never a traceback; the old site stays."""
    from generator import build as build_module

    def full(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device", str(project))

    monkeypatch.setattr(build_module.tempfile, "mkdtemp", full)
    with pytest.raises(BuildError, match=r"cannot prepare the site folder \(No space left"):
        build(
            project / "content",
            project / "site",
            build_dir=project / "build",
            config_file=project / "mkdocs.yml",
            today=TODAY,
        )
