"""Omitted-variable sensitivity (analysis.sensitivity).

Cinelli-Hazlett statistics against PySensemakr 0.0.8 (its summary-statistics
interface: its statsmodels-object path indexes a Series by position and fails
under this pandas), on OLS fits of simulated data and sensemakr's darfur example;
the benchmark multiple by plugging it back; Oster's delta* and beta* against her
model solved for its structural parameters, against root finding on beta*, and
on simulated data whose selection is known.
"""

from __future__ import annotations

import numpy as np
import pytest
import sensemakr as smkr
import statsmodels.api as sm
from scipy import optimize, stats

from specverse.analysis import sensitivity as S
from specverse.engine import method_rng

TOL = dict(rtol=1e-10, atol=1e-12)
# sensemakr's own robustness_value divides by its critical f, 0 when alpha = 1
pytestmark = pytest.mark.filterwarnings("ignore:divide by zero encountered in scalar divide:RuntimeWarning")


def _fit(y, d, X):
    """Outcome and treatment regressions: t, df of D; partial R^2 inputs of benchmark X[:, 0]."""
    out = sm.OLS(y, sm.add_constant(np.column_stack([d, X]))).fit()
    trt = sm.OLS(d, sm.add_constant(X)).fit()
    return dict(
        est=float(out.params[1]),
        se=float(out.bse[1]),
        t=float(out.tvalues[1]),
        df=int(out.df_resid),
        tj_y=float(out.tvalues[2]),
        tj_d=float(trt.tvalues[1]),
        df_d=int(trt.df_resid),
    )


def _simulated(case):
    rng = method_rng(20240501, f"sensitivity-{case}")
    n, p, effect = {0: (150, 3, 0.5), 1: (40, 2, 1.0), 2: (400, 4, -0.3)}[case]
    X = rng.standard_normal((n, p))
    d = (
        (0.5 * X[:, 0] + rng.standard_normal(n) > 0).astype(float)
        if case == 0
        else 0.4 * X[:, 0] + rng.standard_normal(n)
    )
    y = effect * d + 1.5 * X[:, 0] + X[:, 1:].sum(axis=1) * 0.3 + rng.standard_normal(n)
    return _fit(y, d, X)


def _darfur():
    dat = smkr.load_darfur()
    cov = ["female", "age", "farmer_dar", "herder_dar", "pastvoted", "hhsize_darfur"]
    village = np.asarray(dat["village"], dtype=object)
    X = np.column_stack([dat[cov].to_numpy(float), village[:, None] == np.unique(village)[1:]]).astype(float)
    return _fit(dat["peacefactor"].to_numpy(float), dat["directlyharmed"].to_numpy(float), X)


SPECS = [_simulated(0), _simulated(1), _simulated(2), _darfur()]


@pytest.mark.parametrize("s", SPECS, ids=["sim150", "sim40", "sim400", "darfur"])
def test_against_sensemakr(s):
    t, df = s["t"], s["df"]
    np.testing.assert_allclose(S.partial_r2(t, df), smkr.partial_r2(t_statistic=t, dof=df), **TOL)
    for q in (1.0, 0.5):
        for alpha in (None, 0.05):
            ref = smkr.robustness_value(t_statistic=np.array([t]), dof=df, q=q, alpha=1.0 if alpha is None else alpha)
            np.testing.assert_allclose(S.robustness_value(t, df, q, alpha), ref[0], **TOL)
    r2dz, r2yz = np.array([0.01, 0.05, 0.2]), np.array([0.02, 0.05, 0.3])
    kw = dict(estimate=s["est"], se=s["se"], dof=df)
    np.testing.assert_allclose(
        S.adjusted_estimate(s["est"], s["se"], df, r2dz, r2yz), smkr.adjusted_estimate(r2dz, r2yz, **kw), **TOL
    )
    np.testing.assert_allclose(
        S.adjusted_se(s["se"], df, r2dz, r2yz), smkr.adjusted_se(r2dz, r2yz, se=s["se"], dof=df), **TOL
    )
    np.testing.assert_allclose(
        S.adjusted_t(s["est"], s["se"], df, r2dz, r2yz), smkr.adjusted_t(r2dz, r2yz, **kw), **TOL
    )
    # benchmark bounds, kd = ky in {1, 2, 3}, from the benchmark's t in the two regressions
    r_d, r_y = smkr.partial_r2(t_statistic=s["tj_d"], dof=s["df_d"]), smkr.partial_r2(t_statistic=s["tj_y"], dof=df)
    np.testing.assert_allclose([S.partial_r2(s["tj_d"], s["df_d"]), S.partial_r2(s["tj_y"], df)], [r_d, r_y], **TOL)
    ref = smkr.ovb_partial_r2_bound(r2dxj_x=r_d, r2yxj_dx=r_y, kd=[1, 2, 3])
    dz, yz = S.benchmark_bounds(r_d, r_y, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(dz, ref["r2dz_x"], **TOL)
    np.testing.assert_allclose(yz, ref["r2yz_dx"], **TOL)
    np.testing.assert_allclose(
        S.adjusted_estimate(s["est"], s["se"], df, dz, yz),
        smkr.adjusted_estimate(ref["r2dz_x"].to_numpy(), ref["r2yz_dx"].to_numpy(), **kw),
        **TOL,
    )


def test_darfur_published_values():
    """Cinelli & Hazlett (2020, sec. 2 and Table 2): RV_1 = 13.9%, RV_{1,.05} = 7.6%,
    partial R^2 of the treatment 2.2%; female 1x bound (0.9%, 12.5%)."""
    s = SPECS[3]
    assert round(float(S.robustness_value(s["t"], s["df"])), 3) == 0.139
    assert round(float(S.robustness_value(s["t"], s["df"], alpha=0.05)), 3) == 0.076
    assert round(float(S.partial_r2(s["t"], s["df"])), 3) == 0.022
    dz, yz = S.benchmark_bounds(S.partial_r2(s["tj_d"], s["df_d"]), S.partial_r2(s["tj_y"], s["df"]), 1.0)
    assert (round(float(dz), 3), round(float(yz), 3)) == (0.009, 0.125)


def test_robustness_value_every_branch_against_sensemakr():
    """Grid reaching RV = 0, the interior formula and the extreme scenario (f_q > 1/f*)."""
    t = np.array([0.0, 0.3, 1.5, 2.2, 3.0, 6.0, 15.0, 40.0])
    seen = set()
    for df in (4, 12, 60, 783):
        for q in (1.0, 0.6):
            ref = smkr.robustness_value(t_statistic=t.copy(), dof=df, q=q, alpha=0.05)
            mine = S.robustness_value(t, df, q, 0.05)
            np.testing.assert_allclose(mine, ref, **TOL)
            f_q, f_c = q * t / np.sqrt(df), stats.t.ppf(0.975, df - 1) / np.sqrt(df - 1)
            seen |= {"zero" if fq < f_c else "extreme" if fq > 1 / f_c else "interior" for fq in f_q}
    assert seen == {"zero", "interior", "extreme"}


def _random_batch(n=40, name="batch"):
    rng = method_rng(7, name)
    t = rng.uniform(-8, 8, n)
    df = rng.integers(3, 500, n).astype(float)
    r = 10 ** rng.uniform(-4, -0.7, n)
    ry = 10 ** rng.uniform(-3, -0.2, n)
    return t, df, r, ry


def test_batch_equals_element_by_element():
    t, df, r, ry = _random_batch()
    se = np.abs(t) / 3 + 0.1
    kd = np.linspace(0.5, 3, t.size)
    batch = {
        "r2": S.partial_r2(t, df),
        "rv": S.robustness_value(t, df, 0.7),
        "rva": S.robustness_value(t, df, 1.0, 0.05),
        "est": S.adjusted_estimate(t * se, se, df, r, ry),
        "se": S.adjusted_se(se, df, r, ry),
        "t": S.adjusted_t(t * se, se, df, r, ry),
        "bd": S.benchmark_bounds(r, ry, kd)[0],
        "by": S.benchmark_bounds(r, ry, kd)[1],
        "k": S.multiplier_to_explain_away(t, df, r, ry),
        "ka": S.multiplier_to_explain_away(t, df, r, ry, 0.05),
    }
    for i in range(t.size):
        one = {
            "r2": S.partial_r2(t[i], df[i]),
            "rv": S.robustness_value(t[i], df[i], 0.7),
            "rva": S.robustness_value(t[i], df[i], 1.0, 0.05),
            "est": S.adjusted_estimate(t[i] * se[i], se[i], df[i], r[i], ry[i]),
            "se": S.adjusted_se(se[i], df[i], r[i], ry[i]),
            "t": S.adjusted_t(t[i] * se[i], se[i], df[i], r[i], ry[i]),
            "bd": S.benchmark_bounds(r[i], ry[i], kd[i])[0],
            "by": S.benchmark_bounds(r[i], ry[i], kd[i])[1],
            "k": S.multiplier_to_explain_away(t[i], df[i], r[i], ry[i]),
            "ka": S.multiplier_to_explain_away(t[i], df[i], r[i], ry[i], 0.05),
        }
        for key, v in one.items():
            assert np.ndim(v) == 0
            np.testing.assert_array_equal(batch[key][i], v, err_msg=f"{key}[{i}]")
    np.testing.assert_array_equal(batch["ka"], S.multiplier_to_explain_away(t, df, r, ry, 0.05, chunk=7))
    two_d = S.robustness_value(t.reshape(4, 10), df.reshape(4, 10), 1.0, 0.05)
    np.testing.assert_array_equal(two_d.ravel(), batch["rva"])


def test_edge_cases():
    nan, inf = np.nan, np.inf
    # t = 0: nothing to explain away
    assert (
        S.partial_r2(0.0, 10) == 0 and S.robustness_value(0.0, 10) == 0 and S.robustness_value(0.0, 10, alpha=0.05) == 0
    )
    assert (
        S.multiplier_to_explain_away(0.0, 10, 0.1, 0.1) == 0
        and S.multiplier_to_explain_away(0.0, 10, 0.1, 0.1, 0.05) == 0
    )
    # huge t: limits 1, no overflow to NaN
    for t in (1e200, inf, -1e300):
        assert (
            S.partial_r2(t, 50) == 1 and S.robustness_value(t, 50) == 1 and S.robustness_value(t, 50, alpha=0.05) == 1
        )
    # small df: RV_q needs df > 0, RV_{q,alpha} and the adjusted SE need df - 1 > 0
    assert S.robustness_value(3.0, 1) == pytest.approx(2 / (1 + np.sqrt(1 + 4 / 9)))
    assert np.isnan(S.robustness_value(3.0, 1, alpha=0.05)) and np.isfinite(S.robustness_value(3.0, 2, alpha=0.05))
    assert np.isnan(S.adjusted_se(1.0, 1, 0.1, 0.1)) and np.isnan(S.multiplier_to_explain_away(3.0, 1, 0.1, 0.1, 0.05))
    for bad_df in (0.0, -3.0, nan):
        assert np.isnan(S.partial_r2(2.0, bad_df)) and np.isnan(S.robustness_value(2.0, bad_df))
    # NaN in one row -> NaN in that row only
    t = np.array([2.5, nan, 3.0])
    for out in (
        S.partial_r2(t, 30),
        S.robustness_value(t, 30, alpha=0.05),
        S.multiplier_to_explain_away(t, 30, 0.1, 0.2),
        S.adjusted_estimate(t, 1.0, 30, 0.1, 0.1),
    ):
        assert np.isnan(out[1]) and np.isfinite(out[[0, 2]]).all()
    # invalid partial R^2 / impossible benchmark multiples -> NaN, never an exception
    assert np.isnan(S.adjusted_estimate(1.0, 0.1, 30, 1.0, 0.1)) and np.isnan(
        S.adjusted_estimate(1.0, 0.1, 30, 0.1, 1.5)
    )
    dz, yz = S.benchmark_bounds(0.2, 0.1, np.array([1.0, 3.9, 4.0, 10.0]))  # kd < (1 - 0.2)/0.2 = 4 is possible
    assert np.isfinite(dz[:2]).all() and np.isnan(dz[2:]).all() and np.isnan(yz[2:]).all()
    assert S.benchmark_bounds(0.2, 0.4, 3.0)[1] == 1.0  # implied R^2_{Y~Z} > 1 capped, as sensemakr
    # benchmark unrelated to the treatment: no multiple suffices; unrelated to the outcome:
    # the estimate cannot be brought to 0, but significance can still go (SE inflation)
    assert (
        S.multiplier_to_explain_away(4.0, 100, 0.0, 0.3) == inf
        and S.multiplier_to_explain_away(4.0, 100, 0.0, 0.3, 0.05) == inf
    )
    assert S.multiplier_to_explain_away(4.0, 100, 0.1, 0.0) == inf
    assert np.isfinite(S.multiplier_to_explain_away(4.0, 100, 0.1, 0.0, 0.05))


def _k_to_adjusted(k, t, df, r, ry):
    """Plug a multiple back: bounds -> adjusted estimate and t for estimate t, se 1."""
    dz, yz = S.benchmark_bounds(r, ry, k)
    return S.adjusted_estimate(t, 1.0, df, dz, yz), S.adjusted_t(np.abs(t), 1.0, df, dz, yz), yz


def test_multiplier_plugged_back():
    t, df, r, ry = _random_batch(300, "plug")
    t = np.where(np.abs(t) < 2.5, 2.5 + np.abs(t), t)  # significant, so k > 0
    k0 = S.multiplier_to_explain_away(t, df, r, ry)
    est, _, _ = _k_to_adjusted(k0, t, df, r, ry)
    assert np.isfinite(k0).all() and (k0 > 0).all()
    np.testing.assert_allclose(est, 0.0, atol=1e-8)
    k1 = S.multiplier_to_explain_away(t, df, r, ry, 0.05)
    est, tadj, yz = _k_to_adjusted(k1, t, df, r, ry)
    crit = stats.t.ppf(0.975, df - 1)
    interior = yz < 1  # at the cap Y = 1 the adjusted SE is 0 and the root is where the estimate is 0
    assert interior.sum() > 100 and (~interior).sum() > 50
    np.testing.assert_allclose(tadj[interior], crit[interior], atol=1e-8)
    np.testing.assert_allclose(est[~interior], 0.0, atol=1e-8)
    assert (k1 <= k0 * (1 + 1e-12)).all()  # insignificance comes no later than a zero estimate


def _dense_first_root(t, df, r, ry, alpha):
    """Brute force: first k on a 2 x 10^5-point grid with adjusted t <= critical value."""
    k_max = (1 - r) / r
    u = np.unique(np.r_[np.linspace(0, 1, 100_001)[:-1], np.geomspace(1e-12, 1, 100_001)[:-1]])
    dz, yz = S.benchmark_bounds(r, ry, u * k_max)
    est, se = S.adjusted_estimate(abs(t), 1.0, df, dz, yz), S.adjusted_se(1.0, df, dz, yz)
    crit = 0.0 if alpha is None else stats.t.ppf(1 - alpha / 2, df - 1)
    below = est <= crit * se
    return u[np.argmax(below)] * k_max, u[np.argmax(below) - 1] * k_max, below


def test_multiplier_is_the_first_root_even_when_significance_returns():
    """This path dips below the critical value near k = 6355, rises above it again
    (the confounder explains so much outcome variance that the adjusted SE
    collapses) and only stays below after k = 6502, where the estimate is 0.
    Plain bisection on [0, k_zero] would return the later crossing."""
    t, df, r, ry = -11.239972047432556, 228.0, 5.4829243116447756e-05, 0.00015552876904655327
    k_zero = S.multiplier_to_explain_away(t, df, r, ry)
    k_sig = S.multiplier_to_explain_away(t, df, r, ry, 0.05)
    hi, lo, below = _dense_first_root(t, df, r, ry, 0.05)
    assert lo < k_sig <= hi  # the grid's first crossing
    _, tadj, _ = _k_to_adjusted(np.array([k_sig, 6420.0]), t, df, r, ry)
    assert tadj[0] == pytest.approx(stats.t.ppf(0.975, df - 1), abs=1e-8) and tadj[1] > stats.t.ppf(0.975, df - 1)
    assert k_zero > 6500 and below[np.argmax(below) :].min() == 0  # not below everywhere after the first root
    # and over random paths the first root agrees with the brute force scan
    tt, dd, rr, yy = _random_batch(25, "dense")
    tt = np.where(np.abs(tt) < 2.5, 2.5 + np.abs(tt), tt)
    ks = S.multiplier_to_explain_away(tt, dd, rr, yy, 0.05)
    for i in range(tt.size):
        hi, lo, _ = _dense_first_root(tt[i], dd[i], rr[i], yy[i], 0.05)
        assert lo < ks[i] <= hi * (1 + 1e-12)


# ---------------------------------------------------------------------------------- Oster


def _population(beta, a1, a2, s1, s2, su, se, vm=0.0):
    """Oster's model in population: Y = beta X + W1 + W2 + e, X = a1 W1 + a2 W2 + M + u
    with W1, W2, M, u, e uncorrelated (variances s1, s2, vm, su, se); the observed
    controls are W1 and M.  Proportional selection: delta = (a2 s2 / s2) / (a1 s1 / s1)
    = a2 / a1; R_max = 1 - se / var(Y).  Returns the regression moments psacalc uses."""
    vx, tau, cxw = a1**2 * s1 + a2**2 * s2 + vm + su, a2**2 * s2 + su, a1 * s1 + a2 * s2
    vy = beta**2 * vx + 2 * beta * cxw + s1 + s2 + se
    bo, bt = beta + cxw / vx, beta + a2 * s2 / tau
    return dict(
        beta_short=bo,
        r2_short=bo**2 * vx / vy,
        beta_long=bt,
        r2_long=1 - (s2 - a2**2 * s2**2 / tau + se) / vy,
        r_max=1 - se / vy,
        var_y=vy,
        var_x=vx,
        tau_x=tau,
    )


POPULATIONS = [  # beta, a1, a2, s1, s2, su, se, vm
    (0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0),
    (0.0, 0.8, 1.6, 1.0, 2.0, 1.5, 0.7, 0.5),
    (1.0, 0.5, -0.3, 2.0, 1.0, 1.0, 3.0, 1.0),
    (-0.2, 0.6, 0.9, 1.5, 0.5, 1.0, 2.0, 0.0),
]


@pytest.mark.parametrize("pop", POPULATIONS)
def test_oster_exact_in_her_model(pop):
    m, beta, delta = _population(*pop), pop[0], pop[2] / pop[1]
    assert S.oster_delta(**m, beta=beta) == pytest.approx(delta, rel=1e-10)
    # beta is a root of Oster's cubic (quadratic at delta = 1), solved independently
    sx, tx, db = m["var_x"], m["tau_x"], m["beta_short"] - m["beta_long"]
    ro, rm = (m["r2_long"] - m["r2_short"]) * m["var_y"], (m["r_max"] - m["r2_long"]) * m["var_y"]
    coef = [
        (delta - 1) * tx * (sx - tx),
        (delta - 2) * tx * db * sx,
        delta * rm * (sx - tx) - ro * tx - sx * tx * db**2,
        delta * rm * db * sx,
    ]
    roots = np.roots(np.trim_zeros(np.where(np.abs(coef) < 1e-14, 0.0, coef), "f"))
    real = m["beta_long"] - roots[np.abs(roots.imag) < 1e-9].real
    assert np.min(np.abs(real - beta)) < 1e-9
    # and oster_beta returns the root psacalc selects: closest to beta~ among those with
    # sign(beta* - beta~) = sign(beta~ - beta_o), else (none) psacalc's fallback
    b = S.oster_beta(**m, delta=delta)
    assert np.min(np.abs(real - b)) < 1e-9
    ok = np.sign(real - m["beta_long"]) == np.sign(m["beta_long"] - m["beta_short"])
    if ok.any():
        assert b == pytest.approx(real[ok][np.argmin((real[ok] - m["beta_long"]) ** 2)], abs=1e-9)


def _sample(n=2000, beta=0.0, a2=0.6, name="oster-sample"):
    rng = method_rng(11, name)
    w1, w2 = rng.standard_normal(n), rng.standard_normal(n)
    x = 0.6 * w1 + a2 * w2 + rng.standard_normal(n)
    y = beta * x + w1 + w2 + rng.standard_normal(n)
    short = sm.OLS(y, sm.add_constant(x)).fit()
    long = sm.OLS(y, sm.add_constant(np.c_[x, w1])).fit()
    full = sm.OLS(y, sm.add_constant(np.c_[x, w1, w2])).fit()
    tau = np.var(sm.OLS(x, sm.add_constant(w1)).fit().resid, ddof=1)
    m = dict(
        beta_short=short.params[1],
        r2_short=short.rsquared,
        beta_long=long.params[1],
        r2_long=long.rsquared,
        var_y=np.var(y, ddof=1),
        var_x=np.var(x, ddof=1),
        tau_x=tau,
    )
    return m, full.rsquared


@pytest.mark.parametrize("beta", [0.0, 0.2, -0.1])
def test_oster_delta_solves_the_structural_model(beta):
    """Independent route: solve Oster's model (see _population, with beta given) for its
    structural parameters from the sample moments and R_max, then delta = a2 / a1."""
    m, _ = _sample()
    for r_max in (0.5, 0.7, 0.95):
        se = (1 - r_max) * m["var_y"]
        p2 = (m["beta_long"] - beta) * m["tau_x"]  # a2 s2
        p1 = (m["beta_short"] - beta) * m["var_x"] - p2  # a1 s1
        s2 = (1 - m["r2_long"]) * m["var_y"] - se + p2**2 / m["tau_x"]
        s1 = m["var_y"] - se - beta**2 * m["var_x"] - 2 * beta * (p1 + p2) - s2
        assert S.oster_delta(**m, r_max=r_max, beta=beta) == pytest.approx((p2 / s2) / (p1 / s1), rel=1e-10)


def test_oster_delta_is_where_beta_star_crosses_zero():
    m, _ = _sample()
    for r_max in (0.56, 0.7, 0.9):
        grid = np.linspace(0.05, 4.05, 81)  # avoids delta = 1 exactly
        b = S.oster_beta(**m, r_max=r_max, delta=grid)
        j = np.argmax(b < 0)
        root = optimize.brentq(lambda d: S.oster_beta(**m, r_max=r_max, delta=d), grid[j - 1], grid[j], xtol=1e-14)
        assert S.oster_delta(**m, r_max=r_max) == pytest.approx(root, rel=1e-9)


def test_oster_on_data_with_known_selection():
    """True beta = 0 and delta = a2 / a1 in the simulated data; with R_max the R^2 of the
    infeasible regression that includes W2, delta* recovers delta (sampling error only)."""
    for a2, truth in ((0.6, 1.0), (0.3, 0.5), (1.2, 2.0)):
        m, r_full = _sample(n=20000, a2=a2, name=f"known-{a2}")
        assert S.oster_delta(**m, r_max=r_full) == pytest.approx(truth, rel=0.1)
        assert abs(S.oster_beta(**m, r_max=r_full, delta=truth)) < 0.15 * m["beta_long"]
    # a real effect (beta = 0.5, delta = 1): explaining it away needs more selection than
    # there is; delta* in population is 1.4296 (test_oster_exact_in_her_model's algebra)
    m, r_full = _sample(n=20000, beta=0.5, name="known-effect")
    assert S.oster_delta(**m, r_max=r_full) == pytest.approx(
        S.oster_delta(**_population(0.5, 0.6, 0.6, 1, 1, 1, 1)), rel=0.1
    )


def test_oster_approximation():
    """Exact when delta = 1 in Oster's Proposition 1 setting (the approximation is her
    restricted estimator); off when the selection needed is far from 1."""
    for pop in [
        (0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        (0.4, 0.7, 0.7, 1.0, 3.0, 2.0, 1.0),
        (0.0, 0.5, 0.5, 2.0, 1.0, 1.0, 1.0),
    ]:
        m, beta = _population(*pop), pop[0]
        approx = S.oster_delta_approx(
            m["beta_short"], m["r2_short"], m["beta_long"], m["r2_long"], m["r_max"], beta=beta
        )
        assert approx == pytest.approx(1.0, rel=1e-10) == S.oster_delta(**m, beta=beta)
        restricted = m["beta_long"] - (m["beta_short"] - m["beta_long"]) * (m["r_max"] - m["r2_long"]) / (
            m["r2_long"] - m["r2_short"]
        )
        assert S.oster_beta(**m, delta=1.0) == pytest.approx(restricted, rel=1e-9, abs=1e-12)
    m = _population(1.0, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0)  # explaining beta = 1 away needs delta* ~ 5.5
    approx = S.oster_delta_approx(m["beta_short"], m["r2_short"], m["beta_long"], m["r2_long"], m["r_max"])
    assert approx / S.oster_delta(**m) == pytest.approx(2.0, rel=0.01)


def test_oster_tau_x_from_the_long_regression():
    rng = method_rng(3, "tau")
    n = 90
    X = rng.standard_normal((n, 3))
    d = X @ [0.5, -0.2, 0.1] + rng.standard_normal(n)
    y = 0.4 * d + X.sum(axis=1) + rng.standard_normal(n)
    long = sm.OLS(y, sm.add_constant(np.column_stack([d, X]))).fit()
    tau = np.var(sm.OLS(d, sm.add_constant(X)).fit().resid, ddof=1)
    got = S.oster_tau_x(long.bse[1], long.df_resid, long.rsquared, np.var(y, ddof=1))
    assert got == pytest.approx(tau, rel=1e-10)
    assert np.isnan(S.oster_tau_x(0.0, 10, 0.5, 1.0)) and np.isnan(S.oster_tau_x(0.1, 0, 0.5, 1.0))


def test_oster_rmax_sweep_and_invalid():
    m, _ = _sample()
    specs = {k: np.array([v, v * 1.1]) for k, v in m.items()}  # two specifications
    sweep = np.array([0.5, 0.6, 0.8, 1.0])
    out = S.oster_delta(**{k: v[:, None] for k, v in specs.items()}, r_max=sweep)
    assert out.shape == (2, 4)
    for i in range(2):
        for j, rm in enumerate(sweep):
            assert out[i, j] == S.oster_delta(**{k: v[i] for k, v in specs.items()}, r_max=rm)
    assert S.oster_rmax(0.49) == pytest.approx(0.637) and S.oster_rmax(0.9) == 1.0
    assert S.oster_delta(**m) == S.oster_delta(**m, r_max=1.3 * m["r2_long"])
    for bad in (m["r2_long"], m["r2_long"] - 0.01, 1.01, np.nan):
        assert np.isnan(S.oster_delta(**m, r_max=bad)) and np.isnan(S.oster_beta(**m, r_max=bad))
    betas = S.oster_beta(**m, r_max=0.8, delta=np.array([0.5, 1.0, 2.0]))
    np.testing.assert_array_equal(betas, [S.oster_beta(**m, r_max=0.8, delta=d) for d in (0.5, 1.0, 2.0)])
