"""Pairs draws shared by many designs (engine.refit_on_counts): equal to statsmodels on
the duplicated rows, every SE type; singular draws are NaN."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from specverse.engine import SE_TYPES, SharedPairsDesign, draw_pair_counts, refit_on_counts


def _design(n=40, seed=0, weights=False):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=n), rng.binomial(1, 0.4, n).astype(float), np.ones(n)])
    rows = np.ones(n, bool)
    rows[:6] = False
    Y = np.column_stack([0.5 * X[:, 0] + rng.normal(size=n) * (1 + X[:, 1]), rng.normal(size=n)])
    w = rng.uniform(0.5, 2.0, n) if weights else None
    return SharedPairsDesign(X=X, rows=rows, Y=Y, terms=(0, 1), weights=w)


@pytest.mark.parametrize("weights", [False, True])
def test_refit_equals_statsmodels_on_duplicated_rows(weights):
    d = _design(weights=weights)
    n = d.X.shape[0]
    counts = draw_pair_counts(np.random.default_rng(5), n, 4)
    fit = refit_on_counts(d, counts, SE_TYPES)
    for r in range(4):
        idx = np.repeat(np.arange(n), counts[r].astype(int))
        idx = idx[d.rows[idx]]
        for m in range(2):
            mod = sm.WLS(d.Y[idx, m], d.X[idx], weights=d.weights[idx]) if weights else sm.OLS(d.Y[idx, m], d.X[idx])
            for s in SE_TYPES:
                res = mod.fit(cov_type="nonrobust" if s == "classical" else s)
                np.testing.assert_allclose(fit.beta[r, m], res.params[:2], rtol=1e-10)
                np.testing.assert_allclose(fit.se[s][r, m], res.bse[:2], rtol=1e-9)
            assert fit.df[r] == res.df_resid


def test_singular_draw_is_nan_not_a_number():
    d = _design()
    n = d.X.shape[0]
    counts = np.ones((2, n))
    counts[1, d.X[:, 1] == 1] = 0  # the dummy never drawn: column of zeros
    counts[1, d.X[:, 1] == 0] += 1
    fit = refit_on_counts(d, counts, ("HC1",))
    assert np.isfinite(fit.beta[0]).all() and np.isfinite(fit.se["HC1"][0]).all()
    assert np.isnan(fit.beta[1]).all() and np.isnan(fit.se["HC1"][1]).all() and np.isnan(fit.df[1])


def test_refit_of_y_star_is_shifted_refit_of_y():
    """The null y* = y - b x refits to b* - b with the same SE (what the module relies on)."""
    d = _design()
    n = d.X.shape[0]
    counts = draw_pair_counts(np.random.default_rng(9), n, 3)
    b = 0.37
    star = SharedPairsDesign(X=d.X, rows=d.rows, Y=d.Y - b * d.X[:, [0]], terms=(0,))
    f_y = refit_on_counts(SharedPairsDesign(X=d.X, rows=d.rows, Y=d.Y, terms=(0,)), counts, ("HC3",))
    f_star = refit_on_counts(star, counts, ("HC3",))
    np.testing.assert_allclose(f_star.beta, f_y.beta - b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f_star.se["HC3"], f_y.se["HC3"], rtol=1e-10)
