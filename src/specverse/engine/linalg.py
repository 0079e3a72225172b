"""Batched least-squares building blocks shared by estimation and resampling.

Conventions: a leading axis ``S`` stacks independent problems (specifications or
draws); ``n`` rows, ``k`` columns.  Every function accepts either a single
problem (2-D design) or a stack (3-D design) unless stated otherwise.

Accuracy: solves go through normal equations of *column-equilibrated* designs
(each column scaled to unit Euclidean norm).  Equilibration removes the
conditioning that comes purely from units (population in the 100,000s next to
a constant), so the error is about ``cond(X_scaled)**2 * eps``, which for the
designs of a regression multiverse is well below 1e-10 relative.  Designs whose
scaled Gram matrix is numerically singular are flagged, never solved.
"""

from __future__ import annotations

import numpy as np

#: Rank threshold on the unit-diagonal (equilibrated) Gram matrix: a design is
#: rank deficient when a squared Cholesky pivot, i.e. 1 - R^2 of a column on
#: the columns before it, is below RANK_RTOL (or, in the eigenvalue screen,
#: lambda_min / lambda_max < RANK_RTOL).  Such a column is explained by the
#: others with R^2 > 1 - 1e-11, where least squares has lost most digits anyway.
RANK_RTOL = 1e-11


def column_norms(X: np.ndarray) -> np.ndarray:
    """Euclidean norm of every column, over the row axis (``-2``).

    Returns shape ``(..., k)``.  A zero norm marks an all-zero column.
    """
    return np.sqrt(np.einsum("...ij,...ij->...j", X, X))


def rank_ok(G_unit: np.ndarray, rtol: float = RANK_RTOL) -> np.ndarray:
    """True where a unit-diagonal (equilibrated) Gram matrix is of full rank.

    ``G_unit`` is ``(k, k)`` or ``(S, k, k)`` with ones on the diagonal (as
    produced by :func:`scaled_gram`).  Uses the ratio of the smallest to the
    largest eigenvalue (``numpy.linalg.eigvalsh``, batched); non-finite
    matrices are reported as not ok.
    """
    G_unit = np.asarray(G_unit, dtype=float)
    finite = np.isfinite(G_unit).all(axis=(-2, -1))
    safe = np.where(finite[..., None, None], G_unit, np.eye(G_unit.shape[-1]))
    ev = np.linalg.eigvalsh(safe)
    return finite & (ev[..., 0] > rtol * ev[..., -1])


def scaled_gram(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gram matrix of the column-equilibrated design.

    Returns ``(G_unit, norms)`` with ``G_unit = D^-1 X'X D^-1`` (unit diagonal
    where the column is non-zero) and ``norms = diag(D)``.  All-zero columns
    get norm 1 so that they surface as rank deficiency instead of a division
    by zero.
    """
    norms = column_norms(X)
    norms = np.where(norms > 0, norms, 1.0)
    Xs = X / norms[..., None, :]
    return np.swapaxes(Xs, -1, -2) @ Xs, norms


def chol_factor(
    G_unit: np.ndarray, rtol: float = RANK_RTOL, pivot_scale: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rank check and Cholesky factor of unit-diagonal Gram matrices, batched.

    The squared Cholesky pivots of a unit-diagonal Gram matrix are
    ``1 - R^2`` of each column on the columns before it, so a pivot below
    ``rtol`` (or a failed factorisation) means a column is (numerically) a
    linear combination of others.  ``pivot_scale`` ``(..., k)`` multiplies the
    squared pivots before the test: a caller that centred its columns (the
    constant partialled out) passes ``||x_centred||^2 / ||x||^2`` so the test
    is the same ``1 - R^2`` as on the uncentred design.  Returns ``(L, ok)``;
    ``L`` is the identity where ``ok`` is False, so downstream batched kernels
    stay finite.
    """
    G = np.asarray(G_unit, dtype=float)
    eye = np.eye(G.shape[-1])
    finite = np.isfinite(G).all(axis=(-2, -1))
    if not finite.all():
        G = np.where(finite[..., None, None], G, eye)
    try:
        L = np.linalg.cholesky(G)
    except np.linalg.LinAlgError:
        # Some matrix is not numerically positive definite: screen by
        # eigenvalues first, then factorise the survivors.
        good = rank_ok(G, rtol)
        L = np.linalg.cholesky(np.where(good[..., None, None], G, eye))
        finite = finite & good
    piv = np.diagonal(L, axis1=-2, axis2=-1)
    piv2 = piv * piv if pivot_scale is None else piv * piv * pivot_scale
    ok = finite & (piv2 > rtol).all(axis=-1)
    if not ok.all():
        L = np.where(ok[..., None, None], L, eye)
    return L, ok


def chol_inverse(
    G_unit: np.ndarray, rtol: float = RANK_RTOL, pivot_scale: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rank check (see :func:`chol_factor`) and inverse of unit-diagonal Gram
    matrices, batched.  Returns ``(G_inv, ok)``; ``G_inv`` is NaN where not ok."""
    L, ok = chol_factor(G_unit, rtol, pivot_scale)
    Linv = tril_inverse(L)
    Ginv = np.swapaxes(Linv, -1, -2) @ Linv
    if not ok.all():
        Ginv = np.where(ok[..., None, None], Ginv, np.nan)
    return Ginv, ok


def cho_solve(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve ``L L' X = B`` for ``L`` ``(S, k, k)`` lower triangular, ``B`` ``(S, k, r)``.

    Forward then back substitution, each ``k`` vectorised steps over the
    batch: cheaper than forming the inverse when only a few columns of it
    (or a few right-hand sides) are needed.
    """
    k = L.shape[-1]
    dinv = 1.0 / np.diagonal(L, axis1=-2, axis2=-1)[:, :, None]  # (S, k, 1)
    Z = np.empty(np.broadcast_shapes(L.shape[:-1], B.shape[:-1]) + B.shape[-1:])
    Z[:, 0] = B[:, 0] * dinv[:, 0]
    for i in range(1, k):
        Z[:, i] = (B[:, i] - np.einsum("sj,sjr->sr", L[:, i, :i], Z[:, :i])) * dinv[:, i]
    return trilT_solve(L, Z, dinv)


def trilT_solve(L: np.ndarray, B: np.ndarray, dinv: np.ndarray | None = None) -> np.ndarray:
    """Solve ``L' X = B`` (back substitution) for ``L`` ``(S, k, k)`` lower
    triangular and ``B`` ``(S, k, r)``, in ``k`` vectorised steps.

    Works on ``L'`` rows and right-hand sides laid out ``(S, r, k)`` so every
    step reads contiguous memory; ``B`` is not modified.
    """
    k = L.shape[-1]
    if dinv is None:
        dinv = 1.0 / np.diagonal(L, axis1=-2, axis2=-1)[:, :, None]
    d = dinv[:, None, :, 0]  # (S, 1, k)
    U = np.ascontiguousarray(np.swapaxes(L, 1, 2))  # rows of L'
    X = np.ascontiguousarray(np.swapaxes(B, 1, 2))  # (S, r, k), a copy
    X[:, :, k - 1] *= d[:, :, k - 1]
    for i in range(k - 2, -1, -1):  # row i only needs rows > i, already final
        dot = np.einsum("sj,srj->sr", U[:, i, i + 1 :], X[:, :, i + 1 :])
        X[:, :, i] = (X[:, :, i] - dot) * d[:, :, i]
    return np.swapaxes(X, 1, 2)


def tril_inverse(L: np.ndarray) -> np.ndarray:
    """Inverse of lower-triangular matrices ``(..., k, k)`` by forward substitution.

    Vectorised over the batch with ``k`` steps; for the small ``k`` of
    regressions this is several times faster than batched ``numpy.linalg.inv``,
    which pays a LAPACK call per matrix.
    """
    L = np.asarray(L, dtype=float)
    k = L.shape[-1]
    Linv = np.zeros_like(L)
    dinv = 1.0 / np.diagonal(L, axis1=-2, axis2=-1)
    Linv[..., 0, 0] = dinv[..., 0]
    for i in range(1, k):
        # row i of L^-1: (e_i - L[i, :i] L^-1[:i, :]) / L[i, i]; only columns <= i
        row = -(L[..., i : i + 1, :i] @ Linv[..., :i, :i])[..., 0, :]
        Linv[..., i, :i] = row * dinv[..., i : i + 1]
        Linv[..., i, i] = dinv[..., i]
    return Linv


def tril_solve(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``L z = b`` for lower-triangular ``L`` ``(..., k, k)``, ``b`` ``(..., k)``.

    Forward substitution vectorised over the batch (``k`` cheap steps).
    """
    k = L.shape[-1]
    z = np.empty(np.broadcast_shapes(L.shape[:-1], b.shape))
    z[..., 0] = b[..., 0] / L[..., 0, 0]
    for i in range(1, k):
        dot = np.einsum("...j,...j->...", L[..., i, :i], z[..., :i])
        z[..., i] = (b[..., i] - dot) / L[..., i, i]
    return z


def solve_from_unit_gram(
    G_unit: np.ndarray, Xty_unit: np.ndarray, norms: np.ndarray, rtol: float = RANK_RTOL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least squares from equilibrated cross products.

    ``G_unit = D^-1 X'X D^-1`` ``(..., k, k)``, ``Xty_unit = D^-1 X'y``
    ``(..., k)`` or ``(..., k, m)``, ``norms = diag(D)`` ``(..., k)``.  Lets a
    caller build one Gram matrix of all candidate columns and gather the
    sub-blocks of many specifications from it.  Returns ``(beta, xtx_inv, ok)``
    in original units, NaN where rank deficient (see :func:`chol_inverse`).
    """
    Ginv, ok = chol_inverse(G_unit, rtol)
    vec = Xty_unit.ndim == G_unit.ndim - 1
    b = Xty_unit[..., None] if vec else Xty_unit
    beta = (Ginv @ b) / norms[..., :, None]
    xtx_inv = Ginv / norms[..., :, None] / norms[..., None, :]
    return (beta[..., 0] if vec else beta), xtx_inv, ok


def ols_solve(
    X: np.ndarray, y: np.ndarray, rtol: float = RANK_RTOL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched least squares ``min ||y - X b||``.

    Parameters
    ----------
    X : ``(n, k)`` or ``(S, n, k)`` design (no NaN).
    y : ``(n,)``, ``(S, n)`` (one outcome per problem) or ``(S, n, m)`` /
        ``(n, m)`` (several right-hand sides per problem).
    rtol : rank threshold, see :func:`chol_inverse`.

    Returns
    -------
    beta : ``(..., k)`` or ``(..., k, m)``; NaN for rank-deficient problems.
    xtx_inv : ``(..., k, k)`` = ``(X'X)^-1`` in original units; NaN where
        rank deficient.
    ok : bool ``(...)``, False where the design is rank deficient.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    vec = y.ndim == X.ndim - 1
    Y = y[..., None] if vec else y
    G, norms = scaled_gram(X)
    Xty = (np.swapaxes(X, -1, -2) @ Y) / norms[..., :, None]
    beta, xtx_inv, ok = solve_from_unit_gram(G, Xty, norms, rtol)
    return (beta[..., 0] if vec else beta), xtx_inv, ok


def residualize(A: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Residuals of every column of ``A`` after least-squares projection on ``W``.

    Frisch–Waugh–Lovell: the coefficient of ``x`` in ``y ~ x + W`` equals the
    coefficient in ``M_W y ~ M_W x`` with ``M_W = I - W (W'W)^-1 W'``.

    ``A`` is ``(n,)``, ``(n, m)`` or ``(S, n, m)``; ``W`` is ``(n, p)`` or
    ``(S, n, p)`` and must have full column rank (check with
    :func:`ols_solve`/:func:`rank_ok`).  Computed with a (batched) reduced QR of
    ``W``: ``M_W A = A - Q (Q' A)``, which is accurate even for poorly scaled W.
    """
    A = np.asarray(A, dtype=float)
    W = np.asarray(W, dtype=float)
    vec = A.ndim == W.ndim - 1
    A2 = A[..., None] if vec else A
    if W.shape[-1] == 0:
        return A.copy()
    Q = np.linalg.qr(W, mode="reduced")[0]
    R = A2 - Q @ (np.swapaxes(Q, -1, -2) @ A2)
    return R[..., 0] if vec else R


def hat_diagonal(X: np.ndarray, xtx_inv: np.ndarray) -> np.ndarray:
    """Leverages ``h_i = x_i' (X'X)^-1 x_i``, batched: ``(..., n, k)`` -> ``(..., n)``.

    For WLS pass the sqrt-weight transformed design and its inverse Gram.
    """
    return np.einsum("...ij,...ij->...i", X @ xtx_inv, X)


def sandwich(X: np.ndarray, xtx_inv: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """Heteroskedasticity-consistent covariance ``B X' diag(omega) X B``, ``B=(X'X)^-1``.

    ``X`` ``(..., n, k)``, ``xtx_inv`` ``(..., k, k)``, ``omega`` ``(..., n)``
    (e.g. squared residuals times the HC0..HC3 factor).  Returns ``(..., k, k)``.
    """
    meat = np.swapaxes(X, -1, -2) @ (X * omega[..., None])
    return xtx_inv @ meat @ xtx_inv
