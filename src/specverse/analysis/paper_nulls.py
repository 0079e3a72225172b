"""The null and bootstrap distributions behind the paper's two findings: for Model 2
(target_on) and Model 3 (stretch) as the multiverse fits them (published baseline,
% change, Table 2 controls, all areas, OLS), the studentized draws of every resampling
method -- the very draws the specification table's p-values count (same seeds) --
with the observed and the published t.

Tables: ``draws`` (scenario, model, term, method, t_star) and ``tests`` (scenario,
model, term, method, t_observed, t_published, draws, p, p_table).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from specverse.engine import resample_draws, spec_seed
from specverse.study.cell_models import model_inputs
from specverse.study.plan import Spec

#: Table 2's model number -> the multiverse treatment that is it, and its term.
PAPER_MODELS = {2: ("target_on", "target_on"), 3: ("stretch_2006", "target_stretch")}
#: The paper's choice on every other dimension.
PAPER_SPEC = {"baseline": "published", "outcome": "pct_change", "controls": "full", "sample": "all",
              "estimator": "ols"}
P_COLUMN = {"wild": "p_wild", "pairs": "p_pairs", "permutation": "p_perm"}


def paper_spec(scenario: str, model: int, se_type: str) -> Spec:
    treatment, _ = PAPER_MODELS[model]
    return Spec(scenario=scenario, treatment=treatment, se_type=se_type, **PAPER_SPEC)


def paper_model_draws(variants: Mapping[tuple[str, str], pd.DataFrame], scenario: str, *, seed: int,
                      inference: Mapping, table2: pd.DataFrame | None = None,
                      specs: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(draws, tests) of both paper models in one scenario (see the module docstring).

    ``table2`` (results/replication/table2.csv) supplies the published t; ``specs`` (the
    specification table) the p-values the table reports, set beside the recomputed ones.
    """
    methods = tuple(inference.get("methods", ()))
    se_type = inference.get("se_type", "HC1")
    draws, tests = [], []
    for model, (treatment, term) in PAPER_MODELS.items():
        spec = paper_spec(scenario, model, se_type)
        inputs = model_inputs(variants, spec)
        got = resample_draws(
            inputs["y"], inputs["regressors"], inputs["spec"], weights=inputs["weights"],
            estimator=inputs["estimator"], seed=spec_seed(seed, inputs["seed_identity"]), methods=methods,
            draws=int(inference.get("draws", 999)), wild_weights=inference.get("wild_weights", "rademacher"),
            permutation=inference.get("permutation", "freedman_lane"), se_type=se_type,
        )
        if got["status"] != "ok":
            raise ValueError(f"Model {model} ({scenario}) cannot be resampled: {got['status']}")
        key = {"scenario": scenario, "model": model, "term": term}
        for method in methods:
            t_star = got[method][:, 0]
            draws.append(pd.DataFrame({**key, "method": method, "t_star": t_star}))
            tests.append({**key, "method": method, "t_observed": float(got["t"][0]),
                          "t_published": _published_t(table2, model, term), "draws": int(t_star.size),
                          "p": float(got["p"][method][0]),
                          "p_table": _table_p(specs, spec, term, P_COLUMN[method])})
    return pd.concat(draws, ignore_index=True), pd.DataFrame(tests)


def _published_t(table2: pd.DataFrame | None, model: int, term: str) -> float:
    if table2 is None:
        return np.nan
    hit = table2[(table2["model"] == model) & (table2["term"] == term)]
    if hit.empty:
        return np.nan
    return float(hit["published_estimate"].iloc[0] / hit["published_std_error"].iloc[0])


def _table_p(specs: pd.DataFrame | None, spec: Spec, term: str, column: str) -> float:
    if specs is None:
        return np.nan
    hit = specs[(specs["spec_id"] == spec.spec_id) & (specs["term"] == term)]
    return float(hit[column].iloc[0]) if len(hit) and column in hit else np.nan
