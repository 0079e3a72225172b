"""Synthetic tables with exactly the columns of the real outputs, for the figures tests.

specifications.csv (contract 3), results/replication/table2.csv and
results/data/codebook.csv.  Estimates follow a known additive model in the
options so that decompositions have a checkable structure.
"""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pandas as pd
from scipy import stats

CONTROL_TERMS = [
    "deprivation", "age_diversity", "ethnic_diversity", "social_class_diversity",
    "log_population", "log_population_density", "population_growth", "nrf_area",
    "london_borough", "metropolitan_borough", "county_council",
]
BLOCKS = {
    "deprivation": ["deprivation"],
    "diversity": ["age_diversity", "ethnic_diversity", "social_class_diversity"],
    "size": ["log_population", "log_population_density", "population_growth"],
    "funding": ["nrf_area"],
    "structure": ["london_borough", "metropolitan_borough", "county_council"],
}


def control_options(size: str = "small") -> dict[str, list[str]]:
    """Controls option -> control terms; 'large' gives the default multiverse's ~44 options."""
    opts = {"full": list(CONTROL_TERMS), "none": []}
    drops = CONTROL_TERMS if size == "large" else CONTROL_TERMS[:2]
    for t in drops:
        opts[f"drop_{t}"] = [c for c in CONTROL_TERMS if c != t]
    names = list(BLOCKS)
    subsets = [s for r in range(1, len(names)) for s in itertools.combinations(names, r)]
    if size != "large":
        subsets = subsets[:2]
    for s in subsets:
        opts["blocks_" + "_".join(s)] = [t for b in s for t in BLOCKS[b]]
    return opts


def specifications(
    scenarios=("causal", "mechanical"),
    treatments=("target_on", "stretch_2006", "target_on_and_stretch"),
    size: str = "small",
    seed: int = 1,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dims = {
        "baseline": ["published", "lsp_preferred"],
        "outcome": ["pct_change", "point_change", "log_ratio", "ancova"],
        "controls": list(control_options(size)),
        "sample": ["all", "no_london", "no_counties", "no_influential", "common_131"],
        "estimator": ["ols", "wls_population", "huber"],
        "se_type": ["HC1", "HC3", "classical"],
    }
    if size == "small":
        dims["outcome"] = dims["outcome"][:2]
        dims["sample"] = dims["sample"][:2]
        dims["estimator"] = dims["estimator"][:2]
    ctl = control_options(size)
    effect = {d: {o: rng.normal(0, 0.15) for o in opts} for d, opts in dims.items()}
    for d in effect:
        effect[d][dims[d][0]] = 0.0
    effect["se_type"] = {o: 0.0 for o in dims["se_type"]}  # SE type never moves an estimate
    rows = []
    for scen, treat in itertools.product(scenarios, treatments):
        terms = ["target_on", "target_stretch"] if treat == "target_on_and_stretch" else [
            "target_on" if treat == "target_on" else "target_stretch"
        ]
        for term in terms:
            base = {"target_on": 0.9, "target_stretch": 0.6}[term] * (1.0 if scen == "causal" else 0.3)
            for combo in itertools.product(*dims.values()):
                ch = dict(zip(dims, combo))
                noise = rng.normal(0, 0.05)
                est = base + sum(effect[d][ch[d]] for d in dims) + noise
                se = abs(0.4 + 0.1 * rng.standard_normal()) * (1.1 if ch["se_type"] == "HC3" else 1.0)
                df = 120
                t = est / se
                p2 = 2 * stats.t.sf(abs(t), df)
                p1 = stats.t.sf(t, df)
                q = stats.t.ppf(0.975, df)
                ident = "|".join([scen, treat, *combo])
                controls_terms = ctl[ch["controls"]] + (["ni1_2006"] if ch["outcome"] == "ancova" else [])
                if treat == "target_on_and_stretch":
                    controls_terms = [("target_stretch" if term == "target_on" else "target_on")] + controls_terms
                bad = rng.random() < 0.01
                rows.append({
                    "spec_id": hashlib.blake2b(ident.encode(), digest_size=8).hexdigest(),
                    "scenario": scen, **{k: ch[k] for k in ("baseline", "outcome")},
                    "treatment": treat, "term": term,
                    **{k: ch[k] for k in ("controls", "sample", "estimator", "se_type")},
                    "control_terms": ";".join(controls_terms),
                    "estimate": np.nan if bad else est, "std_error": np.nan if bad else se,
                    "t": t, "df": df, "p_two_tailed": p2, "p_one_tailed": p1,
                    "ci_low": est - q * se, "ci_high": est + q * se,
                    "n": 150, "r_squared": 0.2, "status": "rank_deficient" if bad else "ok",
                    "p_wild": min(1, p2 * rng.uniform(0.8, 1.25)), "ci_wild_low": est - 1.1 * q * se,
                    "ci_wild_high": est + 1.1 * q * se,
                    "p_pairs": min(1, p2 * rng.uniform(0.8, 1.25)), "ci_pairs_low": est - q * se,
                    "ci_pairs_high": est + q * se,
                    "p_perm": min(1, p2 * rng.uniform(0.8, 1.25)),
                })
    return pd.DataFrame(rows)


def table2(scenarios=("causal", "mechanical"), seed: int = 2) -> pd.DataFrame:
    pub = {
        1: {"deprivation": (-0.032, 0.065), "metropolitan_borough": (-2.481, 1.055), "const": (51.067, 64.153)},
        2: {"target_on": (0.952, 0.659), "deprivation": (-0.043, 0.066), "metropolitan_borough": (-2.702, 1.092),
            "const": (68.578, 64.979)},
        3: {"target_stretch": (0.651, 0.090), "deprivation": (-0.007, 0.047),
            "metropolitan_borough": (-1.802, 1.117), "const": (110.472, 54.655)},
    }
    rng = np.random.default_rng(seed)
    rows = []
    for scen in scenarios:
        for model, terms in pub.items():
            for term, (b, se) in terms.items():
                est = b + rng.normal(0, se / 3)
                s = se * rng.uniform(0.8, 1.2)
                t = est / s
                p1 = stats.t.sf(t, 130)
                rows.append({
                    "scenario": scen, "model": model, "term": term, "estimate": est, "std_error": s,
                    "t": t, "p_one_tailed": p1, "p_two_tailed": 2 * stats.t.sf(abs(t), 130),
                    "stars": "**" if p1 <= 0.01 else "*" if p1 <= 0.05 else "+" if p1 <= 0.1 else "",
                    "published_estimate": b, "published_std_error": se, "published_stars": "",
                })
    return pd.DataFrame(rows)


def codebook() -> pd.DataFrame:
    rows = [
        ("ni1_2008", "NI1 2008", "%", "Place Survey", "observed"),
        ("ni1_2006", "NI1 2006", "%", "simulated to Table 1", "simulated"),
        ("target_on", "NI1 target", "0/1", "simulated", "simulated"),
        ("target_2011", "target", "%", "simulated", "simulated"),
        ("ethnic_diversity", "index", "index", "simulated", "simulated"),
        ("deprivation", "IMD", "score", "CLG", "observed"),
        ("nrf_area", "NRF", "0/1", "deprivation rank", "proxy"),
    ]
    return pd.DataFrame(rows, columns=["column", "definition", "unit", "source", "provenance"])


def variant_frame(n: int = 60, seed: int = 3, baseline: str = "published") -> pd.DataFrame:
    """A small data variant (the columns a joint test or null figure reads), real-looking types."""
    rng = np.random.default_rng(seed)
    la = rng.choice(["London borough", "Metropolitan borough", "County council", "Unitary authority"], size=n)
    df = pd.DataFrame({
        "area_code": [f"E{i:08d}" for i in range(n)],
        "la_type": la,
        "baseline": baseline,
        "target_on": (rng.random(n) < 0.55).astype(float),
        "deprivation": rng.normal(23, 9, n),
        "age_diversity": rng.normal(8700, 60, n),
        "ethnic_diversity": rng.gamma(2, 1200, n),
        "social_class_diversity": rng.normal(8780, 60, n),
        "log_population": rng.normal(12.4, 0.6, n),
        "log_population_density": rng.normal(7, 1.2, n),
        "population_growth": rng.normal(2, 1.5, n),
        "nrf_area": (rng.random(n) < 0.45).astype(float),
        "london_borough": (la == "London borough").astype(float),
        "metropolitan_borough": (la == "Metropolitan borough").astype(float),
        "county_council": (la == "County council").astype(float),
        "population": rng.uniform(5e4, 1.2e6, n),
    })
    stretch = np.where(df["target_on"] == 1, rng.normal(1, 4, n), 0.0)
    stretch[rng.choice(n, 5, replace=False)] = np.nan
    df["target_stretch"] = stretch
    noise = rng.standard_normal(n) * (1 + 0.5 * (df["nrf_area"].to_numpy()))
    df["pct_change"] = -3 + 0.6 * np.nan_to_num(stretch) + 0.8 * df["target_on"] - 0.05 * df["deprivation"] + 2 * noise
    df["ni1_2006"] = rng.normal(77, 6, n)
    df["ni1_2008"] = df["ni1_2006"] * (1 + df["pct_change"] / 100)
    df["point_change"] = df["ni1_2008"] - df["ni1_2006"]
    return df
