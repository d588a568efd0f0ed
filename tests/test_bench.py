"""`make bench` on a tiny corpus: it runs, keeps the best times, cleans up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_bench_reports_the_best_of_its_cold_builds(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work"
    cmd = [sys.executable, "-m", "benchmarks.run", "--sizes", "30", "--repeat", "2"]
    cmd += ["--out", str(out), "--work", str(work)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for build in ("ours", "anchor", "floor"):
        assert done.stdout.count(f"   {build} ") == 2
    shown = [float(line.split()[1]) for line in done.stdout.splitlines() if "   ours " in line]
    result = json.loads((out / "results.json").read_text(encoding="utf-8"))["results"][0]
    assert result["n"] == 30 and result["sizes"]["pages"] > 30
    assert round(result["ours"]["stages"]["total"], 1) == min(shown)
    assert result["ours"]["runs"] == result["anchor"]["runs"] == result["floor"]["runs"] == 2
    ours, anchor = result["ours"]["stages"]["total"], result["anchor"]["stages"]["total"]
    assert result["ratio_to_anchor"] == ours / anchor
    floor = result["our_stages_s"] + result["floor"]["stages"]["mkdocs"]
    assert result["least_ratio"] == floor / anchor
    # The floor is the anchor's site, built by our MkDocs stage.
    assert files_of(work / "30" / "floor-site") == files_of(work / "30" / "anchor-site")
    assert "| 30 |" in (out / "results.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in work.iterdir()) == ["30"]  # the trash is emptied


def files_of(site: Path) -> dict[str, bytes]:
    found = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert len(found) > 30
    return found
