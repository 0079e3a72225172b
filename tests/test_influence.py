"""Which choices matter: Young & Holsteen summary, influence regression and variance
decomposition on small multiverses whose answers are computed by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from specverse.analysis import influence

import _fake_tables as fx

BASE = {"scenario": "causal", "outcome": "pct_change", "treatment": "target_on", "term": "target_on",
        "controls": "full", "estimator": "ols", "status": "ok", "std_error_common": 1.0, "p_headline": 0.5,
        "ci_low_common": 0.0, "ci_high_common": 1.0, "control_terms": "deprivation;nrf_area",
        "post_selection": False}


def _grid(estimates: dict) -> pd.DataFrame:
    """One model per (baseline, sample) with the given estimate on the common scale."""
    rows = []
    for (baseline, sample), b in estimates.items():
        rows.append({**BASE, "model_id": f"{baseline}{sample}", "baseline": baseline, "sample": sample,
                     "estimate_common": b})
    return pd.DataFrame(rows)


TWO_BY_TWO = {("published", "all"): 1.0, ("published", "no_london"): 2.0,
              ("lsp_preferred", "all"): 3.0, ("lsp_preferred", "no_london"): 4.0}


def test_young_holsteen_by_hand():
    yh = influence.young_holsteen([1, 2, 3, 4], [1, 1, 2, 2], [0.01, 0.2, 0.03, 0.5], 0.05)
    assert yh["n_models"] == 4
    assert yh["mean_estimate"] == 2.5
    assert yh["sampling_variance"] == 2.5  # (1 + 1 + 4 + 4) / 4
    assert yh["modelling_variance"] == 1.25  # (2.25 + .25 + .25 + 2.25) / 4
    assert yh["total_sd"] == pytest.approx(np.sqrt(3.75))
    assert yh["robustness_ratio"] == pytest.approx(2.5 / np.sqrt(3.75))
    assert yh["sign_stability"] == 1.0
    assert yh["share_significant"] == 0.5 and yh["models_with_p"] == 4
    # a model without a p-value (Huber: no resampled p) leaves the denominator, not the numerator
    yh = influence.young_holsteen([1, 2, 3, 4, 5], [1, 1, 2, 2, 1], [0.01, 0.2, 0.03, 0.5, np.nan], 0.05)
    assert yh["n_models"] == 5 and yh["models_with_p"] == 4 and yh["share_significant"] == 0.5
    assert np.isnan(influence.young_holsteen([1.0], [1.0], [np.nan], 0.05)["share_significant"])
    assert influence.young_holsteen([-1, -2, 2], [1, 1, 1], [1, 1, 1], 0.05)["sign_stability"] == pytest.approx(2 / 3)


def test_influence_regression_recovers_additive_choices():
    rows = _grid(TWO_BY_TWO)  # b = 1 + 2 [lsp_preferred] + 1 [no_london]
    d = influence.choice_dummies(rows)
    assert sorted(d.columns) == ["baseline=lsp_preferred", "sample=no_london"]
    reg = influence.influence_regression(rows["estimate_common"], d).set_index("choice")
    assert reg.loc["baseline=lsp_preferred", "coefficient"] == pytest.approx(2.0, abs=1e-12)
    assert reg.loc["sample=no_london", "coefficient"] == pytest.approx(1.0, abs=1e-12)
    assert reg["intercept"].iloc[0] == pytest.approx(1.0)
    table = influence.influence_table(rows).query("section == 'influence' and statistic == 'pct_of_mean'")
    pct = dict(zip(table["option"], table["value"]))
    assert pct["lsp_preferred"] == pytest.approx(80.0)  # 100 * 2 / 2.5
    assert pct["no_london"] == pytest.approx(40.0)


def test_control_inclusion_dummies_and_unidentified_choices():
    rows = _grid(TWO_BY_TWO)
    # Every no_london row drops nrf_area: "includes nrf_area" is the sample choice again.
    rows.loc[rows["sample"] == "no_london", "control_terms"] = "deprivation;ni1_2006"
    d = influence.choice_dummies(rows)
    assert "includes=nrf_area" in d and "includes=deprivation" not in d  # deprivation never varies
    assert "includes=ni1_2006" not in d  # the ANCOVA baseline belongs to the outcome choice
    reg = influence.influence_regression(rows["estimate_common"], d).set_index("choice")
    assert not reg.loc["includes=nrf_area", "identified"] and np.isnan(reg.loc["includes=nrf_area", "coefficient"])
    assert reg.loc["sample=no_london", "coefficient"] == pytest.approx(1.0)


def test_controls_moving_together_are_one_choice():
    rows = _grid(TWO_BY_TWO)
    rows.loc[rows["sample"] == "no_london", "control_terms"] = ""  # none vs full, aligned with the sample
    rows.loc[rows["baseline"] == "lsp_preferred", "control_terms"] = "deprivation;nrf_area;london_borough"
    d = influence.choice_dummies(rows)
    inc = [c for c in d.columns if c.startswith("includes=")]
    # deprivation and nrf_area always move together: one dummy; london_borough its own
    assert sorted(inc) == ["includes=deprivation + nrf_area", "includes=london_borough"]


def test_variance_shares_main_effects_and_interaction():
    v = influence.variance_shares(_grid(TWO_BY_TWO)).set_index("component")["share"]
    # SST = 5; baseline SS 4, sample SS 1; no interaction
    assert v["baseline"] == pytest.approx(0.8)
    assert v["sample"] == pytest.approx(0.2)
    assert "se_type" not in v  # an inference choice, never a dimension
    assert v["remainder"] == pytest.approx(0.0, abs=1e-12)
    pure = {("published", "all"): 0.0, ("published", "no_london"): 0.0,
            ("lsp_preferred", "all"): 0.0, ("lsp_preferred", "no_london"): 1.0}
    v = influence.variance_shares(_grid(pure)).set_index("component")["share"]
    # grand mean 1/4, SST 3/4; each main effect 1/4 of it... = 1/3; interaction 1/3
    assert v["baseline"] == pytest.approx(1 / 3)
    assert v["sample"] == pytest.approx(1 / 3)
    assert v["baseline x sample"] == pytest.approx(1 / 3)


def test_tables_cover_every_curve_of_the_synthetic_multiverse():
    specs = fx.models(size="small")
    # a few post-selection models in one curve, to be counted apart
    chosen = specs.index[(specs["scenario"] == "causal") & (specs["treatment"] == "target_on")
                         & (specs["status"] == "ok")][:5]
    specs.loc[chosen, "post_selection"] = True
    inf = influence.influence_table(specs)
    keys = set(map(tuple, specs[["scenario", "treatment", "term"]].drop_duplicates().to_numpy()))
    assert set(map(tuple, inf[["scenario", "treatment", "term"]].drop_duplicates().to_numpy())) == keys
    summ = inf[inf["section"] == "summary"]
    stats = influence.SUMMARY_STATS + influence.LEFT_OUT
    assert (summ.groupby(["scenario", "treatment", "term"]).size() == len(stats)).all()
    ok = specs[(specs["status"] == "ok") & ~specs["post_selection"]]
    one = ok[(ok["scenario"] == "causal") & (ok["treatment"] == "target_on")]
    got = summ[(summ["scenario"] == "causal") & (summ["treatment"] == "target_on")].set_index("statistic")["value"]
    assert got["mean_estimate"] == pytest.approx(one["estimate_common"].mean())
    assert got["n_models"] == len(one)
    # what the aggregate leaves out is counted beside it, and everything adds up
    curve = specs[(specs["scenario"] == "causal") & (specs["treatment"] == "target_on")]
    assert got["models_not_usable"] == (curve["status"] != "ok").sum() > 0
    assert got["models_post_selection_apart"] == ((curve["status"] == "ok") & curve["post_selection"]).sum() > 0
    assert got["n_models"] + got["models_not_usable"] + got["models_post_selection_apart"] == len(curve)
    var = influence.variance_table(specs)
    v = var[(var["scenario"] == "causal") & (var["treatment"] == "target_on")].iloc[0]
    assert (v["n_models"], v["models_not_usable"]) == (got["n_models"], got["models_not_usable"])
    # Shown components plus the (non-negative) remainder account for all the variance.
    sums = var.groupby(["scenario", "treatment", "term"])["share"].sum()
    assert (sums >= 1.0 - 1e-9).all() and (var["share"] >= 0).all()
    assert set(var["kind"]) == {"main", "interaction", "remainder"}
