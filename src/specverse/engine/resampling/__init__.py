"""Resampling inference for many specifications: wild bootstrap, pairs bootstrap,
permutation.  One public entry, :func:`resample`.

A call's specifications share their draws (:mod:`.shared_draws`): a specification's
draws depend on the call's seed and its own rows only, never on which other
specifications share the call.  Within
a specification every draw is handled in array operations (see the modules).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..regspec import RegSpec, check_estimator, validate_inputs
from ..threads import single_blas_thread
from ..vocabulary import PERMUTATION_KINDS, RESAMPLING_METHODS, SE_TYPES, WILD_WEIGHTS
from . import _design
from .pairs import PairsGram, huber_pairs_draws, pairs_draws, pairs_inference
from .permutation import enumerate_arrangements, freedman_lane_draws, n_arrangements, treatment_draws
from .shared_draws import SharedDraws
from .studentized import exact_p, two_sided_p
from .wild import wild_both, wild_summary

__all__ = ["resample", "resample_draws", "METHODS", "COLUMNS"]

METHODS = RESAMPLING_METHODS
COLUMNS = [
    "spec",
    "term",
    "p_wild",
    "ci_wild_low",
    "ci_wild_high",
    "p_pairs",
    "ci_pairs_low",
    "ci_pairs_high",
    "se_pairs",
    "p_perm",
    "resample_status",
]
#: Huber (statsmodels RLM HuberT): the pairs bootstrap refits every draw by
#: batched IRLS and studentizes with RLM's H1 SE (fit_specs reports Huber only
#: with se_type "classical"; other se_types give "se_type_not_applicable").  The
#: wild bootstrap and permutation tests are not available for an M-estimator:
#: resampling the OLS statistic instead would test a different estimator, so
#: those columns are NaN and the multiverse declares them an exclusion.
HUBER_STATUS = "huber_pairs_only"


@single_blas_thread
def resample(
    y,
    regressors,
    specs: Sequence[RegSpec],
    *,
    seed: int,
    weights=None,
    estimator: str = "ols",
    methods=METHODS,
    draws: int = 999,
    wild_weights: str = "rademacher",
    permutation: str = "freedman_lane",
    strata=None,
    se_type: str = "HC1",
    alpha: float = 0.05,
    keep_wild_t: bool = False,
):
    """Resampling p-values and intervals, one row per (spec, reported term).

    Columns: spec, term (column index into ``regressors``), p_wild,
    ci_wild_low/high (restricted wild bootstrap-t p; unrestricted wild
    percentile-t CI), p_pairs, ci_pairs_low/high, se_pairs (pairs bootstrap:
    symmetric bootstrap-t p, equal-tailed percentile-t CI from the same draws,
    bootstrap SE), p_perm
    (Freedman-Lane, or treatment permutation with ``permutation="treatment"``;
    exact when all distinct arrangements number at most ``draws``), and
    resample_status: "ok"; the fit_specs status word of a spec that cannot be
    fitted ("too_few_rows", "constant_outcome", "constant_treatment",
    "rank_deficient", "leverage_one" for HC2/HC3, and for Huber
    "not_converged", "se_type_not_applicable"); "huber_pairs_only" for
    Huber specs (pairs bootstrap with IRLS refits and H1 SEs; wild and
    permutation NaN).  NaN where a method was not run.

    Each term of a multi-term spec is tested on its own (its restricted model
    drops only that term); the terms of a spec share the spec's draws.
    ``strata`` (one label per row of the data) restricts permutations to
    within strata.  Studentization uses ``se_type``.

    Draws (:class:`.shared_draws.SharedDraws`): ``seed`` names the call's family; the
    wild weights are one per draw and row of the data, each spec using its rows'; pairs
    draws and permutations are shared by the specs with the same row set.  A spec's
    results depend on the seed and its own rows only.

    ``keep_wild_t=True`` returns ``(table, wild_t)`` instead: per spec, None or (for an
    OLS / WLS spec resampled with the wild bootstrap) ``{"t": (m,) observed t, "t_star":
    (B, m) restricted t* = b*/se*}``, the very draws its p_wild counts.  Drawn once per
    family, they serve inference across specifications (Romano-Wolf) without a refit.
    """
    methods = _check_args(methods, draws, wild_weights, permutation, se_type, alpha, estimator, weights)
    y, Z, w = validate_inputs(y, regressors, weights)
    specs = list(specs)
    for i, s in enumerate(specs):
        if not isinstance(s, RegSpec):
            raise TypeError(f"specs[{i}] is {type(s).__name__}, expected RegSpec")
    if strata is not None:
        strata = np.asarray(strata)
        if strata.shape != y.shape:
            raise ValueError(f"strata must have one label per row ({y.shape[0]}), got shape {strata.shape}")

    shared = SharedDraws(seed, len(y), draws, wild_weights)
    gram = PairsGram(y, Z, w if estimator == "wls" else None) if "pairs" in methods else None
    out, wild_t = [], []
    for spec_i, spec in enumerate(specs):
        rows = [_blank(spec_i, t) for t in spec.terms]
        out.extend(rows)
        d = _design.build(y, Z, spec, w, "ols" if estimator == "huber" else estimator)
        status = _design.check(d, se_type)
        kept = None
        if status == "ok" and estimator == "huber":
            status = _run_huber(d, rows, shared, methods, se_type, alpha)
        elif status == "ok":
            st = None if strata is None else strata[d.rows]
            kept = _run_spec(d, rows, shared, gram, methods, draws, wild_weights, permutation, st, se_type, alpha)
        for r in rows:
            r["resample_status"] = status
        wild_t.append(kept)
    table = pd.DataFrame(out, columns=COLUMNS)
    return (table, wild_t) if keep_wild_t else table


def _run_spec(d, rows, shared, gram, methods, draws, wild_kind, perm_kind, strata, se_type, alpha):
    """Fill one spec's rows; returns its restricted wild t (``{"t", "t_star"}``) or None."""
    parts = [_design.term_parts(d, j, se_type) for j in range(d.m)]
    per_term = _term_draws(d, parts, shared, methods, draws, wild_kind, perm_kind, strata, se_type, gram)
    for r, pt, dr in zip(rows, parts, per_term):
        if "wild" in dr:
            r["p_wild"], r["ci_wild_low"], r["ci_wild_high"] = wild_summary(pt, *dr["wild"], alpha=alpha)
        if "pairs" in dr:
            r["p_pairs"], r["ci_pairs_low"], r["ci_pairs_high"], r["se_pairs"] = pairs_inference(
                pt.b, pt.se, *dr["pairs"], alpha=alpha
            )
        if "permutation" in dr:
            b_star, se_star, exact = dr["permutation"]
            r["p_perm"] = (exact_p if exact else two_sided_p)(pt.t, b_star / se_star)
    if "wild" not in methods:
        return None
    return {"t": np.array([pt.t for pt in parts]),
            "t_star": np.column_stack([np.divide(*dr["wild"][0]) for dr in per_term])}


def _term_draws(d, parts, shared, methods, draws, wild_kind, perm_kind, strata, se_type, gram=None) -> list[dict]:
    """Every method's raw draws for every term of one design: the one producer of the
    draws behind both the p-values (:func:`resample`) and :func:`resample_draws`.
    ``gram``: the call's :class:`.pairs.PairsGram` (its designs' pairs products shared).

    Per term: ``wild`` -> ((b0, se0), (b1, se1)) restricted and unrestricted draws;
    ``pairs`` -> (b*, se*); ``permutation`` -> (b*, se*, exact enumeration?).
    """
    out = [{} for _ in parts]
    if "wild" in methods:
        # the row set's weights, converted once (SharedDraws): one product for all draws
        V = shared.wild_matrix(d.rows)
        for o, pt in zip(out, parts):
            o["wild"] = wild_both(pt, d.basis, V, se_type, k=d.k, signs=wild_kind == "rademacher")
    if "pairs" in methods:
        counts = shared.pair_counts(d.rows)
        normal = None if gram is None else gram.normal_equations(d.rows, d.columns, counts)
        b_star, se_star = pairs_draws(d.X, d.y, counts, d.m, se_type, normal)
        for j, o in enumerate(out):
            o["pairs"] = (b_star[:, j], se_star[:, j])
    if "permutation" in methods:
        for j, (o, pt) in enumerate(zip(out, parts)):
            values = pt.resid_r if perm_kind == "freedman_lane" else d.raw_terms[:, j]
            exact = n_arrangements(values, strata, limit=draws) <= draws
            use = enumerate_arrangements(values, strata) if exact else shared.permutations(d.rows, strata)
            if perm_kind == "freedman_lane":
                b_star, se_star = freedman_lane_draws(pt, d.basis, use, se_type, k=d.k)
            else:
                b_star, se_star = treatment_draws(pt, d.raw_terms[:, j], d.sqrtw, use, se_type, k=d.k)
            o["permutation"] = (b_star, se_star, exact)
    return out


@single_blas_thread
def resample_draws(
    y,
    regressors,
    spec: RegSpec,
    *,
    seed: int,
    weights=None,
    estimator: str = "ols",
    methods=METHODS,
    draws: int = 999,
    wild_weights: str = "rademacher",
    permutation: str = "freedman_lane",
    se_type: str = "HC1",
) -> dict:
    """The studentized draws behind one specification's resampling p-values.

    With the seed of the call that resampled the spec (its family's) these are exactly
    the draws :func:`resample` counts, so a figure of them shows what the table's p-value
    is.  Returns ``{"status": ...,
    "t": (m,) observed t, "wild": (B, m) restricted t* = b*/se*, "pairs": (B, m)
    centred t* = (b* - b)/se*, "permutation": (B, m) t* = b*/se*}`` (methods that
    ran; OLS / WLS only).
    """
    methods = _check_args(methods, draws, wild_weights, permutation, se_type, 0.05, estimator, weights)
    if estimator == "huber":
        raise ValueError("resample_draws: OLS / WLS only (Huber is resampled by the pairs bootstrap in resample)")
    y, Z, w = validate_inputs(y, regressors, weights)
    d = _design.build(y, Z, spec, w, estimator)
    status = _design.check(d, se_type)
    out = {"status": status}
    if status != "ok":
        return out
    parts = [_design.term_parts(d, j, se_type) for j in range(d.m)]
    shared = SharedDraws(seed, len(y), draws, wild_weights)
    gram = PairsGram(y, Z, w if estimator == "wls" else None)  # the pairs products resample forms
    per_term = _term_draws(d, parts, shared, methods, draws, wild_weights, permutation, None, se_type, gram)
    out["t"] = np.array([pt.t for pt in parts])
    out["p"] = {}
    for method in methods:
        cols, ps = [], []
        for pt, dr in zip(parts, per_term):
            exact = False
            if method == "wild":
                (b0, se0), _ = dr["wild"]
                t_star = b0 / se0
            elif method == "pairs":
                b_star, se_star = dr["pairs"]
                t_star = (b_star - pt.b) / se_star
            else:
                b_star, se_star, exact = dr["permutation"]
                t_star = b_star / se_star
            cols.append(t_star)
            ps.append((exact_p if exact else two_sided_p)(pt.t, t_star))
        out[method] = np.column_stack(cols)
        out["p"][method] = np.array(ps)
    return out


def _run_huber(d, rows, shared, methods, se_type, alpha):
    """Huber: pairs bootstrap only (IRLS refit per draw, H1 studentization)."""
    if se_type != "classical":
        return "se_type_not_applicable"  # as fit_specs: Huber has only its H1 SE
    if "pairs" in methods:
        from ..huber import fit_huber

        full = fit_huber(d.X[None], d.y)
        if not full.converged[0]:
            return "not_converged"
        b = full.beta[0, : d.m]
        se = np.sqrt(np.diag(full.cov[0]))[: d.m]
        b_star, se_star = huber_pairs_draws(d.X, d.y, shared.pairs_indices(d.rows), d.m)
        for j, r in enumerate(rows):
            r["p_pairs"], r["ci_pairs_low"], r["ci_pairs_high"], r["se_pairs"] = pairs_inference(
                b[j], se[j], b_star[:, j], se_star[:, j], alpha=alpha
            )
    return HUBER_STATUS


def _blank(spec_i, term):
    r = dict.fromkeys(COLUMNS, np.nan)
    r["spec"], r["term"], r["resample_status"] = spec_i, term, "ok"
    return r


def _check_args(methods, draws, wild_kind, perm_kind, se_type, alpha, estimator, weights):
    if isinstance(methods, str):
        methods = (methods,)
    methods = tuple(methods)
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ValueError(f"methods must be among {METHODS}, got {bad}")
    if int(draws) != draws or draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    if wild_kind not in WILD_WEIGHTS:
        raise ValueError(f"wild_weights must be one of {WILD_WEIGHTS}, got {wild_kind!r}")
    if perm_kind not in PERMUTATION_KINDS:
        raise ValueError(f"permutation must be one of {PERMUTATION_KINDS}, got {perm_kind!r}")
    if se_type not in SE_TYPES:
        raise ValueError(f"se_type must be one of {SE_TYPES}, got {se_type!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    check_estimator(estimator, weights)
    return methods
