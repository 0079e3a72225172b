"""Wild bootstrap: restricted (null imposed) for the p-value, unrestricted for the CI.

Restricted (WRE-style): y* = Z g~ + u~ * v, with (g~, u~) from the model without
the tested column, so the null b_j = 0 holds in every draw; t* = b*_j / se*_j
and p = (1 + #{|t*| >= |t|}) / (1 + B).  Unrestricted: y* = X b + e * v, t* =
(b*_j - b_j)/se*_j, and the equal-tailed percentile-t interval
[b - q(1-a/2) se, b - q(a/2) se].  All B draws of a spec come from one weight
matrix V (n x B); by FWL both bootstraps of all draws come from one matrix
product with V (see studentized.fixed_design_draws).
"""

from __future__ import annotations

import numpy as np

from ._design import TermParts
from .studentized import fixed_design_draws, order_quantiles, two_sided_p

WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def wild_weights(rng: np.random.Generator, n: int, draws: int, kind: str) -> np.ndarray:
    """The (n, draws) weight matrix; column b holds draw b.

    A transposed view of the C-contiguous (draws, n) array, the layout every
    draw computation uses (see :class:`WildCodes`).
    """
    return WildCodes(rng, n, draws, kind).weights().T


#: the eight Rademacher signs coded by each byte value (bit order of numpy.unpackbits)
_SIGNS_BY_BYTE = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1) * 2.0 - 1.0


class WildCodes:
    """The (draws, n) wild weights of every row, drawn up front in compact form: one
    bit per Rademacher sign (~10x cheaper than integers()), one int8 per Webb weight.
    The stream consumed therefore does not depend on which rows a caller later takes."""

    def __init__(self, rng: np.random.Generator, n: int, draws: int, kind: str):
        self.n, self.draws, self.kind = n, draws, kind
        if kind == "rademacher":
            self._packed = np.frombuffer(rng.bytes((n * draws + 7) // 8), dtype=np.uint8)
        elif kind == "webb":
            self._codes = rng.integers(0, 6, size=(draws, n), dtype=np.int8)
        else:
            raise ValueError(f"wild_weights must be 'rademacher' or 'webb', got {kind!r}")

    def weights(self, rows=None) -> np.ndarray:
        """(draws, len(rows)) float weights of ``rows`` (every row when None)."""
        n, draws = self.n, self.draws
        if self.kind == "webb":
            return WEBB[self._codes if rows is None else self._codes[:, rows]]
        if rows is None:
            # eight signs per byte from a table: one gather writes the floats (~1.7x faster
            # than unpacking the bits and converting them)
            signs = np.take(_SIGNS_BY_BYTE, self._packed, axis=0).reshape(-1)
            return signs[: n * draws].reshape(draws, n)
        bits = np.unpackbits(self._packed)[: n * draws].reshape(draws, n)[:, rows]
        V = np.multiply(bits, 2.0)  # casts the bits on the fly: ~10x faster than a lookup
        V -= 1.0
        return V


def wild_draws(parts: TermParts, basis, V, se_type, *, k, restricted: bool, signs: bool = False):
    """Bootstrap estimates and SEs of the tested coefficient, one per column of V.

    V : (n, B) weights, or an iterable of (block, n) weight blocks.
    Returns ``(b_star, se_star)``: with ``restricted`` the draws are generated
    under the null (b_star centred on 0), else around the estimate b.
    ``signs=True`` promises V is +-1 (Rademacher), which saves a pass over V.
    """
    return wild_both(parts, basis, V, se_type, k=k, signs=signs)[0 if restricted else 1]


def wild_both(parts: TermParts, basis, V, se_type, *, k, signs):
    """Restricted and unrestricted draws from one pass over V:
    ``((b0, se0), (b1, se1))``."""
    L = V.T if isinstance(V, np.ndarray) else V
    (d0, se0), (d1, se1) = fixed_design_draws(
        parts.xt, parts.sxx, basis, L, [parts.resid_r, parts.resid], se_type, k=k,
        leverage=parts.leverage, unit_square=signs,
    )
    return (d0, se0), (parts.b + d1, se1)


def wild_summary(parts: TermParts, restricted, unrestricted, *, alpha):
    """(p, ci_low, ci_high) for one term from :func:`wild_both`'s draws."""
    (b0, se0), (b1, se1) = restricted, unrestricted
    p = two_sided_p(parts.t, b0 / se0)
    q_lo, q_hi = order_quantiles((b1 - parts.b) / se1, [alpha / 2, 1 - alpha / 2])
    return p, parts.b - q_hi * parts.se, parts.b - q_lo * parts.se


def wild_inference(parts: TermParts, basis, V, se_type, *, k, alpha, signs=False):
    """(p, ci_low, ci_high) for one term; V as in :func:`wild_draws`."""
    return wild_summary(parts, *wild_both(parts, basis, V, se_type, k=k, signs=signs), alpha=alpha)
