"""The analytic expectation of the paper's coefficients under a design (docs/audit.md):
exact per-area moments over the binomial distribution of the published 2006 figure."""

from __future__ import annotations

import numpy as np
from scipy import stats

from specverse.engine import residual_maker

from .anchor import Anchor
from .settings import AuditSettings, Design


def _area_moments(anchor: Anchor, design: Design, settings: AuditSettings):
    """Exact per-area E[s], Var(s), Cov(s, o), E[o] for the paper's stretch and pct change.

    Sums over the exact binomial distribution of the published 2006 figure x; given x,
    the stretch s and the outcome o = 100 (y08 - x) / x are linear in the independent
    stretch/uplift draws and the 2008 sampling error, whose moments are known.
    """
    n_eff = settings.n_eff
    k = np.arange(n_eff + 1)
    x = 100.0 * k / n_eff
    pmf = stats.binom.pmf(k[None, :], n_eff, anchor.true_2006[:, None] / 100.0)  # (n, K)
    x = np.where(x > 0, x, np.nan)[None, :]
    pmf = np.where(np.isfinite(x), pmf, 0.0)
    x = np.nan_to_num(x, nan=1.0)
    md, sd = anchor.stretch_points()
    vd = sd**2
    b = design.effect * anchor.target_on[:, None]
    m08 = anchor.true_2008[:, None] + b * md  # mean true 2008 level
    v_true = anchor.change_sd**2 + b**2 * vd  # its variance across replications
    # 2008 figure: binomial variance averaged over the true level, plus the level's variance.
    var08 = (m08 * (100 - m08) - v_true) / n_eff + v_true
    e_o = 100.0 * (m08 - x) / x
    var_o = 1e4 * var08 / x**2
    anchor_level = anchor.true_2006[:, None] if design.anchor_true_level else x
    # branch 0: target = anchor level + stretch; branch 1: target = y08 + uplift.
    e_s0 = 100.0 * (anchor_level - x + md) / x
    v_s0 = 1e4 * vd / x**2
    c_s0 = 1e4 * b * vd / x**2
    e_s1 = 100.0 * (m08 + anchor.uplift_mean - x) / x
    v_s1 = 1e4 * (var08 + anchor.uplift_sd**2) / x**2
    c_s1 = var_o
    q = design.share_from_2008
    e_s = (1 - q) * e_s0 + q * e_s1
    v_s = (1 - q) * v_s0 + q * v_s1 + q * (1 - q) * (e_s1 - e_s0) ** 2
    c_s = (1 - q) * c_s0 + q * c_s1

    def expect(a):
        return np.sum(pmf * a, axis=1)

    mean_s, mean_o = expect(e_s), expect(e_o)
    var_s = expect(v_s + e_s**2) - mean_s**2
    cov_so = expect(c_s + e_s * e_o) - mean_s * mean_o
    on = anchor.target_on
    return (np.where(on, mean_s, 0.0), np.where(on, var_s, 0.0), np.where(on, cov_so, 0.0), mean_o)


def expected_slope(anchor: Anchor, design: Design, settings: AuditSettings, treatment: str) -> float:
    """Analytic expectation of the paper's coefficient (pct_change, published baseline, full controls).

    ``treatment`` is ``"target_stretch"`` (Model 3) or ``"target_on"`` (Model 2).  With M the
    residual maker of [1, controls] on the model's rows and areas independent,
    E[s'Mo] = mu_s'M mu_o + sum_i M_ii Cov(s_i, o_i) and E[s'Ms] = mu_s'M mu_s + sum_i M_ii
    Var(s_i); the expectation is their ratio (first-order ratio approximation, error O(1/n)).
    For target_on the regressor is fixed, so t'M mu_o / t'M t is exact.
    """
    mean_s, var_s, cov_so, mean_o = _area_moments(anchor, design, settings)
    if treatment == "target_on":
        mask = np.ones(anchor.n, bool)
    elif treatment == "target_stretch":
        mask = anchor.target_known | ~anchor.target_on
    else:
        raise ValueError(f"expected_slope: unknown treatment {treatment!r}")
    M = residual_maker(anchor.controls, mask)
    mu_o = mean_o[mask]
    if treatment == "target_on":
        t = anchor.target_on[mask].astype(float)
        return float(t @ M @ mu_o / (t @ M @ t))
    mu_s, diag = mean_s[mask], np.diag(M)
    return float((mu_s @ M @ mu_o + diag @ cov_so[mask]) / (mu_s @ M @ mu_s + diag @ var_s[mask]))
