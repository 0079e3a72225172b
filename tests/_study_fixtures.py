"""A schema-conforming dataset of made-up areas (someone else's data, not the embedded one)."""

import numpy as np
import pandas as pd

from specverse.study.schema import LA_TYPES, SCHEMA_COLUMNS


def random_user_frame(n: int = 60, seed: int = 7) -> pd.DataFrame:
    """n areas with random but valid values; a third without a target, some targets unknown."""
    rng = np.random.default_rng(seed)
    la_type = np.array(LA_TYPES)[np.arange(n) % 4]
    target_on = (rng.uniform(size=n) < 0.6).astype(int)
    target_on[:4] = [1, 1, 0, 0]
    ni1_2006 = rng.uniform(55, 90, n)
    ni1_2008 = np.clip(ni1_2006 + rng.normal(-2, 4, n), 1, 99)
    target = np.where(target_on == 1, np.clip(ni1_2006 + rng.normal(1, 4, n), 1, 99), np.nan)
    target[np.flatnonzero(target_on)[:3]] = np.nan  # unknown targets
    lsp = np.where(rng.uniform(size=n) < 0.1, ni1_2006 - 2, np.nan)
    df = pd.DataFrame({
        "area_code": [f"X{i:05d}" for i in range(n)],
        "area_name": [f"Area {i}" for i in range(n)],
        "la_type": la_type,
        "ni1_2006": ni1_2006,
        "ni1_2008": ni1_2008,
        "ni1_2006_lsp": lsp,
        "target_on": target_on,
        "target_2011": target,
        "deprivation": rng.uniform(5, 45, n),
        "ethnic_diversity": rng.uniform(300, 8000, n),
        "age_diversity": rng.normal(8700, 60, n),
        "social_class_diversity": rng.normal(8780, 60, n),
        "population": rng.integers(30_000, 1_300_000, n),
        "population_density": rng.uniform(50, 15_000, n),
        "population_growth": rng.normal(0.7, 0.8, n),
        "nrf_area": rng.integers(0, 2, n),
    })
    return df[list(SCHEMA_COLUMNS)]
