"""Every bad input gets `path:line: message` and exit 1 (or passes when harmless), never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
CASES = HERE / "bad_inputs"
BASE = HERE / "fixtures" / "base"
EXPECTED = yaml.safe_load((CASES / "expected.yml").read_text(encoding="utf-8"))


def run_check(content: Path) -> subprocess.CompletedProcess[str]:
    # A real process: proves the exit code and that no traceback reaches the user.
    return subprocess.run(
        [sys.executable, "-m", "generator", "check", "--content", str(content)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=HERE.parent,
    )


def content_with(tmp_path: Path, name: str, data: bytes) -> Path:
    content = tmp_path / "content"
    shutil.copytree(BASE, content)
    target = content / "taxonomy.yml" if name.startswith("taxonomy-") else content / "tips" / name
    target.write_bytes(data)
    return content


def test_every_case_file_has_an_expectation() -> None:
    files = {p.name for p in CASES.iterdir() if p.name != "expected.yml"}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input(tmp_path: Path, name: str) -> None:
    content = content_with(tmp_path, name, (CASES / name).read_bytes())
    result = run_check(content)
    assert "Traceback" not in result.stderr
    if EXPECTED[name].get("accepted"):
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert f"{content}/{EXPECTED[name]['message']}" in result.stderr


def test_huge_body_is_refused_quickly(tmp_path: Path) -> None:
    body = ("A sentence that goes on and on. " * 32 + "\n\n") * 5000  # ~5 MB
    data = f"---\ntitle: Huge\nslug: huge\n---\n\n{body}".encode()
    assert len(data) > 5_000_000
    content = content_with(tmp_path, "undated-huge.md", data)
    result = run_check(content)
    assert result.returncode == 1
    assert f"{content}/tips/undated-huge.md: file is 5.1 MB" in result.stderr


def test_base_content_is_valid(tmp_path: Path) -> None:
    assert run_check(BASE).returncode == 0


def test_unsafe_markup_does_not_hide_the_tips_other_errors(tmp_path: Path) -> None:
    # All errors at once: the editor fixes the file in one go, not one error a check.
    data = b"---\ntitle: Two errors\nsituations: [long-wiat]\n---\n\nHi.\n\n<script>x()</script>\n"
    content = content_with(tmp_path, "undated-two-errors.md", data)
    result = run_check(content)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "undated-two-errors.md:8: raw <script> HTML is not allowed" in result.stderr
    assert "undated-two-errors.md:3:" in result.stderr and "long-wiat" in result.stderr
    # In line order, as the editor goes through the file.
    assert result.stderr.index(".md:3:") < result.stderr.index(".md:8:")
