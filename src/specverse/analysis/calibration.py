"""Calibration of every inference method on the study's own designs: size and coverage.

For each design (``study.calibration_designs``) and error model
(``engine.null_outcomes``), R outcome vectors are simulated under the null (the
tested coefficient is 0) and every method is run on each (``engine.replications``).
A method's size is its rejection rate, P(p <= alpha), two-tailed and one-tailed
(H1: coefficient > 0); its coverage is the share of 1 - alpha intervals containing 0.
Every rate comes with an exact Clopper-Pearson 95% Monte Carlo interval.  All data
here are SIMULATED by design; the designs' regressors come from one data variant.

Tables: ``size`` (design, error_model, method, tail, alpha, replications,
rejection_rate, mc_low, mc_high), ``coverage`` (design, error_model, method, level,
replications, coverage, mc_low, mc_high), ``designs`` (one row per calibrated term)
and ``diagnostics`` (per design and error model: Huber fits that hit the iteration
cap, replications whose pairs p and CI disagree, wall and CPU seconds).

The headline inference (config ``inference.headline``) is chosen from ``size`` by
:func:`headline_candidates` and explained by :func:`explain_headline`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from specverse.engine import ERROR_MODELS, null_outcomes, replicate_inference, replication_seeds
from specverse.engine import NO_INTERVAL, map_in_processes
from specverse.engine import REPLICATION_METHODS as METHODS
from specverse.study.calibration_designs import DESIGNS, build_designs, design_table

__all__ = [
    "CalibrationSettings",
    "CalibrationRun",
    "run_calibration",
    "clopper_pearson",
    "headline_candidates",
    "explain_headline",
    "SIZE_COLUMNS",
    "COVERAGE_COLUMNS",
]

SIZE_COLUMNS = ["design", "error_model", "method", "tail", "alpha", "replications", "rejection_rate", "mc_low", "mc_high"]
COVERAGE_COLUMNS = ["design", "error_model", "method", "level", "replications", "coverage", "mc_low", "mc_high"]
TAILS = {"two_tailed": "p_two_tailed", "one_tailed_upper": "p_greater"}
MC_LEVEL = 0.95  # of the Monte Carlo intervals in the tables


@dataclass(frozen=True)
class CalibrationSettings:
    """The ``calibration:`` config section (plus the global seed unless it sets its own).

    scenario / baseline: the data variant whose designs are calibrated; replications per
    design x error model; draws per resampling method; alpha: test level (intervals have
    level 1 - alpha); designs, error_models, methods: subsets of the available ones;
    se_type: studentization of the resampling statistics; respondents / design_effect:
    the survey model (as the audit); huber_maxiter: the IRLS iteration cap.
    """

    seed: int
    scenario: str = "mechanical"
    baseline: str = "published"
    replications: int = 400
    draws: int = 199
    alpha: float = 0.05
    designs: tuple[str, ...] = tuple(DESIGNS)
    error_models: tuple[str, ...] = ERROR_MODELS
    methods: tuple[str, ...] = METHODS
    se_type: str = "HC1"
    respondents: int = 1100
    design_effect: float = 1.5
    huber_maxiter: int = 200

    @classmethod
    def from_config(cls, section: Mapping | None, *, seed: int | None = None) -> "CalibrationSettings":
        """Settings from ``config["calibration"]``; ``seed`` is the global seed (used unless
        the section sets its own).  Which scenario and baseline to calibrate is the
        workflow's choice (workflow/rules/common.smk), passed in the section."""
        section = dict(section or {})
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - allowed)
        if unknown:
            raise ValueError(f"config calibration: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        if "seed" not in section:
            if seed is None:
                raise ValueError("config calibration: no seed (set calibration.seed or pass the global seed)")
            section["seed"] = seed
        for key in ("designs", "error_models", "methods"):
            if key in section:
                value = section[key]
                section[key] = (value,) if isinstance(value, str) else tuple(value)
        return cls(**section)

    def __post_init__(self):
        for key, allowed in (("designs", tuple(DESIGNS)), ("error_models", ERROR_MODELS), ("methods", METHODS)):
            value = getattr(self, key)
            bad = [v for v in value if v not in allowed]
            if bad or not value or len(set(value)) != len(value):
                raise ValueError(f"config calibration.{key}: {list(value)} must be distinct values among {list(allowed)}")
        if int(self.replications) != self.replications or self.replications < 1:
            raise ValueError(f"config calibration.replications must be a positive integer, got {self.replications!r}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"config calibration.alpha must lie in (0, 1), got {self.alpha!r}")
        # A resampling p-value is exactly of size alpha, and the percentile-t interval
        # uses exact order statistics, only when (B + 1) alpha / 2 is an integer.
        half = (self.draws + 1) * self.alpha / 2
        if int(self.draws) != self.draws or self.draws < 1 or abs(half - round(half)) > 1e-9:
            raise ValueError(
                f"config calibration.draws = {self.draws!r}: (draws + 1) x alpha / 2 must be an integer "
                f"(e.g. 199 or 999 at alpha = .05), else the resampling tests are not of size alpha by design"
            )

    def identity(self, design: str, error_model: str) -> str:
        """What a cell's random streams are drawn for (see engine.replications.replication_seeds)."""
        return f"calibration;scenario={self.scenario};baseline={self.baseline};design={design};error_model={error_model}"


@dataclass(frozen=True)
class CalibrationRun:
    size: pd.DataFrame
    coverage: pd.DataFrame
    designs: pd.DataFrame
    diagnostics: pd.DataFrame


def run_calibration(variant: pd.DataFrame, settings: CalibrationSettings, source: str = "variant",
                    n_jobs: int = 1) -> CalibrationRun:
    """Every design x error model x method on ``variant`` (a ``build_variant`` table).

    ``n_jobs`` > 1 spreads the design x error model units over that many worker
    processes (joblib): a job given several cores (Snakemake ``threads``) uses them.  Each
    unit draws from its own seeds, so the tables do not depend on ``n_jobs``.
    """
    designs = build_designs(variant, settings.designs, respondents=settings.respondents,
                            design_effect=settings.design_effect, source=source)
    units = [(d, em) for d in designs for em in settings.error_models]
    parts = map_in_processes(_calibrate_unit, [(d, em, settings) for d, em in units], n_jobs)
    size = pd.DataFrame([r for part in parts for r in part[0]])[SIZE_COLUMNS]
    coverage = pd.DataFrame([r for part in parts for r in part[1]])[COVERAGE_COLUMNS]
    diag = pd.DataFrame([r for part in parts for r in part[2]])
    return CalibrationRun(size, coverage, design_table(designs), diag)


def _calibrate_unit(d, em, settings: CalibrationSettings) -> tuple[list, list, list]:
    """One design x error model: its size, coverage and diagnostics rows."""
    size, coverage, diag = [], [], []
    methods = tuple(m for m in settings.methods if not (m == "huber" and d.weights is not None))
    start, cpu = time.perf_counter(), time.process_time()
    seeds = replication_seeds(settings.seed, settings.identity(d.name, em), settings.replications)
    Y = null_outcomes(em, d.mean, seeds=seeds, resid_sd=d.resid_sd, driver=d.driver,
                      levels_2006=d.true_2006, levels_2008=d.true_2008,
                      respondents=settings.respondents, design_effect=settings.design_effect)
    rep = replicate_inference(Y, d.regressors, d.tested, seeds=seeds, weights=d.weights, methods=methods,
                              draws=settings.draws, se_type=settings.se_type, alpha=settings.alpha,
                              huber_maxiter=settings.huber_maxiter)
    seconds = (time.perf_counter() - start, time.process_time() - cpu)
    for j, label in enumerate(d.labels()):
        for method, res in rep.results.items():
            for tail, field in TAILS.items():
                size.append(_rate_row(label, em, method, getattr(res, field)[:, j] <= settings.alpha,
                                      np.isfinite(getattr(res, field)[:, j]), tail=tail, alpha=settings.alpha))
            if method not in NO_INTERVAL:
                ok = np.isfinite(res.ci_low[:, j]) & np.isfinite(res.ci_high[:, j])
                covered = (res.ci_low[:, j] <= 0.0) & (res.ci_high[:, j] >= 0.0)
                coverage.append(_rate_row(label, em, method, covered, ok, level=1 - settings.alpha))
        diag.append(_diagnostics(label, em, rep, j, settings, [t / len(d.labels()) for t in seconds]))
    return size, coverage, diag


def _rate_row(label, error_model, method, hits, valid, **extra):
    n = int(valid.sum())
    x = int((hits & valid).sum())
    lo, hi = clopper_pearson(x, n, MC_LEVEL)
    rate = x / n if n else np.nan
    key = "rejection_rate" if "tail" in extra else "coverage"
    return {"design": label, "error_model": error_model, "method": method, **extra,
            "replications": n, key: rate, "mc_low": lo, "mc_high": hi}


def _diagnostics(label, error_model, rep, j, settings, seconds):
    row = {"design": label, "error_model": error_model, "replications": settings.replications,
           "draws": settings.draws, "se_type": settings.se_type, "seconds": seconds[0], "cpu_seconds": seconds[1]}
    conv = rep.huber_converged
    row["huber_not_converged"] = np.nan if conv is None else int((~conv).sum())
    pairs = rep.results.get("pairs")
    if pairs is not None:  # symmetric p vs equal-tailed CI: they may disagree
        rejects = pairs.p_two_tailed[:, j] <= settings.alpha
        excludes = (pairs.ci_low[:, j] > 0) | (pairs.ci_high[:, j] < 0)
        row["pairs_p_ci_disagree"] = float(np.mean(rejects != excludes))
    return row


def clopper_pearson(x: int, n: int, level: float = MC_LEVEL) -> tuple[float, float]:
    """Exact binomial interval for x successes in n trials (NaN for n = 0)."""
    if n == 0:
        return np.nan, np.nan
    a = (1 - level) / 2
    lo = 0.0 if x == 0 else float(stats.beta.ppf(a, x, n - x + 1))
    hi = 1.0 if x == n else float(stats.beta.ppf(1 - a, x + 1, n - x))
    return lo, hi


def headline_candidates(size: pd.DataFrame, *, alpha: float = 0.05, familywise: bool = True) -> list[str]:
    """Methods whose two-tailed size at ``alpha`` has ``alpha`` inside its Monte Carlo
    interval on EVERY design and error model of ``size`` (a method missing from some
    cell, e.g. Huber under WLS, is not a candidate).  Ordered by the worst-case
    |size - alpha| over the cells, best first.

    ``familywise`` (default): the intervals are Clopper-Pearson at level 1 - .05 / cells
    (Bonferroni), recomputed from the counts, so that a correctly sized method passes
    all cells with probability >= .95; with 24 cells at the tables' 95% level it would
    fail somewhere with probability 1 - .95^24 = .71.  ``familywise=False`` uses the
    table's own 95% intervals.
    """
    table = _two_tailed(size, alpha)
    cells = table.groupby(["design", "error_model"]).ngroups
    level = 1 - 0.05 / cells if familywise else None
    passed = []
    for method, rows in table.groupby("method", sort=False):
        if len(rows) < cells:
            continue
        inside = [_inside(r, alpha, level) for r in rows.itertuples()]
        if all(inside):
            passed.append((float(np.max(np.abs(rows["rejection_rate"] - alpha))), METHODS.index(method) if method in METHODS else 99, method))
    return [m for _, _, m in sorted(passed)]


def _two_tailed(size, alpha):
    table = size[(size["tail"] == "two_tailed") & np.isclose(size["alpha"], alpha)]
    if table.empty:
        raise ValueError(f"size table has no two-tailed rows at alpha = {alpha}")
    return table


def _inside(row, alpha, level):
    if level is None:
        return row.mc_low <= alpha <= row.mc_high
    x = int(round(row.rejection_rate * row.replications))
    lo, hi = clopper_pearson(x, int(row.replications), level)
    return lo <= alpha <= hi


def explain_headline(size: pd.DataFrame, *, alpha: float = 0.05, familywise: bool = True) -> str:
    """One or two sentences: the recommended headline method and why, with the numbers."""
    table = _two_tailed(size, alpha)
    cells = table.groupby(["design", "error_model"]).ngroups
    reps = int(table["replications"].min())
    span = table.groupby("method", sort=False)["rejection_rate"].agg(["min", "max", "size"])
    candidates = headline_candidates(size, alpha=alpha, familywise=familywise)
    within = f"within Monte Carlo error of {alpha:g}" + (f" (exact intervals, Bonferroni over the {cells} cells)" if familywise else "")

    def rng(m):
        return f"{span.at[m, 'min']:.4f}-{span.at[m, 'max']:.4f}"

    partial = [m for m in span.index if span.at[m, "size"] < cells]
    failed = sorted((m for m in span.index if m not in candidates and m not in partial), key=lambda m: -span.at[m, "max"])
    tail = ""
    if failed:
        tail += " Outside Monte Carlo error somewhere: " + ", ".join(f"{m} ({rng(m)})" for m in failed) + "."
    if partial:
        tail += " Not run on every design: " + ", ".join(partial) + "."
    if not candidates:
        dev = (table["rejection_rate"] - alpha).abs().groupby(table["method"]).max()
        best = dev.drop(partial, errors="ignore").idxmin()
        return (f"No method's two-tailed size at {alpha:g} stayed {within} on all {cells} design x error-model "
                f"cells (at least {reps} replications each); the least distorted is {best} ({rng(best)})." + tail)
    head, others = candidates[0], candidates[1:]
    text = (f"{head} is the best-calibrated method of this run: its two-tailed size at {alpha:g} stayed {within} on all {cells} "
            f"design x error-model cells (range {rng(head)}, at least {reps} replications each), with the smallest "
            f"worst-case distortion among the methods that did")
    text += (" (also within error everywhere: " + ", ".join(f"{m} {rng(m)}" for m in others) + ")." if others else ".")
    return text + tail


def headline_verdict(size: pd.DataFrame, headline: str, *, alpha: float = 0.05,
                     permutation: str = "freedman_lane") -> dict:
    """Whether the configured headline method is within Monte Carlo error of ``alpha`` on
    every design and error model: both the tables' own 95% intervals (the rule the
    headline is chosen by) and the Bonferroni-adjusted ones (a correctly sized method
    passes all cells with probability >= .95), with the methods that pass each and the
    explanation in words.  ``permutation`` maps the config's ``permutation`` method to
    its calibrated kind (Freedman-Lane or treatment permutation)."""
    method = {"permutation": permutation if permutation != "treatment" else "treatment_permutation"}.get(
        headline, headline)
    strict = headline_candidates(size, alpha=alpha, familywise=False)
    familywise = headline_candidates(size, alpha=alpha, familywise=True)
    return {
        "headline": headline,
        "calibrated_as": method,
        "within_mc_error_everywhere": method in strict,
        "within_mc_error_everywhere_bonferroni": method in familywise,
        "methods_within_mc_error_everywhere": strict,
        "methods_within_mc_error_everywhere_bonferroni": familywise,
        "explanation": explain_headline(size, alpha=alpha, familywise=False),
    }
