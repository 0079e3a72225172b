"""The mechanical-bias audit: can survey sampling error or target-setting alone make a stretch slope?

Every dataset here is SIMULATED BY DESIGN.  Survey sampling error (binomial, Kish
effective sample size ``respondents / design_effect``) is drawn around fixed true NI1
levels anchored on one analysis dataset (a user's observed file, else the embedded
``mechanical`` scenario).  In the mechanical designs no target has any effect; targets
are set by a rule:

* ``a_published_2006`` target = published 2006 survey figure + an independent stretch;
* ``b_from_2008``      target = 2008 survey figure + an uplift;
* ``c_mix_<q>``        each target set from 2008 with probability q, else as in (a);
* ``d_true_level_2006`` target = the area's true 2006 level + an independent stretch (the
  classic regression-to-the-mean case: the target does not move with the published error);
* ``causal``           targets as in (a) and the true 2008 level rises by ``causal_effect``
  per point of stretch (the power scenario).

Public entry points: :func:`calibrate` (part 3: the anchor's noise and levels),
:func:`null_slopes` (part 1), :func:`discrimination` (part 2) and
:func:`expected_slope` (the analytic expectation derived in docs/audit.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from specverse.engine.linalg import ols_solve, residualize, sandwich
from specverse.engine.seeds import method_rng, spec_seed
from specverse.study.derive import CONTROL_TERMS, derive_columns, stretch
from specverse.study.specs import BASELINES, OUTCOME_EXTRA_TERMS, OUTCOMES, TREATMENT_TERMS, TREATMENTS

__all__ = [
    "AuditSettings",
    "Anchor",
    "Design",
    "Panel",
    "CONTROL_TERMS",
    "PUBLISHED",
    "calibrate",
    "designs",
    "simulate",
    "observed_panel",
    "family_arrays",
    "fit_batched",
    "expected_slope",
    "null_slopes",
    "discrimination",
    "design_label",
    "anchor_note",
    "calibration_table",
]

#: The published estimates the null distributions are set against (Table 2).
PUBLISHED = {("model_2", "target_on"): 0.952, ("model_3", "target_stretch"): 0.651}

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
class AuditSettings:
    """The ``audit:`` section of the config plus the global seed."""

    seed: int
    replications: int = 1000
    respondents: int = 1100
    design_effect: float = 1.5
    uplift_mean: float | None = None  # points; None = calibrated to the anchor's stretches
    uplift_sd: float | None = None
    stretch_mean: float | None = None  # % of baseline; None = the anchor's own stretches
    stretch_sd: float | None = None
    mix_shares: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    causal_effect: float = 0.651
    alpha: float = 0.05

    @classmethod
    def from_config(cls, config: dict) -> "AuditSettings":
        audit = dict(config.get("audit", {}))
        if "mix_shares" in audit:
            audit["mix_shares"] = tuple(float(s) for s in audit["mix_shares"])
        unknown = set(audit) - (set(cls.__dataclass_fields__) - {"seed"})
        if unknown:
            raise ValueError(f"config audit: unknown key(s) {sorted(unknown)}")
        return cls(seed=int(config["seed"]), **audit)

    @property
    def n_eff(self) -> int:
        """Kish effective sample size: the binomial draw uses n / design effect respondents."""
        return max(int(round(self.respondents / self.design_effect)), 1)


@dataclass(frozen=True)
class Design:
    name: str
    share_from_2008: float  # probability a target is set from the 2008 figure
    anchor_true_level: bool = False  # non-2008 targets set from the true level (rule d)
    effect: float = 0.0  # planted effect per point of stretch (causal only)
    causal: bool = False

    @property
    def mechanical(self) -> bool:
        return not self.causal


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


# --------------------------------------------------------------------------- calibration
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


# --------------------------------------------------------------------------- simulation
def designs(settings: AuditSettings) -> list[Design]:
    """Rules (a), (b), the mixes (c) of config ``mix_shares``, (d) and the causal design."""
    out = [Design("a_published_2006", 0.0), Design("b_from_2008", 1.0)]
    out += [Design(f"c_mix_{q:.2f}", q) for q in sorted(set(settings.mix_shares)) if 0.0 < q < 1.0]
    out += [Design("d_true_level_2006", 0.0, anchor_true_level=True)]
    out += [Design("causal", 0.0, effect=settings.causal_effect, causal=True)]
    return out


def _rng(settings: AuditSettings, stream: str) -> np.random.Generator:
    # Streams are named by what they draw, not by design, so every mechanical design
    # sees the same survey draws (common random numbers: their differences are the rule's).
    return method_rng(spec_seed(settings.seed, f"audit/{stream}"), stream)


def _survey(rng: np.random.Generator, level: np.ndarray, n_eff: int) -> np.ndarray:
    return rng.binomial(n_eff, np.clip(level, 0.0, 100.0) / 100.0) * (100.0 / n_eff)


def simulate(anchor: Anchor, design: Design, settings: AuditSettings) -> Panel:
    """``settings.replications`` datasets of survey figures and targets under one design."""
    R, n, n_eff = settings.replications, anchor.n, settings.n_eff
    shape = (R, n)
    d_mean, d_sd = anchor.stretch_points()
    y06 = _survey(_rng(settings, "survey_2006"), np.broadcast_to(anchor.true_2006, shape), n_eff)
    stretch_pts = _rng(settings, "stretch").normal(d_mean, d_sd, shape)
    uplift = _rng(settings, "uplift").normal(anchor.uplift_mean, anchor.uplift_sd, shape)
    from_2008 = _rng(settings, "target_rule").random(shape) < design.share_from_2008
    change = _rng(settings, "true_change").normal(0.0, anchor.change_sd, shape)
    true_08 = anchor.true_2008 + change + design.effect * stretch_pts * anchor.target_on
    y08 = _survey(_rng(settings, "survey_2008"), np.broadcast_to(true_08, shape), n_eff)
    lsp = _survey(_rng(settings, "survey_lsp"), np.broadcast_to(anchor.true_2006, shape), n_eff)
    lsp = np.where(anchor.has_lsp, lsp + anchor.lsp_offset, y06)
    base = np.broadcast_to(anchor.true_2006, shape) if design.anchor_true_level else y06
    target = np.where(from_2008, y08 + uplift, base + stretch_pts)
    return Panel(y06, y08, lsp, np.where(anchor.target_known, target, np.nan))


def observed_panel(anchor: Anchor) -> Panel:
    """The anchor dataset's own figures as a one-row panel."""
    return anchor.observed


# --------------------------------------------------------------------------- options
def _baseline(panel: Panel, baseline: str) -> np.ndarray:
    if baseline == "published":
        return panel.ni1_2006
    if baseline == "lsp_preferred":
        return panel.ni1_2006_lsp
    raise ValueError(f"unknown baseline option {baseline!r}; expected one of {BASELINES}")


def _outcome(panel: Panel, base: np.ndarray, outcome: str) -> tuple[np.ndarray, bool]:
    """Outcome array and whether the baseline enters as a regressor (ancova)."""
    y08 = panel.ni1_2008
    if outcome == "pct_change":
        return 100.0 * (y08 - base) / base, False
    if outcome == "point_change":
        return y08 - base, False
    if outcome == "log_ratio":
        return 100.0 * np.log(y08 / base), False
    if outcome == "ancova":
        return y08, True
    raise ValueError(f"unknown outcome option {outcome!r}; expected one of {OUTCOMES}")


def family_arrays(panel: Panel, anchor: Anchor, baseline: str, outcome: str, treatment: str):
    """Outcome ``(R, n)``, per-replication regressors ``(R, n, p)``, their names and the row mask.

    The options mean what they mean in the multiverse (specverse.study.specs and
    variants.build_variant): term names from ``specs.TREATMENT_TERMS``, stretches from
    ``derive.stretch`` (100 (target - baseline) / baseline for target areas, 0 otherwise,
    missing where the target value is), ``target_stretch_2008`` against the 2008 figure,
    ``stretch_laa_only`` on LAA areas only; under ancova the baseline is a regressor.
    """
    base = _baseline(panel, baseline)
    y, ancova = _outcome(panel, base, outcome)
    on = anchor.target_on.astype(float)
    columns = {
        "target_on": np.broadcast_to(on, y.shape),
        "target_stretch": stretch(panel.target_2011, base, on),
        "target_stretch_2008": stretch(panel.target_2011, panel.ni1_2008, on),
    }
    if treatment not in TREATMENT_TERMS:
        raise ValueError(f"unknown treatment option {treatment!r}; expected one of {TREATMENTS}")
    names = list(TREATMENT_TERMS[treatment])
    cols = [columns[name] for name in names]
    # Rows the model can use: complete rows; LAA areas only for stretch_laa_only.
    mask = np.isfinite(np.stack(cols)).all(axis=(0, 1))
    if treatment == "stretch_laa_only":
        mask &= anchor.target_on
    if ancova:
        cols, names = cols + [base], names + list(OUTCOME_EXTRA_TERMS["ancova"])
    return y, np.stack(cols, axis=-1), names, mask


# --------------------------------------------------------------------------- estimation
def fit_batched(y: np.ndarray, X: np.ndarray, controls: np.ndarray, mask: np.ndarray) -> dict:
    """OLS of each replication's ``y`` on its ``X`` plus fixed controls and a constant, HC1 SEs.

    Frisch-Waugh-Lovell: the controls are the same in every replication, so the outcome
    and all per-replication regressors are residualized on them in ONE projection
    (a reduced QR of [1, controls] applied to an (n, R*(p+1)) matrix); then R small
    p-column problems are solved batched.  The HC0 sandwich of the residualized problem
    equals the full model's block; HC1 scales by n / (n - k) with k the full column count.
    Returns arrays ``estimate, std_error, t, p_one_tailed, p_two_tailed`` (R, p), ``n``, ``df``.
    """
    R, _, p = X.shape
    W = np.column_stack([np.ones(int(mask.sum())), controls[mask]])
    if np.linalg.matrix_rank(W) < W.shape[1]:
        raise ValueError("the controls are collinear in this sample; the audit needs full rank")
    stacked = np.concatenate([y[:, mask, None], X[:, mask, :]], axis=2)  # (R, m, p+1)
    m = stacked.shape[1]
    flat = np.moveaxis(stacked, 0, 1).reshape(m, R * (p + 1))
    resid = np.moveaxis(residualize(flat, W).reshape(m, R, p + 1), 1, 0)
    y_t, X_t = resid[:, :, 0], resid[:, :, 1:]
    beta, xtx_inv, ok = ols_solve(X_t, y_t)
    e = y_t - np.einsum("rmp,rp->rm", X_t, np.nan_to_num(beta))
    df = m - W.shape[1] - p
    cov = sandwich(X_t, np.nan_to_num(xtx_inv), e**2 * (m / df))
    se = np.sqrt(np.einsum("rpp->rp", cov))
    se = np.where(ok[:, None], se, np.nan)
    t = beta / se
    return {
        "estimate": beta,
        "std_error": se,
        "t": t,
        "p_one_tailed": stats.t.sf(t, df),
        "p_two_tailed": 2 * stats.t.sf(np.abs(t), df),
        "n": m,
        "df": df,
        "ok": ok,
    }


# --------------------------------------------------------------------------- analytic expectation
def _area_moments(anchor: Anchor, design: Design, settings: AuditSettings):
    """Exact per-area E[s], Var(s), Cov(s, o), E[o] for the paper's stretch and pct change.

    Sums over the exact binomial distribution of the published 2006 figure x; given x,
    the stretch s and the outcome o = 100 (y08 - x) / x are linear in the independent
    stretch/uplift draws and the 2008 sampling error, whose moments are known.
    """
    n_eff = settings.n_eff
    k = np.arange(n_eff + 1)
    x = 100.0 * k / n_eff
    pmf = stats.binom.pmf(k[None, :], n_eff, anchor.true_2006[:, None] / 100.0)  # (n, K)
    x = np.where(x > 0, x, np.nan)[None, :]
    pmf = np.where(np.isfinite(x), pmf, 0.0)
    x = np.nan_to_num(x, nan=1.0)
    md, sd = anchor.stretch_points()
    vd = sd**2
    b = design.effect * anchor.target_on[:, None]
    m08 = anchor.true_2008[:, None] + b * md  # mean true 2008 level
    v_true = anchor.change_sd**2 + b**2 * vd  # its variance across replications
    # 2008 figure: binomial variance averaged over the true level, plus the level's variance.
    var08 = (m08 * (100 - m08) - v_true) / n_eff + v_true
    e_o = 100.0 * (m08 - x) / x
    var_o = 1e4 * var08 / x**2
    anchor_level = anchor.true_2006[:, None] if design.anchor_true_level else x
    # branch 0: target = anchor level + stretch; branch 1: target = y08 + uplift.
    e_s0 = 100.0 * (anchor_level - x + md) / x
    v_s0 = 1e4 * vd / x**2
    c_s0 = 1e4 * b * vd / x**2
    e_s1 = 100.0 * (m08 + anchor.uplift_mean - x) / x
    v_s1 = 1e4 * (var08 + anchor.uplift_sd**2) / x**2
    c_s1 = var_o
    q = design.share_from_2008
    e_s = (1 - q) * e_s0 + q * e_s1
    v_s = (1 - q) * v_s0 + q * v_s1 + q * (1 - q) * (e_s1 - e_s0) ** 2
    c_s = (1 - q) * c_s0 + q * c_s1

    def expect(a):
        return np.sum(pmf * a, axis=1)

    mean_s, mean_o = expect(e_s), expect(e_o)
    var_s = expect(v_s + e_s**2) - mean_s**2
    cov_so = expect(c_s + e_s * e_o) - mean_s * mean_o
    on = anchor.target_on
    return (np.where(on, mean_s, 0.0), np.where(on, var_s, 0.0), np.where(on, cov_so, 0.0), mean_o)


def expected_slope(anchor: Anchor, design: Design, settings: AuditSettings, treatment: str) -> float:
    """Analytic expectation of the paper's coefficient (pct_change, published baseline, full controls).

    ``treatment`` is ``"target_stretch"`` (Model 3) or ``"target_on"`` (Model 2).  With M the
    residual maker of [1, controls] on the model's rows and areas independent,
    E[s'Mo] = mu_s'M mu_o + sum_i M_ii Cov(s_i, o_i) and E[s'Ms] = mu_s'M mu_s + sum_i M_ii
    Var(s_i); the expectation is their ratio (first-order ratio approximation, error O(1/n)).
    For target_on the regressor is fixed, so t'M mu_o / t'M t is exact.
    """
    mean_s, var_s, cov_so, mean_o = _area_moments(anchor, design, settings)
    if treatment == "target_on":
        mask = np.ones(anchor.n, bool)
    elif treatment == "target_stretch":
        mask = anchor.target_known | ~anchor.target_on
    else:
        raise ValueError(f"expected_slope: unknown treatment {treatment!r}")
    W = np.column_stack([np.ones(int(mask.sum())), anchor.controls[mask]])
    Q = np.linalg.qr(W)[0]
    M = np.eye(len(Q)) - Q @ Q.T
    mu_o = mean_o[mask]
    if treatment == "target_on":
        t = anchor.target_on[mask].astype(float)
        return float(t @ M @ mu_o / (t @ M @ t))
    mu_s, diag = mean_s[mask], np.diag(M)
    return float((mu_s @ M @ mu_o + diag @ cov_so[mask]) / (mu_s @ M @ mu_s + diag @ var_s[mask]))


# --------------------------------------------------------------------------- parts 1 and 2
MODELS = (("model_2", "target_on", "target_on"), ("model_3", "stretch_2006", "target_stretch"))


def null_slopes(anchor: Anchor, settings: AuditSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Part 1: per design, every replication's Model 2 target_on and Model 3 stretch coefficient.

    Returns ``(draws, summary)``.  ``draws``: design, share_from_2008, mechanical, replication,
    model, term, estimate, std_error, p_one_tailed, published_estimate, data.  ``summary``: per
    design and model the mean, sd, Monte Carlo SE, quantiles, the analytic expectation, the
    share of simulated slopes at least the published one, the one-tailed rejection rate, the
    anchor data's own estimate and the share of simulated slopes at least that.
    """
    anchor_fit = {}
    for model, treatment, term in MODELS:
        y, X, names, mask = family_arrays(observed_panel(anchor), anchor, "published", "pct_change", treatment)
        anchor_fit[model] = float(fit_batched(y, X, anchor.controls, mask)["estimate"][0, 0])
    draws, summary = [], []
    for design in designs(settings):
        panel = simulate(anchor, design, settings)
        for model, treatment, term in MODELS:
            y, X, names, mask = family_arrays(panel, anchor, "published", "pct_change", treatment)
            fit = fit_batched(y, X, anchor.controls, mask)
            est = fit["estimate"][:, 0]
            published = PUBLISHED[(model, term)]
            draws.append(
                pd.DataFrame(
                    {
                        "design": design.name,
                        "share_from_2008": design.share_from_2008,
                        "mechanical": design.mechanical,
                        "replication": np.arange(settings.replications),
                        "model": model,
                        "term": term,
                        "estimate": est,
                        "std_error": fit["std_error"][:, 0],
                        "p_one_tailed": fit["p_one_tailed"][:, 0],
                        "n": fit["n"],
                        "published_estimate": published,
                        "data": "simulated",
                    }
                )
            )
            good = est[np.isfinite(est)]
            summary.append(
                {
                    "design": design.name,
                    "share_from_2008": design.share_from_2008,
                    "mechanical": design.mechanical,
                    "model": model,
                    "term": term,
                    "replications": good.size,
                    "mean": good.mean(),
                    "sd": good.std(ddof=1),
                    "mc_se": good.std(ddof=1) / np.sqrt(good.size),
                    "q025": np.quantile(good, 0.025),
                    "median": np.median(good),
                    "q975": np.quantile(good, 0.975),
                    "analytic_expectation": expected_slope(anchor, design, settings, term),
                    "published_estimate": published,
                    "share_at_least_published": np.mean(good >= published),
                    "rejection_rate_one_tailed": np.mean(fit["p_one_tailed"][:, 0] <= settings.alpha),
                    "anchor_scenario": anchor.scenario,
                    "anchor_estimate": anchor_fit[model],
                    "share_at_least_anchor": np.mean(good >= anchor_fit[model]),
                    "data": "simulated",
                }
            )
    return pd.concat(draws, ignore_index=True), pd.DataFrame(summary)


def discrimination(anchor: Anchor, settings: AuditSettings) -> pd.DataFrame:
    """Part 2: rejection rates of every baseline x outcome x treatment family under every design.

    One row per (design, baseline, outcome, treatment, term): the mean estimate, the
    one-tailed (H1: > 0, as the paper) and two-tailed rejection rates at ``alpha``, and
    ``role``: false_positive_rate for the mechanical designs, power for the causal one.
    """
    rows = []
    for design in designs(settings):
        panel = simulate(anchor, design, settings)
        for baseline in BASELINES:
            for outcome in OUTCOMES:
                for treatment in TREATMENTS:
                    y, X, names, mask = family_arrays(panel, anchor, baseline, outcome, treatment)
                    fit = fit_batched(y, X, anchor.controls, mask)
                    for j, term in enumerate(names):
                        if term == "ni1_2006":
                            continue
                        est = fit["estimate"][:, j]
                        ok = np.isfinite(est)
                        rows.append(
                            {
                                "design": design.name,
                                "share_from_2008": design.share_from_2008,
                                "role": "false_positive_rate" if design.mechanical else "power",
                                "baseline": baseline,
                                "outcome": outcome,
                                "treatment": treatment,
                                "term": term,
                                "n": fit["n"],
                                "replications": int(ok.sum()),
                                "mean_estimate": est[ok].mean(),
                                "sd_estimate": est[ok].std(ddof=1),
                                "rejection_rate_one_tailed": np.mean(fit["p_one_tailed"][ok, j] <= settings.alpha),
                                "rejection_rate_two_tailed": np.mean(fit["p_two_tailed"][ok, j] <= settings.alpha),
                                "alpha": settings.alpha,
                                "data": "simulated",
                            }
                        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- part 3 and labels
DESIGN_LABELS = {
    "a_published_2006": "(a) target = published 2006 figure + independent stretch",
    "b_from_2008": "(b) target = 2008 figure + uplift",
    "d_true_level_2006": "(d) target = true 2006 level + stretch (classic regression to the mean)",
    "causal": "causal: planted effect per point of stretch",
}


def design_label(name: str, effect: float | None = None) -> str:
    """A reader's label for a design name."""
    if name.startswith("c_mix_"):
        return f"(c) {float(name[6:]):.0%} of targets set from 2008, rest as (a)"
    label = DESIGN_LABELS.get(name, name)
    if name == "causal" and effect is not None:
        label = f"causal: +{effect:g} per point of stretch (planted)"
    return label


def anchor_note(anchor: Anchor, settings: AuditSettings, codebook: pd.DataFrame | None) -> str:
    """The visible note: the audit's datasets are simulated, and which real columns anchor them."""
    head = (
        f"SIMULATED BY DESIGN: {settings.replications} datasets per design of NI1 survey figures "
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


def calibration_table(anchor: Anchor, settings: AuditSettings, summary: pd.DataFrame, note: str) -> pd.DataFrame:
    """Part 3: the noise calibrated to the anchor's NI1 levels and the slopes mechanics alone give there.

    One row per quantity (quantity, value, description); the slope rows take the simulated
    mean Model 3 stretch slope of rules (a), (d) (pure sampling error) and (b) (pure
    target-from-2008 coupling), with the analytic expectation beside them.
    """
    rows = [
        ("anchor_scenario", anchor.scenario, "dataset whose NI1 levels and targets calibrate the audit"),
        ("anchor_note", note, "what is simulated and what anchors it"),
        ("respondents", settings.respondents, "survey respondents per area"),
        ("design_effect", settings.design_effect, "survey design effect"),
    ]
    descriptions = {
        "areas": "areas in the anchor dataset",
        "areas_with_target": "areas with an NI1 target (target_on = 1)",
        "areas_with_target_value": "areas with a target value (the stretch models' LAA rows)",
        "effective_respondents": "Kish effective sample size = respondents / design effect",
        "sampling_sd_2006_mean": "mean sampling sd of the 2006 figure (points)",
        "sampling_sd_2008_mean": "mean sampling sd of the 2008 figure (points)",
        "observed_sd_2008": "sd of the anchor's 2008 figures (points)",
        "true_sd_levels": "sd of the fixed true levels after removing sampling and change variance",
        "observed_mean_change": "mean 2008 minus 2006 figure (points)",
        "observed_sd_change": "sd of the observed change (points)",
        "true_sd_change": "sd of the true change (observed change variance minus sampling variance)",
        "stretch_mean_pct": "mean stretch among areas with a target value (% of baseline)",
        "stretch_sd_pct": "sd of that stretch (% of baseline)",
        "uplift_mean_points": "rule (b) uplift over the 2008 figure: mean (points)",
        "uplift_sd_points": "rule (b) uplift: sd (points); with the change it reproduces the stretch sd",
    }
    rows += [(key, value, descriptions[key]) for key, value in anchor.diagnostics.items()]
    stretch_rows = summary[summary["term"] == "target_stretch"].set_index("design")
    meaning = {
        "a_published_2006": "pure sampling error, targets set from the published 2006 figure",
        "d_true_level_2006": "pure sampling error, targets set from the true level (regression to the mean)",
        "b_from_2008": "pure target-from-2008 coupling",
    }
    for design, what in meaning.items():
        if design in stretch_rows.index:
            row = stretch_rows.loc[design]
            rows += [
                (f"slope_{design}_mean", row["mean"], f"Model 3 stretch slope, {what}: simulated mean"),
                (f"slope_{design}_analytic", row["analytic_expectation"], f"the same, analytic expectation"),
                (f"slope_{design}_q975", row["q975"], "the same, 97.5th percentile"),
            ]
    first = stretch_rows.iloc[0]
    rows += [
        ("anchor_stretch_slope", first["anchor_estimate"], "Model 3 stretch slope estimated on the anchor dataset"),
        ("published_stretch_slope", PUBLISHED[("model_3", "target_stretch")], "published Model 3 slope"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "description"])
