"""ABC-SMC of the verdict (specverse.study.verdict.inference, .sampler): the batched
sampler's distances and weights equal pyabc's own, runs are deterministic, and two known
worlds are recovered from their own simulated "published tables"."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pyabc

from _verdict_fixtures import SEED, centre_params, prepared
from specverse.engine import stream
from specverse.engine.legacy_seed import legacy_global_seeded
from specverse.study.verdict.inference import AbcSettings, run_abc
from specverse.study.verdict.posterior import effective_prior, weighted_quantile
from specverse.study.verdict.priors import BoxPrior, build_priors
from specverse.study.verdict.published import DISTANCE_SUMMARIES, SUMMARY_NAMES
from specverse.study.verdict.sampler import BatchedSampler
from specverse.study.verdict.summaries import simulate_summaries

SMALL = AbcSettings(population_size=120, max_generations=3, batch_size=120)


def test_batched_distances_and_kernel_density_equal_pyabcs():
    _, _, _, priors, _ = prepared()
    prior = BoxPrior(priors)
    names = list(DISTANCE_SUMMARIES)
    rng = np.random.default_rng(1)
    S = rng.normal(size=(50, len(names)))
    x0 = dict(zip(names, rng.normal(size=len(names))))
    weights = dict(zip(names, rng.uniform(0.5, 2, len(names))))
    sampler = BatchedSampler(None, prior, names)
    for p in (1, 2, np.inf):
        dist = pyabc.PNormDistance(p=p, fixed_weights=weights)
        dist.initialize(0, lambda: [], x0, 0)
        kw = {"distance_function": dist, "x_0": x0, "acceptor": pyabc.UniformAcceptor(), "eps": pyabc.ConstantEpsilon(1.0)}
        d = sampler._distances(S, np.full((50, len(prior.names)), 0.5), kw, 0, check=True)
        ref = [dist(dict(zip(names, row)), x0, 0) for row in S]
        assert np.allclose(d, ref, rtol=1e-12, atol=0)
    # the importance weights' kernel density
    with legacy_global_seeded(1, "t/kde"):
        particles = pd.DataFrame(prior.rvs_array(200), columns=prior.names)
        w = rng.uniform(size=200)
        kernel = pyabc.MultivariateNormalTransition()
        kernel.fit(particles.sample(frac=1.0, axis=1, random_state=0), w / w.sum())  # columns reordered
        X = prior.rvs_array(25)
    got = sampler._transition_density(kernel, X)
    ref = kernel.pdf(pd.DataFrame(X, columns=prior.names))
    assert np.allclose(got, ref, rtol=1e-10, atol=0)


def test_two_runs_give_the_identical_posterior_and_leave_numpy_state_alone():
    published, _, design, priors, _ = prepared()
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = run_abc(design, priors, published, SMALL, SEED, identity="t/det")
    assert np.array_equal(np.random.get_state()[1], before)
    b = run_abc(design, priors, published, SMALL, SEED, identity="t/det")
    pd.testing.assert_frame_equal(a.latent, b.latent)
    assert np.array_equal(a.weights, b.weights) and a.simulated == b.simulated
    c = run_abc(design, priors, published, SMALL, SEED + 1, identity="t/det")
    assert not a.latent.equals(c.latent)
    assert len(a.generations) == 3 and np.isclose(a.weights.sum(), 1.0)


def synthetic(theta: dict, key: str):
    """The 'published tables' one study of a known world prints (the real run's other inputs)."""
    published, _, design, _, _ = prepared()
    S = simulate_summaries(design, {k: np.array([v]) for k, v in theta.items()}, stream(SEED, key))[0]
    assert np.isfinite(S).all()
    return replace(published, summaries=dict(zip(SUMMARY_NAMES, S.tolist())))


KNOWN = AbcSettings(population_size=400, max_generations=6, batch_size=400)


def _priors(**overrides):
    _, _, _, priors, _ = prepared()
    if overrides:
        band = (priors["sd_level_2006"].low, priors["sd_level_2006"].high)
        priors = build_priors(overrides, band)
    return priors


def fit(theta, key, **prior_overrides):
    _, _, design, _, _ = prepared()
    result = run_abc(design, _priors(**prior_overrides), synthetic(theta, key), KNOWN, SEED, identity=key)
    return result.params, result.weights


def prior_sample(**prior_overrides):
    """The effective prior (possible worlds only) the posterior is compared with."""
    _, _, design, _, _ = prepared()
    params = effective_prior(design, _priors(**prior_overrides), SEED, 4000).params
    return params, np.full(len(params["effect_stretch"]), 1.0 / len(params["effect_stretch"]))


def share(p, w, event) -> float:
    return float(np.sum(w * event(p["effect_stretch"])))


def near_zero(b):
    return np.abs(b) < 0.15


def world(**kw) -> dict:
    return {**{k: v[0] for k, v in centre_params(1).items()}, **kw}


def test_known_world_no_effect_with_targets_set_from_2008():
    """Recovery is judged against the prior, not in absolute terms: the prior alone puts .67
    of its mass near zero and its 95th percentile near .5 once told the rule."""
    theta = world(share_from_2008=1.0, sd_change=3.0)
    p, w = fit(theta, "t/known/mechanical")
    p0, w0 = prior_sample()
    # the tables reveal the mechanism (prior mean .49, posterior about .73) ...
    assert np.sum(w * p["share_from_2008"]) > np.sum(w0 * p0["share_from_2008"]) + 0.15
    # ... and never make a published-size effect more likely than it was (posterior about .06)
    assert share(p, w, lambda b: b >= 0.503) <= share(p0, w0, lambda b: b >= 0.503) + 0.02
    # told how targets were set, the fit puts the effect at zero: more mass near zero than
    # the prior (about .84 against .69), none at the published size, a 95th percentile far
    # below the prior's (about .20 against .49)
    told = {"share_from_2008": {"low": 0.99, "high": 1.0}}
    p, w = fit(theta, "t/known/mechanical", **told)
    p0, w0 = prior_sample(**told)
    b, b0 = p["effect_stretch"], p0["effect_stretch"]
    assert share(p, w, near_zero) > share(p0, w0, near_zero) + 0.10
    assert share(p, w, lambda x: x >= 0.503) < 0.5 * share(p0, w0, lambda x: x >= 0.503)
    assert weighted_quantile(b, w, 0.95)[0] < 0.6 * np.quantile(b0, 0.95) < 0.503


def test_known_world_published_effect_with_targets_set_from_2006():
    theta = world(share_from_2008=0.0, share_true_level=0.0, effect_stretch=0.651, sd_change=2.5)
    rule_a = {"share_from_2008": {"low": 0.0, "high": 0.01}, "share_true_level": {"low": 0.0, "high": 0.01}}
    p, w = fit(theta, "t/known/causal", **rule_a)
    p0, w0 = prior_sample(**rule_a)
    q05, q95 = weighted_quantile(p["effect_stretch"], w, [0.05, 0.95])
    assert 0 < q05 < 0.651 < q95
    # from a third of the prior's mass above zero to all of it
    assert share(p0, w0, lambda b: b > 0) < 0.5 and share(p, w, lambda b: b > 0) > 0.95
    # Not told the rule, the same tables are also reproduced by targets partly set from
    # 2008 with no effect (docs/verdict.md: to first order the two are observationally
    # equivalent). The fit then cannot recover the effect: it keeps at least the prior's
    # mass on "no stretch effect" (about .68 against .56). This documents the limit; a
    # model change that removed it would have to say why here.
    p, w = fit(theta, "t/known/causal")
    p0, w0 = prior_sample()
    assert share(p, w, lambda b: b == 0) > share(p0, w0, lambda b: b == 0) - 0.05
    assert share(p, w, lambda b: b == 0) > 0.3
