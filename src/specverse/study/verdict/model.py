"""The generative model of the study, vectorised over R simulated studies x N areas.

One simulated study ("world") given the parameters of :mod:`.priors` (docs/verdict.md
has the full statement and the reasons); ``s2(p) = p (100 - p) / n_eff`` is the binomial
sampling variance of a survey figure at level p, ``n_eff = respondents / design_effect``.

1. True 2008 levels: the real 2008 figures ``y`` shrunk toward their mean so that their
   variance is ``V = var(y) - mean(s2(y))`` (sampling error deconvolved).  The level each
   area would have had *without* any target effect, ``A``, gives up the effects' expected
   mean ``ebar`` and variance ``var_eff`` (:func:`effect_moments`): ``mean A = mean y - ebar``
   and ``var A = V - var_eff``, so with the effects added the 2008 levels keep the real
   mean and spread whatever the effects (the real figures are data; the no-effect levels
   are not observed).
2. True 2006 levels ``T06 = A - D``; the change ``D = delta + beta (A - mean A) + tau nu``
   has sd ``sd_change`` and correlation ``rho`` with the level, where ``rho`` is the one
   that gives the 2006 levels the sd ``sd_level_2006``:
   ``rho = (var A + sd_change^2 - sd_level_2006^2) / (2 sd_change sd A)`` (feasible for the
   whole prior box, :func:`.priors.check_feasible`); ``delta = mean A - Table 1's mean
   2006 figure``, so the 2006 figures have Table 1's mean.
3. Published 2006 figure ``x = T06 + e06``, ``e06 ~ N(0, s2(T06))`` (normal approximation
   to the binomial; skewness about .02 at n_eff ~ 700).
4. Adoption: exactly ``n_target`` areas, drawn without replacement with weights
   ``exp(selection_on_baseline z)``, ``z = -(x - mean x) / sd x`` (Gumbel top-k);
   ``n_missing`` of them, at random, have no published target value.
5. Target rule per target area: from the 2008 figure (b) with probability
   ``share_from_2008``; else from the true level (d) with probability
   ``share_true_level``; else from the published 2006 figure (a).  Each rule is
   calibrated, per world, so that its *measured* stretch ``100 (T - x) / x`` has Table 1's
   implied mean ``m*`` and sd ``s*`` among target areas: (a) ``T = x (1 + s/100)``,
   ``s ~ N(m*, s*^2)``; (d) ``T = T06 (1 + s_d/100)``; (b) ``T = y08 + u`` points.  The (d)
   and (b) spreads take what the sampling error or the outcome leave of ``s*^2`` (none if
   nothing is left, and the stretch is then wider than Table 1's).
6. Effects, linear in percent terms: the true % change gains
   ``target_on (effect_target_on + effect_stretch s)``, i.e. the 2008 level is
   ``T08 = A + T06 target_on (effect_target_on + effect_stretch s) / 100``, and the 2008
   figure ``y08 = T08 + e08``, ``e08 ~ N(0, s2)`` at the area's true 2008 level.  Under
   rule (b) the stretch depends on ``y08`` and ``y08`` on the stretch: :func:`solve_rule_b`
   solves the pair in closed form.  A world whose feedback gain reaches ``MAX_GAIN``, or
   whose figures leave (0, 100), is impossible (``valid`` False; never accepted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .anchor import Anchor
from .published import Published

#: Largest rule-(b) feedback gain g = effect_stretch T06 / x a world may have.
MAX_GAIN = 0.95
RULE_NONE, RULE_A, RULE_D, RULE_B = 0, 1, 2, 3


@dataclass(frozen=True)
class Design:
    """What every simulated study shares: the real 2008 figures, controls and counts."""

    ni1_2008: np.ndarray
    controls: np.ndarray
    respondents: int
    n_target: int
    n_missing: int
    mean_2006: float  # Table 1
    stretch_mean: float  # m*
    stretch_sd: float  # s*

    @classmethod
    def from_inputs(cls, anchor: Anchor, published: Published, respondents: int) -> "Design":
        if anchor.n != published.n_areas:
            raise ValueError(
                f"the analysis data have {anchor.n} areas but the published Model 1/2 N is "
                f"{published.n_areas} ({published.directory}); the verdict needs the same areas"
            )
        return cls(anchor.ni1_2008, anchor.controls, int(respondents), published.n_target,
                   published.n_missing, published.summaries["t1_ni1_2006_mean"],
                   published.stretch_mean_target, published.stretch_sd_target)

    @property
    def n(self) -> int:
        return len(self.ni1_2008)

    def level_variance(self, design_effect) -> np.ndarray:
        """V: variance of the true 2008 levels for each design effect (ddof 0)."""
        y = self.ni1_2008
        n_eff = self.respondents / np.atleast_1d(np.asarray(design_effect, float))
        return y.var() - np.mean(y * (100 - y)) / n_eff


def level_band(design: Design, sd_2006: float, design_effect: float, halfwidth: float) -> tuple[float, float]:
    """Default prior interval of ``sd_level_2006``: Table 1's 2006 sd less the sampling
    variance at the 2006 mean (at the given design effect), +/- ``halfwidth``."""
    m = design.mean_2006
    s2 = m * (100 - m) * design_effect / design.respondents
    centre = float(np.sqrt(max(sd_2006**2 - s2, 1e-6)))
    return max(centre - halfwidth, 0.1), centre + halfwidth


@dataclass
class Worlds:
    """R simulated studies; arrays are (R, N) unless noted."""

    x: np.ndarray  # published 2006 figure
    y08: np.ndarray  # 2008 survey figure
    outcome: np.ndarray  # 100 (y08 - x) / x
    target_on: np.ndarray  # bool
    known: np.ndarray  # bool: target area with a published target value
    stretch: np.ndarray  # measured stretch 100 (T - x) / x; 0 without a target
    rule: np.ndarray  # RULE_* per area
    true_2006: np.ndarray
    true_2008: np.ndarray
    level_no_effect: np.ndarray  # A: the 2008 level without any target effect
    uplift: np.ndarray  # rule (b)'s uplift in points (drawn for every area)
    valid: np.ndarray  # (R,)


def _top_k(keys: np.ndarray, k: int) -> np.ndarray:
    """Boolean (R, N): the k largest keys of each row."""
    out = np.zeros(keys.shape, bool)
    if k > 0:
        idx = np.argpartition(-keys, k - 1, axis=1)[:, :k]
        np.put_along_axis(out, idx, True, axis=1)
    return out


def _masked_moments(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row means and variances (ddof 0) of ``values`` over ``mask``."""
    n = mask.sum(axis=1)
    mean = np.where(mask, values, 0.0).sum(axis=1) / n
    var = np.where(mask, (values - mean[:, None]) ** 2, 0.0).sum(axis=1) / n
    return mean, var


def solve_rule_b(K, true_2006, x, e08, uplift, effect_stretch):
    """Closed-form 2008 level of an area whose target is its 2008 figure plus ``uplift``.

    The effect equation ``T08 = K + T06 effect_stretch s / 100`` (``K = A + T06
    effect_on / 100``: the level without the stretch effect) and the stretch
    ``s = 100 (y08 + u - x) / x`` with ``y08 = T08 + e08`` are linear in ``T08``:

        T08 = (K + g (e08 + u - x)) / (1 - g),   g = effect_stretch T06 / x,

    and then ``s = s0 / (1 - g)`` with ``s0 = 100 (K + e08 + u - x) / x`` (the stretch the
    target would have without the feedback): the feedback multiplies it by ``1 / (1 - g)``.
    Returns ``(T08, g)``; ``g`` near 1 has no sensible solution (see MAX_GAIN).
    """
    g = effect_stretch * true_2006 / x
    return (K + g * (e08 + uplift - x)) / (1.0 - g), g


def effect_moments(design: Design, effect_on, effect_stretch):
    """Mean and variance across areas of the effect in NI1 points (first order).

    Every rule's *measured* stretch is calibrated to Table 1's (m*, s*^2), so an area's
    effect ``T06 target_on (effect_on + effect_stretch s) / 100`` has, with ``c`` the
    mean 2006 level / 100 and ``p`` the share of target areas, mean
    ``ebar = c p mu1`` (``mu1 = effect_on + effect_stretch m*``) and variance
    ``c^2 (p (effect_stretch^2 s*^2 + mu1^2) - (p mu1)^2)``.
    """
    c, p = design.mean_2006 / 100, design.n_target / design.n
    mu1 = effect_on + effect_stretch * design.stretch_mean
    ebar = c * p * mu1
    var = c**2 * (p * (effect_stretch**2 * design.stretch_sd**2 + mu1**2) - (p * mu1) ** 2)
    return ebar, var


def simulate_worlds(design: Design, params: dict, rng: np.random.Generator) -> Worlds:
    """Simulate ``R = len(params[...])`` studies; ``rng`` is an engine stream."""
    p = {k: np.asarray(v, float)[:, None] for k, v in params.items()}
    R, N = len(params["effect_stretch"]), design.n
    z = rng.standard_normal((5, R, N))  # change, e06, e08, stretch, uplift
    u = rng.random((3, R, N))  # adoption (Gumbel), missingness, rule
    y = design.ni1_2008[None, :]
    ybar, var_y = y.mean(), y.var()
    n_eff = design.respondents / p["design_effect"]
    b_on, b_s = p["effect_target_on"], p["effect_stretch"]
    # True 2008 levels: the real figures less the sampling variance (V); the no-effect
    # levels A give up the effect's mean and variance so the 2008 levels keep the real ones.
    V = design.level_variance(params["design_effect"])[:, None]
    ebar, var_eff = effect_moments(design, b_on, b_s)
    k2 = 1.0 - var_eff / np.where(V > 0, V, 1.0)
    valid = (V[:, 0] > 0) & (k2[:, 0] > 0)
    V0 = np.where(valid[:, None], k2 * V, 1.0)
    A_obs = ybar + np.sqrt(np.clip(V, 0, None) / var_y) * (y - ybar)
    A = ybar - ebar + np.sqrt(V0 / var_y) * (y - ybar)
    # Change: sd sd_change, correlation rho with the level, 2006 sd sd_level_2006.
    sd_c, sd_l, sd_a = p["sd_change"], p["sd_level_2006"], np.sqrt(V0)
    rho = np.clip((V0 + sd_c**2 - sd_l**2) / (2 * sd_c * sd_a), -1.0, 1.0)
    beta, tau = rho * sd_c / sd_a, sd_c * np.sqrt(1 - rho**2)
    A_mean = ybar - ebar
    T06 = A - (A_mean - design.mean_2006) - beta * (A - A_mean) - tau * z[0]
    T06c = np.clip(T06, 1.0, 99.0)
    x = T06 + np.sqrt(T06c * (100 - T06c) / n_eff) * z[1]
    # Adoption (Plackett-Luce by Gumbel top-k) and missing target values.
    zx = -(x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    gumbel = -np.log(-np.log(np.clip(u[0], 1e-300, 1.0 - 1e-16)))
    on = _top_k(p["selection_on_baseline"] * zx + gumbel, design.n_target)
    missing = _top_k(np.where(on, u[1], -1.0), design.n_missing)
    q_b = p["share_from_2008"]
    q_d = (1 - q_b) * p["share_true_level"]
    rule = np.where(u[2] < q_b, RULE_B, np.where(u[2] < q_b + q_d, RULE_D, RULE_A))
    rule = np.where(on, rule, RULE_NONE)
    # Each rule's measured stretch calibrated to Table 1's (m*, s*^2) among target areas.
    Oc = np.clip(A_obs, 1.0, 99.0)
    e08 = np.sqrt(Oc * (100 - Oc) / n_eff) * z[2]
    m_star, v_star = design.stretch_mean, design.stretch_sd**2
    stretch_a = m_star + np.sqrt(v_star) * z[3]
    r_d = 100 * (T06 - x) / x  # rule (d): the sampling error's part of the stretch
    mu_d, var_d = _masked_moments(r_d, on)
    ratio, var_ratio = _masked_moments(T06 / x, on)
    s_d = ((m_star - mu_d) / ratio)[:, None] + np.sqrt(
        np.maximum(v_star - var_d, 0) / (var_ratio + ratio**2))[:, None] * z[3]
    stretch_d = r_d + s_d * T06 / x
    # Rule (b): the measured stretch is s0 / (1 - g) (see solve_rule_b), so s0 is calibrated
    # to (m* (1 - b), s*^2 (1 - b)^2), b = effect_stretch; s0 = o_K + 100 u / x.
    shrink = np.clip(1 - b_s[:, 0], 0.0, None)
    K = A + T06 * b_on / 100
    mu_k, var_k = _masked_moments(100 * (K + e08 - x) / x, on)
    inv_x, var_inv = _masked_moments(1 / x, on)
    uplift = ((m_star * shrink - mu_k) / (100 * inv_x))[:, None] + np.sqrt(
        np.maximum(v_star * shrink**2 - var_k, 0) / (1e4 * (var_inv + inv_x**2)))[:, None] * z[4]
    # Effects (percent terms) and the 2008 figure; rule (b) solved jointly.
    T08_b, gain = solve_rule_b(K, T06, x, e08, uplift, b_s)
    is_b = rule == RULE_B
    valid &= ~np.any(is_b & (gain >= MAX_GAIN), axis=1)
    stretch_ad = np.where(rule == RULE_D, stretch_d, stretch_a)
    T08 = np.where(is_b, T08_b, A + np.where(on, T06 * (b_on + b_s * stretch_ad) / 100, 0.0))
    y08 = T08 + e08
    stretch = np.where(is_b, 100 * (y08 + uplift - x) / x, np.where(on, stretch_ad, 0.0))
    valid &= np.all((x > 0) & (x < 100) & (y08 > 0) & (y08 < 100), axis=1)
    return Worlds(
        x=x, y08=y08, outcome=100 * (y08 - x) / x, target_on=on, known=on & ~missing,
        stretch=stretch, rule=rule, true_2006=T06, true_2008=T08, level_no_effect=np.broadcast_to(A, x.shape),
        uplift=uplift, valid=valid,
    )
