"""Specification description and grouping of specifications into equal-shape batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

import numpy as np

from .vocabulary import ESTIMATORS


@dataclass(frozen=True)
class RegSpec:
    """One regression: reported ``terms`` and other regressors ``controls``.

    Both are column indices into the ``regressors`` matrix passed to
    :func:`specverse.engine.fit_specs`; a constant is always added.  ``mask``
    (bool, one entry per row) restricts the sample; rows with a missing value
    in the outcome, any used column or the weights are dropped as well.
    """

    terms: tuple[int, ...]
    controls: tuple[int, ...] = ()
    mask: np.ndarray | None = field(default=None, compare=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "terms", tuple(int(t) for t in self.terms))
        object.__setattr__(self, "controls", tuple(int(c) for c in self.controls))
        if not self.terms:
            raise ValueError("RegSpec needs at least one reported term")
        if set(self.terms) & set(self.controls):
            raise ValueError(f"RegSpec terms {self.terms} and controls {self.controls} overlap")
        if len(set(self.terms + self.controls)) != len(self.terms + self.controls):
            raise ValueError(f"RegSpec has repeated columns: {self.terms + self.controls}")


@dataclass
class Group:
    """Specifications that share the row set and the (m terms, k columns) shape."""

    spec_idx: np.ndarray  # (S_g,) positions in the caller's spec list
    rows: np.ndarray  # (n,) row indices used by every spec in the group
    cols: np.ndarray  # (S_g, K) columns: constant (= p), terms, controls, pads (= p + 1)
    k: np.ndarray  # (S_g,) real columns per spec, constant included
    m: int  # number of reported terms (positions 1..m of cols)





def check_estimator(estimator: str, weights) -> None:
    """Weights belong to WLS and WLS needs them; anything else is a caller's mistake."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    if estimator == "wls" and weights is None:
        raise ValueError("estimator='wls' needs weights")
    if estimator != "wls" and weights is not None:
        raise ValueError(f"weights are only used with estimator='wls', not {estimator!r}")


def validate_inputs(y, regressors, weights):
    """Coerce to float arrays and check shapes; returns ``(y, Z, w)``."""
    y = np.asarray(y, dtype=float)
    Z = np.asarray(regressors, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {y.shape}")
    if Z.ndim == 1:
        Z = Z[:, None]
    if Z.ndim != 2 or Z.shape[0] != y.shape[0]:
        raise ValueError(f"regressors must be (n, p) with n = len(y) = {y.shape[0]}, got {Z.shape}")
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if w.shape != y.shape:
            raise ValueError(f"weights must have shape {y.shape}, got {w.shape}")
    return y, Z, w


def group_specs(y, Z, w, specs, split_k: bool = False) -> list[Group]:
    """Resolve each spec's row set and bucket specs by (row set, m), and also
    by k when ``split_k`` (callers that need equal-width designs).

    Row set = mask & finite outcome & finite, positive weight (if any) &
    finite values in every column the spec uses.  Vectorised over specs
    except for reading the spec tuples themselves.
    """
    N, p = Z.shape
    S = len(specs)
    if S == 0:
        return []
    # One pass over the spec objects; everything after is array code.
    const = (p,)
    col_lists = [const + s.terms + s.controls for s in specs]
    m = np.fromiter(map(len, map(attrgetter("terms"), specs)), dtype=np.int64, count=S)
    k = np.fromiter(map(len, col_lists), dtype=np.int64, count=S)
    # Column table: the constant (index p), terms, controls; padded with p + 1
    # (a zero column for fit_shared, never used within a spec's own k).
    cols = np.full((S, int(k.max())), p + 1, dtype=np.int64)
    cols[np.arange(int(k.max()))[None, :] < k[:, None]] = np.fromiter(
        chain.from_iterable(col_lists), dtype=np.int64, count=int(k.sum())
    )
    pos = np.arange(cols.shape[1])[None, :]
    real = (pos >= 1) & (pos < k[:, None])
    out_of_range = real & ((cols < 0) | (cols >= p))
    if out_of_range.any():
        i = int(np.flatnonzero(out_of_range.any(axis=1))[0])
        raise ValueError(
            f"spec {i}: column index out of range 0..{p - 1}: {specs[i].terms + specs[i].controls}"
        )

    base = np.isfinite(y)
    if w is not None:
        base &= np.isfinite(w) & (w > 0)
    rows = np.repeat(base[None, :], S, axis=0)  # (S, N)
    # Drop rows with a missing value in a column the spec uses; only the few
    # columns that have missing values need a pass.
    finite = np.isfinite(Z)
    for j in np.flatnonzero(~finite.all(axis=0)):
        uses_j = (np.where(real, cols, -1) == j).any(axis=1)
        rows[uses_j] &= finite[:, j]
    masked = [i for i, mk in enumerate(map(attrgetter("mask"), specs)) if mk is not None]
    if masked:
        masks = np.stack([_check_mask(specs[i].mask, N, i) for i in masked])
        rows[masked] &= masks

    # One fixed-width byte string per spec (row set bits, m[, k]): sorting a
    # 1-D void array is much cheaper than numpy.unique(axis=0).
    parts = [np.packbits(rows, axis=1), m[:, None].view(np.uint8).reshape(S, -1)]
    if split_k:
        parts.append(k[:, None].view(np.uint8).reshape(S, -1))
    key = np.ascontiguousarray(np.concatenate(parts, axis=1))
    key = key.view(np.dtype((np.void, key.shape[1]))).ravel()
    _, inverse = np.unique(key, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    groups = []
    for idx in np.split(order, bounds):
        s0 = idx[0]
        kk = int(k[idx].max())  # pad only to the widest spec of the group
        groups.append(
            Group(
                spec_idx=idx,
                rows=np.flatnonzero(rows[s0]),
                cols=cols[idx, :kk],
                k=k[idx],
                m=int(m[s0]),
            )
        )
    return groups


def _check_mask(mask, N, i):
    mask = np.asarray(mask)
    if mask.shape != (N,) or mask.dtype != bool:
        raise ValueError(
            f"spec {i}: mask must be a boolean array of length {N}, got dtype {mask.dtype} shape {mask.shape}"
        )
    return mask
