"""Simulated survey figures and targets under one design, and the arrays one
specification family fits on them (outcome, regressors, rows)."""

from __future__ import annotations

import numpy as np

from specverse.engine import method_rng, spec_seed
from specverse.study.derive import stretch
from specverse.study.plan import BASELINES, OUTCOME_EXTRA_TERMS, OUTCOMES, TREATMENT_TERMS, TREATMENTS

from .anchor import Anchor, Panel
from .settings import AuditSettings, Design


def _rng(settings: AuditSettings, stream: str) -> np.random.Generator:
    # Streams are named by what they draw, not by design, so every mechanical design
    # sees the same survey draws (common random numbers: their differences are the rule's).
    return method_rng(spec_seed(settings.seed, f"audit/{stream}"), stream)


def _survey(rng: np.random.Generator, level: np.ndarray, n_eff: int) -> np.ndarray:
    return rng.binomial(n_eff, np.clip(level, 0.0, 100.0) / 100.0) * (100.0 / n_eff)


def simulate(anchor: Anchor, design: Design, settings: AuditSettings) -> Panel:
    """``settings.replications`` datasets of survey figures and targets under one design."""
    R, n, n_eff = settings.replications, anchor.n, settings.n_eff
    shape = (R, n)
    d_mean, d_sd = anchor.stretch_points()
    y06 = _survey(_rng(settings, "survey_2006"), np.broadcast_to(anchor.true_2006, shape), n_eff)
    stretch_pts = _rng(settings, "stretch").normal(d_mean, d_sd, shape)
    uplift = _rng(settings, "uplift").normal(anchor.uplift_mean, anchor.uplift_sd, shape)
    from_2008 = _rng(settings, "target_rule").random(shape) < design.share_from_2008
    change = _rng(settings, "true_change").normal(0.0, anchor.change_sd, shape)
    true_08 = anchor.true_2008 + change + design.effect * stretch_pts * anchor.target_on
    y08 = _survey(_rng(settings, "survey_2008"), np.broadcast_to(true_08, shape), n_eff)
    lsp = _survey(_rng(settings, "survey_lsp"), np.broadcast_to(anchor.true_2006, shape), n_eff)
    lsp = np.where(anchor.has_lsp, lsp + anchor.lsp_offset, y06)
    base = np.broadcast_to(anchor.true_2006, shape) if design.anchor_true_level else y06
    target = np.where(from_2008, y08 + uplift, base + stretch_pts)
    return Panel(y06, y08, lsp, np.where(anchor.target_known, target, np.nan))


def _baseline(panel: Panel, baseline: str) -> np.ndarray:
    if baseline == "published":
        return panel.ni1_2006
    if baseline == "lsp_preferred":
        return panel.ni1_2006_lsp
    raise ValueError(f"unknown baseline option {baseline!r}; expected one of {BASELINES}")


def _outcome(panel: Panel, base: np.ndarray, outcome: str) -> tuple[np.ndarray, bool]:
    """Outcome array and whether the baseline enters as a regressor (ancova)."""
    y08 = panel.ni1_2008
    if outcome == "pct_change":
        return 100.0 * (y08 - base) / base, False
    if outcome == "point_change":
        return y08 - base, False
    if outcome == "log_ratio":
        return 100.0 * np.log(y08 / base), False
    if outcome == "ancova":
        return y08, True
    raise ValueError(f"unknown outcome option {outcome!r}; expected one of {OUTCOMES}")


def family_arrays(panel: Panel, anchor: Anchor, baseline: str, outcome: str, treatment: str):
    """Outcome ``(R, n)``, per-replication regressors ``(R, n, p)``, their names and the row mask.

    The options mean what they mean in the multiverse (specverse.study.plan and
    variants.build_variant): term names from ``specs.TREATMENT_TERMS``, stretches from
    ``derive.stretch`` (100 (target - baseline) / baseline for target areas, 0 otherwise,
    missing where the target value is), ``target_stretch_2008`` against the 2008 figure,
    ``stretch_laa_only`` on LAA areas only; under ancova the baseline is a regressor.
    """
    base = _baseline(panel, baseline)
    y, ancova = _outcome(panel, base, outcome)
    on = anchor.target_on.astype(float)
    columns = {
        "target_on": np.broadcast_to(on, y.shape),
        "target_stretch": stretch(panel.target_2011, base, on),
        "target_stretch_2008": stretch(panel.target_2011, panel.ni1_2008, on),
    }
    if treatment not in TREATMENT_TERMS:
        raise ValueError(f"unknown treatment option {treatment!r}; expected one of {TREATMENTS}")
    names = list(TREATMENT_TERMS[treatment])
    cols = [columns[name] for name in names]
    # Rows the model can use: complete rows; LAA areas only for stretch_laa_only.
    mask = np.isfinite(np.stack(cols)).all(axis=(0, 1))
    if treatment == "stretch_laa_only":
        mask &= anchor.target_on
    if ancova:
        cols, names = cols + [base], names + list(OUTCOME_EXTRA_TERMS["ancova"])
    return y, np.stack(cols, axis=-1), names, mask
