"""Least squares for many specifications sharing one row set (OLS, or WLS after
the sqrt-weight transform), with every requested covariance and the model F.

Every specification selects columns of one matrix ``Z`` (n x q).  Nothing of
size (specs x n x k) is ever built:

* ``X_s'X_s`` and ``X_s'y`` are sub-blocks of one Gram matrix;
* residuals are one product ``y - B Z'`` with ``B`` the coefficients
  scattered into ``q`` columns;
* variances come from one of two routes: :mod:`.ols_lean` (the reported terms
  only, no inverse Gram matrix) or :mod:`.ols_general` (every coefficient's
  covariance, leverages for HC2/HC3).

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

from .covariance import needs_leverage
from .linalg import cho_solve, chol_factor, chol_inverse
from .ols_general import centre, general_inference
from .ols_lean import FactorOnly, lean_inference, lean_solve


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
    resid: np.ndarray | None  # (S, n) (weighted) residuals; None if only classical lean SEs
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


@dataclass
class _Solution:
    """Coefficients of a batch on its working design, and what the variances need.

    ``Zw``/``yw``/``cw``: the working design, outcome and column table (the lean route
    partials shared columns out); ``bw`` coefficients there, ``bu`` at the spec
    positions of the equilibrated design; ``A`` = G^-1 e_j of the terms (lean route);
    ``Ginv`` the inverse Gram matrices and ``shift`` the centring (general route).
    """

    Zw: np.ndarray
    yw: np.ndarray
    cw: np.ndarray
    tpos: np.ndarray
    bw: np.ndarray
    bu: np.ndarray
    ok: np.ndarray
    col_norms: np.ndarray
    A: np.ndarray | None = None
    Ginv: np.ndarray | None = None
    shift: np.ndarray | None = None
    diag_inv: np.ndarray | None = None  # (G^-1)_jj of the terms, classical lean route
    ssr: np.ndarray | None = None  # from the factor (classical lean route): no residuals


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
    pad = np.arange(K)[None, :] >= k[:, None]  # (S, K)
    # Lean route: only the reported terms' variances (and, with full_cov, the
    # robust F via the centred meat, see ols_lean.lean_wald), no (X'X)^-1.
    lean = (
        m is not None
        and not want_leverage
        and not needs_leverage(se_types)
        and (not full_cov or lean_f)
    )
    norms = np.sqrt(np.einsum("ij,ij->j", Z, Z))
    norms = np.where(norms > 0, norms, 1.0)
    hc_lean = lean and any(se != "classical" for se in se_types)
    sol = _solve(Z, y, cols, pad, norms, m, lean, classical=lean and not hc_lean)
    ok = sol.ok
    all_ok = bool(ok.all())
    if sol.ssr is None:
        prod, resid, ssr = _residuals(sol, q, m, hc_lean)
    else:  # classical variances only: the factor gave everything, no residuals formed
        prod, resid, ssr = None, None, sol.ssr
    with np.errstate(divide="ignore", invalid="ignore"):  # constant outcome: tss = 0
        r2 = 1.0 - ssr / tss
        adj = 1.0 - (n - 1) / df_resid * (1.0 - r2)
    cov_unit, lev, lev_one = {}, None, np.zeros(S, bool)
    if lean:
        se_out, f_stat = lean_inference(Z, y, cols, k, pad, norms, tss, se_types, full_cov, m, sol, prod,
                                        resid, ssr)
        for se, f in f_stat.items():
            redo = ok & ~np.isfinite(f)
            if se != "classical" and full_cov and redo.any():
                # singular centred meat: the general route's answer
                f[redo] = fit_shared(Z, y, cols[redo], k[redo], tss, (se,), m=m, lean_f=False).f_stat[se]
    else:
        cov_unit, se_out, f_stat, lev, lev_one = general_inference(
            sol.Zw, cols, k, pad, sol, resid, ssr, tss, se_types, want_leverage, full_cov
        )
        cov_unit = {se: _blank(v, ok, all_ok) for se, v in cov_unit.items()}
    beta = sol.bu / sol.col_norms
    if sol.shift is not None:
        # intercept of the uncentred design: a - sum_j c_j beta_j
        beta[:, 0] -= np.einsum("sj,sj->s", sol.shift[:, 1:], beta[:, 1:])
    return LSBatch(
        beta=_blank(beta, ok, all_ok),
        se={se: _blank(v, ok, all_ok) for se, v in se_out.items()},
        cov_unit=cov_unit,
        col_norms=sol.col_norms,
        ok=ok,
        resid=None if resid is None else _blank(resid, ok, all_ok),
        ssr=_blank(ssr, ok, all_ok),
        leverage=None if lev is None else _blank(lev, ok, all_ok),
        leverage_one=lev_one,
        f_stat={se: _blank(f, ok, all_ok) for se, f in f_stat.items()},
        r_squared=_blank(r2, ok, all_ok),
        adj_r_squared=_blank(adj, ok, all_ok),
        df_resid=df_resid,
    )


def _solve(Z, y, cols, pad, norms, m, lean, classical=False) -> _Solution:
    """The batch's coefficients: the lean route's bordered factorisation when it
    applies and succeeds, else the centred general route (two solves on the lean
    route's behalf when its bordered factorisation failed).  ``classical``: only
    classical variances are wanted (see :func:`.ols_lean.lean_solve`)."""
    S, K = cols.shape
    q = Z.shape[1]
    pos = np.arange(K)
    solved = lean_solve(Z / norms, y, cols, pad, m, classical) if lean else None
    if isinstance(solved, FactorOnly):  # classical variances only: read off the factor
        bu = np.full((S, K), np.nan)
        bu[:, 1 : m + 1] = solved.b_terms
        return _Solution(None, y, None, np.arange(m), solved.b_terms, bu, solved.ok, norms[cols],
                         diag_inv=solved.diag_inv, ssr=solved.ssr)
    if solved is not None:
        Zw, yw, cw, tpos, bw, A, ok = solved
        bu = np.full((S, K), np.nan)
        bu[:, 1 : m + 1] = bw[:, tpos]
        return _Solution(Zw, yw, cw, tpos, bw, bu, ok, norms[cols], A=A)
    Zs, col_norms, shift, piv_scale = centre(Z, cols, norms)
    piv_scale[pad] = 1.0  # pads: identity block, not a column to test
    G = (Zs.T @ Zs)[cols[:, :, None], cols[:, None, :]]
    G[:, pos, pos] += pad  # zero pad columns -> identity block
    zy = (Zs.T @ y)[cols]
    tpos = 1 + np.arange(m or 0)
    if lean:  # bordered factorisation failed: same quantities, two solves
        L, ok = chol_factor(G, pivot_scale=piv_scale)
        rhs = np.zeros((S, K, 1 + m))
        rhs[:, :, 0] = zy
        rhs[:, 1 + np.arange(m), 1 + np.arange(m)] = 1.0
        sol = cho_solve(L, rhs)
        bu, A = sol[:, :, 0], sol[:, :, 1:]
        return _Solution(Zs, y, cols, tpos, bu, bu, ok, col_norms, A=A, shift=shift)
    Ginv, ok = chol_inverse(G, pivot_scale=piv_scale)
    if not ok.all():  # keep the batched kernels finite; blanked at the end
        Ginv = np.where(ok[:, None, None], Ginv, 0.0)
    bu = (Ginv @ zy[:, :, None])[:, :, 0]  # coefficients of Zs
    return _Solution(Zs, y, cols, tpos, bu, bu, ok, col_norms, Ginv=Ginv, shift=shift)


def _residuals(sol: _Solution, q: int, m, hc_lean: bool):
    """``(prod, resid, ssr)``: rows 0..S-1 of ``B`` hold the coefficients scattered into
    q columns (pads write 0: their coefficient is exactly 0), so the fitted values of
    every spec are one GEMM.  Lean route with an HC type: rows S.. hold a_j = G^-1 e_j
    of the terms, so x_i' a_j (observation i's weight in beta_j) comes out of the same
    product."""
    S = len(sol.bw)
    sidx = np.arange(S)[:, None]
    B = np.zeros((S * (1 + m) if hc_lean else S, q))
    B[sidx, sol.cw] = sol.bw
    if hc_lean:
        Ab = B[S:].reshape(S, m, q)
        Ab[sidx[:, :, None], np.arange(m)[None, :, None], sol.cw[:, None, :]] = np.swapaxes(sol.A, 1, 2)
    prod = B @ sol.Zw.T
    resid = prod[:S]
    np.subtract(sol.yw, resid, out=resid)  # in place: fewer fresh pages to fault in
    ssr = np.einsum("sn,sn->s", resid, resid)
    return prod, resid, ssr


def _blank(a: np.ndarray, ok: np.ndarray, all_ok: bool) -> np.ndarray:
    """NaN out the entries of failed problems (leading axis)."""
    if all_ok:
        return a
    shape = ok.shape + (1,) * (np.ndim(a) - ok.ndim)
    return np.where(ok.reshape(shape), a, np.nan)
