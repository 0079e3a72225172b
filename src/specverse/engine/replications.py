"""Inference for many outcome vectors on one fixed design: the calibration's unit of work.

A calibration simulates R outcome vectors ``Y`` (R, n) on one design and asks every
inference method for its estimate, p-values and interval on each.  The design is fixed,
so everything that depends only on it (orthonormal bases, x~ = M_Z x_j, leverages, the
treatment's arrangements) is computed once, and everything that depends on y is computed
for all replications together:

* analytic (classical, HC0-HC3; t with df = n - k): one projection of all residuals,
  one :func:`~.resampling.studentized.coef_variance` call per SE type;
* wild bootstrap and Freedman-Lane: a draw is ``y* = f + U`` with ``U`` the replication's
  residuals times its own weights (or permuted), and by FWL it costs one product with
  the design's fixed ``[Q, F Q]`` (:func:`~.resampling.studentized.fixed_design_draws`):
  Freedman-Lane sends the permuted rows ``U`` of all replications of a chunk through
  one call; the wild bootstrap calls it per replication with the weights ``V_r`` and
  both residual vectors, the engine's algebra (measured faster, see :func:`_wild`);
* pairs bootstrap and treatment permutation refit per draw with the design that the draw
  makes (rows resampled, treatment permuted), so each replication is one call of the
  engine kernel (:func:`~.resampling.pairs.pairs_draws`,
  :func:`~.resampling.permutation.treatment_draws`) over its B draws;
* Huber (statsmodels RLM HuberT defaults, H1 SE, normal inference): one batched IRLS
  (:func:`~.huber.fit_huber`) for a chunk of replications.

Random draws are those of :func:`~.resampling.resample`: replication r draws from
``SharedDraws(seeds[r], n, B)`` over its n rows, so its p-values equal ``resample`` on
that replication's y with ``seed=seeds[r]`` (tested).  Freedman-Lane and the
treatment permutation share the replication's "permutation" stream (resample draws both
from it), so within a replication they permute alike; replications are independent.
Use :func:`replication_seeds` for ``seeds``.

The pairs bootstrap gives its p AND its interval from one bootstrap-t distribution,
t* = (b* - b)/se*: symmetric p = (1 + #{|t*| >= |t|})/(1 + B) and the equal-tailed
percentile-t interval [b - q(1-a/2) se, b - q(a/2) se], as engine.resample.  One-tailed
p-values (``p_greater``) are for H1: coefficient > 0, (1 + #{t* >= t})/(1 + B) for the
resampling methods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .covariance import SE_TYPES, needs_leverage
from .huber import MAX_ITER, fit_huber
from .regspec import RegSpec, validate_inputs
from .results import inference
from .resampling import _design
from .resampling.pairs import PairsGram, pairs_draws
from .resampling.permutation import n_arrangements, treatment_draws
from .resampling.shared_draws import SharedDraws
from .resampling.studentized import TIE_RTOL, coef_variance, fixed_design_draws, order_quantiles
from .seeds import spec_seed
from .threads import single_blas_thread

__all__ = ["METHODS", "ANALYTIC", "MethodResults", "Replications", "replicate_inference", "replication_seeds"]

ANALYTIC = SE_TYPES  # classical, HC0, HC1, HC2, HC3
METHODS = (*ANALYTIC, "wild", "pairs", "freedman_lane", "treatment_permutation", "huber")
REPLICATION_METHODS = METHODS
#: Methods that give no interval (a permutation test inverts to one only by a search).
NO_INTERVAL = ("freedman_lane", "treatment_permutation")
#: Draw rows per Freedman-Lane fixed_design_draws call: bounds its (rows, 2k) product at ~8 MB.
ROWS_PER_CALL = 32768
HUBER_CHUNK = 256  # replications per batched IRLS: (chunk, n, k) copies of the design


@dataclass(frozen=True)
class MethodResults:
    """One method's results; arrays are ``(R, m)`` (replications x tested terms)."""

    estimate: np.ndarray
    p_two_tailed: np.ndarray
    p_greater: np.ndarray  # H1: coefficient > 0
    ci_low: np.ndarray  # NaN for methods without an interval
    ci_high: np.ndarray


@dataclass(frozen=True)
class Replications:
    """Every method's results for R outcome vectors on one design.

    ``terms`` are column indices into the caller's regressors; ``n``, ``k`` (constant
    included) and ``df = n - k`` describe the design.  ``huber_converged`` (R,) is
    False where IRLS stopped at ``huber_maxiter`` (the last iterate is kept, as RLM does).
    """

    terms: tuple[int, ...]
    n: int
    k: int
    draws: int
    se_type: str
    alpha: float
    results: dict[str, MethodResults]
    huber_converged: np.ndarray | None = field(default=None)

    @property
    def df(self) -> int:
        return self.n - self.k

    def frame(self) -> pd.DataFrame:
        """Long table: replication, term, method, estimate, p_two_tailed, p_greater, ci_low, ci_high."""
        parts = []
        for method, res in self.results.items():
            R, m = res.estimate.shape
            parts.append(
                pd.DataFrame(
                    {
                        "replication": np.repeat(np.arange(R), m),
                        "term": np.tile(np.asarray(self.terms), R),
                        "method": method,
                        **{f: getattr(res, f).ravel() for f in MethodResults.__dataclass_fields__},
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)


def replication_seeds(global_seed: int, identity: str, replications: int) -> list[int]:
    """``spec_seed(global_seed, identity + ";rep=<r>")`` for r = 0..R-1: replication r's
    streams depend on what is simulated and r, never on R or on the other replications."""
    return [spec_seed(global_seed, f"{identity};rep={r}") for r in range(int(replications))]


@single_blas_thread
def replicate_inference(
    Y,
    regressors,
    terms,
    *,
    seeds,
    weights=None,
    methods=METHODS,
    draws: int = 199,
    se_type: str = "HC1",
    alpha: float = 0.05,
    wild_weights: str = "rademacher",
    huber_maxiter: int = MAX_ITER,
) -> Replications:
    """Estimate, p-values (two-tailed; one-tailed for H1: b > 0) and the 1 - alpha
    interval of every method for each row of ``Y``.

    Y : (R, n) outcomes; regressors : (n, p) columns (no constant: one is added last,
    as :func:`~.fit_specs` does); terms : the tested column indices, each tested on its
    own with the other columns as controls; weights : (n,) for WLS (every method then
    runs on the sqrt-weight transformed model, as resample; Huber is OLS-only).
    Every row of the design must be complete: calibration designs are fixed.
    The resampling statistics are studentized with ``se_type``; ``seeds`` (R,) as
    :func:`replication_seeds`.  Methods: see :data:`METHODS` (analytic: classical,
    HC0-HC3; wild = restricted wild bootstrap-t p, unrestricted percentile-t CI;
    pairs = bootstrap-t p and equal-tailed percentile-t CI; freedman_lane and
    treatment_permutation p only; huber = RLM HuberT, H1 SE, normal p and CI).
    """
    Y, Z, w, terms, seeds, methods = _check(Y, regressors, terms, seeds, weights, methods, draws, se_type, alpha, wild_weights)
    R, n = Y.shape
    spec = RegSpec(terms, tuple(c for c in range(Z.shape[1]) if c not in terms))
    d = _design.build(Y[0], Z, spec, w, "ols" if w is None else "wls")
    if d.n != n:
        raise ValueError(f"regressors/weights: {n - d.n} row(s) are incomplete; a calibration design must be complete")
    status = _design.check(d, "HC3" if needs_leverage(methods + (se_type,)) else se_type)
    if status != "ok":
        raise ValueError(f"the design cannot be fitted: {status}")
    # Fixed pieces per term (term_parts on replication 0 only for them; "HC3" asks for leverages).
    parts = [_design.term_parts(d, j, "HC3") for j in range(d.m)]
    Yt = Y if d.sqrtw is None else Y * d.sqrtw
    obs = [_observed(pt, Yt) for pt in parts]  # per term: (b, resid_r, resid) for all R
    m, k, B = d.m, d.k, int(draws)
    out: dict[str, MethodResults] = {}
    se_obs = None
    for s in ANALYTIC:
        if s in methods or s == se_type:
            res, se = _analytic(parts, obs, s, k, n, alpha)
            if s in methods:
                out[s] = res
            if s == se_type:
                se_obs = se  # (R, m): the studentization of every resampling statistic
    if "wild" in methods:
        out["wild"] = _wild(d, parts, obs, se_obs, seeds, B, se_type, alpha, wild_weights)
    if "pairs" in methods:
        out["pairs"] = _pairs(d, Y, Yt, Z, w, obs, se_obs, seeds, B, se_type, alpha)
    perm = [mt for mt in ("freedman_lane", "treatment_permutation") if mt in methods]
    if perm:
        out.update(_permutation(d, parts, obs, se_obs, seeds, B, se_type, perm))
    converged = None
    if "huber" in methods:
        out["huber"], converged = _huber(d, Yt, alpha, huber_maxiter)
    ordered = {mt: out[mt] for mt in METHODS if mt in out}
    return Replications(tuple(terms), n, k, B, se_type, float(alpha), ordered, converged)


# --------------------------------------------------------------------------- pieces
def _observed(pt, Yt):
    """FWL for all replications: restricted residuals M_Z y, b = x~'M_Z y / x~'x~, full residuals."""
    Q = pt.basis_z
    resid_r = Yt - (Yt @ Q) @ Q.T
    b = resid_r @ pt.xt / pt.sxx
    resid = resid_r - b[:, None] * pt.xt
    return b, resid_r, resid


def _analytic(parts, obs, se_type, k, n, alpha):
    df = n - k
    b = np.column_stack([o[0] for o in obs])
    # coef_variance squares its residuals in place: give it a (n, R) copy
    se = np.column_stack(
        [np.sqrt(coef_variance(pt.xt / pt.sxx, o[2].T.copy(), se_type, k=k, leverage=pt.leverage)) for pt, o in zip(parts, obs)]
    )
    return _from_se(b, se, df, alpha, "t"), se


def _chunks(R, B):
    step = max(1, ROWS_PER_CALL // B)
    return [range(s, min(R, s + step)) for s in range(0, R, step)]


def _wild(d, parts, obs, se_obs, seeds, B, se_type, alpha, kind):
    """Restricted wild bootstrap-t p and unrestricted percentile-t CI, as resampling.wild.

    Per replication one fixed_design_draws call with its weights and both its residual
    vectors (restricted u~, full e), the engine's own algebra (with Rademacher weights
    sum f U^2 is a constant); the design's pieces are shared, the p-values and
    quantiles computed for all replications at once.  Measured faster than stacking
    the rows V_r * u of many replications into one call (which loses the unit-square
    shortcut): 0.11 s against 0.15 s at R = 400, B = 199, and 0.36 s against 0.83 s at
    B = 999 (n = 131, k = 13, one core).
    """
    R, n, m = len(seeds), d.n, d.m
    est, p2, p1, lo, hi = (np.empty((R, m)) for _ in range(5))
    t0, t1 = np.empty((m, R, B)), np.empty((m, R, B))
    for r in range(R):
        V = SharedDraws(seeds[r], n, B, kind).wild_draw_major(np.arange(n))
        for j, (pt, (b, u_r, e)) in enumerate(zip(parts, obs)):
            (d0, s0), (d1, s1) = fixed_design_draws(
                pt.xt, pt.sxx, d.basis, V, [u_r[r], e[r]], se_type, k=d.k, leverage=pt.leverage,
                unit_square=kind == "rademacher",
            )
            t0[j, r], t1[j, r] = d0 / s0, d1 / s1
    for j, (b, _, _) in enumerate(obs):
        est[:, j] = b
        p2[:, j], p1[:, j] = bootstrap_p(b / se_obs[:, j], t0[j])
        lo[:, j], hi[:, j] = percentile_t(b, se_obs[:, j], t1[j], alpha)
    return MethodResults(est, p2, p1, lo, hi)


def _pairs(d, Y, Yt, Z, w, obs, se_obs, seeds, B, se_type, alpha):
    """Pairs bootstrap: every draw refitted (engine kernel, one call per replication, its
    normal equations formed as resample forms them: :class:`~.resampling.pairs.PairsGram`);
    p and CI from the same t* = (b* - b)/se*."""
    R, n, m = len(seeds), d.n, d.m
    b = np.column_stack([o[0] for o in obs])
    b_star = np.empty((R, B, m))
    se_star = np.empty((R, B, m))
    rows = np.arange(n)
    for r in range(R):
        counts = SharedDraws(seeds[r], n, B).pair_counts(rows)
        normal = PairsGram(Y[r], Z, w).normal_equations(rows, d.columns, counts)
        b_star[r], se_star[r] = pairs_draws(d.X, Yt[r], counts, m, se_type, normal)
    p2, p1, lo, hi = (np.empty((R, m)) for _ in range(4))
    for j in range(m):
        t_star = (b_star[:, :, j] - b[:, j : j + 1]) / se_star[:, :, j]
        p2[:, j], p1[:, j] = bootstrap_p(b[:, j] / se_obs[:, j], t_star)
        lo[:, j], hi[:, j] = percentile_t(b[:, j], se_obs[:, j], t_star, alpha)
    return MethodResults(b, p2, p1, lo, hi)


def _permutation(d, parts, obs, se_obs, seeds, B, se_type, kinds):
    """Freedman-Lane (permuted restricted residuals; all replications of a chunk in one
    fixed_design_draws call per term) and treatment permutation (one treatment_draws
    call per replication and term).  Both use the replication's "permutation" stream,
    drawn once and shared by the terms and the two kinds, as resample."""
    R, n, m = len(seeds), d.n, d.m
    if "freedman_lane" in kinds and math.factorial(n) <= B:
        raise ValueError(f"n = {n}: at most {B} distinct permutations; use resample (exact enumeration)")
    if "treatment_permutation" in kinds:
        for j in range(m):
            if n_arrangements(d.raw_terms[:, j], limit=B) <= B:
                raise ValueError(f"term {j}: at most {B} distinct arrangements; use resample (exact enumeration)")
    res = {kind: [np.empty((R, m)) for _ in range(3)] for kind in kinds}  # est, p2, p1
    ones = [np.ones(n)]
    for rows in _chunks(R, B):
        idx = [SharedDraws(seeds[r], n, B).permutations(np.arange(n)) for r in rows]
        sl = slice(rows.start, rows.stop)
        for j, (pt, (b, u_r, _)) in enumerate(zip(parts, obs)):
            t_obs = b[sl] / se_obs[sl, j]
            if "freedman_lane" in kinds:
                blocks = (u_r[r][idx[i]] for i, r in enumerate(rows))
                ((b_star, s_star),) = fixed_design_draws(
                    pt.xt, pt.sxx, d.basis, blocks, ones, se_type, k=d.k, leverage=pt.leverage
                )
                est, p2, p1 = res["freedman_lane"]
                est[sl, j] = b[sl]
                p2[sl, j], p1[sl, j] = bootstrap_p(t_obs, (b_star / s_star).reshape(len(rows), B))
            if "treatment_permutation" in kinds:
                t_star = np.empty((len(rows), B))
                for i, r in enumerate(rows):
                    rep = replace(pt, resid_r=u_r[r])  # treatment_draws reads only y's M_Z residuals
                    b_star, s_star = treatment_draws(rep, d.raw_terms[:, j], d.sqrtw, idx[i], se_type, k=d.k)
                    t_star[i] = b_star / s_star
                est, p2, p1 = res["treatment_permutation"]
                est[sl, j] = b[sl]
                p2[sl, j], p1[sl, j] = bootstrap_p(t_obs, t_star)
    nan = np.full((R, m), np.nan)
    return {kind: MethodResults(est, p2, p1, nan, nan) for kind, (est, p2, p1) in res.items()}


def _huber(d, Yt, alpha, maxiter):
    """RLM HuberT on the design [terms, controls, constant]; H1 SE; normal p and CI."""
    R, n, m = Yt.shape[0], d.n, d.m
    b, se = np.empty((R, m)), np.empty((R, m))
    converged = np.empty(R, dtype=bool)
    for s in range(0, R, HUBER_CHUNK):
        sl = slice(s, min(R, s + HUBER_CHUNK))
        fit = fit_huber(np.broadcast_to(d.X, (sl.stop - s, n, d.k)), Yt[sl], maxiter=maxiter)
        b[sl] = fit.beta[:, :m]
        se[sl] = np.sqrt(np.diagonal(fit.cov, axis1=1, axis2=2))[:, :m]
        converged[sl] = fit.converged
    return _from_se(b, se, None, alpha, "normal"), converged


def _from_se(b, se, df, alpha, dist):
    """p-values and interval from an estimate and its SE (engine.results.inference)."""
    inf = inference(b, se, np.full(b.shape, np.nan if df is None else df), alpha, dist)
    return MethodResults(b, inf["p_two_tailed"], inf["p_greater"], inf["ci_low"], inf["ci_high"])


# --------------------------------------------------------------------------- p and CI, by rows
def bootstrap_p(t_obs, t_star):
    """Per replication: two-sided (1 + #{|t*| >= |t|})/(1 + B) and one-sided (H1: > 0)
    (1 + #{t* >= t})/(1 + B) over the finite draws of that row; ties within TIE_RTOL
    count, as :func:`~.resampling.studentized.two_sided_p`.  t_obs (R,), t_star (R, B)."""
    t_obs = np.asarray(t_obs, float)
    fin = np.isfinite(t_star)
    a = np.abs(t_obs)[:, None]
    with np.errstate(invalid="ignore"):
        two = np.count_nonzero(fin & (np.abs(t_star) >= a * (1.0 - TIE_RTOL)), axis=1)
        one = np.count_nonzero(fin & (t_star >= t_obs[:, None] - a * TIE_RTOL), axis=1)
    usable = fin.sum(axis=1)
    bad = (usable == 0) | ~np.isfinite(t_obs)
    p2 = np.where(bad, np.nan, (1.0 + two) / (1.0 + usable))
    p1 = np.where(bad, np.nan, (1.0 + one) / (1.0 + usable))
    return p2, p1


def percentile_t(b, se, t_star, alpha):
    """Equal-tailed percentile-t interval per row: [b - q(1-a/2) se, b - q(a/2) se] with
    the quantiles of the row's finite t* by the (B+1)p-th order statistic convention
    (:func:`~.resampling.studentized.order_quantiles`)."""
    probs = [alpha / 2, 1 - alpha / 2]
    if np.isfinite(t_star).all():
        q_lo, q_hi = np.quantile(t_star, probs, axis=1, method="weibull")
    else:
        q_lo, q_hi = np.array([order_quantiles(row, probs) for row in t_star]).T
    return b - q_hi * se, b - q_lo * se


def _check(Y, regressors, terms, seeds, weights, methods, draws, se_type, alpha, wild_weights):
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2:
        raise ValueError(f"Y must be (replications, n), got shape {Y.shape}")
    _, Z, w = validate_inputs(Y[0], regressors, weights)
    if not np.isfinite(Y).all():
        r, i = np.argwhere(~np.isfinite(Y))[0]
        raise ValueError(f"Y: non-finite value at replication {r}, row {i}")
    if w is not None and not (np.isfinite(w) & (w > 0)).all():
        raise ValueError(f"weights: non-positive or missing at row(s) {np.flatnonzero(~(np.isfinite(w) & (w > 0)))[:5].tolist()}")
    terms = (terms,) if np.isscalar(terms) else tuple(terms)
    terms = tuple(int(t) for t in terms)
    if not terms or min(terms) < 0 or max(terms) >= Z.shape[1] or len(set(terms)) != len(terms):
        raise ValueError(f"terms {terms} must be distinct column indices in 0..{Z.shape[1] - 1}")
    seeds = [int(s) for s in seeds]
    if len(seeds) != Y.shape[0]:
        raise ValueError(f"seeds: one per replication expected, got {len(seeds)} for {Y.shape[0]}")
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    bad = [mt for mt in methods if mt not in METHODS]
    if bad or not methods:
        raise ValueError(f"methods must be among {METHODS}, got {list(methods)}")
    if "huber" in methods and w is not None:
        raise ValueError("method 'huber' is an OLS-design estimator; it takes no weights")
    if int(draws) != draws or draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    if se_type not in SE_TYPES:
        raise ValueError(f"se_type must be one of {SE_TYPES}, got {se_type!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    if wild_weights not in ("rademacher", "webb"):
        raise ValueError(f"wild_weights must be 'rademacher' or 'webb', got {wild_weights!r}")
    return Y, Z, w, terms, seeds, methods
