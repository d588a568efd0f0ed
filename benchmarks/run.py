"""`make bench`: build synthetic corpora of N tips and measure every stage.

For each N, in one interleaved run (each round builds every one of these in turn, so
the machine's changing speed falls on all alike):

- the floor: plain `mkdocs build` (one CPU) of the same tip files, same theme,
  hub-only nav: bare MkDocs + Material, what every ratio is to;
- floor2: the floor's files through our MkDocs stage, on both CPUs (with our stages,
  the least any page content could cost us);
- the peer: the same tips as posts of Material's blog + tags plugins (`mkdocs build`);
- Zensical on the floor's files;
- our whole build, cold (seconds per stage, peak memory); again with nothing changed;
  after editing one tip, with the build folder kept (CI with a cache);
- the preview: `tipkb serve`'s rebuild after an editor saves one tip, from the save to
  the rebuilt site in place, measured in the server's process.

Then site size and largest pages, `tipkb search` latency over the labelled queries and
`tipkb check` times. Results go to benchmarks/results/ as JSON and tables. Each round is
run three times (--repeat) and each time figure is the best of the three: on shared
machines a single run may be slowed by a quarter or more by other work.

    python -m benchmarks.run [--sizes 2000] [--repeat 3] [--skip peer,zensical] [--out DIR] [--work DIR]

(--sizes 10000 takes many minutes.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from .child import PEER_DOCS, edited_tip
from .corpus import ROOT, make_corpus
from .peer import make_peer_docs

QUERIES = ROOT / "tests" / "labels" / "queries.yml"
TARGETS = {
    "ratio_to_floor_2000": 2.0,  # the cold build, site search included (issue 20)
    "ratio_to_floor_10000": 2.0,
    "edit_over_floor_2000": 0.25,
    "preview_over_floor_2000": 0.25,
    "edit_over_floor_10000": 0.1,
    "preview_over_floor_10000": 0.1,
    "our_stages_2000_s": 3.0,
    "scale_10000_over_2000": 5.5,
    "tip_page_kb": 40,
    "hub_page_kb": 250,
    "peak_mb_10000": 1024,
    "no_change_tag_index_s": 0.5,
    "check_one_changed_2000_s": 1.0,
}
OUR_STAGES = ("load", "tag", "index", "related", "pages")
# The cold builds of a round, in order, and their site folders; then `ours` again
# (nothing changed, then one tip edited) and the preview.
SITES = {
    "floor": "floor-site",
    "floor2": "floor2-site",
    "peer": "peer-site",
    "zensical": "zensical-site",
    "ours": "site",
}
AFTER = ("rebuild", "edit", "preview")
SKIPPABLE = ("floor2", "peer", "zensical")  # what the ratios do not need: --skip
EDIT_LINE = "\nOne more line, as an editor adds it.\n"


def measure(mode: str, content: Path, site: Path, build_dir: Path) -> dict[str, Any]:
    """Run one build in a child process; its stage times and its peak memory.

    The build may start worker processes, so the peak is of the memory of the whole
    process tree at once, sampled every SAMPLE_S (and never below the build process's
    own peak, which the kernel records exactly).
    """
    cmd = [sys.executable, "-m", "benchmarks.child", mode, str(content), str(site), str(build_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT)
    stdout = proc.stdout
    assert stdout is not None
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(stdout.read()))
    reader.start()
    peak = 0
    while os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(SAMPLE_S)
    _, status, usage = os.wait4(proc.pid, 0)
    reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"benchmark build failed: {' '.join(cmd)}")
    stages = json.loads(out[0].decode().strip().splitlines()[-1])
    return {"stages": stages, "peak_mb": max(peak, usage.ru_maxrss * 1024) / 2**20}


SAMPLE_S = 0.02
_PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += map(int, (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # exited meanwhile
    return total


def page_sizes(site: Path) -> dict[str, float]:
    pages = list(site.rglob("*.html"))
    tips = [p for p in pages if "/tips/" in p.as_posix()]
    hubs = [p for p in pages if p not in tips]
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    return {
        "site_mb": total / 1e6,
        "pages": len(pages),
        "largest_tip_page_kb": max((p.stat().st_size for p in tips), default=0) / 1e3,
        "largest_hub_page_kb": max((p.stat().st_size for p in hubs), default=0) / 1e3,
    }


def search_latency(content: Path, index_dir: Path, rounds: int = 3) -> dict[str, float]:
    from generator.content.load import load_content
    from generator.search.query import search

    taxonomy = load_content(content).taxonomy
    queries = [q["query"] for q in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["queries"]]
    search(index_dir, queries[0], taxonomy)  # open the index once, as a warm CLI would
    times = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            search(index_dir, query, taxonomy)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95) - 1]}


def check_times(content: Path, work: Path) -> dict[str, float]:
    """Wall time of `tipkb check` as an editor runs it: a fresh clone (no cache), again with
    nothing changed, and after editing one tip (what the pre-commit hook meets)."""
    shutil.rmtree(work / "build" / "cache", ignore_errors=True)
    cmd = [sys.executable, "-m", "generator", "check", "--content", str(content)]

    def timed() -> float:
        start = time.perf_counter()
        subprocess.run(cmd, cwd=work, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    cold, unchanged = timed(), timed()
    edited = min(content.glob("tips/*.md"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    return {"cold_s": cold, "unchanged_s": unchanged, "one_changed_s": timed()}


def set_aside(path: Path, trash: Path) -> None:
    """Move path into the trash folder, emptied once everything is measured.
    On some disks (ext4 with online discard, as on cloud VMs) creating files is several
    times slower for a while after thousands were deleted, which would be measured as
    the build's."""
    if path.exists():
        trash.mkdir(parents=True, exist_ok=True)
        path.rename(trash / f"{len(list(trash.iterdir()))}-{path.parent.name}-{path.name}")


def bench_size(
    n: int, work: Path, trash: Path, repeat: int, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """`repeat` rounds of every build but those in `skip`, keeping the best of each
    figure (the least disturbed by other work on the machine)."""
    builds = {mode: site for mode, site in SITES.items() if mode not in skip}
    print(f"== {n} tips", flush=True)
    build_dir = work / "build"
    set_aside(work / "content", trash)
    content = make_corpus(n, work / "content")
    if "peer" in builds:
        make_peer_docs(content, work / PEER_DOCS)
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in (*builds, *AFTER)}
    for _ in range(repeat):
        for stale in ("build", "preview-site", *SITES.values()):  # from files set aside
            set_aside(work / stale, trash)
        for mode, site in builds.items():
            note(runs, mode, measure(mode, content, work / site, build_dir))
        note(runs, "rebuild", measure("ours", content, work / "site", build_dir))
        tip, original = edited_tip(content), edited_tip(content).read_text(encoding="utf-8")
        tip.write_text(original + EDIT_LINE, encoding="utf-8")
        note(runs, "edit", measure("ours", content, work / "site", build_dir))
        note(runs, "preview", measure("preview", content, work / "preview-site", build_dir))
        tip.write_text(original, encoding="utf-8")
    got = {mode: best(r) for mode, r in runs.items()}
    our_stages = min(sum(r["stages"].get(s, 0.0) for s in OUR_STAGES) for r in runs["ours"])
    floor = figure("floor", got["floor"])
    return {
        "n": n,
        **got,
        "ratios": {m: figure(m, got[m]) / floor for m in got if m != "floor"},
        "ratio_to_floor": got["ours"]["stages"]["total"] / floor,
        "least_ratio": (our_stages + got["floor2"]["stages"]["mkdocs"]) / floor
        if "floor2" in got
        else None,
        "our_stages_s": our_stages,
        "sizes": page_sizes(work / "site"),
        "search": search_latency(content, build_dir / "index"),
        "check": check_times(content, work),
    }


def note(runs: dict[str, list[dict[str, Any]]], mode: str, run: dict[str, Any]) -> None:
    runs[mode].append(run)
    print(f"   {mode:8} {figure(mode, run):.2f} s", flush=True)


def figure(mode: str, run: dict[str, Any]) -> float:
    """The time a build is measured by: the whole child's, but the preview's rebuild."""
    return run["stages"]["preview" if mode == "preview" else "total"]


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each time the least over the runs (each stage, and the total, on its own), as
    timeit does; the peak memory the largest."""
    stages = {name: min(r["stages"][name] for r in runs) for name in runs[0]["stages"]}
    return {"stages": stages, "peak_mb": max(r["peak_mb"] for r in runs), "runs": len(runs)}


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| N | load | tag | index | related | pages | MkDocs | total | floor | ratio | floor2 "
        "| least ratio | our stages "
        "| rebuild tag+index | peak MB | site MB | max tip KB | max hub KB | search p50/p95 ms "
        "| check cold/unchanged/one changed s |"
    )
    rows = [head, "|" + " --- |" * (head.count("|") - 1)]
    for r in results:
        s, rb, c = r["ours"]["stages"], r["rebuild"]["stages"], r["check"]
        rows.append(
            f"| {r['n']} | {s.get('load', 0):.2f} | {s.get('tag', 0):.2f} | {s.get('index', 0):.2f} "
            f"| {s.get('related', 0):.2f} | {s.get('pages', 0):.2f} | {s.get('mkdocs', 0):.1f} | {s['total']:.1f} "
            f"| {r['floor']['stages']['total']:.1f} | {r['ratio_to_floor']:.2f} "
            f"| {_floor2(r)} | {r['our_stages_s']:.2f} "
            f"| {rb.get('tag', 0) + rb.get('index', 0):.2f} | {r['ours']['peak_mb']:.0f} "
            f"| {r['sizes']['site_mb']:.1f} | {r['sizes']['largest_tip_page_kb']:.1f} "
            f"| {r['sizes']['largest_hub_page_kb']:.1f} | {r['search']['p50_ms']:.1f}/{r['search']['p95_ms']:.1f} "
            f"| {c['cold_s']:.2f}/{c['unchanged_s']:.2f}/{c['one_changed_s']:.2f} |"
        )
    return "\n".join(rows) + "\n"


PEERS = {
    "floor": "floor (bare MkDocs)",
    "floor2": "floor, our 2-CPU stage",
    "peer": "peer (blog + tags)",
    "zensical": "Zensical",
    "ours": "tipkb cold",
    "rebuild": "tipkb unchanged",
    "edit": "tipkb after one edit",
    "preview": "preview edit→reload",
}


def _floor2(r: dict[str, Any]) -> str:
    if "floor2" not in r:
        return "not run | —"
    return f"{r['floor2']['stages']['mkdocs']:.1f} | {r['least_ratio']:.2f}"


def peers_table(results: list[dict[str, Any]]) -> str:
    """Every build of the round, in seconds and over the floor."""
    head = "| N | " + " | ".join(PEERS.values()) + " |"
    rows = [head, "|" + " --- |" * (len(PEERS) + 1)]
    for r in results:
        cells = [f"{figure('floor', r['floor']):.1f}"]
        cells += [
            f"{figure(m, r[m]):.1f} ({r['ratios'][m]:.2f}×)" if m in r else "not run"
            for m in PEERS
            if m != "floor"
        ]
        rows.append(f"| {r['n']} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def verdicts(results: list[dict[str, Any]]) -> list[str]:
    """One line per target: the figure, the limit, and whether it holds."""
    by_n = {r["n"]: r for r in results}
    checks: list[tuple[str, float, float]] = []
    for r in results:
        checks.append(
            (f"tip page KB at {r['n']}", r["sizes"]["largest_tip_page_kb"], TARGETS["tip_page_kb"])
        )
        checks.append(
            (f"hub page KB at {r['n']}", r["sizes"]["largest_hub_page_kb"], TARGETS["hub_page_kb"])
        )
        rebuild = r["rebuild"]["stages"]
        tag_index = rebuild.get("tag", 0.0) + rebuild.get("index", 0.0)
        checks.append(
            (f"no-change tag+index s at {r['n']}", tag_index, TARGETS["no_change_tag_index_s"])
        )
    for n in (2000, 10000):
        for mode in ("edit", "preview") if n in by_n else ():
            limit = TARGETS[f"{mode}_over_floor_{n}"]
            checks.append((f"{PEERS[mode]} over the floor at {n}", by_n[n]["ratios"][mode], limit))
    for n in (2000, 10000):
        if n in by_n:
            ratio = by_n[n]["ratio_to_floor"]
            checks.append((f"ratio to the floor at {n}", ratio, TARGETS[f"ratio_to_floor_{n}"]))
    if 2000 in by_n:
        checks.append(
            ("our stages s at 2000", by_n[2000]["our_stages_s"], TARGETS["our_stages_2000_s"])
        )
        checks.append(
            (
                "tipkb check, one tip changed, s at 2000",
                by_n[2000]["check"]["one_changed_s"],
                TARGETS["check_one_changed_2000_s"],
            )
        )
    if 2000 in by_n and 10000 in by_n:
        scale = by_n[10000]["ours"]["stages"]["total"] / by_n[2000]["ours"]["stages"]["total"]
        checks.append(("10000 / 2000 total time", scale, TARGETS["scale_10000_over_2000"]))
        checks.append(
            ("peak MB at 10000", by_n[10000]["ours"]["peak_mb"], TARGETS["peak_mb_10000"])
        )
    lines = [
        f"{'ok  ' if value <= limit else 'OVER'} {name}: {value:.2f} (target ≤ {limit})"
        for name, value, limit in checks
    ]
    if 2000 in by_n and by_n[2000]["least_ratio"] is not None:  # what the ratio's target
        # asks of MkDocs, whatever our pages hold
        lines.append(
            f"note least ratio to the floor at 2000: {by_n[2000]['least_ratio']:.2f} "
            "(our stages + floor2, over the floor: bare tip pages and no hubs)"
        )
    return lines


def machine() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{platform.machine()}, {cpu_model()}, {usable} CPUs usable (nproc), "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def cpu_model() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or "unknown CPU"
    names = [line.split(":", 1)[1].strip() for line in info.splitlines() if "model name" in line]
    return names[0] if names else "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="2000", help="comma-separated corpus sizes (10000 takes minutes)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "bench", help="where corpora are built"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds per size, the best time of each build and stage kept (default 3)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help=f"builds to leave out of each round, comma-separated, of {', '.join(SKIPPABLE)} "
        "(the peer takes 20 minutes at 10000 tips); the ratios need none of them",
    )
    args = parser.parse_args()
    skip = frozenset(filter(None, args.skip.split(",")))
    if skip - set(SKIPPABLE):
        parser.error(f"--skip: {', '.join(sorted(skip - set(SKIPPABLE)))} cannot be left out")
    args.out.mkdir(parents=True, exist_ok=True)
    trash = args.work / "trash"
    results = []
    for n in map(int, args.sizes.split(",")):
        results.append(bench_size(n, args.work / str(n), trash, args.repeat, skip))
    shutil.rmtree(trash, ignore_errors=True)
    report = {"machine": machine(), "targets": TARGETS, "results": results}
    (args.out / "results.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    text = (
        f"Machine: {machine()}; best of {args.repeat} rounds\n\n{peers_table(results)}\n"
        f"{table(results)}\n" + "\n".join(verdicts(results)) + "\n"
    )
    (args.out / "results.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
