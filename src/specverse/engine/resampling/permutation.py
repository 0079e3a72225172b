"""Permutation tests: Freedman-Lane (default) and treatment permutation.

Freedman-Lane: permute the residuals of the reduced model (tested column
dropped) and add them back to its fitted values, y* = Z g~ + P u~; refit the
full model and studentize, t* = b*/se*.  The design is fixed, so by FWL all
draws need one matrix product (as in the wild bootstrap).

Treatment permutation (randomization inference): permute the tested column
itself (its raw values; WLS re-weights afterwards) and refit.  Only x~ changes:
x~* = M_Z P x, b* = x~*'y / x~*'x~*, full residuals = M_Z y - x~* b*, and
leverage h* = h_Z + x~*^2 / x~*'x~*, so a draw still costs O(nk).

Both may permute within strata.  p = (1 + #{|t*| >= |t|})/(1 + B) for random
draws.  When the number of distinct arrangements of the permuted values
(product over strata of multinomial coefficients) is at most B, every distinct
arrangement is enumerated once and p = #{|t*| >= |t|} / N, the observed
arrangement included: the exact permutation p-value.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from ..covariance import LEVERAGE_SE_TYPES, LEV_ONE_TOL, leverage_divisor
from ._design import TermParts
from .studentized import fixed_design_draws

#: Treatment permutations whose residualised column is (numerically) zero, e.g.
#: a permutation within strata that makes it collinear with the controls.
DEGENERATE_RTOL = 1e-10
BLOCK = 1024  # draws per block: (BLOCK, n) intermediates stay in cache


def permutation_indices(rng: np.random.Generator, n: int, draws: int, strata=None) -> np.ndarray:
    """(draws, n) index arrays; row b applied as ``v[idx[b]]`` permutes v (within strata).

    Generator.permuted on a tiled arange shuffles every row in place with
    Fisher-Yates, cheaper than argsorting random keys.
    """
    if strata is None:
        return rng.permuted(np.tile(np.arange(n), (draws, 1)), axis=1)
    idx = np.empty((draws, n), dtype=np.int64)
    for pos in _stratum_positions(strata):
        shuffled = rng.permuted(np.tile(np.arange(pos.size), (draws, 1)), axis=1)
        idx[:, pos] = pos[shuffled]
    return idx


def _stratum_positions(strata):
    strata = np.asarray(strata)
    _, codes = np.unique(strata, return_inverse=True)
    codes = codes.ravel()
    return [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]


def n_arrangements(values, strata=None, limit: int | None = None) -> int:
    """Number of distinct arrangements of ``values`` (within strata), as an exact int.

    With ``limit``, counting stops as soon as the number exceeds it (then some number
    above ``limit`` is returned): the caller only asks whether a complete enumeration
    fits in its draws, and a residual vector of distinct values has n! arrangements,
    a 263-digit number at n = 150, which is costly to form for every design.
    """
    groups = [np.arange(len(values))] if strata is None else _stratum_positions(strata)
    total = 1
    for pos in groups:
        _, cnt = np.unique(values[pos], return_counts=True)
        # the multinomial n! / prod(c!) as the product of C(c_1 + ... + c_j, c_j)
        placed = 0
        for c in cnt.tolist():
            placed += c
            total *= math.comb(placed, c)
            if limit is not None and total > limit:
                return total
    return total


def enumerate_arrangements(values, strata=None) -> np.ndarray:
    """(N, n) index arrays giving each distinct arrangement of ``values`` exactly once.

    Call only when :func:`n_arrangements` is small.  Within a stratum, the
    positions of each distinct value are chosen by combinations; strata are
    crossed.  The identity arrangement is among the rows.
    """
    n = len(values)
    groups = [np.arange(n)] if strata is None else _stratum_positions(strata)
    per_stratum = [_multiset_index_arrangements(values, pos) for pos in groups]
    combos = [[a] for a in per_stratum[0]]
    for arrs in per_stratum[1:]:  # cross the strata
        combos = [c + [a] for c in combos for a in arrs]
    rows = np.empty((len(combos), n), dtype=np.int64)
    for r, combo in enumerate(combos):
        for pos, a in zip(groups, combo):
            rows[r, pos] = a
    return rows


def _multiset_index_arrangements(values, pos):
    """Distinct arrangements of values[pos] as source-index arrays over ``pos``."""
    vals = values[pos]
    uniq, codes = np.unique(vals, return_inverse=True)
    codes = codes.ravel()
    sources = [pos[codes == c] for c in range(uniq.size)]
    result = []

    def place(free, c, acc):
        if c == len(sources):
            arr = np.empty(pos.size, dtype=np.int64)
            for slots, src in acc:
                arr[slots] = src
            result.append(arr)
            return
        need = sources[c].size
        for chosen in combinations(free, need):
            rest = [f for f in free if f not in chosen]
            place(rest, c + 1, acc + [(list(chosen), sources[c])])

    place(list(range(pos.size)), 0, [])
    return result


def freedman_lane_draws(parts: TermParts, basis, idx, se_type, *, k):
    """(b_star, se_star) with idx (B, n) permuting the reduced-model residuals."""
    u = parts.resid_r
    # permuted residuals, gathered block by block so each block is still in cache
    # when it is multiplied (np.take: the same gather as u[idx], about 12% faster)
    L = (np.take(u, idx[s : s + BLOCK]) for s in range(0, idx.shape[0], BLOCK))
    ((delta, se),) = fixed_design_draws(
        parts.xt, parts.sxx, basis, L, [np.ones(basis.shape[0])], se_type, k=k, leverage=parts.leverage
    )
    return delta, se


def treatment_draws(parts: TermParts, raw_x, sqrtw, idx, se_type, *, k):
    """(b_star, se_star) with idx (B, n) permuting the tested column's raw values.

    With g = Q_Z' x*: x~*'x~* = |x*|^2 - |g|^2 and x~*'y = x*'u~ (u~ is
    orthogonal to Z), so the estimate needs one product with [Q_Z, u~]; the
    HC meat sum_i (x~_i e_i)^2 needs x~* itself (one more product).  Blocks of
    draws keep the (block, n) intermediates in cache.
    """
    B = idx.shape[0]
    b, se = np.empty(B), np.empty(B)
    for s in range(0, B, BLOCK):
        sl = slice(s, min(B, s + BLOCK))
        b[sl], se[sl] = _treatment_block(parts, raw_x, sqrtw, idx[sl], se_type, k)
    return b, se


def _treatment_block(parts, raw_x, sqrtw, idx, se_type, k):
    u = parts.resid_r
    n = u.size
    Xp = np.take(raw_x, idx)  # (B, n): draws-major throughout, see studentized
    if sqrtw is None:
        norm2 = np.full(idx.shape[0], raw_x @ raw_x)  # a permutation keeps the norm
    else:
        Xp *= sqrtw
        norm2 = np.einsum("bi,bi->b", Xp, Xp)
    Q = parts.basis_z
    G = Xp @ np.column_stack([Q, u])
    g, xu = G[:, :-1], G[:, -1]
    sxx = norm2 - np.einsum("bj,bj->b", g, g)
    ok = sxx > DEGENERATE_RTOL * norm2
    sxx = np.where(ok, sxx, np.nan)
    b = xu / sxx
    if se_type == "classical":
        # e = u - x~ b with x~'u = sxx b, so e'e = u'u - b^2 sxx
        ss = np.maximum(u @ u - b * b * sxx, 0.0)
        return b, np.sqrt(ss / (n - k) / sxx)
    Xt = g @ Q.T
    np.subtract(Xp, Xt, out=Xt)  # x~* = M_Z x*
    E = Xt * b[:, None]
    np.subtract(u, E, out=E)  # full-model residuals
    E *= Xt
    E *= E  # (x~_i e_i)^2
    if se_type in LEVERAGE_SE_TYPES:
        one_minus_h = 1.0 - parts.leverage_z - Xt * Xt / sxx[:, None]
        E /= leverage_divisor(se_type, one_minus_h)
        E[(one_minus_h < LEV_ONE_TOL).any(axis=1)] = np.nan  # leverage one: SE undefined
    var = E.sum(axis=1) / (sxx * sxx)
    if se_type == "HC1":
        var *= n / (n - k)
    return b, np.sqrt(var)
