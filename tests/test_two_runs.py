"""Two runs in one working copy, the embedded demo and a user's own file, leave separate
results and separate reports (issue "Answer first": runs never mix), and a user's file of
other areas than the published study's runs without the verdict, saying so first."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from _workflow_sandbox import TEST_CONFIG, TEST_RUN, describe, run_snakemake

USER_RUN = "results/theirs-test+mine"


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
@pytest.mark.xdist_group("workflow")
def test_a_users_run_beside_the_demo_run_never_mixes(test_config_run, make_areas):
    work = test_config_run
    demo_before = _digests(work / TEST_RUN)
    make_areas(n=80, seed=11).to_csv(work / "theirs.csv", index=False)
    (work / "mine.yaml").write_text("data:\n  source: csv\n  path: theirs.csv\nverdict:\n  enabled: false\n")
    configs = ("--configfile", TEST_CONFIG, "mine.yaml")
    for args in (("--cores", "2"), ("--cores", "1", "--report", f"{USER_RUN}/report.html")):
        proc = run_snakemake(work, *configs, *args, timeout_s=1200)
        assert proc.returncode == 0, describe(proc)
    # the demo run's folder, report included, is untouched; the user's run has its own
    assert _digests(work / TEST_RUN) == demo_before
    user = work / USER_RUN
    report = (user / "report.html").read_text(encoding="utf-8")
    assert "theirs-test+mine/data/analysis.csv" in report and "embedded-test" not in report
    assert "SIMULATED DATA" not in report
    # no verdict for other areas than the published study's: the page says so first
    answer = (user / "report" / "answer.md").read_text()
    assert answer.startswith("# The answer\n\n**Could this study's headline numbers")
    assert "verdict is switched off (verdict.enabled: false)" in answer
    assert not (user / "verdict").exists()
