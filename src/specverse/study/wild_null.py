"""The restricted wild-bootstrap t* of a cell's models, kept for inference across
specifications.

estimate_cell draws them anyway -- they are the draws behind every ``p_wild``, shared
within a family (one weight per draw and area, :mod:`specverse.engine.resampling`) -- so
the family's Romano-Wolf step-down reads them back instead of refitting every model.  One
uncompressed ``.npz`` per cell: ``model_id``, ``term``, ``t`` (S,) and ``t_star`` (B, S)
in float32 (the step-down only compares |t*| with |t|; 7 significant digits are ample and
halve the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from specverse import io


@dataclass(frozen=True)
class WildNull:
    """Observed t and restricted wild t* of S (model, term) pairs drawn B times."""

    model_id: np.ndarray  # (S,) str
    term: np.ndarray  # (S,) str
    t: np.ndarray  # (S,) float64
    t_star: np.ndarray  # (B, S) float32

    @classmethod
    def from_parts(cls, parts: Sequence[tuple[str, str, float, np.ndarray]], draws: int) -> "WildNull":
        """From (model_id, term, t, t_star (B,)) tuples; an empty cell gives S = 0."""
        if not parts:
            return cls(np.array([], dtype="U1"), np.array([], dtype="U1"), np.zeros(0), np.zeros((draws, 0), "f4"))
        model_id, term, t, t_star = zip(*parts)
        return cls(np.array(model_id, dtype=str), np.array(term, dtype=str), np.array(t, dtype=float),
                   np.column_stack(t_star).astype(np.float32, copy=False))  # parts are float32: no second copy

    def save(self, path) -> None:
        with io.atomic_path(path, ".npz") as tmp:
            np.savez(tmp, model_id=self.model_id, term=self.term, t=self.t, t_star=self.t_star)

    @classmethod
    def load(cls, paths: Iterable) -> "WildNull":
        """The cells' draws side by side (they must share the number of draws)."""
        loaded = []
        for path in paths:
            with np.load(path, allow_pickle=False) as f:
                loaded.append(cls(f["model_id"], f["term"], f["t"], f["t_star"]))
        if not loaded:
            raise ValueError("WildNull.load: no file given")
        draws = {w.t_star.shape[0] for w in loaded}
        if len(draws) > 1:
            raise ValueError(f"WildNull.load: the cells were drawn {sorted(draws)} times; rerun them with one "
                             "inference.draws")
        return cls(np.concatenate([w.model_id for w in loaded]), np.concatenate([w.term for w in loaded]),
                   np.concatenate([w.t for w in loaded]), np.concatenate([w.t_star for w in loaded], axis=1))

    def select(self, model_ids, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(model_id, t, t_star)`` of the given models' ``term``, in the order of
        ``model_ids`` (models without draws for the term are left out)."""
        where = {m: i for i, m in enumerate(self.model_id[self.term == term])}
        cols = np.flatnonzero(self.term == term)
        pick = [(m, cols[where[m]]) for m in model_ids if m in where]
        idx = np.array([i for _, i in pick], dtype=int)
        return np.array([m for m, _ in pick], dtype=str), self.t[idx], self.t_star[:, idx]
