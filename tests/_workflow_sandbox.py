"""Throwaway copies of the repository for end-to-end workflow runs.

A test runs the workflow in its own copy, so it never touches the work tree's results/ or
.snakemake/, and two runs (local vs SLURM, interrupted vs not) can be compared file by file.
Every snakemake call goes through `timeout -s KILL`: a snakemake waiting on a cluster ignores
SIGTERM, and a hung test must not hang CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
TEST_CONFIG = "config/test.yaml"

_NOT_COPIED = {".git", ".venv", "results", ".snakemake", "__pycache__", ".pytest_cache", "build", "dist"}
# Directories under results/ whose files legitimately differ between two identical runs.
_RUN_RECORDS = {"logs", "log", "benchmarks", "benchmark"}
# Formats that embed a creation date; compared for presence, not bytes.
_DATED_SUFFIXES = {".html", ".pdf", ".svg"}
# Files that record when the run was made (specverse.study.provenance), and the heading of a
# Markdown page's copy of that record (report/answer.md): the same in tests/_fingerprint.py.
RUN_RECORD_FILES = {"provenance.json"}
RUN_RECORD_HEADING = "## Where these numbers come from"


def workflow_env() -> dict[str, str]:
    return dict(os.environ)


def make_copy(dest: Path) -> Path:
    """Copy the repository's sources (no venv, git, results or snakemake state) to dest."""

    def ignore(_dir: str, names: list[str]) -> list[str]:
        return [n for n in names if n in _NOT_COPIED or n.endswith(".egg-info")]

    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
    shared = REPO.parent / "shared"
    if shared.is_dir() and not (dest.parent / "shared").exists():
        (dest.parent / "shared").symlink_to(shared)
    return dest


def snakemake_argv(*args: str, timeout_s: int) -> list[str]:
    return ["timeout", "-s", "KILL", str(timeout_s), str(SNAKEMAKE), *args]


def start_snakemake(workdir: Path, *args: str, timeout_s: int = 300) -> subprocess.Popen:
    """Start snakemake in workdir; finish with `finish`. Output goes to a file, not a pipe,
    so a run nobody reads from meanwhile never blocks on a full pipe."""
    out = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        snakemake_argv(*args, timeout_s=timeout_s),
        cwd=workdir,
        env=workflow_env(),
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
    )
    proc.output_file = out
    return proc


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    """Wait (bounded: the process runs under `timeout -s KILL`); stdout and stderr merged."""
    proc.wait()
    with proc.output_file as out:
        out.seek(0)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out.read())


def run_snakemake(workdir: Path, *args: str, timeout_s: int = 300) -> subprocess.CompletedProcess:
    """Run snakemake in workdir; stdout and stderr merged into .stdout."""
    return finish(start_snakemake(workdir, *args, timeout_s=timeout_s))


def describe(proc: subprocess.CompletedProcess, tail: int = 60) -> str:
    lines = proc.stdout.splitlines()[-tail:]
    killed = " (killed by timeout)" if proc.returncode in (-9, 137) else ""
    return f"exit {proc.returncode}{killed}; last {len(lines)} lines:\n" + "\n".join(lines)


def _outputs(root: Path, hidden: bool) -> dict[str, Path]:
    results = root / "results"
    files = {}
    for path in sorted(results.rglob("*")):
        rel = path.relative_to(results)
        if path.is_file() and not _RUN_RECORDS.intersection(rel.parts[:-1]):
            if path.name.startswith(".") == hidden:
                files[rel.as_posix()] = path
    return files


def result_files(root: Path) -> dict[str, Path]:
    """Files under root/results keyed by relative path, without logs, benchmarks and the
    hidden temporary files of atomic writes (`.name.XXXX` beside `name`)."""
    return _outputs(root, hidden=False)


def hidden_files(root: Path) -> dict[str, Path]:
    """Hidden files under root/results (outside logs and benchmarks)."""
    return _outputs(root, hidden=True)


def is_temp_sibling(hidden_key: str, output_keys) -> bool:
    """Whether a hidden file is an atomic writer's temporary for one of the outputs: same
    directory, named `.<output name or stem>.<random>...`."""
    hidden = Path(hidden_key)
    for key in output_keys:
        out = Path(key)
        if out.parent == hidden.parent and hidden.name.startswith((f".{out.name}.", f".{out.stem}.")):
            return True
    return False


def compare_outputs(expected_root: Path, actual_root: Path) -> list[str]:
    """Differences between two runs' results/ (empty list: identical).

    Every file must exist in both; data files must be byte-identical; dated formats
    (html, pdf, svg) must be non-empty; run records (provenance.json, a page's provenance
    section) must be identical but for the time the run was made.
    """
    expected, actual = result_files(expected_root), result_files(actual_root)
    problems = [f"missing: results/{k}" for k in sorted(expected.keys() - actual.keys())]
    problems += [f"unexpected: results/{k}" for k in sorted(actual.keys() - expected.keys())]
    for key in sorted(expected.keys() & actual.keys()):
        a, b = expected[key], actual[key]
        if a.suffix in _DATED_SUFFIXES:
            if b.stat().st_size == 0:
                problems.append(f"empty: results/{key}")
        elif not _same_but_run_time(a, b):
            problems.append(f"differs: results/{key}")
    return problems


def _same_but_run_time(a: Path, b: Path) -> bool:
    if a.read_bytes() == b.read_bytes():
        return True
    if a.name in RUN_RECORD_FILES:
        untimed = [{k: v for k, v in json.loads(p.read_text()).items() if k != "created_utc"} for p in (a, b)]
        return untimed[0] == untimed[1]
    if a.suffix == ".md":
        return a.read_text().split(RUN_RECORD_HEADING)[0] == b.read_text().split(RUN_RECORD_HEADING)[0]
    return False


def run_results(root: Path, *configfiles) -> Path:
    """root/results/<run>: where snakemake run in root with these --configfile's writes."""
    from specverse.study.runs import merged_config, run_dir

    files = [str(f) for f in configfiles]
    return Path(root) / run_dir(merged_config(files, root), files)


TEST_RUN = "results/embedded-test"  # config/test.yaml on the embedded data
