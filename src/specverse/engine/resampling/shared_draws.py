"""The random draws the specifications of one :func:`resample` call share.

One seed per call (a *family* of specifications, e.g. one treatment in one scenario):

* wild bootstrap: one weight per draw and per row of the caller's data, ``(B, N)``; a
  specification uses the weights of its own rows, so two specifications see the same
  weight on the same area (the dependence a familywise adjustment needs);
* pairs bootstrap and permutations: one set of draws per *row set*, shared by the
  specifications that use exactly those rows, from a stream named by the seed and the
  rows.

A specification's draws therefore depend on the seed and its own rows only -- never on
which other specifications share the call, the job or the machine -- and a row set's
draws are generated once however many specifications use it.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..seeds import method_rng, spec_seed
from .pairs import pair_counts, pairs_indices
from .permutation import permutation_indices
from .wild import WildCodes


class SharedDraws:
    def __init__(self, seed: int, n_rows: int, draws: int, wild_kind: str = "rademacher"):
        self.seed, self.n_rows, self.draws, self.wild_kind = int(seed), int(n_rows), int(draws), wild_kind
        self._wild_codes = None
        self._cache: dict[tuple, np.ndarray] = {}

    def wild_matrix(self, rows: np.ndarray) -> np.ndarray:
        """The wild weights of ``rows``, (n, B) (a transposed draw-major array)."""
        return self.wild_draw_major(rows).T

    def wild_draw_major(self, rows: np.ndarray) -> np.ndarray:
        """The wild weights of ``rows``, (B, n), converted once per row set: the designs
        on the same rows (most of a call's) reuse them."""
        key = ("wild", self._rows_key(rows))
        if key not in self._cache:
            if self._wild_codes is None:
                self._wild_codes = WildCodes(method_rng(self.seed, "wild"), self.n_rows, self.draws, self.wild_kind)
            self._cache[key] = self._wild_codes.weights(None if _all_rows(rows, self.n_rows) else rows)
        return self._cache[key]

    def pairs_indices(self, rows: np.ndarray) -> np.ndarray:
        """(B, n) row positions of the pairs bootstrap of this row set."""
        return self._cached("pairs_indices", rows, lambda rng: pairs_indices(rng, len(rows), self.draws), "pairs")

    def pair_counts(self, rows: np.ndarray) -> np.ndarray:
        """(B, n) row multiplicities of the same draws as :meth:`pairs_indices`."""
        key = ("pair_counts", self._rows_key(rows))
        if key not in self._cache:
            self._cache[key] = pair_counts(self.pairs_indices(rows), len(rows))
        return self._cache[key]

    def permutations(self, rows: np.ndarray, strata=None) -> np.ndarray:
        """(B, n) permutations of this row set (within strata when given)."""
        extra = None if strata is None else np.asarray(strata).tobytes()
        return self._cached("permutations", rows, lambda rng: permutation_indices(rng, len(rows), self.draws, strata),
                            "permutation", extra)

    def _cached(self, kind, rows, make, method, extra=None):
        key = (kind, self._rows_key(rows), extra)
        if key not in self._cache:
            identity = f"rows={self._rows_key(rows)}" + ("" if extra is None else f";strata={_digest(extra)}")
            self._cache[key] = make(method_rng(spec_seed(self.seed, identity), method))
        return self._cache[key]

    @staticmethod
    def _rows_key(rows: np.ndarray) -> str:
        return _digest(np.asarray(rows, dtype=np.int64).tobytes())


def _all_rows(rows, n: int) -> bool:
    rows = np.asarray(rows)
    return rows.shape == (n,) and bool((rows == np.arange(n)).all())


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=12).hexdigest()
