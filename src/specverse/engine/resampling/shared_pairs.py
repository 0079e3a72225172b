"""Pairs-bootstrap draws shared by many designs: every design refitted on the same
row counts (the joint test of a specification curve needs draws common to all of its
specifications, so that their dependence is kept).

A draw is a vector of row counts c (sum n); the refit of every design is the weighted
normal equations ``X' diag(c w) X`` for all R draws at once (one matrix product with the
table of x_i x_i' entries, then one batched solve), and every SE type (classical,
HC0-HC3) follows from the same residuals with the counts as frequency weights --
identical to fitting the duplicated rows.  Draw the counts with
``pair_counts(pairs_indices(rng, n, draws), n)`` (:mod:`.pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..covariance import check_se_types, leverage_divisor, needs_leverage
from ..linalg import tril_inverse
from ..threads import single_blas_thread
from .pairs import PIVOT_RTOL


@dataclass(frozen=True)
class SharedPairsDesign:
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
class SharedPairsDraws:
    """Count-weighted refits of one design for R draws.

    beta : (R, m, t) coefficients of the tracked terms (m outcomes, t terms);
    se : se_type -> (R, m, t); df : (R,) = sum of counts over the rows - k;
    NaN wherever a draw's design is singular or leaves no residual degrees of freedom.
    """

    beta: np.ndarray
    se: dict
    df: np.ndarray


@single_blas_thread
def refit_on_counts(design: SharedPairsDesign, counts: np.ndarray, se_types=("HC1",)) -> SharedPairsDraws:
    """Refit one design on every draw's row counts (frequency weights), batched over draws.

    Equal to OLS/WLS on the duplicated rows: beta = (X'CWX)^-1 X'CWy and, with
    whitened x~ = sqrt(w) x, e~ = sqrt(w) e, influence a_i = e_j'(X~'CX~)^-1 x~_i:
    Var(b_j) = sum_i c_i a_i^2 omega_i, omega = e~^2 (HC0; HC1 times n/(n-k)),
    e~^2/(1-h_i) (HC2), e~^2/(1-h_i)^2 (HC3), and s^2 sum c a^2 (classical), with
    n = sum c and h_i = x~_i'(X~'CX~)^-1 x~_i the leverage of one copy of row i.
    """
    se_types = check_se_types(se_types)
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
    Linv = tril_inverse(L)
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
    if needs_leverage(se_types):
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
                if needs_leverage(s_type):
                    one_minus_h = np.where(Cn > 0, 1.0 - lev, 1.0)
                    omega = e2 / leverage_divisor(s_type, one_minus_h)[:, :, None]
                var = np.einsum("nrm,nrt->rmt", omega, ca2)
                if s_type == "HC1":
                    var = var * (ntot / dfree)[:, None, None]
            sd = np.sqrt(var)
            sd[~ok] = np.nan
            sd[~np.isfinite(sd) | (sd <= 0)] = np.nan
            se[s_type] = sd
    b = np.transpose(beta[:, terms, :], (0, 2, 1)).copy()  # (R, m, t)
    b[~ok] = np.nan
    return SharedPairsDraws(beta=b, se=se, df=np.where(ok, dfree, np.nan))


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
