"""Posterior predictive checks: do the fitted worlds reproduce every published number?

``draws`` particles are resampled by weight (systematic) and one new study is simulated
for each.  Per summary: the published value, the predictive mean and 5-95% interval, and
whether the published value lies inside it (for the summaries the model fixes, like N,
whether it equals the published one to its printed rounding).  A drawn
study *reproduces* a summary when it is within the tolerance of the published value
(:func:`tolerances`: ``reproduce_tolerance`` (default 2) sampling standard deviations of
that summary); the last rows give the share of drawn studies that reproduce ALL summaries
at once (and all those the inference used), among all draws and among the draws without
any effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.engine import stream

from .inference import AbcResult
from .model import Design
from .posterior import resample_indices, weighted_quantile
from .published import DISTANCE_SUMMARIES, FIXED_SUMMARIES, SUMMARY_NAMES, Published
from .summaries import simulate_summaries

LABELS = {
    "t1_ni1_2006_mean": "Table 1: NI1 2006 mean", "t1_ni1_2006_sd": "Table 1: NI1 2006 sd",
    "t1_ni1_2006_min": "Table 1: NI1 2006 min", "t1_ni1_2006_max": "Table 1: NI1 2006 max",
    "t1_stretch_mean": "Table 1: stretch mean", "t1_stretch_sd": "Table 1: stretch sd",
    "t1_stretch_min": "Table 1: stretch min", "t1_stretch_max": "Table 1: stretch max",
    "t1_target_on_mean": "Table 1: share with a target",
    "m2_target_on_coef": "Model 2: target_on coefficient", "m2_target_on_se": "Model 2: target_on robust SE",
    "m3_stretch_coef": "Model 3: stretch coefficient", "m3_stretch_se": "Model 3: stretch robust SE",
    "m1_r2": "Model 1: R-squared", "m2_r2": "Model 2: R-squared", "m3_r2": "Model 3: R-squared",
    "m1_n": "Model 1: N", "m2_n": "Model 2: N", "m3_n": "Model 3: N",
    "t1_ni1_2008_mean": "Table 1: NI1 2008 mean (anchored)", "t1_ni1_2008_sd": "Table 1: NI1 2008 sd (anchored)",
}


def tolerances(published: Published, noise_sd: dict[str, float], scale: float = 2.0) -> dict[str, float]:
    """How close a simulated number must be to the published one to count as reproduced:
    ``scale`` times that number's sampling sd across studies of one world (``noise_sd``, see
    :func:`sampling_noise`), so that a well-specified model reproduces each number about 95%
    of the time at the default 2.  Counts must be equal and the share with a target equal
    to its printed rounding."""
    tol = {name: scale * noise_sd[name] for name in SUMMARY_NAMES}
    tol.update({"t1_target_on_mean": 0.005 + 1e-9, "m1_n": 0.0, "m2_n": 0.0, "m3_n": 0.0})
    return tol


def sampling_noise(design: Design, result: AbcResult, draws: int, seed: int, identity: str) -> dict[str, float]:
    """Each summary's sd across ``draws`` studies of one world: the posterior's weighted
    median parameters (the spread from sampling error and target-setting draws alone)."""
    centre = {k: np.full(draws, weighted_quantile(v, result.weights, 0.5)[0]) for k, v in result.params.items()}
    S = simulate_summaries(design, centre, stream(seed, f"verdict/{identity}/predictive/noise"))
    S = S[np.isfinite(S).all(axis=1)]
    return dict(zip(SUMMARY_NAMES, S.std(axis=0, ddof=1)))


def predictive_draws(design: Design, result: AbcResult, draws: int, seed: int, identity: str):
    """(params drawn, (draws, len(SUMMARY_NAMES)) simulated summaries)."""
    idx = resample_indices(result.weights, draws, stream(seed, f"verdict/{identity}/predictive/resample"))
    params = {k: v[idx] for k, v in result.params.items()}
    S = simulate_summaries(design, params, stream(seed, f"verdict/{identity}/predictive/worlds"))
    return params, S


def predictive_checks(design: Design, result: AbcResult, published: Published, *, draws: int,
                      seed: int, identity: str = "verdict", tolerance_scale: float = 2.0,
                      distance_summaries=DISTANCE_SUMMARIES) -> pd.DataFrame:
    params, S = predictive_draws(design, result, draws, seed, identity)
    finite = np.isfinite(S).all(axis=1)  # impossible worlds (never accepted) are left out
    params, S = {k: v[finite] for k, v in params.items()}, S[finite]
    obs = published.vector()
    noise = sampling_noise(design, result, draws, seed, identity)
    tol = tolerances(published, noise, tolerance_scale)
    within = np.column_stack([np.abs(S[:, j] - obs[j]) <= tol[n] for j, n in enumerate(SUMMARY_NAMES)])
    none = (params["effect_stretch"] == 0) & (params["effect_target_on"] == 0)
    rows = []
    for j, name in enumerate(SUMMARY_NAMES):
        q05, q95 = np.quantile(S[:, j], [0.05, 0.95])
        slack = tol[name] if name in FIXED_SUMMARIES else 0.0  # fixed counts: printed rounding
        rows.append({
            "summary": name, "label": LABELS[name], "observed": obs[j],
            "predictive_mean": float(S[:, j].mean()), "q05": q05, "q95": q95,
            "reproduced": bool(q05 - slack - 1e-9 <= obs[j] <= q95 + slack + 1e-9),
            "tolerance": tol[name], "sampling_sd": noise[name],
            "share_within_tolerance": float(within[:, j].mean()),
            "share_within_tolerance_no_effect": float(within[none, j].mean()) if none.any() else np.nan,
            "role": "distance" if name in distance_summaries else ("fixed" if name in FIXED_SUMMARIES else "check"),
        })
    used = [SUMMARY_NAMES.index(n) for n in distance_summaries]
    for key, label, cols in (("ALL", "every summary at once, within tolerance", slice(None)),
                             ("ALL_DISTANCE", "every summary the inference used, at once", used)):
        every = within[:, cols].all(axis=1)
        rows.append({
            "summary": key, "label": label, "observed": np.nan, "predictive_mean": np.nan,
            "q05": np.nan, "q95": np.nan, "reproduced": bool(every.any()), "tolerance": np.nan, "sampling_sd": np.nan,
            "share_within_tolerance": float(every.mean()),
            "share_within_tolerance_no_effect": float(every[none].mean()) if none.any() else np.nan,
            "role": "all",
        })
    out = pd.DataFrame(rows)
    out["draws"] = int(finite.sum())
    out["draws_no_effect"] = int(none.sum())
    out["draws_impossible"] = int((~finite).sum())
    return out
