"""Timing for the benchmarks: the machine is shared and its speed drifts, so ours and a peer
are timed in interleaved rounds, and a ratio is the median of per-round ratios."""

from __future__ import annotations

import statistics
import time

import numpy as np


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def paired(ours_fn, peer_fn, rounds, scale=1.0, inner=5):
    """Interleaved timing: each round times ours (median of ``inner`` runs) right
    before one run of the peer, so both see the same machine load (the machine is
    shared).  Returns (ours median, peer median * scale, median of per-round ratios)."""
    ours_fn()  # warm caches / imports
    t_ours, t_peer, ratios = [], [], []
    for _ in range(rounds):
        a = timed(ours_fn, inner)
        b = timed(peer_fn, 1) * scale
        t_ours.append(a)
        t_peer.append(b)
        ratios.append(b / a)
    return statistics.median(t_ours), statistics.median(t_peer), statistics.median(ratios)


def paired_many(ours_fns, peer_fn, rounds, scale=1.0, inner=5):
    """As :func:`paired` for several of our variants timed before the same peer
    run.  Returns (peer median, {name: (ours median, median per-round ratio)})."""
    for fn in ours_fns.values():
        fn()
    t_ours = {k: [] for k in ours_fns}
    t_peer = []
    for _ in range(rounds):
        for k, fn in ours_fns.items():
            t_ours[k].append(timed(fn, inner))
        t_peer.append(timed(peer_fn, 1) * scale)
    return statistics.median(t_peer), {
        k: (statistics.median(v), statistics.median([p / a for p, a in zip(t_peer, v)]))
        for k, v in t_ours.items()
    }


def peak_gflops():
    a = np.random.default_rng(0).standard_normal((1500, 1500))
    a @ a
    return 2 * 1500**3 / timed(lambda: a @ a, 5) / 1e9
