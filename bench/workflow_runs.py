"""Whole-workflow timings against their targets (``make bench-workflow``).

For each named config, run ``snakemake --configfile config/<name>.yaml --cores N`` from a
fresh results folder in a scratch copy of the repository, time it end to end, then read
the run's own benchmark TSVs (one per job, written by Snakemake) and print:

- the wall time against the config's target, as a ratio (<= 1 meets it);
- how the time splits across stages (rules): jobs, summed wall and CPU seconds, the
  largest peak RSS of a job, against the 1 GB per-job target (Snakemake samples a job's
  memory now and then, so a short spike, e.g. at a job's very end, can escape it);
- the projection for a cluster: the summed per-job time divided over 10 and 100 nodes
  (profiles/slurm/README.md quotes it), a lower bound that ignores queueing.

``--existing results/<run>`` reads a finished run's TSVs instead of running (no wall time).
Machines are noisy: these are measurements to read, never assertions in tests.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: End-to-end wall-time targets on a 2-core machine, seconds (issue "Scale").
TARGETS_S = {"config": 300, "all_subsets": 300, "full": 600, "test": 120}
RSS_TARGET_MB = 1024


def read_benchmarks(run: Path) -> list[dict]:
    """One record per job: its rule (the benchmark path below benchmarks/, minus wildcards),
    wall s, CPU s and peak RSS MB."""
    jobs = []
    for tsv in sorted((run / "benchmarks").rglob("*.tsv")):
        with tsv.open() as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        if not rows:
            continue
        last = rows[-1]
        parts = tsv.relative_to(run / "benchmarks").with_suffix("").parts
        jobs.append({"stage": "/".join(parts[:2]),  # stage/rule (the wildcards below it apart)
                     "wall_s": float(last["s"]), "cpu_s": _number(last.get("cpu_time")),
                     "max_rss_mb": _number(last.get("max_rss"))})
    return jobs


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def stage_split(jobs: list[dict]) -> list[dict]:
    by = defaultdict(lambda: {"jobs": 0, "wall_s": 0.0, "cpu_s": 0.0, "max_rss_mb": 0.0})
    for job in jobs:
        s = by[job["stage"]]
        s["jobs"] += 1
        s["wall_s"] += job["wall_s"]
        s["cpu_s"] += job["cpu_s"]
        s["max_rss_mb"] = max(s["max_rss_mb"], job["max_rss_mb"])
    return sorted(({"stage": k, **v} for k, v in by.items()), key=lambda r: -r["wall_s"])


def run_config(name: str, cores: int) -> tuple[Path, float]:
    """Run one shipped config in a scratch copy of the repository (kept: it holds the
    results); (its run folder, wall s)."""
    scratch = Path(tempfile.mkdtemp(prefix=f"specverse-bench-{name}-"))
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    for rel in files:
        if (ROOT / rel).is_file():
            (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, scratch / rel)
    argv = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--workflow-profile", "none", "--quiet"]
    if name != "config":
        argv += ["--configfile", f"config/{name}.yaml"]
    env = {**os.environ, "PYTHONPATH": str(scratch / "src")}
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=scratch, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{name}: snakemake failed (exit {done.returncode})\n{done.stderr[-3000:]}")
    runs = [p for p in (scratch / "results").iterdir() if p.is_dir() and (p / "benchmarks").is_dir()]
    return runs[0], wall


def report(name: str, run: Path, wall: float | None, cores: int) -> dict:
    jobs = read_benchmarks(run)
    stages = stage_split(jobs)
    total_job_s = sum(j["wall_s"] for j in jobs)
    peak = max((j["max_rss_mb"] for j in jobs), default=float("nan"))
    print(f"\n== {name}: {run}")
    if wall is not None:
        target = TARGETS_S.get(name)
        ratio = f"{wall / target:.2f}x its target of {target / 60:.0f} min" if target else "no target"
        print(f"end to end on {cores} cores: {wall:.0f} s ({ratio}; <= 1 meets it)")
    print(f"{len(jobs)} jobs, {total_job_s:.0f} job-seconds in all; largest peak RSS {peak:.0f} MB "
          f"({peak / RSS_TARGET_MB:.2f}x the 1 GB per-job target; as Snakemake samples it)")
    print(f"{'stage':44s} {'jobs':>5s} {'wall s':>8s} {'share':>6s} {'CPU s':>8s} {'max RSS MB':>11s}")
    for s in stages:
        print(f"{s['stage'][:44]:44s} {s['jobs']:5d} {s['wall_s']:8.1f} {s['wall_s'] / total_job_s:6.1%} "
              f"{s['cpu_s']:8.1f} {s['max_rss_mb']:11.0f}")
    longest = max((j["wall_s"] for j in jobs), default=0.0)
    projection = {nodes: max(total_job_s / nodes, longest) for nodes in (10, 100)}
    print("cluster projection (job-seconds / nodes, at least the longest job; queueing not included): "
          + ", ".join(f"{n} nodes {s:.0f} s" for n, s in projection.items()))
    return {"config": name, "run": str(run), "wall_s": wall, "cores": cores, "jobs": len(jobs),
            "job_seconds": total_job_s, "longest_job_s": longest, "peak_rss_mb": peak,
            "stages": stages, "projection_s": projection}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("configs", nargs="*", default=["all_subsets"], help="shipped configs to run (config, test, full, all_subsets)")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--existing", type=Path, action="append", default=[], help="a finished run folder to read")
    ap.add_argument("--out", type=Path, default=ROOT / "results/benchmarks/workflow.json")
    args = ap.parse_args(argv)
    records = [report(run.name, run, None, args.cores) for run in args.existing]
    if not args.existing:
        for name in args.configs:
            run, wall = run_config(name, args.cores)
            records.append(report(name, run, wall, args.cores))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(records, indent=1) + "\n")


if __name__ == "__main__":
    main()
