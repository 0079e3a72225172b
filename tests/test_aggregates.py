"""Honest aggregates: one effect scale, a model counted once, inference methods side by
side, post-selection samples apart, the headline method, and the conventions the
specification table keeps (each checked on a small evaluated multiverse)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from specverse.analysis.models import model_table
from specverse.analysis.summary import summarize
from specverse.study.evaluate import evaluate_cell
from specverse.study.plan import ConfigError, build_multiverse, check_inference
from specverse.study.variants import build_variant


@pytest.fixture(scope="module")
def evaluated(make_areas, load_config):
    analysis = make_areas(n=70, seed=9, scenarios=("causal",))
    variants = {("causal", b): build_variant(analysis, "causal", b) for b in ("published", "lsp_preferred")}
    config = load_config("test.yaml")
    config["data"]["scenarios"] = ["causal"]
    config["multiverse"].update(outcome=["pct_change", "point_change", "log_ratio", "ancova"],
                                treatment=["target_on", "target_on_and_stretch"], controls=["full", "none"],
                                sample=["all", "no_influential"], se_type=["HC1", "HC3", "classical"])
    config["inference"]["draws"] = 19
    table = evaluate_cell(variants, build_multiverse(config), {}, seed=config["seed"],
                          inference=config["inference"])
    return variants, config, table


def test_common_scale_is_a_pure_rescale_within_a_variant(evaluated):
    variants, _, table = evaluated
    ok = table[table["status"] == "ok"]
    for (scenario, baseline, outcome), rows in ok.groupby(["scenario", "baseline", "outcome"]):
        factor = rows["estimate_common"] / rows["estimate"]
        expected = 100 / variants[(scenario, baseline)]["ni1_2006"].mean() if outcome in ("point_change", "ancova") else 1.0
        np.testing.assert_allclose(factor, expected, rtol=1e-14)
        for col in ("std_error", "ci_low", "ci_high"):
            np.testing.assert_allclose(rows[f"{col}_common"], rows[col] * expected, rtol=1e-14)
        assert rows["common_scale"].nunique() == 1 and rows["common_scale"].iloc[0].startswith(outcome)


def test_point_and_percent_outcomes_agree_on_the_common_scale(make_areas, load_config):
    """A planted effect of +3% of the baseline: the % change and the point change estimate it
    on the common scale alike, while their native estimates differ by 100 / mean baseline."""
    analysis = make_areas(n=120, seed=4, scenarios=("causal",))
    rng = np.random.default_rng(1)
    growth = 3.0 * analysis["target_on"] + rng.normal(0, 0.5, len(analysis))
    analysis["ni1_2008"] = analysis["ni1_2006"] * (1 + growth / 100)
    variants = {("causal", "published"): build_variant(analysis, "causal", "published")}
    config = load_config("test.yaml")
    config["data"]["scenarios"] = ["causal"]
    config["multiverse"].update(baseline=["published"], outcome=["pct_change", "point_change"], treatment=["target_on"],
                                controls=["none"], sample=["all"], estimator=["ols"], se_type=["HC1"])
    config["inference"]["methods"] = []
    table = evaluate_cell(variants, build_multiverse(config), {}, seed=1, inference=config["inference"])
    by = table.set_index("outcome")
    pct, pts = by.loc["pct_change"], by.loc["point_change"]
    assert pct["estimate"] == pytest.approx(3.0, rel=0.05)
    assert pts["estimate"] < 0.8 * pct["estimate"]  # points: about 3 x baseline / 100
    # a point of NI1 is 100 / baseline % of the baseline: the treated areas' baselines differ
    # from the mean one, so the two agree to a few per cent, not exactly
    assert pts["estimate_common"] == pytest.approx(pct["estimate_common"], rel=0.08)


def test_a_model_is_counted_once_whatever_its_se_types(evaluated):
    _, config, table = evaluated
    models = model_table(table, studentized="HC1", headline="wild")
    assert not models.duplicated(["model_id", "term"]).any()
    assert len(models) == table.drop_duplicates(["model_id", "term"]).shape[0]
    only_hc1 = model_table(table[table["se_type"].isin(["HC1", "classical"])], studentized="HC1", headline="wild")
    cols = ["model_id", "term", "estimate_common", "p_wild", "p_headline"]
    pd.testing.assert_frame_equal(models[cols], only_hc1[cols])
    s3 = summarize(table, models, alpha=0.05, headline="wild", studentized="HC1")
    s1 = summarize(table, only_hc1, alpha=0.05, headline="wild", studentized="HC1")
    for a, b in zip(s3["curves"], s1["curves"]):
        assert a["models"] == b["models"] and a["median_estimate_common"] == b["median_estimate_common"]
        assert a["share_significant"]["wild"] == b["share_significant"]["wild"]


def test_inference_methods_side_by_side(evaluated):
    _, _, table = evaluated
    models = model_table(table, studentized="HC1", headline="wild")
    ols = models[models["estimator"] != "huber"]
    for se in ("HC1", "HC3", "classical"):
        rows = table[(table["se_type"] == se) & (table["estimator"] != "huber") & (table["status"] == "ok")]
        got = ols.set_index(["model_id", "term"])[f"p_{se}"].loc[list(zip(rows["model_id"], rows["term"]))]
        np.testing.assert_array_equal(got.to_numpy(), rows["p_two_tailed"].to_numpy())
    huber = models[models["estimator"] == "huber"]
    assert huber["p_HC1"].isna().all() and huber["p_huber"].notna().all() and (huber["se_type"] == "huber_h1").all()
    assert ols["p_huber"].isna().all()
    summary = summarize(table, models, alpha=0.05, headline="wild", studentized="HC1")
    curve = summary["curves"][0]
    assert set(curve["share_significant"]) >= {"HC1", "HC3", "classical", "huber", "wild", "pairs", "permutation",
                                                "headline"}
    assert curve["models_with_p"]["huber"] < curve["models"] == curve["models_with_p"]["huber"] + curve["models_with_p"]["HC1"]


def test_headline_p_follows_the_configured_method(evaluated):
    _, _, table = evaluated
    wild = model_table(table, studentized="HC1", headline="wild")
    np.testing.assert_array_equal(wild["p_headline"], wild["p_wild"])
    assert wild.loc[wild["estimator"] == "huber", "p_headline"].isna().all()  # no wild bootstrap of an M-estimator
    hc3 = model_table(table, studentized="HC1", headline="HC3")
    linear = hc3["estimator"] != "huber"
    np.testing.assert_array_equal(hc3.loc[linear, "p_headline"], hc3.loc[linear, "p_HC3"])
    np.testing.assert_array_equal(hc3.loc[~linear, "p_headline"], hc3.loc[~linear, "p_huber"])
    with pytest.raises(ValueError, match="headline"):
        model_table(table, studentized="HC1", headline="bayes")


def test_post_selection_samples_are_flagged_and_kept_apart(evaluated):
    _, _, table = evaluated
    assert (table["post_selection"] == (table["sample"] == "no_influential")).all()
    models = model_table(table, studentized="HC1", headline="wild")
    summary = summarize(table, models, alpha=0.05, headline="wild", studentized="HC1")
    for curve in summary["curves"]:
        part = models[(models["treatment"] == curve["treatment"]) & (models["term"] == curve["term"])]
        assert curve["models"] == int((~part["post_selection"] & (part["status"] == "ok")).sum())
        assert curve["models_post_selection_apart"] == int((part["post_selection"] & (part["status"] == "ok")).sum())
        fixed = part[~part["post_selection"] & (part["status"] == "ok")]
        assert curve["median_estimate_common"] == pytest.approx(float(np.median(fixed["estimate_common"])))


def test_table_conventions(evaluated):
    _, _, table = evaluated
    assert "p_greater" in table and "p_one_tailed" not in table  # H1: coefficient > 0, named as such
    huber = table[(table["estimator"] == "huber") & (table["status"] == "ok")]
    assert np.isinf(huber["df"]).all()  # normal inference: t with infinite df, consistent with p and CI


def test_inference_settings_must_point_at_existing_rows(load_config):
    config = load_config("test.yaml")
    check_inference(config)
    for inference, words in (({"se_type": "HC3"}, "inference.se_type"), ({"headline": "HC3"}, "inference.headline"),
                             ({"headline": "pairs", "methods": ["wild"]}, "inference.methods")):
        bad = {**config, "inference": {**config["inference"], **inference}}
        with pytest.raises(ConfigError, match=words):
            check_inference(bad)
