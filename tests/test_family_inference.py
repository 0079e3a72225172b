"""Family-level inference on an evaluated multiverse: Romano-Wolf p-values against a plain
statsmodels loop with the family's own wild weights and a plain-loop step-down; the
sensitivity columns of the table's own models against PySensemakr on statsmodels fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sensemakr as smkr
import statsmodels.api as sm

from specverse.analysis import confounding
from specverse.analysis.familywise import familywise_table
from specverse.analysis.models import model_table
from specverse.engine import spec_seed
from specverse.engine.resampling.shared_draws import SharedDraws
from specverse.study import plan, variants as variant_tables
from specverse.study.evaluate import evaluate_cell_and_draws
from specverse.study.wild_null import WildNull

pytestmark = pytest.mark.filterwarnings("ignore:divide by zero encountered in scalar divide:RuntimeWarning")
DRAWS = 99


@pytest.fixture(scope="module")
def family(make_areas, load_config):
    analysis = make_areas(n=90, seed=21, scenarios=("causal",))
    variants = {("causal", b): variant_tables.build_variant(analysis, "causal", b) for b in ("published",)}
    config = load_config("test.yaml")
    config["data"]["scenarios"] = ["causal"]
    config["multiverse"].update(baseline=["published"], outcome=["pct_change", "point_change"],
                                treatment=["stretch_2006"], controls=["full", "leave_one_out"],
                                sample=["all", "no_london"], estimator=["ols", "wls_population"],
                                se_type=["HC1", "classical"])
    config["inference"].update(draws=DRAWS, methods=["wild"])
    cell = evaluate_cell_and_draws(variants, plan.build_multiverse(config), {}, seed=config["seed"],
                                   inference=config["inference"])
    specs = cell.table
    models = model_table(specs, studentized="HC1", headline="wild")
    return variants, config, specs, models, cell.wild_null


def _design(variant, row):
    """The model's rows and design, rebuilt by hand from the variant table."""
    rows = variant_tables.sample_rows(variant, row.sample, row.treatment)
    controls = [c for c in row.control_terms.split(";") if c]
    y_col = plan.OUTCOME_COLUMN[row.outcome]
    data = variant.loc[rows, [y_col, "target_stretch", *controls, "population"]].dropna()
    X = sm.add_constant(data[["target_stretch", *controls]].to_numpy(float), prepend=False)
    w = data["population"].to_numpy(float) if row.estimator == "wls_population" else None
    return data.index.to_numpy(), data[y_col].to_numpy(float), X, w


def _reference_step_down(t_obs, t_star):
    order = np.argsort(-np.abs(t_obs))
    p = np.empty(len(t_obs))
    running = 0.0
    for step, h in enumerate(order):
        rest = order[step:]
        mx = np.abs(t_star[:, rest]).max(axis=1)
        running = max(running, (1 + np.sum(mx >= np.abs(t_obs[h]) * (1 - 1e-9))) / (1 + t_star.shape[0]))
        p[h] = running
    return p


def test_romano_wolf_equals_a_plain_statsmodels_loop(family):
    variants, config, _, models, wild_null = family
    got = familywise_table(models, wild_null)
    variant = variants[("causal", "published")]
    fam = models[(models["status"] == "ok") & ~models["post_selection"]].sort_values("model_id")
    shared = SharedDraws(spec_seed(config["seed"], "family;scenario=causal;treatment=stretch_2006"), len(variant),
                         DRAWS)
    t_obs, t_star = [], []
    for row in fam.itertuples(index=False):
        rows, y, X, w = _design(variant, row)
        sw = np.ones(len(y)) if w is None else np.sqrt(w)
        full = (sm.WLS(y, X, weights=w) if w is not None else sm.OLS(y, X)).fit(cov_type="HC1")
        restricted = (sm.WLS(y, X[:, 1:], weights=w) if w is not None else sm.OLS(y, X[:, 1:])).fit()
        V = shared.wild_matrix(np.flatnonzero(np.isin(np.arange(len(variant)), rows)))
        stars = []
        for b in range(DRAWS):
            # WLS: the sqrt-weighted residuals are flipped, i.e. the raw ones
            y_star = restricted.fittedvalues + restricted.resid * V[:, b]
            fit = (sm.WLS(y_star, X, weights=w) if w is not None else sm.OLS(y_star, X)).fit(cov_type="HC1")
            stars.append(fit.tvalues[0])
        t_obs.append(full.tvalues[0])
        t_star.append(stars)
        assert (1 + np.sum(np.abs(stars) >= abs(full.tvalues[0]) * (1 - 1e-9))) / (1 + DRAWS) == row.p_wild
    ref = pd.DataFrame({"model_id": fam["model_id"].to_numpy(),
                        "p_ref": _reference_step_down(np.array(t_obs), np.array(t_star).T)})
    both = got.merge(ref, on="model_id")
    assert len(both) == len(fam) == both["family_size"].iloc[0]
    np.testing.assert_array_equal(both["p_romano_wolf"], both["p_ref"])
    merged = fam.merge(got, on=["model_id", "term"])
    assert (merged["p_romano_wolf"] >= merged["p_wild"]).all()


def test_sensitivity_of_the_tables_models_equals_sensemakr(family):
    variants, _, specs, _, _ = family
    table = confounding.sensitivity_table(specs, variants)
    variant = variants[("causal", "published")]
    classical = specs[(specs["se_type"] == "classical") & (specs["controls"] == "full")]
    for row in classical.head(4).itertuples(index=False):
        _, y, X, w = _design(variant, row)
        out = (sm.WLS(y, X, weights=w) if w is not None else sm.OLS(y, X)).fit()
        got = table.set_index(["model_id", "term"]).loc[(row.model_id, row.term)]
        t, dof = out.tvalues[0], out.df_resid
        np.testing.assert_allclose(got["partial_r2"], smkr.partial_r2(t_statistic=t, dof=dof), rtol=1e-9)
        np.testing.assert_allclose(got["rv_q1"], smkr.robustness_value(t_statistic=np.array([t]), dof=dof, q=1,
                                                                         alpha=1.0)[0], rtol=1e-9)
        np.testing.assert_allclose(got["rv_q1_alpha05"], smkr.robustness_value(t_statistic=np.array([t]), dof=dof,
                                                                                 q=1, alpha=0.05)[0], rtol=1e-9)
        # deprivation as the benchmark: its partial R^2 with the outcome and with the treatment
        j = 1 + row.control_terms.split(";").index("deprivation")
        d_fit = (sm.WLS(X[:, 0], X[:, 1:], weights=w) if w is not None else sm.OLS(X[:, 0], X[:, 1:])).fit()
        r2d = smkr.partial_r2(t_statistic=d_fit.tvalues[j - 1], dof=d_fit.df_resid)
        r2y = smkr.partial_r2(t_statistic=out.tvalues[j], dof=dof)
        k = got["benchmark_deprivation_q1"]
        bound = smkr.ovb_partial_r2_bound(r2dxj_x=r2d, r2yxj_dx=r2y, kd=[k])
        adjusted = smkr.adjusted_estimate(bound["r2dz_x"].to_numpy(), bound["r2yz_dx"].to_numpy(),
                                          estimate=float(out.params[0]), se=float(out.bse[0]), dof=int(dof))
        assert abs(adjusted[0]) < 1e-6 * abs(out.params[0])  # k times deprivation explains it away exactly
        assert got["benchmark_strongest_q1"] <= k + 1e-12


def test_romano_wolf_does_not_depend_on_the_fan_out(family, tmp_path):
    """A family split over cells (here by sample) keeps the same draws: the cells' saved
    wild t*, loaded side by side, give the Romano-Wolf p-values of the whole family."""
    variants, config, _, models, whole = family
    universe = plan.build_multiverse(config)
    paths = []
    for sample in universe.options["sample"]:
        part = evaluate_cell_and_draws(variants, universe, {"sample": sample}, seed=config["seed"],
                                       inference=config["inference"])
        paths.append(tmp_path / f"{sample}.npz")
        part.wild_null.save(paths[-1])
    split = WildNull.load(paths)
    assert split.t_star.shape == whole.t_star.shape and split.t_star.dtype == np.float32
    key = lambda w: sorted(zip(w.model_id, w.term))  # noqa: E731
    assert key(split) == key(whole)
    pd.testing.assert_frame_equal(familywise_table(models, split), familywise_table(models, whole))
    assert not list(tmp_path.glob(".*"))  # atomic writes leave no temporary file


def test_wild_null_files_must_share_their_draws(family, tmp_path):
    *_, whole = family
    whole.save(tmp_path / "a.npz")
    WildNull(whole.model_id, whole.term, whole.t, whole.t_star[:10]).save(tmp_path / "b.npz")
    with pytest.raises(ValueError, match="drawn \\[10, 99\\] times"):
        WildNull.load([tmp_path / "a.npz", tmp_path / "b.npz"])
