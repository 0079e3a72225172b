"""A small simulated analysis table (schema of contract 1) for the multiverse unit tests.

Every value here is simulated for testing; nothing describes real areas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LA_TYPES = ["London borough", "Metropolitan borough", "County council", "Unitary authority"]


def simulated_analysis(n: int = 60, seed: int = 7, scenarios=("causal", "mechanical")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for s_i, scenario in enumerate(scenarios):
        r = np.random.default_rng([seed, s_i])
        la_type = np.array(LA_TYPES)[np.arange(n) % 4]
        target_on = (rng.random(n) < 0.6).astype(int) if s_i == 0 else frames[0]["target_on"].to_numpy()
        ni1_2006 = r.uniform(65, 88, n)
        ni1_2008 = np.clip(ni1_2006 + r.normal(-1, 3, n), 40, 99)
        target = np.where(target_on == 1, ni1_2006 + r.uniform(-3, 8, n), np.nan)
        target[np.flatnonzero(target_on == 1)[:5]] = np.nan  # some LAA targets unknown
        lsp = np.where((target_on == 1) & (r.random(n) < 0.2), ni1_2006 - r.uniform(1, 4, n), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "area_code": [f"E{i:08d}" for i in range(n)],
                    "area_name": [f"Area {i}" for i in range(n)],
                    "la_type": la_type,
                    "ni1_2006": ni1_2006,
                    "ni1_2008": ni1_2008,
                    "ni1_2006_lsp": lsp,
                    "target_on": target_on,
                    "target_2011": target,
                    "deprivation": r.uniform(5, 45, n),
                    "ethnic_diversity": r.uniform(400, 8000, n),
                    "age_diversity": r.uniform(8500, 8850, n),
                    "social_class_diversity": r.uniform(8550, 8930, n),
                    "population": r.uniform(4e4, 1.3e6, n),
                    "population_density": r.uniform(60, 14000, n),
                    "population_growth": r.normal(0.7, 0.8, n),
                    "nrf_area": (r.random(n) < 0.45).astype(int),
                    "scenario": scenario,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
