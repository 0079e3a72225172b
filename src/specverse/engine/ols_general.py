"""The general route of :func:`.ols.fit_shared`: the full covariance of every
coefficient (and, for HC2/HC3, the leverages) for many specifications at once.

The constant is partialled out of every column before the Gram matrix is formed
(:func:`centre`); leverages and HC "meat" matrices are one product each with the
matrix of pairwise column products ``P[i, (a, b)] = Z[i, a] Z[i, b]``:
``h_s = P (X_s'X_s)^-1`` (scattered) and ``X_s' diag(w_s) X_s = w_s P``.
"""

from __future__ import annotations

import numpy as np

from .covariance import LEV_ONE_TOL, hc_omega, needs_leverage
from .linalg import tril_solve


def centre(Z, cols, norms):
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


def general_inference(Zs, cols, k, pad, sol, resid, ssr, tss, se_types, want_leverage, full_cov):
    """Covariances, standard errors, F and leverages of every SE type (general route).

    Returns ``(cov_unit, se, f, leverage, leverage_one)``; the covariances are those of
    the uncentred, equilibrated design's coefficients.
    """
    q = Zs.shape[1]
    S, K = cols.shape
    n = resid.shape[1]
    df_resid = n - k
    sidx = np.arange(S)[:, None]
    Ginv, shift, col_norms = sol.Ginv, sol.shift, sol.col_norms
    cov_unit, se_out, f_stat = {}, {}, {}
    lev, lev_one = None, np.zeros(S, bool)
    # Pairwise column products (upper triangle) of the columns in use;
    # pair_id maps (a, b) -> column of P.  Callers pass Z restricted to used
    # columns.
    a_idx, b_idx = np.triu_indices(q)
    npairs = len(a_idx)
    pair_id = np.zeros((q, q), dtype=np.int64)
    pair_id[a_idx, b_idx] = pair_id[b_idx, a_idx] = np.arange(npairs)
    P = Zs[:, a_idx] * Zs[:, b_idx]  # (n, pairs)
    # (S, K, K) positions in a flattened (S, pairs) array
    flat_pairs = np.take(pair_id, cols[:, :, None] * q + cols[:, None, :])
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
                if needs_leverage(se) and lev_one.any():
                    omega[lev_one] = 0.0  # keep the batch finite; see leverage_one
                meat = np.take(omega @ P, flat_pairs)
                GM = Ginv @ meat
            if full_cov:
                Vu = np.matmul(GM, Ginv, out=meat)
                f = wald_slopes(sol.bu, Vu, pad, sol.ok, k - 1)
            else:
                Vu = None
                # diag(G^-1 M G^-1)_i = sum_j (G^-1 M)_ij (G^-1)_ij, G^-1 symmetric
                var_u = np.einsum("sij,sij->si", GM, Ginv)
                f = np.full(S, np.nan)
        if Vu is not None:
            Vu = uncentre_cov(Vu, shift, col_norms)
            var_u = np.diagonal(Vu, axis1=1, axis2=2)
            cov_unit[se] = Vu
            se_u = np.sqrt(var_u) / col_norms
        else:  # diagonal only: the constant's variance needs the full matrix
            se_u = np.sqrt(var_u) / col_norms
            if shift is not None:
                se_u[:, 0] = np.nan
        se_out[se] = se_u
        f_stat[se] = f
    return cov_unit, se_out, f_stat, lev, lev_one


def uncentre_cov(Vu, shift, d):
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


def wald_slopes(bu, Vu, pad, ok, q):
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
