"""Posterior summaries of the final ABC-SMC population (weighted particles).

Monte Carlo standard errors of posterior probabilities use the particles' effective
sample size ``ESS = 1 / sum(w^2)`` (weights normalised): ``sqrt(p (1 - p) / ESS)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from specverse.engine import stream

from .inference import AbcResult
from .model import Design, simulate_worlds
from .priors import PARAMETERS, BoxPrior, Prior

#: Spike-and-slab "models": which effects are exactly zero.
MODELS = (
    ("no_effect_of_targets", False, False),
    ("target_on_only", True, False),
    ("stretch_only", False, True),
    ("target_on_and_stretch", True, True),
)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    """Inverse of the weighted empirical CDF (the smallest value whose CDF reaches q)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = np.cumsum(w) / w.sum()
    idx = np.searchsorted(cdf, np.atleast_1d(q) - 1e-12, side="left")
    return v[np.clip(idx, 0, len(v) - 1)]


def ess(weights: np.ndarray) -> float:
    w = np.asarray(weights, float) / np.sum(weights)
    return float(1.0 / np.sum(w**2))


def derived(params: dict) -> dict:
    """Parameters plus the three rules' shares of target areas."""
    out = dict(params)
    rest = 1.0 - params["share_from_2008"]
    out["share_from_true_level"] = rest * params["share_true_level"]
    out["share_from_published_2006"] = rest * (1.0 - params["share_true_level"])
    return out


def posterior_table(result: AbcResult, priors: dict[str, Prior]) -> pd.DataFrame:
    """parameter, mean, sd, q05, q50, q95, plus the mass at 0 and the prior's bounds."""
    w = result.weights
    rows = []
    for name, values in derived(result.params).items():
        mean = float(np.sum(w * values))
        q05, q50, q95 = weighted_quantile(values, w, [0.05, 0.5, 0.95])
        prior = priors.get(name)
        rows.append({
            "parameter": name,
            "mean": mean,
            "sd": float(np.sqrt(np.sum(w * (values - mean) ** 2))),
            "q05": q05, "q50": q50, "q95": q95,
            "mass_at_zero": float(np.sum(w * (values == 0))) if prior is not None and prior.spike > 0 else np.nan,
            "prior_low": prior.low if prior else np.nan,
            "prior_high": prior.high if prior else np.nan,
            "prior_mass_at_zero": prior.spike if prior else np.nan,
            "unit": prior.unit if prior else "share of target areas",
        })
    out = pd.DataFrame(rows)
    order = {n: i for i, n in enumerate(PARAMETERS)}
    return out.sort_values("parameter", key=lambda s: s.map(lambda n: order.get(n, 99)), kind="stable").reset_index(drop=True)


def _prob(mask, w, n_eff) -> tuple[float, float]:
    p = float(np.sum(w * mask))
    return p, float(np.sqrt(max(p * (1 - p), 0.0) / n_eff))


@dataclass
class PriorSample:
    """Prior draws of the parameters that give a possible world (the *effective* prior).

    The nominal prior puts mass on worlds the model cannot produce (a rule-(b) feedback gain
    near 1, figures beyond 0-100); ABC never accepts them, so the prior the posterior is to
    be compared with is the nominal one restricted to possible worlds.
    """

    params: dict  # PARAMETERS -> (n,) values of the possible draws
    possible_share: float
    draws: int

    @property
    def weights(self) -> np.ndarray:
        n = len(self.params["effect_stretch"])
        return np.full(n, 1.0 / n)


def effective_prior(design: Design, priors: dict[str, Prior], seed: int, draws: int = 4000) -> PriorSample:
    prior = BoxPrior(priors)
    latent = prior.low + (prior.high - prior.low) * stream(seed, "verdict/effective_prior/theta").random(
        (draws, len(prior.names)))
    params = prior.natural(latent)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ok = simulate_worlds(design, params, stream(seed, "verdict/effective_prior/worlds")).valid
    return PriorSample({k: v[ok] for k, v in params.items()}, float(ok.mean()), draws)


def _events(params: dict, published_stretch: float):
    b_s, b_on = params["effect_stretch"], params["effect_target_on"]
    half = published_stretch / 2
    return [
        ("P(effect_stretch > 0)", b_s > 0),
        (f"P(effect_stretch >= {half:.4g}) (half the published)", b_s >= half),
        ("P(effect_stretch = 0)", b_s == 0),
        ("P(effect_target_on > 0)", b_on > 0),
        ("P(effect_target_on = 0)", b_on == 0),
        ("P(no effect of targets: both = 0)", (b_s == 0) & (b_on == 0)),
    ]


def _bayes_factor(post: float, prior: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((post / (1 - post)) / (prior / (1 - prior)))


def effect_probabilities(result: AbcResult, prior: PriorSample, published_stretch: float) -> pd.DataFrame:
    """The headline probabilities, prior (effective) and posterior, with Monte Carlo SEs and
    the Bayes factor (posterior odds / prior odds) of each event."""
    w, n_eff = result.weights, ess(result.weights)
    n_prior = len(prior.params["effect_stretch"])
    rows = []
    for (label, mask), (_, prior_mask) in zip(_events(result.params, published_stretch),
                                              _events(prior.params, published_stretch)):
        p, se = _prob(mask, w, n_eff)
        q, q_se = _prob(prior_mask, prior.weights, n_prior)
        rows.append({"quantity": label, "probability": p, "mc_se": se, "prior": q, "prior_mc_se": q_se,
                     "bayes_factor": _bayes_factor(p, q), "ess": n_eff})
    return pd.DataFrame(rows)


def model_probabilities(result: AbcResult, priors: dict[str, Prior], prior: PriorSample) -> pd.DataFrame:
    """Posterior probabilities of the four spike-and-slab models and of no effect vs an effect.

    ``prior`` is the effective prior (possible worlds); ``prior_nominal`` the product of the
    spikes' (or slabs') masses; ``bayes_factor_vs_no_effect`` = posterior odds / prior odds
    against the no-effect model.
    """
    w, n_eff = result.weights, ess(result.weights)
    s_on, s_st = priors["effect_target_on"].spike, priors["effect_stretch"].spike
    rows = []
    for name, has_on, has_st in MODELS:
        def member(params):
            return ((params["effect_target_on"] != 0) == has_on) & ((params["effect_stretch"] != 0) == has_st)

        p, se = _prob(member(result.params), w, n_eff)
        q = float(np.mean(member(prior.params)))
        nominal = (1 - s_on if has_on else s_on) * (1 - s_st if has_st else s_st)
        rows.append({"model": name, "prior": q, "prior_nominal": nominal, "posterior": p, "mc_se": se})
    none = rows[0]
    rows.append({"model": "any_effect_of_targets", "prior": 1 - none["prior"],
                 "prior_nominal": 1 - none["prior_nominal"], "posterior": 1 - none["posterior"],
                 "mc_se": none["mc_se"]})
    out = pd.DataFrame(rows)
    p0, q0 = none["posterior"], none["prior"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["bayes_factor_vs_no_effect"] = (out["posterior"] / p0) / (out["prior"] / q0)
    out.loc[0, "bayes_factor_vs_no_effect"] = 1.0
    out["ess"] = n_eff
    out["method"] = "spike-and-slab prior masses (pyabc ABC-SMC), not pyabc model selection"
    return out


def resample_indices(weights: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling of particle indices (low variance; rng from the engine)."""
    cdf = np.cumsum(weights) / np.sum(weights)
    points = (rng.random() + np.arange(size)) / size
    return np.minimum(np.searchsorted(cdf, points, side="left"), len(weights) - 1)
