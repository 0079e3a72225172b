"""Crash safety: a run killed with SIGKILL part-way resumes to exactly the uninterrupted result.

The kill lands while a job is running (snakemake has marked its outputs incomplete) and after
the first multiverse output exists. Then: every output file present in results/ is either
final (byte-identical to the uninterrupted run) or marked incomplete, so snakemake distrusts
it; after `--unlock` (a SIGKILL leaves the lock behind) a rerun with --rerun-incomplete
finishes; and results/ then equals the uninterrupted run's.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from _workflow_sandbox import (
    TEST_CONFIG,
    TEST_RUN,
    compare_outputs,
    describe,
    hidden_files,
    is_temp_sibling,
    make_copy,
    result_files,
    run_snakemake,
    snakemake_argv,
    workflow_env,
)

pytestmark = pytest.mark.slow

# Local run, without profiles/default (which sets rerun-incomplete): the test says it itself.
RUN = ("--configfile", TEST_CONFIG, "--workflow-profile", "none", "--cores", "2")
FIRST_CELL_UNDER = TEST_RUN.removeprefix("results/") + "/multiverse"


def incomplete_outputs(root: Path) -> set[str]:
    """Output paths snakemake has marked as being written (its file-based persistence)."""
    marks = root / ".snakemake" / "incomplete"
    paths = set()
    for dirpath, _, names in os.walk(marks):
        rel = Path(dirpath).relative_to(marks).parts
        # Long names are split into directories prefixed "@" (snakemake's record layout).
        prefix = "".join(part[1:] for part in rel)
        for name in names:
            if name != "migration_underway":
                paths.add(base64.urlsafe_b64decode(prefix + name).decode())
    return paths


def first_cell_written(root: Path) -> bool:
    return any(key.startswith(FIRST_CELL_UNDER + "/") for key in result_files(root))


def kill_part_way(root: Path, timeout_s: float = 240) -> tuple[str, set[str]]:
    """Start the run; SIGKILL its whole process group once a cell output exists and a job runs."""
    log = (root.parent / "killed-run.log").open("w")
    proc = subprocess.Popen(
        snakemake_argv(*RUN, timeout_s=int(timeout_s)),
        cwd=root,
        env=workflow_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill reaches every job it started
    )
    deadline = time.monotonic() + timeout_s
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if first_cell_written(root):
                if incomplete_outputs(root):
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return "killed", incomplete_outputs(root)
            time.sleep(0.02)
        return f"finished before a kill point (exit {proc.poll()})", set()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_sigkill_then_rerun_incomplete_equals_uninterrupted_run(tmp_path):
    reference = make_copy(tmp_path / "reference" / "main")
    crashed = make_copy(tmp_path / "crashed" / "main")
    assert (reference / TEST_CONFIG).is_file(), f"{TEST_CONFIG} is missing"

    done = run_snakemake(reference, *RUN)
    assert done.returncode == 0, "uninterrupted run failed: " + describe(done)
    final = result_files(reference)
    assert any(k.startswith(FIRST_CELL_UNDER + "/") for k in final), f"no results/{FIRST_CELL_UNDER}/ output"

    outcome, marked = kill_part_way(crashed)
    assert outcome == "killed", outcome
    assert marked, "the kill did not land during a job"

    # No half-written file that a later rule would trust: whatever exists and is not marked
    # incomplete must already be final. Hidden temporaries of atomic writes (`.name.XXXX`)
    # are no rule's input; a SIGKILL mid-write leaves them, and they must be nothing else.
    untrusted = {m.removeprefix("results/") for m in marked}
    for key, path in result_files(crashed).items():
        if key not in untrusted:
            assert key in final, f"results/{key} exists after the crash but not in a finished run"
            same = path.read_bytes() == final[key].read_bytes() or key.endswith((".html", ".pdf", ".svg"))
            assert same, f"results/{key} is trusted (not marked incomplete) but differs from the finished run's"
    # An output marked incomplete may be a temp() one (gone from the finished run), so the
    # temporaries to expect are those of the finished run's files and of the killed jobs'.
    for key in hidden_files(crashed):
        assert is_temp_sibling(key, set(final) | untrusted), f"results/{key}: hidden file that is no output's temporary"

    # Snakemake refuses to build on the marked files until told to redo them ...
    refused = run_snakemake(crashed, *RUN, "--dry-run")
    assert refused.returncode != 0 and "incomplete" in refused.stdout.lower(), describe(refused)

    # ... and, once the killed run's stale lock is removed, --rerun-incomplete redoes them.
    unlocked = run_snakemake(crashed, *RUN, "--unlock")
    assert unlocked.returncode == 0, describe(unlocked)
    resumed = run_snakemake(crashed, *RUN, "--rerun-incomplete")
    assert resumed.returncode == 0, "resumed run failed: " + describe(resumed)
    assert not incomplete_outputs(crashed), "outputs still marked incomplete after the resumed run"
    assert compare_outputs(reference, crashed) == []
    # Rewriting a target removes what a killed write of it left behind.
    assert not hidden_files(crashed), f"leftover temporaries after the resumed run: {sorted(hidden_files(crashed))}"
