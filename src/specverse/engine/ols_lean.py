"""The lean route of :func:`.ols.fit_shared`: only the reported terms' coefficients and
variances, without ever forming ``(X'X)^-1``.

Columns every specification of the batch shares are partialled out once (FWL), the
Gram matrix is bordered by ``y`` so one Cholesky factorisation gives the coefficients,
and ``a_j = G^-1 e_j`` of the terms come from one back substitution; the HC0/HC1
variance of beta_j is then ``sum_i (x_i' a_j e_i)^2`` and the robust F comes from the
centred meat (:func:`lean_wald`).  HC2/HC3 and leverages take the general route.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .covariance import hc_omega
from .linalg import RANK_RTOL, chol_factor, tril_inverse, tril_solve, trilT_solve
from .ols_general import centre

#: The factor's L_yy^2 serves as the residual sum of squares only where it is at least
#: this share of y'y (its rounding, ~eps * y'y, is then ~1e-13 of it).
SSR_FLOOR = 1e-3


@dataclass
class FactorOnly:
    """What classical variances need, read off the bordered factor (see :func:`lean_solve`)."""

    b_terms: np.ndarray  # (S, m) the terms' coefficients (equilibrated units)
    diag_inv: np.ndarray  # (S, m) their (G^-1)_jj
    ssr: np.ndarray  # (S,) residual sum of squares
    ok: np.ndarray  # (S,) full rank


def lean_solve(Zs, y, cols, pad, m, classical=False):
    """Coefficients and ``a_j = G^-1 e_j`` for the reported terms without
    forming ``G^-1``.

    1. Columns every spec of the batch uses besides its terms (the constant,
       and e.g. always-included controls) are partialled out once
       (Frisch-Waugh-Lovell): the terms' coefficients, the residuals and the
       terms' sandwich weights are unchanged, and every spec loses those
       columns.  Squared Cholesky pivots of the partialled Gram matrix are the
       same ``1 - R^2`` as in the full problem, so the rank test is unchanged.
    2. The Gram matrix is bordered by ``y`` and the terms are moved last: the
       bottom row of its Cholesky factor is ``L^-1 X'y`` (the forward solve
       comes free) and ``L^-1 e_j`` is non-zero only in the trailing
       ``m x m`` block, so one back substitution with ``1 + m`` right-hand
       sides gives both.

    3. ``classical=True`` (only classical variances wanted): the trailing block
       of the factor is the Cholesky factor of the Gram of [terms, y] with
       every other column partialled out (FWL), so with ``T = L_tt^-1`` the
       terms' coefficients are ``T' l_yt``, their ``(G^-1)_jj`` the column
       sums of ``T^2``, and the residual sum of squares ``L_yy^2``: no back
       substitution and no residuals.  ``L_yy^2`` carries an absolute error of
       order eps * y'y, so this is taken only when every spec of the batch
       leaves at least SSR_FLOOR of y'y unexplained (relative error then
       ~1e-13); otherwise the residuals are formed as in 2.

    Returns ``(Zw, yw, cols_w, tpos, b_w, A_w, ok)``: the working (partialled)
    design, outcome and column table, the terms' positions in it, the
    coefficients and ``a_j`` there; with ``classical`` and accurate, a
    :class:`FactorOnly` instead; or None when the shared columns are
    collinear or some bordered matrix is not numerically positive definite
    (exact collinearity, a perfect fit): the caller then takes the general route.
    """
    n, q = Zs.shape
    S, K = cols.shape
    k0 = int((~pad[0]).sum())
    ctrl = cols[:, m + 1 :]
    shared = [cols[0, 0]] + [c for c in cols[0, m + 1 : k0] if (ctrl == c).any(axis=1).all()]
    sh = np.asarray(shared)
    Q, R = np.linalg.qr(Zs[:, sh])
    if not (np.diagonal(R) ** 2 > RANK_RTOL).all():
        return None
    Zw = Zs - Q @ (Q.T @ Zs)
    Zw[:, sh] = 0.0
    yw = y - Q @ (Q.T @ y)
    # Every spec holds each shared column exactly once; usually at the same
    # position in all specs (built alike), then slicing beats a boolean mask.
    K2 = K - len(sh)
    at = [int(np.flatnonzero(cols[0] == c)[0]) for c in sh]
    if all((cols[:, p] == c).all() for p, c in zip(at, sh)):
        rest = np.delete(np.arange(K), at)
        cw, padw = cols[:, rest], pad[:, rest]
    else:
        keep = ~(cols[:, :, None] == sh).any(axis=2)
        cw = cols[keep].reshape(S, K2)  # terms now at positions 0..m-1
        padw = pad[keep].reshape(S, K2)

    perm = np.r_[np.arange(m, K2), np.arange(m)]
    colsP = np.concatenate([cw[:, perm], np.full((S, 1), q)], axis=1)  # y is column q
    Zy = np.column_stack([Zw, yw])
    # broadcast fancy indexing: about twice as fast as np.take on a flat index
    Ga = (Zy.T @ Zy)[colsP[:, :, None], colsP[:, None, :]]
    posK = np.arange(K2)
    Ga[:, posK, posK] += padw[:, perm]  # zero pad columns -> identity block
    try:
        L = np.linalg.cholesky(Ga)
    except np.linalg.LinAlgError:
        return None
    piv = np.diagonal(L, axis1=1, axis2=2)[:, :K2]
    # NaN input propagates into the later pivots, so this also rejects it
    ok = (piv * piv > RANK_RTOL).all(axis=1)
    Lx = L[:, :K2, :K2]
    if not ok.all():
        Lx = np.where(ok[:, None, None], Lx, np.eye(K2))
    T = tril_inverse(Lx[:, K2 - m :, K2 - m :])  # (S, m, m)
    if classical:
        ssr = L[:, K2, K2] ** 2
        if (ssr[ok] >= SSR_FLOOR * Ga[ok, K2, K2]).all():
            b_t = np.einsum("sij,si->sj", T, L[:, K2, K2 - m : K2])
            return FactorOnly(b_t, np.einsum("sij,sij->sj", T, T), ssr, ok)
    Rhs = np.zeros((S, K2, 1 + m))
    Rhs[:, :, 0] = L[:, K2, :K2]
    Rhs[:, K2 - m :, 1:] = T
    X = trilT_solve(Lx, Rhs)
    back = np.argsort(perm)
    return Zw, yw, cw, np.arange(m), X[:, back, 0], X[:, back, 1:], ok


def lean_wald(Z, y, cols, k, pad, norms, omega, ok):
    """Robust Wald F of all slopes without the coefficients' covariance.

    By Frisch-Waugh-Lovell the slopes' map from y is ``G~^-1 X~'`` with ``X~``
    the centred slopes (constant partialled out), so their sandwich is
    ``V = G~^-1 M G~^-1`` with ``M = X~' diag(omega) X~`` and
    ``b' V^-1 b = c' M^-1 c`` with ``c = G~ b = X~'y``: one Cholesky of the
    centred meat per spec.  ``M`` comes, for every spec at once, from one
    product of ``omega`` with the pairwise products of the centred columns.
    Returns ``(S,)``; NaN where ``M`` is numerically singular (the caller then
    takes the general route for those specs).
    """
    n, q = Z.shape
    S, K = cols.shape
    Zc, _, _, _ = centre(Z, cols, norms)  # equilibrated: M is scale-free below
    a_idx, b_idx = np.triu_indices(q)
    pair_id = np.zeros((q, q), dtype=np.int64)
    pair_id[a_idx, b_idx] = pair_id[b_idx, a_idx] = np.arange(len(a_idx))
    sl = cols[:, 1:]
    Mp = omega @ (Zc[:, a_idx] * Zc[:, b_idx])  # (S, pairs)
    M = Mp[np.arange(S)[:, None, None], pair_id[sl[:, :, None], sl[:, None, :]]]
    c = (Zc.T @ y)[sl]
    padS = pad[:, 1:]
    c[padS] = 0.0
    d = np.arange(K - 1)
    M[:, d, d] += padS  # zero pad rows/columns -> identity block
    # unit diagonal: the pivot test of chol_factor then measures 1 - R^2 in M
    with np.errstate(divide="ignore", invalid="ignore"):
        dm = 1.0 / np.sqrt(np.diagonal(M, axis1=1, axis2=2))
        L, good = chol_factor(M * dm[:, :, None] * dm[:, None, :])
        z = tril_solve(L, np.where(good[:, None], c * dm, 0.0))
    quad = np.einsum("si,si->s", z, z)
    return np.where(good & ok, quad / (k - 1), np.nan)


def lean_inference(Z, y, cols, k, pad, norms, tss, se_types, full_cov, m, sol, prod, resid, ssr):
    """Standard errors of positions 1..m and the F of every SE type (lean route).

    Returns ``(se, f)`` dicts; an F left NaN where the centred meat is singular is for
    the caller to redo by the general route.
    """
    S, K = cols.shape
    n = Z.shape[0]
    df_resid = n - k
    se_out, f_stat = {}, {}
    if any(se != "classical" for se in se_types):
        # U[s, j, i] = (x_i' a_j) e_i: HC0 variance of beta_j = sum_i U^2
        # (scaled units); HC1 rescales it by n / (n - k).
        U = prod[S:].reshape(S, m, n)
        U *= resid[:, None, :]
        hc0 = np.einsum("sjn,sjn->sj", U, U)
    diag_inv = sol.diag_inv if sol.A is None else sol.A[:, sol.tpos, np.arange(m)]  # (G^-1)_jj
    for se in se_types:
        if se == "classical":
            var_u = diag_inv * (ssr / df_resid)[:, None]
            f = ((tss - ssr) / (k - 1)) / (ssr / df_resid)
        else:  # HC0 / HC1 (HC2 / HC3 never take this route)
            factor = 1.0 if se == "HC0" else n / df_resid
            var_u = hc0 * np.broadcast_to(factor, (S,))[:, None]
            f = np.full(S, np.nan)
            if full_cov:
                omega = hc_omega(resid, se, df_resid)
                f = lean_wald(Z, y, cols, k, pad, norms, omega, sol.ok)
        se_full = np.full((S, K), np.nan)
        se_full[:, 1 : m + 1] = np.sqrt(var_u) / sol.col_norms[:, 1 : m + 1]
        se_out[se] = se_full
        f_stat[se] = f
    return se_out, f_stat
