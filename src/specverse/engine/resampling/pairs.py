"""Pairs (case) bootstrap: rows resampled with replacement, every draw refitted.

A draw is summarised by its row counts c (sum c = n), and its fit by the
weighted normal equations A = X' diag(c) X, r = X' diag(c) y.  For all draws at
once these are two matrix products, [x_i x_i' flattened]' (k(k+1)/2 x n) @ counts'
(n x B) and (X * y)' @ counts', draws last, followed by one Cholesky solve
vectorised across draws (:func:`cholesky_solve`).  Huber: every draw refitted
by batched IRLS (:func:`huber_pairs_draws`).

p-value and CI: bootstrap-t.  The pairs bootstrap does not impose the
null, so the draws are centred on the estimate: t* = (b* - b) / se*, with se*
the same HC type as the analytic test, and p = (1 + #{|t*| >= |t|})/(1 + B).
Studentizing makes the statistic asymptotically pivotal (the bootstrap then
gets the refinement the percentile "shifted" test |b* - b| >= |b| lacks, whose
spread is driven by the very heteroskedasticity and leverage the HC SE
corrects); the symmetric form suits a two-sided test.  The CI is the
equal-tailed percentile-t interval of the same draws, the SE the standard
deviation of b*.
Draws whose resampled design is singular (e.g. no treated row drawn), or,
for HC2/HC3, has a row of leverage one, are dropped: B counts the usable draws.
"""

from __future__ import annotations

import numpy as np

from ..covariance import LEV_ONE_TOL, needs_leverage
from .studentized import coef_variance, order_quantiles, two_sided_p

#: Cholesky pivot threshold on the unit-diagonal Gram matrix of a draw: a
#: column explained by the previous ones with R^2 > 1 - 1e-10 marks the draw
#: as singular.
PIVOT_RTOL = 1e-10
CHUNK = 2048  # draws per block: bounds memory at ~n x 2048 doubles per array
#: draws per pass over the (draws, n) residual and influence arrays: small enough that
#: they stay in cache between their products and the sums (~2x faster than whole chunks)
MEAT_BLOCK = 256
COUNT_BLOCK = 128  # draws per bincount in pair_counts


def pairs_indices(rng: np.random.Generator, n: int, draws: int) -> np.ndarray:
    """(draws, n) row indices; row b is draw b (integers, not multinomial: ~5x faster).

    int32 draws the very same numbers as the default int64 (numpy's bounded integers
    below 2**32 come from 32-bit draws either way) at half the memory.
    """
    return rng.integers(0, n, size=(draws, n), dtype=np.int32 if n < 2**31 else np.int64)


def pair_counts(idx: np.ndarray, n: int) -> np.ndarray:
    """(draws, n) multiplicities of each row in each draw, one bincount per block of
    draws (COUNT_BLOCK): the block's offset indices and counts stay in cache, where
    one bincount over all draws allocates and walks three arrays as large as the
    result (~2x slower)."""
    B = idx.shape[0]
    out = np.empty((B, n))
    offsets = (np.arange(min(B, COUNT_BLOCK)) * n)[:, None]
    for s in range(0, B, COUNT_BLOCK):
        block = idx[s : s + COUNT_BLOCK]
        m = block.shape[0]
        out[s : s + m] = np.bincount((block + offsets[:m]).ravel(), minlength=m * n).reshape(m, n)
    return out


def draw_pair_counts(rng: np.random.Generator, n: int, draws: int) -> np.ndarray:
    """(draws, n) row multiplicities of ``draws`` pairs-bootstrap samples."""
    return pair_counts(pairs_indices(rng, n, draws), n)


def pairs_draws(X, y, counts, m, se_type, normal_equations=None):
    """Refit every draw: returns ``(b_star (B, m), se_star (B, m))``, NaN for singular draws.

    ``normal_equations``: the draws' ``(X'CX packed (k(k+1)/2, B), X'Cy (k, B))``, draws
    last, when already formed (:class:`PairsGram` gathers them from products shared by
    many designs); else they are formed here.
    """
    B = counts.shape[0]
    if normal_equations is None:
        normal_equations = draws_last_products(X, y, counts)
    Af, r = normal_equations
    out_b = np.empty((B, m))
    out_se = np.empty((B, m))
    for s in range(0, B, CHUNK):
        sl = slice(s, min(B, s + CHUNK))
        out_b[sl], out_se[sl] = _pairs_chunk(X, y, counts[sl], Af[:, sl], r[:, sl], m, se_type)
    return out_b, out_se


def draws_last_products(X, y, counts):
    """``(X'CX packed (k(k+1)/2, B), X'Cy (k, B))`` of every draw: two products whose
    output has the draws last, as the batched Cholesky wants them (no transposed copy)."""
    Ct = counts.T
    return packed_outer(X).T @ Ct, (X * y[:, None]).T @ Ct


def packed_outer(X):
    """(n, k(k+1)/2): the distinct entries of every x_i x_i', in ``numpy.triu_indices`` order."""
    iu, ju = np.triu_indices(X.shape[1])
    return X[:, iu] * X[:, ju]


class PairsGram:
    """The pairs draws' normal equations for every column of one call's data at once.

    The designs of one :func:`~specverse.engine.resampling.resample` call share the
    regressor matrix, outcome and weights, and those on the same rows share their draws
    (the row counts C).  So ``C @ [x_i x_i']`` and ``C @ [x_i y_i]`` over all columns and
    the constant are one product per row set, from which each design gathers its own
    entries instead of forming its own product.  They are the same sums of the same
    products (only the blocking of the product may differ, at rounding level).
    """

    def __init__(self, y, Z, weights=None):
        """``weights``: WLS weights (designs whitened by their square roots), or None."""
        self.y, self.Z, self.weights = y, Z, weights
        self._done: dict[bytes, tuple] = {}
        p1 = Z.shape[1] + 1
        iu, ju = np.triu_indices(p1)
        self._pos = np.empty((p1, p1), dtype=np.intp)
        self._pos[iu, ju] = self._pos[ju, iu] = np.arange(iu.size)

    def normal_equations(self, rows, columns, counts):
        """``(X'CX packed, X'Cy)``, draws last, of the design on ``rows`` with the data's ``columns``
        (the constant last), for the draws ``counts`` of those rows.  The products are kept
        per row set: pass the one set of draws a call has for those rows (SharedDraws)."""
        key = np.asarray(rows, dtype=np.int64).tobytes()
        if key not in self._done:
            X = np.column_stack([self.Z[rows], np.ones(len(rows))])
            X[:, ~np.isfinite(X).all(axis=0)] = 0.0  # columns no design on these rows uses
            y = self.y[rows]
            if self.weights is not None:
                sw = np.sqrt(self.weights[rows])
                X, y = X * sw[:, None], y * sw
            self._done[key] = draws_last_products(X, y, counts)
        Af, r = self._done[key]
        g = np.append(np.asarray(columns, dtype=np.intp), self.Z.shape[1])
        iu, ju = np.triu_indices(g.size)
        return Af[self._pos[g[iu], g[ju]]], r[g]  # rows: contiguous copies, draws last


def _pairs_chunk(X, y, C, Af, r, m, se_type):
    """One block of draws, given their normal equations, draws last (see :func:`pairs_draws`)."""
    n, k = X.shape
    B = C.shape[0]
    ncols = k if needs_leverage(se_type) else m  # e_j: columns of A^-1 wanted
    rhs = np.zeros((k, 1 + ncols, B))
    rhs[:, 0] = r
    rhs[np.arange(ncols), 1 + np.arange(ncols)] = 1.0
    sol, ok = cholesky_solve(Af, rhs)  # (k, 1 + cols, B): beta, then columns of A^-1
    se = np.empty((B, m))
    for s in range(0, B, MEAT_BLOCK):
        sl = slice(s, min(B, s + MEAT_BLOCK))
        ok[sl] &= _meat_block(X, y, C[sl], sol[:, :, sl], m, se_type, se[sl])
    b = sol[:m, 0, :].T.copy()
    b[~ok] = np.nan
    se[~ok] = np.nan
    return b, se


def _meat_block(X, y, C, sol, m, se_type, se_out):
    """SEs of a block of draws into ``se_out`` (B, m); returns the draws whose SE is defined."""
    n, k = X.shape
    B = C.shape[0]
    ok = np.ones(B, dtype=bool)
    # draws-major (B, n) arrays, passed on as (n, B) views (see studentized)
    resid = y - sol[:, 0, :].T @ X.T
    lev = None
    if needs_leverage(se_type):
        # h_i = x_i' A^-1 x_i for every draw as one product with the x_i x_i' table.
        iu, ju = np.triu_indices(k)
        mult = np.where(iu == ju, 1.0, 2.0)
        lev = (sol[iu, 1 + ju, :].T * mult) @ packed_outer(X).T
        lev = np.where(C > 0, lev, 0.0)  # rows not drawn carry no weight
        ok &= ~(lev > 1.0 - LEV_ONE_TOL).any(axis=1)  # HC2/HC3 undefined in this draw
        lev = lev.T
    for j in range(m):
        W = sol[:, 1 + j, :].T @ X.T  # influence rows e_j' A^-1 x_i
        if se_type in ("HC0", "HC1"):
            # sum_i c_i (w_i e_i)^2 in place: the common case, two fewer passes
            W *= resid
            W *= W
            var = np.einsum("bi,bi->b", W, C)
            se_out[:, j] = np.sqrt(var * (n / (n - k)) if se_type == "HC1" else var)
            continue
        e = resid if j == m - 1 else resid.copy()  # coef_variance squares in place
        se_out[:, j] = np.sqrt(coef_variance(W.T, e.T, se_type, k=k, counts=C.T, leverage=lev))
    return ok


def cholesky_solve(Gp, rhs):
    """Solve G x = rhs for every draw at once, draws on the last axis.

    Gp : ``(k(k+1)/2, B)`` upper triangle of SPD matrices, packed in
    ``numpy.triu_indices`` order; rhs : ``(k, m, B)``.  Returns ``(x, ok)``.
    A Cholesky factorisation vectorised across draws: ~k^2 numpy operations on
    length-B vectors instead of B LAPACK calls on 13 x 13 matrices, whose
    per-call overhead dominates at this size (~2x faster than
    ``numpy.linalg.cholesky`` + ``solve``).  ``ok`` is False where a pivot falls
    below PIVOT_RTOL times its diagonal entry (the draw's design is singular: a
    column explained by the previous ones with R^2 > 1 - 1e-10; the test of the
    unit-diagonal D^-1 G D^-1 without forming it -- Cholesky's accuracy does not
    depend on such a scaling); such draws get a unit pivot so the others are
    unaffected, and the caller discards them.
    """
    B = Gp.shape[1]
    k = rhs.shape[0]
    # row j of the packed upper triangle, G[j, j:], is one contiguous run: a view, no gather
    start = np.concatenate([[0], np.cumsum(np.arange(k, 0, -1))[:-1]])
    L = np.empty((k, k, B))  # only the lower triangle is ever written or read
    ok = np.ones(B, dtype=bool)
    for j in range(k):
        row = Gp[start[j] : start[j] + k - j]
        piv = row[0] - np.einsum("pb,pb->b", L[j, :j], L[j, :j])
        good = piv > PIVOT_RTOL * row[0]  # also False for NaN and an all-zero column
        ok &= good
        d = L[j, j]
        np.sqrt(np.where(good, piv, 1.0), out=d)
        if j + 1 < k:  # the temporaries are reused in place: fewer passes over (k, B) rows
            below = np.einsum("ipb,pb->ib", L[j + 1 :, :j], L[j, :j])
            np.subtract(row[1:], below, out=below)
            np.divide(below, d, out=L[j + 1 :, j])
    z = np.empty_like(rhs)
    for i in range(k):  # L z = rhs
        t = np.einsum("pb,pmb->mb", L[i, :i], z[:i])
        np.subtract(rhs[i], t, out=t)
        np.divide(t, L[i, i], out=z[i])
    x = np.empty_like(rhs)
    for i in range(k - 1, -1, -1):  # L' x = z
        t = np.einsum("pb,pmb->mb", L[i + 1 :, i], x[i + 1 :])
        np.subtract(z[i], t, out=t)
        np.divide(t, L[i, i], out=x[i])
    return x, ok


def pairs_inference(b, se, b_star, se_star, *, alpha):
    """(p, ci_low, ci_high, se_boot) for one term from its draws.

    p and CI come from the same bootstrap-t distribution t* = (b* - b)/se*: the
    symmetric p, and the equal-tailed percentile-t interval
    [b - q(1 - a/2) se, b - q(a/2) se] (so the interval excludes 0 at level a when the
    equal-tailed test rejects)."""
    t_star = (b_star - b) / se_star
    p = two_sided_p(b / se, t_star)
    q_lo, q_hi = order_quantiles(t_star, [alpha / 2, 1 - alpha / 2])
    lo, hi = b - q_hi * se, b - q_lo * se
    fin = b_star[np.isfinite(b_star)]
    se_boot = float(np.std(fin, ddof=1)) if fin.size > 1 else np.nan
    return p, lo, hi, se_boot


HUBER_CHUNK = 256  # draws per batched IRLS: each holds B x n x k copies of the design


def huber_pairs_draws(X, y, idx, m):
    """Pairs bootstrap of the Huber M-estimator: every draw refitted by IRLS.

    The draws are fitted in lock-step by :func:`specverse.engine.huber.fit_huber`
    (statsmodels RLM HuberT defaults) on the resampled rows; se* is RLM's H1
    standard error.  Returns ``(b_star (B, m), se_star (B, m))``, NaN for
    singular draws.
    """
    from ..huber import fit_huber

    B = idx.shape[0]
    b = np.empty((B, m))
    se = np.empty((B, m))
    for s in range(0, B, HUBER_CHUNK):
        rows = idx[s : s + HUBER_CHUNK]
        hb = fit_huber(X[rows], y[rows])
        b[s : s + HUBER_CHUNK] = hb.beta[:, :m]
        se[s : s + HUBER_CHUNK] = np.sqrt(np.diagonal(hb.cov, axis1=1, axis2=2))[:, :m]
    return b, se
