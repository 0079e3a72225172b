"""One row per model: the unit every aggregate counts.

The specification table has one row per model x term x SE type; the SE type and the
resampling method are inference choices, not specifications.  Here each model x term
becomes one row, its estimate on the common scale, and every inference method side by
side: the analytic p of each SE type (``p_classical``, ``p_HC1``, ... for OLS / WLS;
``p_huber`` for Huber's own H1 covariance), the resampled ones (``p_wild``, ``p_pairs``,
``p_perm``, studentized with ``inference.se_type``, Huber with H1), and ``p_headline``,
the method ``inference.headline`` names.  The SE, CI and t shown are those of the
studentizing SE type (Huber: H1).

Which method is available for which estimator: the analytic SE types for OLS / WLS, the
H1 covariance for Huber; the wild bootstrap and permutation tests for OLS / WLS only
(an M-estimator is not a linear smoother); the pairs bootstrap for every estimator when
it is run.  A headline method a model cannot have leaves its ``p_headline`` empty, and
every aggregate says how many models that is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.engine.vocabulary import INFERENCE_METHODS as HEADLINE_METHODS
from specverse.engine.vocabulary import SE_TYPES
from specverse.study.evaluate import studentizing_se_type
from specverse.study.plan import ESTIMATOR_ENGINE
from specverse.study.spec_table import COMMON_COLUMNS, RESAMPLE_COLUMNS

#: Columns of the model table besides the per-method p-values.
KEYS = ("model_id", "scenario", "baseline", "outcome", "treatment", "term", "controls", "sample", "estimator")
CARRIED = ("post_selection", "control_terms", "n", "r_squared", "status", "resample_status", "se_type",
           "estimate", "std_error", "t", "df", "p_two_tailed", "p_greater", "ci_low", "ci_high",
           *COMMON_COLUMNS, "common_scale", *RESAMPLE_COLUMNS)
#: Resampling method -> its p column.
RESAMPLED_P = {"wild": "p_wild", "pairs": "p_pairs", "permutation": "p_perm"}
HUBER_P = "p_huber"


def model_table(specs: pd.DataFrame, *, studentized: str, headline: str) -> pd.DataFrame:
    """One row per model x term from the specification table (see the module docstring).

    ``studentized`` is ``inference.se_type``; ``headline`` is ``inference.headline``.
    """
    if headline not in HEADLINE_METHODS:
        raise ValueError(f"inference.headline must be one of {HEADLINE_METHODS}, got {headline!r}")
    stud = np.array([studentizing_se_type(e, studentized) for e in specs["estimator"]])
    main = specs[specs["se_type"].to_numpy() == stud]
    if main.duplicated(["model_id", "term"]).any():
        raise ValueError("the specification table has two rows of one model, term and SE type")
    models = main[[*KEYS, *CARRIED]].reset_index(drop=True)
    huber = (models["estimator"].map(ESTIMATOR_ENGINE) == "huber").to_numpy()
    models.loc[huber, "se_type"] = "huber_h1"
    # the analytic p of every SE type, side by side (OLS / WLS); Huber's own in p_huber
    linear = specs[specs["estimator"].map(ESTIMATOR_ENGINE) != "huber"]
    usable = linear[linear["status"] == "ok"]
    wide = usable.pivot_table(index=["model_id", "term"], columns="se_type", values="p_two_tailed",
                              aggfunc="first", sort=False)
    wide.columns = [f"p_{c}" for c in wide.columns]
    models = models.merge(wide.reset_index(), on=["model_id", "term"], how="left")
    for se in SE_TYPES:
        if f"p_{se}" not in models and se in set(specs["se_type"]):
            models[f"p_{se}"] = np.nan
    models[HUBER_P] = np.where(huber & (models["status"] == "ok"), models["p_two_tailed"], np.nan)
    models["p_headline"] = headline_p(models, headline)
    return models


def headline_p(models: pd.DataFrame, headline: str) -> np.ndarray:
    """The headline method's p-value per model: an analytic SE type's p for OLS / WLS and
    Huber's own H1 p for Huber, or a resampling method's p where it was run."""
    if headline in RESAMPLED_P:
        return models[RESAMPLED_P[headline]].to_numpy(float)
    analytic = models.get(f"p_{headline}", pd.Series(np.nan, index=models.index)).to_numpy(float)
    return np.where(models["se_type"] == "huber_h1", models[HUBER_P].to_numpy(float), analytic)


def method_columns(models: pd.DataFrame) -> dict[str, str]:
    """Inference method -> its p column, for the methods present in the table."""
    out = {se: f"p_{se}" for se in SE_TYPES if f"p_{se}" in models}
    out["huber"] = HUBER_P
    out.update(RESAMPLED_P)
    out["romano_wolf"] = "p_romano_wolf"
    return {m: c for m, c in out.items() if c in models and models[c].notna().any()}


#: Columns the family-level analysis adds to the specification and model tables.
FAMILY_COLUMNS = ("p_romano_wolf", "partial_r2", "rv_q1", "rv_q1_alpha05", "benchmark_deprivation_q1",
                  "benchmark_strongest_q1", "benchmark_strongest_alpha05", "strongest_control")


def with_family_columns(table: pd.DataFrame, familywise: pd.DataFrame) -> pd.DataFrame:
    """``table`` (specification or model table) with each model's Romano-Wolf p-value and
    sensitivity columns.  The sensitivity is a property of the model (all its rows);
    ``p_romano_wolf``, a resampled p-value, sits where ``p_wild`` does (the studentizing
    row), as every resampled p."""
    cols = ["model_id", "term", *FAMILY_COLUMNS]
    out = table.merge(familywise[cols], on=["model_id", "term"], how="left", validate="many_to_one")
    out.loc[out["p_wild"].isna(), "p_romano_wolf"] = np.nan
    out["strongest_control"] = out["strongest_control"].fillna("").astype(str)
    return out
