"""Calibration suite: batched inference on many outcomes of one design, null outcome
generators, the study's designs, the size / coverage tables and the headline choice.

(a) engine.replications agrees with engine.resample (same seeds: identical p-values,
    wild CI to rounding), with the engine's pairs kernel (the bootstrap-t CI) and with
    statsmodels OLS / WLS / RLM (1e-10);
(b) the fast calibration on the study's real stretch design under the heavy-tailed
    heteroskedastic null: bounds that fail a method of true size .07;
(c) the error models: the null holds, the survey model's variance is the audit's
    p(1 - p)/n_eff propagated.
All outcomes here are SIMULATED; the designs' regressors come from one data variant
(on the embedded data partly simulated columns, see calibration_designs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from specverse.analysis.calibration import (
    COVERAGE_COLUMNS,
    SIZE_COLUMNS,
    CalibrationSettings,
    clopper_pearson,
    explain_headline,
    headline_candidates,
    run_calibration,
)
from specverse.engine import RegSpec, resample
from specverse.engine.null_simulation import (
    effective_respondents,
    heteroskedastic_sd,
    null_outcomes,
    survey_moments,
    survey_variance_delta,
)
from specverse.engine.replications import METHODS, replicate_inference, replication_seeds
from specverse.engine.resampling.pairs import pairs_draws
from specverse.engine.resampling.studentized import order_quantiles
from specverse.engine.resampling.shared_draws import SharedDraws
from specverse.engine.seeds import method_rng, spec_seed
from specverse.study.calibration_designs import DESIGNS, build_designs, design_table

SEED = 20130501
SM_COV = {"classical": "nonrobust", "HC0": "HC0", "HC1": "HC1", "HC2": "HC2", "HC3": "HC3"}


@pytest.fixture(scope="module")
def variant() -> pd.DataFrame:
    """The embedded mechanical/published variant, built as the workflow builds it."""
    from specverse.study.dataset import build_dataset
    from specverse.study.variants import build_variant

    root = Path(__file__).resolve().parents[1]
    analysis, _ = build_dataset({"seed": SEED, "data": {"source": "embedded", "scenarios": ["mechanical"]}},
                                data_dir=root / "data")
    return build_variant(analysis, "mechanical", "published")


@pytest.fixture(scope="module")
def designs(variant):
    return {d.name: d for d in build_designs(variant)}


def close(a, b, tol=1e-10):
    a, b = np.asarray(a, float), np.asarray(b, float)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, float(np.nanmax(np.abs(b)))))


def _outcomes(design, error_model, R, tag):
    seeds = replication_seeds(SEED, f"test;{tag};{design.name};{error_model}", R)
    Y = null_outcomes(error_model, design.mean, seeds=seeds, resid_sd=design.resid_sd, driver=design.driver,
                      levels_2006=design.true_2006, levels_2008=design.true_2008)
    return Y, seeds


# ---------------------------------------------------------------- (a) agreement
@pytest.mark.parametrize("name,se_type", [("stretch", "HC1"), ("wls_population", "HC3"), ("two_term", "HC1")])
def test_replications_equal_resample(designs, name, se_type):
    d = designs[name]
    Y, seeds = _outcomes(d, "heavy_tailed", 4, "agree")
    rep = replicate_inference(Y, d.regressors, d.tested, seeds=seeds, weights=d.weights, draws=199, se_type=se_type,
                              methods=("wild", "pairs", "freedman_lane", "treatment_permutation"))
    spec = [RegSpec(d.tested, tuple(range(len(d.tested), d.regressors.shape[1])))]
    est = "ols" if d.weights is None else "wls"
    for r in range(len(Y)):
        kw = dict(seed=seeds[r], weights=d.weights, estimator=est, draws=199, se_type=se_type)
        ref = resample(Y[r], d.regressors, spec, **kw)
        treat = resample(Y[r], d.regressors, spec, methods="permutation", permutation="treatment", **kw)
        for j in range(len(d.tested)):
            assert rep.results["wild"].p_two_tailed[r, j] == ref.p_wild[j]
            assert rep.results["pairs"].p_two_tailed[r, j] == ref.p_pairs[j]
            assert rep.results["freedman_lane"].p_two_tailed[r, j] == ref.p_perm[j]
            assert rep.results["treatment_permutation"].p_two_tailed[r, j] == treat.p_perm[j]
            close(rep.results["wild"].ci_low[r, j], ref.ci_wild_low[j], 1e-12)
            close(rep.results["wild"].ci_high[r, j], ref.ci_wild_high[j], 1e-12)
            close(rep.results["pairs"].ci_low[r, j], ref.ci_pairs_low[j], 1e-12)
            close(rep.results["pairs"].ci_high[r, j], ref.ci_pairs_high[j], 1e-12)


def test_pairs_interval_is_bootstrap_t_from_the_same_draws(designs):
    """p and CI from one t* = (b* - b)/se* distribution; one-tailed p counts t* >= t."""
    d = designs["stretch"]
    Y, seeds = _outcomes(d, "heteroskedastic", 3, "pairs")
    B, alpha = 199, 0.05
    rep = replicate_inference(Y, d.regressors, d.tested, seeds=seeds, draws=B, methods=("HC1", "pairs"))
    X = np.column_stack([d.regressors, np.ones(d.n)])
    for r in range(3):
        counts = SharedDraws(seeds[r], d.n, B).pair_counts(np.arange(d.n))
        b_star, se_star = pairs_draws(X, Y[r], counts, 1, "HC1")
        b, se = rep.results["HC1"].estimate[r, 0], (rep.results["HC1"].ci_high[r, 0] - rep.results["HC1"].estimate[r, 0]) / stats.t.ppf(0.975, d.n - d.k)
        t_star = (b_star[:, 0] - b) / se_star[:, 0]
        q_lo, q_hi = order_quantiles(t_star, [alpha / 2, 1 - alpha / 2])
        close(rep.results["pairs"].ci_low[r, 0], b - q_hi * se, 1e-9)
        close(rep.results["pairs"].ci_high[r, 0], b - q_lo * se, 1e-9)
        t = b / se
        assert rep.results["pairs"].p_greater[r, 0] == pytest.approx((1 + np.sum(t_star >= t)) / (1 + B), abs=1e-15)


@pytest.mark.parametrize("name", ["stretch", "wls_population", "two_term"])
def test_analytic_and_huber_equal_statsmodels(designs, name):
    d = designs[name]
    Y, seeds = _outcomes(d, "survey_sampling", 3, "sm")
    methods = tuple(m for m in METHODS if m in SM_COV or (m == "huber" and d.weights is None))
    rep = replicate_inference(Y, d.regressors, d.tested, seeds=seeds, weights=d.weights, methods=methods, draws=19)
    X = np.column_stack([d.regressors, np.ones(d.n)])
    for r in range(len(Y)):
        for se_type, cov in SM_COV.items():
            model = sm.OLS(Y[r], X) if d.weights is None else sm.WLS(Y[r], X, weights=d.weights)
            fit = model.fit(cov_type=cov, use_t=True)
            res = rep.results[se_type]
            for j in d.tested:
                close(res.estimate[r, j], fit.params[j])
                close(res.p_two_tailed[r, j], fit.pvalues[j])
                close(res.p_greater[r, j], stats.t.sf(fit.tvalues[j], fit.df_resid))
                close([res.ci_low[r, j], res.ci_high[r, j]], fit.conf_int()[j])
        if d.weights is None:
            fit = sm.RLM(Y[r], X, M=sm.robust.norms.HuberT()).fit()
            res = rep.results["huber"]
            for j in d.tested:
                close(res.estimate[r, j], fit.params[j])
                close(res.p_two_tailed[r, j], fit.pvalues[j])
                close([res.ci_low[r, j], res.ci_high[r, j]], fit.conf_int()[j])


def test_bad_inputs_raise(designs):
    d = designs["stretch"]
    Y, seeds = _outcomes(d, "normal", 2, "bad")
    with pytest.raises(ValueError, match="seeds"):
        replicate_inference(Y, d.regressors, 0, seeds=seeds[:1])
    with pytest.raises(ValueError, match="huber"):
        replicate_inference(Y, d.regressors, 0, seeds=seeds, weights=np.ones(d.n), methods="huber")
    with pytest.raises(ValueError, match="methods"):
        replicate_inference(Y, d.regressors, 0, seeds=seeds, methods="bogus")
    bad = Y.copy()
    bad[1, 5] = np.nan
    with pytest.raises(ValueError, match="replication 1, row 5"):
        replicate_inference(bad, d.regressors, 0, seeds=seeds)
    with pytest.raises(ValueError, match="unknown key"):
        CalibrationSettings.from_config({"replication": 10}, seed=1)
    with pytest.raises(ValueError, match="draws"):
        CalibrationSettings.from_config({"draws": 200}, seed=1)
    with pytest.raises(ValueError, match="designs"):
        CalibrationSettings.from_config({"designs": ["stretch", "nope"]}, seed=1)


def test_replications_do_not_depend_on_R(designs):
    """Replication r's outcome and results depend on its seed only, not on R or chunking."""
    d = designs["two_term"]
    seeds = replication_seeds(SEED, "test;chunks", 90)
    kw = dict(mean=d.mean, resid_sd=d.resid_sd, driver=d.driver)
    Y = null_outcomes("heavy_tailed", seeds=seeds, **kw)
    np.testing.assert_array_equal(Y[:3], null_outcomes("heavy_tailed", seeds=seeds[:3], **kw))
    methods = ("HC3", "wild", "freedman_lane")
    big = replicate_inference(Y, d.regressors, d.tested, seeds=seeds, draws=199, methods=methods)
    small = replicate_inference(Y[85:], d.regressors, d.tested, seeds=seeds[85:], draws=199, methods=methods)
    # analytic: the same to rounding (a BLAS product's blocking depends on R); resampling
    # p-values: identical (counts of draws)
    close(big.results["HC3"].p_two_tailed[85:], small.results["HC3"].p_two_tailed, 1e-12)
    for m in ("wild", "freedman_lane"):
        np.testing.assert_array_equal(big.results[m].p_two_tailed[85:], small.results[m].p_two_tailed)


# ---------------------------------------------------------------- (b) the fast calibration
FAST_R = 4000
FAST_LEVEL = 0.999  # a correct method fails by chance with probability .001
SYNTHETIC_SIZE = 0.07


def _accepts(x, n, nominal=0.05, level=FAST_LEVEL):
    lo, hi = clopper_pearson(x, n, level)
    return lo <= nominal <= hi


def test_fast_bounds_fail_a_method_of_size_07():
    """With R = 4,000 the acceptance region (rates whose 99.9% exact interval holds .05)
    ends near .061, below .07; a method of true size .07 is accepted with probability < 2.5%."""
    x = np.arange(FAST_R + 1)
    accepted = np.array([_accepts(int(k), FAST_R) for k in x[150:260]])  # .0375-.065 covers the region
    region = x[150:260][accepted]
    assert region.max() / FAST_R < SYNTHETIC_SIZE - 0.005  # upper bound below .07 with a margin
    assert not _accepts(region.max() + 1, FAST_R) and not _accepts(region.min() - 1, FAST_R)
    p_pass_07 = stats.binom.cdf(region.max(), FAST_R, SYNTHETIC_SIZE) - stats.binom.cdf(region.min() - 1, FAST_R, SYNTHETIC_SIZE)
    p_pass_05 = stats.binom.cdf(region.max(), FAST_R, 0.05) - stats.binom.cdf(region.min() - 1, FAST_R, 0.05)
    assert p_pass_07 < 0.025 and p_pass_05 > FAST_LEVEL
    # a synthetic method of known size .07: rejection indicators from an engine stream
    hits = method_rng(spec_seed(SEED, "test;synthetic_method"), "synthetic").random(FAST_R) < SYNTHETIC_SIZE
    assert not _accepts(int(hits.sum()), FAST_R)


def test_fast_calibration_on_the_real_stretch_design(designs, record_property):
    """Real stretch design (n = 131, k = 13, max leverage ~.29), heteroskedastic + heavy-tailed
    null: HC3 and the wild bootstrap are within the bounds, classical and HC1 are not
    (measured at R = 20,000: classical .278, HC1 .079, HC2 .071, HC3 .051, wild .052)."""
    d = designs["stretch"]
    assert (d.n, d.k) == (131, 13) and d.max_leverage > 0.25
    Y, seeds = _outcomes(d, "heavy_tailed", FAST_R, "fast")
    rep = replicate_inference(Y, d.regressors, d.tested, seeds=seeds, draws=199, methods=("classical", "HC1", "HC3", "wild"))
    hits = {m: int(np.sum(r.p_two_tailed[:, 0] <= 0.05)) for m, r in rep.results.items()}
    covered = {m: int(np.sum((r.ci_low[:, 0] <= 0) & (r.ci_high[:, 0] >= 0))) for m, r in rep.results.items()}
    for m in hits:
        record_property(f"size_{m}", hits[m] / FAST_R)
    assert _accepts(hits["HC3"], FAST_R) and _accepts(hits["wild"], FAST_R), hits
    assert not _accepts(hits["classical"], FAST_R) and not _accepts(hits["HC1"], FAST_R), hits
    assert _accepts(covered["HC3"], FAST_R, 0.95) and _accepts(covered["wild"], FAST_R, 0.95), covered
    assert not _accepts(covered["classical"], FAST_R, 0.95), covered


# ---------------------------------------------------------------- (c) error models
@pytest.mark.parametrize("name", ["stretch", "target_on"])
@pytest.mark.parametrize("error_model", ["normal", "heteroskedastic", "heavy_tailed", "survey_sampling"])
def test_null_holds(designs, name, error_model):
    """Mean error 0 in every area and a mean estimate 0 within Monte Carlo error."""
    d = designs[name]
    R = 3000
    Y, seeds = _outcomes(d, error_model, R, "null")
    E = Y - d.mean
    z_area = E.mean(axis=0) / (E.std(axis=0, ddof=1) / np.sqrt(R))
    assert np.abs(z_area).max() < 4.5  # 131-150 areas: P(max |z| > 4.5) ~ 1e-3
    rep = replicate_inference(Y, d.regressors, d.tested, seeds=seeds, methods="classical")
    b = rep.results["classical"].estimate[:, 0]
    assert abs(b.mean()) < 4 * b.std(ddof=1) / np.sqrt(R)


def test_error_model_scales(designs):
    d = designs["stretch"]
    R = 4000
    sd = heteroskedastic_sd(d.driver, d.resid_sd)
    assert np.mean(sd**2) == pytest.approx(d.resid_sd**2)
    zero = d.driver == 0
    assert np.allclose(sd[zero], sd[zero][0]) and sd[~zero].min() > sd[zero][0]  # rises with |stretch|
    assert np.corrcoef(sd, np.abs(d.driver))[0, 1] == pytest.approx(1.0)
    binary = heteroskedastic_sd(designs["target_on"].driver, 1.0)
    assert set(np.round(binary / binary.min(), 12)) == {1.0, 2.0}  # sd doubles for the treated
    for model in ("heteroskedastic", "heavy_tailed"):
        E = _outcomes(d, model, R, "scale")[0] - d.mean
        z = E / sd
        assert np.mean(z**2) == pytest.approx(1.0, abs=4 * np.sqrt(2 / z.size) * (3 if model == "heavy_tailed" else 1))
        if model == "heavy_tailed":  # scale mixture: E z^4 = 3 (.9 + .1 x 81) / 1.8^2 = 8.33
            assert np.mean(z**4) == pytest.approx(3 * 9.0 / 1.8**2, rel=0.06)
            assert np.mean(np.abs(z) > 4) > 0.003  # the tripled errors are there


def test_survey_model_variance_is_binomial_propagation(designs):
    """Per area, the simulated % change has the exact binomial moments, and its variance is
    the audit's p(1 - p)/n_eff propagated by the delta method (to O(1/n_eff))."""
    d = designs["stretch"]
    R = 6000
    n_eff = effective_respondents(1100, 1.5)
    assert n_eff == 733
    E = _outcomes(d, "survey_sampling", R, "survey")[0] - d.mean
    exact_mean, exact_var = survey_moments(d.true_2006, d.true_2008, n_eff)
    delta = survey_variance_delta(d.true_2006, d.true_2008, n_eff)
    assert np.allclose(exact_var / delta, 1.0, atol=0.01)  # delta method within 1% at n_eff = 733
    ratio = E.var(axis=0, ddof=1) / delta
    tol = 4 * np.sqrt(2 / R)  # ~normal errors: sd of a variance ratio is sqrt(2 / R)
    assert np.abs(ratio - 1).max() < tol + 0.01
    assert ratio.mean() == pytest.approx(1.0, abs=2 * np.sqrt(2 / (R * d.n)) + 0.005)
    # the centring uses the exact mean of 100 (Y08 - Y06)/Y06 (a ratio: not 100 (T08 - T06)/T06)
    naive = 100 * (d.true_2008 - d.true_2006) / d.true_2006
    assert np.all(exact_mean > naive)  # Jensen: E[1/Y06] > 1/T06
    rng = method_rng(spec_seed(SEED, "test;survey_direct"), "direct")
    y06 = rng.binomial(n_eff, d.true_2006[0] / 100, 200_000) * 100 / n_eff
    y08 = rng.binomial(n_eff, d.true_2008[0] / 100, 200_000) * 100 / n_eff
    o = 100 * (y08 - y06) / y06
    assert o.mean() == pytest.approx(exact_mean[0], abs=4 * o.std() / np.sqrt(o.size))


def test_bad_error_model_inputs(designs):
    d = designs["stretch"]
    seeds = [1, 2]
    with pytest.raises(ValueError, match="error_model"):
        null_outcomes("cauchy", d.mean, seeds=seeds, resid_sd=1.0)
    with pytest.raises(ValueError, match="driver"):
        null_outcomes("heteroskedastic", d.mean, seeds=seeds, resid_sd=1.0)
    with pytest.raises(ValueError, match="levels_2006"):
        null_outcomes("survey_sampling", d.mean, seeds=seeds)
    with pytest.raises(ValueError, match="undefined"):
        null_outcomes("survey_sampling", d.mean, seeds=seeds, levels_2006=np.full(d.n, 0.5), levels_2008=d.true_2008)


# ---------------------------------------------------------------- designs, tables, headline, figure
def test_designs_are_the_studys(designs):
    t = design_table(designs.values()).set_index("design")
    assert list(designs) == list(DESIGNS)
    assert (t.loc["target_on", ["n", "k"]] == [150, 13]).all()
    assert (t.loc["stretch", ["n", "k"]] == [131, 13]).all() and 0.28 < t.at["stretch", "max_leverage"] < 0.30
    assert 60 <= t.at["laa_only", "n"] <= 70
    assert designs["wls_population"].weights is not None and t.at["wls_population", "estimator"] == "wls"
    assert list(t.index[-2:]) == ["two_term:target_on", "two_term:target_stretch"] and t.at["two_term:target_on", "k"] == 14
    for d in designs.values():  # the mean is the paper's fit minus the tested terms: it has no tested component
        fit = sm.WLS(d.mean, np.column_stack([d.regressors, np.ones(d.n)]), weights=1 if d.weights is None else d.weights).fit()
        assert np.allclose(fit.params[list(d.tested)], 0, atol=1e-9)
        assert "SIMULATED" in d.data_note


def test_tables_headline_and_figure(variant, tmp_path):
    from specverse.figures.calibration import calibration_figure, within_everywhere

    settings = CalibrationSettings.from_config(
        {"replications": 60, "draws": 39, "designs": ["stretch", "wls_population"],
         "error_models": ["normal", "heavy_tailed"], "methods": ["HC1", "HC3", "wild", "freedman_lane", "huber"]},
        seed=SEED)
    run = run_calibration(variant, settings)
    assert list(run.size.columns) == SIZE_COLUMNS and list(run.coverage.columns) == COVERAGE_COLUMNS
    assert len(run.size) == 2 * 2 * 2 * 5 - 2 * 2  # designs x errors x tails x methods, no Huber under WLS
    assert set(run.coverage["method"]) == {"HC1", "HC3", "wild", "huber"}
    for table, value in ((run.size, "rejection_rate"), (run.coverage, "coverage")):
        assert (table["replications"] == 60).all()
        assert ((table["mc_low"] <= table[value]) & (table[value] <= table["mc_high"])).all()
    from statsmodels.stats.proportion import proportion_confint

    row = run.size.iloc[0]
    x = round(row["rejection_rate"] * 60)
    assert np.allclose([row["mc_low"], row["mc_high"]], proportion_confint(x, 60, 0.05, method="beta"), atol=1e-12)
    two = run.size[run.size["tail"] == "two_tailed"]
    assert within_everywhere(two, "rejection_rate", 0.05) == sorted(headline_candidates(run.size), key=list(METHODS).index)
    assert "huber" not in headline_candidates(run.size)  # missing under WLS
    calibration_figure(run.size, run.coverage, tmp_path / "c.png", note="SIMULATED")
    assert (tmp_path / "c.png").stat().st_size > 20_000


def test_tables_do_not_depend_on_worker_processes(variant):
    """run_calibration(n_jobs=2) spreads the design x error model units over two processes
    (the rule's threads): every table equals the one-process run's."""
    settings = CalibrationSettings.from_config(
        {"replications": 20, "draws": 39, "designs": ["stretch", "wls_population"],
         "error_models": ["normal", "heavy_tailed"], "methods": ["HC1", "wild", "pairs", "huber"]}, seed=SEED)
    one, two = run_calibration(variant, settings), run_calibration(variant, settings, n_jobs=2)
    for table in ("size", "coverage", "designs"):
        pd.testing.assert_frame_equal(getattr(one, table), getattr(two, table))
    timing = ["seconds", "cpu_seconds"]
    pd.testing.assert_frame_equal(one.diagnostics.drop(columns=timing), two.diagnostics.drop(columns=timing))


def _size_table(rates):
    rows = []
    for (design, method), x in rates.items():
        lo, hi = clopper_pearson(x, 2000)
        rows.append({"design": design, "error_model": "e", "method": method, "tail": "two_tailed", "alpha": 0.05,
                     "replications": 2000, "rejection_rate": x / 2000, "mc_low": lo, "mc_high": hi})
    return pd.DataFrame(rows)


def test_headline_candidates_and_explanation():
    rates = {("d1", "HC3"): 104, ("d2", "HC3"): 96, ("d1", "wild"): 100, ("d2", "wild"): 99,
             ("d1", "HC1"): 100, ("d2", "HC1"): 160, ("d1", "huber"): 100}
    size = _size_table(rates)
    assert headline_candidates(size) == ["wild", "HC3"]  # smallest worst-case |size - .05| first
    text = explain_headline(size)
    assert text.startswith("wild is the best-calibrated method") and "range 0.0495-0.0500" in text
    assert "HC3 0.0480-0.0520" in text and "HC1 (0.0500-0.0800)" in text and "Not run on every design: huber" in text
    # Bonferroni matters: x = 122 of 2000 (.061) is outside the 95% interval but inside at 1 - .05/2
    size = _size_table({("d1", "HC3"): 122, ("d2", "HC3"): 100})
    assert headline_candidates(size, familywise=False) == [] and headline_candidates(size) == ["HC3"]
    assert "No method" in explain_headline(_size_table({("d1", "HC1"): 160, ("d2", "HC1"): 150}))


def test_settings_from_config():
    s = CalibrationSettings.from_config({"replications": 2000, "draws": 999, "designs": "stretch",
                                         "scenario": "causal"}, seed=7)
    assert (s.seed, s.scenario, s.replications, s.draws, s.designs) == (7, "causal", 2000, 999, ("stretch",))
    assert CalibrationSettings.from_config({"seed": 3}).seed == 3
    with pytest.raises(ValueError, match="seed"):
        CalibrationSettings.from_config({})
    with pytest.raises(ValueError, match="replications"):
        CalibrationSettings.from_config({"replications": 0}, seed=7)
