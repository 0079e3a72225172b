"""Simulated outcomes under the null on a fixed design (the calibration's data).

Every replication is ``y = mean + e`` with ``mean`` = X_fixed b0 whose tested
coefficient(s) are zero (the caller's fitted model without its tested terms) and
errors ``e`` independent of the fixed regressors with E[e] = 0, so the regression
null b = 0 holds exactly.  Error models:

* ``normal``: e_i ~ N(0, s^2), s = the data's residual sd.
* ``heteroskedastic``: e_i ~ N(0, sd_i^2) with sd_i rising with the tested regressor
  (the ``driver``): h_i = 1 + |x_i| / rms(x) for a continuous one, h_i = 1 + [x_i is
  the larger value] for a binary one (sd doubles for the treated); sd_i = s h_i /
  sqrt(mean h^2), so the mean error variance is still s^2.
* ``heavy_tailed``: heteroskedastic, and each error is tripled with probability .1
  (a scale mixture: symmetric, kurtosis 3 x 9 / 1.8^2 = 8.3); divided by sqrt(.9 + .1 x 9)
  so the mean variance is again s^2.
* ``survey_sampling``: the audit's sampling model as an error model.  The outcome is
  the % change between two survey figures, Y_t = 100 K_t / n_eff with K_t ~
  Binomial(n_eff, T_t / 100) around fixed true levels T_2006, T_2008 (%), n_eff =
  round(respondents / design_effect) (Kish), the two years independent; e = 100 (Y_2008
  - Y_2006) / Y_2006 minus its exact expectation (:func:`survey_moments`), so E[e] = 0
  whatever the levels and the null holds for any fixed regressors.  Its variance is
  the data's own sampling noise (not rescaled): about 1e4 [V_08 / T_06^2 + T_08^2 V_06 /
  T_06^4] with V_t = T_t (100 - T_t) / n_eff (:func:`survey_variance_delta`).

Streams: replication r draws from ``method_rng(seeds[r], "null_outcome")`` (use
:func:`specverse.engine.replications.replication_seeds`), so its outcome depends on the
identity of what is simulated and r only.  Scale is irrelevant to every method the
calibration runs (all are scale-equivariant); the scale is the data's so that the
simulated outcomes look like the data.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .seeds import method_rng

__all__ = [
    "ERROR_MODELS",
    "null_outcomes",
    "heteroskedastic_sd",
    "effective_respondents",
    "survey_moments",
    "survey_variance_delta",
]

ERROR_MODELS = ("normal", "heteroskedastic", "heavy_tailed", "survey_sampling")
HEAVY_SHARE = 0.10
HEAVY_FACTOR = 3.0
STREAM = "null_outcome"
#: A survey figure of 0 (the % change undefined) must be impossible in practice.
ZERO_FIGURE_MAX_PROB = 1e-12


def null_outcomes(
    error_model: str,
    mean,
    *,
    seeds,
    resid_sd: float | None = None,
    driver=None,
    levels_2006=None,
    levels_2008=None,
    respondents: int = 1100,
    design_effect: float = 1.5,
) -> np.ndarray:
    """``(R, n)`` outcomes ``mean + e`` under ``error_model`` (see the module doc).

    mean : (n,) X_fixed b0 with the tested coefficient(s) 0.  seeds : (R,) replication
    seeds.  resid_sd and driver (n,) for the normal / heteroskedastic / heavy-tailed
    models; levels_2006 / levels_2008 (n,) true levels in % for survey_sampling.
    """
    if error_model not in ERROR_MODELS:
        raise ValueError(f"error_model must be one of {ERROR_MODELS}, got {error_model!r}")
    mean = np.asarray(mean, dtype=float)
    if mean.ndim != 1 or not np.isfinite(mean).all():
        raise ValueError(f"mean must be a finite (n,) vector, got shape {mean.shape}")
    n = mean.size
    seeds = [int(s) for s in seeds]
    R = len(seeds)
    out = np.empty((R, n))
    if error_model == "survey_sampling":
        p06, p08 = _levels(levels_2006, n, "levels_2006"), _levels(levels_2008, n, "levels_2008")
        n_eff = effective_respondents(respondents, design_effect)
        if (1.0 - p06.min() / 100.0) ** n_eff > ZERO_FIGURE_MAX_PROB:
            raise ValueError(
                f"levels_2006: a true level of {p06.min():.3g}% gives a 2006 survey figure of 0 "
                f"(an undefined % change) with probability > {ZERO_FIGURE_MAX_PROB:g} at n_eff = {n_eff}"
            )
        expected, _ = survey_moments(p06, p08, n_eff)
        for r, seed in enumerate(seeds):
            rng = method_rng(seed, STREAM)
            y06 = rng.binomial(n_eff, p06 / 100.0) * (100.0 / n_eff)
            y08 = rng.binomial(n_eff, p08 / 100.0) * (100.0 / n_eff)
            out[r] = mean + (100.0 * (y08 - y06) / y06 - expected)
        return out
    if resid_sd is None or not (np.isfinite(resid_sd) and resid_sd > 0):
        raise ValueError(f"resid_sd must be a positive number, got {resid_sd!r}")
    if error_model == "normal":
        sd = np.full(n, float(resid_sd))
    else:
        if driver is None:
            raise ValueError(f"error model {error_model!r} needs the driver (the tested regressor)")
        sd = heteroskedastic_sd(driver, resid_sd)
        if sd.size != n:
            raise ValueError(f"driver has {sd.size} values for {n} rows")
    heavy = error_model == "heavy_tailed"
    rescale = 1.0 / np.sqrt(1.0 - HEAVY_SHARE + HEAVY_SHARE * HEAVY_FACTOR**2)
    for r, seed in enumerate(seeds):
        rng = method_rng(seed, STREAM)
        e = rng.standard_normal(n) * sd
        if heavy:
            e *= np.where(rng.random(n) < HEAVY_SHARE, HEAVY_FACTOR, 1.0) * rescale
        out[r] = mean + e
    return out


def heteroskedastic_sd(driver, resid_sd: float) -> np.ndarray:
    """sd_i = s h_i / sqrt(mean h^2): h = 1 + [x is the larger value] for a binary driver,
    else 1 + |x| / sqrt(mean x^2)."""
    x = np.asarray(driver, dtype=float)
    if x.ndim != 1 or not np.isfinite(x).all():
        raise ValueError("driver must be a finite (n,) vector")
    values = np.unique(x)
    if values.size < 2:
        raise ValueError("driver is constant: it cannot drive heteroskedasticity")
    if values.size == 2:
        h = 1.0 + (x == values[1])
    else:
        h = 1.0 + np.abs(x) / np.sqrt(np.mean(x * x))
    return float(resid_sd) * h / np.sqrt(np.mean(h * h))


def effective_respondents(respondents: int, design_effect: float) -> int:
    """Kish effective sample size round(respondents / design effect), at least 1 (as the audit)."""
    if not (respondents > 0 and design_effect > 0):
        raise ValueError(f"respondents and design_effect must be positive, got {respondents!r}, {design_effect!r}")
    return max(int(round(respondents / design_effect)), 1)


def survey_moments(levels_2006, levels_2008, n_eff: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact per-area mean and variance of o = 100 (Y_08 - Y_06) / Y_06 (%).

    Y_08 and Y_06 are independent, so E[o] = 100 (E[Y_08] E[1/Y_06] - 1) and
    Var(o) = 1e4 (E[Y_08^2] E[1/Y_06^2] - (E[Y_08] E[1/Y_06])^2), the inverse moments
    summed over the binomial distribution of K_06 >= 1 (K_06 = 0 is excluded by the
    caller's level check: its probability is below 1e-12).
    """
    p06 = np.asarray(levels_2006, dtype=float) / 100.0
    p08 = np.asarray(levels_2008, dtype=float) / 100.0
    k = np.arange(1, n_eff + 1)
    pmf = stats.binom.pmf(k[None, :], n_eff, p06[:, None])
    y = 100.0 * k / n_eff
    inv1 = pmf @ (1.0 / y)
    inv2 = pmf @ (1.0 / y**2)
    m08 = 100.0 * p08
    m08_sq = 1e4 * (p08 * (1 - p08) / n_eff + p08**2)
    mean = 100.0 * (m08 * inv1 - 1.0)
    var = 1e4 * (m08_sq * inv2 - (m08 * inv1) ** 2)
    return mean, var


def survey_variance_delta(levels_2006, levels_2008, n_eff: int) -> np.ndarray:
    """Delta-method variance of the % change: 1e4 [V_08 / T_06^2 + T_08^2 V_06 / T_06^4],
    V_t = T_t (100 - T_t) / n_eff (levels T in %), the audit's p (1 - p) / n_eff propagated."""
    t06 = np.asarray(levels_2006, dtype=float)
    t08 = np.asarray(levels_2008, dtype=float)
    v06, v08 = t06 * (100 - t06) / n_eff, t08 * (100 - t08) / n_eff
    return 1e4 * (v08 / t06**2 + t08**2 * v06 / t06**4)


def _levels(levels, n, name):
    if levels is None:
        raise ValueError(f"error model 'survey_sampling' needs {name}")
    p = np.asarray(levels, dtype=float)
    if p.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {p.shape}")
    if not (np.isfinite(p) & (p > 0) & (p < 100)).all():
        raise ValueError(f"{name}: true levels must lie strictly between 0 and 100 (%)")
    return p
