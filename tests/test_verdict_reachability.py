"""Reachability (specverse.study.verdict.reachability): the analytic no-effect expectation
of the Model 3 slope and R^2 agrees with batched simulation within Monte Carlo error,
and behaves as the mechanisms say it must."""

from __future__ import annotations

import numpy as np
import pytest

from _verdict_fixtures import prepared
from specverse.study.verdict.reachability import expected_slope_r2, model3_masks, reachability


@pytest.fixture(scope="module")
def table():
    _, _, design, _, centre = prepared()
    ref = {"design_effect": 1.5, "sd_level_2006": centre, "share_true_level": 0.3}
    return reachability(design, shares=[0.0, 0.5, 1.0], sd_changes=[1.5, 3.5], worlds=400, ref=ref,
                        seed=5, published_slope=0.651, published_se=0.090, published_r2=0.49)


def test_analytic_matches_simulation_within_monte_carlo_error(table):
    z_slope = (table["slope_analytic"] - table["slope_simulated"]) / table["slope_mc_se"]
    z_r2 = (table["r2_analytic"] - table["r2_simulated"]) / table["r2_mc_se"]
    assert (np.abs(z_slope) < 4).all(), table[["share_from_2008", "sd_change", "slope_analytic", "slope_simulated"]]
    assert (np.abs(z_r2) < 4).all(), table[["share_from_2008", "sd_change", "r2_analytic", "r2_simulated"]]
    assert (table["worlds"] == 400).all()


def test_mechanisms_move_the_expected_slope_as_derived(table):
    by = table.set_index(["sd_change", "share_from_2008"])["slope_analytic"]
    for s in (1.5, 3.5):
        assert by[(s, 0.0)] < by[(s, 0.5)] < by[(s, 1.0)]  # more targets from 2008, more slope
    assert by[(3.5, 1.0)] > by[(1.5, 1.0)]  # a wider change puts more outcome into the stretch
    # the columns the map needs, and the published contours' levels
    assert {"p_slope_ge_published", "p_slope_ge_lower_bound", "p_r2_ge_published"} <= set(table.columns)
    assert table["lower_bound_slope"].iloc[0] == pytest.approx(0.651 - 1.645 * 0.090)


def test_targets_from_the_published_2006_figure_give_no_slope():
    """Rule (a) only: the stretch is drawn independently of the outcome: slope exactly 0 in expectation."""
    _, _, design, _, centre = prepared()
    masks = model3_masks(design, 1, count=8)
    ref = {"design_effect": 1.5, "sd_level_2006": centre, "share_true_level": 0.0}
    slope, r2 = expected_slope_r2(design, 0.0, 3.0, ref, masks)
    assert abs(slope) < 1e-12 and 0 < r2 < 0.2
