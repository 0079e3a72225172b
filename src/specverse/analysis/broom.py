"""specifications_broom.csv: the specification table under broom / specr column names.

R users read it with readr and plot it with specr or ggplot2 without renaming (docs/r.md).
One row per specification x reported term, as the specification table: a model once per
SE type, so ``std.error``, ``statistic``, ``p.value`` and the CI are the analytic ones of
the row's ``se_type`` (Huber: its own H1 covariance, in the ``classical`` row).  The
broom columns hold the fitted model's own coefficient, on its outcome's scale;
``estimate_common`` and its SE and CI put every outcome on the common scale (the curves
plot those).  ``model_row`` marks the one row per model x term that the project's
aggregates count (the SE type that studentizes the resampling), so
``filter(model_row)`` counts each model once.  Excluded specifications stay as rows
with their ``status`` and empty numbers: nothing is dropped silently.
"""

from __future__ import annotations

import pandas as pd

from specverse.study.evaluate import studentizing_se_type

from .table import check_columns

#: broom::tidy() column <- specification table column.
BROOM = {"term": "term", "estimate": "estimate", "std.error": "std_error", "statistic": "t",
         "p.value": "p_two_tailed", "conf.low": "ci_low", "conf.high": "ci_high"}
#: The choices that make a specification, in the table's order.
CHOICES = ("spec_id", "model_id", "scenario", "baseline", "outcome", "treatment", "controls", "sample",
           "estimator", "se_type", "post_selection")
#: specr's fit_* columns (broom::glance) and the rest, renamed.
EXTRA = {"n": "fit_nobs", "r_squared": "fit_r.squared", "status": "status",
         "estimate_common": "estimate_common", "std_error_common": "std.error_common",
         "ci_low_common": "conf.low_common", "ci_high_common": "conf.high_common",
         "common_scale": "common_scale", "control_terms": "control_terms"}


def broom_table(specs: pd.DataFrame, *, studentized: str) -> pd.DataFrame:
    """The broom-named table of ``specs`` (the specification table); ``studentized`` is
    ``inference.se_type``, whose rows ``model_row`` marks (Huber: the classical row)."""
    check_columns(specs, (*BROOM.values(), *CHOICES, *EXTRA), "broom export")
    out = pd.DataFrame({new: specs[old] for new, old in BROOM.items()})
    for col in CHOICES:
        out[col] = specs[col]
    stud = specs["estimator"].map({e: studentizing_se_type(e, studentized) for e in specs["estimator"].unique()})
    out["model_row"] = (specs["se_type"].astype(str) == stud.astype(str)).to_numpy()
    for old, new in EXTRA.items():
        out[new] = specs[old]
    return out.reset_index(drop=True)
