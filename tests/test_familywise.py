"""Romano-Wolf step-down p-values (analysis.familywise): a plain-loop reference, the
defining properties, familywise error control by simulation, chunk invariance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from specverse.analysis.familywise import TIE_RTOL, romano_wolf
from specverse.engine import method_rng, spec_seed

SEED = 20240501


def reference_step_down(t_obs, t_star, tie_rtol=TIE_RTOL):
    """The definition, literally: nested loops over steps and draws."""
    B, S = t_star.shape
    out = np.full(S, np.nan)
    family = [i for i in range(S) if np.isfinite(t_obs[i]) and all(np.isfinite(t_star[b, i]) for b in range(B))]
    steps = sorted(family, key=lambda i: -abs(t_obs[i]))
    running = 0.0
    for j, i in enumerate(steps):
        remaining = steps[j:]
        count = 0
        for b in range(B):
            m = max(abs(t_star[b, h]) for h in remaining)
            if m >= abs(t_obs[i]) * (1 - tie_rtol):
                count += 1
        running = max(running, (1 + count) / (1 + B))
        out[i] = running
    return out


def single_p(t_obs, t_star, tie_rtol=TIE_RTOL):
    """Unadjusted bootstrap p of each hypothesis: (1 + #{|t*_i| >= |t_i|}) / (1 + B)."""
    hits = (np.abs(t_star) >= np.abs(t_obs) * (1 - tie_rtol)).sum(axis=0)
    return (1 + hits) / (1 + t_star.shape[0])


def _draws(name, B, S, rho=0.5):
    """Equicorrelated normal draws (B, S) and observed statistics with a few signals."""
    rng = method_rng(spec_seed(SEED, name), "familywise")
    common = rng.standard_normal((B + 1, 1))
    z = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal((B + 1, S))
    t_obs = z[0] + np.where(np.arange(S) % 4 == 0, 3.0, 0.0)
    return t_obs, z[1:]


@pytest.mark.parametrize("B,S", [(1, 1), (19, 1), (49, 7), (99, 30), (200, 64)])
def test_matches_plain_loop(B, S):
    t_obs, t_star = _draws(f"loop-{B}-{S}", B, S)
    if S >= 7:  # ties in |t_obs|, a draw reproducing t_obs, and hypotheses outside the family
        t_obs[1], t_obs[2] = t_obs[3], -t_obs[3]
        t_star[0, 4] = t_obs[4] * (1 - 1e-12)
        t_obs[5] = np.nan
        t_star[3, 6] = np.nan
    np.testing.assert_array_equal(romano_wolf(t_obs, t_star), reference_step_down(t_obs, t_star))
    if S >= 7:
        p = romano_wolf(t_obs, t_star)
        assert np.isnan(p[[5, 6]]).all() and np.isfinite(np.delete(p, [5, 6])).all()
        assert p[1] == p[2] == p[3]


def test_properties():
    t_obs, t_star = _draws("properties", 499, 40)
    p = romano_wolf(t_obs, t_star)
    assert (p >= single_p(t_obs, t_star)).all()  # adjustment never lowers a p-value
    assert (p <= 1).all() and (p >= 1 / 500).all()
    order = np.argsort(-np.abs(t_obs))
    assert (np.diff(p[order]) >= 0).all()  # larger |t| -> smaller or equal adjusted p
    # the largest |t| is tested against the max over the whole family
    top = order[0]
    assert p[top] == (1 + (np.abs(t_star).max(axis=1) >= abs(t_obs[top]) * (1 - TIE_RTOL)).sum()) / 500
    for i in range(5):  # a family of one is the single-hypothesis bootstrap p
        np.testing.assert_array_equal(
            romano_wolf(t_obs[i : i + 1], t_star[:, i : i + 1]), single_p(t_obs[i : i + 1], t_star[:, i : i + 1])
        )
    # less conservative than Bonferroni on positively dependent draws
    assert (p <= np.minimum(1, 40 * single_p(t_obs, t_star)) + 1e-12).all()


def test_chunking_does_not_change_results():
    t_obs, t_star = _draws("chunks", 333, 57)
    t_star[5, 9] = np.inf
    base = romano_wolf(t_obs, t_star)
    for chunk in (1, 2, 7, 100, 332, 333, 10_000):
        np.testing.assert_array_equal(romano_wolf(t_obs, t_star, chunk=chunk), base)
    # a sign flip of every statistic of one hypothesis changes nothing (two-sided)
    t_star[:, 3] *= -1
    t_obs[3] *= -1
    np.testing.assert_array_equal(romano_wolf(t_obs, t_star), base)


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match=r"t_star must be \(B, S\) with S = 3"):
        romano_wolf(np.zeros(3), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="t_obs must be 1-D"):
        romano_wolf(np.zeros((3, 1)), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="no draws"):
        romano_wolf(np.zeros(3), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="chunk"):
        romano_wolf(np.zeros(3), np.zeros((5, 3)), chunk=0)
    assert np.isnan(romano_wolf(np.full(2, np.nan), np.zeros((5, 2)))).all()


def _null_replication(rep, n=40, S=10, B=199):
    """S regressions of one outcome on S correlated regressors (one each, with intercept),
    every null true; restricted wild bootstrap (Rademacher) shared across the S tests.
    Returns the observed t (S,) and the bootstrap t (B, S)."""
    seed = spec_seed(SEED, f"fwer-{rep}")
    rng = method_rng(seed, "data")
    common = rng.standard_normal((n, 1))
    X = np.sqrt(0.6) * common + np.sqrt(0.4) * rng.standard_normal((n, S))
    y = rng.standard_normal(n)
    Xc = X - X.mean(axis=0)
    sxx = (Xc**2).sum(axis=0)

    def t_stats(Y):  # Y (m, n) outcomes -> classical t (m, S) of each simple regression
        Yc = Y - Y.mean(axis=1, keepdims=True)
        b = (Yc @ Xc) / sxx
        rss = (Yc**2).sum(axis=1, keepdims=True) - b**2 * sxx
        return b / np.sqrt(rss / (n - 2) / sxx)

    v = method_rng(seed, "wild").choice([-1.0, 1.0], size=(B, n))
    y_star = y.mean() + (y - y.mean()) * v  # the null model (intercept only) for every test
    return t_stats(y[None, :])[0], t_stats(y_star)


def test_familywise_error_rate_is_controlled():
    """300 replications of 10 correlated true nulls, B = 199: the share with any adjusted
    p <= .05 must lie in the central 99% binomial range around .05 (about [.02, .087]);
    the same simulation rejects the unadjusted minimum p, which must lie above it."""
    R, alpha = 300, 0.05
    any_rw = any_raw = 0
    for rep in range(R):
        t_obs, t_star = _null_replication(rep)
        any_rw += bool((romano_wolf(t_obs, t_star) <= alpha).any())
        any_raw += bool((single_p(t_obs, t_star) <= alpha).any())
    lo, hi = stats.binom.ppf([0.005, 0.995], R, alpha) / R
    assert lo <= any_rw / R <= hi, (any_rw / R, lo, hi)
    assert any_raw / R > hi, (any_raw / R, hi)  # an unadjusted method fails the same check
    # the check has power against a method with FWER .15: its 99% range is disjoint
    assert stats.binom.ppf(0.005, R, 0.15) / R > hi


def test_scale():
    """S = 20,000 hypotheses, B = 999 draws, processed in blocks of 64 draws."""
    t_obs, t_star = _draws("scale", 999, 20_000, rho=0.3)
    p = romano_wolf(t_obs, t_star, chunk=64)
    order = np.argsort(-np.abs(t_obs))
    assert np.isfinite(p).all() and (np.diff(p[order]) >= 0).all()
    first, last = order[0], order[-1]  # first step: max over all; last step: its own draws
    assert p[first] == (1 + (np.abs(t_star).max(axis=1) >= abs(t_obs[first]) * (1 - TIE_RTOL)).sum()) / 1000
    assert p[last] == max(p[order[-2]], single_p(t_obs[[last]], t_star[:, [last]])[0])
