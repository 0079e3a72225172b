"""fit_full / fit_specs (OLS, WLS) against statsmodels, edge cases, batching."""

import itertools
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from specverse.engine import FullFit, RegSpec, fit_full, fit_specs
from specverse.engine.covariance import SE_TYPES

RTOL = 1e-10
SM_COV = {"classical": "nonrobust", "HC0": "HC0", "HC1": "HC1", "HC2": "HC2", "HC3": "HC3"}


def design(seed=0, n=150):
    """Study-like regressors: mixed units, dummies, heteroskedastic errors."""
    rng = np.random.default_rng(seed)
    dep = rng.normal(25, 8, n)
    div = rng.normal(0, 1, n)
    logpop = rng.normal(12, 0.6, n)
    growth = rng.normal(3, 2, n)
    kind = rng.integers(0, 4, n)
    london, metro, county = (kind == 1) * 1.0, (kind == 2) * 1.0, (kind == 3) * 1.0
    treat = (rng.random(n) < 0.4) * 1.0
    stretch = treat * rng.uniform(2, 15, n)
    Z = np.column_stack([treat, stretch, dep, div, logpop, growth, london, metro, county])
    y = 0.5 * treat + 0.05 * dep - 0.8 * div + rng.normal(0, 1, n) * (0.5 + np.abs(div))
    w = rng.uniform(0.2, 3.0, n)
    return y, Z, w


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


def sm_fit(y, X, se_type, w=None):
    Xc = sm.add_constant(X, prepend=False, has_constant="add")
    model = sm.OLS(y, Xc) if w is None else sm.WLS(y, Xc, weights=w)
    return model.fit(cov_type=SM_COV[se_type], use_t=True)


# ----------------------------------------------------------------- fit_full


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("se_type", SE_TYPES)
def test_fit_full_matches_statsmodels(se_type, weighted):
    y, Z, w = design(1)
    w = w if weighted else None
    names = [f"x{j}" for j in range(Z.shape[1])]
    ff = fit_full(y, Z, names, weights=w, se_type=se_type)
    assert isinstance(ff, FullFit)
    Xc = sm.add_constant(Z)
    model = sm.OLS(y, Xc) if w is None else sm.WLS(y, Xc, weights=w)
    r = model.fit(cov_type=SM_COV[se_type], use_t=True)
    c = ff.coefficients
    assert list(c.term) == ["const"] + names
    assert rel(c.estimate, r.params) < RTOL
    assert rel(c.std_error, r.bse) < RTOL
    assert rel(c.t, r.tvalues) < RTOL
    assert rel(c.p_two_tailed, r.pvalues) < RTOL
    assert rel(c.p_greater, stats.t.sf(r.tvalues, r.df_resid)) < RTOL
    ci = r.conf_int(0.05)
    assert rel(c.ci_low, ci[:, 0]) < RTOL and rel(c.ci_high, ci[:, 1]) < RTOL
    assert (c.df == r.df_resid).all() and ff.n == 150 and ff.k == 10
    assert rel(ff.r_squared, r.rsquared) < RTOL
    assert rel(ff.adj_r_squared, r.rsquared_adj) < RTOL
    assert rel(ff.f_statistic, r.fvalue) < RTOL
    assert rel(ff.f_p_value, r.f_pvalue) < 1e-8  # p of F near 1e-10: fewer digits
    assert rel(ff.fitted[ff.used], r.fittedvalues) < RTOL
    assert np.max(np.abs(ff.resid - r.resid)) < RTOL * np.max(np.abs(r.resid))


def test_fit_full_badly_scaled_column():
    """A column in units 1e5x larger costs statsmodels digits (pinv and the
    robust F on unequilibrated matrices: ~1e-9); column equilibration keeps
    ours at 1e-10 of statsmodels run on the well-scaled design, rescaled."""
    y, Z, _ = design(2)
    Zbig = Z.copy()
    Zbig[:, 2] *= 1e5
    names = [f"x{j}" for j in range(Z.shape[1])]
    unit = np.ones(10)
    unit[3] = 1e5  # const first: column 2 of Z is coefficient 3
    for se in SE_TYPES:
        ff = fit_full(y, Zbig, names, se_type=se)
        r = sm.OLS(y, sm.add_constant(Z)).fit(cov_type=SM_COV[se], use_t=True)
        assert rel(ff.f_statistic, r.fvalue) < RTOL
        assert rel(ff.coefficients.estimate, r.params / unit) < RTOL
        assert rel(ff.coefficients.std_error, r.bse / unit) < RTOL
        assert rel(ff.coefficients.p_two_tailed, r.pvalues) < RTOL


def near_constant_design(seed=3, n=70):
    """Table-2-like conditioning: two diversity indices around 8700 +- 60 next to
    the constant (condition number ~3e6), plus population-scale and dummy columns."""
    rng = np.random.default_rng(seed)
    age = rng.normal(8700, 60, n)
    social = rng.normal(8780, 60, n)
    dep = rng.uniform(5, 45, n)
    eth = rng.uniform(300, 8000, n)
    logpop = np.log(rng.integers(30_000, 1_300_000, n))
    kind = np.arange(n) % 4
    treat = (rng.random(n) < 0.6) * 1.0
    stretch = treat * rng.normal(3, 4, n)
    Z = np.column_stack([stretch, treat, dep, age, eth, social, logpop,
                         kind == 1, kind == 2, kind == 3]).astype(float)
    y = 0.3 * stretch + 0.01 * (age - 8700) + rng.normal(0, 3, n) * (1 + treat)
    w = rng.uniform(0.3, 3.0, n)
    return y, Z, w


@pytest.mark.parametrize("weighted", [False, True])
def test_near_constant_large_columns_keep_1e10(weighted):
    """Columns like 8700 +- 60 are nearly parallel to the constant; forming the
    Gram matrix with them uncentred cost ~2e-10 relative (statsmodels' pinv is
    within ~2e-13 of an accurate reference here).  The constant is partialled
    out first, so fit_full and fit_specs (both routes) stay within 1e-10."""
    y, Z, w = near_constant_design()
    w = w if weighted else None
    names = [f"x{j}" for j in range(Z.shape[1])]
    assert np.linalg.cond(sm.add_constant(Z)) > 1e6
    for se in SE_TYPES:
        r = sm_fit(y, Z, se, w)  # constant last
        params, bse = np.r_[r.params[-1], r.params[:-1]], np.r_[r.bse[-1], r.bse[:-1]]
        ff = fit_full(y, Z, names, weights=w, se_type=se)
        assert rel(ff.coefficients.estimate, params) < RTOL
        assert rel(ff.coefficients.std_error, bse) < RTOL
        assert rel(ff.f_statistic, r.fvalue) < RTOL
        cov = np.roll(np.roll(r.cov_params(), 1, axis=0), 1, axis=1)
        assert np.max(np.abs(ff.cov - cov) / np.outer(bse, bse)) < RTOL
        est = "wls" if weighted else "ols"
        specs = [RegSpec((0, 1), tuple(range(2, 10))), RegSpec((3,), (0, 1, 2, 4, 5)),
                 RegSpec((5, 3), (0, 6))]
        for f_stat in (True, False):
            df = fit_specs(y, Z, specs, weights=w, estimator=est, se_types=(se,),
                           f_statistic=f_stat)
            for i, s in enumerate(specs):
                rs = sm_fit(y, Z[:, list(s.terms + s.controls)], se, w)
                got = df[df.spec == i]
                m = len(s.terms)
                assert rel(got.estimate, rs.params[:m]) < RTOL
                assert rel(got.std_error, rs.bse[:m]) < RTOL
                assert rel(got.r_squared, np.full(m, rs.rsquared)) < RTOL
                if f_stat:
                    assert rel(got.f_statistic, np.full(m, rs.fvalue)) < RTOL


def test_fit_full_influence_ols():
    y, Z, _ = design(3)
    ff = fit_full(y, Z, [f"x{j}" for j in range(Z.shape[1])], se_type="HC1")
    infl = sm.OLS(y, sm.add_constant(Z)).fit().get_influence()
    assert rel(ff.leverage, infl.hat_matrix_diag) < RTOL
    cd = infl.cooks_distance[0]
    # Cook's D of a point with a near-zero residual has few significant digits
    # in either implementation; compare on the scale of the largest value.
    assert np.max(np.abs(ff.cooks_distance - cd)) < RTOL * cd.max()


def test_fit_full_influence_wls_is_transformed_ols():
    y, Z, w = design(4)
    ff = fit_full(y, Z, [f"x{j}" for j in range(Z.shape[1])], weights=w)
    sw = np.sqrt(w)
    infl = sm.OLS(y * sw, sm.add_constant(Z) * sw[:, None]).fit().get_influence()
    assert rel(ff.leverage, infl.hat_matrix_diag) < RTOL
    cd = infl.cooks_distance[0]
    assert np.max(np.abs(ff.cooks_distance - cd)) < RTOL * cd.max()


def test_fit_full_drops_missing_rows_and_reports_them():
    y, Z, w = design(5)
    y[3] = np.nan
    Z[7, 4] = np.nan
    w[11] = 0.0
    ff = fit_full(y, Z, [f"x{j}" for j in range(Z.shape[1])], weights=w, se_type="HC3")
    keep = np.ones(150, bool)
    keep[[3, 7, 11]] = False
    assert (ff.used == keep).all() and ff.n == 147
    assert np.isnan(ff.resid[[3, 7, 11]]).all()
    r = sm.WLS(y[keep], sm.add_constant(Z[keep]), weights=w[keep]).fit(cov_type="HC3", use_t=True)
    assert rel(ff.coefficients.std_error, r.bse) < RTOL


def test_fit_full_errors():
    y, Z, _ = design(6)
    names = [f"x{j}" for j in range(Z.shape[1])]
    Zc = Z.copy()
    Zc[:, 3] = 2 * Zc[:, 2] - 1
    with pytest.raises(ValueError, match="rank-deficient"):
        fit_full(y, Zc, names)
    with pytest.raises(ValueError, match="too few rows"):
        fit_full(y[:10], Z[:10], names)
    with pytest.raises(ValueError, match="se_type"):
        fit_full(y, Z, names, se_type="HC4")
    with pytest.raises(ValueError, match="names"):
        fit_full(y, Z, names[:-1])


# ---------------------------------------------------------------- fit_specs


def spec_list(Z, n_rows):
    """Specs with one and two reported terms, several control sets and masks."""
    rng = np.random.default_rng(42)
    masks = [None, rng.random(n_rows) < 0.8, Z[:, 6] == 0]  # random subset, "no_london"
    controls = [(), (2,), (2, 3, 4), (2, 3, 4, 5, 6, 7, 8), (3, 5, 8)]
    specs = []
    for mask, ctrl, terms in itertools.product(masks, controls, [(0,), (1,), (0, 1)]):
        ctrl = tuple(c for c in ctrl if not (mask is masks[2] and c == 6))
        specs.append(RegSpec(terms, ctrl, mask))
    return specs


def check_against_statsmodels(df, y, Z, specs, se_types, w=None, alpha=0.05):
    for i, s in enumerate(specs):
        rows = np.isfinite(y) & np.isfinite(Z[:, list(s.terms + s.controls)]).all(axis=1)
        if s.mask is not None:
            rows &= s.mask
        if w is not None:
            rows &= np.isfinite(w) & (w > 0)
        X = Z[rows][:, list(s.terms + s.controls)]
        for se in se_types:
            r = sm_fit(y[rows], X, se, None if w is None else w[rows])
            got = df[(df.spec == i) & (df.se_type == se)]
            assert list(got.term) == list(s.terms)
            assert (got.status == "ok").all()
            m = len(s.terms)
            ci = r.conf_int(alpha)[:m]
            assert rel(got.estimate, r.params[:m]) < RTOL
            assert rel(got.std_error, r.bse[:m]) < RTOL
            assert rel(got.t, r.tvalues[:m]) < RTOL
            assert rel(got.p_two_tailed, r.pvalues[:m]) < RTOL
            assert rel(got.p_greater, stats.t.sf(r.tvalues[:m], r.df_resid)) < RTOL
            assert rel(got.ci_low, ci[:, 0]) < RTOL and rel(got.ci_high, ci[:, 1]) < RTOL
            assert (got.df == r.df_resid).all() and (got.n == r.nobs).all()
            assert (got.k == X.shape[1] + 1).all()
            # R^2 = 1 - ssr/tss carries an absolute (eps-sized) error: a near-zero
            # R^2 cannot agree to 1e-10 relative, so allow 1e-14 absolute
            np.testing.assert_allclose(got.r_squared, r.rsquared, rtol=RTOL, atol=1e-14)
            np.testing.assert_allclose(got.adj_r_squared, r.rsquared_adj, rtol=RTOL, atol=1e-14)
            assert rel(got.f_statistic, np.full(m, r.fvalue)) < RTOL


@pytest.mark.parametrize("weighted", [False, True])
def test_fit_specs_matches_statsmodels_every_se_type(weighted):
    y, Z, w = design(7)
    specs = spec_list(Z, len(y))
    w = w if weighted else None
    df = fit_specs(
        y, Z, specs, weights=w, estimator="wls" if weighted else "ols", se_types=SE_TYPES
    )
    n_rows = sum(len(s.terms) for s in specs) * len(SE_TYPES)
    assert len(df) == n_rows
    assert list(df.columns[:3]) == ["spec", "term", "se_type"]
    check_against_statsmodels(df, y, Z, specs, SE_TYPES, w)


def test_fit_specs_alpha_sets_ci_level_and_term_order_kept():
    y, Z, _ = design(8)
    specs = [RegSpec((0,), (2, 3)), RegSpec((1,), (4,)), RegSpec((1, 0), (5,))]
    df = fit_specs(y, Z, specs, se_types=("HC3",), alpha=0.1)
    check_against_statsmodels(df, y, Z, specs, ("HC3",), alpha=0.1)


def test_fit_specs_missing_values_dropped_per_spec():
    y, Z, w = design(9)
    y[0] = np.nan
    Z[1, 5] = np.nan  # only specs using column 5 lose row 1
    Z[2, 0] = np.inf
    w[3] = np.nan
    w[4] = -1.0
    specs = [RegSpec((1,), (5,)), RegSpec((1,), (2,)), RegSpec((0,), (5, 8))]
    for est, ww in (("ols", None), ("wls", w)):
        df = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=("HC1", "classical"))
        drop_w = 2 if ww is not None else 0
        assert list(df[df.se_type == "HC1"].n) == [148 - drop_w, 149 - drop_w, 147 - drop_w]
        check_against_statsmodels(df, y, Z, specs, ("HC1", "classical"), ww)


def test_rank_deficient_controls_are_reported_not_solved():
    y, Z, _ = design(10)
    Z = np.column_stack([Z, 3 * Z[:, 2] - 2 * Z[:, 3] + 7])  # column 9 collinear with 2, 3, const
    specs = [RegSpec((0,), (2, 3, 9)), RegSpec((0,), (2, 9)), RegSpec((0,), (6, 7, 8))]
    no_county = Z[:, 8] == 0
    specs.append(RegSpec((0,), (2, 8), no_county))  # dummy all zero in the sample
    df = fit_specs(y, Z, specs, se_types=("HC1", "classical"))
    st = df.groupby("spec").status.first()
    assert list(st) == ["rank_deficient", "ok", "ok", "rank_deficient"]
    bad = df[df.status != "ok"]
    num = [
        "estimate",
        "std_error",
        "t",
        "p_two_tailed",
        "p_greater",
        "ci_low",
        "ci_high",
        "r_squared",
        "adj_r_squared",
        "f_statistic",
    ]
    assert bad[num].isna().all().all()
    ok = df[df.spec.isin([1, 2])]
    for i in (1, 2):
        check_against_statsmodels(
            ok[ok.spec == i].assign(spec=0), y, Z, [specs[i]], ("HC1", "classical")
        )


def test_constant_treatment_status():
    y, Z, _ = design(11)
    london = Z[:, 6] == 1
    specs = [
        RegSpec((6,), (2,), london),  # the treatment is 1 throughout the sample
        RegSpec((0,), (2,), london),
        RegSpec((6,), (2,)),
    ]
    df = fit_specs(y, Z, specs, se_types=("HC1",))
    assert list(df.status) == ["constant_treatment", "ok", "ok"]
    assert df.loc[0, ["estimate", "std_error", "p_two_tailed"]].isna().all()
    assert df.loc[0, "n"] == london.sum()


def test_constant_outcome_status():
    y, Z, w = design(19)
    y[:] = 2.5
    for est, ww in (("ols", None), ("wls", w), ("huber", None)):
        df = fit_specs(
            y, Z, [RegSpec((0,), (2,))], weights=ww, estimator=est, se_types=("classical",)
        )
        assert list(df.status) == ["constant_outcome"] and df.estimate.isna().all()


def test_small_samples_df_one_and_too_few_rows():
    y, Z, _ = design(12)
    ctrl = (2, 3, 4, 5)
    k = 1 + len(ctrl) + 1
    mask_k1 = np.zeros(150, bool)
    mask_k1[: k + 1] = True  # n = k + 1: df = 1
    mask_k = np.zeros(150, bool)
    mask_k[:k] = True  # n = k: nothing left to estimate the variance
    specs = [RegSpec((1,), ctrl, mask_k1), RegSpec((1,), ctrl, mask_k)]
    df = fit_specs(y, Z, specs, se_types=("classical", "HC1", "HC0"))
    a = df[df.spec == 0]
    assert (a.status == "ok").all() and (a.df == 1).all()
    check_against_statsmodels(a, y, Z, specs[:1], ("classical", "HC1", "HC0"))
    b = df[df.spec == 1]
    assert (b.status == "too_few_rows").all() and (b.n == k).all() and (b.df == 0).all()
    assert b.estimate.isna().all()


def test_too_few_rows_next_to_df_one_in_the_same_batch():
    """Same rows and term count: both specs share one padded batch."""
    y, Z, _ = design(17)
    mask = np.zeros(150, bool)
    mask[:7] = True
    specs = [RegSpec((0,), (2, 3, 4, 5), mask), RegSpec((0,), (2, 3, 4, 5, 6, 7), mask)]
    df = fit_specs(y, Z, specs, se_types=("HC1", "HC3", "classical"))
    a, b = df[df.spec == 0], df[df.spec == 1]
    assert (a.status == "ok").all() and (a.df == 1).all()
    check_against_statsmodels(a, y, Z, specs[:1], ("HC1", "HC3", "classical"))
    assert (b.status == "too_few_rows").all() and b.estimate.isna().all() and (b.k == 8).all()
    # the lean route (no HC2/HC3, no robust F) batches them the same way
    lean = fit_specs(y, Z, specs, se_types=("HC1", "classical"), f_statistic=False)
    ref = df[df.se_type != "HC3"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        lean.drop(columns="f_statistic"), ref.drop(columns="f_statistic"), rtol=1e-11
    )


def test_leverage_one_reported_for_hc2_hc3_only():
    """A dummy that is 1 in one row gives h_i = 1: HC2/HC3 are 0/0 there."""
    y, Z, _ = design(20)
    d = np.zeros(150)
    d[5] = 1.0
    Z = np.column_stack([Z, d])
    spec = RegSpec((0,), (2, 9))
    df = fit_specs(y, Z, [spec], se_types=SE_TYPES)
    st = dict(zip(df.se_type, df.status))
    assert st == {
        "classical": "ok",
        "HC0": "ok",
        "HC1": "ok",
        "HC2": "leverage_one",
        "HC3": "leverage_one",
    }
    assert df[df.status != "ok"].std_error.isna().all()
    # HC0/HC1 exist; their F needs the pseudo-inverse (singular meat), as statsmodels.
    check_against_statsmodels(df[df.status == "ok"], y, Z, [spec], ("classical", "HC0", "HC1"))
    with pytest.raises(ValueError, match="leverage 1"):
        fit_full(y, Z, [f"x{j}" for j in range(10)], se_type="HC3")


def test_batched_equals_one_at_a_time():
    y, Z, w = design(13)
    specs = spec_list(Z, len(y))
    for est, ww in (("ols", None), ("wls", w)):
        se = ("HC2", "classical")
        full = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=se)
        singles = pd.concat(
            [
                fit_specs(y, Z, [s], weights=ww, estimator=est, se_types=se).assign(spec=i)
                for i, s in enumerate(specs)
            ],
            ignore_index=True,
        )
        pd.testing.assert_frame_equal(full, singles, check_exact=False, rtol=1e-10, atol=0)


@pytest.mark.parametrize("se_types", [SE_TYPES, ("HC1",), ("classical", "HC0", "HC1")])
def test_f_statistic_false_skips_only_the_robust_f(se_types):
    """Without HC2/HC3 the lean path never forms (X'X)^-1: same numbers."""
    y, Z, w = design(21)
    Z = np.column_stack([Z, 2 * Z[:, 2] - Z[:, 3]])  # column 9: collinear with 2 and 3
    few = np.zeros(150, bool)
    few[:5] = True
    specs = spec_list(Z, len(y)) + [
        RegSpec((0,), (2, 3, 9)),  # rank deficient, batched with healthy specs
        RegSpec((1,), (2, 3, 4, 5, 6), few),  # too few rows
    ]
    for est, ww in (("ols", None), ("wls", w)):
        full = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=se_types)
        lean = fit_specs(
            y, Z, specs, weights=ww, estimator=est, se_types=se_types, f_statistic=False
        )
        robust = lean.se_type != "classical"
        assert lean.f_statistic[robust].isna().all()
        assert set(lean.status) == {"ok", "rank_deficient", "too_few_rows"}
        fit_cols = ["f_statistic", "r_squared", "adj_r_squared"]
        pd.testing.assert_frame_equal(
            lean.drop(columns=fit_cols),
            full.drop(columns=fit_cols),
            check_exact=False,
            rtol=1e-11,
            atol=0,
        )
        # R^2 = 1 - ssr/tss: its error is absolute (eps-sized), so a near-zero
        # R^2 (here 1.7e-7) cannot agree to 1e-11 relative between routes.
        pd.testing.assert_frame_equal(
            lean[fit_cols[1:]], full[fit_cols[1:]], check_exact=False, rtol=1e-11, atol=1e-14
        )
        pd.testing.assert_series_equal(lean.f_statistic[~robust], full.f_statistic[~robust])


def test_robust_f_without_full_covariance_matches_statsmodels():
    """HC0/HC1 (no leverage needed): the robust F comes from the centred meat
    (c' M^-1 c) on the lean route; it must equal statsmodels' fvalue and the
    general route, and a spec whose centred meat is singular (two single-row
    dummies: their rows get zero residuals) falls back to the general route."""
    y, Z, w = design(23)
    single = np.zeros((150, 2))
    single[5, 0] = single[9, 1] = 1.0
    Z = np.column_stack([Z, single])  # columns 9, 10
    specs = spec_list(Z, len(y))
    specs.append(RegSpec((0,), (2, 3, 9, 10)))
    for est, ww in (("ols", None), ("wls", w)):
        for se in ("HC0", "HC1"):
            df = fit_specs(y, Z, specs[:-1], weights=ww, estimator=est, se_types=(se,))
            check_against_statsmodels(df, y, Z, specs[:-1], (se,), ww)
        lean = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=("HC1",))
        general = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=("HC1", "HC2"))
        general = general[general.se_type == "HC1"].reset_index(drop=True)
        assert np.isfinite(lean.f_statistic).all()
        # the singular spec (last) still gets a number from the general route
        # (pinv of a singular covariance: rounding-dependent, as statsmodels'),
        # so only its presence is checked; every other spec agrees
        assert lean.status.iloc[-1] == "ok"
        assert rel(lean.f_statistic[:-1], general.f_statistic[:-1]) < 1e-8
        pd.testing.assert_frame_equal(lean.drop(columns="f_statistic"),
                                      general.drop(columns="f_statistic"),
                                      check_exact=False, rtol=1e-11, atol=1e-14)


def test_lean_route_with_shared_controls_partialled_out():
    """Controls in every spec of a batch are partialled out once (FWL) on the
    lean route; numbers equal the full route and statsmodels."""
    y, Z, w = design(22)
    subsets = [c for r in range(4) for c in itertools.combinations((3, 4, 5, 6), r)]
    specs = [RegSpec((0,), (2, 8) + c) for c in subsets] + [RegSpec((1, 0), (2, 5, 8))]
    for est, ww in (("ols", None), ("wls", w)):
        se = ("HC1", "classical")
        full = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=se)
        lean = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=se, f_statistic=False)
        fit_cols = ["f_statistic", "r_squared", "adj_r_squared"]
        pd.testing.assert_frame_equal(
            lean.drop(columns=fit_cols),
            full.drop(columns=fit_cols),
            check_exact=False,
            rtol=1e-11,
            atol=0,
        )
        # R^2 = 1 - ssr/tss: its error is absolute (eps-sized), so a near-zero
        # R^2 (here 1.7e-7) cannot agree to 1e-11 relative between routes.
        pd.testing.assert_frame_equal(
            lean[fit_cols[1:]], full[fit_cols[1:]], check_exact=False, rtol=1e-11, atol=1e-14
        )
        for i in (0, 7, len(specs) - 1):
            sub = lean[lean.spec == i].assign(spec=0, f_statistic=full[full.spec == i].f_statistic)
            check_against_statsmodels(sub, y, Z, [specs[i]], se, ww)


@pytest.mark.parametrize("fit_quality", ["usual", "near_perfect"])
def test_classical_only_read_off_the_factor(fit_quality, monkeypatch):
    """Classical SEs alone take every number from the bordered Cholesky factor (no
    residuals): equal to statsmodels and to the classical rows of a call that forms the
    residuals.  A near-perfect fit leaves too little of y'y for the factor's ssr to be
    accurate and must fall back to the residuals, with the same numbers."""
    from specverse.engine import ols_lean

    y, Z, w = design(31)
    if fit_quality == "near_perfect":  # R^2 ~ 1 - 1e-6: ssr far below SSR_FLOOR * y'y
        y = Z[:, [0, 2, 3, 4]] @ np.array([1.0, 0.2, -2.0, 1.5]) + 1e-3 * y
    subsets = [c for r in range(4) for c in itertools.combinations((3, 4, 5, 6, 7), r)]
    specs = [RegSpec((0,), (2,) + c) for c in subsets] + [RegSpec((1, 0), (2, 5, 8)),
                                                          RegSpec((3, 1), (0,), Z[:, 6] == 0)]
    taken = []
    original = ols_lean.lean_solve

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        taken.append(isinstance(out, ols_lean.FactorOnly))
        return out

    monkeypatch.setattr("specverse.engine.ols.lean_solve", spy)
    for est, ww in (("ols", None), ("wls", w)):
        for f_stat in (False, True):
            taken.clear()
            alone = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=("classical",),
                              f_statistic=f_stat)
            assert taken and all(taken) == (fit_quality == "usual")  # some batch fell back
            check_against_statsmodels(alone, y, Z, specs, ("classical",), ww)
            both = fit_specs(y, Z, specs, weights=ww, estimator=est, se_types=("classical", "HC1"),
                             f_statistic=f_stat)
            pd.testing.assert_frame_equal(alone, both[both.se_type == "classical"].reset_index(drop=True),
                                          check_exact=False, rtol=1e-11, atol=1e-14)


def test_fit_specs_agrees_with_fit_full():
    y, Z, w = design(14)
    ff = fit_full(y, Z, [f"x{j}" for j in range(9)], weights=w, se_type="HC3")
    spec = RegSpec(tuple(range(9)), ())
    df = fit_specs(y, Z, [spec], weights=w, estimator="wls", se_types=("HC3",))
    assert rel(df.estimate, ff.coefficients.estimate[1:]) < RTOL
    assert rel(df.std_error, ff.coefficients.std_error[1:]) < RTOL
    assert rel(df.f_statistic, np.full(9, ff.f_statistic)) < RTOL


def test_fit_specs_many_subsets_one_call():
    """All 2^6 control subsets in one call equal statsmodels (spot check 8)."""
    y, Z, _ = design(15)
    specs = [RegSpec((0,), c) for r in range(7) for c in itertools.combinations(range(2, 8), r)]
    df = fit_specs(y, Z, specs, se_types=("HC1",))
    assert len(df) == 64 and (df.status == "ok").all()
    pick = [0, 5, 17, 30, 41, 52, 60, 63]
    sub = df.iloc[pick].copy()
    for j, i in enumerate(pick):
        check_against_statsmodels(sub.iloc[[j]].assign(spec=0), y, Z, [specs[i]], ("HC1",))


def test_fit_specs_input_errors():
    y, Z, w = design(16)
    s = [RegSpec((0,), (2,))]
    with pytest.raises(ValueError, match="needs weights"):
        fit_specs(y, Z, s, estimator="wls")
    with pytest.raises(ValueError, match="only used with estimator='wls'"):
        fit_specs(y, Z, s, weights=w)
    with pytest.raises(ValueError, match="estimator"):
        fit_specs(y, Z, s, estimator="lasso")
    with pytest.raises(ValueError, match="out of range"):
        fit_specs(y, Z, [RegSpec((0,), (9,))])
    with pytest.raises(ValueError, match="mask"):
        fit_specs(y, Z, [RegSpec((0,), (2,), np.ones(150))])
    with pytest.raises(ValueError, match="overlap"):
        RegSpec((0,), (0, 2))
    with pytest.raises(ValueError, match="se_type"):
        fit_specs(y, Z, s, se_types=("robust",))


def test_empty_spec_list_gives_empty_table():
    y, Z, _ = design(18)
    df = fit_specs(y, Z, [], se_types=("HC1",))
    assert len(df) == 0 and "status" in df.columns


def test_entry_points_run_with_one_blas_thread():
    from threadpoolctl import threadpool_info

    from specverse.engine.threads import single_blas_thread

    @single_blas_thread
    def probe():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    assert probe() and all(t == 1 for t in probe())


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmRSS from /proc")
def test_release_freed_memory_gives_back_what_the_heap_keeps():
    """retain_freed_memory keeps freed arrays' pages (in RSS); release_freed_memory
    returns them. In a fresh process, so that nothing else moves its heap."""
    script = textwrap.dedent("""
        import numpy as np
        from specverse.engine.threads import release_freed_memory, retain_freed_memory
        def rss():
            return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")) / 1024
        retain_freed_memory()
        base = rss()
        blocks = [np.ones(1 << 17) for _ in range(100)]  # 100 x 1 MB from the heap
        del blocks
        kept = rss()
        released = release_freed_memory()
        print(base, kept, rss(), released)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    base, kept, after, released = out.split()
    assert float(kept) > float(base) + 80  # freed, but still in RSS
    assert released == "True" and float(after) < float(base) + 20


def test_status_codes_and_names_agree():
    from specverse.engine import status

    assert len(set(status.NAMES)) == len(status.NAMES)
    for name in status.NAMES:
        assert status.NAMES[getattr(status, name.upper())] == name
