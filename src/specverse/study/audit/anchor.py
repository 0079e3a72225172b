"""The audit's fixed truth: true NI1 levels, noise and target distributions calibrated
to one analysis dataset (a user's observed file, else the embedded ``mechanical``
scenario), and the note that says what is simulated and what anchors it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from specverse.study.derive import derive_columns
from specverse.study.plan import CONTROL_TERMS

from .settings import AuditSettings

REQUIRED = (
    "area_code",
    "la_type",
    "ni1_2006",
    "ni1_2008",
    "target_on",
    "target_2011",
    "deprivation",
    "ethnic_diversity",
    "age_diversity",
    "social_class_diversity",
    "population",
    "population_density",
    "population_growth",
    "nrf_area",
)


@dataclass(frozen=True)
class Anchor:
    """Fixed truth of the audit, calibrated to one analysis dataset (part 3)."""

    scenario: str
    area_code: np.ndarray
    true_2006: np.ndarray  # % (fixed true 2006 levels)
    true_2008: np.ndarray  # expected true 2008 level (before the change heterogeneity)
    change_sd: float  # sd of the true change across areas, redrawn per replication (points)
    target_on: np.ndarray  # bool
    target_known: np.ndarray  # bool: target_on and a target value exists
    has_lsp: np.ndarray  # bool: an LSP-preferred 2006 figure exists
    lsp_offset: float  # mean LSP-preferred minus published 2006 figure (points)
    controls: np.ndarray  # (n, len(CONTROL_TERMS)), no constant
    stretch_mean: float  # % of the 2006 baseline, among areas with a target value
    stretch_sd: float
    uplift_mean: float  # rule (b): target = 2008 figure + uplift (points)
    uplift_sd: float
    observed: Panel  # the anchor data's own figures as a one-row panel
    diagnostics: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.area_code)

    def stretch_points(self) -> tuple[float, float]:
        """Mean and sd of the independent stretch in NI1 points (target minus baseline)."""
        scale = float(np.mean(self.true_2006)) / 100.0
        return self.stretch_mean * scale, self.stretch_sd * scale


@dataclass(frozen=True)
class Panel:
    """R datasets (rows) of the n areas (columns); one row for an observed file."""

    ni1_2006: np.ndarray
    ni1_2008: np.ndarray
    ni1_2006_lsp: np.ndarray  # LSP-preferred where one exists, else the published figure
    target_2011: np.ndarray  # NaN where no target or the value is missing


def _anchor_rows(analysis: pd.DataFrame, source: str) -> tuple[str, pd.DataFrame]:
    """One scenario's rows: a user's ``observed`` file first, else ``mechanical``, else any."""
    if "scenario" not in analysis.columns:
        return "observed", analysis.reset_index(drop=True)
    present = list(dict.fromkeys(analysis["scenario"].astype(str)))
    for preferred in ("observed", "mechanical", "causal"):
        if preferred in present:
            return preferred, analysis[analysis["scenario"] == preferred].reset_index(drop=True)
    raise ValueError(f"{source}: column 'scenario' holds no known scenario (found {present})")


def _control_matrix(df: pd.DataFrame, source: str) -> np.ndarray:
    for column in ("population", "population_density"):
        bad = df.index[~(pd.to_numeric(df[column], errors="coerce") > 0)]
        if len(bad):
            raise ValueError(
                f"{source}: column '{column}' must be positive (area {df.at[bad[0], 'area_code']})"
            )
    known = {"London borough", "Metropolitan borough", "County council", "Unitary authority"}
    unknown = sorted(set(df["la_type"]) - known)
    if unknown:
        raise ValueError(f"{source}: column 'la_type' has unknown value(s) {unknown}")
    return derive_columns(df)[list(CONTROL_TERMS)].to_numpy(dtype=float)


def _deconvolve(levels: np.ndarray, sampling_var: np.ndarray) -> tuple[np.ndarray, float]:
    """True levels: observed levels shrunk to the mean so their variance loses the sampling part."""
    mean, total = levels.mean(), levels.var(ddof=1)
    true_var = max(total - float(sampling_var.mean()), 0.0)
    return mean + np.sqrt(true_var / total) * (levels - mean), true_var


def calibrate(analysis: pd.DataFrame, settings: AuditSettings, source: str = "analysis") -> Anchor:
    """The audit's fixed truth, calibrated to the anchor dataset's NI1 levels.

    * sampling variance at level p (%): p (100 - p) / n_eff;
    * true change 2006->2008: the file's mean change plus area heterogeneity with the
      observed change variance minus the two sampling variances; it is redrawn in every
      replication, independently of targets, so no target has an effect;
    * fixed true levels: the file's ni1_2008 shrunk toward its mean so that their variance
      is the observed one minus the sampling and change-heterogeneity variances
      (``true_2008`` is the expected true 2008 level; ``true_2006`` = it minus the mean change);
    * stretch distribution: the file's target stretch among areas with a target value.
    """
    missing = [c for c in REQUIRED if c not in analysis.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}")
    scenario, df = _anchor_rows(analysis, source)
    if len(df) < len(CONTROL_TERMS) + 5:
        raise ValueError(f"{source}: scenario {scenario!r} has {len(df)} rows, too few to audit")
    for column in ("ni1_2006", "ni1_2008") + CONTROL_TERMS[:4] + ("population_growth", "nrf_area"):
        values = pd.to_numeric(df[column], errors="coerce")
        bad = df.index[~np.isfinite(values)]
        if len(bad):
            raise ValueError(
                f"{source}: column '{column}' is missing or non-numeric "
                f"(scenario {scenario}, area {df.at[bad[0], 'area_code']})"
            )
    for column in ("ni1_2006", "ni1_2008"):
        bad = df.index[~df[column].between(0, 100, inclusive="neither")]
        if len(bad):
            raise ValueError(
                f"{source}: column '{column}' must lie strictly between 0 and 100 "
                f"(area {df.at[bad[0], 'area_code']})"
            )
    n_eff = settings.n_eff
    y06 = df["ni1_2006"].to_numpy(float)
    y08 = df["ni1_2008"].to_numpy(float)
    target = pd.to_numeric(df["target_2011"], errors="coerce").to_numpy(float)
    target_on = df["target_on"].to_numpy(float) == 1
    target_known = target_on & np.isfinite(target)
    if target_known.sum() < 3:
        raise ValueError(f"{source}: fewer than 3 areas have target_on = 1 and a target_2011")
    lsp = (
        pd.to_numeric(df["ni1_2006_lsp"], errors="coerce").to_numpy(float)
        if "ni1_2006_lsp" in df.columns
        else np.full(len(df), np.nan)
    )
    has_lsp = np.isfinite(lsp)

    var06, var08 = y06 * (100 - y06) / n_eff, y08 * (100 - y08) / n_eff
    change = y08 - y06
    change_var = max(change.var(ddof=1) - float((var06 + var08).mean()), 0.0)
    true_2008, level_var = _deconvolve(y08, var08 + change_var)
    controls = _control_matrix(df, source)

    stretch = 100 * (target - y06) / y06
    s_mean = settings.stretch_mean if settings.stretch_mean is not None else stretch[target_known].mean()
    s_sd = settings.stretch_sd if settings.stretch_sd is not None else stretch[target_known].std(ddof=1)
    # Rule (b) uplift, unless configured: target - 2006 figure = change + uplift (points), so
    # the uplift takes the rest of the stretch's mean and variance (in points of the baseline).
    scale = y06[target_known].mean() / 100.0
    u_mean = settings.uplift_mean
    if u_mean is None:
        u_mean = s_mean * scale - change.mean()  # the simulated change has the overall mean
    u_sd = settings.uplift_sd
    if u_sd is None:
        u_sd = np.sqrt(max((s_sd * scale) ** 2 - change.var(ddof=1), 0.0))
    observed = Panel(
        ni1_2006=y06[None, :],
        ni1_2008=y08[None, :],
        ni1_2006_lsp=np.where(has_lsp, lsp, y06)[None, :],
        target_2011=np.where(target_known, target, np.nan)[None, :],
    )
    diagnostics = {
        "areas": len(df),
        "areas_with_target": int(target_on.sum()),
        "areas_with_target_value": int(target_known.sum()),
        "effective_respondents": n_eff,
        "sampling_sd_2006_mean": float(np.sqrt(var06).mean()),
        "sampling_sd_2008_mean": float(np.sqrt(var08).mean()),
        "observed_sd_2008": float(y08.std(ddof=1)),
        "true_sd_levels": float(np.sqrt(level_var)),
        "observed_mean_change": float(change.mean()),
        "observed_sd_change": float(change.std(ddof=1)),
        "true_sd_change": float(np.sqrt(change_var)),
        "stretch_mean_pct": float(s_mean),
        "stretch_sd_pct": float(s_sd),
        "uplift_mean_points": float(u_mean),
        "uplift_sd_points": float(u_sd),
    }
    return Anchor(
        scenario=scenario,
        area_code=df["area_code"].astype(str).to_numpy(),
        true_2006=np.clip(true_2008 - change.mean(), 1.0, 99.0),
        true_2008=true_2008,
        change_sd=float(np.sqrt(change_var)),
        target_on=target_on,
        target_known=target_known,
        has_lsp=has_lsp,
        lsp_offset=float((lsp - y06)[has_lsp].mean()) if has_lsp.any() else 0.0,
        controls=controls,
        stretch_mean=float(s_mean),
        stretch_sd=float(s_sd),
        uplift_mean=float(u_mean),
        uplift_sd=float(u_sd),
        observed=observed,
        diagnostics=diagnostics,
    )


def observed_panel(anchor: Anchor) -> Panel:
    """The anchor dataset's own figures as a one-row panel."""
    return anchor.observed


def anchor_note(anchor: Anchor, settings: AuditSettings, codebook: pd.DataFrame | None) -> str:
    """The visible note: the audit's datasets are simulated, and which real columns anchor them."""
    head = (
        f"SIMULATED BY DESIGN: {settings.replications:,} datasets per design of NI1 survey figures "
        f"(binomial sampling error, {settings.respondents} respondents, design effect "
        f"{settings.design_effect:g}) and targets drawn by rule; no target has any effect except "
        f"in the causal design."
    )
    used = ["ni1_2008", "ni1_2006", "target_on", "target_2011", *CONTROL_TERMS[:4], "population",
            "population_density", "population_growth", "nrf_area", "la_type"]
    if anchor.scenario == "observed":
        return f"{head} Anchored on the user's file (scenario observed): its NI1 levels, targets and controls."
    real, simulated = [], []
    if codebook is not None and {"column", "provenance"} <= set(codebook.columns):
        prov = dict(zip(codebook["column"].astype(str), codebook["provenance"].astype(str).str.lower()))
        for column in used:
            (simulated if prov.get(column, "simulated") == "simulated" else real).append(column)
    else:
        simulated = used
    return (
        f"{head} Anchored on the embedded '{anchor.scenario}' scenario: real (public) columns "
        f"{', '.join(real) or 'none'}; simulated columns {', '.join(simulated) or 'none'}."
    )
