"""Huber M-estimator by IRLS, many specifications in lock-step.

Reproduces ``statsmodels.RLM(y, X, M=HuberT()).fit()`` with its defaults:
HuberT(t=1.345); start from OLS; scale = MAD about 0 (``median|e| / Phi^-1(3/4)``)
re-estimated after every weighted fit; convergence on the change of the
deviance ``sum rho(e / s_wls)`` (``s_wls`` = weighted residual variance of that
IRLS step, as ``_MinimalWLS``) below ``tol=1e-8`` or ``maxiter=50`` passes;
covariance "H1" (Huber 1981, 7.10 with the small-sample factor ``K``),
inference with the normal distribution.

Every iteration solves all still-active specifications with one batched
weighted least-squares call; a specification stops exactly when statsmodels
would stop it, so results agree to round-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special  # not scipy.stats: ~0.5 s of import in every estimation job

from .linalg import column_norms, ols_solve

HUBER_T = 1.345
MAX_ITER = 50
TOL = 1e-8
_MAD_C = special.ndtri(0.75)  # = stats.norm.ppf(0.75)


@dataclass
class HuberBatch:
    beta: np.ndarray  # (S, k)
    cov: np.ndarray  # (S, k, k) H1 covariance
    scale: np.ndarray  # (S,)
    iterations: np.ndarray  # (S,) as RLM's fit_history["iteration"]
    ok: np.ndarray  # (S,) full-rank design
    converged: np.ndarray  # (S,) deviance criterion met before maxiter


def _rho(z, t):
    a = np.abs(z)
    return np.where(a <= t, 0.5 * z * z, a * t - 0.5 * t * t)


def _weights(z, t):
    a = np.abs(z)
    return np.where(a <= t, 1.0, t / np.where(a <= t, 1.0, a))


def _mad0(e):
    """``median|e| / Phi^-1(3/4)`` per row: numpy.median's value, from one partition.

    (numpy.median partitions at two or three positions at once, ~2-3x slower here.) The
    lower middle value of an even row is the largest of those left of the upper one.
    NaN anywhere in a row gives NaN, as numpy.median.
    """
    a = np.abs(e)
    h = a.shape[-1] // 2
    p = np.partition(a, h, axis=-1)
    med = p[..., h] if a.shape[-1] % 2 else (p[..., :h].max(axis=-1) + p[..., h]) / 2
    med = np.where(np.isnan(a.sum(axis=-1)), np.nan, med)
    return med / _MAD_C


def _weighted_solve(Xs: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares ``(Xs' W Xs)^-1 Xs' W y`` for ``S`` equilibrated designs."""
    Xw = Xs * w[:, :, None]
    G = np.swapaxes(Xw, 1, 2) @ Xs
    b = np.einsum("snk,sn->sk", Xw, y)
    try:
        return np.linalg.solve(G, b[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:  # an exactly singular weighted Gram: NaN, as ols_solve gives
        return ols_solve(Xs * np.sqrt(w)[:, :, None], y * np.sqrt(w))[0]


def fit_huber(
    X: np.ndarray,
    y: np.ndarray,
    t: float = HUBER_T,
    maxiter: int = MAX_ITER,
    tol: float = TOL,
) -> HuberBatch:
    """Huber regression for ``S`` stacked designs ``X`` ``(S, n, k)``.

    ``y`` is ``(n,)`` (shared) or ``(S, n)``.  Rank-deficient designs get NaN.
    """
    X = np.asarray(X, dtype=float)
    S, n, k = X.shape
    y = np.broadcast_to(np.asarray(y, dtype=float), (S, n))
    df_resid = n - k

    beta, xtx_inv, ok = ols_solve(X, y)
    beta = np.where(ok[:, None], beta, 0.0)
    # Each IRLS pass only needs beta: solve the weighted normal equations of the design
    # equilibrated once (its column norms), rank already checked by the OLS start.
    norms = column_norms(X)
    norms = np.where(norms > 0, norms, 1.0)
    Xs = X / norms[:, None, :]
    resid = y - np.einsum("snk,sk->sn", X, beta)
    wls_scale = np.einsum("sn,sn->s", resid, resid) / df_resid
    scale = _mad0(resid)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = _rho(resid / wls_scale[:, None], t).sum(axis=1)
    iterations = np.ones(S, dtype=np.int64)
    converged = np.zeros(S, dtype=bool)
    active = ok.copy()
    while True:
        # statsmodels stops (keeping the current fit) when the scale is exactly 0
        active &= scale > 0
        ai = np.flatnonzero(active)
        if ai.size == 0:
            break
        every = ai.size == S  # no copy while every specification is still iterating
        Xa, Xsa, ya = (X, Xs, y) if every else (X[ai], Xs[ai], y[ai])
        w = _weights(resid[ai] / scale[ai, None], t)
        b_new = _weighted_solve(Xsa, ya, w) / norms[ai]
        e_new = ya - np.einsum("snk,sk->sn", Xa, b_new)
        s_wls = np.einsum("sn,sn->s", w * e_new, e_new) / df_resid
        with np.errstate(divide="ignore", invalid="ignore"):
            dev_new = _rho(e_new / s_wls[:, None], t).sum(axis=1)
        iterations[ai] += 1
        beta[ai], resid[ai], scale[ai] = b_new, e_new, _mad0(e_new)
        small = ~(np.abs(dev_new - dev[ai]) > tol)
        dev[ai] = dev_new
        converged[ai] = small
        active[ai] = ~small & (iterations[ai] < maxiter)

    # A weighted solve that lost rank mid-way (not expected: Huber weights are
    # positive) must not pass as a fit.
    ok &= np.isfinite(beta).all(axis=1)

    # H1 covariance at the final fit (RLMResults.bcov_scaled).
    with np.errstate(divide="ignore", invalid="ignore"):
        sres = np.where(scale[:, None] > 0, resid / scale[:, None], 0.0)
    inside = np.abs(sres) <= t
    psi = np.where(inside, sres, np.sign(sres) * t)
    dpsi = inside.astype(float)
    m = dpsi.mean(axis=1)
    var_dpsi = dpsi.var(axis=1)
    K = 1.0 + k / n * var_dpsi / m**2  # (df_model + 1) / nobs = k / n
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = K**2 * (np.sum(psi**2, axis=1) / df_resid * scale**2) / m**2
    cov = factor[:, None, None] * xtx_inv
    nan = np.where(ok, 0.0, np.nan)
    return HuberBatch(
        beta=beta + nan[:, None],
        cov=cov + nan[:, None, None],
        scale=scale + nan,
        iterations=iterations,
        ok=ok,
        converged=converged | ~ok,
    )
