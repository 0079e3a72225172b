"""The test configuration submitted to a real SLURM scheduler, compared with a local run.

Runs only inside `make slurm-test` (.ci/slurm.sh): that script starts a one-node cluster and
sets SPECVERSE_SLURM=1 (and SPECVERSE_SLURM_JOBCOMP, the controller's record of completed
jobs). Anywhere else the tests are skipped with the reason. Proof that the jobs ran under
SLURM comes from three independent records: the job ids the executor reports, the
controller's job-completion log (state COMPLETED, job name = the run's id), and the per-job
SLURM logs written on the node, which name every rule executed inside each job.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from _workflow_sandbox import TEST_CONFIG, TEST_RUN, describe, finish, make_copy, run_snakemake, start_snakemake

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

TABLE = f"{TEST_RUN}/multiverse/specifications.csv"
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (.+?)\)")
EXECUTED = re.compile(r"^\s*localrule (\w+):", re.MULTILINE)
RUN_ID = re.compile(r"SLURM run ID: (\S+)")
# The executor's defaults (first status check after 40 s) are for real clusters.
QUICK_STATUS_CHECKS = ("--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "2")


def _cluster_or_skip() -> None:
    if os.environ.get("SPECVERSE_SLURM") != "1":
        pytest.skip(
            "no SLURM cluster here: `make slurm-test` (root + apt-get) starts a one-node "
            "cluster and sets SPECVERSE_SLURM=1"
        )
    # From here on the cluster was promised: its absence is a failure, not a skip.
    ping = subprocess.run(
        ["timeout", "-s", "KILL", "10", "scontrol", "ping"], capture_output=True, text=True, check=False
    )
    assert ping.returncode == 0 and "UP" in ping.stdout, f"SPECVERSE_SLURM=1 but no controller: {ping}"


def local_beside_cluster(local: Path, cluster: Path, local_args, cluster_args):
    """The local run (one core) goes on beside the cluster run: the cluster's jobs spend much
    of their time waiting on the scheduler, so this halves the wall time on a 2-core machine.
    Both must succeed; returns the cluster run (its stdout names the submissions)."""
    local_proc = start_snakemake(local, "--cores", "1", *local_args, timeout_s=420)
    cluster_run = run_snakemake(cluster, "--workflow-profile", "profiles/slurm", *QUICK_STATUS_CHECKS,
                                *cluster_args, timeout_s=420)
    local_run = finish(local_proc)
    assert cluster_run.returncode == 0, "SLURM run failed: " + describe(cluster_run)
    assert local_run.returncode == 0, "local run failed: " + describe(local_run)
    return cluster_run


def job_stats(output: str) -> Counter:
    """The 'Job stats' table snakemake prints before running: rule -> number of jobs."""
    block = output.split("Job stats:", 1)[1].splitlines()
    counts = Counter()
    for line in block[3:]:
        name, _, count = line.strip().partition(" ")
        if name == "total" or not count.strip().isdigit():
            break
        counts[name] = int(count)
    return counts


def jobcomp_records(path: Path) -> dict[str, dict[str, str]]:
    records = {}
    for line in path.read_text().splitlines():
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        if "JobId" in fields:
            records[fields["JobId"]] = fields
    return records


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    _cluster_or_skip()
    base = tmp_path_factory.mktemp("slurm")
    local = make_copy(base / "local" / "main")
    cluster = make_copy(base / "cluster" / "main")
    assert (local / TEST_CONFIG).is_file(), f"{TEST_CONFIG} is missing"

    cluster_run = local_beside_cluster(
        local, cluster, (TABLE, "--configfile", TEST_CONFIG),
        (TABLE, "--configfile", TEST_CONFIG, "--slurm-keep-successful-logs",
         # The test configuration has 8 cells: two groups of four keep both CPUs of a CI node busy.
         "--group-components", "cells=4", "prepare=20"),
    )  # fmt: skip
    return local, cluster, cluster_run.stdout


def test_every_job_ran_inside_a_completed_slurm_job(runs):
    _, cluster, output = runs
    run_id = RUN_ID.search(output).group(1)
    submitted = dict(SUBMITTED.findall(output))
    assert submitted, "the executor reported no SLURM submission"

    # 1. The controller recorded each submission as completed, under this run's id.
    records = jobcomp_records(Path(os.environ["SPECVERSE_SLURM_JOBCOMP"]))
    ours = {jid for jid, rec in records.items() if rec.get("Name") == run_id}
    assert ours == set(submitted), f"controller's jobs {sorted(ours)} != submitted {sorted(submitted)}"
    failed = {jid: records[jid]["JobState"] for jid in ours if records[jid]["JobState"] != "COMPLETED"}
    assert not failed, f"SLURM jobs not COMPLETED: {failed}"

    # 2. Each job's log, written on the node, names the rules executed inside it.
    in_slurm = Counter()
    for jid, log in submitted.items():
        log_path = Path(log)
        assert log_path.name == f"{jid}.log" and log_path.is_file(), f"no SLURM log for job {jid}: {log}"
        assert cluster in log_path.parents
        in_slurm.update(EXECUTED.findall(log_path.read_text()))

    # 3. Every job of the DAG ran exactly once: inside SLURM, or as a declared local rule.
    on_submit_host = Counter(EXECUTED.findall(output))
    planned = job_stats(output)
    where = f"planned {dict(planned)}; ran in SLURM {dict(in_slurm)}; on the submit host {dict(on_submit_host)}"
    assert in_slurm + on_submit_host == planned, where
    assert sum(in_slurm.values()) >= sum(on_submit_host.values()), "most work must go to the cluster"


def test_groups_bundle_small_jobs_into_fewer_submissions(runs):
    _, _, output = runs
    submitted = dict(SUBMITTED.findall(output))
    grouped = [log for log in submitted.values() if Path(log).parent.name.startswith("group_")]
    assert grouped, "no group job was submitted: profiles/slurm groups no rule of this DAG"
    jobs_in_groups = sum(len(EXECUTED.findall(Path(log).read_text())) for log in grouped)
    assert jobs_in_groups > len(grouped)


def test_specification_table_equals_the_local_run(runs):
    local, cluster, _ = runs
    read = lambda root: pd.read_csv(root / TABLE, dtype=str, keep_default_na=False)  # noqa: E731
    expected, actual = read(local), read(cluster)
    assert len(expected) > 0 and (expected["status"] == "ok").any(), "the local table is empty: nothing compared"
    key = ["spec_id", "term"]
    expected = expected.sort_values(key, kind="stable").reset_index(drop=True)
    actual = actual.sort_values(key, kind="stable").reset_index(drop=True)
    # Compared as text: equal to the last printed digit.
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)


# --- the partitioned layout (config/all_subsets.yaml), scaled down for the one-node cluster:
# every subset of the controls with three blocks kept whole (32 sets), wild-bootstrap p-values.
PARTITIONED = """
multiverse:
  baseline: [published]
  outcome: [pct_change]
  treatment: [target_on, stretch_2006]
  controls: [all_subsets]
  keep_together: [diversity, size, structure]
  sample: [all, no_influential]
  estimator: [ols, huber]
  se_type: [HC1, classical]
inference: {methods: [wild], draws: 99, headline: wild}
joint_test: {enabled: false}
table: {layout: partitioned}
fan_out: [scenario, treatment]
"""


def test_partitioned_all_subsets_through_slurm_equals_the_local_run(tmp_path):
    _cluster_or_skip()
    copies = {}
    for where in ("local", "cluster"):
        copies[where] = make_copy(tmp_path / where / "main")
        (copies[where] / "config" / "ci_all_subsets.yaml").write_text(PARTITIONED)
    configs = ("--configfile", TEST_CONFIG, "config/ci_all_subsets.yaml")
    cluster_run = local_beside_cluster(copies["local"], copies["cluster"], configs,
                                       (*configs, "--group-components", "cells=2", "prepare=20"))

    submitted = dict(SUBMITTED.findall(cluster_run.stdout))
    records = jobcomp_records(Path(os.environ["SPECVERSE_SLURM_JOBCOMP"]))
    assert submitted and all(records[jid]["JobState"] == "COMPLETED" for jid in submitted), submitted
    assert "scan_table" in job_stats(cluster_run.stdout)

    summaries = {w: list(root.glob("results/*/multiverse/partitioned/summary.json")) for w, root in copies.items()}
    assert all(len(found) == 1 for found in summaries.values()), summaries
    local, cluster = (json.loads(summaries[w][0].read_text()) for w in ("local", "cluster"))
    assert local["counts"]["models"] == 2 * 2 * 32 * 2 * 2  # scenario x treatment x controls x sample x estimator
    assert local["inference"]["methods"] == ["classical", "HC1", "huber", "wild"]
    assert cluster == local
