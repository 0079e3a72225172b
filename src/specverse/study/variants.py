"""Data variants: one design-ready table per (scenario, baseline).

A variant holds every column any specification of the multiverse reads: the outcomes
(measured against the variant's baseline), the three treatment regressors, the Table 2
controls, the ANCOVA baseline regressor, the WLS weights, and the row flags that define
the samples. Estimation jobs read variants; they never re-derive data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.engine import ols_influence

from .derive import derive_columns
from .derive import stretch
from .plan import CONTROL_TERMS, TREATMENT_TERMS, TREATMENTS

BASELINE_COLUMN = {"published": "ni1_2006", "lsp_preferred": "ni1_2006_lsp"}
LONDON, COUNTY = "London borough", "County council"


def influential_column(treatment: str) -> str:
    return f"influential__{treatment}"


def baseline_values(df: pd.DataFrame, baseline: str) -> np.ndarray:
    """The 2006 baseline of a variant: published, or the LSP-preferred figure where one exists."""
    published = df["ni1_2006"].to_numpy(dtype=float)
    if baseline == "published":
        return published
    if baseline != "lsp_preferred":
        raise ValueError(f"unknown baseline {baseline!r}")
    if "ni1_2006_lsp" not in df.columns:
        return published
    lsp = pd.to_numeric(df["ni1_2006_lsp"], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(lsp), lsp, published)


def build_variant(analysis: pd.DataFrame, scenario: str, baseline: str) -> pd.DataFrame:
    """The design table of one (scenario, baseline) variant, one row per area.

    Column `ni1_2006` holds the variant's baseline (the published figure is kept as
    `ni1_2006_published`), so a specification's `control_terms` name columns of this
    table directly. The baseline feeds the outcomes and the 2006 stretch.
    """
    if "scenario" in analysis.columns:
        df = analysis.loc[analysis["scenario"] == scenario].copy()
        if df.empty:
            found = sorted(analysis["scenario"].dropna().unique())
            raise ValueError(f"analysis data: no rows with scenario={scenario!r} (found {found})")
    else:
        df = analysis.copy()
        df["scenario"] = scenario
    df = derive_columns(df.reset_index(drop=True))
    base = baseline_values(df, baseline)
    if np.any(~np.isfinite(base) | (base <= 0)):
        bad = df.loc[~np.isfinite(base) | (base <= 0), "area_code"].tolist()
        raise ValueError(f"baseline {baseline!r}: missing or non-positive 2006 value for area(s) {bad}")
    y08 = df["ni1_2008"].to_numpy(dtype=float)
    target_on = df["target_on"].to_numpy()
    target = pd.to_numeric(df["target_2011"], errors="coerce").to_numpy(dtype=float)

    df["ni1_2006_published"] = df["ni1_2006"].to_numpy(dtype=float)
    df["ni1_2006"] = base
    df["baseline"] = baseline
    df["pct_change"] = 100.0 * (y08 - base) / base
    df["point_change"] = y08 - base
    df["log_ratio"] = 100.0 * np.log(y08 / base)
    df["target_stretch"] = stretch(target, base, target_on)
    df["target_stretch_2008"] = stretch(target, y08, target_on)
    # Complete for every treatment: the paper's N = 131 rows on the embedded data.
    treatment_cols = ["target_on", "target_stretch", "target_stretch_2008"]
    df["common_complete"] = np.isfinite(df[treatment_cols].to_numpy(dtype=float)).all(axis=1)
    for treatment in TREATMENTS:
        df[influential_column(treatment)] = influential_rows(df, treatment)
    return df


def treatment_rows(df: pd.DataFrame, treatment: str) -> np.ndarray:
    """Rows a treatment can use at all: LAA areas only for stretch_laa_only."""
    if treatment == "stretch_laa_only":
        return df["target_on"].to_numpy() == 1
    return np.ones(len(df), dtype=bool)


def sample_rows(df: pd.DataFrame, sample: str, treatment: str) -> np.ndarray:
    """Boolean row mask of a sample for a treatment (before dropping incomplete rows)."""
    rows = treatment_rows(df, treatment)
    la_type = df["la_type"].to_numpy()
    if sample == "all":
        return rows
    if sample == "no_london":
        return rows & (la_type != LONDON)
    if sample == "no_counties":
        return rows & (la_type != COUNTY)
    if sample == "no_influential":
        return rows & ~df[influential_column(treatment)].to_numpy(dtype=bool)
    if sample == "common_131":
        return rows & df["common_complete"].to_numpy(dtype=bool)
    raise ValueError(f"unknown sample {sample!r}")


def varying_terms(df: pd.DataFrame, terms, rows: np.ndarray) -> tuple[str, ...]:
    """The terms that are not constant over `rows` (a constant regressor is collinear with the
    intercept: e.g. london_borough in the no_london sample)."""
    out = []
    for term in terms:
        values = df[term].to_numpy(dtype=float)[rows]
        values = values[np.isfinite(values)]
        if values.size and np.ptp(values) > 0:
            out.append(term)
    return tuple(out)


def influential_rows(df: pd.DataFrame, treatment: str) -> np.ndarray:
    """Rows with Cook's D > 4/n in the paper's full model for this treatment.

    The paper's full model: pct_change (against the variant's baseline) on the treatment
    regressor(s) and all Table 2 controls, OLS, over the rows the treatment can use.
    """
    terms = TREATMENT_TERMS[treatment]
    rows = treatment_rows(df, treatment)
    controls = varying_terms(df, CONTROL_TERMS, rows)
    cols = ["pct_change", *terms, *controls]
    values = df[cols].to_numpy(dtype=float)
    used = rows & np.isfinite(values).all(axis=1)
    out = np.zeros(len(df), dtype=bool)
    n = int(used.sum())
    X = np.column_stack([values[used, 1:], np.ones(n)])
    if n <= X.shape[1]:
        return out
    out[np.flatnonzero(used)] = ols_influence(values[used, 0], X)["cooks_distance"] > 4.0 / n
    return out


def read_variants(paths) -> dict[tuple[str, str], pd.DataFrame]:
    """(scenario, baseline) -> variant table, for the variant files a job reads."""
    out = {}
    for path in paths:
        df = pd.read_parquet(path)
        out[(str(df["scenario"].iloc[0]), str(df["baseline"].iloc[0]))] = df
    return out


def baseline_variants(variants: dict[tuple[str, str], pd.DataFrame], scenario: str) -> dict[str, pd.DataFrame]:
    """baseline -> variant table of one scenario, checked to list the same areas in one order
    (family-level resampling draws rows by position across baselines)."""
    out = {b: df for (s, b), df in variants.items() if s == scenario}
    if not out:
        raise ValueError(f"no data variant for scenario {scenario!r}; have {sorted(variants)}")
    if len({tuple(df["area_code"]) for df in out.values()}) > 1:
        raise ValueError(f"the variants of scenario {scenario!r} do not list the same areas in the same order")
    return out
