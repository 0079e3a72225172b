"""What the run's analysis data fix in every simulated study: the real 2008 figures
and the Table 2 controls (embedded data or a user's file).

Only these columns are read.  In the embedded data ``ni1_2008`` is the real Place
Survey 2008 figure (observed); deprivation and the population columns are approximate,
``nrf_area`` is a proxy and the three diversity indices are SIMULATED
(``results/<run>/data/codebook.csv``).  The embedded data's own 2006 figures, targets and
stretches are simulated too and are never used here: the verdict simulates them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from specverse.engine import residual_maker
from specverse.study.derive import CONTROL_TERMS, TYPE_DUMMIES, derive_columns

REQUIRED = (
    "area_code",
    "la_type",
    "ni1_2008",
    "deprivation",
    "ethnic_diversity",
    "age_diversity",
    "social_class_diversity",
    "population",
    "population_density",
    "population_growth",
    "nrf_area",
)
LA_TYPES = {*TYPE_DUMMIES.values(), "Unitary authority"}
#: Rows used when the data hold several scenarios (their 2008 figures and controls agree).
SCENARIO_PREFERENCE = ("observed", "mechanical", "causal")


@dataclass(frozen=True)
class Anchor:
    """The fixed, observed part of every simulated study."""

    scenario: str  # which rows of the analysis data (``observed`` for a user's file)
    area_code: np.ndarray
    ni1_2008: np.ndarray  # (N,) the real 2008 figures, %
    controls: np.ndarray  # (N, len(CONTROL_TERMS)), no constant

    @property
    def n(self) -> int:
        return len(self.ni1_2008)


def _rows(analysis: pd.DataFrame, source: str) -> tuple[str, pd.DataFrame]:
    if "scenario" not in analysis.columns:
        return "observed", analysis.reset_index(drop=True)
    present = list(dict.fromkeys(analysis["scenario"].astype(str)))
    for name in SCENARIO_PREFERENCE:
        if name in present:
            return name, analysis[analysis["scenario"].astype(str) == name].reset_index(drop=True)
    if not present:
        raise ValueError(f"{source}: no rows")
    return present[0], analysis[analysis["scenario"].astype(str) == present[0]].reset_index(drop=True)


def anchor_from_analysis(analysis: pd.DataFrame, source: str = "analysis data") -> Anchor:
    """The real 2008 figures and the Table 2 controls of one scenario's rows, validated."""
    missing = [c for c in REQUIRED if c not in analysis.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}")
    scenario, df = _rows(analysis, source)
    if len(df) < len(CONTROL_TERMS) + 10:
        raise ValueError(f"{source}: {len(df)} rows (scenario {scenario}) are too few for the controls")
    for column in REQUIRED[2:]:
        values = pd.to_numeric(df[column], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise ValueError(f"{source}: column '{column}' is missing or non-numeric "
                             f"(row {bad[0] + 1}, area {df.at[bad[0], 'area_code']})")
        if column in ("population", "population_density") and (values <= 0).any():
            i = int(np.flatnonzero(values <= 0)[0])
            raise ValueError(f"{source}: column '{column}' must be positive (area {df.at[i, 'area_code']})")
        if column == "ni1_2008" and not ((values > 0) & (values < 100)).all():
            i = int(np.flatnonzero(~((values > 0) & (values < 100)))[0])
            raise ValueError(f"{source}: column 'ni1_2008' must lie strictly between 0 and 100 "
                             f"(area {df.at[i, 'area_code']})")
    unknown = sorted(set(df["la_type"].astype(str)) - LA_TYPES)
    if unknown:
        raise ValueError(f"{source}: column 'la_type' has unknown value(s) {unknown}")
    numeric = df.copy()
    for column in REQUIRED[2:]:
        numeric[column] = pd.to_numeric(numeric[column], errors="coerce")
    numeric["target_2011"] = np.nan  # derive_columns builds the stretch too; not used here
    numeric["target_on"] = 0
    numeric["ni1_2006"] = numeric["ni1_2008"]
    controls = derive_columns(numeric)[list(CONTROL_TERMS)].to_numpy(float)
    try:
        residual_maker(controls, np.ones(len(df), bool))
    except ValueError as exc:
        raise ValueError(f"{source}: the Table 2 controls are collinear ({exc})") from exc
    return Anchor(
        scenario=scenario,
        area_code=df["area_code"].astype(str).to_numpy(),
        ni1_2008=df["ni1_2008"].to_numpy(float),
        controls=controls,
    )
