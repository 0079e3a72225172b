"""How strong would a hidden confounder have to be? The omitted-variable sensitivity of
every OLS / WLS model (:mod:`.sensitivity`'s closed forms on the table's own fits), the
benchmarks against the observed controls, Oster's delta for the paper's Models 2 and 3,
and the sensemakr-style contour grid of Model 3.

Everything uses the *classical* t statistics of the outcome regression (the partial-R^2
identities behind Cinelli & Hazlett's formulas hold for the OLS fit, or the sqrt-weight
transformed fit of WLS, whatever SE the inference uses).  Benchmarks refit each model
twice through the engine: with every Table 2 control reported (their t in the outcome
regression) and the treatment on the controls (their t there); a control's strength is
its pair of partial R^2, and the ``benchmark_*`` columns say how many times as strong as
deprivation, or as the strongest control, a confounder must be to bring the estimate to 0
(``_q1``) or to insignificance at alpha (``_alpha05``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from specverse.engine import RegSpec, fit_full, fit_specs
from specverse.study.cell_models import batched_inputs, model_inputs
from specverse.study.plan import CONTROL_TERMS, DIMENSIONS, ESTIMATOR_ENGINE, REGRESSOR_COLUMNS, Spec

from . import sensitivity as ovb
from .paper_nulls import PAPER_MODELS, paper_spec

COLUMNS = ["model_id", "term", "partial_r2", "rv_q1", "rv_q1_alpha05", "benchmark_deprivation_q1",
           "benchmark_strongest_q1", "benchmark_strongest_alpha05", "strongest_control"]
BENCHMARK = "deprivation"
_INDEX = {name: i for i, name in enumerate(REGRESSOR_COLUMNS)}


def sensitivity_table(specs: pd.DataFrame, variants: Mapping, *, alpha: float = 0.05) -> pd.DataFrame:
    """One row per OLS / WLS model and term: partial R^2, robustness values and benchmark
    multiples (see the module docstring).  ``specs`` is the specification table (its
    classical rows carry the t and df); Huber models get no row."""
    rows = specs[(specs["se_type"] == "classical") & (specs["status"] == "ok")
                 & (specs["estimator"].map(ESTIMATOR_ENGINE) != "huber")].reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    t, df = rows["t"].to_numpy(float), rows["df"].to_numpy(float)
    out = pd.DataFrame({
        "model_id": rows["model_id"], "term": rows["term"],
        "partial_r2": ovb.partial_r2(t, df),
        "rv_q1": ovb.robustness_value(t, df, q=1.0),
        "rv_q1_alpha05": ovb.robustness_value(t, df, q=1.0, alpha=alpha),
    })
    bench = benchmarks(rows, variants, alpha=alpha)
    return out.merge(bench, on=["model_id", "term"], how="left")[COLUMNS]


def control_strengths(rows: pd.DataFrame, variants: Mapping) -> pd.DataFrame:
    """Per model, term and Table 2 control in the model: the control's partial R^2 with
    the outcome (given the treatment and the other regressors) and with the treatment
    (given the other regressors), and the treatment's classical t and df."""
    models = rows.drop_duplicates("model_id")
    specs = [Spec(*(getattr(r, d) for d in DIMENSIONS)) for r in models.itertuples(index=False)]
    records = []
    for batch in batched_inputs(variants, specs):
        outcome_specs = [RegSpec(s.terms + s.controls, (), s.mask) for s in batch["specs"]]
        fit = fit_specs(batch["y"], batch["regressors"], outcome_specs, weights=batch["weights"],
                        estimator=batch["estimator"], se_types=("classical",), f_statistic=False)
        t_y = _t_by_spec_and_term(fit)
        for term_col in sorted({t for s in batch["specs"] for t in s.terms}):
            users = [(k, s) for k, s in enumerate(batch["specs"]) if term_col in s.terms and s.controls]
            if not users:
                continue
            d_specs = [RegSpec(s.controls, tuple(t for t in s.terms if t != term_col), s.mask) for _, s in users]
            d_fit = fit_specs(batch["regressors"][:, term_col], batch["regressors"], d_specs,
                              weights=batch["weights"], estimator=batch["estimator"], se_types=("classical",),
                              f_statistic=False)
            t_d = {(users[spec][0], term): v for (spec, term), v in _t_by_spec_and_term(d_fit).items()}
            for k, s in users:
                spec = specs[batch["index"][k]]
                t_treat, df_y = t_y[(k, term_col)]
                for c in s.controls:
                    name = REGRESSOR_COLUMNS[c]
                    if name not in CONTROL_TERMS:
                        continue
                    records.append((spec.model_id, REGRESSOR_COLUMNS[term_col], name, t_treat, df_y,
                                    *t_y[(k, c)], *t_d[(k, c)]))
    frame = pd.DataFrame(records, columns=["model_id", "term", "control", "t", "df", "t_y", "df_y", "t_d", "df_d"])
    frame["r2yxj_dx"] = ovb.partial_r2(frame["t_y"].to_numpy(float), frame["df_y"].to_numpy(float))
    frame["r2dxj_x"] = ovb.partial_r2(frame["t_d"].to_numpy(float), frame["df_d"].to_numpy(float))
    return frame


def _t_by_spec_and_term(fit: pd.DataFrame) -> dict:
    """(spec, term) -> (t, df) of a fit_specs table (from its columns: not a row object
    per row, the whole family's fits are tens of thousands of rows)."""
    keys = zip(fit["spec"].to_numpy().tolist(), fit["term"].to_numpy().tolist())
    return dict(zip(keys, zip(fit["t"].to_numpy().tolist(), fit["df"].to_numpy().tolist())))


def benchmarks(rows: pd.DataFrame, variants: Mapping, *, alpha: float) -> pd.DataFrame:
    """The benchmark multiples of every model and term (module docstring)."""
    s = control_strengths(rows, variants)
    if s.empty:
        return pd.DataFrame(columns=["model_id", "term", *COLUMNS[5:]])
    args = (s["t"].to_numpy(float), s["df"].to_numpy(float), s["r2dxj_x"].to_numpy(float),
            s["r2yxj_dx"].to_numpy(float))
    s["k_q1"] = ovb.multiplier_to_explain_away(*args)
    s["k_alpha"] = ovb.multiplier_to_explain_away(*args, alpha=alpha)
    key = ["model_id", "term"]
    strongest = s.loc[s.groupby(key)["k_q1"].idxmin().dropna()]
    out = strongest[key].copy()
    out["benchmark_strongest_q1"] = strongest["k_q1"].to_numpy()
    out["strongest_control"] = strongest["control"].to_numpy()
    out = out.merge(s.groupby(key)["k_alpha"].min().rename("benchmark_strongest_alpha05").reset_index(), on=key)
    dep = s[s["control"] == BENCHMARK][[*key, "k_q1"]].rename(columns={"k_q1": "benchmark_deprivation_q1"})
    return out.merge(dep, on=key, how="left")


def oster_table(variants: Mapping, scenario: str, *, r_max_grid=None) -> pd.DataFrame:
    """Oster's delta for the paper's Models 2 and 3 (and beta* at delta = 1), with
    R_max = 1.3 R~ and a sweep of R_max: one row per (model, r_max)."""
    out = []
    for model, (_, term) in PAPER_MODELS.items():
        inputs = model_inputs(variants, paper_spec(scenario, model, "classical"))
        spec, Z = inputs["spec"], inputs["regressors"]
        rows = spec.mask & np.isfinite(inputs["y"])
        y, x = inputs["y"][rows], Z[rows, spec.terms[0]]
        controls = Z[np.ix_(rows, spec.controls)]
        names = ["x", *[f"c{i}" for i in range(controls.shape[1])]]
        long = fit_full(y, np.column_stack([x, controls]), names, se_type="classical")
        short = fit_full(y, x[:, None], ["x"], se_type="classical")
        b_long, se_long = long.coefficients.set_index("term").loc["x", ["estimate", "std_error"]]
        b_short = short.coefficients.set_index("term").loc["x", "estimate"]
        var_y, var_x = float(np.var(y, ddof=1)), float(np.var(x, ddof=1))
        tau_x = float(ovb.oster_tau_x(se_long, long.df_resid, long.r_squared, var_y))
        grid = np.unique(np.r_[ovb.oster_rmax(long.r_squared), r_max_grid if r_max_grid is not None else
                               np.linspace(min(long.r_squared + 0.05, 1.0), 1.0, 8)])
        common = dict(var_y=var_y, var_x=var_x, tau_x=tau_x)
        for r_max in grid:
            out.append({
                "scenario": scenario, "model": model, "term": term, "n": long.n,
                "beta_short": b_short, "r2_short": short.r_squared, "beta_long": b_long, "r2_long": long.r_squared,
                "r_max": r_max, "r_max_rule": bool(np.isclose(r_max, ovb.oster_rmax(long.r_squared))),
                "delta": float(ovb.oster_delta(b_short, short.r_squared, b_long, long.r_squared, r_max, **common)),
                "delta_approx": float(ovb.oster_delta_approx(b_short, short.r_squared, b_long, long.r_squared,
                                                             r_max)),
                "beta_star_delta1": float(ovb.oster_beta(b_short, short.r_squared, b_long, long.r_squared, r_max,
                                                         **common)),
            })
    return pd.DataFrame(out)


def contour_table(specs: pd.DataFrame, variants: Mapping, scenario: str, *, alpha: float = 0.05,
                  grid_points: int = 41, kmax: tuple[int, ...] = (1, 2, 3)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sensemakr contour grid of the paper's Model 3: the bias-adjusted estimate and t
    over hypothetical confounder strengths (r2dz_x, r2yz_dx), and the benchmark points
    (k times deprivation, k times the strongest control)."""
    spec = paper_spec(scenario, 3, "classical")
    row = specs[(specs["spec_id"] == spec.spec_id) & (specs["term"] == "target_stretch")]
    if row.empty or row["status"].iloc[0] != "ok":
        return pd.DataFrame(), pd.DataFrame()
    r = row.iloc[0]
    est, se, df = float(r["estimate"]), float(r["std_error"]), float(r["df"])
    axis = np.linspace(0.0, 0.5, grid_points)
    gx, gy = np.meshgrid(axis, axis, indexing="ij")
    grid = pd.DataFrame({"r2dz_x": gx.ravel(), "r2yz_dx": gy.ravel()})
    grid["adjusted_estimate"] = ovb.adjusted_estimate(est, se, df, grid["r2dz_x"], grid["r2yz_dx"])
    grid["adjusted_t"] = ovb.adjusted_t(est, se, df, grid["r2dz_x"], grid["r2yz_dx"])
    grid.insert(0, "scenario", scenario)
    strengths = control_strengths(row, variants)
    strongest = strengths.loc[ovb.multiplier_to_explain_away(
        strengths["t"], strengths["df"], strengths["r2dxj_x"], strengths["r2yxj_dx"]).argmin()]
    points = []
    for label, ctrl in (("deprivation", strengths[strengths["control"] == BENCHMARK].iloc[0]),
                        (f"strongest ({strongest['control']})", strongest)):
        for k in kmax:
            r2d, r2y = ovb.benchmark_bounds(ctrl["r2dxj_x"], ctrl["r2yxj_dx"], kd=k)
            points.append({"scenario": scenario, "benchmark": label, "k": k, "r2dz_x": float(r2d),
                           "r2yz_dx": float(r2y),
                           "adjusted_estimate": float(ovb.adjusted_estimate(est, se, df, r2d, r2y)),
                           "adjusted_t": float(ovb.adjusted_t(est, se, df, r2d, r2y))})
    points.append({"scenario": scenario, "benchmark": "unadjusted", "k": 0, "r2dz_x": 0.0, "r2yz_dx": 0.0,
                   "adjusted_estimate": est, "adjusted_t": est / se})
    return grid, pd.DataFrame(points)
