"""`make bench` on a tiny corpus: it runs every build in each round, keeps the best
times, cleans up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
BUILDS = ("floor", "floor2", "peer", "zensical", "ours", "rebuild", "edit", "preview")

pytest.importorskip("zensical", reason="zensical is installed with the test extras")


def test_bench_reports_the_best_of_its_rounds(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work"
    cmd = [sys.executable, "-m", "benchmarks.run", "--sizes", "30", "--repeat", "2"]
    cmd += ["--out", str(out), "--work", str(work)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    for build in BUILDS:
        assert done.stdout.count(f"   {build:8} ") == 2, build
    shown = [float(line.split()[1]) for line in done.stdout.splitlines() if "   ours " in line]
    result = json.loads((out / "results.json").read_text(encoding="utf-8"))["results"][0]
    assert result["n"] == 30 and result["sizes"]["pages"] > 30
    assert round(result["ours"]["stages"]["total"], 2) == min(shown)
    assert {result[build]["runs"] for build in BUILDS} == {2}
    floor = result["floor"]["stages"]["total"]
    assert result["ratio_to_floor"] == result["ours"]["stages"]["total"] / floor
    assert result["ratios"]["preview"] == result["preview"]["stages"]["preview"] / floor
    least = result["our_stages_s"] + result["floor2"]["stages"]["mkdocs"]
    assert result["least_ratio"] == least / floor
    # After one edit, only some pages are rendered again.
    assert 0 < result["edit"]["stages"]["rendered"] < result["sizes"]["pages"]
    # floor2 is the floor's site, built by our MkDocs stage.
    assert files_of(work / "30" / "floor2-site") == files_of(work / "30" / "floor-site")
    assert (work / "30" / "peer-site" / "blog" / "index.html").is_file()
    report = (out / "results.md").read_text(encoding="utf-8")
    assert "| 30 |" in report and "peer (blog + tags)" in report
    assert sorted(p.name for p in work.iterdir()) == ["30"]  # the trash is emptied


def test_bench_leaves_out_what_it_is_told_to_and_refuses_the_rest(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work"
    cmd = [sys.executable, "-m", "benchmarks.run", "--sizes", "30", "--repeat", "1"]
    cmd += ["--out", str(out), "--work", str(work)]
    done = subprocess.run(
        [*cmd, "--skip", "peer,zensical"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr
    assert "   peer " not in done.stdout and "   zensical " not in done.stdout
    assert "   floor2 " in done.stdout and "   ours " in done.stdout
    report = (out / "results.md").read_text(encoding="utf-8")
    assert "not run" in report and "ratio to the floor at 30" not in report
    refused = subprocess.run([*cmd, "--skip", "ours"], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "ours cannot be left out" in refused.stderr


def files_of(site: Path) -> dict[str, bytes]:
    found = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert len(found) > 30
    return found


def test_the_semantic_measurement_says_what_it_needs_when_it_is_missing() -> None:
    """benchmarks.semantic needs WordLlama, which tipkb does not depend on."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.semantic"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode == 0:
        pytest.skip("WordLlama is installed here: the measurement ran")
    assert done.returncode == 2 and "pip install wordllama" in done.stderr
