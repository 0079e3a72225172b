"""The published summaries of R simulated studies at once (Tables 1 and 2).

Table 1: mean, sd, min, max of the published 2006 figure (N areas) and of the stretch
(Model 3's rows: 0 without a target, the measured stretch where a target value is
published), and the mean of target_on.  Table 2 (OLS on the Table 2 controls and a
constant, HC1 standard errors, as in the paper): Model 1 (controls only) R^2; Model 2
target_on coefficient, SE, R^2; Model 3 stretch coefficient, SE, R^2; the three N.

All regressions go through :func:`specverse.engine.fit_outcomes` (batched over worlds).
Model 3's rows differ between worlds (which targets are missing is random), while
fit_outcomes takes one row mask, so each missing row gets its own indicator column:
an observation with its own dummy is fitted exactly and drops out of every other
coefficient, its HC0 meat and its residual sum of squares (Frisch-Waugh-Lovell).  The
missing rows' outcome is set to the mean of the others so the total sum of squares,
hence R^2, is that of the reduced sample; the HC1 factor is applied for the reduced
sample, ``n3 / (n3 - k3)`` with ``k3`` = constant + controls + stretch.  Tests check every
number against statsmodels on the reduced sample to 1e-10.
"""

from __future__ import annotations

import numpy as np

from specverse.engine import fit_outcomes

from .model import Design, Worlds, simulate_worlds
from .published import SUMMARY_NAMES

INDEX = {name: i for i, name in enumerate(SUMMARY_NAMES)}


def _row_stats(values: np.ndarray, mask: np.ndarray | None = None) -> list[np.ndarray]:
    """mean, sd (ddof 1), min, max of each row, over ``mask`` if given."""
    if mask is None:
        return [values.mean(1), values.std(1, ddof=1), values.min(1), values.max(1)]
    n = mask.sum(1)
    mean = np.where(mask, values, 0).sum(1) / n
    sd = np.sqrt(np.where(mask, (values - mean[:, None]) ** 2, 0).sum(1) / (n - 1))
    return [mean, sd, np.where(mask, values, np.inf).min(1), np.where(mask, values, -np.inf).max(1)]


def model3_arrays(worlds: Worlds) -> tuple[np.ndarray, np.ndarray]:
    """Outcome and regressors of Model 3 with one indicator per missing row: (R, N), (R, N, 1 + m)."""
    missing = worlds.target_on & ~worlds.known
    m = int(missing.sum(1).max()) if missing.size else 0
    R, N = worlds.x.shape
    stretch = np.where(missing, 0.0, worlds.stretch)
    X = np.zeros((R, N, 1 + m))
    X[:, :, 0] = stretch
    if m:
        idx = np.sort(np.argsort(~missing, axis=1, kind="stable")[:, :m], axis=1)
        X[np.arange(R)[:, None], idx, 1 + np.arange(m)[None, :]] = 1.0
    kept = ~missing
    y_mean = np.where(kept, worlds.outcome, 0).sum(1) / kept.sum(1)
    y = np.where(missing, y_mean[:, None], worlds.outcome)
    return y, X


def summarise(worlds: Worlds, design: Design) -> np.ndarray:
    """(R, len(SUMMARY_NAMES)) summaries; +inf for an impossible world (never accepted)."""
    R, N = worlds.x.shape
    out = np.full((R, len(SUMMARY_NAMES)), np.inf)
    ok = worlds.valid.copy()
    if not ok.any():
        return out
    w = Worlds(**{k: v[ok] for k, v in worlds.__dict__.items()})
    rows = ~(w.target_on & ~w.known)  # Model 3's rows
    n3 = N - design.n_missing
    k3 = design.controls.shape[1] + 2
    every = np.ones(N, bool)
    m1 = fit_outcomes(w.outcome, np.zeros((len(w.x), N, 0)), design.controls, every, se_type="HC1")
    m2 = fit_outcomes(w.outcome, w.target_on[:, :, None].astype(float), design.controls, every, se_type="HC1")
    y3, X3 = model3_arrays(w)
    m3 = fit_outcomes(y3, X3, design.controls, every, se_type="HC0")
    stats = (
        _row_stats(w.x)
        + _row_stats(np.where(rows, w.stretch * w.known, 0.0), rows)
        + [w.target_on.mean(1)]
        + [m2.estimate[:, 0], m2.std_error[:, 0]]
        + [m3.estimate[:, 0], m3.std_error[:, 0] * np.sqrt(n3 / (n3 - k3))]
        + [m1.r_squared, m2.r_squared, m3.r_squared]
        + [np.full(len(w.x), float(N)), np.full(len(w.x), float(N)), np.full(len(w.x), float(n3))]
        + [w.y08.mean(1), w.y08.std(1, ddof=1)]
    )
    block = np.column_stack(stats)
    out[ok] = np.where(np.isfinite(block), block, np.inf)
    return out


def simulate_summaries(design: Design, params: dict, rng: np.random.Generator) -> np.ndarray:
    """Simulate and summarise ``R`` studies: (R, len(SUMMARY_NAMES))."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return summarise(simulate_worlds(design, params, rng), design)
