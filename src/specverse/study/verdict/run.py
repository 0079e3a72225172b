"""The verdict's entry points: validate the inputs and build the model (:func:`prepare`),
run the stage (:func:`run_verdict`) and its validation (:func:`run_calibration`)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from specverse.io import write_csv, write_json, write_text

from .anchor import Anchor, anchor_from_analysis
from .inference import AbcResult, AbcSettings, run_abc
from .model import Design, level_band
from .posterior import derived, effect_probabilities, effective_prior, model_probabilities, posterior_table
from .predictive import predictive_checks
from .priors import PARAMETERS, build_priors, check_feasible
from .published import Published, PublishedTableError, default_directory, read_published
from .reachability import reachability
from .settings import CalibrationSettings, ReachSettings, VerdictSettings
from .verdict_text import data_note, verdict_paragraph

OUTPUTS = ("posterior.csv", "posterior_particles.csv", "probabilities.csv", "model_probabilities.csv",
           "predictive_checks.csv", "reachability.csv", "generations.csv", "verdict.md", "run_info.json")


def prepare(analysis: pd.DataFrame, published_dir, settings: VerdictSettings):
    """Validate every input (published tables first) and build the design and priors.

    Returns ``(published, anchor, design, priors, level_centre)``; raises before any simulation.
    """
    directory = published_dir or settings.published or default_directory()
    published = read_published(directory, settings.target_areas)
    anchor = anchor_from_analysis(analysis)
    design = Design.from_inputs(anchor, published, settings.respondents)
    base = build_priors(settings.priors, (1e-3, 1e3))  # only its design effect prior is used here
    deff = base["design_effect"]
    band = level_band(design, published.summaries["t1_ni1_2006_sd"], (deff.low + deff.high) / 2,
                      settings.sd_level_halfwidth)
    priors = build_priors(settings.priors, band)
    V = design.level_variance(np.array([deff.low, deff.high]))
    if (V <= 0).any():
        raise ValueError("config verdict.priors.design_effect: the sampling variance would exceed the "
                         "spread of the 2008 figures")
    check_feasible(priors, (float(np.sqrt(V.min())), float(np.sqrt(V.max()))))
    return published, anchor, design, priors, float(np.mean(band))


def run_verdict(analysis: pd.DataFrame, published_dir, settings: VerdictSettings, out_dir) -> dict:
    """Run the verdict and write its outputs under ``out_dir`` (see :data:`OUTPUTS`).

    ``published_dir`` (None: ``settings.published``, else the package's tables) holds
    table1.csv, table2.csv and table2_fit.csv; ``analysis`` is the run's analysis data
    (its real 2008 figures and Table 2 controls are used).  Returns the headline numbers,
    the output paths and the stage timings.
    """
    out_dir = Path(out_dir)
    clock = {"start": time.perf_counter()}
    published, anchor, design, priors, level_centre = prepare(analysis, published_dir, settings)
    result: AbcResult = run_abc(design, priors, published, settings.abc, settings.seed, "verdict")
    clock["abc"] = time.perf_counter()
    prior_sample = effective_prior(design, priors, settings.seed, settings.prior_draws)
    post = posterior_table(result, priors)
    probs = effect_probabilities(result, prior_sample, published.summaries["m3_stretch_coef"])
    models = model_probabilities(result, priors, prior_sample)
    checks = predictive_checks(design, result, published, draws=settings.predictive_draws, seed=settings.seed,
                               tolerance_scale=settings.reproduce_tolerance,
                               distance_summaries=settings.abc.distance_summaries)
    clock["checks"] = time.perf_counter()
    r = settings.reachability
    ref = {"design_effect": r.design_effect, "sd_level_2006": level_centre, "share_true_level": r.share_true_level}
    reach = reachability(design, shares=r.shares, sd_changes=r.sd_changes, worlds=r.worlds, ref=ref,
                         seed=settings.seed, published_slope=published.summaries["m3_stretch_coef"],
                         published_se=published.summaries["m3_stretch_se"],
                         published_r2=published.summaries["m3_r2"])
    clock["reachability"] = time.perf_counter()
    text = verdict_paragraph(published=published.summaries, probabilities=probs, posterior=post, models=models,
                             checks=checks, reach=reach, data_note=data_note(anchor.scenario),
                             simulated=result.simulated, tolerance=settings.reproduce_tolerance)
    particles = pd.DataFrame(derived(result.params))
    particles["weight"] = result.weights
    paths = {name: out_dir / name for name in OUTPUTS}
    write_csv(post, paths["posterior.csv"])
    write_csv(particles, paths["posterior_particles.csv"])
    write_csv(probs, paths["probabilities.csv"])
    write_csv(models, paths["model_probabilities.csv"])
    write_csv(checks, paths["predictive_checks.csv"])
    write_csv(reach, paths["reachability.csv"])
    write_csv(result.generations, paths["generations.csv"])
    write_text(text, paths["verdict.md"])
    clock["end"] = time.perf_counter()
    info = _run_info(published, anchor, settings, result)
    info["prior_possible_share"] = prior_sample.possible_share
    write_json(info, paths["run_info.json"])  # no timings: results do not depend on the machine
    return {"paths": {k: str(v) for k, v in paths.items()}, "verdict": text,
            "probabilities": dict(zip(probs["quantity"], probs["probability"])), **info,
            "seconds": {"abc": clock["abc"] - clock["start"], "predictive_checks": clock["checks"] - clock["abc"],
                        "reachability": clock["reachability"] - clock["checks"],
                        "total": clock["end"] - clock["start"]},
            "simulated_studies_per_second_in_abc": result.simulated / max(result.seconds, 1e-9)}


def _tables_origin(directory) -> str:
    directory = Path(directory).resolve()
    if directory == default_directory().resolve():
        return "specverse.study.published (the package's transcription of the paper's tables)"
    try:
        return str(directory.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(directory)


def _run_info(published: Published, anchor: Anchor, settings: VerdictSettings, result: AbcResult) -> dict:
    return {
        # where the published tables came from, without machine-specific absolute paths
        "published_tables": _tables_origin(published.directory),
        "anchor_scenario": anchor.scenario,
        "areas": anchor.n,
        "target_areas": published.n_target,
        "missing_target_values": published.n_missing,
        "stretch_mean_target_areas": published.stretch_mean_target,
        "stretch_sd_target_areas": published.stretch_sd_target,
        "seed": settings.seed,
        "abc": vars(settings.abc),
        "generations": int(len(result.generations)),
        "simulated_studies": int(result.simulated),
    }


def run_calibration(analysis: pd.DataFrame, published_dir, settings: VerdictSettings, out_dir,
                    workers: int | None = None) -> dict:
    """The validation (coverage and simulation-based calibration); see :mod:`.calibration`."""
    from .calibration import run_calibration as _run

    return _run(analysis, published_dir, settings, out_dir, workers)
