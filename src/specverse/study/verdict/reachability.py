"""Reachability: with no effect of targets, which (share_from_2008, sd_change) give the
published Model 3 slope and R^2?

The other parameters sit at stated reference values (no selection on the baseline; the
non-2008 targets set from the published 2006 figure unless ``share_true_level`` says
otherwise; the reference design effect; ``sd_level_2006`` at the centre of its prior).

**Analytic expectation** (derivation in docs/verdict.md).  Per area, condition on the
published 2006 figure's deviation ``xi = x - mu`` (``mu`` the expected true 2006 level,
``var xi = tau^2 + s2_06``): the outcome ``o = 100 (y08 - x) / x`` and each rule's stretch
are then linear in independent normals (the 2008 sampling error, the 2006 sampling error
given ``xi``, the stretch/uplift draws), so their conditional means, variances and
covariances are closed-form; Gauss-Hermite quadrature over ``xi`` gives the exact
(to quadrature error) per-area moments ``E[Z_i], E[Z_i^2], E[Z_i o_i], E[o_i], Var o_i``
of a target area's stretch ``Z`` (a mixture over the rules, with each rule calibrated to
Table 1 as in the simulator).  Target status is independent of everything (no selection),
so with ``pi`` the share of Model 3's rows with a published target and M the residual
maker of the controls on Model 3's rows,

    E[s'Mo] = pi sum_i M_ii Cov(Z_i, o_i) + pi zeta'M omega
    E[s'Ms] = pi sum_i M_ii E[Z_i^2] + pi2 (zeta'M zeta - sum_i M_ii zeta_i^2)

(``zeta, omega`` the vectors of E[Z_i], E[o_i]; ``pi2`` the pairwise inclusion share),
averaged over random Model 3 row sets.  The expected slope is taken as their ratio and
``R^2 = 1 - E[SSR] / E[TSS]`` with ``E[SSR] = (E[o'Mo] - E[s'Mo]^2 / E[s'Ms]) (tr M - 1) / tr M``:
ratio-of-expectations approximations with errors of order 1/n.  With one target rule
and no controls this reduces to ``beta_b = Var(o) / Var(s)`` for rule (b) (the outcome is
part of the stretch) and ``beta_d = 1e4 s2_06 / x^2 / Var(s)`` for rule (d).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.engine import residual_maker, stream

from .model import Design
from .published import SUMMARY_NAMES
from .summaries import simulate_summaries

GH_NODES = 40
MASKS = 48


def _reference(design: Design, share: float, sd_change: float, ref: dict) -> dict:
    """Per-area quantities of the no-effect model at one grid point."""
    y = design.ni1_2008
    n_eff = design.respondents / ref["design_effect"]
    V = float(design.level_variance(ref["design_effect"])[0])
    A = y.mean() + np.sqrt(V / y.var()) * (y - y.mean())
    rho = np.clip((V + sd_change**2 - ref["sd_level_2006"] ** 2) / (2 * sd_change * np.sqrt(V)), -1, 1)
    beta, tau2 = rho * sd_change / np.sqrt(V), sd_change**2 * (1 - rho**2)
    mu = A - (y.mean() - design.mean_2006) - beta * (A - y.mean())
    s2_06 = (mu * (100 - mu) - tau2) / n_eff
    Ac = np.clip(A, 1, 99)
    return {"A": A, "mu": mu, "s2_06": s2_06, "s2_08": Ac * (100 - Ac) / n_eff, "vxi": tau2 + s2_06}


def expected_floor(gap: float, sd: float) -> float:
    """``E[max(gap + sd Z, 0)]`` for standard normal Z: the simulator floors each world's
    leftover variance ``s*^2 - var`` at 0, and the realised ``var`` varies between worlds
    (sd about ``var sqrt(2 / (n - 1))``), so the expected leftover is not ``max(gap, 0)``."""
    from scipy.stats import norm

    if sd <= 0:
        return max(gap, 0.0)
    return float(sd * norm.pdf(gap / sd) + gap * norm.cdf(gap / sd))


def area_moments(design: Design, share: float, sd_change: float, ref: dict) -> dict:
    """Per-area E[Z], E[Z^2], Cov(Z, o), E[o], Var(o) of a target area, no effect."""
    r = _reference(design, share, sd_change, ref)
    t, wk = np.polynomial.hermite_e.hermegauss(GH_NODES)
    wk = wk / wk.sum()
    xi = np.sqrt(r["vxi"])[:, None] * t[None, :]  # (N, K)
    x = r["mu"][:, None] + xi
    kappa = (r["s2_06"] / r["vxi"])[:, None]
    w_e = r["s2_06"][:, None] * (1 - kappa)  # var of e06 given xi
    s2_08 = r["s2_08"][:, None]
    a = 100 * (r["A"][:, None] - x) / x  # E[o | xi]

    def E(f):
        return f @ wk

    def cov(f, g):
        return E(f * g) - E(f) * E(g)

    omega, var_o = E(a), E(1e4 * s2_08 / x**2) + cov(a, a)
    n_t = design.n_target
    shrink = (n_t - 1) / n_t  # the simulator calibrates on ddof-0 moments of n_t areas

    def pooled(mean_i, var_i):
        return mean_i.mean(), shrink * (var_i.mean() + mean_i.var())

    m_star, v_star = design.stretch_mean, design.stretch_sd**2
    # rule (b): uplift calibrated as in the simulator (b_on = 0, effect 0)
    mu_o, v_o = pooled(omega, var_o)
    inv_x, inv_x2 = E(1 / x).mean(), E(1 / x**2).mean()
    m_u = (m_star - mu_o) / (100 * inv_x)
    spread = np.sqrt(2 / (n_t - 1))
    v_u = expected_floor(v_star - v_o, v_o * spread) / (1e4 * inv_x2)
    Eb = a + 100 * m_u / x
    b = (E(Eb), E(1e4 * (s2_08 + v_u) / x**2) + cov(Eb, Eb), E(1e4 * s2_08 / x**2) + cov(Eb, a))
    # rule (d): r_d = -100 e06 / x, s = s_d - e06 (100 + s_d) / x
    rd_mean, rd_var = E(-100 * kappa * xi / x), E(1e4 * w_e / x**2) + cov(-100 * kappa * xi / x, -100 * kappa * xi / x)
    mu_d, v_d_r = pooled(rd_mean, rd_var)
    ratio = E(1 - kappa * xi / x).mean()
    ratio2 = E((1 - kappa * xi / x) ** 2 + w_e / x**2).mean()
    m_d = (m_star - mu_d) / ratio
    v_d = expected_floor(v_star - v_d_r, v_d_r * spread) / ratio2
    c = 100 + m_d
    Ed = m_d - kappa * xi * c / x
    Vd = v_d + ((w_e + (kappa * xi) ** 2) * (c**2 + v_d) - (kappa * xi * c) ** 2) / x**2 - 2 * kappa * xi * v_d / x
    d = (E(Ed), E(Vd) + cov(Ed, Ed), cov(Ed, a))
    a_rule = (np.full(design.n, m_star), np.full(design.n, v_star), np.zeros(design.n))
    q_b = share
    q_d = (1 - share) * ref["share_true_level"]
    q_a = 1 - q_b - q_d
    zeta = q_a * a_rule[0] + q_d * d[0] + q_b * b[0]
    ez2 = sum(q * (v + m**2) for q, (m, v, _) in ((q_a, a_rule), (q_d, d), (q_b, b)))
    ezo = sum(q * (cv + m * omega) for q, (m, _, cv) in ((q_a, a_rule), (q_d, d), (q_b, b)))
    return {"zeta": zeta, "ez2": ez2, "cov_zo": ezo - zeta * omega, "omega": omega, "var_o": var_o}


def model3_masks(design: Design, seed: int, count: int = MASKS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random Model 3 row sets (the missing targets are a random subset when adoption is)
    with their residual makers M of [1, controls]."""
    rng = stream(seed, "verdict/reachability/masks")
    out = []
    for _ in range(count):
        mask = np.ones(design.n, bool)
        mask[rng.choice(design.n, design.n_missing, replace=False)] = False
        out.append((mask, residual_maker(design.controls, mask)))
    return out


def expected_slope_r2(design: Design, share: float, sd_change: float, ref: dict, masks) -> tuple[float, float]:
    """Analytic expected Model 3 stretch slope and R^2 with no effect of targets
    (``masks`` from :func:`model3_masks`)."""
    m = area_moments(design, share, sd_change, ref)
    n3 = design.n - design.n_missing
    pi = design.n_target - design.n_missing
    pi2 = pi * (pi - 1) / (n3 * (n3 - 1))
    pi = pi / n3
    num = den = omo = tss = trace = 0.0
    for mask, M in masks:
        dM = np.diag(M)
        z, o = m["zeta"][mask], m["omega"][mask]
        num += pi * dM @ m["cov_zo"][mask] + pi * z @ M @ o
        den += pi * dM @ m["ez2"][mask] + pi2 * (z @ M @ z - dM @ z**2)
        omo += dM @ m["var_o"][mask] + o @ M @ o
        tss += (1 - 1 / n3) * m["var_o"][mask].sum() + n3 * o.var()
        trace += dM.sum()
    k = len(masks)
    num, den, omo, tss, trace = num / k, den / k, omo / k, tss / k, trace / k
    ssr = (omo - num**2 / den) * (trace - 1) / trace
    return num / den, 1 - ssr / tss


def reachability(design: Design, *, shares, sd_changes, worlds: int, ref: dict, seed: int,
                 published_slope: float, published_se: float, published_r2: float) -> pd.DataFrame:
    """The long table: one row per (share_from_2008, sd_change)."""
    masks = model3_masks(design, seed)
    grid = [(float(q), float(s)) for s in sd_changes for q in shares]
    n = len(grid) * worlds
    params = {
        "effect_stretch": np.zeros(n), "effect_target_on": np.zeros(n),
        "share_from_2008": np.repeat([g[0] for g in grid], worlds),
        "share_true_level": np.full(n, ref["share_true_level"]),
        "selection_on_baseline": np.zeros(n),
        "sd_change": np.repeat([g[1] for g in grid], worlds),
        "sd_level_2006": np.full(n, ref["sd_level_2006"]),
        "design_effect": np.full(n, ref["design_effect"]),
    }
    chunks = []
    for i in range(0, n, 1000):
        part = {k: v[i:i + 1000] for k, v in params.items()}
        chunks.append(simulate_summaries(design, part, stream(seed, f"verdict/reachability/{i}")))
    S = np.concatenate(chunks).reshape(len(grid), worlds, len(SUMMARY_NAMES))
    j_slope, j_r2 = SUMMARY_NAMES.index("m3_stretch_coef"), SUMMARY_NAMES.index("m3_r2")
    j_ssd = SUMMARY_NAMES.index("t1_stretch_sd")
    lower = published_slope - 1.645 * published_se
    rows = []
    for g, (q, s) in enumerate(grid):
        ok = np.isfinite(S[g]).all(axis=1)
        slope, r2 = S[g, ok, j_slope], S[g, ok, j_r2]
        a_slope, a_r2 = expected_slope_r2(design, q, s, ref, masks)
        rows.append({
            "share_from_2008": q, "sd_change": s,
            "slope_analytic": a_slope, "r2_analytic": a_r2,
            "slope_simulated": slope.mean(), "slope_mc_se": slope.std(ddof=1) / np.sqrt(ok.sum()),
            "r2_simulated": r2.mean(), "r2_mc_se": r2.std(ddof=1) / np.sqrt(ok.sum()),
            "p_slope_ge_published": np.mean(slope >= published_slope),
            "p_slope_ge_lower_bound": np.mean(slope >= lower),
            "p_r2_ge_published": np.mean(r2 >= published_r2),
            "stretch_sd_simulated": S[g, ok, j_ssd].mean(),
            "worlds": int(ok.sum()),
            "published_slope": published_slope, "lower_bound_slope": lower, "published_r2": published_r2,
            **{f"reference_{k}": v for k, v in ref.items()},
        })
    return pd.DataFrame(rows)
