"""The specification table: one row per specification x reported term, its columns and
dtypes, and how the cells of the fan-out are combined into it (canonical order).

A specification is a model (scenario x baseline x outcome x treatment x controls x sample
x estimator, identified by ``model_id``) with one SE type; the SE types of a model are
inference choices shown side by side, and aggregates count a model once
(:mod:`specverse.analysis.models`).  ``estimate_common`` and its SE / CI are the estimate
on the one effect scale every outcome shares (:func:`specverse.study.plan.common_scale`).
``post_selection`` marks samples chosen by looking at the outcome (``no_influential``):
their p-values treat a data-dependent sample as fixed.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from .plan import DIMENSIONS

FIT_COLUMNS = ("estimate", "std_error", "t", "df", "p_two_tailed", "p_greater", "ci_low", "ci_high", "n", "r_squared")
COMMON_COLUMNS = ("estimate_common", "std_error_common", "ci_low_common", "ci_high_common")
RESAMPLE_COLUMNS = ("p_wild", "ci_wild_low", "ci_wild_high", "p_pairs", "ci_pairs_low", "ci_pairs_high", "p_perm")
TABLE_COLUMNS = (
    "spec_id",
    "model_id",
    *DIMENSIONS[:4],
    "term",
    *DIMENSIONS[4:],
    "post_selection",
    "control_terms",
    *FIT_COLUMNS,
    *COMMON_COLUMNS,
    "common_scale",
    "status",
    *RESAMPLE_COLUMNS,
    "resample_status",
)


def empty_table() -> pd.DataFrame:
    return typed(pd.DataFrame({c: [] for c in TABLE_COLUMNS}))


def typed(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for col in ("spec_id", "model_id", *DIMENSIONS, "term", "control_terms", "common_scale", "status",
                "resample_status"):
        table[col] = table[col].astype("str")
    table["post_selection"] = table["post_selection"].astype(bool)
    for col in (*FIT_COLUMNS, *COMMON_COLUMNS, *RESAMPLE_COLUMNS):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype("float64")
    table["n"] = table["n"].round().astype("Int64")
    return table.reset_index(drop=True)


def combine_cells(cells: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate cell tables in the canonical order: by spec_id, then term."""
    table = pd.concat(list(cells), ignore_index=True) if cells else empty_table()
    dup = table.duplicated(["spec_id", "term"], keep=False)
    if dup.any():
        raise ValueError(f"{int(dup.sum())} rows share a (spec_id, term): cells overlap or spec ids collide, e.g. {table.loc[dup, ['spec_id', 'term']].head(3).values.tolist()}")
    table = table.sort_values(["spec_id", "term"], kind="stable").reset_index(drop=True)
    return typed(table[list(TABLE_COLUMNS)])
