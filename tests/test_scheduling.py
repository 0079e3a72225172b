"""How the workflow asks Snakemake for cores: the calibration job takes at most half of
`--cores`, so that on a small machine it runs beside the estimation jobs instead of waiting
for all of them (Snakemake reserves no cores for a job that needs every one)."""

from __future__ import annotations

import re

import pytest

from _workflow_sandbox import REPO, TEST_CONFIG, describe, run_snakemake


def planned_job(rule: str, cores: int) -> str:
    """The dry run's description of the one job of ``rule`` (test config, ``cores``)."""
    proc = run_snakemake(REPO, rule, "-n", "--cores", str(cores), "--workflow-profile", "none",
                         "--configfile", TEST_CONFIG, timeout_s=120)
    out = proc.stdout
    assert proc.returncode == 0, describe(proc)
    block = re.search(rf"^rule {rule}:\n(.*?)(?:\n\n|\n\[)", out, re.S | re.M)
    assert block, out
    return block.group(1)


@pytest.mark.parametrize("cores, threads", [(2, 1), (4, 2), (16, 4)])
def test_calibration_takes_at_most_half_the_cores_and_starts_first(cores, threads):
    job = planned_job("calibration", cores)
    shown = re.search(r"threads: (\d+)", job)  # Snakemake prints threads only above 1
    assert (int(shown.group(1)) if shown else 1) == threads, job
    assert re.search(r"priority: 1\b", job), job
