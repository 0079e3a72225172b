"""engine.fit_outcomes (many outcomes on fixed controls) and engine.residual_maker
against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from specverse.engine import SE_TYPES, fit_outcomes, ols_influence, residual_maker


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    R, N, p, q = 4, 70, 2, 5
    controls = rng.standard_normal((N, q))
    controls[:, -1] = rng.random(N) < 0.3  # a dummy, as the area types
    X = rng.standard_normal((R, N, p))
    y = rng.standard_normal((R, N)) * (1 + np.abs(X[:, :, 0])) + 0.3 * X[:, :, 1]
    mask = np.ones(N, bool)
    mask[::9] = False
    return y, X, controls, mask


@pytest.mark.parametrize("se_type", SE_TYPES)
def test_every_replication_equals_statsmodels(data, se_type):
    y, X, controls, mask = data
    fit = fit_outcomes(y, X, controls, mask, se_type=se_type)
    p = X.shape[2]
    for r in range(len(y)):
        design = sm.add_constant(np.column_stack([X[r][mask], controls[mask]]))
        ref = sm.OLS(y[r][mask], design).fit(cov_type="nonrobust" if se_type == "classical" else se_type)
        np.testing.assert_allclose(fit.estimate[r], ref.params[1 : 1 + p], rtol=1e-10)
        np.testing.assert_allclose(fit.std_error[r], ref.bse[1 : 1 + p], rtol=1e-10)
        np.testing.assert_allclose(fit.r_squared[r], ref.rsquared, rtol=1e-10)
        t = np.asarray(ref.tvalues[1 : 1 + p])
        np.testing.assert_allclose(fit.p_two_tailed[r], 2 * stats.t.sf(np.abs(t), ref.df_resid), rtol=1e-8)
        np.testing.assert_allclose(fit.p_greater[r], stats.t.sf(t, ref.df_resid), rtol=1e-8)
    assert fit.n == mask.sum() and fit.df == mask.sum() - 1 - controls.shape[1] - p


def test_controls_only_model_gives_its_r_squared(data):
    y, X, controls, mask = data
    fit = fit_outcomes(y, X[:, :, :0], controls, mask)
    ref = sm.OLS(y[1][mask], sm.add_constant(controls[mask])).fit()
    assert fit.estimate.shape == (len(y), 0)
    np.testing.assert_allclose(fit.r_squared[1], ref.rsquared, rtol=1e-10)


def test_collinear_controls_are_a_clear_error(data):
    y, X, controls, mask = data
    bad = np.column_stack([controls, controls[:, 0] * 2])
    with pytest.raises(ValueError, match="collinear"):
        fit_outcomes(y, X, bad, mask)


def test_residual_maker_and_influence(data):
    y, _, controls, mask = data
    M = residual_maker(controls, mask)
    W = sm.add_constant(controls[mask])
    resid = sm.OLS(y[0][mask], W).fit().resid
    np.testing.assert_allclose(M @ y[0][mask], resid, atol=1e-12)
    infl = sm.OLS(y[0][mask], W).fit().get_influence()
    got = ols_influence(y[0][mask], W)
    np.testing.assert_allclose(got["leverage"], infl.hat_matrix_diag, rtol=1e-10)
    np.testing.assert_allclose(got["cooks_distance"], infl.cooks_distance[0], rtol=1e-10)
