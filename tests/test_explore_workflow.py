"""The explore stage of a real run (config/test.yaml, the shared slow run): provenance.json,
the choice summary, the broom export, and their place in the Snakemake report."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest

from specverse.analysis.choices import choice_summary
from specverse.study.provenance import KEYS

from _workflow_sandbox import TEST_CONFIG, TEST_RUN

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workflow")]
CATEGORY = "11 Every specification - explorer and tables"


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_provenance_names_the_data_configs_and_a_missing_commit(test_config_run):
    prov = json.loads((test_config_run / TEST_RUN / "provenance.json").read_text())
    assert tuple(prov) == KEYS
    assert prov["data_file"] == "data/areas.csv"  # the embedded run reads the shipped figures
    assert prov["data_sha256"] == _sha(test_config_run / "data" / "areas.csv")
    assert [c["path"] for c in prov["config_files"]] == ["config/config.yaml", TEST_CONFIG]
    for c in prov["config_files"]:
        assert c["sha256"] == _sha(test_config_run / c["path"])
    # the run's copy has no .git: recorded as unknown, not an error
    assert prov["git_commit"] is None and prov["git_dirty"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", prov["created_utc"])


def test_choice_summary_and_broom_export_cover_the_run(test_config_run):
    run = test_config_run / TEST_RUN
    models = pd.read_parquet(run / "multiverse" / "models.parquet")
    saved = pd.read_csv(run / "multiverse" / "choice_summary.csv")
    again = choice_summary(models, alpha=0.05)
    assert len(saved) == len(again) and list(saved.columns) == list(again.columns)
    pd.testing.assert_series_equal(saved["median"], again["median"], check_names=False)
    n_curves = len(models[["scenario", "treatment", "term"]].drop_duplicates())
    assert (saved["dimension"] == "all").sum() == n_curves

    specs = pd.read_parquet(run / "multiverse" / "specifications.parquet")
    broom = pd.read_csv(run / "multiverse" / "specifications_broom.csv")
    assert list(broom.columns[:7]) == ["term", "estimate", "std.error", "statistic", "p.value", "conf.low", "conf.high"]
    assert len(broom) == len(specs) and int(broom["model_row"].sum()) == len(models)
    # each model's counted row carries the model table's own analytic p
    counted = broom[broom["model_row"]].merge(models[["model_id", "term", "p_two_tailed"]], on=["model_id", "term"])
    pd.testing.assert_series_equal(counted["p.value"], counted["p_two_tailed"], check_names=False)


def test_report_shows_the_choice_views_with_captions(test_config_run):
    text = (test_config_run / TEST_RUN / "report.html").read_text(encoding="utf-8")
    m = re.search(r'<script id="results">\s*var results = (\{.*?\});?\s*</script>', text, re.S)
    assert m, "report has no embedded results table"
    results = json.loads(m.group(1))
    c = re.search(r'var categories = (\{.*?\});?\s*</script>', text, re.S)
    assert c, "report has no embedded categories"
    in_category = {path for paths in json.loads(c.group(1)).get(CATEGORY, {}).values() for path in paths}
    models = pd.read_parquet(test_config_run / TEST_RUN / "multiverse" / "models.parquet")
    mine = [f"{TEST_RUN}/report/choice_summary.html"] + [
        f"{TEST_RUN}/figures/{kind}_{s}.png" for kind in ("choices", "samplesize") for s in sorted(models["scenario"].unique())]
    for path in mine:
        assert path in results, f"{path} not in the report"
        r = results[path]
        assert len(r.get("caption") or "") > 200 and "{{" not in r["caption"], f"{path}: caption"
        assert path in in_category, f"{path}: not under {CATEGORY!r}"
    # the explorer stays out of the report (data: URLs over 2 MB do not show); the front page links it
    assert f"{TEST_RUN}/explorer.html" not in results
