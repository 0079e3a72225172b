"""Batched Huber M-estimation against statsmodels RLM(HuberT()) defaults."""

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from specverse.engine import RegSpec, fit_specs
from specverse.engine.huber import _MAD_C, _mad0, fit_huber

# IRLS stops at the same iteration as RLM (checked below), so the only
# differences are round-off of the weighted solves (observed ~1e-12).
RTOL = 1e-9


def data(seed, n=150):
    rng = np.random.default_rng(seed)
    Z = np.column_stack(
        [
            (rng.random(n) < 0.4) * 1.0,
            rng.normal(25, 8, n),
            rng.normal(0, 1, n),
            rng.normal(12, 0.6, n),
            (rng.random(n) < 0.2) * 1.0,
        ]
    )
    y = 0.5 * Z[:, 0] + 0.05 * Z[:, 1] - Z[:, 2] + rng.standard_t(2, n)
    y[rng.choice(n, 6, replace=False)] += rng.choice([-12, 12], 6)  # gross outliers
    return y, Z


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b) / np.abs(b))


def rlm(y, X):
    return sm.RLM(
        y, sm.add_constant(X, prepend=False, has_constant="add"), M=sm.robust.norms.HuberT()
    ).fit()


@pytest.mark.parametrize("seed", range(5))
def test_fit_huber_matches_rlm(seed):
    y, Z = data(seed)
    X = sm.add_constant(Z)
    r = sm.RLM(y, X, M=sm.robust.norms.HuberT()).fit()
    hb = fit_huber(X[None], y)
    assert hb.ok[0] and hb.converged[0]
    assert hb.iterations[0] == r.fit_history["iteration"]
    assert rel(hb.beta[0], r.params) < RTOL
    assert rel(np.sqrt(np.diag(hb.cov[0])), r.bse) < RTOL
    assert rel(hb.scale[0], r.scale) < RTOL


def test_fit_huber_iteration_limit_matches_rlm():
    y, Z = data(7)
    X = sm.add_constant(Z)
    r = sm.RLM(y, X, M=sm.robust.norms.HuberT()).fit(maxiter=3)
    hb = fit_huber(X[None], y, maxiter=3)
    assert hb.iterations[0] == r.fit_history["iteration"] == 3
    assert not hb.converged[0]
    assert rel(hb.beta[0], r.params) < RTOL
    assert rel(np.sqrt(np.diag(hb.cov[0])), r.bse) < RTOL


def test_fit_specs_huber_rows_match_rlm():
    y, Z = data(11)
    masks = [None, Z[:, 4] == 0]
    specs = [
        RegSpec(t, c, m)
        for m in masks
        for t, c in [((0,), ()), ((0,), (1, 2)), ((0, 2), (1, 3)), ((2,), (0, 1, 3, 4))]
    ]
    specs = [s for s in specs if not (s.mask is not None and 4 in s.controls)]
    df = fit_specs(y, Z, specs, estimator="huber", se_types=("HC1", "classical"))
    hc = df[df.se_type == "HC1"]
    assert (hc.status == "se_type_not_applicable").all() and hc.estimate.isna().all()
    cl = df[df.se_type == "classical"]
    assert (cl.status == "ok").all()
    assert cl[["r_squared", "adj_r_squared", "f_statistic"]].isna().all().all()
    for i, s in enumerate(specs):
        rows = np.ones(len(y), bool) if s.mask is None else s.mask
        r = rlm(y[rows], Z[rows][:, list(s.terms + s.controls)])
        got = cl[cl.spec == i]
        m = len(s.terms)
        assert list(got.term) == list(s.terms)
        assert rel(got.estimate, r.params[:m]) < RTOL
        assert rel(got.std_error, r.bse[:m]) < RTOL
        assert rel(got.t, r.tvalues[:m]) < RTOL
        assert rel(got.p_two_tailed, r.pvalues[:m]) < RTOL
        assert rel(got.p_greater, stats.norm.sf(r.tvalues[:m])) < RTOL
        ci = r.conf_int(0.05)[:m]
        assert rel(got.ci_low, ci[:, 0]) < RTOL and rel(got.ci_high, ci[:, 1]) < RTOL
        # inference is normal, as RLM's: the df column says so (Student t with df = inf)
        assert np.isinf(got.df).all() and (got.n == rows.sum()).all()


@pytest.mark.parametrize("n", [1, 2, 3, 131, 150])
def test_mad_scale_is_numpy_median_to_the_bit(n):
    """The one-partition MAD equals numpy.median's, odd and even rows, NaN and inf alike."""
    e = np.random.default_rng(n).standard_normal((30, n))
    e[3, 0] = np.nan
    e[5] = 0.0
    e[7, : n // 2 + 1] = np.inf
    expect = np.median(np.abs(e), axis=-1) / _MAD_C
    np.testing.assert_array_equal(_mad0(e), expect)
    np.testing.assert_array_equal(_mad0(e[0]), expect[0])


def test_huber_batched_equals_one_at_a_time():
    y, Z = data(12)
    specs = [RegSpec((0,), c) for r in range(5) for c in itertools.combinations(range(1, 5), r)]
    full = fit_specs(y, Z, specs, estimator="huber", se_types=("classical",))
    singles = pd.concat(
        [
            fit_specs(y, Z, [s], estimator="huber", se_types=("classical",)).assign(spec=i)
            for i, s in enumerate(specs)
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(full, singles, check_exact=False, rtol=1e-10, atol=0)


def test_huber_edge_statuses():
    y, Z = data(13)
    Z = np.column_stack([Z, 2 * Z[:, 1] + 1])  # column 5 collinear with 1 and const
    few = np.zeros(len(y), bool)
    few[:3] = True
    specs = [
        RegSpec((0,), (1, 5)),
        RegSpec((4,), (1,), Z[:, 4] == 1),  # treatment constant in the sample
        RegSpec((0,), (1, 2), few),
        RegSpec((0,), (1,)),
    ]
    df = fit_specs(y, Z, specs, estimator="huber", se_types=("classical",))
    assert list(df.status) == ["rank_deficient", "constant_treatment", "too_few_rows", "ok"]
    assert df.loc[:2, "estimate"].isna().all() and np.isfinite(df.loc[3, "estimate"])


def test_huber_rejects_weights():
    y, Z = data(14)
    with pytest.raises(ValueError, match="only used with estimator='wls'"):
        fit_specs(y, Z, [RegSpec((0,), ())], estimator="huber", weights=np.ones(len(y)))


def test_iteration_cap_is_a_parameter_and_a_longer_fit_converges():
    """statsmodels' default of 50 IRLS passes leaves some fits unconverged; the cap is the
    caller's: a higher one converges them, and converged fits are unchanged by it."""
    y, Z = data(3)
    specs = [RegSpec((0,), (1, 2))]
    short = fit_specs(y, Z, specs, estimator="huber", se_types=("classical",), huber_maxiter=2)
    long = fit_specs(y, Z, specs, estimator="huber", se_types=("classical",), huber_maxiter=500)
    assert (short.status == "not_converged").all() and (long.status == "ok").all()
    default = fit_specs(y, Z, specs, estimator="huber", se_types=("classical",))
    r = rlm(y, Z[:, [0, 1, 2]])
    assert rel(default.estimate, r.params[:1]) < RTOL and rel(long.estimate, r.params[:1]) < 1e-6
