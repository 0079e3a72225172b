"""Seeding numpy's legacy global random state, for libraries that draw from it.

Some libraries (pyabc's ABC-SMC proposals, transitions and population sampling)
draw from ``numpy.random``'s module-level ``RandomState`` and offer no generator
argument.  Their results are reproducible only if that global state is seeded, so
the seed is derived here, like every other stream, from the global seed and the
identity of what is drawn (never from job order), and the previous state can be
restored afterwards so that the caller's process is left as it was found.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .seeds import spec_seed

__all__ = ["legacy_seed", "seed_legacy_global", "legacy_global_seeded", "legacy_uniform"]


def legacy_seed(global_seed: int, identity: str) -> int:
    """The 32-bit seed of the legacy global state for ``identity``.

    ``RandomState`` seeds are below 2**32, so the 64-bit :func:`spec_seed` is folded
    (xor of its halves) rather than truncated, keeping every bit of the digest.
    """
    full = spec_seed(global_seed, f"legacy/{identity}")
    return (full ^ (full >> 32)) & 0xFFFFFFFF


def seed_legacy_global(global_seed: int, identity: str) -> int:
    """Seed ``numpy.random``'s global ``RandomState``; returns the seed used."""
    seed = legacy_seed(global_seed, identity)
    np.random.seed(seed)
    return seed


@contextlib.contextmanager
def legacy_global_seeded(global_seed: int, identity: str):
    """Context manager: the global state seeded for ``identity`` inside, restored after."""
    saved = np.random.get_state()
    try:
        yield seed_legacy_global(global_seed, identity)
    finally:
        np.random.set_state(saved)


def legacy_uniform(size) -> np.ndarray:
    """Uniform [0, 1) draws from the legacy global state, for code that must share it with
    such a library (a pyabc prior drawing where pyabc draws); seed it with
    :func:`legacy_global_seeded`."""
    return np.random.random_sample(size)
