"""Process runtime settings applied by the engine's public entry points.

* One BLAS thread: parallelism comes from the workflow (one job per core); a
  second OpenBLAS thread only competes with the neighbouring job.  The
  threadpoolctl controller is built once per process (library discovery is the
  expensive part); each call then only toggles the thread count, and nested
  calls do nothing.
* Freed memory is kept for reuse (:func:`retain_freed_memory`, once per
  process): the batched kernels allocate many short-lived arrays of about a
  megabyte; with glibc's defaults each is a fresh ``mmap`` whose pages fault in
  on first touch, which measured 25-40% of ``fit_specs`` time on the 2-core CI
  VM.  Results are unaffected.  Set ``SPECVERSE_MALLOC_DEFAULTS=1`` to keep
  the C library's defaults.  :func:`release_freed_memory` gives it back once a
  job's computing is done, before it builds its last large array.
* A job given several cores (its Snakemake ``threads``) spreads independent units over
  that many worker processes (:func:`map_in_processes`).
"""

from __future__ import annotations

import functools
import os
import threading

_state = threading.local()
_controller = None
_malloc_done = False


def _get_controller():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def single_blas_thread(func):
    """Decorator for engine entry points: BLAS limited to one thread while
    ``func`` runs; on first use, :func:`retain_freed_memory` (see module doc)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global _malloc_done
        if getattr(_state, "depth", 0):
            return func(*args, **kwargs)
        if not _malloc_done:
            _malloc_done = True
            if os.environ.get("SPECVERSE_MALLOC_DEFAULTS") != "1":
                retain_freed_memory()
        _state.depth = 1
        try:
            with _get_controller().limit(limits=1, user_api="blas"):
                return func(*args, **kwargs)
        finally:
            _state.depth = 0

    return wrapper


def retain_freed_memory(mmap_threshold_mb: int = 32, trim_threshold_mb: int = 128) -> bool:
    """Let glibc serve allocations below ``mmap_threshold_mb`` from the heap and
    keep up to ``trim_threshold_mb`` of freed heap instead of returning it to
    the OS, so short-lived arrays reuse pages that are already mapped.

    Process-wide.  Returns False where glibc's ``mallopt`` is unavailable (then
    nothing changes).
    """
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    mallopt = _glibc("mallopt")
    if mallopt is None:
        return False
    ok = mallopt(M_MMAP_THRESHOLD, int(mmap_threshold_mb) << 20)
    ok &= mallopt(M_TRIM_THRESHOLD, int(trim_threshold_mb) << 20)
    return bool(ok)


def release_freed_memory() -> bool:
    """Return the heap's free pages to the OS (glibc ``malloc_trim``).

    The memory :func:`retain_freed_memory` keeps stays in the process's RSS; a job that
    is done computing and is about to allocate one more large array (an estimation
    job's stacked wild draws: 260 MB at 9,999 draws) would otherwise add it on top, and
    that, not the computing, was the job's true peak.  Returns False where
    ``malloc_trim`` is unavailable.
    """
    trim = _glibc("malloc_trim")
    return False if trim is None else bool(trim(0))


def _glibc(name: str):
    """The C library's function ``name``, or None where it has none (not glibc)."""
    import ctypes
    import ctypes.util

    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def map_in_processes(func, arguments, n_jobs: int) -> list:
    """``[func(*args) for args in arguments]``, in up to ``n_jobs`` worker processes (joblib,
    loky) when there is more than one of each; in order either way, so a caller whose
    units draw from their own seeds gets results that do not depend on ``n_jobs``."""
    arguments = list(arguments)
    if n_jobs > 1 and len(arguments) > 1:
        from joblib import Parallel, delayed

        return Parallel(n_jobs=min(n_jobs, len(arguments)), backend="loky")(
            delayed(func)(*args) for args in arguments)
    return [func(*args) for args in arguments]
