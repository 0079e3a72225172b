"""Columns the analysis derives from the schema columns (outcome, stretch, logs, type dummies)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.study.plan import CONTROL_TERMS  # noqa: F401  (re-exported: Table 2's controls, declared in the plan)

TYPE_DUMMIES = {
    "london_borough": "London borough",
    "metropolitan_borough": "Metropolitan borough",
    "county_council": "County council",
}
# Derived variables inherit the weakest provenance of what they are made from.
DERIVED_INPUTS = {
    "pct_change": ("ni1_2006", "ni1_2008"),
    "target_stretch": ("target_2011", "ni1_2006", "target_on"),
}
DERIVED_COLUMNS: tuple[str, ...] = (
    "pct_change",
    "target_stretch",
    "log_population",
    "log_population_density",
    *TYPE_DUMMIES,
)


def stretch(target_2011, baseline, target_on) -> np.ndarray:
    """% improvement the target asks over the baseline; 0 without a target; NaN if the target is unknown."""
    target_2011 = np.asarray(target_2011, dtype=float)
    baseline = np.asarray(baseline, dtype=float)
    on = np.asarray(target_on) == 1
    out = np.where(on, 100.0 * (target_2011 - baseline) / baseline, 0.0)
    return out


def derive_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df with the derived analysis columns added (see DERIVED_COLUMNS)."""
    out = df.copy()
    b06 = out["ni1_2006"].to_numpy(dtype=float)
    out["pct_change"] = 100.0 * (out["ni1_2008"].to_numpy(dtype=float) - b06) / b06
    out["target_stretch"] = stretch(out["target_2011"], b06, out["target_on"])
    out["log_population"] = np.log(out["population"].to_numpy(dtype=float))
    out["log_population_density"] = np.log(out["population_density"].to_numpy(dtype=float))
    for dummy, la_type in TYPE_DUMMIES.items():
        out[dummy] = (out["la_type"] == la_type).astype(int)
    return out
