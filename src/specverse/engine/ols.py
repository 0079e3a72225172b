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
    m : number of reported positions after the constant (needed when
        ``full_cov`` is False).
    """
    n, q = Z.shape
    S, K = cols.shape
    k = np.asarray(k)
    df_resid = n - k
    pos = np.arange(K)
    pad = pos[None, :] >= k[:, None]  # (S, K)
    sidx = np.arange(S)[:, None]
    lean = not full_cov and not want_leverage and not needs_leverage(se_types)

    norms = np.sqrt(np.einsum("ij,ij->j", Z, Z))
    norms = np.where(norms > 0, norms, 1.0)
    Zs = Z / norms
    col_norms = norms[cols]
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
        flat = cols[:, :, None] * q + cols[:, None, :]  # (S, K, K) index into q x q tables
        G = np.take(Zs.T @ Zs, flat)
        G[:, pos, pos] += pad  # zero pad columns -> identity block
        zy = (Zs.T @ y)[cols]
        if lean:  # bordered factorisation failed: same quantities, two solves
            L, ok = chol_factor(G)
            rhs = np.zeros((S, K, 1 + m))
            rhs[:, :, 0] = zy
            rhs[:, 1 + np.arange(m), 1 + np.arange(m)] = 1.0
            sol = cho_solve(L, rhs)
            bu, A = sol[:, :, 0], sol[:, :, 1:]
        else:
            Ginv, ok = chol_inverse(G)
            if not ok.all():  # keep the batched kernels finite; blanked at the end
                Ginv = np.where(ok[:, None, None], Ginv, 0.0)
            bu = (Ginv @ zy[:, :, None])[:, :, 0]  # coefficients of Zs
        bw = bu
    all_ok = bool(ok.all())
    B = np.zeros((S, q))
    B[sidx, cw] = bw  # pads write 0 (their coefficient is exactly 0)
    resid = B @ Zw.T
    np.subtract(yw, resid, out=resid)  # in place: fewer fresh pages to fault in
    ssr = np.einsum("sn,sn->s", resid, resid)

    with np.errstate(divide="ignore", invalid="ignore"):  # constant outcome: tss = 0
        r2 = 1.0 - ssr / tss
        adj = 1.0 - (n - 1) / df_resid * (1.0 - r2)
    cov_unit, se_out, f_stat = {}, {}, {}
    lev, lev_one = None, np.zeros(S, bool)
    if lean:
        # U[s, j, i] = x_i' a_j: observation i's weight in beta_j (scaled units).
        Ab = np.zeros((S, m, q))
        Ab[sidx[:, :, None], np.arange(m)[None, :, None], cw[:, None, :]] = np.swapaxes(A, 1, 2)
        U = (Ab.reshape(S * m, q) @ Zw.T).reshape(S, m, n)  # one GEMM, not S small ones
        U *= U
        diag_inv = A[:, tpos, np.arange(m)]  # (G^-1)_jj
        for se in se_types:
            if se == "classical":
                var_u = diag_inv * (ssr / df_resid)[:, None]
                f = ((tss - ssr) / (k - 1)) / (ssr / df_resid)
            else:
                var_u = np.einsum("sjn,sn->sj", U, hc_omega(resid, se, df_resid))
                f = np.full(S, np.nan)
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
                var_u = np.diagonal(Vu, axis1=1, axis2=2)
                cov_unit[se] = _blank(Vu, ok, all_ok)
            se_out[se] = _blank(np.sqrt(var_u) / col_norms, ok, all_ok)
            f_stat[se] = _blank(f, ok, all_ok)
    return LSBatch(
        beta=_blank(bu / col_norms, ok, all_ok),
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
    keep = ~np.isin(cols, sh)  # every spec holds each shared column exactly once
    K2 = K - len(sh)
    cw = cols[keep].reshape(S, K2)  # terms now at positions 0..m-1
    padw = pad[keep].reshape(S, K2)

    perm = np.r_[np.arange(m, K2), np.arange(m)]
    colsP = np.concatenate([cw[:, perm], np.full((S, 1), q)], axis=1)  # y is column q
    Zy = np.column_stack([Zw, yw])
    Ga = np.take(Zy.T @ Zy, colsP[:, :, None] * (q + 1) + colsP[:, None, :])
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
