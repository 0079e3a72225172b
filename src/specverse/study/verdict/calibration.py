"""Validation: coverage and simulation-based calibration (Talts et al. 2018) of the verdict.

``datasets`` synthetic sets of "published tables" are drawn from the prior: a parameter
vector from the prior (engine stream ``verdict/calibration/<k>/theta``), one simulated
study (``.../data``), its summaries taking the place of the published ones.  Everything
else is the real run's (the 2008 figures, controls, counts and Table 1's stretch moments
the simulator is calibrated to), so generation and inference use the same model.  A draw
whose world is impossible is replaced by the next attempt (the inference never accepts
such worlds, so this is the same truncated prior).  Each set is then fitted with the
calibration's ABC settings (smaller than the main run's so that 100 sets take minutes;
see docs/verdict.md), and for every parameter the 90% equal-tailed interval's coverage of
the truth and the truth's rank among ``posterior_draws`` posterior draws (ties, e.g. a true
effect of exactly 0 among posterior draws at 0, broken at random) are recorded.  With a
calibrated posterior the coverage is .90 and the ranks are uniform on 0..draws.

The sets run in ``workers`` worker processes (joblib; the workflow passes the cores its rule
was given); each is determined by its index alone, so the table does not depend on which
process ran what.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from specverse.engine import map_in_processes, stream
from specverse.io import write_csv

from .inference import AbcSettings, run_abc
from .model import Design
from .posterior import resample_indices, weighted_quantile
from .priors import PARAMETERS, BoxPrior, Prior
from .published import SUMMARY_NAMES, Published
from .summaries import simulate_summaries

MAX_ATTEMPTS = 50


def synthetic_tables(design: Design, priors: dict[str, Prior], published: Published, k: int,
                     seed: int) -> tuple[dict, Published]:
    """The k-th prior draw and the 'published tables' its simulated study prints."""
    prior = BoxPrior(priors)
    for attempt in range(MAX_ATTEMPTS):
        rng = stream(seed, f"verdict/calibration/{k}/theta/{attempt}")
        latent = prior.low + (prior.high - prior.low) * rng.random((1, len(prior.names)))
        theta = prior.natural(latent)
        S = simulate_summaries(design, theta, stream(seed, f"verdict/calibration/{k}/data/{attempt}"))[0]
        if np.isfinite(S).all():
            summaries = dict(zip(SUMMARY_NAMES, S.tolist()))
            return {p: float(v[0]) for p, v in theta.items()}, replace(published, summaries=summaries)
    raise RuntimeError(f"calibration set {k}: no possible world in {MAX_ATTEMPTS} prior draws")


def calibrate_one(design: Design, priors: dict[str, Prior], published: Published, abc: AbcSettings,
                  k: int, seed: int, draws: int) -> list[dict]:
    """Rows (one per parameter) for calibration set k (no timings: the table is a result)."""
    truth, synthetic = synthetic_tables(design, priors, published, k, seed)
    result = run_abc(design, priors, synthetic, abc, seed, identity=f"calibration/{k}")
    idx = resample_indices(result.weights, draws, stream(seed, f"verdict/calibration/{k}/ranks"))
    tie_rng = stream(seed, f"verdict/calibration/{k}/ties")
    rows = []
    for name in PARAMETERS:
        values = result.params[name]
        q05, q50, q95 = weighted_quantile(values, result.weights, [0.05, 0.5, 0.95])
        sample = values[idx]
        below, ties = int(np.sum(sample < truth[name])), int(np.sum(sample == truth[name]))
        rows.append({
            "dataset": k, "parameter": name, "truth": truth[name],
            "q05": q05, "q50": q50, "q95": q95,
            "covered": bool(q05 <= truth[name] <= q95),
            "rank": below + int(tie_rng.integers(0, ties + 1)), "draws": draws,
            "posterior_mass_at_zero": float(np.sum(result.weights * (values == 0))),
            "simulated": result.simulated,
        })
    return rows


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def summarise_calibration(table: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Per parameter: coverage with its Wilson interval, and a chi-square test of rank uniformity."""
    rows = []
    for name, group in table.groupby("parameter", sort=False):
        n, hits = len(group), int(group["covered"].sum())
        lo, hi = wilson(hits, n)
        draws = int(group["draws"].iloc[0])
        counts = np.histogram(group["rank"], bins=bins, range=(0, draws + 1))[0]
        chi2 = stats.chisquare(counts)
        rows.append({
            "parameter": name, "datasets": n, "coverage_90": hits / n, "coverage_ci_low": lo,
            "coverage_ci_high": hi, "rank_chi2": float(chi2.statistic), "rank_p_value": float(chi2.pvalue),
            "rank_bins": bins,
        })
    return pd.DataFrame(rows)


def run_calibration(analysis: pd.DataFrame, published_dir, settings, out_dir, workers: int | None = None) -> dict:
    """Run ``settings.calibration.datasets`` calibration sets in ``workers`` processes (None:
    ``settings.calibration.workers``); write calibration.csv and calibration_summary.csv
    under ``out_dir``."""
    from . import prepare

    published, _, design, priors, _ = prepare(analysis, published_dir, settings)
    cal = settings.calibration
    workers = cal.workers if workers is None else workers
    args = [(design, priors, published, cal.abc(), k, settings.seed, cal.posterior_draws)
            for k in range(cal.datasets)]
    start = time.perf_counter()
    parts = map_in_processes(calibrate_one, args, workers)
    table = pd.DataFrame([row for part in parts for row in part])
    summary = summarise_calibration(table)
    seconds = time.perf_counter() - start
    out_dir = Path(out_dir)
    write_csv(table, out_dir / "calibration.csv")
    write_csv(summary, out_dir / "calibration_summary.csv")
    row = summary.set_index("parameter").loc["effect_stretch"]
    return {"paths": {"calibration.csv": str(out_dir / "calibration.csv"),
                      "calibration_summary.csv": str(out_dir / "calibration_summary.csv")},
            "coverage_effect_stretch": float(row["coverage_90"]),
            "coverage_interval": (float(row["coverage_ci_low"]), float(row["coverage_ci_high"])),
            "rank_p_value_effect_stretch": float(row["rank_p_value"]),
            "seconds": seconds, "workers": workers}
