"""summary.json: what the multiverse says, counting each model once.

Counts of rows, models and why models are not usable; then per curve (scenario x
treatment x term), over the usable models outside post-selection samples: the median
estimate on the common scale, the share positive, and the share significant (two-tailed
p < alpha) for every inference method side by side, each with its denominator.  Models
of post-selection samples (``no_influential``) are summarised apart, never pooled.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from specverse.study.plan import COMMON_SCALE

from .models import method_columns
from .table import usable_models


#: What "significant" means in every summary (the whole table's and the partitioned scan's).
SIGNIFICANCE_RULE = "two-tailed p < alpha; a model is counted once, whatever its SE types"


def summarize(specs: pd.DataFrame, models: pd.DataFrame, *, alpha: float, headline: str,
              studentized: str) -> dict:
    by_status = Counter(specs["status"].astype(str))
    model_status = Counter(models["status"].astype(str))
    methods = method_columns(models)
    summary = {
        "alpha": alpha,
        "effect_scale": COMMON_SCALE,
        "inference": {"headline": headline, "studentized_with": studentized, "methods": list(methods),
                      "rule": SIGNIFICANCE_RULE},
        "counts": {
            "specification_rows": int(len(specs)),
            "models": int(len(models)),
            "models_usable": int(len(usable_models(models, post_selection=True))),
            "models_post_selection": int(models["post_selection"].sum()),
            "models_by_status": {k: int(v) for k, v in sorted(model_status.items())},
            "rows_by_status": {k: int(v) for k, v in sorted(by_status.items())},
            "rows_by_resample_status": {k: int(v) for k, v in
                                        sorted(Counter(specs["resample_status"].astype(str)).items())},
        },
        "curves": [],
    }
    for (scenario, treatment, term), g in models.groupby(["scenario", "treatment", "term"], sort=True):
        fixed = usable_models(g)
        post = usable_models(g, post_selection=True)
        post = post[post["post_selection"]]
        est = fixed["estimate_common"].to_numpy(float)
        sig = _significance(fixed, methods, alpha)
        p_head = fixed["p_headline"].to_numpy(float)
        with_head = np.isfinite(p_head)
        summary["curves"].append({
            "scenario": scenario, "treatment": treatment, "term": term,
            "models": int(len(fixed)),
            "models_not_usable": {k: int(v) for k, v in sorted(Counter(g.loc[g["status"] != "ok", "status"]).items())},
            "models_post_selection_apart": int(len(post)),
            "median_estimate_common": median_or_none(est),
            "share_positive": share_or_none(est > 0),
            "share_significant": {m: v["share"] for m, v in sig.items()},
            "models_with_p": {m: v["n"] for m, v in sig.items()},
            "share_significant_positive_headline": share_or_none((p_head < alpha)[with_head] & (est > 0)[with_head]),
            "post_selection": {"median_estimate_common": median_or_none(post["estimate_common"].to_numpy(float)),
                               "share_significant_headline": _significance(post, {}, alpha)["headline"]["share"]},
            "confounding": _confounding(fixed),
        })
    return summary


def _confounding(models: pd.DataFrame) -> dict:
    """How strong a hidden confounder must be (OLS / WLS models): the robustness values
    and the multiple of the strongest observed control needed to explain the estimate
    away, as quantiles over the models, and how often that multiple is below 1 (a
    confounder weaker than an observed control would do)."""
    if "rv_q1" not in models:
        return {}
    rv = models["rv_q1"].to_numpy(float)
    k = models["benchmark_strongest_q1"].to_numpy(float)
    have_rv, have_k = np.isfinite(rv), np.isfinite(k)
    out = {"models_with_rv": int(have_rv.sum())}
    for name, x, have in (("rv_q1", rv, have_rv), ("rv_q1_alpha05", models["rv_q1_alpha05"].to_numpy(float),
                                                    have_rv), ("times_strongest_control", k, have_k)):
        out[name] = {q: (float(np.quantile(x[have], v)) if have.any() else None)
                     for q, v in (("min", 0.0), ("q25", 0.25), ("median", 0.5))}
    out["share_explained_away_by_a_confounder_weaker_than_the_strongest_control"] = share_or_none(k[have_k] < 1)
    return out


def _significance(models: pd.DataFrame, methods: dict[str, str], alpha: float) -> dict:
    out = {}
    for method, col in {**methods, "headline": "p_headline"}.items():
        p = models[col].to_numpy(float)
        have = np.isfinite(p)
        out[method] = {"n": int(have.sum()), "share": share_or_none(p[have] < alpha)}
    return out


def median_or_none(x: np.ndarray):
    """The median, or None for no values (JSON null)."""
    return float(np.median(x)) if x.size else None


def share_or_none(flags: np.ndarray):
    """The share of True, or None for no flags (JSON null)."""
    return float(np.mean(flags)) if np.size(flags) else None
