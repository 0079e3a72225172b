"""Study-agnostic batched regression engine: the only code that fits a regression or
draws a random number.

Estimation: :func:`fit_full` (one regression, every coefficient), :func:`fit_specs`
(many specifications at once: OLS, WLS, Huber), :func:`fit_outcomes` (many simulated
outcomes on fixed controls), :func:`ols_influence` (leverage, Cook's distance).
Resampling inference: :func:`resample` (wild, pairs, permutation p-values and intervals
per specification), :func:`resample_draws` (the draws behind one specification's
p-values), :func:`refit_on_counts` with :func:`draw_pair_counts` (pairs draws shared by
many designs: the joint test of a curve).
Calibration: :func:`null_outcomes` (outcomes simulated under a null on a fixed design)
and :func:`replicate_inference` (every inference method on many outcomes at once).
Random streams: :func:`spec_seed`, :func:`method_rng`, :func:`stream`.
One BLAS thread (parallelism comes from the workflow's jobs): every entry point runs
under :func:`single_blas_thread`; library code that calls another numerical package
wraps that call with it too.
Names of what the engine offers: :mod:`.vocabulary`.

The public names load on first use (PEP 562), so that parse-time code (the Snakefile,
the multiverse plan) can read :mod:`.vocabulary` without importing numpy.
"""

from specverse.lazy import lazy_getattr

#: public name -> the module that defines it
_API = {
    "SE_TYPES": ".vocabulary",
    "ESTIMATORS": ".vocabulary",
    "RESAMPLING_METHODS": ".vocabulary",
    "FullFit": ".results",
    "OutcomeFits": ".outcomes",
    "RegSpec": ".regspec",
    "fit_full": ".fit",
    "fit_specs": ".fit",
    "fit_outcomes": ".outcomes",
    "fit_rank_screened": ".screened",
    "ols_influence": ".influence",
    "ols_residuals": ".outcomes",
    "residual_maker": ".outcomes",
    "resample": ".resampling",
    "resample_draws": ".resampling",
    "SharedPairsDesign": ".resampling.shared_pairs",
    "refit_on_counts": ".resampling.shared_pairs",
    "draw_pair_counts": ".resampling.pairs",
    "method_rng": ".seeds",
    "spec_seed": ".seeds",
    "stream": ".seeds",
    "single_blas_thread": ".threads",
    "release_freed_memory": ".threads",
    "map_in_processes": ".threads",
    "TIE_RTOL": ".resampling.studentized",
    "replicate_inference": ".replications",
    "replication_seeds": ".replications",
    "REPLICATION_METHODS": ".replications",
    "NO_INTERVAL": ".replications",
    "null_outcomes": ".null_simulation",
    "ERROR_MODELS": ".null_simulation",
    "legacy_global_seeded": ".legacy_seed",
    "legacy_uniform": ".legacy_seed",
}

__all__ = sorted(_API)


__getattr__ = lazy_getattr(__name__, _API)


def __dir__():
    return __all__
