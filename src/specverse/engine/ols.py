"""Least squares for many specifications sharing one row set (OLS, or WLS after
the sqrt-weight transform), with every requested covariance and the model F.

Every specification selects columns of one matrix ``Z`` (n x q).  Nothing of
size (specs x n x k) is ever built:

* ``X_s'X_s`` and ``X_s'y`` are sub-blocks of one Gram matrix;
* residuals are one product ``y - B Z'`` with ``B`` the coefficients
  scattered into ``q`` columns;
* leverages and HC "meat" matrices are one product each with the matrix of
  pairwise column products ``P[i, (a, b)] = Z[i, a] Z[i, b]``:
  ``h_s = P (X_s'X_s)^-1`` (scattered) and ``X_s' diag(w_s) X_s = w_s P``.

All of it runs on the column-equilibrated ``Z`` (unit column norms), so units
never cost digits; coefficients and standard errors are rescaled at the end.
The constant is partialled out of every other column before a Gram matrix is
formed (general route: centring; lean route: QR of the shared columns), so
columns nearly parallel to the constant (an index at 8700 +- 60) do not square
their conditioning into the normal equations.
Specifications with fewer columns are padded with a column of zeros whose
Gram block is set to the identity: its coefficient and covariance are exactly
0 and it decouples from the others; per-spec ``k`` enters df, HC1, R^2 and F.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .covariance import hc_omega, needs_leverage
from .linalg import (
    RANK_RTOL,
    cho_solve,
    chol_factor,
    chol_inverse,
    tril_inverse,
    tril_solve,
    trilT_solve,
)

#: h_i within this of 1 means e_i = 0 by construction and HC2/HC3 divide 0 by
#: 0 (statsmodels then returns whatever the rounding gives); reported instead.
LEV_ONE_TOL = 1e-10


@dataclass
class LSBatch:
    """Results for ``S`` specifications; NaN where ``ok`` is False.

    Positions follow ``cols``: the constant first, pads (if any) last.
    """

    beta: np.ndarray  # (S, K) coefficients (pads 0)
    se: dict  # se_type -> (S, K) standard errors
    cov_unit: dict  # se_type -> (S, K, K) covariance of beta * col_norms (if computed)
    col_norms: np.ndarray  # (S, K)
    ok: np.ndarray  # (S,) full rank
    resid: np.ndarray  # (S, n) (weighted) residuals
    ssr: np.ndarray  # (S,)
    leverage: np.ndarray | None  # (S, n) when computed
    leverage_one: np.ndarray  # (S,) some h_i == 1 (to rounding): HC2/HC3 undefined
    f_stat: dict  # se_type -> (S,)
    r_squared: np.ndarray  # (S,)
    adj_r_squared: np.ndarray  # (S,)
    df_resid: np.ndarray  # (S,) = n - k

    def cov(self, se_type: str) -> np.ndarray:
        """Covariance of the coefficients in original units, ``(S, K, K)``."""
        d = self.col_norms
        return self.cov_unit[se_type] / d[:, :, None] / d[:, None, :]


def fit_shared(
    Z: np.ndarray,
    y: np.ndarray,
    cols: np.ndarray,
    k: np.ndarray,
    tss: float,
    se_types,
    want_leverage: bool = False,
    full_cov: bool = True,
    m: int | None = None,
    lean_f: bool = True,
) -> LSBatch:
    """Fit ``S`` specifications whose regressors are columns of ``Z``.

    Parameters
    ----------
    Z : ``(n, q)`` candidate columns (sqrt-weighted for WLS), finite in every
        column some spec uses; includes the constant and possibly an all-zero
        pad column.
    y : ``(n,)`` outcome (sqrt-weighted for WLS).
    cols : ``(S, K)`` column indices per spec: the constant first, then the
        spec's other columns; entries at positions ``>= k`` must point at an
        all-zero column.
    k : ``(S,)`` number of real columns per spec (including the constant).
    tss : centred (weighted) total sum of squares of ``y``.
    se_types : SE types to compute (see :mod:`.covariance`).
    full_cov : False skips what only the robust F needs (the full covariance):
        standard errors are computed for positions ``1..m`` only (NaN
        elsewhere) and the F of HC types is NaN (the classical F is kept).
        Without HC2/HC3 this avoids forming ``(X'X)^-1`` altogether.
    m : number of reported positions after the constant (needed for the lean
        route).
    lean_f : with ``full_cov`` and no HC2/HC3/leverage, compute the robust F
        without the full covariance (:func:`_lean_wald`); standard errors are
        then those of positions ``1..m`` only and ``cov_unit`` stays empty.
        False forces the general route (full covariance of every coefficient).
    """
    n, q = Z.shape
    S, K = cols.shape
    k = np.asarray(k)
    df_resid = n - k
    pos = np.arange(K)
    pad = pos[None, :] >= k[:, None]  # (S, K)
    sidx = np.arange(S)[:, None]
    # Lean route: only the reported terms' variances (and, with full_cov, the
    # robust F via the centred meat, see _lean_wald), no (X'X)^-1.
    lean = (
        m is not None
        and not want_leverage
        and not needs_leverage(se_types)
        and (not full_cov or lean_f)
    )

    norms = np.sqrt(np.einsum("ij,ij->j", Z, Z))
    norms = np.where(norms > 0, norms, 1.0)
    Zs = Z / norms
    col_norms = norms[cols]
    shift = None  # (S, K) centring of each spec's columns (general route)
    Ginv = None
    # Working design: Zs itself, or (lean route) Zs with the batch's shared
    # columns partialled out; `cw` indexes it, reported terms at `tpos`.
    Zw, yw, cw, tpos = Zs, y, cols, 1 + np.arange(m or 0)
    solved = _lean_solve(Zs, y, cols, pad, m) if lean else None
    if solved is not None:
        Zw, yw, cw, tpos, bw, A, ok = solved
        bu = np.full((S, K), np.nan)
        bu[:, 1 : m + 1] = bw[:, tpos]
    else:
        Zs, col_norms, shift, piv_scale = _centre(Z, cols, norms)
        piv_scale[pad] = 1.0  # pads: identity block, not a column to test
        Zw = Zs
        flat = cols[:, :, None] * q + cols[:, None, :]  # (S, K, K) index into q x q tables
        G = (Zs.T @ Zs)[cols[:, :, None], cols[:, None, :]]
        G[:, pos, pos] += pad  # zero pad columns -> identity block
        zy = (Zs.T @ y)[cols]
        if lean:  # bordered factorisation failed: same quantities, two solves
            L, ok = chol_factor(G, pivot_scale=piv_scale)
            rhs = np.zeros((S, K, 1 + m))
            rhs[:, :, 0] = zy
            rhs[:, 1 + np.arange(m), 1 + np.arange(m)] = 1.0
            sol = cho_solve(L, rhs)
            bu, A = sol[:, :, 0], sol[:, :, 1:]
        else:
            Ginv, ok = chol_inverse(G, pivot_scale=piv_scale)
            if not ok.all():  # keep the batched kernels finite; blanked at the end
                Ginv = np.where(ok[:, None, None], Ginv, 0.0)
            bu = (Ginv @ zy[:, :, None])[:, :, 0]  # coefficients of Zs
        bw = bu
    all_ok = bool(ok.all())
    # Rows 0..S-1: coefficients scattered into q columns (pads write 0: their
    # coefficient is exactly 0).  Lean route: rows S.. hold a_j = G^-1 e_j of
    # the terms, so x_i' a_j (observation i's weight in beta_j) comes out of
    # the same GEMM as the fitted values.
    hc_lean = lean and any(se != "classical" for se in se_types)
    B = np.zeros((S * (1 + m) if hc_lean else S, q))
    B[sidx, cw] = bw
    if hc_lean:
        Ab = B[S:].reshape(S, m, q)
        Ab[sidx[:, :, None], np.arange(m)[None, :, None], cw[:, None, :]] = np.swapaxes(A, 1, 2)
    prod = B @ Zw.T
    resid = prod[:S]
    np.subtract(yw, resid, out=resid)  # in place: fewer fresh pages to fault in
    ssr = np.einsum("sn,sn->s", resid, resid)

    with np.errstate(divide="ignore", invalid="ignore"):  # constant outcome: tss = 0
        r2 = 1.0 - ssr / tss
        adj = 1.0 - (n - 1) / df_resid * (1.0 - r2)
    cov_unit, se_out, f_stat = {}, {}, {}
    lev, lev_one = None, np.zeros(S, bool)
    if lean:
        # U[s, j, i] = (x_i' a_j) e_i: HC0 variance of beta_j = sum_i U^2
        # (scaled units); HC1 rescales it by n / (n - k).
        if hc_lean:
            U = prod[S:].reshape(S, m, n)
            U *= resid[:, None, :]
            hc0 = np.einsum("sjn,sjn->sj", U, U)
        diag_inv = A[:, tpos, np.arange(m)]  # (G^-1)_jj
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
                    f = _lean_wald(Z, y, cols, k, pad, norms, omega, ok)
                    redo = ok & ~np.isfinite(f)
                    if redo.any():  # singular centred meat: the general route's answer
                        sub = fit_shared(Z, y, cols[redo], k[redo], tss, (se,), m=m, lean_f=False)
                        f[redo] = sub.f_stat[se]
            se_full = np.full((S, K), np.nan)
            se_full[:, 1 : m + 1] = np.sqrt(var_u) / col_norms[:, 1 : m + 1]
            se_out[se] = _blank(se_full, ok, all_ok)
            f_stat[se] = _blank(f, ok, all_ok)
    else:
        # Pairwise column products (upper triangle) of the columns in use;
        # pair_id maps (a, b) -> column of P.  Callers pass Z restricted to used
        # columns.
        a_idx, b_idx = np.triu_indices(q)
        npairs = len(a_idx)
        pair_id = np.zeros((q, q), dtype=np.int64)
        pair_id[a_idx, b_idx] = pair_id[b_idx, a_idx] = np.arange(npairs)
        P = Zs[:, a_idx] * Zs[:, b_idx]  # (n, pairs)
        # (S, K, K) positions in a flattened (S, pairs) array
        flat_pairs = np.take(pair_id, flat)
        flat_pairs += sidx[:, :, None] * npairs
        if want_leverage or needs_leverage(se_types):
            # Summing over ordered (j, l) hits each off-diagonal pair twice, as
            # needed; pad entries meet all-zero columns of P.
            w_pairs = np.bincount(flat_pairs.ravel(), weights=Ginv.ravel(), minlength=S * npairs)
            lev = w_pairs.reshape(S, npairs) @ P.T
            lev_one = (lev > 1.0 - LEV_ONE_TOL).any(axis=1)
        for se in se_types:
            if se == "classical":
                Vu = Ginv * (ssr / df_resid)[:, None, None]
                # statsmodels' mse_model / mse_resid (= the Wald F with this V).
                f = ((tss - ssr) / (k - 1)) / (ssr / df_resid)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    omega = hc_omega(resid, se, df_resid, lev)
                    if se in ("HC2", "HC3") and lev_one.any():
                        omega[lev_one] = 0.0  # keep the batch finite; see leverage_one
                    meat = np.take(omega @ P, flat_pairs)
                    GM = Ginv @ meat
                if full_cov:
                    Vu = np.matmul(GM, Ginv, out=meat)
                    f = _wald_slopes(bu, Vu, pad, ok, k - 1)
                else:
                    Vu = None
                    # diag(G^-1 M G^-1)_i = sum_j (G^-1 M)_ij (G^-1)_ij, G^-1 symmetric
                    var_u = np.einsum("sij,sij->si", GM, Ginv)
                    f = np.full(S, np.nan)
            if Vu is not None:
                Vu = _uncentre_cov(Vu, shift, col_norms)
                var_u = np.diagonal(Vu, axis1=1, axis2=2)
                cov_unit[se] = _blank(Vu, ok, all_ok)
                se_u = np.sqrt(var_u) / col_norms
            else:  # diagonal only: the constant's variance needs the full matrix
                se_u = np.sqrt(var_u) / col_norms
                if shift is not None:
                    se_u[:, 0] = np.nan
            se_out[se] = _blank(se_u, ok, all_ok)
            f_stat[se] = _blank(f, ok, all_ok)
    beta = bu / col_norms
    if shift is not None:
        # intercept of the uncentred design: a - sum_j c_j beta_j
        beta[:, 0] -= np.einsum("sj,sj->s", shift[:, 1:], beta[:, 1:])
    return LSBatch(
        beta=_blank(beta, ok, all_ok),
        se=se_out,
        cov_unit=cov_unit,
        col_norms=col_norms,
        ok=ok,
        resid=_blank(resid, ok, all_ok),
        ssr=_blank(ssr, ok, all_ok),
        leverage=None if lev is None else _blank(lev, ok, all_ok),
        leverage_one=lev_one,
        f_stat=f_stat,
        r_squared=_blank(r2, ok, all_ok),
        adj_r_squared=_blank(adj, ok, all_ok),
        df_resid=df_resid,
    )


def _centre(Z, cols, norms):
    """Partial the constant out of every other column before any Gram matrix
    is formed, then equilibrate.

    A column like 8700 +- 60 is nearly parallel to the constant: its Gram
    matrix with the constant squares that ill-conditioning (1e-10 relative
    errors).  Centred (for WLS: the sqrt-weight "constant" projected out),
    the constant is orthogonal to the rest and only the conditioning among
    the centred columns remains.  The centring is computed twice (the second
    pass removes the rounding left by the first).

    Returns ``(Zs, col_norms, shift, pivot_scale)``: the equilibrated centred
    design, its column norms per spec position, ``shift[s, j] = c_j`` (the
    column's projection coefficient on the constant, 0 for the constant and
    pads; original = centred + c_j * constant) and ``||x_c||^2 / ||x||^2`` per
    spec position, which restores the uncentred rank test (see
    :func:`.linalg.chol_factor`).
    """
    c0 = cols[0, 0]
    if not (cols[:, 0] == c0).all():
        raise ValueError("fit_shared: every spec must have the same constant column first")
    z0 = Z[:, c0]
    zz = z0 @ z0
    cen = (z0 @ Z) / zz
    cen[c0] = 0.0
    Zc = Z - np.outer(z0, cen)
    fix = (z0 @ Zc) / zz
    fix[c0] = 0.0
    Zc -= np.outer(z0, fix)
    cen += fix
    nc = np.sqrt(np.einsum("ij,ij->j", Zc, Zc))
    scale = np.where(norms > 0, (nc / norms) ** 2, 1.0)
    nc = np.where(nc > 0, nc, 1.0)
    return Zc / nc, nc[cols], cen[cols], scale[cols]


def _lean_wald(Z, y, cols, k, pad, norms, omega, ok):
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
    Zc, _, _, _ = _centre(Z, cols, norms)  # equilibrated: M is scale-free below
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


def _uncentre_cov(Vu, shift, d):
    """Covariance (scaled units) of the uncentred design's coefficients.

    With centred columns the intercept is ``a = b_0 + sum_j c_j b_j``, so
    ``b = T (a, b_1..)`` with ``T = I - e_0 c'``; in scaled units
    ``c_j`` becomes ``c_j d_0 / d_j``.  Slopes' block is unchanged.
    """
    if shift is None:
        return Vu
    s = shift * d[:, :1] / d
    s[:, 0] = 0.0
    W = Vu.copy()
    W[:, 0, :] -= np.einsum("sj,sjk->sk", s, Vu)
    W[:, :, 0] -= np.einsum("sk,sjk->sj", s, W)
    return W


def _lean_solve(Zs, y, cols, pad, m):
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

    Returns ``(Zw, yw, cols_w, tpos, b_w, A_w, ok)``: the working (partialled)
    design, outcome and column table, the terms' positions in it, the
    coefficients and ``a_j`` there; or None when the shared columns are
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
    Rhs = np.zeros((S, K2, 1 + m))
    Rhs[:, :, 0] = L[:, K2, :K2]
    Rhs[:, K2 - m :, 1:] = tril_inverse(Lx[:, K2 - m :, K2 - m :])
    X = trilT_solve(Lx, Rhs)
    back = np.argsort(perm)
    return Zw, yw, cw, np.arange(m), X[:, back, 0], X[:, back, 1:], ok


def _wald_slopes(bu, Vu, pad, ok, q):
    """Wald F that every coefficient but the constant (position 0) is zero:
    ``b' V^-1 b / q``, as statsmodels' ``fvalue`` for robust covariances.

    Pad rows/columns of ``Vu`` are exactly 0; an identity there leaves the
    quadratic form unchanged and lets specs of different width share one
    batched Cholesky (factorisation is insensitive to the diagonal scaling).
    """
    V = Vu[:, 1:, 1:].copy()
    b = bu[:, 1:]
    K1 = V.shape[-1]
    d = np.arange(K1)
    V[:, d, d] += pad[:, 1:]
    if not ok.all():
        V[~ok] = np.eye(K1)
    try:
        z = tril_solve(np.linalg.cholesky(V), b)
        quad = np.einsum("si,si->s", z, z)
    except np.linalg.LinAlgError:
        # A singular robust covariance (e.g. leverage 1 with HC0): the
        # pseudo-inverse, per matrix; non-finite ones give NaN.
        quad = np.full(len(V), np.nan)
        fin = np.isfinite(V).all(axis=(1, 2))
        quad[fin] = np.einsum(
            "si,si->s", b[fin], (np.linalg.pinv(V[fin]) @ b[fin][:, :, None])[:, :, 0]
        )
    return quad / q


def _blank(a: np.ndarray, ok: np.ndarray, all_ok: bool) -> np.ndarray:
    """NaN out the entries of failed problems (leading axis)."""
    if all_ok:
        return a
    shape = ok.shape + (1,) * (np.ndim(a) - ok.ndim)
    return np.where(ok.reshape(shape), a, np.nan)
