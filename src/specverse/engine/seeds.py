"""Reproducible random streams.

Every stream derives from the global seed plus the identity of what it is drawn
for (a specification, then a method), never from job order or batch position,
so a specification's draws are the same whichever job, batch or machine runs it.
Python's built-in ``hash`` is salted per process, hence blake2b.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["spec_seed", "method_rng", "stream"]


def _digest64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def spec_seed(global_seed: int, identity: str) -> int:
    """A 64-bit seed for one specification: blake2b of ``"<global_seed>|<identity>"``."""
    if not isinstance(identity, str):
        raise TypeError(f"spec identity must be a str, got {type(identity).__name__}")
    return _digest64(f"{int(global_seed)}|{identity}")


def method_rng(seed: int, method: str) -> np.random.Generator:
    """The Generator for one (specification seed, resampling method) pair.

    SeedSequence mixes the spec seed with a stable hash of the method name, so the
    wild, pairs and permutation streams of one specification are independent.
    """
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _digest64(method)])))


def stream(global_seed: int, name: str) -> np.random.Generator:
    """A generator determined by the global seed and what it draws for (``name``),
    never by call order: ``PCG64(SeedSequence(spec_seed(global_seed, name)))``."""
    return np.random.default_rng(spec_seed(global_seed, name))
