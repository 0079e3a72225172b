"""The joint test on the study's multiverse: rebuild every specification's design from
its row of the specification table and its data variant, run the shared-draw null of
:mod:`.joint`, and tabulate.

A row's design is fully given by the table (contract 3): the outcome column, the
treatment term(s), ``control_terms`` (already without controls constant in the
sample), the sample and the estimator's weights.  Before any draw, the rebuilt
designs are refitted on the original rows and must reproduce the table's estimate
and standard error; otherwise the run stops naming the specification.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from specverse.engine.seeds import method_rng, spec_seed
from specverse.study.specs import ESTIMATOR_WEIGHTS, OUTCOME_COLUMN, TREATMENT_TERMS
from specverse.study.variants import sample_rows

from . import joint
from ._table import usable

#: Estimators the null refits (see the module docstring of :mod:`.joint`).
REFITTED_ESTIMATORS = ("ols", "wls_population")
CHECK_RTOL = 1e-6


def build_designs(rows: pd.DataFrame, variants: Mapping[str, pd.DataFrame], treatment: str):
    """Designs for the rows of one treatment, and each row's (design, outcome, term) position.

    ``variants`` maps baseline -> the variant table of the scenario (rows in the same
    area order for every baseline).  Rows whose regressors, sample and weights are
    identical share one design (whatever their baseline: e.g. ``target_on`` with the
    same controls), each distinct outcome vector being one more right-hand side.
    Returns ``(designs, where)`` with ``where`` an int array (len(rows), 3).
    """
    terms = list(TREATMENT_TERMS[treatment])
    x_cache, y_cache, s_cache, content = {}, {}, {}, {}
    designs, index, outcomes = [], {}, []
    where = np.empty((len(rows), 3), dtype=int)
    missing = sorted(set(rows["baseline"]) - set(variants))
    if missing:
        raise ValueError(f"joint test: no data variant for baseline(s) {missing}; have {sorted(variants)}")
    for i, row in enumerate(rows.itertuples(index=False)):
        frame = variants[row.baseline]
        xk = (row.baseline, row.control_terms or "")
        if xk not in x_cache:
            controls = [c for c in str(row.control_terms or "").split(";") if c and c != "nan"]
            v = frame[terms + controls].to_numpy(float)
            fin = np.isfinite(v).all(axis=1)
            X = np.column_stack([np.where(np.isfinite(v), v, 0.0), np.ones(len(frame))])
            x_cache[xk] = (content.setdefault(X.tobytes(), len(content)), X, fin)
        x_id, X, fin = x_cache[xk]
        yk = (row.baseline, OUTCOME_COLUMN[row.outcome])
        if yk not in y_cache:
            y_cache[yk] = frame[yk[1]].to_numpy(float)
        y = y_cache[yk]
        sk = (row.baseline, row.sample)
        if sk not in s_cache:
            s_cache[sk] = sample_rows(frame, row.sample, row.treatment)
        mask = s_cache[sk] & fin & np.isfinite(y)
        wcol = ESTIMATOR_WEIGHTS.get(row.estimator)
        weights = None
        if wcol is not None:
            weights = frame[wcol].to_numpy(float)
            mask &= np.isfinite(weights) & (weights > 0)
        key = (x_id, mask.tobytes(), row.estimator)
        if key not in index:
            index[key] = len(designs)
            designs.append([X, mask, weights, []])
            outcomes.append({})
        d = index[key]
        if yk not in outcomes[d]:
            outcomes[d][yk] = len(outcomes[d])
            designs[d][3].append(np.where(mask, y, 0.0))
        where[i] = (d, outcomes[d][yk], terms.index(row.term))
    built = [
        joint.Design(X=X, rows=mask, Y=np.column_stack(ys), terms=tuple(range(len(terms))), weights=w)
        for X, mask, w, ys in designs
    ]
    return built, where


def null_matrix(designs, where, se_rows: np.ndarray, counts: np.ndarray, se_types):
    """(R, S) arrays of estimates, standard errors (each row's SE type) and df."""
    R, S = counts.shape[0], len(where)
    b = np.full((R, S), np.nan)
    se = np.full((R, S), np.nan)
    df = np.full((R, S), np.nan)
    for d, design in enumerate(designs):
        pick = np.flatnonzero(where[:, 0] == d)
        needed = tuple(sorted(set(se_rows[pick])))
        fit = joint.refit_design(design, counts, needed)
        b[:, pick] = fit.beta[:, where[pick, 1], where[pick, 2]]
        df[:, pick] = fit.df[:, None]
        for s in needed:
            cols = pick[se_rows[pick] == s]
            se[:, cols] = fit.se[s][:, where[cols, 1], where[cols, 2]]
    return b, se, df


def joint_test_treatment(rows: pd.DataFrame, variants, *, draws: int, seed: int, alpha: float,
                         curve_points: int = 200):
    """Joint tests of every curve (term) of one (scenario, treatment).

    All specifications of the treatment are refitted together on the same draws (a
    two-term treatment reuses each refit for both terms).  Returns ``(records, curves)``:
    the joint_tests.csv rows and, per term, the observed sorted curve against the null
    band on ``curve_points`` ranks.
    """
    scenario, treatment = rows["scenario"].iloc[0], rows["treatment"].iloc[0]
    rows = usable(rows)
    kept = rows[rows["estimator"].isin(REFITTED_ESTIMATORS)].reset_index(drop=True)
    if kept.empty:
        raise ValueError(f"joint test {scenario}/{treatment}: no OLS or WLS specification to refit")
    designs, where = build_designs(kept, variants, treatment)
    se_rows = kept["se_type"].astype(str).to_numpy()
    se_types = tuple(sorted(set(se_rows)))
    n = len(next(iter(variants.values())))
    b0, se0, _ = null_matrix(designs, where, se_rows, np.ones((1, n)), se_types)
    _check_reproduces(kept, b0[0], se0[0])
    # One stream per (scenario, treatment): both terms of a two-term treatment share draws.
    rng = method_rng(spec_seed(seed, f"joint_test;scenario={scenario};treatment={treatment}"), "joint_pairs")
    counts = joint.pair_counts(rng, n, draws)
    b, se, df = null_matrix(designs, where, se_rows, counts, se_types)
    records, curves = [], []
    for term in sorted(kept["term"].unique()):
        cols = np.flatnonzero(kept["term"].to_numpy() == term)
        part = kept.iloc[cols]
        est = part["estimate"].to_numpy(float)
        delta = b[:, cols] - est[None, :]
        observed = joint.observed_statistics(est, part["p_two_tailed"], part["p_one_tailed"], alpha)
        null = joint.null_statistics(delta, se[:, cols], df[:, cols], observed["dominant_sign"], alpha)
        pvals = joint.null_p_values(observed, null)
        records.append({
            "scenario": scenario, "treatment": treatment, "term": term,
            "n_specifications": len(part),
            "n_excluded_huber": int(((rows["estimator"] == "huber") & (rows["term"] == term)).sum()),
            "draws": draws, "alpha": alpha, "dominant_sign": observed["dominant_sign"],
            "median_estimate": observed["median_estimate"], "p_median": pvals["p_median"],
            "n_significant": observed["n_significant"], "p_n_significant": pvals["p_n_significant"],
            "stouffer_z": observed["stouffer_z"], "p_stouffer": pvals["p_stouffer"],
            "null_median_q975": float(np.nanquantile(observed["dominant_sign"] * null["median_estimate"], 0.975)),
            "null_n_significant_q975": float(np.quantile(null["n_significant"], 0.975)),
            "usable_share": float(np.mean(null["usable_share"])),
        })
        size = min(curve_points, len(part))
        band = joint.null_curve(delta, size)
        grid = np.linspace(0.0, 1.0, size)
        obs = np.sort(est)
        curves.append(pd.DataFrame({
            "scenario": scenario, "treatment": treatment, "term": term, "quantile_rank": grid,
            "observed": np.interp(grid, np.linspace(0.0, 1.0, obs.size), obs) if obs.size > 1 else obs[0],
            "null_q025": band[:, 0], "null_q500": band[:, 1], "null_q975": band[:, 2],
        }))
    return records, pd.concat(curves, ignore_index=True)


def _check_reproduces(kept: pd.DataFrame, b, se) -> None:
    est = kept["estimate"].to_numpy(float)
    ses = kept["std_error"].to_numpy(float)
    scale = np.maximum(np.abs(est), ses)
    bad = ~(np.abs(b - est) <= CHECK_RTOL * scale) | ~(np.abs(se - ses) <= CHECK_RTOL * ses)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"joint test: rebuilt design of spec_id {kept['spec_id'].iloc[i]} (term {kept['term'].iloc[i]}) "
            f"gives estimate {b[i]!r} / SE {se[i]!r}, the table says {est[i]!r} / {ses[i]!r}: "
            f"{int(bad.sum())} row(s) disagree"
        )


def joint_tests(specs: pd.DataFrame, variants: Mapping[str, pd.DataFrame], scenario: str, *,
                draws: int, seed: int, alpha: float, treatment: str | None = None):
    """Every curve of one scenario (optionally one treatment): (tests, curves) DataFrames."""
    sel = usable(specs[specs["scenario"] == scenario])
    if treatment is not None:
        sel = sel[sel["treatment"] == treatment]
    if sel.empty:
        raise ValueError(f"joint test: no usable specification for scenario {scenario!r}, treatment {treatment!r}")
    records, curves = [], []
    for _, rows in sel.groupby("treatment", sort=True):
        rec, cur = joint_test_treatment(rows, variants, draws=draws, seed=seed, alpha=alpha)
        records.extend(rec)
        curves.append(cur)
    return pd.DataFrame(records), pd.concat(curves, ignore_index=True)
