"""specr-like conveniences: the summary per choice against hand-computed values, its figure
and the sample-size panel, and the broom-named export of the specification table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from specverse.analysis.broom import BROOM, broom_table
from specverse.analysis.choices import MAD_SCALE, choice_summary
from specverse.analysis.table import display_option
from specverse.figures import choices as fig
from specverse.io import write_csv

NAN = np.nan
# id, baseline, outcome, controls, sample, estimator, estimate, p_headline, status
CURVE_A = [
    ("m1", "published", "pct_change", "full", "all", "ols", 1.0, 0.01, "ok"),
    ("m2", "published", "pct_change", "drop_deprivation", "all", "ols", 2.0, 0.20, "ok"),
    ("m3", "published", "point_change", "none", "all", "huber", 3.0, NAN, "ok"),
    ("m4", "lsp_preferred", "pct_change", "full", "no_london", "ols", 4.0, 0.04, "ok"),
    ("m5", "lsp_preferred", "point_change", "blocks_size", "no_london", "ols", 10.0, 0.50, "ok"),
    ("m6", "published", "pct_change", "full", "all", "wls_population", NAN, NAN, "excluded: no weights"),
    ("m7", "published", "pct_change", "full", "no_influential", "ols", 100.0, 0.001, "ok"),
    ("m8", "lsp_preferred", "pct_change", "full", "no_influential", "ols", 50.0, 0.30, "ok"),
]


def hand_models() -> pd.DataFrame:
    rows = [dict(zip(("model_id", "baseline", "outcome", "controls", "sample", "estimator", "estimate_common",
                      "p_headline", "status"), r), scenario="causal", treatment="stretch_2006",
                 term="target_stretch") for r in CURVE_A]
    rows.append(dict(model_id="m9", baseline="published", outcome="pct_change", controls="full", sample="all",
                     estimator="ols", estimate_common=-1.0, p_headline=0.01, status="ok", scenario="causal",
                     treatment="target_on", term="target_on"))
    df = pd.DataFrame(rows)
    df["std_error_common"] = np.where(np.isfinite(df["estimate_common"]), 0.5, NAN)
    df["post_selection"] = df["sample"] == "no_influential"
    return df


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return choice_summary(hand_models(), alpha=0.05)


def _row(summary, dimension, option, treatment="stretch_2006"):
    hit = summary[(summary["treatment"] == treatment) & (summary["dimension"] == dimension)
                  & (summary["option"] == option)]
    assert len(hit) == 1, (dimension, option, hit)
    return hit.iloc[0]


def test_all_models_of_a_curve(summary):
    r = _row(summary, "all", "all models")
    # usable, outside post-selection: 1, 2, 3, 4, 10 (m6 excluded, m7 and m8 apart)
    assert r["models"] == 5 and not r["post_selection"]
    assert r["median"] == 3 and r["mad"] == pytest.approx(MAD_SCALE * 1)  # |dev| 2,1,0,1,7
    assert (r["q25"], r["q75"], r["min"], r["max"]) == (2, 4, 1, 10)
    assert r["models_with_p"] == 4 and r["share_significant"] == 0.5  # .01 and .04 of four
    assert r["models_not_usable"] == 1  # m6, excluded: counted, not summarised
    # beside its own options; an option without an unusable model counts 0
    assert _row(summary, "baseline", "published")["models_not_usable"] == 1
    assert _row(summary, "baseline", "lsp_preferred")["models_not_usable"] == 0
    assert _row(summary, "controls", "full")["models_not_usable"] == 1


@pytest.mark.parametrize("dimension, option, models, median, mad, with_p, share", [
    ("baseline", "published", 3, 2.0, MAD_SCALE * 1, 2, 0.5),        # 1, 2, 3; p .01, .20, none
    ("baseline", "lsp_preferred", 2, 7.0, MAD_SCALE * 3, 2, 0.5),    # 4, 10
    ("outcome", "point_change", 2, 6.5, MAD_SCALE * 3.5, 1, 0.0),    # 3 (no p), 10 (.50)
    ("controls", "full", 2, 2.5, MAD_SCALE * 1.5, 2, 1.0),           # 1, 4
    ("controls", "blocks_size", 1, 10.0, 0.0, 1, 0.0),
    ("sample", "no_london", 2, 7.0, MAD_SCALE * 3, 2, 0.5),
    ("estimator", "ols", 4, 3.0, MAD_SCALE * 1.5, 4, 0.5),           # 1, 2, 4, 10: |dev| 2,1,1,7
])
def test_each_option_against_hand_computed_values(summary, dimension, option, models, median, mad, with_p, share):
    r = _row(summary, dimension, option)
    assert r["models"] == models and r["median"] == pytest.approx(median) and r["mad"] == pytest.approx(mad)
    assert r["models_with_p"] == with_p and r["share_significant"] == pytest.approx(share)


def test_no_headline_p_gives_no_share(summary):
    r = _row(summary, "estimator", "huber")
    assert r["models"] == 1 and r["models_with_p"] == 0 and np.isnan(r["share_significant"])


def test_post_selection_sample_is_summarised_apart(summary):
    r = _row(summary, "sample", "no_influential")
    assert r["post_selection"] and r["models"] == 2 and r["median"] == 75 and r["mad"] == pytest.approx(MAD_SCALE * 25)
    assert r["models_with_p"] == 2 and r["share_significant"] == 0.5
    # ... and never pooled into another option
    assert _row(summary, "baseline", "published")["max"] == 3
    assert summary.loc[summary["dimension"] != "sample", "post_selection"].eq(False).all()


def test_curves_are_separate_and_options_ordered_paper_first(summary):
    b = summary[summary["treatment"] == "target_on"]
    assert len(b) == 6 and (b["models"] == 1).all() and (b["median"] == -1).all()
    a = summary[summary["treatment"] == "stretch_2006"]
    assert len(a) == 14  # all + baseline 2 + outcome 2 + controls 4 + sample 3 + estimator 2
    controls = a.loc[a["dimension"] == "controls", "option"].tolist()
    assert controls == ["full", "blocks_size", "drop_deprivation", "none"]
    assert a.loc[a["dimension"] == "sample", "option"].tolist() == ["all", "no_london", "no_influential"]


def test_controls_collapse_into_classes_for_the_figure():
    s = choice_summary(hand_models(), alpha=0.05, option_label=display_option)
    classes = s[(s["treatment"] == "stretch_2006") & (s["dimension"] == "controls")]
    assert classes["option"].tolist() == ["full", "block subset", "leave one out", "none"]
    assert classes["models"].sum() == 5


def test_alpha_decides_significance():
    s = choice_summary(hand_models(), alpha=0.3)
    assert _row(s, "all", "all models")["share_significant"] == 0.75  # .01, .20, .04 below .30


# --- the figures


def test_choice_figure_states_which_choice_moves_the_estimate(summary, tmp_path):
    # Option medians of stretch_2006: baseline 2 | 7, outcome 2 | 6.5, controls 2.5 | 10 | 2 | 3,
    # sample 2 | 7 (post-selection apart), estimator 3 | 3.  target_on: one model, no spread.
    spread = fig.spread_by_dimension(summary)
    a = spread[spread["treatment"] == "stretch_2006"].set_index("dimension")["spread"]
    assert a.to_dict() == {"baseline": 5, "outcome": 4.5, "controls": 8, "sample": 5, "estimator": 0}
    assert fig.choices_title(summary, "causal") == (
        "Scenario 'causal': which choices move the estimate? The controls choice moves the median most in "
        "1 of 2 curves;\nthe widest gap between two options' medians is 8.00 (controls, stretch_2006: target_stretch)")
    one = summary[summary["treatment"] == "target_on"]
    assert fig.choices_title(one, "causal") == "Scenario 'causal': no choice moves the median estimate of any curve"
    png = tmp_path / "choices_causal.png"
    fig.plot_choice_summary(choice_summary(hand_models(), alpha=0.05, option_label=display_option), "causal",
                            png=png, pdf=tmp_path / "c.pdf", note="SIMULATED DATA - test")
    assert png.stat().st_size > 10_000 and (tmp_path / "c.pdf").exists()
    drawn = pd.read_csv(png.with_suffix(".csv"))
    assert set(drawn["dimension"]) == {"baseline", "outcome", "controls", "sample", "estimator"}
    with pytest.raises(ValueError, match="no row for scenario 'mechanical'"):
        fig.plot_choice_summary(summary, "mechanical", png=tmp_path / "x.png")


def test_sample_size_panel_follows_the_curve_order(tmp_path):
    models = hand_models()
    models["n"] = models["sample"].map({"all": 150, "no_london": 118, "no_influential": 140})
    models["model_id"] = models["model_id"].astype(str)
    data = fig.sample_size_data(models, "causal", alpha=0.05)
    a = data[data["treatment"] == "stretch_2006"]
    # ranked by estimate, post-selection and excluded models left out (as on the curve)
    assert a["model_id"].tolist() == ["m1", "m2", "m3", "m4", "m5"] and a["rank"].tolist() == [1, 2, 3, 4, 5]
    assert a["n"].tolist() == [150, 150, 150, 118, 118]
    rho = fig.rank_correlation(data)
    assert rho[("stretch_2006", "target_stretch")] == pytest.approx(-np.sqrt(3) / 2)  # ranks 2,2,2,4.5,4.5
    assert rho[("target_on", "target_on")] == 0  # one model: n constant
    assert "smaller samples give the larger estimates" in fig.sample_size_title(data, "causal")
    png = tmp_path / "samplesize_causal.png"
    fig.plot_sample_sizes(models, "causal", png=png, note="")
    assert png.stat().st_size > 10_000 and len(pd.read_csv(png.with_suffix(".csv"))) == 6


# --- the broom export


def hand_specs() -> pd.DataFrame:
    rows = []
    for model, estimator, se_types in (("a", "ols", ("HC1", "classical")), ("b", "huber", ("classical",))):
        for k, se in enumerate(se_types):
            rows.append(dict(spec_id=f"{model}{se}", model_id=model, scenario="causal", baseline="published",
                             outcome="point_change", treatment="target_on", term="target_on", controls="full",
                             sample="all", estimator=estimator, se_type=se, post_selection=False,
                             control_terms="deprivation", estimate=0.5, std_error=0.25 + 0.05 * k, t=0.5 / (0.25 + 0.05 * k),
                             df=140.0, p_two_tailed=0.04 + k, ci_low=0.0, ci_high=1.0, n=150, r_squared=0.3,
                             estimate_common=0.65, std_error_common=0.33, ci_low_common=0.0, ci_high_common=1.3,
                             common_scale="point_change: x 100 / 77", status="ok"))
    rows.append({**rows[0], "spec_id": "cHC1", "model_id": "c", "estimate": NAN, "std_error": NAN, "t": NAN,
                 "p_two_tailed": NAN, "status": "excluded: constant control"})
    return pd.DataFrame(rows)


def test_broom_columns_names_and_values(tmp_path):
    specs = hand_specs()
    out = broom_table(specs, studentized="HC1")
    assert list(out.columns[:7]) == ["term", "estimate", "std.error", "statistic", "p.value", "conf.low", "conf.high"]
    assert list(BROOM) == list(out.columns[:7])
    for new, old in BROOM.items():
        np.testing.assert_array_equal(out[new].to_numpy(), specs[old].to_numpy())
    assert {"scenario", "baseline", "outcome", "treatment", "controls", "sample", "estimator", "se_type",
            "fit_nobs", "estimate_common", "conf.low_common", "status"} <= set(out.columns)
    # the studentizing row of each model: HC1 for OLS, Huber's classical (H1) row
    assert out.set_index("spec_id")["model_row"].to_dict() == {
        "aHC1": True, "aclassical": False, "bclassical": True, "cHC1": True}
    assert len(out) == len(specs) and out.loc[out["spec_id"] == "cHC1", "estimate"].isna().all()
    path = tmp_path / "specifications_broom.csv"
    write_csv(out, path)
    back = pd.read_csv(path)
    assert list(back.columns) == list(out.columns)
    assert back["p.value"].tolist()[:2] == [0.04, 1.04]


def test_broom_refuses_a_table_without_its_columns():
    with pytest.raises(ValueError, match="p_two_tailed"):
        broom_table(hand_specs().drop(columns="p_two_tailed"), studentized="HC1")
