"""Shared inputs of the verdict tests: an analysis frame with the shipped public figures
(the real 2008 figures and the approximate controls of data/areas.csv) plus made-up
diversity indices, and the design, priors and settings built from it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from specverse.study.verdict import VerdictSettings, prepare

ROOT = Path(__file__).resolve().parents[1]
SEED = 20130501


@lru_cache(maxsize=1)
def analysis_frame() -> pd.DataFrame:
    areas = pd.read_csv(ROOT / "data" / "areas.csv")
    rng = np.random.default_rng(7)
    n = len(areas)
    out = areas[["area_code", "area_name", "la_type", "ni1_2008", "deprivation", "population",
                 "population_density", "population_growth", "nrf_area"]].copy()
    out["ethnic_diversity"] = np.clip(rng.gamma(1.2, 2000, n), 300, 9000)
    out["age_diversity"] = rng.normal(8729, 64, n)
    out["social_class_diversity"] = rng.normal(8780, 64, n)
    out["scenario"] = "mechanical"
    return out


def settings(**abc) -> VerdictSettings:
    section = {"abc": abc} if abc else {}
    return VerdictSettings.from_config({"seed": SEED, "verdict": section})


@lru_cache(maxsize=1)
def prepared():
    """(published, anchor, design, priors, level_centre) for the default settings."""
    return prepare(analysis_frame(), None, settings())


def centre_params(R: int, **overrides) -> dict:
    """R copies of a parameter vector at the prior's centre with no effects."""
    _, _, _, priors, centre = prepared()
    base = {
        "effect_stretch": 0.0, "effect_target_on": 0.0, "share_from_2008": 0.5, "share_true_level": 0.5,
        "selection_on_baseline": 0.0, "sd_change": 3.0, "sd_level_2006": centre,
        "design_effect": (priors["design_effect"].low + priors["design_effect"].high) / 2,
    }
    base.update(overrides)
    return {k: np.full(R, float(v)) for k, v in base.items()}
