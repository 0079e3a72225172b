"""The study's own regression designs, for calibrating its inference methods.

One design per treatment family of the multiverse, each with the paper's controls
(``derive.CONTROL_TERMS``, minus any constant in the design's sample) and the paper's
outcome (pct_change), built from one data variant (a table written by
``variants.build_variant``):

* ``target_on``       binary target_on, every area with complete data (n = 150, k = 13);
* ``stretch``         stretch_2006 (target_stretch), its real leverage (n = 131, k = 13);
* ``laa_only``        target_stretch among LAA areas with a target value (about 67 rows);
* ``wls_population``  target_stretch by WLS with population weights (the multiverse's
                      wls_population estimator);
* ``two_term``        target_on and target_stretch together; each term is calibrated.

Each design carries what the null error models calibrate to: ``mean`` = the paper's
model fitted on these data with the tested coefficient(s) set to 0 (irrelevant to every
method by regression equivariance; it keeps the simulated outcomes on the data's
scale), ``resid_sd`` = sqrt(SSR / (n - k)) of that model's raw residuals (for WLS the
unweighted ones: the errors are generated on the outcome's scale), and, for the survey
model, the audit's true NI1 levels (``audit.calibrate``: the variant's ni1_2008 shrunk
toward its mean so their spread loses the sampling part, and true_2006 = that minus the
mean change), i.e. the audit's sampling model used as an error model.

Data honesty: on the embedded data target_on, target_2011 (hence every stretch), the
2006 baseline and the three diversity controls are SIMULATED (``simulate``); a
design's leverage is then that of simulated columns, and ``data_note`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from specverse.engine import fit_full

from . import audit
from .derive import CONTROL_TERMS, DERIVED_INPUTS
from .plan import ESTIMATOR_WEIGHTS, TREATMENT_TERMS
from .simulate import SIMULATED_COLUMNS
from .variants import treatment_rows, varying_terms

OUTCOME = "pct_change"
#: design name -> (multiverse treatment, multiverse estimator, regressor driving the
#: heteroskedastic error models)
DESIGNS = {
    "target_on": ("target_on", "ols", "target_on"),
    "stretch": ("stretch_2006", "ols", "target_stretch"),
    "laa_only": ("stretch_laa_only", "ols", "target_stretch"),
    "wls_population": ("stretch_2006", "wls_population", "target_stretch"),
    "two_term": ("target_on_and_stretch", "ols", "target_stretch"),
}


@dataclass(frozen=True)
class CalibrationDesign:
    """One fixed design: regressors (n, p) with the tested term(s) first, then controls
    (no constant; the engine adds it)."""

    name: str
    treatment: str
    estimator: str  # "ols" or "wls"
    regressors: np.ndarray
    columns: tuple[str, ...]
    tested: tuple[int, ...]
    rows: np.ndarray  # positions in the variant table
    area_code: np.ndarray
    weights: np.ndarray | None
    mean: np.ndarray  # (n,) the paper's fit with the tested coefficient(s) set to 0
    resid_sd: float
    driver: np.ndarray  # (n,) the regressor whose size drives the heteroskedastic models
    true_2006: np.ndarray  # (n,) % : the audit's true levels (survey model)
    true_2008: np.ndarray
    max_leverage: float  # of the paper's fit (WLS: the sqrt-weight transformed one)
    dropped_controls: tuple[str, ...]
    data_note: str

    @property
    def n(self) -> int:
        return self.regressors.shape[0]

    @property
    def k(self) -> int:
        return self.regressors.shape[1] + 1

    @property
    def tested_terms(self) -> tuple[str, ...]:
        return tuple(self.columns[j] for j in self.tested)

    def labels(self) -> tuple[str, ...]:
        """Row labels of the calibration tables: the design name, or name:term for several terms."""
        if len(self.tested) == 1:
            return (self.name,)
        return tuple(f"{self.name}:{t}" for t in self.tested_terms)


def build_designs(variant: pd.DataFrame, names=tuple(DESIGNS), *, respondents: int = 1100,
                  design_effect: float = 1.5, source: str = "variant") -> list[CalibrationDesign]:
    """The named designs built from one variant table (see the module doc).

    ``respondents`` / ``design_effect`` are the audit's survey settings, used to separate
    the true NI1 levels from sampling noise.  ``source`` names the table in errors.
    """
    names = tuple(names)
    unknown = [d for d in names if d not in DESIGNS]
    if unknown:
        raise ValueError(f"unknown calibration design(s) {unknown}; choose from {list(DESIGNS)}")
    needed = {OUTCOME, "area_code", "scenario", "ni1_2006", "ni1_2008", "target_on", "target_stretch", "population", *CONTROL_TERMS}
    missing = sorted(needed - set(variant.columns))
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing} (a table written by variants.build_variant is expected)")
    scenarios = sorted(set(variant["scenario"].astype(str)))
    if len(scenarios) != 1:
        raise ValueError(f"{source}: one scenario per variant expected, found {scenarios}")
    anchor = audit.calibrate(variant, audit.AuditSettings(seed=0, respondents=respondents, design_effect=design_effect), source)
    level = pd.DataFrame({"t06": anchor.true_2006, "t08": anchor.true_2008}, index=anchor.area_code)
    return [_build(variant, name, level, scenarios[0], source) for name in names]


def _build(df: pd.DataFrame, name: str, level: pd.DataFrame, scenario: str, source: str) -> CalibrationDesign:
    treatment, estimator, driver = DESIGNS[name]
    terms = TREATMENT_TERMS[treatment]
    rows = treatment_rows(df, treatment).copy()
    for column in (OUTCOME, *terms, *CONTROL_TERMS):
        rows &= np.isfinite(df[column].to_numpy(dtype=float))
    weight_col = ESTIMATOR_WEIGHTS.get(estimator)
    weights = None
    if weight_col is not None:
        w = df[weight_col].to_numpy(dtype=float)
        rows &= np.isfinite(w) & (w > 0)
    controls = varying_terms(df, CONTROL_TERMS, rows)
    dropped = tuple(t for t in CONTROL_TERMS if t not in controls)
    columns = (*terms, *controls)
    pos = np.flatnonzero(rows)
    if pos.size <= len(columns) + 1:
        raise ValueError(f"{source}: design {name!r} has {pos.size} complete rows for {len(columns) + 1} coefficients")
    X = df[list(columns)].to_numpy(dtype=float)[pos]
    y = df[OUTCOME].to_numpy(dtype=float)[pos]
    if weight_col is not None:
        weights = df[weight_col].to_numpy(dtype=float)[pos]
    fit = fit_full(y, X, list(columns), weights=weights, se_type="classical")
    coef = fit.coefficients.set_index("term")["estimate"]
    n, k = X.shape[0], X.shape[1] + 1
    tested = tuple(range(len(terms)))
    mean = fit.fitted[fit.used] - X[:, list(tested)] @ coef[list(terms)].to_numpy()
    resid = fit.resid[fit.used]
    codes = df["area_code"].astype(str).to_numpy()[pos]
    missing = [c for c in codes if c not in level.index]
    if missing:
        raise ValueError(f"{source}: no true NI1 level for area(s) {missing[:5]}")
    return CalibrationDesign(
        name=name,
        treatment=treatment,
        estimator="ols" if weights is None else "wls",
        regressors=X,
        columns=columns,
        tested=tested,
        rows=pos,
        area_code=codes,
        weights=weights,
        mean=mean,
        resid_sd=float(np.sqrt(resid @ resid / (n - k))),
        driver=df[driver].to_numpy(dtype=float)[pos],
        true_2006=level.loc[codes, "t06"].to_numpy(),
        true_2008=level.loc[codes, "t08"].to_numpy(),
        max_leverage=float(np.nanmax(fit.leverage)),
        dropped_controls=dropped,
        data_note=_data_note(scenario, columns),
    )


def _data_note(scenario: str, columns) -> str:
    if scenario == "observed":
        return "design built from the user's data (scenario observed)"
    used = [OUTCOME, *columns]
    simulated = [c for c in used if c in SIMULATED_COLUMNS or set(DERIVED_INPUTS.get(c, ())) & set(SIMULATED_COLUMNS)]
    return (
        f"design built from the embedded '{scenario}' scenario: column(s) {', '.join(simulated)} "
        f"are SIMULATED or derived from simulated columns, so its leverage and error scale are those of simulated data"
    )


def design_table(designs) -> pd.DataFrame:
    """One row per calibrated term: design (label), term, treatment, estimator, n, k,
    max_leverage, resid_sd, dropped_controls, data_note."""
    out = []
    for d in designs:
        for label, term in zip(d.labels(), d.tested_terms):
            out.append({
                "design": label,
                "term": term,
                "treatment": d.treatment,
                "estimator": d.estimator,
                "n": d.n,
                "k": d.k,
                "max_leverage": d.max_leverage,
                "resid_sd": d.resid_sd,
                "dropped_controls": ";".join(d.dropped_controls),
                "data_note": d.data_note,
            })
    return pd.DataFrame(out)
