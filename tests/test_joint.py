"""Joint inference on the specification curve: the count-weighted batched refit against
statsmodels on duplicated rows, the statistics by hand, and the whole test of a small
multiverse against a brute-force statsmodels loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from specverse.analysis import joint_test as joint
from specverse.engine import draw_pair_counts, method_rng, spec_seed
from specverse.study.plan import TREATMENT_TERMS
from specverse.study.row_designs import build_designs
from specverse.study.variants import build_variant


def test_observed_statistics_by_hand():
    est = [0.5, 1.0, -0.2, 2.0, 0.8]
    p_two = [0.01, 0.2, 0.03, 0.001, 0.04]
    p_one = [0.005, 0.1, 0.985, 0.0005, 0.02]
    obs = joint.observed_statistics(est, p_two, p_one, 0.05)
    assert obs["dominant_sign"] == 1
    assert obs["median_estimate"] == 0.8
    assert obs["n_significant"] == 3  # 0.5, 2.0, 0.8; -0.2 is significant but against the sign
    # Phi^-1(1-p): 2.5758, 1.2816, -2.1701, 3.2905, 2.0537; sum 7.0315 / sqrt(5)
    assert obs["stouffer_z"] == pytest.approx(3.1446, abs=1e-3)
    neg = joint.observed_statistics([-x for x in est], p_two, [1 - p for p in p_one], 0.05)
    assert neg["dominant_sign"] == -1 and neg["n_significant"] == 3
    assert neg["stouffer_z"] == pytest.approx(3.1446, abs=1e-3)


def test_null_p_values_by_hand():
    obs = {"dominant_sign": 1, "median_estimate": 0.8, "n_significant": 3, "stouffer_z": 3.14}
    null = {"median_estimate": np.array([0.1, 0.9, -0.5, 0.8]), "n_significant": np.array([1, 3, 5, 2]),
            "stouffer_z": np.array([1.0, 4.0, -1.0, 3.5])}
    # (1 + 2 of 4 draws at least as extreme) / (1 + 4)
    assert joint.null_p_values(obs, null) == {"p_median": 0.6, "p_n_significant": 0.6, "p_stouffer": 0.6}
    obs_neg = {**obs, "dominant_sign": -1, "median_estimate": -0.4}
    # extreme in the negative direction: -0.5 only
    assert joint.null_p_values(obs_neg, null)["p_median"] == 0.4
    # no draw as extreme: the smallest p is 1 / (B + 1), never 0
    far = {**obs, "median_estimate": 5.0, "n_significant": 9, "stouffer_z": 9.0}
    assert joint.null_p_values(far, null) == {"p_median": 0.2, "p_n_significant": 0.2, "p_stouffer": 0.2}


def test_null_statistics_by_hand():
    delta = np.array([[3.0, -0.5, 0.1], [-2.5, 2.2, np.nan]])
    se = np.ones_like(delta)
    df = np.full_like(delta, 1e9)  # t with huge df: the normal distribution
    out = joint.null_statistics(delta, se, df, sign=1, alpha=0.05)
    np.testing.assert_allclose(out["median_estimate"], [0.1, -0.15])
    np.testing.assert_array_equal(out["n_significant"], [1, 1])  # 3.0 | 2.2 (-2.5 is the wrong sign)
    z0 = (3.0 - 0.5 + 0.1) / np.sqrt(3)
    z1 = (-2.5 + 2.2) / np.sqrt(2)
    np.testing.assert_allclose(out["stouffer_z"], [z0, z1], rtol=1e-6)
    np.testing.assert_allclose(out["usable_share"], [1.0, 2 / 3])


def test_null_curve_quantiles():
    band = joint.null_curve(np.array([[3.0, 1.0, 2.0], [6.0, 5.0, 4.0]]), 3, quantiles=(0.5,))
    np.testing.assert_allclose(band[:, 0], [2.5, 3.5, 4.5])


@pytest.fixture(scope="module")
def variants(make_areas):
    """Two baselines of made-up areas: the same regressors, outcomes measured against
    another 2006 figure where the area has an LSP-preferred one."""
    analysis = make_areas(n=60, seed=3, scenarios=("causal",))
    analysis["ni1_2006_lsp"] = analysis["ni1_2006"] - np.random.default_rng(8).uniform(0, 2, len(analysis))
    return {b: build_variant(analysis, "causal", b) for b in ("published", "lsp_preferred")}


def _small_table(variant: pd.DataFrame, baseline: str = "published", treatment: str = "target_on",
                 post_selection_rows: bool = False) -> pd.DataFrame:
    """Model rows fitted with statsmodels, as the model table would hold them: one per
    model and term, HC1 (the studentizing SE type), estimates also on the common scale
    (point changes x 100 / the variant's mean baseline)."""
    regs = list(TREATMENT_TERMS[treatment])
    rows = []
    controls = {"full": ["deprivation", "nrf_area"], "none": []}
    samples = ("all", "no_london") + (("no_influential",) if post_selection_rows else ())
    for outcome in ("pct_change", "point_change"):
        factor = 100 / variant["ni1_2006"].mean() if outcome == "point_change" else 1.0
        for ctl, terms in controls.items():
            for sample in samples:
                for est in ("ols", "wls_population", "huber"):
                    for se_type in ("HC1",):
                        mask = np.ones(len(variant), bool) if sample == "all" else (variant["la_type"] != "London borough").to_numpy()
                        mask = mask & np.isfinite(variant[regs].to_numpy(float)).all(axis=1)
                        X = sm.add_constant(variant.loc[mask, [*regs, *terms]].to_numpy(float), prepend=False)
                        y = variant.loc[mask, outcome].to_numpy(float)
                        if est == "wls_population":
                            mod = sm.WLS(y, X, weights=variant.loc[mask, "population"].to_numpy(float))
                        else:
                            mod = sm.OLS(y, X)  # huber rows: only their presence matters here
                        res = mod.fit(cov_type="nonrobust" if se_type == "classical" else se_type, use_t=True)
                        for j, term in enumerate(regs):
                            b, s, dfr = res.params[j], res.bse[j], res.df_resid
                            t = b / s
                            rows.append({
                                "model_id": f"{baseline}{outcome}{ctl}{sample}{est}", "scenario": "causal",
                                "baseline": baseline, "outcome": outcome, "treatment": treatment,
                                "term": term, "controls": ctl, "sample": sample, "estimator": est,
                                "post_selection": sample == "no_influential",
                                "se_type": se_type, "control_terms": ";".join(terms), "estimate": b, "std_error": s,
                                "estimate_common": b * factor, "std_error_common": s * factor,
                                "p_two_tailed": 2 * stats.t.sf(abs(t), dfr), "p_greater": stats.t.sf(t, dfr),
                                "status": "ok",
                            })
    return pd.DataFrame(rows)


def _brute_force(table, variants, draws, seed, alpha):
    kept = table[table["estimator"] != "huber"].reset_index(drop=True)
    rng = method_rng(spec_seed(seed, "joint_test;scenario=causal;treatment=target_on"), "joint_pairs")
    n = len(variants["published"])
    counts = draw_pair_counts(rng, n, draws)
    sign = joint.dominant_sign(kept["estimate_common"])
    med, nsig, z = [], [], []
    for r in range(draws):
        idx = np.repeat(np.arange(n), counts[r].astype(int))
        deltas, p1s, sig = [], [], 0
        for row in kept.itertuples():
            variant = variants[row.baseline]
            terms = [t for t in row.control_terms.split(";") if t]
            keep = idx if row.sample == "all" else idx[(variant["la_type"].to_numpy()[idx] != "London borough")]
            X = sm.add_constant(variant[["target_on", *terms]].to_numpy(float)[keep], prepend=False)
            y = variant[row.outcome].to_numpy(float)[keep] - row.estimate * X[:, 0]  # effect removed
            mod = sm.WLS(y, X, weights=variant["population"].to_numpy(float)[keep]) if row.estimator == "wls_population" else sm.OLS(y, X)
            res = mod.fit(cov_type="nonrobust" if row.se_type == "classical" else row.se_type)
            t = res.params[0] / res.bse[0]
            deltas.append(res.params[0] * row.estimate_common / row.estimate)
            p1s.append(stats.t.sf(sign * t, res.df_resid))
            sig += (2 * stats.t.sf(abs(t), res.df_resid) < alpha) and np.sign(res.params[0]) == sign
        med.append(np.median(deltas))
        nsig.append(sig)
        z.append(stats.norm.isf(np.clip(p1s, 1e-15, 1 - 1e-15)).sum() / np.sqrt(len(p1s)))
    obs = joint.observed_statistics(kept["estimate_common"], kept["p_two_tailed"], kept["p_greater"], alpha)
    return obs, np.array(med), np.array(nsig), np.array(z)


def test_joint_test_matches_a_statsmodels_loop(variants):
    table = pd.concat([_small_table(v, b) for b, v in variants.items()], ignore_index=True)
    draws, seed, alpha = 20, 11, 0.05
    recs, curve = joint.joint_test_treatment(table, variants, draws=draws, seed=seed,
                                                   alpha=alpha, curve_points=10)
    assert len(recs) == 1
    rec = recs[0]
    obs, med, nsig, z = _brute_force(table, variants, draws, seed, alpha)
    assert rec["n_models"] == 32 and rec["n_excluded_huber"] == 16
    # the two baselines share every design (same regressors and rows): 2 controls x 2 samples x 2 estimators
    designs, _ = build_designs(table[table["estimator"] != "huber"], variants, "target_on")
    assert len(designs) == 8 and all(d.Y.shape[1] == 4 for d in designs)
    assert rec["n_post_selection_apart"] == 0
    assert rec["median_estimate"] == pytest.approx(obs["median_estimate"], rel=1e-12)
    assert rec["n_significant"] == obs["n_significant"]
    def p(extreme):  # the observed curve is one of the B + 1 curves: p >= 1 / (B + 1)
        return (1 + np.sum(extreme)) / (1 + draws)

    assert rec["p_median"] == p(obs["dominant_sign"] * med >= obs["dominant_sign"] * obs["median_estimate"])
    assert rec["p_n_significant"] == p(nsig >= obs["n_significant"])
    assert rec["p_stouffer"] == p(z >= obs["stouffer_z"])
    assert rec["null_n_significant_q975"] == pytest.approx(np.quantile(nsig, 0.975))
    assert rec["null_median_q975"] == pytest.approx(np.quantile(obs["dominant_sign"] * med, 0.975), rel=1e-9)
    assert len(curve) == 10 and (np.diff(curve["observed"]) >= 0).all()
    assert (curve["null_q025"] <= curve["null_q500"]).all() and (curve["null_q500"] <= curve["null_q975"]).all()


def test_joint_test_refuses_a_design_that_does_not_reproduce_the_table(variants):
    variant = variants["published"]
    table = _small_table(variant)
    table.loc[3, "estimate"] += 0.01
    with pytest.raises(ValueError, match=table.loc[3, "model_id"]):
        joint.joint_test_treatment(table, {"published": variant}, draws=5, seed=1, alpha=0.05)


def test_joint_test_names_a_missing_variant(variants):
    table = _small_table(variants["lsp_preferred"], "lsp_preferred")
    with pytest.raises(ValueError, match="lsp_preferred"):
        joint.joint_test_treatment(table, {"published": variants["published"]}, draws=5, seed=1, alpha=0.05)


def test_joint_draws_depend_on_seed_and_identity_only(variants):
    variant = variants["published"]
    table = _small_table(variant)
    a, _ = joint.joint_test_treatment(table, {"published": variant}, draws=20, seed=4, alpha=0.05)
    b, _ = joint.joint_test_treatment(table.sample(frac=1, random_state=1), {"published": variant}, draws=20,
                                            seed=4, alpha=0.05)
    assert a == b


def test_two_term_treatment_shares_refits_without_changing_either_curve(variants):
    table = pd.concat([_small_table(v, b, "target_on_and_stretch") for b, v in variants.items()], ignore_index=True)
    both, curves = joint.joint_test_treatment(table, variants, draws=15, seed=2, alpha=0.05, curve_points=5)
    assert [r["term"] for r in both] == ["target_on", "target_stretch"]
    for rec in both:
        alone, _ = joint.joint_test_treatment(table[table["term"] == rec["term"]], variants, draws=15, seed=2,
                                                    alpha=0.05, curve_points=5)
        assert alone == [rec]
    assert set(curves["term"]) == {"target_on", "target_stretch"}


def test_post_selection_models_are_kept_out_of_the_joint_test(variants):
    with_post = pd.concat([_small_table(v, b, post_selection_rows=True) for b, v in variants.items()],
                          ignore_index=True)
    without = with_post[~with_post["post_selection"]]
    a, _ = joint.joint_test_treatment(with_post, variants, draws=10, seed=3, alpha=0.05)
    b, _ = joint.joint_test_treatment(without, variants, draws=10, seed=3, alpha=0.05)
    assert a[0]["n_post_selection_apart"] == 24 and b[0]["n_post_selection_apart"] == 0
    a[0].pop("n_post_selection_apart"), b[0].pop("n_post_selection_apart")
    assert a == b


def test_a_family_of_post_selection_models_only_gets_a_record_without_statistics(variants):
    """Only post-selection (or only Huber) models in a family: nothing to test
    jointly; the record says how many models were kept apart, and no curve is drawn."""
    with_post = pd.concat([_small_table(v, b, post_selection_rows=True) for b, v in variants.items()],
                          ignore_index=True)
    only_post = with_post[with_post["post_selection"]]
    recs, curves = joint.joint_test_treatment(only_post, variants, draws=10, seed=3, alpha=0.05)
    assert [(r["term"], r["n_models"], r["n_post_selection_apart"]) for r in recs] == [("target_on", 0, 24)]
    assert "p_median" not in recs[0] and curves.empty and list(curves.columns) == joint.CURVE_COLUMNS
    tests, curves = joint.joint_tests(only_post, variants, "causal",
                                      draws=10, seed=3, alpha=0.05)
    assert len(tests) == 1 and tests["n_models"].tolist() == [0] and curves.empty


def test_models_left_out_by_status_are_counted(variants):
    """A model that is excluded or did not converge leaves the test and is counted in
    n_not_usable; the test itself is that of the usable models alone."""
    table = pd.concat([_small_table(v, b) for b, v in variants.items()], ignore_index=True)
    hit = table.index[:3]
    broken = table.copy()
    broken.loc[hit, "status"] = "not_converged"
    a, _ = joint.joint_test_treatment(broken, variants, draws=10, seed=3, alpha=0.05)
    b, _ = joint.joint_test_treatment(table.drop(index=hit), variants, draws=10, seed=3, alpha=0.05)
    assert a[0]["n_not_usable"] == 3 and b[0]["n_not_usable"] == 0
    a[0].pop("n_not_usable"), b[0].pop("n_not_usable")
    assert a == b
    tests, _ = joint.joint_tests(broken, variants, broken["scenario"].iloc[0], draws=10, seed=3, alpha=0.05)
    assert tests["n_not_usable"].sum() == 3
