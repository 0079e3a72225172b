"""Many outcomes on one set of fixed controls: simulators' regressions, batched.

A simulator (the audit, the verdict, the calibration suite) draws R data sets that
share the areas' controls but not their outcome or treatment columns.  Every data set
is the regression ``y_r ~ X_r + controls + constant`` over the same rows, so by
Frisch-Waugh-Lovell the outcome and every per-replication regressor are residualized
on ``[1, controls]`` in ONE projection (a reduced QR applied to an ``(n, R (p + 1))``
matrix); then R small ``p``-column problems are solved batched.  The residualized
problem has the full model's residuals, so its sandwich is the full model's block for
the reported columns; HC1 scales by ``n / (n - k)`` with ``k`` the full column count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special  # not scipy.stats: ~0.5 s of import in every estimation job

from .covariance import SE_TYPES, leverage_divisor
from .linalg import ols_solve, residualize, sandwich
from .threads import single_blas_thread

@dataclass(frozen=True)
class OutcomeFits:
    """Fits of R data sets; arrays are ``(R, p)`` unless stated.

    ``p_greater`` is one-tailed for H1: coefficient > 0.  ``r_squared`` ``(R,)`` is that of the
    full model (regressors, controls and constant).  ``ok`` ``(R,)`` is False where a
    replication's regressors are collinear with the controls (its numbers are NaN).
    """

    estimate: np.ndarray
    std_error: np.ndarray
    t: np.ndarray
    p_greater: np.ndarray
    p_two_tailed: np.ndarray
    r_squared: np.ndarray
    n: int
    df: int
    ok: np.ndarray

    def as_dict(self) -> dict:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def control_basis(controls: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``[1, controls]`` over the masked rows, checked to be of full column rank."""
    W = np.column_stack([np.ones(int(mask.sum())), np.asarray(controls, float)[mask]])
    if np.linalg.matrix_rank(W) < W.shape[1]:
        raise ValueError("the controls are collinear in this sample; a full-rank design is needed")
    return W


@single_blas_thread
def ols_residuals(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Residuals of the least-squares fit of ``y`` on ``X`` (``X`` includes any constant)."""
    return y - X @ np.linalg.lstsq(X, y, rcond=None)[0]


@single_blas_thread
def residual_maker(controls: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``M = I - W (W'W)^-1 W'`` for ``W = [1, controls]`` over the masked rows (n x n):
    for analytic expectations that need ``M`` itself (its diagonal, quadratic forms)."""
    Q = np.linalg.qr(control_basis(controls, mask))[0]
    return np.eye(len(Q)) - Q @ Q.T


@single_blas_thread
def fit_outcomes(y, X, controls, mask, *, se_type: str = "HC1") -> OutcomeFits:
    """OLS of each replication's ``y`` on its ``X`` plus fixed ``controls`` and a constant.

    y : ``(R, N)`` outcomes; X : ``(R, N, p)`` regressors of each replication
    (``p >= 0``); controls : ``(N, q)``, the same in every replication (no constant);
    mask : ``(N,)`` rows every replication uses (they must be finite there).
    """
    if se_type not in SE_TYPES:
        raise ValueError(f"se_type must be one of {SE_TYPES}, got {se_type!r}")
    y = np.asarray(y, float)
    X = np.asarray(X, float)
    mask = np.asarray(mask, bool)
    R, _, p = X.shape
    W = control_basis(controls, mask)
    stacked = np.concatenate([y[:, mask, None], X[:, mask, :]], axis=2)  # (R, m, p+1)
    m = stacked.shape[1]
    flat = np.moveaxis(stacked, 0, 1).reshape(m, R * (p + 1))
    resid = np.moveaxis(residualize(flat, W).reshape(m, R, p + 1), 1, 0)
    y_t, X_t = resid[:, :, 0], resid[:, :, 1:]
    df = m - W.shape[1] - p
    ybar = y[:, mask].mean(axis=1, keepdims=True)
    tss = np.einsum("rm,rm->r", y[:, mask] - ybar, y[:, mask] - ybar)
    if p == 0:
        ssr = np.einsum("rm,rm->r", y_t, y_t)
        empty = np.empty((R, 0))
        return OutcomeFits(empty, empty, empty, empty, empty, 1.0 - ssr / tss, m, df, np.ones(R, bool))
    beta, xtx_inv, ok = ols_solve(X_t, y_t)
    e = y_t - np.einsum("rmp,rp->rm", X_t, np.nan_to_num(beta))
    if se_type == "classical":
        cov = np.nan_to_num(xtx_inv) * (np.einsum("rm,rm->r", e, e) / df)[:, None, None]
    else:
        cov = sandwich(X_t, np.nan_to_num(xtx_inv), _omega(e, se_type, m, df, W, X_t, xtx_inv))
    se = np.sqrt(np.einsum("rpp->rp", cov))
    se = np.where(ok[:, None], se, np.nan)
    t = beta / se
    ssr = np.einsum("rm,rm->r", e, e)
    return OutcomeFits(
        estimate=beta,
        std_error=se,
        t=t,
        p_greater=special.stdtr(df, -t),  # = stats.t.sf(t, df)
        p_two_tailed=2 * special.stdtr(df, -np.abs(t)),
        r_squared=np.where(ok, 1.0 - ssr / tss, np.nan),
        n=m,
        df=df,
        ok=ok,
    )


def _omega(e, se_type, m, df, W, X_t, xtx_inv):
    """HC meat weights of the full model from the residualized problem.

    The full model's leverage is that of the controls plus that of the residualized
    regressors (the two column spaces are orthogonal after the projection).
    """
    if se_type == "HC1":
        return e**2 * (m / df)
    if se_type == "HC0":
        return e**2
    Q = np.linalg.qr(W)[0]
    h = np.einsum("mj,mj->m", Q, Q)[None, :] + np.einsum(
        "rmp,rpq,rmq->rm", X_t, np.nan_to_num(xtx_inv), X_t
    )
    return e**2 / leverage_divisor(se_type, 1.0 - h)
