"""Assembling a cell's rows of the specification table from the engine's results: the
merge of fits and resampling by (model, term, se_type), exclusions shown as rows, why a row
has no resampling results, and the estimates on the common effect scale."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .plan import DIMENSIONS, ESTIMATOR_ENGINE, REGRESSOR_COLUMNS, astuple_fast, common_scale
from .spec_table import COMMON_COLUMNS, FIT_COLUMNS, RESAMPLE_COLUMNS, TABLE_COLUMNS, empty_table, typed

COLUMN_INDEX = {name: i for i, name in enumerate(REGRESSOR_COLUMNS)}


def on_common_scale(table: pd.DataFrame, frames: Mapping[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """Add the estimate, SE and CI on the common effect scale (plan.common_scale); ``frames``
    maps (scenario, baseline) to the variant table, whose mean 2006 figure sets the scale."""
    factor = np.ones(len(table))
    text = np.empty(len(table), dtype=object)
    for key, rows in table.groupby(["scenario", "baseline", "outcome"], sort=False).groups.items():
        scenario, baseline, outcome = key
        mean_baseline = float(frames[(scenario, baseline)]["ni1_2006"].mean())
        f, t = common_scale(outcome, mean_baseline)
        idx = table.index.get_indexer(rows)
        factor[idx], text[idx] = f, t
    for native, common in zip(("estimate", "std_error", "ci_low", "ci_high"), COMMON_COLUMNS):
        table[common] = table[native].to_numpy(float) * factor
    table["common_scale"] = text
    return typed(table[list(TABLE_COLUMNS)])


def assemble(models: Sequence, fits, draws, *, methods: tuple, studentized: str) -> pd.DataFrame:
    """The cell's rows of the specification table: one per specification and reported term,
    with the engine's fit (``fits``) and resampling (``draws``) results merged in by
    (model, term, se_type), exclusions as rows that carry their reason, and a
    ``resample_status`` saying why every row without resampling results has none.

    ``models`` are the cell's resolved models (cell_models' ``Model``: spec, se_specs,
    controls, excluded, no_resampling).
    """
    # Tuples, not a dict per row: an all-subsets chunk has about 100,000 rows.
    names = ("spec_id", "model_id", *DIMENSIONS, "post_selection", "term", "control_terms", "status", "_model", "_term")
    rows = []
    for m_idx, model in enumerate(models):
        control_str = ";".join(model.controls)
        model_id, post = model.spec.model_id, model.spec.post_selection
        for spec in model.se_specs:
            rule = model.excluded.get(spec.se_type)
            choices = astuple_fast(spec)
            for term in spec.treatment_terms:
                rows.append((spec.spec_id, model_id, *choices, post, term, control_str,
                             rule.status if rule is not None else None, m_idx, COLUMN_INDEX[term]))
    if not rows:
        return empty_table()
    table = pd.DataFrame.from_records(rows, columns=names)
    table = _join_engine_rows(table, fits, FIT_COLUMNS, "_fit_status", renamed={"status": "_fit_status"})
    estimated = table["status"].isna()
    missing = estimated & table["_fit_status"].isna()
    if missing.any():
        raise RuntimeError(f"engine returned no result for {int(missing.sum())} specification rows (e.g. {table.loc[missing].iloc[0].to_dict()})")
    table.loc[estimated, "status"] = table.loc[estimated, "_fit_status"]
    # Excluded rows carry no numbers, even where a sibling SE type of the model was fitted.
    table.loc[~estimated, list(FIT_COLUMNS)] = np.nan
    table = _join_engine_rows(table, draws, RESAMPLE_COLUMNS, "resample_status")
    # Say why every row without resampling results has none.
    ok = table["status"] == "ok"
    declared = np.array([models[m].no_resampling is not None for m in table["_model"]], dtype=bool)
    table.loc[ok & declared, "resample_status"] = [models[m].no_resampling.status for m in table.loc[ok & declared, "_model"]]
    if not methods:
        table.loc[ok & ~declared, "resample_status"] = "not_run: inference.methods is empty"
    table.loc[~ok, "resample_status"] = "not_run: no usable estimate"
    # Resampled statistics are studentized with one SE type: its row carries them.
    stud = np.where(table["estimator"].map(ESTIMATOR_ENGINE) == "huber", "classical", studentized)
    other = ok & ~declared & bool(methods) & (table["se_type"].to_numpy() != stud)
    table.loc[other, "resample_status"] = [f"not_run: resampled statistics are studentized with {t}; see that row"
                                           for t in stud[other.to_numpy()]]
    table.loc[~ok | declared | other, list(RESAMPLE_COLUMNS)] = np.nan
    if table["resample_status"].isna().any():
        raise RuntimeError("resampling returned no result for some estimated rows")
    return table


def _join_engine_rows(table: pd.DataFrame, results: pd.DataFrame | None, columns, status: str,
                      renamed: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Join the engine's rows (fits or resampling, keyed by model, term and se_type) onto
    the table; without any (nothing estimated or resampled), the columns are empty."""
    if results is None:
        return table.assign(**{col: np.nan for col in columns}, **{status: None})
    r = results.rename(columns={"model": "_model", "term": "_term", **(renamed or {})})
    r = r[["_model", "_term", "se_type", *columns, status]]
    return table.merge(r, on=["_model", "_term", "se_type"], how="left", validate="many_to_one")
