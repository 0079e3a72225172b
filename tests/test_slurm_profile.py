"""profiles/slurm/config.yaml stays in step with the workflow (no scheduler needed).

Snakemake silently ignores set-resources and groups entries for rules that do not exist, so
a renamed rule would lose its sizing and grouping without any error; and a new rule would
run with the defaults without anyone having looked at its benchmark.
"""

from __future__ import annotations

import subprocess

import pytest
import yte

from _workflow_sandbox import REPO, SNAKEMAKE, workflow_env

PROFILE = REPO / "profiles" / "slurm" / "config.yaml"
TARGET_ONLY = {"all"}  # rules without a job of their own


def load_profile() -> dict:
    """The profile as Snakemake reads it (YTE-processed, with the current environment)."""
    with PROFILE.open() as f:
        return yte.process_yaml(f, require_use_yte=True)


@pytest.fixture(scope="module")
def workflow_rules() -> set[str]:
    listed = subprocess.run(
        ["timeout", "-s", "KILL", "120", str(SNAKEMAKE), "--list-rules", "--workflow-profile", "none"],
        cwd=REPO,
        env=workflow_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    return {line.strip() for line in listed.stdout.splitlines() if line and not line[0].isspace()}


def test_profile_names_only_rules_of_the_workflow(workflow_rules):
    profile = load_profile()
    named = set(profile["set-resources"]) | set(profile["groups"])
    assert named - workflow_rules == set(), "profile names rules the workflow does not have"
    assert set(profile["groups"].values()) == set(profile["group-components"])


def test_every_rule_with_a_job_is_sized(workflow_rules):
    profile = load_profile()
    assert workflow_rules - TARGET_ONLY - set(profile["set-resources"]) == set()


def test_partition_and_account_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("SPECVERSE_SLURM_PARTITION", raising=False)
    monkeypatch.delenv("SPECVERSE_SLURM_ACCOUNT", raising=False)
    unset = load_profile()["default-resources"]
    assert "slurm_partition" not in unset and "slurm_account" not in unset  # the cluster's defaults
    monkeypatch.setenv("SPECVERSE_SLURM_PARTITION", "short")
    monkeypatch.setenv("SPECVERSE_SLURM_ACCOUNT", "proj1")
    chosen = load_profile()["default-resources"]
    assert (chosen["slurm_partition"], chosen["slurm_account"]) == ("short", "proj1")
