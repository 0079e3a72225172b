"""The draws behind the paper's two models' p-values (analysis.paper_nulls): the same
draws the specification table counts, so the recomputed p-values equal the table's."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from specverse.analysis.paper_nulls import paper_model_draws, paper_spec
from specverse.engine import spec_seed
from specverse.engine.resampling.shared_draws import SharedDraws
from specverse.study.cell_models import model_inputs
from specverse.study.evaluate import evaluate_cell
from specverse.study.plan import build_multiverse
from specverse.study.variants import build_variant


@pytest.fixture(scope="module")
def setup(make_areas, load_config):
    analysis = make_areas(n=70, seed=5, scenarios=("causal",))
    variants = {("causal", b): build_variant(analysis, "causal", b) for b in ("published", "lsp_preferred")}
    config = load_config("test.yaml")
    config["data"]["scenarios"] = ["causal"]
    config["multiverse"].update(baseline=["published"], outcome=["pct_change"], controls=["full"],
                                sample=["all"], estimator=["ols"], treatment=["target_on", "stretch_2006"])
    config["inference"]["draws"] = 49
    table = evaluate_cell(variants, build_multiverse(config), {}, seed=config["seed"],
                          inference=config["inference"])
    return variants, config, table


def test_recomputed_p_values_equal_the_table(setup):
    variants, config, table = setup
    draws, tests = paper_model_draws(variants, "causal", seed=config["seed"], inference=config["inference"],
                                     specs=table)
    assert len(tests) == 6 and (tests["draws"] == 49).all()
    np.testing.assert_array_equal(tests["p"].to_numpy(), tests["p_table"].to_numpy())
    assert np.isfinite(tests["p_table"]).all()
    assert set(draws["method"]) == {"wild", "pairs", "permutation"}


def test_a_wild_draw_is_a_statsmodels_refit(setup):
    variants, config, _ = setup
    draws, tests = paper_model_draws(variants, "causal", seed=config["seed"], inference=config["inference"])
    spec = paper_spec("causal", 3, "HC1")
    inputs = model_inputs(variants, spec)
    rows = inputs["spec"].mask & np.isfinite(inputs["y"])
    cols = list(inputs["spec"].terms) + list(inputs["spec"].controls)
    X = sm.add_constant(inputs["regressors"][np.ix_(rows, cols)], prepend=False)
    y = inputs["y"][rows]
    fit = sm.OLS(y, X).fit(cov_type="HC1")
    assert tests.query("model == 3").t_observed.iloc[0] == pytest.approx(fit.tvalues[0], rel=1e-10)
    restricted = sm.OLS(y, X[:, 1:]).fit()
    shared = SharedDraws(spec_seed(config["seed"], inputs["seed_identity"]), len(inputs["y"]), 49)
    v = shared.wild_matrix(np.flatnonzero(rows))[:, 0]  # the family's weights of the model's rows
    star = sm.OLS(restricted.fittedvalues + restricted.resid * v, X).fit(cov_type="HC1")
    got = draws.query("model == 3 and method == 'wild'").t_star.iloc[0]
    assert got == pytest.approx(star.tvalues[0], rel=1e-9)
