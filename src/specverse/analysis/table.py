"""Reading and slicing the specification table, for the aggregates and the figures.

One *curve* is every usable row of one (scenario, treatment, term): a treatment
that reports two coefficients (``target_on_and_stretch``) yields two curves.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

#: Choice dimensions shown in indicator panels and decompositions, in display order.
#: ``scenario`` and ``treatment`` are fixed within a curve.
CHOICE_DIMENSIONS = ("baseline", "outcome", "controls", "sample", "estimator", "se_type")
CURVE_KEYS = ("scenario", "treatment", "term")
REQUIRED = (
    "spec_id", *CURVE_KEYS, *CHOICE_DIMENSIONS, "control_terms", "estimate", "std_error",
    "p_two_tailed", "p_one_tailed", "ci_low", "ci_high", "status",
)
RESAMPLING_P = {"wild": "p_wild", "pairs": "p_pairs", "permutation": "p_perm"}

#: The paper's own choice on every dimension (its Models 2 and 3).
PAPER_CHOICES = {
    "baseline": "published",
    "outcome": "pct_change",
    "controls": "full",
    "sample": "all",
    "estimator": "ols",
    "se_type": "HC1",
}
#: Treatments the paper estimated, with the Table 2 model and term that report them.
PAPER_MODEL = {"target_on": (2, "target_on"), "stretch_2006": (3, "target_stretch")}


def read_specifications(path: str | os.PathLike) -> pd.DataFrame:
    """The specification table from .parquet or .csv, checked for the columns used here."""
    path = Path(path)
    df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    check_columns(df, REQUIRED, path)
    return df


def check_columns(df: pd.DataFrame, required, source) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}")


def usable(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with status ok and a finite estimate and standard error."""
    ok = (df["status"] == "ok") & np.isfinite(df["estimate"]) & np.isfinite(df["std_error"])
    return df.loc[ok]


def curves(df: pd.DataFrame):
    """Yield ``((scenario, treatment, term), rows)`` for every curve, usable rows only."""
    for key, rows in usable(df).groupby(list(CURVE_KEYS), sort=True):
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
