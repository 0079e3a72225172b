"""summary.json: counts of the specification table and, per treatment term and scenario,
the median estimate and the shares positive, significant and both."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from specverse.study.plan import DIMENSIONS


def summarize(table: pd.DataFrame, alpha: float) -> dict:
    """Counts, and per treatment x term x scenario the median estimate and the shares of the
    usable (status ok) rows that are positive, significant (two-tailed p < alpha) and both."""
    by_status = Counter(table["status"].astype(str))
    excluded = sum(v for k, v in by_status.items() if k.startswith("excluded"))
    summary = {
        "alpha": alpha,
        "counts": {
            "specifications": int(table["spec_id"].nunique()),
            "models": int(table.drop_duplicates([d for d in DIMENSIONS if d != "se_type"]).shape[0]),
            "rows": int(len(table)),
            "ok": int(by_status.get("ok", 0)),
            "excluded": int(excluded),
            "by_status": {k: int(v) for k, v in sorted(by_status.items())},
            "by_resample_status": {k: int(v) for k, v in sorted(Counter(table["resample_status"].astype(str)).items())},
        },
        "by_treatment_scenario": [],
    }
    ok = table[table["status"] == "ok"]
    for (treatment, term, scenario), g in ok.groupby(["treatment", "term", "scenario"], sort=True):
        est = g["estimate"].to_numpy(dtype=float)
        sig = g["p_two_tailed"].to_numpy(dtype=float) < alpha
        summary["by_treatment_scenario"].append(
            {
                "treatment": treatment,
                "term": term,
                "scenario": scenario,
                "rows": int(len(g)),
                "median_estimate": float(np.median(est)),
                "share_positive": float(np.mean(est > 0)),
                "share_significant": float(np.mean(sig)),
                "share_significant_positive": float(np.mean(sig & (est > 0))),
            }
        )
    return summary
