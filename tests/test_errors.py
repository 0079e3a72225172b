"""Errors and the end of a run, as a person meets them: a bad config or data file prints
the message alone (no traceback) and exits non-zero with nothing written; a finished run
says where its report, explorer and verdict are; a dry run is short."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from specverse.study import config_check, run_summary

from _workflow_sandbox import REPO, TEST_CONFIG, TEST_RUN, describe, make_copy, run_snakemake

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def problems_of(config: dict) -> list[str]:
    return config_check.config_problems(config, SCHEMA)


# --- the config, checked for people


@pytest.mark.parametrize("name", ["config.yaml", "test.yaml", "full.yaml"])
def test_shipped_configs_have_no_problems(load_config, name):
    assert problems_of(load_config(name)) == []


def test_unknown_key_is_named_with_its_path_and_the_allowed_keys():
    (problem,) = problems_of({"data": {"sourc": "csv"}})
    assert problem == "unknown config key 'data.sourc'; allowed under 'data': path, scenarios, source"
    (problem,) = problems_of({"sede": 1})
    assert problem.startswith("unknown config key 'sede'; allowed at the top: ") and "seed" in problem


def test_every_problem_is_listed_at_once_each_naming_its_key():
    found = problems_of({
        "seed": "x",
        "inference": {"draws": 3},
        "multiverse": {"treatment": ["target_on", "bogus"], "outcome": [],
                       "exclusions": [{"when": {"estimator": ["ols"]}}]},
        "data": {"source": "csv"},
    })
    assert found == [
        "config key 'data.path' is required here",
        "config key 'inference.draws': 3 is less than the minimum of 19",
        "config key 'multiverse.exclusions[0].reason' is required here",
        "config key 'multiverse.outcome': [] should be non-empty",
        "config key 'multiverse.treatment[1]': 'bogus' is not an option; choose from target_on, "
        "stretch_2006, stretch_2008, stretch_laa_only, target_on_and_stretch",
        "config key 'seed' must be a whole number, not x",
    ]


def test_config_error_names_the_files_as_layered():
    message = config_check.config_error(["config key 'seed' must be a whole number, not x"],
                                        ["config/config.yaml", Path.cwd() / "mine.yaml"])
    assert message.splitlines()[0] == "Invalid configuration (config/config.yaml + mine.yaml; 1 problem(s)):"
    assert "  - config key 'seed' must be a whole number, not x" in message


# --- the end of a run

VERDICT = ("# Verdict\n\nCould the headline slope of +0.651 have arisen with no effect of `target_on`? "
           "Yes, it could. The tables cannot tell.\n\nMore detail.\n")


def test_end_of_run_names_folder_report_explorer_and_verdict(tmp_path):
    run = tmp_path / "results" / "embedded-test"
    (run / "verdict").mkdir(parents=True)
    (run / "verdict" / "verdict.md").write_text(VERDICT)
    (run / "explorer.html").write_text("<html></html>")
    lines = run_summary.end_of_run(str(run), ["config/test.yaml"]).splitlines()
    assert len(lines) <= 8
    assert lines[0] == f"Run complete. Everything is in {run}/"
    assert f"{run}/report.html" in lines[1] and "make report CONFIG=config/test.yaml" in lines[1]
    assert f"{run}/explorer.html" in lines[2]
    verdict = " ".join(ln.strip() for ln in lines[3:])
    assert verdict == ("Verdict:  Could the headline slope of +0.651 have arisen with no effect of target_on? "
                       "Yes, it could.")


def test_end_of_run_without_explorer_or_verdict(tmp_path):
    text = run_summary.end_of_run(str(tmp_path / "results/embedded-default"), [])
    assert "Explorer" not in text and "Verdict" not in text
    assert "(build or refresh: make report)" in text


def test_end_of_run_of_a_partitioned_table_points_at_its_scan_not_a_report(tmp_path):
    run = tmp_path / "results" / "embedded-all_subsets"
    (run / "multiverse" / "partitioned").mkdir(parents=True)
    (run / "multiverse" / "partitioned" / "summary.json").write_text("{}")
    text = run_summary.end_of_run(str(run), ["config/all_subsets.yaml"])
    assert "Report" not in text and f"{run}/multiverse/cells/" in text
    assert f"{run}/multiverse/partitioned/control_inclusion.csv" in text


def test_report_command_repeats_the_config_files():
    assert run_summary.report_command([]) == "make report"
    assert run_summary.report_command(["config/test.yaml", "my data.yaml"]) == \
        "make report CONFIG='config/test.yaml my data.yaml'"
    assert "--config" in run_summary.report_command(["a.yaml"], overrides=True)


def test_verdict_opening_is_the_first_sentence_when_it_is_not_a_question(tmp_path):
    path = tmp_path / "verdict.md"
    path.write_text("The stretch effect survives (p = 0.003). It is 0.651 points per point.\n")
    assert run_summary.verdict_opening(path) == "The stretch effect survives (p = 0.003)."
    assert run_summary.verdict_opening(tmp_path / "missing.md") is None


# Snakemake 9's record of a failed job, as written to .snakemake/log/*.snakemake.log
FAILED_RUN_LOG = """\
[Mon Nov 30 06:47:45 2026]
Error in rule audit_figures:
    message: None
    jobid: 45
    input: results/x/audit/null_slopes.csv
    output: results/x/figures/audit_null_slopes.png
    log: results/x/logs/audit/audit_figures.log (check log file(s) for error details)
Shutting down, this might take some time.
"""


def test_failure_hint_names_the_failed_rule_and_its_log(tmp_path):
    log = tmp_path / "run.snakemake.log"
    log.write_text(FAILED_RUN_LOG)
    assert run_summary.failure_hint([str(log)]).splitlines()[1:] == [
        "  rule audit_figures: read results/x/logs/audit/audit_figures.log"]
    assert run_summary.failure_hint([]) is None


# --- end to end: what the command line shows


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_copy(tmp_path_factory.mktemp("errors") / "repo")


def _clean_failure(repo: Path, proc, *messages: str) -> None:
    out = proc.stdout
    assert proc.returncode != 0, describe(proc)
    assert "Traceback" not in out and 'File "' not in out and "Error in file" not in out, out
    for message in messages:
        assert message in out, out
    assert not (repo / "results").exists() or not any(p.is_file() for p in (repo / "results").rglob("*"))


@pytest.mark.slow
def test_bad_data_file_prints_the_message_alone(repo, make_areas):
    bad = make_areas(n=40, seed=3).astype(object)
    bad.loc[4, "la_type"] = "Parish"
    bad.loc[7, "ni1_2008"] = "75.2%"
    bad.to_csv(repo / "bad.csv", index=False)
    (repo / "bad.yaml").write_text("data:\n  source: csv\n  path: bad.csv\n")
    for dry in (["-n"], []):  # parse-time failure: the same with or without a dry run
        proc = run_snakemake(repo, *dry, "--cores", "1", "--configfile", "bad.yaml")
        _clean_failure(repo, proc,
                       "bad.csv does not follow the analysis schema (2 problem(s); rows numbered as in a "
                       "spreadsheet, the header being row 1):",
                       f"bad.csv: column 'la_type', row 6 (area_code {bad.loc[4, 'area_code']}): unknown la_type",
                       f"bad.csv: column 'ni1_2008', row 9 (area_code {bad.loc[7, 'area_code']}): "
                       "value '75.2%' is not a number")


@pytest.mark.slow
@pytest.mark.parametrize("config, message", [
    ({"data": {"sourc": "csv"}}, "unknown config key 'data.sourc'; allowed under 'data': path, scenarios, source"),
    ({"inference": {"draws": -3}}, "config key 'inference.draws': -3 is less than the minimum of 19"),
    ({"multiverse": {"estimator": ["huber"], "se_type": ["HC1"]}}, "invalid multiverse configuration: every"),
])
def test_bad_config_prints_the_message_alone(repo, tmp_path, config, message):
    path = tmp_path / "bad_config.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = run_snakemake(repo, "-n", "--cores", "1", "--configfile", str(path))
    _clean_failure(repo, proc, message)


@pytest.mark.slow
def test_dry_run_is_the_job_table_not_every_job(repo):
    proc = run_snakemake(repo, "-n", "--configfile", TEST_CONFIG)
    assert proc.returncode == 0, describe(proc)
    lines = proc.stdout.splitlines()
    assert "Job stats:" in lines and any(ln.startswith("total ") for ln in lines)
    assert len(lines) < 120, describe(proc, tail=200)
    assert "rule estimate_cell:" not in proc.stdout  # no job listed in full


@pytest.mark.slow
def test_finished_run_says_where_everything_is(repo):
    run = repo / TEST_RUN
    (run / "verdict").mkdir(parents=True)
    (run / "verdict" / "verdict.md").write_text(VERDICT)
    (run / "explorer.html").write_text("<html></html>")
    try:
        proc = run_snakemake(repo, f"{TEST_RUN}/data/analysis.csv", "--cores", "1", "--configfile", TEST_CONFIG)
        assert proc.returncode == 0, describe(proc)
        tail = proc.stdout[proc.stdout.index("Run complete."):]
        assert f"Run complete. Everything is in {TEST_RUN}/" in tail
        assert f"Report:   {TEST_RUN}/report.html  (build or refresh: make report CONFIG={TEST_CONFIG})" in tail
        assert f"Explorer: {TEST_RUN}/explorer.html" in tail
        verdict = " ".join(tail[tail.index("Verdict:"):].split())  # wrapped over lines
        assert verdict.startswith("Verdict: Could the headline slope of +0.651 have arisen with no effect of "
                                  "target_on? Yes, it could. Complete log")
    finally:
        shutil.rmtree(repo / "results", ignore_errors=True)


@pytest.mark.slow
def test_bad_published_table_stops_the_run_before_any_job(repo):
    """verdict.published is validated at parse time, like a user's data file."""
    from specverse.study.verdict.published import default_directory

    tables = repo / "my_tables"
    shutil.copytree(default_directory(), tables, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = (tables / "table2.csv").read_text().replace("3,target_stretch,0.651,0.090", "3,target_stretch,0.651,-0.090")
    assert "-0.090" in text
    (tables / "table2.csv").write_text(text)
    (repo / "tables.yaml").write_text("verdict:\n  published: my_tables\n")
    proc = run_snakemake(repo, "-n", "--cores", "1", "--configfile", TEST_CONFIG, "tables.yaml")
    _clean_failure(repo, proc, "config verdict.published: my_tables/table2.csv: row ",
                   "robust_se must be > 0, got -0.09")


@pytest.mark.slow
def test_data_of_other_areas_than_the_published_study_stop_the_verdict_at_parse_time(repo, make_areas):
    """The verdict judges the published tables of 150 areas: a file of 40 stops the run
    before any job, saying what to do; with verdict.enabled: false the run is planned, and
    asking for the verdict's validation stops with the reason."""
    make_areas(n=40, seed=3).to_csv(repo / "forty.csv", index=False)
    (repo / "forty.yaml").write_text("data:\n  source: csv\n  path: forty.csv\n")
    proc = run_snakemake(repo, "-n", "--cores", "1", "--configfile", TEST_CONFIG, "forty.yaml")
    _clean_failure(repo, proc, "config verdict: the verdict conditions on published tables whose Models 1 and 2 "
                   "have N = 150 areas", "but forty.csv has 40", "set verdict.enabled: false")
    (repo / "forty.yaml").write_text("data:\n  source: csv\n  path: forty.csv\nverdict:\n  enabled: false\n")
    proc = run_snakemake(repo, "-n", "--cores", "1", "--configfile", TEST_CONFIG, "forty.yaml")
    assert proc.returncode == 0, describe(proc)
    assert "verdict" not in [ln.split()[0] for ln in proc.stdout.splitlines() if ln.strip()]
    # the verdict's validation asked for by name (make validate-verdict): the reason, no job run
    proc = run_snakemake(repo, "verdict_calibration", "--cores", "1", "--configfile", TEST_CONFIG, "forty.yaml")
    _clean_failure(repo, proc, "The verdict is off in this run's config (verdict.enabled: false)",
                   "Set verdict.enabled: true")
