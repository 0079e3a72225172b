"""Least squares on a design whose columns may be collinear: columns are taken in order
and kept only if they raise the rank, so an unidentified column is reported as such
instead of being given an arbitrary share of a collinear set."""

from __future__ import annotations

import numpy as np

from .threads import single_blas_thread

#: A candidate column is kept when the smallest eigenvalue of the unit-diagonal Gram
#: matrix of the kept columns plus the candidate exceeds this share of the largest.
SCREEN_RTOL = 1e-10


@single_blas_thread
def fit_rank_screened(Z: np.ndarray, y: np.ndarray, rtol: float = SCREEN_RTOL) -> tuple[np.ndarray, np.ndarray]:
    """OLS of ``y`` on the columns of ``Z`` that raise the rank, taken left to right.

    Column 0 (e.g. the constant) is always kept.  Returns ``(coef, kept)``: ``coef``
    (k,) with NaN for columns not kept, ``kept`` (k,) bool.  The screen works on the
    small Gram matrix, equilibrated to a unit diagonal.
    """
    G = Z.T @ Z
    norm = np.sqrt(np.diag(G))
    Gu = G / np.outer(np.where(norm > 0, norm, 1), np.where(norm > 0, norm, 1))
    keep = [0]
    for j in range(1, Z.shape[1]):
        idx = keep + [j]
        ev = np.linalg.eigvalsh(Gu[np.ix_(idx, idx)])
        if norm[j] > 0 and ev[0] > rtol * ev[-1]:
            keep.append(j)
    coef = np.full(Z.shape[1], np.nan)
    coef[keep] = np.linalg.lstsq(Z[:, keep], y, rcond=None)[0]
    kept = np.zeros(Z.shape[1], bool)
    kept[keep] = True
    return coef, kept
