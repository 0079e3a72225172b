"""The audit's tables: null slope distributions of the paper's models (part 1), the
rejection rates of every specification family (part 2) and the calibration (part 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.engine import fit_outcomes

from .anchor import Anchor, observed_panel
from .expectation import expected_slope
from .settings import MODELS, PUBLISHED, AuditSettings, designs
from .simulation import family_arrays, simulate
from specverse.study.plan import BASELINES, OUTCOMES, TREATMENTS


def null_slopes(anchor: Anchor, settings: AuditSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Part 1: per design, every replication's Model 2 target_on and Model 3 stretch coefficient.

    Returns ``(draws, summary)``.  ``draws``: design, share_from_2008, mechanical, replication,
    model, term, estimate, std_error, p_greater, published_estimate, data.  ``summary``: per
    design and model the mean, sd, Monte Carlo SE, quantiles, the analytic expectation, the
    share of simulated slopes at least the published one, the one-tailed rejection rate, the
    anchor data's own estimate and the share of simulated slopes at least that.
    """
    anchor_fit = {}
    for model, treatment, term in MODELS:
        y, X, names, mask = family_arrays(observed_panel(anchor), anchor, "published", "pct_change", treatment)
        anchor_fit[model] = float(fit_outcomes(y, X, anchor.controls, mask).estimate[0, 0])
    draws, summary = [], []
    for design in designs(settings):
        panel = simulate(anchor, design, settings)
        for model, treatment, term in MODELS:
            y, X, names, mask = family_arrays(panel, anchor, "published", "pct_change", treatment)
            fit = fit_outcomes(y, X, anchor.controls, mask)
            est = fit.estimate[:, 0]
            published = PUBLISHED[(model, term)]
            draws.append(
                pd.DataFrame(
                    {
                        "design": design.name,
                        "share_from_2008": design.share_from_2008,
                        "mechanical": design.mechanical,
                        "replication": np.arange(settings.replications),
                        "model": model,
                        "term": term,
                        "estimate": est,
                        "std_error": fit.std_error[:, 0],
                        "p_greater": fit.p_greater[:, 0],
                        "n": fit.n,
                        "published_estimate": published,
                        "data": "simulated",
                    }
                )
            )
            good = est[np.isfinite(est)]
            summary.append(
                {
                    "design": design.name,
                    "share_from_2008": design.share_from_2008,
                    "mechanical": design.mechanical,
                    "model": model,
                    "term": term,
                    "replications": good.size,
                    "mean": good.mean(),
                    "sd": good.std(ddof=1),
                    "mc_se": good.std(ddof=1) / np.sqrt(good.size),
                    "q025": np.quantile(good, 0.025),
                    "median": np.median(good),
                    "q975": np.quantile(good, 0.975),
                    "analytic_expectation": expected_slope(anchor, design, settings, term),
                    "published_estimate": published,
                    "share_at_least_published": np.mean(good >= published),
                    "rejection_rate_one_tailed": np.mean(fit.p_greater[:, 0] <= settings.alpha),
                    "anchor_scenario": anchor.scenario,
                    "anchor_estimate": anchor_fit[model],
                    "share_at_least_anchor": np.mean(good >= anchor_fit[model]),
                    "data": "simulated",
                }
            )
    return pd.concat(draws, ignore_index=True), pd.DataFrame(summary)


def discrimination(anchor: Anchor, settings: AuditSettings) -> pd.DataFrame:
    """Part 2: rejection rates of every baseline x outcome x treatment family under every design.

    One row per (design, baseline, outcome, treatment, term): the mean estimate, the
    one-tailed (H1: > 0, as the paper) and two-tailed rejection rates at ``alpha``, and
    ``role``: false_positive_rate for the mechanical designs, power for the causal one.
    """
    rows = []
    for design in designs(settings):
        panel = simulate(anchor, design, settings)
        for baseline in BASELINES:
            for outcome in OUTCOMES:
                for treatment in TREATMENTS:
                    y, X, names, mask = family_arrays(panel, anchor, baseline, outcome, treatment)
                    fit = fit_outcomes(y, X, anchor.controls, mask)
                    for j, term in enumerate(names):
                        if term == "ni1_2006":
                            continue
                        est = fit.estimate[:, j]
                        ok = np.isfinite(est)
                        rows.append(
                            {
                                "design": design.name,
                                "share_from_2008": design.share_from_2008,
                                "role": "false_positive_rate" if design.mechanical else "power",
                                "baseline": baseline,
                                "outcome": outcome,
                                "treatment": treatment,
                                "term": term,
                                "n": fit.n,
                                "replications": int(ok.sum()),
                                "mean_estimate": est[ok].mean(),
                                "sd_estimate": est[ok].std(ddof=1),
                                "rejection_rate_one_tailed": np.mean(fit.p_greater[ok, j] <= settings.alpha),
                                "rejection_rate_two_tailed": np.mean(fit.p_two_tailed[ok, j] <= settings.alpha),
                                "alpha": settings.alpha,
                                "data": "simulated",
                            }
                        )
    return pd.DataFrame(rows)


def calibration_table(anchor: Anchor, settings: AuditSettings, summary: pd.DataFrame, note: str) -> pd.DataFrame:
    """Part 3: the noise calibrated to the anchor's NI1 levels and the slopes mechanics alone give there.

    One row per quantity (quantity, value, description); the slope rows take the simulated
    mean Model 3 stretch slope of rules (a), (d) (pure sampling error) and (b) (pure
    target-from-2008 coupling), with the analytic expectation beside them.
    """
    rows = [
        ("anchor_scenario", anchor.scenario, "dataset whose NI1 levels and targets calibrate the audit"),
        ("anchor_note", note, "what is simulated and what anchors it"),
        ("respondents", settings.respondents, "survey respondents per area"),
        ("design_effect", settings.design_effect, "survey design effect"),
    ]
    descriptions = {
        "areas": "areas in the anchor dataset",
        "areas_with_target": "areas with an NI1 target (target_on = 1)",
        "areas_with_target_value": "areas with a target value (the stretch models' LAA rows)",
        "effective_respondents": "Kish effective sample size = respondents / design effect",
        "sampling_sd_2006_mean": "mean sampling sd of the 2006 figure (points)",
        "sampling_sd_2008_mean": "mean sampling sd of the 2008 figure (points)",
        "observed_sd_2008": "sd of the anchor's 2008 figures (points)",
        "true_sd_levels": "sd of the fixed true levels after removing sampling and change variance",
        "observed_mean_change": "mean 2008 minus 2006 figure (points)",
        "observed_sd_change": "sd of the observed change (points)",
        "true_sd_change": "sd of the true change (observed change variance minus sampling variance)",
        "stretch_mean_pct": "mean stretch among areas with a target value (% of baseline)",
        "stretch_sd_pct": "sd of that stretch (% of baseline)",
        "uplift_mean_points": "rule (b) uplift over the 2008 figure: mean (points)",
        "uplift_sd_points": "rule (b) uplift: sd (points); with the change it reproduces the stretch sd",
    }
    rows += [(key, value, descriptions[key]) for key, value in anchor.diagnostics.items()]
    stretch_rows = summary[summary["term"] == "target_stretch"].set_index("design")
    meaning = {
        "a_published_2006": "pure sampling error, targets set from the published 2006 figure",
        "d_true_level_2006": "pure sampling error, targets set from the true level (regression to the mean)",
        "b_from_2008": "pure target-from-2008 coupling",
    }
    for design, what in meaning.items():
        if design in stretch_rows.index:
            row = stretch_rows.loc[design]
            rows += [
                (f"slope_{design}_mean", row["mean"], f"Model 3 stretch slope, {what}: simulated mean"),
                (f"slope_{design}_analytic", row["analytic_expectation"], f"the same, analytic expectation"),
                (f"slope_{design}_q975", row["q975"], "the same, 97.5th percentile"),
            ]
    first = stretch_rows.iloc[0]
    rows += [
        ("anchor_stretch_slope", first["anchor_estimate"], "Model 3 stretch slope estimated on the anchor dataset"),
        ("published_stretch_slope", PUBLISHED[("model_3", "target_stretch")], "published Model 3 slope"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "description"])
