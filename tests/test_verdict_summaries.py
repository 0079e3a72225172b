"""The verdict's summaries of simulated studies (specverse.study.verdict.summaries) equal
statsmodels OLS with HC1 errors on each study's own rows, and plain numpy moments."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from _verdict_fixtures import centre_params, prepared
from specverse.engine import stream
from specverse.study.verdict.model import simulate_worlds
from specverse.study.verdict.published import SUMMARY_NAMES
from specverse.study.verdict.summaries import summarise


def reference(w, r, controls):
    """Every summary of world r by statsmodels and numpy, one regression at a time."""
    x, o, on, known = w.x[r], w.outcome[r], w.target_on[r].astype(float), w.known[r]
    rows3 = ~(w.target_on[r] & ~known)
    stretch = np.where(known, w.stretch[r], 0.0)[rows3]
    C = sm.add_constant(controls)
    m1 = sm.OLS(o, C).fit(cov_type="HC1")
    m2 = sm.OLS(o, np.column_stack([C, on])).fit(cov_type="HC1")
    m3 = sm.OLS(o[rows3], np.column_stack([C[rows3], stretch])).fit(cov_type="HC1")
    return {
        "t1_ni1_2006_mean": x.mean(), "t1_ni1_2006_sd": x.std(ddof=1),
        "t1_ni1_2006_min": x.min(), "t1_ni1_2006_max": x.max(),
        "t1_stretch_mean": stretch.mean(), "t1_stretch_sd": stretch.std(ddof=1),
        "t1_stretch_min": stretch.min(), "t1_stretch_max": stretch.max(),
        "t1_target_on_mean": on.mean(),
        "m2_target_on_coef": m2.params[-1], "m2_target_on_se": m2.bse[-1],
        "m3_stretch_coef": m3.params[-1], "m3_stretch_se": m3.bse[-1],
        "m1_r2": m1.rsquared, "m2_r2": m2.rsquared, "m3_r2": m3.rsquared,
        "m1_n": m1.nobs, "m2_n": m2.nobs, "m3_n": m3.nobs,
        "t1_ni1_2008_mean": w.y08[r].mean(), "t1_ni1_2008_sd": w.y08[r].std(ddof=1),
    }


@pytest.mark.parametrize("overrides", [
    {},
    {"effect_stretch": 0.5, "effect_target_on": 1.5, "share_from_2008": 0.8, "selection_on_baseline": 1.5},
])
def test_summaries_equal_statsmodels_hc1_to_1e10(overrides):
    _, _, design, _, _ = prepared()
    w = simulate_worlds(design, centre_params(6, **overrides), stream(11, f"t/summ/{len(overrides)}"))
    assert w.valid.all()
    S = summarise(w, design)
    for r in range(6):
        ref = reference(w, r, design.controls)
        got = dict(zip(SUMMARY_NAMES, S[r]))
        for name in SUMMARY_NAMES:
            assert got[name] == pytest.approx(ref[name], rel=1e-10, abs=1e-10), name


def test_impossible_worlds_get_infinite_summaries():
    _, _, design, _, _ = prepared()
    w = simulate_worlds(design, centre_params(4), stream(12, "t/summ/inf"))
    w.valid[[1, 3]] = False
    S = summarise(w, design)
    assert np.isinf(S[[1, 3]]).all() and np.isfinite(S[[0, 2]]).all()
