"""The studentized statistic shared by every resampling method.

All methods reduce to one formula.  For the coefficient of column j write the
influence row ``w = e_j' (X' C X)^-1 X'`` (C = diag of row counts: all ones
except in the pairs bootstrap), so that ``b_j = sum_i c_i w_i y_i`` and

    Var(b_j) = sum_i c_i w_i^2 omega_i,

with ``omega_i`` = e_i^2 (HC0), e_i^2 n/(n-k) (HC1), e_i^2/(1-h_i) (HC2),
e_i^2/(1-h_i)^2 (HC3) or the constant s^2 = sum c e^2/(n-k) (classical), n =
sum c.  With a fixed design (wild bootstrap, Freedman-Lane) Frisch-Waugh-Lovell
gives ``w = x~ / x~'x~`` with ``x~ = M_Z x_j`` (x_j residualised on the other
columns), so a draw costs O(nk): no refit, only a projection of its residuals.
Arrays are indexed observations x draws, ``(n, B)``, but stored draws-major
(transposed views of C-contiguous ``(B, n)`` arrays): mixing memory layouts in
one elementwise operation costs more than the matrix products.
"""

from __future__ import annotations

import numpy as np

from ..covariance import LEVERAGE_SE_TYPES, SE_TYPES, leverage_divisor

#: Relative tolerance for "as or more extreme": a draw whose |t*| equals the
#: observed |t| up to rounding (the identity arrangement in exact enumeration)
#: must count, whatever the order of floating-point operations.
TIE_RTOL = 1e-9


def coef_variance(w, resid, se_type, *, k, counts=None, leverage=None):
    """Variance of one coefficient for every draw.

    w, resid : ``(n, B)`` (or ``(n,)`` for w / leverage when the design is fixed).
    counts : ``(n, B)`` row multiplicities (pairs bootstrap) or None (all ones).
    Returns ``(B,)``.  ``resid`` is overwritten (squared in place: the arrays
    are large and every pass over them costs as much as the products).
    """
    if se_type not in SE_TYPES:
        raise ValueError(f"se_type must be one of {SE_TYPES}, got {se_type!r}")
    e2 = np.multiply(resid, resid, out=resid)
    if counts is not None:
        e2 *= counts
    ntot = resid.shape[0] if counts is None else counts.sum(axis=0)
    if se_type == "classical":
        s2 = e2.sum(axis=0) / (ntot - k)
        ww = w * w if counts is None else counts * w * w
        return s2 * _colsum(ww, resid.shape[1])
    if se_type in LEVERAGE_SE_TYPES:
        e2 /= _col(leverage_divisor(se_type, 1.0 - leverage))
    if w.ndim == 1:
        var = (w * w) @ e2  # fixed design: one matrix-vector product
    else:
        var = np.einsum("ib,ib->b", w * w, e2)
    if se_type == "HC1":
        var = var * (ntot / (ntot - k))
    return var


def _col(a):
    return a[:, None] if a.ndim == 1 else a


def _colsum(a, B):
    s = a.sum(axis=0)
    return np.broadcast_to(s, (B,)) if np.ndim(s) == 0 else s


def fixed_design_draws(xt, sxx, basis, L, us, se_type, *, k, leverage=None, unit_square=False):
    """Coefficient shifts and SEs when only the outcome is redrawn.

    A redrawn outcome is ``y* = f + U`` with f in the column space of the design,
    so by FWL the estimate moves by ``x~'U / x~'x~`` and the full-model residuals
    are ``e* = U - Q g`` with ``g = Q'U`` (Q: orthonormal basis of the design).
    Here ``U = L * u`` row-wise: L ``(B, n)`` (or an iterable of row blocks of
    it) holds the draws (wild weights, or permuted residuals with u = 1) and each u in ``us`` is one per-observation
    multiplier (the restricted and unrestricted residuals share one L).

    The variance never forms e*: with per-observation factors f (w^2 times
    the HC2/HC3 leverage factor; 1 for classical),
        sum_i f_i e_i^2 = sum_i f_i U_i^2 - 2 sum_i f_i U_i q_i'g + g' (Q' F Q) g,
    so all draws and all us need one matrix product, L @ [u Q, u (2 F Q - Q H)]
    (H = Q'FQ), giving g and 2 Q'FU - H g = 2a - H g at once, plus
    sum_i f_i U_i^2 = (L*L) @ (u^2 f), a constant when ``unit_square``
    (Rademacher: L^2 = 1).  The estimate needs no extra column: x~ lies in
    span Q, so x~'U = (Q'U)'(Q'x~).  The three terms are of the size of the
    result (e* is U minus a k/n share), so nothing cancels badly.

    Returns a list, per u, of ``(delta_b (B,), se (B,))``.
    """
    n = basis.shape[0]
    w = xt / sxx
    if se_type == "classical":
        f = np.ones(n)
    elif se_type in ("HC0", "HC1"):
        f = w * w
    elif se_type in LEVERAGE_SE_TYPES:
        f = w * w / leverage_divisor(se_type, 1.0 - leverage)
    else:
        raise ValueError(f"se_type must be one of {SE_TYPES}, got {se_type!r}")
    c_w = basis.T @ w
    fq = f[:, None] * basis
    H = basis.T @ fq
    # g = Q'U and t = 2 Q'FU - H g = (2 FQ - Q H)'U from the same product: no pass over
    # the draws' (k, B) rows to form t afterwards
    core = np.column_stack([basis, 2.0 * fq - basis @ H])  # (n, 2k)
    width = core.shape[1]
    right_t = np.vstack([core.T * u for u in us])  # (len(us) * 2k, n)
    sq_vecs = np.vstack([u * u * f for u in us])  # (len(us), n)
    # L may come in blocks of draws (an iterable of (B_c, n) arrays): each block is
    # multiplied while it is still in cache.  prod: (len(us) * 2k, B), the only pass over
    # the draws; draws last, so that what follows works on contiguous rows.
    blocks = [L] if isinstance(L, np.ndarray) else L
    prods, sqs = [], []
    for Lc in blocks:
        prods.append(right_t @ Lc.T)
        if not unit_square:
            sqs.append(sq_vecs @ (Lc * Lc).T)
    prod = prods[0] if len(prods) == 1 else np.concatenate(prods, axis=1)
    if unit_square:
        sq = np.broadcast_to(sq_vecs.sum(axis=1)[:, None], (len(us), prod.shape[1]))
    else:
        sq = sqs[0] if len(sqs) == 1 else np.concatenate(sqs, axis=1)
    out = []
    kq = basis.shape[1]
    for c in range(len(us)):
        block = prod[c * width : (c + 1) * width]
        g, t = block[:kq], block[kq:]  # (k, B) each
        delta = c_w @ g
        ss = sq[c] - np.einsum("jb,jb->b", g, t)  # sq - 2 a'g + g'Hg
        ss = np.maximum(ss, 0.0)  # rounding only
        if se_type == "classical":
            var = ss / (n - k) * float(w @ w)
        elif se_type == "HC1":
            var = ss * (n / (n - k))
        else:
            var = ss
        out.append((delta, np.sqrt(var)))
    return out


def two_sided_p(t_obs, t_star):
    """p = (1 + #{|t*| >= |t|}) / (1 + B) over the finite draws (NaN if none)."""
    t_star = np.asarray(t_star)
    t_star = t_star[np.isfinite(t_star)]
    if not np.isfinite(t_obs) or t_star.size == 0:
        return np.nan
    return (1.0 + n_extreme(t_obs, t_star)) / (1.0 + t_star.size)


def exact_p(t_obs, t_star):
    """Exact p over a complete enumeration that includes the observed arrangement."""
    t_star = np.asarray(t_star)
    t_star = t_star[np.isfinite(t_star)]
    if not np.isfinite(t_obs) or t_star.size == 0:
        return np.nan
    return n_extreme(t_obs, t_star) / t_star.size


def n_extreme(t_obs, t_star):
    return int(np.count_nonzero(np.abs(t_star) >= abs(t_obs) * (1.0 - TIE_RTOL)))


def order_quantiles(x, probs):
    """Quantiles by the (B+1)p-th order statistic convention (numpy 'weibull').

    With B = 999 and alpha = .05 this picks exactly the 25th and 975th draws.
    """
    x = np.asarray(x)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.full(len(probs), np.nan)
    # (B + 1) p an integer (the configs' draws): the order statistics themselves, by one
    # partial sort, which equals numpy's 'weibull' quantile there and costs a third of it
    rank = (x.size + 1) * np.asarray(probs, dtype=float)
    whole = np.round(rank)
    if np.allclose(rank, whole, rtol=0, atol=1e-9) and (whole >= 1).all() and (whole <= x.size).all():
        at = whole.astype(np.intp) - 1
        return np.partition(x, at)[at]
    return np.quantile(x, probs, method="weibull")
