"""Joint inference on a specification curve (Simonsohn, Simmons & Nelson 2020,
non-experimental version).

Observed statistics over the S models of one curve (one treatment term in one
scenario; a model counted once, with the analytic SE of the studentizing type, models
of post-selection samples left out): the median estimate on the common effect scale,
the number of models significant (two-tailed p < alpha) in the dominant sign, and
Stouffer's Z over their one-sided p-values in the dominant direction.

Null: every specification's outcome is replaced by y* = y - b_s x (the effect
removed), then for r = 1..R one set of rows is drawn with replacement, *shared
by all specifications*, and every specification is refitted on its y*.  Because
x is a column of the design, refitting y* gives exactly ``b*_s - b_s`` with the
same residuals and standard error as refitting y (OLS and WLS are regression
equivariant), so a draw only needs the count-weighted refit of the original
outcomes.  A draw is a vector of row counts c (sum n); the refit of every design
is the weighted normal equations ``X' diag(c w) X`` for all R draws at once (one
matrix product with the table of x_i x_i' entries, then one batched solve), and
every SE type (classical, HC0-HC3) follows from the same residuals with the
counts as frequency weights -- identical to fitting the duplicated rows.

p-values are (1 + the number of null draws at least as extreme as the observed
statistic) / (1 + B), in the dominant direction.  The Huber M-estimator is not refitted
(each draw would need its own IRLS fit; the engine's resampling excludes it for
the same reason): its specifications are left out of both the observed and the
null statistics, and the output says how many.

The specifications' designs are rebuilt from their table rows (:mod:`specverse.study.
row_designs`); before any draw they are refitted on the original rows and must reproduce
the table's estimate and standard error, otherwise the run stops naming the row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special  # the ufuncs scipy.stats evaluates, without its ~0.7 s import

from specverse.engine import draw_pair_counts, method_rng, refit_on_counts, spec_seed
from specverse.study.row_designs import build_designs

from .table import unusable_models, usable_models

QUANTILES = (0.025, 0.5, 0.975)
#: One-sided p-values are clipped before the normal quantile so Stouffer's Z stays finite.
P_CLIP = 1e-15
#: Estimators the null refits (see the module docstring).
REFITTED_ESTIMATORS = ("ols", "wls_population")
CURVE_COLUMNS = ["scenario", "treatment", "term", "quantile_rank", "observed", "null_q025", "null_q500", "null_q975"]
CHECK_RTOL = 1e-6


def dominant_sign(estimates: np.ndarray) -> int:
    """+1 when at least half the estimates are non-negative, else -1."""
    est = np.asarray(estimates, float)
    return 1 if np.mean(est >= 0) >= 0.5 else -1


def stouffer(p_one_dominant: np.ndarray, axis=-1) -> np.ndarray:
    """Stouffer's Z = sum Phi^-1(1 - p_s) / sqrt(S) over the finite p-values."""
    p = np.clip(np.asarray(p_one_dominant, float), P_CLIP, 1 - P_CLIP)
    z = -special.ndtri(p)  # = stats.norm.isf(p)
    have = np.isfinite(z)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(have, z, 0.0).sum(axis=axis) / np.sqrt(have.sum(axis=axis))


def observed_statistics(estimate, p_two, p_one, alpha: float) -> dict:
    """Median, count significant in the dominant sign and Stouffer's Z of a curve.

    ``p_one`` is the one-tailed p for H1: coefficient > 0 (table convention);
    it is flipped to the dominant direction when that is negative.
    """
    est = np.asarray(estimate, float)
    sign = dominant_sign(est)
    p1 = np.asarray(p_one, float)
    p1d = p1 if sign > 0 else 1.0 - p1
    sig = (np.asarray(p_two, float) < alpha) & (np.sign(est) == sign)
    return {
        "dominant_sign": sign,
        "median_estimate": float(np.median(est)),
        "n_significant": int(sig.sum()),
        "stouffer_z": float(stouffer(p1d)),
    }


def null_statistics(delta, se, df, sign: int, alpha: float) -> dict:
    """Per-draw statistics from centred null estimates ``delta = b* - b`` (R, S).

    ``se`` and ``df`` (R, S) are the draws' standard errors and residual degrees of
    freedom; non-finite entries (singular draws) are left out of that draw.
    """
    delta = np.asarray(delta, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = delta / se
    have = np.isfinite(t) & np.isfinite(df)
    dfs = np.where(have, df, 1.0)
    ts = np.where(have, t, 0.0)
    tail = special.stdtr(dfs, -np.abs(ts))  # = stats.t.sf(|t|, df); serves both p-values
    p2 = np.where(have, 2 * tail, np.nan)
    p1d = np.where(have, np.where(sign * ts >= 0, tail, 1.0 - tail), np.nan)
    sig = have & (p2 < alpha) & (np.sign(delta) == sign)
    med = np.nanmedian(np.where(have, delta, np.nan), axis=1)
    return {
        "median_estimate": med,
        "n_significant": sig.sum(axis=1),
        "stouffer_z": stouffer(p1d, axis=1),
        "usable_share": have.mean(axis=1),
    }


def null_p_values(observed: dict, null: dict) -> dict:
    """p = (1 + #{null draws at least as extreme}) / (1 + B), in the dominant direction:
    the observed curve counts as one of the B + 1 equally likely curves under the null,
    so the smallest p is 1 / (B + 1), never 0."""
    sign = observed["dominant_sign"]
    med = np.asarray(null["median_estimate"], float)
    z = np.asarray(null["stouffer_z"], float)
    fin_m, fin_z = np.isfinite(med), np.isfinite(z)

    def p(extreme):
        return float((1 + np.sum(extreme)) / (1 + extreme.size))

    return {
        "p_median": p(sign * med[fin_m] >= sign * observed["median_estimate"]),
        "p_n_significant": p(np.asarray(null["n_significant"]) >= observed["n_significant"]),
        "p_stouffer": p(z[fin_z] >= observed["stouffer_z"]),
    }


def null_curve(delta: np.ndarray, size: int, quantiles=QUANTILES) -> np.ndarray:
    """Quantiles across draws of the sorted null curve, on ``size`` ranks: (size, len(q)).

    Each draw's finite centred estimates are sorted and linearly interpolated onto
    ``size`` evenly spaced ranks (a draw may lose singular specifications).
    """
    delta = np.asarray(delta, float)
    grid = np.linspace(0.0, 1.0, size)
    curves = np.full((delta.shape[0], size), np.nan)
    for r, row in enumerate(delta):
        v = np.sort(row[np.isfinite(row)])
        if v.size:
            curves[r] = np.interp(grid, np.linspace(0.0, 1.0, v.size), v) if v.size > 1 else v[0]
    return np.nanquantile(curves, quantiles, axis=0).T


def null_matrix(designs, where, se_rows: np.ndarray, counts: np.ndarray, se_types):
    """(R, S) arrays of estimates, standard errors (each row's SE type) and df."""
    R, S = counts.shape[0], len(where)
    b = np.full((R, S), np.nan)
    se = np.full((R, S), np.nan)
    df = np.full((R, S), np.nan)
    for d, design in enumerate(designs):
        pick = np.flatnonzero(where[:, 0] == d)
        needed = tuple(sorted(set(se_rows[pick])))
        fit = refit_on_counts(design, counts, needed)
        b[:, pick] = fit.beta[:, where[pick, 1], where[pick, 2]]
        df[:, pick] = fit.df[:, None]
        for s in needed:
            cols = pick[se_rows[pick] == s]
            se[:, cols] = fit.se[s][:, where[cols, 1], where[cols, 2]]
    return b, se, df


def joint_test_treatment(rows: pd.DataFrame, variants, *, draws: int, seed: int, alpha: float,
                         curve_points: int = 200):
    """Joint tests of every curve (term) of one (scenario, treatment).

    ``rows`` are models (:mod:`.models`: one row per model and term, the analytic SE of the
    studentizing type).  The usable ones outside post-selection samples are tested; the
    others are counted (``n_not_usable``, ``n_post_selection_apart``).  All tested models are
    refitted together on the same draws (a two-term treatment reuses each refit for both
    terms); estimates and medians are on the common effect scale.  Returns ``(records,
    curves)``: the joint_tests.csv rows and, per term, the observed sorted curve against
    the null band on ``curve_points`` ranks.
    """
    scenario, treatment = rows["scenario"].iloc[0], rows["treatment"].iloc[0]
    bad = unusable_models(rows)
    post = usable_models(rows, post_selection=True)
    terms = sorted(post["term"].unique())
    post = post[post["post_selection"]]
    rows = usable_models(rows)
    # canonical order: sums over models (Stouffer's Z) must not depend on the input's row order
    kept = rows[rows["estimator"].isin(REFITTED_ESTIMATORS)].sort_values(["model_id", "term"], kind="stable")
    kept = kept.reset_index(drop=True)
    if kept.empty:
        # e.g. estimator: [huber], or a treatment whose fixed-sample fits all failed: said per term
        return ([{"scenario": scenario, "treatment": treatment, "term": term, "n_models": 0,
                  "n_excluded_huber": int(((rows["estimator"] == "huber") & (rows["term"] == term)).sum()),
                  "n_post_selection_apart": int((post["term"] == term).sum()),
                  "n_not_usable": int((bad["term"] == term).sum()), "draws": draws, "alpha": alpha}
                 for term in terms], pd.DataFrame(columns=CURVE_COLUMNS))
    designs, where = build_designs(kept, variants, treatment)
    se_rows = kept["se_type"].astype(str).to_numpy()
    se_types = tuple(sorted(set(se_rows)))
    n = len(next(iter(variants.values())))
    b0, se0, _ = null_matrix(designs, where, se_rows, np.ones((1, n)), se_types)
    _check_reproduces(kept, b0[0], se0[0])
    # One stream per (scenario, treatment): both terms of a two-term treatment share draws.
    rng = method_rng(spec_seed(seed, f"joint_test;scenario={scenario};treatment={treatment}"), "joint_pairs")
    counts = draw_pair_counts(rng, n, draws)
    b, se, df = null_matrix(designs, where, se_rows, counts, se_types)
    records, curves = [], []
    for term in sorted(kept["term"].unique()):
        cols = np.flatnonzero(kept["term"].to_numpy() == term)
        part = kept.iloc[cols]
        # the refits are native; medians and bands on the common scale (a per-model rescale)
        factor = (part["estimate_common"] / part["estimate"]).where(part["estimate"] != 0, 1.0).to_numpy(float)
        est = part["estimate_common"].to_numpy(float)
        delta = (b[:, cols] - part["estimate"].to_numpy(float)[None, :]) * factor[None, :]
        observed = observed_statistics(est, part["p_two_tailed"], part["p_greater"], alpha)
        null = null_statistics(delta, se[:, cols] * factor[None, :], df[:, cols], observed["dominant_sign"], alpha)
        pvals = null_p_values(observed, null)
        records.append({
            "scenario": scenario, "treatment": treatment, "term": term,
            "n_models": len(part),
            "n_excluded_huber": int(((rows["estimator"] == "huber") & (rows["term"] == term)).sum()),
            "n_post_selection_apart": int((post["term"] == term).sum()),
            "n_not_usable": int((bad["term"] == term).sum()),
            "draws": draws, "alpha": alpha, "dominant_sign": observed["dominant_sign"],
            "median_estimate": observed["median_estimate"], "p_median": pvals["p_median"],
            "n_significant": observed["n_significant"], "p_n_significant": pvals["p_n_significant"],
            "stouffer_z": observed["stouffer_z"], "p_stouffer": pvals["p_stouffer"],
            "null_median_q975": float(np.nanquantile(observed["dominant_sign"] * null["median_estimate"], 0.975)),
            "null_n_significant_q975": float(np.quantile(null["n_significant"], 0.975)),
            "usable_share": float(np.mean(null["usable_share"])),
        })
        size = min(curve_points, len(part))
        band = null_curve(delta, size)
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
            f"joint test: rebuilt design of model_id {kept['model_id'].iloc[i]} (term {kept['term'].iloc[i]}) "
            f"gives estimate {b[i]!r} / SE {se[i]!r}, the table says {est[i]!r} / {ses[i]!r}: "
            f"{int(bad.sum())} row(s) disagree"
        )


def joint_tests(models: pd.DataFrame, variants: Mapping[str, pd.DataFrame], scenario: str, *,
                draws: int, seed: int, alpha: float, treatment: str | None = None):
    """Every curve of one scenario (optionally one treatment): (tests, curves) DataFrames."""
    sel = models[models["scenario"] == scenario]
    if treatment is not None:
        sel = sel[sel["treatment"] == treatment]
    if usable_models(sel, post_selection=True).empty:
        raise ValueError(f"joint test: no usable specification for scenario {scenario!r}, treatment {treatment!r}")
    records, curves = [], []
    # every model goes in, so each test can count the models it leaves out (n_not_usable)
    for _, rows in sel.groupby("treatment", sort=True):
        rec, cur = joint_test_treatment(rows, variants, draws=draws, seed=seed, alpha=alpha)
        records.extend(rec)
        curves.append(cur)
    curves = [c for c in curves if not c.empty]
    return pd.DataFrame(records), (pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=CURVE_COLUMNS))
