"""Joint inference on a specification curve (Simonsohn, Simmons & Nelson 2020,
non-experimental version).

Observed statistics over the S specifications of one curve (one treatment term
in one scenario): the median estimate, the number of specifications significant
(two-tailed p < alpha) in the dominant sign, and Stouffer's Z over their
one-sided p-values in the dominant direction.

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

p-values are shares of null draws at least as extreme as the observed
statistic, in the dominant direction.  The Huber M-estimator is not refitted
(each draw would need its own IRLS fit; the engine's resampling excludes it for
the same reason): its specifications are left out of both the observed and the
null statistics, and the output says how many.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


SE_TYPES = ("classical", "HC0", "HC1", "HC2", "HC3")
QUANTILES = (0.025, 0.5, 0.975)
#: Cholesky pivot threshold on the unit-diagonal Gram matrix of a draw (as the engine's
#: pairs bootstrap): below it the resampled design counts as singular.
PIVOT_RTOL = 1e-10
#: One-sided p-values are clipped before the normal quantile so Stouffer's Z stays finite.
P_CLIP = 1e-15


@dataclass(frozen=True)
class Design:
    """One regressor matrix shared by one or more outcomes.

    X : (N, k) regressors including the constant; only ``rows`` are used.
    rows : (N,) bool, the specification's sample (complete cases).
    Y : (N, m) outcomes fitted on this design.
    terms : columns of X whose coefficients are tracked.
    weights : (N,) analytic (WLS) weights, or None for OLS.
    """

    X: np.ndarray
    rows: np.ndarray
    Y: np.ndarray
    terms: tuple[int, ...]
    weights: np.ndarray | None = None


@dataclass
class DesignDraws:
    """Count-weighted refits of one design for R draws.

    beta : (R, m, t) coefficients of the tracked terms (m outcomes, t terms);
    se : se_type -> (R, m, t); df : (R,) = sum of counts over the rows - k;
    NaN wherever a draw's design is singular or leaves no residual degrees of freedom.
    """

    beta: np.ndarray
    se: dict
    df: np.ndarray


def pair_counts(rng: np.random.Generator, n: int, draws: int) -> np.ndarray:
    """(draws, n) multiplicities of n rows drawn with replacement (integers + bincount)."""
    idx = rng.integers(0, n, size=(draws, n))
    flat = (idx + (np.arange(draws) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=draws * n).reshape(draws, n).astype(float)


def refit_design(design: Design, counts: np.ndarray, se_types=("HC1",)) -> DesignDraws:
    """Refit one design on every draw's row counts (frequency weights), batched over draws.

    Equal to OLS/WLS on the duplicated rows: beta = (X'CWX)^-1 X'CWy and, with
    whitened x~ = sqrt(w) x, e~ = sqrt(w) e, influence a_i = e_j'(X~'CX~)^-1 x~_i:
    Var(b_j) = sum_i c_i a_i^2 omega_i, omega = e~^2 (HC0; HC1 times n/(n-k)),
    e~^2/(1-h_i) (HC2), e~^2/(1-h_i)^2 (HC3), and s^2 sum c a^2 (classical), with
    n = sum c and h_i = x~_i'(X~'CX~)^-1 x~_i the leverage of one copy of row i.
    """
    bad = [s for s in se_types if s not in SE_TYPES]
    if bad:
        raise ValueError(f"unknown se_type(s) {bad}; allowed {SE_TYPES}")
    rows = np.asarray(design.rows, bool)
    X = np.asarray(design.X, float)[rows]
    Y = np.asarray(design.Y, float)[rows]
    if Y.ndim == 1:
        Y = Y[:, None]
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ValueError("design has non-finite values inside its rows")
    if design.weights is not None:
        sw = np.sqrt(np.asarray(design.weights, float)[rows])
        X, Y = X * sw[:, None], Y * sw[:, None]
    C = np.asarray(counts, float)[:, rows]  # (R, n)
    R, n = C.shape
    k, m = X.shape[1], Y.shape[1]
    terms = list(design.terms)
    t = len(terms)
    iu, ju = np.triu_indices(k)
    P = X[:, iu] * X[:, ju]  # distinct entries of x_i x_i'
    A = np.empty((R, k, k))
    Af = C @ P
    A[:, iu, ju] = Af
    A[:, ju, iu] = Af
    ntot = C.sum(axis=1)
    d = np.sqrt(np.einsum("rii->ri", A))
    ok = np.all(d > 0, axis=1) & (ntot > k)
    d = np.where(ok[:, None], d, 1.0)
    G = A / d[:, :, None] / d[:, None, :]
    G[~ok] = np.eye(k)
    L, ok = _cholesky(G, ok)
    Linv = np.linalg.inv(L)
    # (X~'CX~)^-1 = D^-1 G^-1 D^-1 with G^-1 = L^-T L^-1 (equilibrated, see engine.linalg).
    Ainv = (np.swapaxes(Linv, 1, 2) @ Linv) / d[:, :, None] / d[:, None, :]
    r = (C @ (X[:, :, None] * Y[:, None, :]).reshape(n, k * m)).reshape(R, k, m)
    beta = Ainv @ r  # (R, k, m)
    # Rows-first layout (n, R, .): every product with X is one matrix multiply.
    fitted = (X @ np.transpose(beta, (1, 0, 2)).reshape(k, R * m)).reshape(n, R, m)
    e2 = (Y[:, None, :] - fitted) ** 2  # (n, R, m)
    Cn = C.T  # (n, R)
    infl = (X @ np.transpose(Ainv[:, :, terms], (1, 0, 2)).reshape(k, R * t)).reshape(n, R, t)
    ca2 = Cn[:, :, None] * infl * infl  # (n, R, t)
    lev = None
    if {"HC2", "HC3"} & set(se_types):
        # h_i = sum_{k<=l} (2 - [k=l]) x_ik x_il Ainv_kl: one product with the x_i x_i' table.
        mult = np.where(iu == ju, 1.0, 2.0)
        lev = P @ (Ainv[:, iu, ju] * mult).T  # (n, R)
    dfree = ntot - k
    se = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for s_type in se_types:
            if s_type == "classical":
                s2 = np.einsum("nr,nrm->rm", Cn, e2) / dfree[:, None]
                var = s2[:, :, None] * ca2.sum(axis=0)[:, None, :]
            else:
                omega = e2
                if s_type == "HC2":
                    omega = e2 / np.where(Cn > 0, 1.0 - lev, 1.0)[:, :, None]
                elif s_type == "HC3":
                    omega = e2 / (np.where(Cn > 0, 1.0 - lev, 1.0) ** 2)[:, :, None]
                var = np.einsum("nrm,nrt->rmt", omega, ca2)
                if s_type == "HC1":
                    var = var * (ntot / dfree)[:, None, None]
            sd = np.sqrt(var)
            sd[~ok] = np.nan
            sd[~np.isfinite(sd) | (sd <= 0)] = np.nan
            se[s_type] = sd
    b = np.transpose(beta[:, terms, :], (0, 2, 1)).copy()  # (R, m, t)
    b[~ok] = np.nan
    return DesignDraws(beta=b, se=se, df=np.where(ok, dfree, np.nan))


def _cholesky(G: np.ndarray, ok: np.ndarray):
    """Cholesky factors of unit-diagonal Gram matrices; a draw whose pivot falls below
    PIVOT_RTOL (a column explained by the others with R^2 > 1 - 1e-10) is singular and
    gets the identity.  Returns ``(L, ok)``."""
    try:
        L = np.linalg.cholesky(G)
    except np.linalg.LinAlgError:
        L = np.empty_like(G)
        for i in range(G.shape[0]):
            try:
                L[i] = np.linalg.cholesky(G[i])
            except np.linalg.LinAlgError:
                L[i] = np.eye(G.shape[-1])
                ok[i] = False
    ok = ok & np.all(np.einsum("rii->ri", L) ** 2 > PIVOT_RTOL, axis=1)
    L[~ok] = np.eye(G.shape[-1])
    return L, ok


def dominant_sign(estimates: np.ndarray) -> int:
    """+1 when at least half the estimates are non-negative, else -1."""
    est = np.asarray(estimates, float)
    return 1 if np.mean(est >= 0) >= 0.5 else -1


def stouffer(p_one_dominant: np.ndarray, axis=-1) -> np.ndarray:
    """Stouffer's Z = sum Phi^-1(1 - p_s) / sqrt(S) over the finite p-values."""
    p = np.clip(np.asarray(p_one_dominant, float), P_CLIP, 1 - P_CLIP)
    z = stats.norm.isf(p)
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
    tail = stats.t.sf(np.abs(ts), dfs)  # one t.sf call serves both p-values
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
    """Shares of null draws at least as extreme as observed, in the dominant direction."""
    sign = observed["dominant_sign"]
    med = np.asarray(null["median_estimate"], float)
    z = np.asarray(null["stouffer_z"], float)
    fin_m, fin_z = np.isfinite(med), np.isfinite(z)
    return {
        "p_median": float(np.mean(sign * med[fin_m] >= sign * observed["median_estimate"])),
        "p_n_significant": float(np.mean(np.asarray(null["n_significant"]) >= observed["n_significant"])),
        "p_stouffer": float(np.mean(z[fin_z] >= observed["stouffer_z"])),
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
