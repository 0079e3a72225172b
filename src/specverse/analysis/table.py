"""Reading and slicing the model table (:mod:`.models`), for the aggregates and the figures.

One *curve* is every usable model of one (scenario, treatment, term), counted once and
on the common effect scale: a treatment that reports two coefficients
(``target_on_and_stretch``) yields two curves.  Models of post-selection samples are
kept apart (:func:`usable_models`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

#: Choice dimensions shown in indicator panels and decompositions, in display order.
#: ``scenario`` and ``treatment`` are fixed within a curve; SE types and resampling
#: methods are inference choices, never dimensions of a curve.
CHOICE_DIMENSIONS = ("baseline", "outcome", "controls", "sample", "estimator")
CURVE_KEYS = ("scenario", "treatment", "term")
REQUIRED = (
    "model_id", *CURVE_KEYS, *CHOICE_DIMENSIONS, "post_selection", "control_terms", "estimate_common",
    "std_error_common", "ci_low_common", "ci_high_common", "common_scale", "p_headline", "status",
)

#: The paper's own choice on every dimension (its Models 2 and 3).
PAPER_CHOICES = {
    "baseline": "published",
    "outcome": "pct_change",
    "controls": "full",
    "sample": "all",
    "estimator": "ols",
}
#: Treatments the paper estimated, with the Table 2 model and term that report them.
PAPER_MODEL = {"target_on": (2, "target_on"), "stretch_2006": (3, "target_stretch")}


def read_models(path: str | os.PathLike, **where: str) -> pd.DataFrame:
    """The model table from .parquet or .csv, checked for the columns used here.

    ``where`` (e.g. ``scenario="causal", treatment="target_on"``) keeps only the matching
    rows, filtered while a Parquet file is read, so that a job drawing one curve does not
    hold every curve's models."""
    path = Path(path)
    if path.suffix == ".parquet":
        df = pd.read_parquet(path, filters=[(k, "==", v) for k, v in where.items()] or None)
    else:
        df = pd.read_csv(path)
        for k, v in where.items():
            df = df[df[k] == v]
    check_columns(df, REQUIRED, path)
    return df


def check_columns(df: pd.DataFrame, required, source) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}")


def _usable(models: pd.DataFrame) -> pd.Series:
    return (models["status"] == "ok") & np.isfinite(models["estimate_common"]) & np.isfinite(
        models["std_error_common"])


def usable_models(models: pd.DataFrame, post_selection: bool = False) -> pd.DataFrame:
    """Models with status ok and a finite estimate and standard error (common scale);
    those of post-selection samples only when ``post_selection``."""
    ok = _usable(models)
    if not post_selection:
        ok &= ~models["post_selection"].astype(bool)
    return models.loc[ok]


def unusable_models(models: pd.DataFrame) -> pd.DataFrame:
    """What :func:`usable_models` leaves out whatever the sample: models excluded by a declared
    rule, not converged or failed (status), or without a finite estimate or SE."""
    return models.loc[~_usable(models)]


def left_out(models: pd.DataFrame) -> dict[tuple, dict[str, int]]:
    """Per curve key, the models an aggregate over :func:`curves` leaves out, and why:
    ``models_not_usable`` (:func:`unusable_models`) and ``models_post_selection_apart``
    (usable, but of a post-selection sample: summarised apart)."""
    bad = unusable_models(models).groupby(list(CURVE_KEYS), sort=False).size()
    post = usable_models(models, post_selection=True)
    post = post[post["post_selection"].astype(bool)].groupby(list(CURVE_KEYS), sort=False).size()
    keys = set(bad.index) | set(post.index) | set(models[list(CURVE_KEYS)].itertuples(index=False, name=None))
    return {k: {"models_not_usable": int(bad.get(k, 0)), "models_post_selection_apart": int(post.get(k, 0))}
            for k in keys}


def curves(models: pd.DataFrame):
    """Yield ``((scenario, treatment, term), models)`` for every curve: usable models
    outside post-selection samples."""
    for key, rows in usable_models(models).groupby(list(CURVE_KEYS), sort=True):
        yield key, rows


def control_class(option: str) -> str:
    """Controls options collapse to four classes so an indicator panel stays readable."""
    if option.startswith("drop_"):
        return "leave one out"
    if option.startswith("blocks_"):
        return "block subset"
    return option


def display_option(dimension: str, option: str) -> str:
    return control_class(option) if dimension == "controls" else str(option)


def paper_rows(rows: pd.DataFrame) -> pd.Series:
    """True for the rows that make the paper's own specification."""
    mask = pd.Series(True, index=rows.index)
    for dim, opt in PAPER_CHOICES.items():
        mask &= rows[dim].astype(str) == opt
    return mask


def published_reference(table2: pd.DataFrame | None, scenario: str, treatment: str, term: str):
    """The paper's estimate for this curve, from results/replication/table2.csv, or None.

    Only the two treatments the paper estimated have one, and only for their own term.
    """
    if table2 is None or treatment not in PAPER_MODEL:
        return None
    model, paper_term = PAPER_MODEL[treatment]
    if term not in (paper_term, treatment):
        return None
    hit = table2[(table2["model"] == model) & (table2["term"] == paper_term)]
    if "scenario" in hit and (hit["scenario"] == scenario).any():
        hit = hit[hit["scenario"] == scenario]
    vals = hit["published_estimate"].dropna()
    return float(vals.iloc[0]) if len(vals) else None


def curve_label(treatment: str, term: str) -> str:
    return treatment if term in (treatment,) else f"{treatment}: {term}"
