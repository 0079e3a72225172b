"""Resampling engine: every draw replayed with a plain statsmodels loop on the same
weights / indices / permutations (first 200 draws, 1e-10), p-value formulas, exact
enumeration, batch invariance of the random streams, statuses."""

from __future__ import annotations

import hashlib
import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from specverse.engine.resampling import _design, resample
from specverse.engine.resampling.shared_draws import SharedDraws
from specverse.engine.resampling.pairs import (
    PairsGram,
    huber_pairs_draws,
    pair_counts,
    packed_outer,
    pairs_draws,
    pairs_indices,
)
from specverse.engine.resampling.permutation import (
    enumerate_arrangements,
    n_arrangements,
    permutation_indices,
)
from specverse.engine.resampling.studentized import exact_p, order_quantiles, two_sided_p
from specverse.engine.resampling.wild import WildCodes, wild_draws, wild_weights
from specverse.engine.seeds import method_rng, spec_seed
from specverse.engine.regspec import RegSpec

B = 200
SM_COV = {"classical": "nonrobust", "HC0": "HC0", "HC1": "HC1", "HC2": "HC2", "HC3": "HC3"}


def make_data(n=80, seed=3):
    """Binary treatment (~57%), a continuous second term, 4 controls, heteroskedastic noise."""
    rng = np.random.default_rng(seed)
    Z = np.empty((n, 6))
    Z[:, 0] = rng.random(n) < 0.57
    Z[:, 1] = rng.standard_normal(n)
    Z[:, 2:] = rng.standard_normal((n, 4)) * [1.0, 50.0, 0.01, 3.0]  # badly scaled on purpose
    y = 0.3 * Z[:, 0] + 0.5 * Z[:, 1] + Z[:, 2] + rng.standard_normal(n) * (0.5 + Z[:, 0])
    w = rng.uniform(0.5, 3.0, n)
    return y, Z, w


def sm_fit(y, X, se_type, w=None):
    model = sm.OLS(y, X) if w is None else sm.WLS(y, X, weights=w)
    return model.fit(cov_type=SM_COV[se_type])


def design_for(Z, spec, rows):
    """statsmodels design: reported terms, controls, constant (same order as the engine)."""
    cols = list(spec.terms) + list(spec.controls)
    return np.column_stack([Z[rows][:, cols], np.ones(rows.size)])


def close(a, b, tol=1e-10):
    a, b = np.asarray(a, float), np.asarray(b, float)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, np.nanmax(np.abs(b))))


# ---------------------------------------------------------------- seeds


def test_spec_seed_is_blake2b_of_identity_and_stable():
    expect = int.from_bytes(hashlib.blake2b(b"7|spec-a", digest_size=8).digest(), "little")
    assert spec_seed(7, "spec-a") == expect
    assert spec_seed(7, "spec-a") != spec_seed(8, "spec-a") != spec_seed(7, "spec-b")


def test_method_streams_differ_and_repeat():
    a = method_rng(123, "wild").integers(0, 2**62, 4)
    assert np.array_equal(a, method_rng(123, "wild").integers(0, 2**62, 4))
    assert not np.array_equal(a, method_rng(123, "pairs").integers(0, 2**62, 4))
    with pytest.raises(ValueError):
        method_rng(-1, "wild")


# ---------------------------------------------------------------- p formulas


def test_p_value_formulas():
    t_star = np.array([-3.0, 1.0, 2.0, 0.5, np.nan])
    assert two_sided_p(2.0, t_star) == (1 + 2) / (1 + 4)  # NaN draws do not count
    assert two_sided_p(-2.0, t_star) == (1 + 2) / (1 + 4)
    assert two_sided_p(10.0, t_star) == 1 / 5
    assert exact_p(2.0, t_star) == 2 / 4
    assert np.isnan(two_sided_p(np.nan, t_star))
    # (B+1)p-th order statistic: B = 999 gives the 25th and 975th values
    x = np.arange(1.0, 1000.0)
    assert list(order_quantiles(x, [0.025, 0.975])) == [25.0, 975.0]
    # the partial-sort path equals numpy's 'weibull' quantile; other sizes interpolate as it does
    rng = np.random.default_rng(4)
    for size in (39, 199, 999, 9999, 1000, 57):
        draws = rng.standard_t(3, size)
        draws[::97] = np.nan  # dropped, as non-finite draws are
        finite = draws[np.isfinite(draws)]
        np.testing.assert_allclose(order_quantiles(draws, [0.025, 0.975]),
                                   np.quantile(finite, [0.025, 0.975], method="weibull"), rtol=1e-12)


# ---------------------------------------------------------------- wild


@pytest.mark.parametrize(
    "se_type,kind,estimator",
    [("HC1", "rademacher", "ols"), ("HC3", "webb", "ols"), ("classical", "rademacher", "ols"),
     ("HC2", "rademacher", "wls")],
)
def test_wild_draws_equal_statsmodels_loop(se_type, kind, estimator):
    y, Z, w = make_data()
    mask = np.ones(len(y), bool)
    mask[:5] = False
    Z[7, 3] = np.nan  # row 7 dropped as a missing control
    spec = RegSpec((0, 1), (2, 3, 4), mask)
    rows = np.flatnonzero(mask & np.isfinite(Z[:, 3]))
    X, yy = design_for(Z, spec, rows), y[rows]
    ww = w[rows] if estimator == "wls" else None
    seed = 99
    V = SharedDraws(seed, len(y), B, kind).wild_matrix(rows)  # the spec's rows of the shared weights
    d = _design.build(y, Z, spec, w if estimator == "wls" else None, estimator)
    assert np.array_equal(d.rows, rows)
    assert _design.check(d, se_type) == "ok"
    res = resample(y, Z, [spec], seed=seed, methods="wild", draws=B, wild_weights=kind,
                   se_type=se_type, estimator=estimator, weights=ww if ww is None else w)
    for j in range(2):
        parts = _design.term_parts(d, j, se_type)
        full = sm_fit(yy, X, se_type, ww)
        assert parts.b == pytest.approx(full.params[j], rel=1e-10)
        assert parts.se == pytest.approx(full.bse[j], rel=1e-10)
        restricted = sm.OLS(yy, np.delete(X, j, 1)) if ww is None else sm.WLS(yy, np.delete(X, j, 1), weights=ww)
        rfit = restricted.fit()
        # the restricted wild bootstrap works on the (WLS: whitened) residuals; statsmodels'
        # wresid are whitened, and y* is built on the original scale here
        sw = np.ones(rows.size) if ww is None else np.sqrt(ww)
        signs = kind == "rademacher"  # the +-1 shortcut resample takes for Rademacher weights
        b0, se0 = wild_draws(parts, d.basis, V, se_type, k=d.k, restricted=True, signs=signs)
        b1, se1 = wild_draws(parts, d.basis, V, se_type, k=d.k, restricted=False, signs=signs)
        sm_b0, sm_se0, sm_b1, sm_se1 = (np.empty(B) for _ in range(4))
        for b in range(B):
            ystar = rfit.fittedvalues + rfit.wresid / sw * V[:, b]
            f0 = sm_fit(ystar, X, se_type, ww)
            sm_b0[b], sm_se0[b] = f0.params[j], f0.bse[j]
            ystar = full.fittedvalues + full.wresid / sw * V[:, b]
            f1 = sm_fit(ystar, X, se_type, ww)
            sm_b1[b], sm_se1[b] = f1.params[j], f1.bse[j]
        close(b0, sm_b0)
        close(se0, sm_se0)
        close(b1, sm_b1)
        close(se1, sm_se1)
        # the public entry gives the p-value and CI of exactly these draws
        t_obs = full.params[j] / full.bse[j]
        assert res.p_wild[j] == (1 + np.sum(np.abs(sm_b0 / sm_se0) >= abs(t_obs))) / (1 + B)
        q = order_quantiles((sm_b1 - full.params[j]) / sm_se1, [0.025, 0.975])
        close([res.ci_wild_low[j], res.ci_wild_high[j]],
              [full.params[j] - q[1] * full.bse[j], full.params[j] - q[0] * full.bse[j]])


def test_wild_weights_distribution():
    V = wild_weights(np.random.default_rng(0), 50, 400, "rademacher")
    assert set(np.unique(V)) == {-1.0, 1.0} and abs(V.mean()) < 0.02
    W = wild_weights(np.random.default_rng(0), 50, 400, "webb")
    assert np.allclose(np.sort(np.unique(W ** 2)), [0.5, 1.0, 1.5])
    assert abs((W ** 2).mean() - 1) < 0.02  # unit variance


# ---------------------------------------------------------------- pairs


@pytest.mark.parametrize("estimator", ["ols", "wls"])
def test_pairs_gram_gathers_each_designs_own_normal_equations(estimator):
    """The call-wide pairs products (PairsGram), gathered for one design, equal the design's
    own X'CX and X'Cy; a column with missing values on other rows does not leak in."""
    y, Z, w = make_data()
    Z = Z.copy()
    Z[:7, 5] = np.nan  # a control missing on rows the designs below do not use
    ww = w if estimator == "wls" else None
    gram = PairsGram(y, Z, ww)
    for spec in (RegSpec((0,), (2, 3)), RegSpec((1, 0), (4, 2, 3)), RegSpec((0,), (5,), mask=np.arange(len(y)) >= 7)):
        d = _design.build(y, Z, spec, ww, estimator)
        counts = SharedDraws(9, len(y), 50).pair_counts(d.rows)
        Af, r = gram.normal_equations(d.rows, d.columns, counts)
        np.testing.assert_allclose(Af, (counts @ packed_outer(d.X)).T, rtol=1e-12)  # draws last
        np.testing.assert_allclose(r, (counts @ (d.X * d.y[:, None])).T, rtol=1e-12)
        assert np.isfinite(Af).all()


@pytest.mark.parametrize(
    "se_type,estimator", [("HC1", "ols"), ("HC3", "ols"), ("classical", "wls"), ("HC0", "wls"), ("HC2", "ols")]
)
def test_pairs_draws_equal_statsmodels_loop(se_type, estimator):
    y, Z, w = make_data()
    spec = RegSpec((0, 1), (2, 3, 4, 5))
    rows = np.arange(len(y))
    X = design_for(Z, spec, rows)
    ww = w if estimator == "wls" else None
    seed = 5
    idx = SharedDraws(seed, len(y), B).pairs_indices(rows)
    d = _design.build(y, Z, spec, ww, estimator)
    b_star, se_star = pairs_draws(d.X, d.y, pair_counts(idx, len(y)), 2, se_type)
    sm_b, sm_se = np.empty((B, 2)), np.empty((B, 2))
    for b in range(B):
        f = sm_fit(y[idx[b]], X[idx[b]], se_type, None if ww is None else ww[idx[b]])
        sm_b[b], sm_se[b] = f.params[:2], f.bse[:2]
    close(b_star, sm_b)
    close(se_star, sm_se)
    res = resample(y, Z, [spec], seed=seed, methods=["pairs"], draws=B, se_type=se_type,
                   estimator=estimator, weights=ww)
    full = sm_fit(y, X, se_type, ww)
    for j in range(2):
        t_obs = full.params[j] / full.bse[j]
        t_star = (sm_b[:, j] - full.params[j]) / sm_se[:, j]
        assert res.p_pairs[j] == (1 + np.sum(np.abs(t_star) >= abs(t_obs))) / (1 + B)
        # percentile-t interval of the same bootstrap-t draws as the p-value
        q_lo, q_hi = order_quantiles(t_star, [0.025, 0.975])
        close([res.ci_pairs_low[j], res.ci_pairs_high[j]],
              [full.params[j] - q_hi * full.bse[j], full.params[j] - q_lo * full.bse[j]])
        close(res.se_pairs[j], np.std(sm_b[:, j], ddof=1))
    assert np.isnan(res.p_wild).all() and np.isnan(res.p_perm).all()


def test_pairs_singular_draws_are_dropped():
    """A dummy with two ones: draws without either row are singular and must not count."""
    y, Z, _ = make_data(n=40)
    Z[:, 2] = 0.0
    Z[[3, 17], 2] = 1.0
    spec = RegSpec((0,), (2, 3))
    X = design_for(Z, spec, np.arange(40))
    seed = 11
    idx = SharedDraws(seed, 40, B).pairs_indices(np.arange(40))
    t_obs = sm_fit(y, X, "HC1").tvalues[0]
    b = sm_fit(y, X, "HC1").params[0]
    t_star = []
    for r in idx:
        if np.linalg.matrix_rank(X[r]) < X.shape[1]:
            continue
        f = sm_fit(y[r], X[r], "HC1")
        t_star.append((f.params[0] - b) / f.bse[0])
    t_star = np.array(t_star)
    assert 0 < B - t_star.size < B  # the case actually occurs
    res = resample(y, Z, [spec], seed=seed, methods=["pairs"], draws=B)
    assert res.p_pairs[0] == (1 + np.sum(np.abs(t_star) >= abs(t_obs))) / (1 + t_star.size)


# ---------------------------------------------------------------- permutation


@pytest.mark.parametrize("kind,se_type,estimator,stratified",
                         [("freedman_lane", "HC1", "ols", False), ("freedman_lane", "HC3", "wls", True),
                          ("treatment", "HC1", "ols", False), ("treatment", "HC2", "wls", True)])
def test_permutation_equals_statsmodels_loop(kind, se_type, estimator, stratified):
    y, Z, w = make_data()
    spec = RegSpec((0, 1), (2, 3, 4))
    n = len(y)
    rows = np.arange(n)
    X = design_for(Z, spec, rows)
    ww = w if estimator == "wls" else None
    strata = (np.arange(n) % 3) if stratified else None
    seed = 21
    idx = SharedDraws(seed, n, B).permutations(rows, strata)
    if stratified:
        assert np.array_equal(strata[idx], np.broadcast_to(strata, idx.shape))
    assert np.array_equal(np.sort(idx, axis=1), np.broadcast_to(np.arange(n), idx.shape))
    res = resample(y, Z, [spec], seed=seed, methods=("permutation",), draws=B, permutation=kind,
                   se_type=se_type, estimator=estimator, weights=ww, strata=strata)
    full = sm_fit(y, X, se_type, ww)
    sw = np.ones(n) if ww is None else np.sqrt(ww)
    for j in range(2):
        t_star = np.empty(B)
        if kind == "freedman_lane":
            Xr = np.delete(X, j, 1)
            rfit = (sm.OLS(y, Xr) if ww is None else sm.WLS(y, Xr, weights=ww)).fit()
            # permute the whitened residuals, return to the original scale
            for b in range(B):
                t_star[b] = sm_fit(rfit.fittedvalues + rfit.wresid[idx[b]] / sw, X, se_type, ww).tvalues[j]
        else:
            for b in range(B):
                Xp = X.copy()
                Xp[:, j] = X[idx[b], j]
                t_star[b] = sm_fit(y, Xp, se_type, ww).tvalues[j]
        assert res.p_perm[j] == (1 + np.sum(np.abs(t_star) >= abs(full.tvalues[j]))) / (1 + B)


@pytest.mark.parametrize("se_type", ["HC0", "HC1", "HC3", "classical"])
def test_permutation_draw_statistics_match_statsmodels(se_type):
    """Per-draw b* and se*, not only the p-value, to 1e-10 (Freedman-Lane and treatment)."""
    from specverse.engine.resampling.permutation import freedman_lane_draws, treatment_draws

    y, Z, _ = make_data()
    n = len(y)
    d = _design.build(y, Z, RegSpec((0,), (2, 3)), None, "ols")
    assert _design.check(d, se_type) == "ok"
    parts = _design.term_parts(d, 0, se_type)
    X = d.X
    idx = permutation_indices(np.random.default_rng(1), n, B)
    b, se = freedman_lane_draws(parts, d.basis, idx, se_type, k=d.k)
    bt, set_ = treatment_draws(parts, d.raw_terms[:, 0], None, idx, se_type, k=d.k)
    rfit = sm.OLS(y, X[:, 1:]).fit()
    sm_fl, sm_tr = np.empty((B, 2)), np.empty((B, 2))
    for r in range(B):
        f = sm_fit(rfit.fittedvalues + rfit.resid[idx[r]], X, se_type)
        sm_fl[r] = f.params[0], f.bse[0]
        Xp = X.copy()
        Xp[:, 0] = X[idx[r], 0]
        f = sm_fit(y, Xp, se_type)
        sm_tr[r] = f.params[0], f.bse[0]
    close(np.column_stack([b, se]), sm_fl)
    close(np.column_stack([bt, set_]), sm_tr)


def test_exact_enumeration_treatment_and_strata():
    rng = np.random.default_rng(4)
    n = 8
    x = np.array([1, 1, 1, 1, 0, 0, 0, 0.0])
    c = rng.standard_normal(n)
    y = 0.8 * x + c + rng.standard_normal(n)
    Z = np.column_stack([x, c])
    X = np.column_stack([x, c, np.ones(n)])
    t_obs = sm_fit(y, X, "HC1").tvalues[0]

    def brute(assignments):
        t = []
        for treated in assignments:
            Xp = X.copy()
            Xp[:, 0] = 0.0
            Xp[list(treated), 0] = 1.0
            t.append(sm_fit(y, Xp, "HC1").tvalues[0])
        t = np.array(t)
        return np.sum(np.abs(t) >= abs(t_obs) * (1 - 1e-9)) / t.size

    # all C(8,4) = 70 assignments; fewer than draws -> exact p, no randomness
    res = resample(y, Z, [RegSpec((0,), (1,))], seed=1, methods="permutation",
                   permutation="treatment", draws=999)
    assert res.p_perm[0] == pytest.approx(brute(itertools.combinations(range(n), 4)), abs=1e-15)
    res2 = resample(y, Z, [RegSpec((0,), (1,))], seed=2, methods="permutation",
                    permutation="treatment", draws=999)
    assert res2.p_perm[0] == res.p_perm[0]
    # within strata {0,1,4,5} and {2,3,6,7}: 2 treated in each -> 6 x 6 = 36 assignments
    strata = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    expect = brute(a + b for a in itertools.combinations([0, 1, 4, 5], 2)
                   for b in itertools.combinations([2, 3, 6, 7], 2))
    res = resample(y, Z, [RegSpec((0,), (1,))], seed=1, methods="permutation",
                   permutation="treatment", draws=999, strata=strata)
    assert res.p_perm[0] == pytest.approx(expect, abs=1e-15)


def test_exact_enumeration_freedman_lane():
    rng = np.random.default_rng(8)
    n = 6  # 6! = 720 distinct residual orders <= 999 draws
    Z = rng.standard_normal((n, 1))
    y = Z[:, 0] * 0.5 + rng.standard_normal(n)
    X = np.column_stack([Z[:, 0], np.ones(n)])
    rfit = sm.OLS(y, X[:, 1:]).fit()
    t_obs = sm_fit(y, X, "HC1").tvalues[0]
    t = np.array([sm_fit(rfit.fittedvalues + rfit.resid[list(p)], X, "HC1").tvalues[0]
                  for p in itertools.permutations(range(n))])
    res = resample(y, Z, [RegSpec((0,), ())], seed=3, methods="permutation", draws=999)
    assert res.p_perm[0] == pytest.approx(np.sum(np.abs(t) >= abs(t_obs) * (1 - 1e-9)) / 720, abs=1e-15)


def test_arrangement_counting_and_enumeration():
    v = np.array([1.0, 1.0, 2.0, 3.0, 3.0, 3.0])
    assert n_arrangements(v) == 60  # 6! / (2! 1! 3!)
    assert n_arrangements(v, limit=60) == 60 and n_arrangements(v, limit=59) > 59
    distinct = np.arange(150.0)
    assert n_arrangements(distinct) == math.factorial(150)
    assert 999 < n_arrangements(distinct, limit=999) < math.factorial(150)  # stops early
    rows = enumerate_arrangements(v)
    assert len({tuple(v[r]) for r in rows}) == 60 == len(rows)
    assert any(np.array_equal(v[r], v) for r in rows)  # identity included
    strata = np.array([0, 1, 0, 1, 0, 1])
    assert n_arrangements(v, strata) == 6 * 3  # {1,2,3}: 3! ; {1,3,3}: 3!/2!
    rows = enumerate_arrangements(v, strata)
    assert len({tuple(v[r]) for r in rows}) == 18 == len(rows)
    assert np.array_equal(strata[rows], np.broadcast_to(strata, rows.shape))


# ---------------------------------------------------------------- streams, statuses


def test_spec_draws_do_not_depend_on_batch():
    y, Z, w = make_data(n=100)
    rng = np.random.default_rng(0)
    specs = []
    for i in range(50):
        controls = tuple(c for c in range(2, 6) if rng.random() < 0.6)
        mask = rng.random(100) < 0.9 if i % 3 == 0 else None
        specs.append(RegSpec((0,) if i % 2 else (0, 1), controls, mask))
    seed = spec_seed(20130501, "family-a")
    both = resample(y, Z, specs, seed=seed, draws=99)
    for i in (0, 17, 49):
        alone = resample(y, Z, [specs[i]], seed=seed, draws=99)
        mine = both[both.spec == i].drop(columns="spec").reset_index(drop=True)
        assert mine.equals(alone.drop(columns="spec"))
    # and a different seed gives different draws
    other = resample(y, Z, [specs[0]], seed=seed + 1, draws=99)
    assert not other.drop(columns="spec").equals(both[both.spec == 0].drop(columns="spec").reset_index(drop=True))


def test_statuses_and_huber():
    y, Z, w = make_data(n=30)
    Zc = np.column_stack([Z, Z[:, 2] * 2.0, np.ones(30)])  # col 6 collinear with 2, col 7 constant
    specs = [RegSpec((0,), (2, 6)), RegSpec((7,), (2,)), RegSpec((0,), (1, 2, 3, 4, 5),
             np.arange(30) < 6), RegSpec((0,), (2,))]
    res = resample(y, Zc, specs, seed=1, draws=49)
    assert list(res.resample_status) == ["rank_deficient", "constant_treatment", "too_few_rows", "ok"]
    assert res.iloc[:3, 2:10].isna().all().all() and res.iloc[3, 2:10].notna().all()
    # a dummy equal to 1 in one row has leverage 1: HC3 undefined (as fit_specs), HC1 fine
    one_row = np.column_stack([Z, (np.arange(30) == 4).astype(float)])
    lev = resample(y, one_row, [RegSpec((0,), (2, 6))] * 2, seed=1, draws=49)
    assert list(lev.resample_status) == ["ok", "ok"]
    lev = resample(y, one_row, [RegSpec((0,), (2, 6))], seed=1, draws=49, se_type="HC3")
    assert lev.resample_status[0] == "leverage_one" and lev.iloc[0, 2:10].isna().all()
    flat = resample(np.where(np.arange(30) < 20, 1.0, y), Z, [RegSpec((0,), (2,), np.arange(30) < 20)],
                    seed=1, draws=49)
    assert flat.resample_status[0] == "constant_outcome"
    hub = resample(y, Zc, specs, seed=1, draws=49, estimator="huber", se_type="HC1")
    assert list(hub.resample_status) == ["rank_deficient", "constant_treatment", "too_few_rows",
                                         "se_type_not_applicable"]
    assert hub.iloc[:, 2:10].isna().all().all()


def test_huber_pairs_equal_statsmodels_rlm_loop():
    """Huber: pairs draws refitted by batched IRLS equal RLM(HuberT) per draw; wild/perm NaN."""
    y, Z, _ = make_data(n=60)
    y = y + np.where(np.arange(60) % 13 == 0, 6.0, 0.0)  # a few outliers: the weights matter
    spec = RegSpec((0,), (1, 2))
    X = design_for(Z, spec, np.arange(60))
    seed, nd = 8, 60
    idx = SharedDraws(seed, 60, nd).pairs_indices(np.arange(60))
    sm_b, sm_se = np.empty(nd), np.empty(nd)
    for r in range(nd):
        f = sm.RLM(y[idx[r]], X[idx[r]], M=sm.robust.norms.HuberT()).fit()
        sm_b[r], sm_se[r] = f.params[0], f.bse[0]
    b_star, se_star = huber_pairs_draws(X, y, idx, 1)
    close(b_star[:, 0], sm_b)
    close(se_star[:, 0], sm_se)
    res = resample(y, Z, [spec], seed=seed, draws=nd, estimator="huber", se_type="classical")
    full = sm.RLM(y, X, M=sm.robust.norms.HuberT()).fit()
    t_star = (sm_b - full.params[0]) / sm_se
    assert res.resample_status[0] == "huber_pairs_only"
    assert res.p_pairs[0] == (1 + np.sum(np.abs(t_star) >= abs(full.tvalues[0]))) / (1 + nd)
    q_lo, q_hi = order_quantiles(t_star, [0.025, 0.975])
    close([res.ci_pairs_low[0], res.ci_pairs_high[0]],
          [full.params[0] - q_hi * full.bse[0], full.params[0] - q_lo * full.bse[0]], tol=1e-8)
    close(res.se_pairs[0], np.std(sm_b, ddof=1), tol=1e-8)
    assert np.isnan(res.p_wild[0]) and np.isnan(res.p_perm[0])


def test_bad_arguments_raise():
    y, Z, w = make_data(n=30)
    spec = [RegSpec((0,), (2,))]
    with pytest.raises(ValueError, match="methods"):
        resample(y, Z, spec, seed=1, methods=("jackknife",))
    with pytest.raises(ValueError, match="needs weights"):
        resample(y, Z, spec, seed=1, estimator="wls")
    with pytest.raises(ValueError, match="strata"):
        resample(y, Z, spec, seed=1, strata=np.zeros(5))


@pytest.mark.parametrize("se_type", ["HC1", "HC3"])
def test_status_words_match_fit_specs(se_type):
    from specverse.engine import fit_specs

    y, Z, w = make_data(n=30)
    Zc = np.column_stack([Z, Z[:, 2] * 2.0, np.ones(30), (np.arange(30) == 4).astype(float)])
    y_flat = np.where(np.arange(30) < 20, 1.0, y)
    specs = [RegSpec((0,), (2, 6)), RegSpec((7,), (2,)), RegSpec((0,), (1, 2, 3, 4, 5), np.arange(30) < 6),
             RegSpec((0,), (2, 8)), RegSpec((0, 1), (2, 3)), RegSpec((0,), (2,), np.arange(30) < 20)]
    for yy in (y, y_flat):
        fit = fit_specs(yy, Zc, specs, se_types=(se_type,))
        res = resample(yy, Zc, specs, seed=0, draws=19, se_type=se_type)
        assert list(res.resample_status) == list(fit.status)


def test_shared_draws_are_shared_within_a_family_and_keyed_by_rows():
    """Wild weights: one per draw and area, each row set taking its areas' weights; pairs
    draws and permutations: one set per row set, the same for every spec using it."""
    shared = SharedDraws(seed=77, n_rows=40, draws=50)
    a, b = np.arange(40), np.arange(5, 35)
    Va, Vb = shared.wild_matrix(a), shared.wild_matrix(b)
    assert np.array_equal(Va[5:35], Vb) and set(np.unique(Va)) == {-1.0, 1.0}
    assert shared.pair_counts(b) is shared.pair_counts(np.arange(5, 35))  # drawn once per row set
    assert shared.pair_counts(b).shape == (50, 30) and (shared.pair_counts(b).sum(axis=1) == 30).all()
    other = SharedDraws(seed=77, n_rows=40, draws=50)
    np.testing.assert_array_equal(other.permutations(b), shared.permutations(b))  # seed + rows only
    assert not np.array_equal(shared.permutations(a)[:, :30], shared.permutations(b))
    assert not np.array_equal(SharedDraws(78, 40, 50).wild_matrix(a), Va)


@pytest.mark.parametrize("kind", ["rademacher", "webb"])
def test_wild_weights_of_every_row_come_by_another_path_but_agree(kind):
    """Every row's weights come from a byte table, a subset's from unpacked codes: both
    give the same weights, also when draws x rows is not a whole number of bytes."""
    n, draws = 7, 13  # 91 signs: the last byte only partly used
    full = WildCodes(np.random.default_rng(4), n, draws, kind).weights()
    sub = WildCodes(np.random.default_rng(4), n, draws, kind).weights(np.array([0, 3, 6]))
    assert full.shape == (draws, n) and full.flags.c_contiguous
    np.testing.assert_array_equal(full[:, [0, 3, 6]], sub)
    if kind == "rademacher":  # one sign per bit of the stream, in numpy.unpackbits order
        bits = np.unpackbits(np.frombuffer(np.random.default_rng(4).bytes(12), dtype=np.uint8))
        np.testing.assert_array_equal(full.ravel(), 2.0 * bits[: n * draws] - 1.0)


def test_pairs_draws_are_default_integers_and_counted_per_row():
    """pairs_indices draws numpy's default integer stream (only the dtype is narrower);
    pair_counts, counted in blocks, equals a per-draw bincount (a partial last block)."""
    idx = pairs_indices(np.random.default_rng(8), 30, 300)
    np.testing.assert_array_equal(idx, np.random.default_rng(8).integers(0, 30, size=(300, 30)))
    expect = np.stack([np.bincount(r, minlength=30) for r in idx]).astype(float)
    np.testing.assert_array_equal(pair_counts(idx, 30), expect)


@pytest.mark.parametrize("se_type", ["HC1", "HC3"])
def test_kept_wild_t_are_the_draws_behind_p_wild(se_type):
    """resample(keep_wild_t=True) returns the restricted t* its p_wild counts, per spec of
    the call (shared weights), with the table unchanged; None where wild did not run."""
    y, Z, w = make_data(n=80)
    specs = [RegSpec((0,), (2, 3)), RegSpec((0, 1), (2,), np.arange(80) % 4 != 0), RegSpec((1,), ())]
    res = resample(y, Z, specs, seed=5, methods="wild", draws=99, se_type=se_type)
    again, kept = resample(y, Z, specs, seed=5, methods="wild", draws=99, se_type=se_type, keep_wild_t=True)
    pd.testing.assert_frame_equal(again, res)
    for i, got in enumerate(kept):
        assert got["t_star"].shape == (99, len(specs[i].terms))
        for j in range(len(specs[i].terms)):
            t, t_star = got["t"][j], got["t_star"][:, j]
            assert res.p_wild[(res.spec == i).to_numpy()].to_numpy()[j] == (1 + np.sum(np.abs(t_star) >= abs(t) * (1 - 1e-9))) / 100
    _, none = resample(y, Z, specs, seed=5, methods="pairs", draws=9, keep_wild_t=True)
    assert none == [None] * len(specs)
