"""The verdict's generative model (specverse.study.verdict.model, .priors): Table 1 moments
at the prior's centre, feasibility of the change parameters, the rule-(b) closed form,
the 2008 anchoring under effects, adoption and missingness counts, selection on the
baseline, the spike-and-slab priors, and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from _verdict_fixtures import centre_params, prepared
from specverse.engine import stream
from specverse.study.verdict.model import RULE_B, RULE_D, simulate_worlds, solve_rule_b
from specverse.study.verdict.priors import BoxPrior, PriorError, build_priors, check_feasible
from specverse.study.verdict.published import SUMMARY_NAMES
from specverse.study.verdict.summaries import simulate_summaries


def col(S, name):
    return S[:, SUMMARY_NAMES.index(name)]


def test_table1_moments_near_the_published_at_the_prior_centre():
    published, _, design, _, _ = prepared()
    S = simulate_summaries(design, centre_params(1500), stream(1, "t/moments"))
    assert np.isfinite(S).all()
    pub = published.summaries
    mc = lambda v: v.std(ddof=1) / np.sqrt(len(v))  # noqa: E731
    x_mean = col(S, "t1_ni1_2006_mean")
    assert abs(x_mean.mean() - pub["t1_ni1_2006_mean"]) < 4 * mc(x_mean) + 0.02
    # sd of the published figure = sqrt(sd_level^2 + mean sampling variance) ~ Table 1's 6.94
    x_sd = col(S, "t1_ni1_2006_sd")
    assert abs(x_sd.mean() - pub["t1_ni1_2006_sd"]) < 0.1
    # the stretch rules are calibrated to Table 1's implied target-area moments
    assert abs(col(S, "t1_stretch_mean").mean() - pub["t1_stretch_mean"]) < 0.05
    assert abs(col(S, "t1_stretch_sd").mean() - pub["t1_stretch_sd"]) < 0.15
    # the 2008 figures keep the real mean and spread
    assert abs(col(S, "t1_ni1_2008_mean").mean() - pub["t1_ni1_2008_mean"]) < 0.05
    assert abs(col(S, "t1_ni1_2008_sd").mean() - pub["t1_ni1_2008_sd"]) < 0.1
    assert (col(S, "t1_target_on_mean") == 86 / 150).all() and (col(S, "m3_n") == 131).all()


def test_change_parameters_are_feasible_on_the_whole_prior_box():
    _, _, design, priors, _ = prepared()
    corners = [(s, l, d) for s in (priors["sd_change"].low, priors["sd_change"].high)
               for l in (priors["sd_level_2006"].low, priors["sd_level_2006"].high)
               for d in (priors["design_effect"].low, priors["design_effect"].high)]
    for sd_c, sd_l, deff in corners:
        V = design.level_variance(deff)[0]
        rho = (V + sd_c**2 - sd_l**2) / (2 * sd_c * np.sqrt(V))
        assert -1 <= rho <= 1
        # the simulated true 2006 levels have the requested spread (no effects)
        p = centre_params(400, sd_change=sd_c, sd_level_2006=sd_l, design_effect=deff)
        w = simulate_worlds(design, p, stream(2, f"t/feasible/{sd_c}/{sd_l}/{deff}"))
        assert abs(w.true_2006.std(axis=1).mean() - sd_l) < 0.06
        change = w.level_no_effect - w.true_2006
        assert abs(change.std(axis=1).mean() - sd_c) < 0.06


def test_infeasible_prior_boxes_are_refused():
    _, _, design, priors, centre = prepared()
    V = design.level_variance(np.array([1.0, 2.5]))
    bounds = (float(np.sqrt(V.min())), float(np.sqrt(V.max())))
    check_feasible(priors, bounds)
    bad = build_priors({"sd_change": {"low": 0.2}}, (centre - 0.9, centre + 0.9))
    with pytest.raises(PriorError, match="sd_change low"):
        check_feasible(bad, bounds)
    with pytest.raises(PriorError, match=r"unknown parameter\(s\) \['effect'\]"):
        build_priors({"effect": {"low": 0}}, (5, 7))
    with pytest.raises(PriorError, match="only the two effects take a spike"):
        build_priors({"sd_change": {"spike": 0.2}}, (5, 7))


def test_rule_b_closed_form_equals_the_iterated_solution():
    rng = np.random.default_rng(3)
    n = 500
    T06 = rng.uniform(60, 85, n)
    x = T06 + rng.normal(0, 1.6, n)
    e08 = rng.normal(0, 1.6, n)
    u = rng.normal(2, 3, n)
    b_on, b_s = rng.uniform(-2, 3, n), rng.uniform(-0.5, 0.85, n)
    K = T06 - rng.normal(2, 3, n) + T06 * b_on / 100
    closed, g = solve_rule_b(K, T06, x, e08, u, b_s)
    T08 = K.copy()
    for _ in range(2000):  # fixed point: T08 = K + T06 b_s s / 100, s = 100 (T08 + e08 + u - x) / x
        T08 = K + T06 * b_s * (T08 + e08 + u - x) / x
    assert np.max(np.abs(closed - T08)) < 1e-9
    assert np.allclose(g, b_s * T06 / x)


def test_simulated_rule_b_areas_satisfy_the_joint_equations():
    _, _, design, _, _ = prepared()
    p = centre_params(200, effect_stretch=0.6, effect_target_on=1.0, share_from_2008=0.7)
    w = simulate_worlds(design, p, stream(4, "t/ruleb"))
    on = w.target_on
    implied = w.level_no_effect + w.true_2006 * on * (1.0 + 0.6 * w.stretch) / 100
    assert np.allclose(w.true_2008, implied, atol=1e-9)  # every rule: effect equation holds
    b = w.rule == RULE_B
    target = w.y08 + w.uplift
    assert np.allclose(w.stretch[b], 100 * (target[b] - w.x[b]) / w.x[b], atol=1e-9)
    assert b.any() and (w.rule == RULE_D).any()


def test_effects_keep_the_2008_mean_and_spread():
    published, _, design, _, _ = prepared()
    pub = published.summaries
    p = centre_params(800, effect_stretch=0.651, effect_target_on=0.5, share_from_2008=0.0)
    S = simulate_summaries(design, p, stream(5, "t/anchor"))
    ok = np.isfinite(S).all(axis=1)  # a rare world puts a 2006 figure above 100: impossible
    assert ok.mean() > 0.99
    S = S[ok]
    assert abs(col(S, "t1_ni1_2008_mean").mean() - pub["t1_ni1_2008_mean"]) < 0.08
    assert abs(col(S, "t1_ni1_2008_sd").mean() - pub["t1_ni1_2008_sd"]) < 0.1
    assert abs(col(S, "t1_stretch_sd").mean() - pub["t1_stretch_sd"]) < 0.15
    # the planted effect shows in Model 3 (rules a and d; rule d adds a little RTM slope)
    assert 0.6 < col(S, "m3_stretch_coef").mean() < 0.8
    # With targets from 2008 a strong effect feeds back on itself: the measured stretch must
    # then be wider than Table 1's (and the 2008 spread grows), which the summaries penalise.
    p = centre_params(800, effect_stretch=0.651, share_from_2008=0.6)
    S = simulate_summaries(design, p, stream(5, "t/anchor/b"))
    S = S[np.isfinite(S).all(axis=1)]
    assert col(S, "t1_stretch_sd").mean() > pub["t1_stretch_sd"] + 1.0


def test_adoption_missingness_and_selection_on_the_baseline():
    _, _, design, _, _ = prepared()
    for gamma in (0.0, 2.0):
        w = simulate_worlds(design, centre_params(300, selection_on_baseline=gamma), stream(6, f"t/sel/{gamma}"))
        assert (w.target_on.sum(axis=1) == design.n_target).all()
        missing = w.target_on & ~w.known
        assert (missing.sum(axis=1) == design.n_missing).all()
        gap = np.array([w.x[r][w.target_on[r]].mean() - w.x[r][~w.target_on[r]].mean() for r in range(300)])
        if gamma == 0:
            assert abs(gap.mean()) < 4 * gap.std(ddof=1) / np.sqrt(300)
        else:  # low published 2006 figures adopt
            assert gap.mean() < -5


def test_spike_and_slab_prior_and_determinism():
    _, _, design, priors, _ = prepared()
    prior = BoxPrior(priors)
    rng = stream(7, "t/prior")
    X = prior.low + (prior.high - prior.low) * rng.random((20000, len(prior.names)))
    P = prior.natural(X)
    zero = P["effect_stretch"] == 0
    assert abs(zero.mean() - priors["effect_stretch"].spike) < 0.02
    slab = P["effect_stretch"][~zero]
    assert slab.min() >= -0.5 and slab.max() <= 1.0 and abs(slab.mean() - 0.25) < 0.02
    a = simulate_summaries(design, centre_params(50), stream(8, "t/det"))
    b = simulate_summaries(design, centre_params(50), stream(8, "t/det"))
    assert np.array_equal(a, b)
