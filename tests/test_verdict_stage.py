"""The verdict's validation as a workflow stage: on request (its rule as a target), in every
run with verdict.calibration.in_run, and never otherwise."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from _workflow_sandbox import TEST_CONFIG, describe, make_copy, run_snakemake

TINY = {"verdict": {"calibration": {"datasets": 3, "population_size": 30, "max_generations": 2,
                                    "batch_size": 30, "posterior_draws": 9, "workers": 2}}}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_copy(tmp_path_factory.mktemp("verdict_stage") / "repo")


def _config(repo, name, in_run):
    section = {"verdict": {"calibration": {**TINY["verdict"]["calibration"], "in_run": in_run}}}
    path = repo / name
    path.write_text(yaml.safe_dump(section))
    return path.name


@pytest.mark.slow
@pytest.mark.parametrize("in_run", [False, True])
def test_the_run_holds_the_validation_only_when_asked(repo, in_run):
    extra = _config(repo, f"in_run_{in_run}.yaml", in_run)
    proc = run_snakemake(repo, "-n", "--cores", "2", "--configfile", TEST_CONFIG, extra)
    assert proc.returncode == 0, describe(proc)
    listed = [ln.split()[0] for ln in proc.stdout.splitlines() if ln.strip()]
    assert ("verdict_calibration" in listed) == in_run, describe(proc, tail=120)


@pytest.mark.slow
def test_the_validation_runs_on_request(repo):
    extra = _config(repo, "on_request.yaml", False)
    proc = run_snakemake(repo, "verdict_calibration", "--cores", "2", "--configfile", TEST_CONFIG, extra)
    assert proc.returncode == 0, describe(proc)
    run_dir = next((repo / "results").iterdir())
    table = pd.read_csv(run_dir / "verdict" / "calibration.csv")
    summary = pd.read_csv(run_dir / "verdict" / "calibration_summary.csv")
    assert table["dataset"].nunique() == 3 and "effect_stretch" in set(summary["parameter"])
    assert summary["coverage_90"].between(0, 1).all()
    assert "synthetic table sets" in (run_dir / "logs" / "verdict" / "calibration.log").read_text()
