"""Synthetic tables with exactly the columns of the real outputs, for the figures and
aggregates tests: results/multiverse/models.parquet, results/replication/table2.csv,
results/data/codebook.csv and the paper-null tables.  Estimates follow a known additive
model in the options so that decompositions have a checkable structure.
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


def models(
    scenarios=("causal", "mechanical"),
    treatments=("target_on", "stretch_2006", "target_on_and_stretch"),
    size: str = "small",
    seed: int = 1,
) -> pd.DataFrame:
    """A model table (specverse.analysis.models: one row per model x term, every inference
    method side by side); estimates follow a known additive model in the options."""
    rng = np.random.default_rng(seed)
    dims = {
        "baseline": ["published", "lsp_preferred"],
        "outcome": ["pct_change", "point_change", "log_ratio", "ancova"],
        "controls": list(control_options(size)),
        "sample": ["all", "no_london", "no_counties", "no_influential", "common_131"],
        "estimator": ["ols", "wls_population", "huber"],
    }
    if size == "small":
        dims["outcome"] = dims["outcome"][:2]
        dims["sample"] = dims["sample"][:2]
        dims["estimator"] = dims["estimator"][:2]
    ctl = control_options(size)
    effect = {d: {o: rng.normal(0, 0.15) for o in opts} for d, opts in dims.items()}
    for d in effect:
        effect[d][dims[d][0]] = 0.0
    rows = []
    for scen, treat in itertools.product(scenarios, treatments):
        terms = ["target_on", "target_stretch"] if treat == "target_on_and_stretch" else [
            "target_on" if treat == "target_on" else "target_stretch"
        ]
        for term in terms:
            base = {"target_on": 0.9, "target_stretch": 0.6}[term] * (1.0 if scen == "causal" else 0.3)
            for combo in itertools.product(*dims.values()):
                ch = dict(zip(dims, combo))
                est = base + sum(effect[d][ch[d]] for d in dims) + rng.normal(0, 0.05)
                se = abs(0.4 + 0.1 * rng.standard_normal())
                df = 120
                t = est / se
                p2 = 2 * stats.t.sf(abs(t), df)
                q = stats.t.ppf(0.975, df)
                ident = "|".join([scen, treat, *combo])
                controls_terms = ctl[ch["controls"]] + (["ni1_2006"] if ch["outcome"] == "ancova" else [])
                if treat == "target_on_and_stretch":
                    controls_terms = [("target_stretch" if term == "target_on" else "target_on")] + controls_terms
                bad = rng.random() < 0.01
                huber = ch["estimator"] == "huber"
                p_wild = np.nan if huber else min(1, p2 * rng.uniform(0.8, 1.25))
                rows.append({
                    "model_id": hashlib.blake2b(ident.encode(), digest_size=6).hexdigest(),
                    "scenario": scen, **{k: ch[k] for k in ("baseline", "outcome")},
                    "treatment": treat, "term": term,
                    **{k: ch[k] for k in ("controls", "sample", "estimator")},
                    "post_selection": ch["sample"] == "no_influential",
                    "control_terms": ";".join(controls_terms),
                    "n": 150, "r_squared": 0.2, "status": "rank_deficient" if bad else "ok",
                    "resample_status": "ok", "se_type": "huber_h1" if huber else "HC1",
                    "estimate": np.nan if bad else est, "std_error": np.nan if bad else se,
                    "t": t, "df": np.inf if huber else df, "p_two_tailed": p2, "p_greater": stats.t.sf(t, df),
                    "ci_low": est - q * se, "ci_high": est + q * se,
                    "estimate_common": np.nan if bad else est, "std_error_common": np.nan if bad else se,
                    "ci_low_common": est - q * se, "ci_high_common": est + q * se,
                    "common_scale": f"{ch['outcome']}: as estimated (% of the 2006 baseline)",
                    "p_wild": p_wild, "ci_wild_low": est - 1.1 * q * se, "ci_wild_high": est + 1.1 * q * se,
                    "p_pairs": min(1, p2 * rng.uniform(0.8, 1.25)), "ci_pairs_low": est - q * se,
                    "ci_pairs_high": est + q * se,
                    "p_perm": np.nan if huber else min(1, p2 * rng.uniform(0.8, 1.25)),
                    "p_HC1": np.nan if huber else p2, "p_HC3": np.nan if huber else min(1, p2 * 1.2),
                    "p_classical": np.nan if huber else min(1, p2 * 0.9), "p_huber": p2 if huber else np.nan,
                    "p_headline": p_wild,
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
                    "t": t, "p_one_tailed_same_sign": p1, "p_two_tailed": 2 * stats.t.sf(abs(t), 130),
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


def paper_null_draws(scenario: str, draws: int = 99, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(draws, tests) in the format of specverse.analysis.paper_nulls, for the figure."""
    rng = np.random.default_rng(seed)
    rows, tests = [], []
    for model, term, t_obs, t_pub in ((2, "target_on", 1.9, 1.44), (3, "target_stretch", 6.2, 7.23)):
        for method in ("wild", "pairs", "permutation"):
            t_star = rng.standard_t(8, draws)
            rows.append(pd.DataFrame({"scenario": scenario, "model": model, "term": term, "method": method,
                                      "t_star": t_star}))
            p = (1 + np.sum(np.abs(t_star) >= abs(t_obs))) / (1 + draws)
            tests.append({"scenario": scenario, "model": model, "term": term, "method": method,
                          "t_observed": t_obs, "t_published": t_pub, "draws": draws, "p": p, "p_table": p})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(tests)
