"""Evaluating cells of the multiverse: variants, rows, exclusions, aggregation, determinism."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from specverse import io
from specverse.analysis.models import model_table
from specverse.analysis.summary import summarize
from specverse.engine import ols_influence
from specverse.study import plan, spec_table, variants
from specverse.study import evaluate
from specverse.study.evaluate import evaluate_cell, evaluate_cell_and_draws
from specverse.study.wild_null import WildNull
from specverse.study.plan import build_multiverse

from _workflow_sandbox import run_results

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def analysis(make_areas):
    return make_areas(scenarios=("causal", "mechanical"))


@pytest.fixture(scope="module")
def variant_tables(analysis):
    return {
        (s, b): variants.build_variant(analysis, s, b)
        for s in ("causal", "mechanical")
        for b in ("published", "lsp_preferred")
    }


def small_config(load_config, **multiverse_options):
    config = load_config("test.yaml")
    config["multiverse"].update(multiverse_options)
    config["inference"]["draws"] = 49
    return config


@pytest.fixture(scope="module")
def table(variant_tables, load_config):
    config = small_config(
        load_config,
        outcome=["pct_change", "ancova"],
        treatment=["target_on", "stretch_2008", "stretch_laa_only", "target_on_and_stretch"],
        controls=["full", "leave_one_out", "none"],
        sample=["all", "no_london", "no_influential", "common_131"],
        se_type=["HC1", "HC3", "classical"],
    )
    universe = build_multiverse(config)
    return evaluate_cell(variant_tables, universe, {"scenario": "causal"}, seed=config["seed"], inference=config["inference"])


# --- data variants ---------------------------------------------------------------------


def test_variant_outcomes_and_stretches_follow_the_baseline(analysis):
    raw = analysis[analysis["scenario"] == "causal"].reset_index(drop=True)
    for baseline in ("published", "lsp_preferred"):
        v = variants.build_variant(analysis, "causal", baseline)
        lsp = raw["ni1_2006_lsp"].to_numpy()
        b = raw["ni1_2006"].to_numpy() if baseline == "published" else np.where(np.isnan(lsp), raw["ni1_2006"], lsp)
        y08 = raw["ni1_2008"].to_numpy()
        np.testing.assert_allclose(v["ni1_2006"], b, rtol=0, atol=0)
        np.testing.assert_allclose(v["ni1_2006_published"], raw["ni1_2006"], rtol=0, atol=0)
        np.testing.assert_allclose(v["pct_change"], 100 * (y08 - b) / b, rtol=1e-14)
        np.testing.assert_allclose(v["point_change"], y08 - b, rtol=1e-14)
        np.testing.assert_allclose(v["log_ratio"], 100 * np.log(y08 / b), rtol=1e-14)
        on = raw["target_on"].to_numpy() == 1
        t = raw["target_2011"].to_numpy()
        np.testing.assert_allclose(v["target_stretch"], np.where(on, 100 * (t - b) / b, 0.0), rtol=1e-14)
        np.testing.assert_allclose(v["target_stretch_2008"], np.where(on, 100 * (t - y08) / y08, 0.0), rtol=1e-14)
        # the stretch is missing exactly where an LAA target is unknown; common rows are the rest
        assert (np.isnan(v["target_stretch"]) == (on & np.isnan(t))).all()
        assert (v["common_complete"] == ~(on & np.isnan(t))).all()
    published = variants.build_variant(analysis, "causal", "published")
    preferred = variants.build_variant(analysis, "causal", "lsp_preferred")
    has_lsp = raw["ni1_2006_lsp"].notna().to_numpy()
    assert has_lsp.any()
    assert (published["pct_change"] != preferred["pct_change"]).to_numpy().tolist() == has_lsp.tolist()


def test_cooks_distance_matches_statsmodels(variant_tables):
    sm = pytest.importorskip("statsmodels.api")
    v = variant_tables[("causal", "published")]
    cols = ["target_stretch", *plan.CONTROL_TERMS]
    used = v[["pct_change", *cols]].notna().all(axis=1).to_numpy()
    X = sm.add_constant(v.loc[used, cols].to_numpy(float), prepend=False)
    y = v.loc[used, "pct_change"].to_numpy(float)
    ref = sm.OLS(y, X).fit().get_influence().cooks_distance[0]
    np.testing.assert_allclose(ols_influence(y, X)["cooks_distance"], ref, rtol=1e-10)
    flagged = variants.influential_rows(v, "stretch_2006")
    assert flagged[used].tolist() == (ref > 4 / used.sum()).tolist()
    assert not flagged[~used].any()


def test_samples(variant_tables):
    v = variant_tables[("causal", "published")]
    london = (v["la_type"] == "London borough").to_numpy()
    assert not variants.sample_rows(v, "no_london", "target_on")[london].any()
    assert variants.sample_rows(v, "no_london", "target_on")[~london].all()
    laa = variants.sample_rows(v, "all", "stretch_laa_only")
    assert (laa == (v["target_on"] == 1).to_numpy()).all()
    infl = variants.sample_rows(v, "no_influential", "target_on")
    assert (~infl == v["influential__target_on"].to_numpy()).all() and (~infl).any()
    with pytest.raises(ValueError, match="unknown sample"):
        variants.sample_rows(v, "no_wales", "target_on")


def test_missing_scenario_is_a_clear_error(analysis):
    with pytest.raises(ValueError, match="no rows with scenario='observed'"):
        variants.build_variant(analysis, "observed", "published")


# --- rows of the table -----------------------------------------------------------------


def test_table_columns_and_one_row_per_spec_and_term(table):
    assert list(table.columns) == list(spec_table.TABLE_COLUMNS)
    assert not table.duplicated(["spec_id", "term"]).any()
    both = table[table["treatment"] == "target_on_and_stretch"]
    assert set(both["term"]) == {"target_on", "target_stretch"}
    assert (both.groupby("spec_id")["term"].count() == 2).all()
    assert set(table.loc[table["treatment"] == "stretch_2008", "term"]) == {"target_stretch_2008"}
    # every spec id is the hash of the row's choices
    for row in table.sample(20, random_state=0).itertuples():
        spec = plan.Spec(*(getattr(row, d) for d in plan.DIMENSIONS))
        assert row.spec_id == spec.spec_id


def test_control_terms(table):
    def terms(**where):
        rows = table
        for k, val in where.items():
            rows = rows[rows[k] == val]
        return set(rows["control_terms"])

    full = ";".join(plan.CONTROL_TERMS)
    assert terms(controls="full", sample="all", outcome="pct_change") == {full}
    assert terms(controls="full", sample="all", outcome="ancova") == {full + ";ni1_2006"}
    assert terms(controls="none", outcome="ancova") == {"ni1_2006"}
    assert terms(controls="none", outcome="pct_change") == {""}
    # london_borough is constant in no_london: not a regressor there
    assert terms(controls="full", sample="no_london", outcome="pct_change") == {full.replace("london_borough;", "")}
    assert terms(controls="drop_nrf_area", sample="all", outcome="pct_change") == {full.replace("nrf_area;", "")}


def test_declared_exclusions_appear_as_rows(table):
    huber = table[table["estimator"] == "huber"]
    hc = huber[huber["se_type"] != "classical"]
    assert len(hc) and hc["status"].str.startswith("excluded: Huber").all()
    assert hc["estimate"].isna().all() and hc["n"].isna().all()
    classical = huber.loc[huber["se_type"] == "classical", "status"]
    assert (classical.isin(["ok", "not_converged"]) | classical.str.startswith("excluded: the dropped control")).all()
    assert (classical == "ok").mean() > 0.8
    dup = table[(table["controls"] == "drop_london_borough") & (table["sample"] == "no_london")]
    assert len(dup) and dup["status"].str.startswith("excluded: ").all()
    assert dup.loc[dup["estimator"] != "huber", "status"].str.startswith("excluded: the dropped control is constant").all()
    # Huber models keep their analytic row; their resampling is a declared exclusion.
    ok_huber = huber[huber["status"] == "ok"]
    assert ok_huber["resample_status"].str.startswith("excluded: resampling a Huber fit").all()
    assert ok_huber["p_wild"].isna().all()
    # Nothing is missing without a reason.
    ok = table["status"] == "ok"
    assert table.loc[ok, "estimate"].notna().all()
    assert table.loc[~ok, "estimate"].isna().all()
    resampled = table["resample_status"] == "ok"
    assert table.loc[resampled, ["p_wild", "p_pairs", "p_perm", "ci_pairs_low"]].notna().all().all()
    assert table.loc[~resampled, ["p_wild", "p_pairs", "p_perm"]].isna().all().all()
    assert table["resample_status"].notna().all()


def test_data_conditions(variant_tables, analysis, load_config):
    config = small_config(load_config, treatment=["stretch_laa_only"], sample=["all", "no_london"], estimator=["ols", "wls_population"], controls=["none"])
    config["inference"]["methods"] = []
    universe = build_multiverse(config)
    # LAA areas only in London: no LAA area left once London is dropped.
    changed = {}
    for key, v in variant_tables.items():
        v = v.copy()
        london = (v["la_type"] == "London borough").to_numpy()
        v.loc[~london, "target_on"] = 0
        v.loc[~london, ["target_stretch", "target_stretch_2008"]] = 0.0
        changed[key] = v.drop(columns=["population"])
    out = evaluate_cell(changed, universe, {"scenario": "causal"}, seed=1, inference=config["inference"])
    no_laa = out[(out["sample"] == "no_london") & (out["estimator"] == "ols")]
    assert no_laa["status"].str.fullmatch("excluded: no LAA area with a stretch value in this sample").all()
    wls = out[out["estimator"] == "wls_population"]
    assert wls["status"].str.startswith("excluded: ").all()
    assert set(wls.loc[wls["sample"] == "all", "status"]) == {"excluded: no positive population values to weight by"}
    fine = out[(out["sample"] == "all") & (out["estimator"] == "ols")]
    assert (fine["status"] == "ok").all()
    assert (fine["resample_status"] == "not_run: inference.methods is empty").all()


def _fit_statsmodels(v, row):
    sm = pytest.importorskip("statsmodels.api")
    from statsmodels.robust.norms import HuberT

    y_col = plan.OUTCOME_COLUMN[row.outcome]
    terms = list(plan.TREATMENT_TERMS[row.treatment])
    controls = [c for c in row.control_terms.split(";") if c]
    rows = variants.sample_rows(v, row.sample, row.treatment)
    data = v.loc[rows, [y_col, *terms, *controls, "population"]].dropna()
    X = sm.add_constant(data[terms + controls].to_numpy(float), prepend=False)
    y = data[y_col].to_numpy(float)
    cov = {"classical": "nonrobust"}.get(row.se_type, row.se_type)
    if row.estimator == "ols":
        res = sm.OLS(y, X).fit(cov_type=cov, use_t=True)
    elif row.estimator == "wls_population":
        res = sm.WLS(y, X, weights=data["population"].to_numpy(float)).fit(cov_type=cov, use_t=True)
    else:
        res = sm.RLM(y, X, M=HuberT()).fit(maxiter=500)  # the multiverse's iteration cap
    j = terms.index(row.term)
    return res, j, len(y)


@pytest.mark.parametrize(
    "where",
    [
        dict(estimator="ols", se_type="HC1", outcome="pct_change", controls="full", sample="all", treatment="stretch_2008"),
        dict(estimator="wls_population", se_type="HC3", outcome="ancova", controls="drop_deprivation", sample="no_influential", treatment="target_on_and_stretch"),
        dict(estimator="ols", se_type="classical", outcome="pct_change", controls="none", sample="no_london", treatment="stretch_laa_only"),
        dict(estimator="huber", se_type="classical", outcome="ancova", controls="full", sample="common_131", treatment="target_on"),
    ],
)
def test_a_row_is_reproduced_by_hand_with_statsmodels(table, variant_tables, where):
    rows = table
    for k, val in where.items():
        rows = rows[rows[k] == val]
    assert len(rows) >= 1
    for row in rows.itertuples():
        assert row.status == "ok"
        v = variant_tables[(row.scenario, row.baseline)]
        res, j, n = _fit_statsmodels(v, row)
        assert row.n == n
        np.testing.assert_allclose(row.estimate, res.params[j], rtol=1e-8)
        np.testing.assert_allclose(row.std_error, res.bse[j], rtol=1e-8)
        np.testing.assert_allclose(row.p_two_tailed, res.pvalues[j], rtol=1e-7)
        if row.estimator != "huber":
            np.testing.assert_allclose(row.r_squared, res.rsquared, rtol=1e-8)


def test_resampling_runs_once_per_model_on_its_studentizing_row(table):
    """Resampled statistics are studentized with inference.se_type (Huber: its H1 SE): that
    row of each model carries them, its other SE-type rows say where they are."""
    ok = table[table["status"] == "ok"]
    carried = ok[ok["resample_status"] == "ok"]
    huber = carried["estimator"] == "huber"
    assert (carried.loc[~huber, "se_type"] == "HC1").all() and (carried.loc[huber, "se_type"] == "classical").all()
    assert not carried.duplicated(["model_id", "term"]).any()
    others = ok[(ok["se_type"] != "HC1") & (ok["estimator"] != "huber")]
    assert len(others) and (others["resample_status"] == "not_run: resampled statistics are studentized with HC1; see that row").all()
    assert others[["p_wild", "p_pairs", "p_perm"]].isna().all().all()
    # wild-bootstrap p-values live on the (1 + count) / (1 + B) grid of B = 49 draws
    grid = carried["p_wild"].dropna().to_numpy() * 50
    np.testing.assert_allclose(grid, np.round(grid), atol=1e-9)


def test_cells_are_invariant_to_fan_out(variant_tables, load_config):
    config = small_config(load_config, controls=["full", "none"], sample=["all", "no_influential"], treatment=["target_on", "target_on_and_stretch"])
    whole = build_multiverse({**config, "fan_out": []})
    split = build_multiverse({**config, "fan_out": list(plan.FAN_OUT_DIMENSIONS)})
    one = spec_table.combine_cells([evaluate_cell(variant_tables, whole, {}, seed=5, inference=config["inference"])])
    parts = [evaluate_cell(variant_tables, split, c, seed=5, inference=config["inference"]) for c in split.cells()]
    many = spec_table.combine_cells(parts)
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    # and a different global seed moves the resampling results only
    other = spec_table.combine_cells([evaluate_cell(variant_tables, whole, {}, seed=6, inference=config["inference"])])
    pd.testing.assert_series_equal(one["estimate"], other["estimate"])
    assert not one["p_pairs"].equals(other["p_pairs"])


def test_a_model_that_repeats_another_regression_gets_its_resampling_computed_alone(variant_tables, load_config,
                                                                                     monkeypatch):
    """With a stretch treatment, sample common_131 has the rows of sample all: the job
    resamples that regression once, and the reused numbers are the ones a job holding
    common_131 alone computes, to the bit."""
    config = small_config(load_config, controls=["full", "none"], sample=["all", "common_131"],
                          treatment=["stretch_2008"], estimator=["ols"], se_type=["HC1"])
    resampled = []
    real = evaluate._resample
    monkeypatch.setattr(evaluate, "_resample",
                        lambda y, X, specs, *a, **k: resampled.append(len(specs)) or real(y, X, specs, *a, **k))
    cell = {"scenario": "causal", "baseline": "published", "outcome": "pct_change"}
    both = evaluate_cell(variant_tables, build_multiverse(config), cell, seed=5, inference=config["inference"])
    assert resampled == [2]  # sample all's two models; common_131's are the same regressions
    config["multiverse"]["sample"] = ["common_131"]
    alone = evaluate_cell(variant_tables, build_multiverse(config), cell, seed=5, inference=config["inference"])
    assert resampled == [2, 2]
    columns = ["term", "controls", "n", "estimate", "p_wild", "ci_wild_low", "ci_wild_high", "p_pairs",
               "ci_pairs_low", "ci_pairs_high", "p_perm", "resample_status"]
    reused = both[both["sample"] == "common_131"].reset_index(drop=True)[columns]
    assert reused["p_wild"].notna().all()
    pd.testing.assert_frame_equal(reused, alone.reset_index(drop=True)[columns], check_exact=True)
    pd.testing.assert_frame_equal(reused, both[both["sample"] == "all"].reset_index(drop=True)[columns],
                                  check_exact=True)


def test_worker_processes_do_not_change_a_cell(variant_tables, load_config):
    """A cell spread over joblib workers (a job given several cores) equals the serial one,
    table and kept wild draws, to the bit."""
    config = small_config(load_config, controls=["full", "none"], sample=["all", "no_london"],
                          treatment=["target_on", "target_on_and_stretch"])
    universe = build_multiverse(config)
    serial = evaluate_cell_and_draws(variant_tables, universe, {}, seed=5, inference=config["inference"])
    parallel = evaluate_cell_and_draws(variant_tables, universe, {}, seed=5, inference=config["inference"], n_jobs=3)
    pd.testing.assert_frame_equal(serial.table, parallel.table, check_exact=True)
    for field in ("model_id", "term", "t", "t_star"):
        np.testing.assert_array_equal(getattr(serial.wild_null, field), getattr(parallel.wild_null, field))


def test_a_cell_streamed_in_chunks_is_the_cell(variant_tables, load_config, tmp_path):
    """A job evaluates its cell chunk by chunk (one per baseline x outcome x ...) and streams
    them to one Parquet file: the file holds the cell's rows, in its order, to the bit, and
    the chunks' wild draws put together are the cell's."""
    config = small_config(load_config, controls=["full", "leave_one_out", "none"], sample=["all", "no_influential"],
                          treatment=["target_on", "target_on_and_stretch"])
    universe = build_multiverse(config)
    cell = {"scenario": "mechanical"}
    assert len(evaluate.cell_chunks(universe, cell)) == 2 * 2 * 2  # baseline x outcome x treatment
    n = len(universe.specs(cell))
    assert evaluate.cell_chunks(universe, cell, max_specs=n) == [cell]  # a small cell stays whole
    assert [c["baseline"] for c in evaluate.cell_chunks(universe, cell, max_specs=n // 2)] == ["published", "lsp_preferred"]
    halves = [t for t, _ in evaluate.evaluate_chunks(variant_tables, universe, cell, seed=5,
                                                     inference=config["inference"], max_specs=n // 2)]
    whole = evaluate_cell_and_draws(variant_tables, universe, cell, seed=5, inference=config["inference"])
    parts = []
    with io.table_stream(tmp_path / "cell.parquet") as write, io.table_stream(tmp_path / "cell.csv", "csv") as csv:
        for table, wild in evaluate.evaluate_chunks(variant_tables, universe, cell, seed=5, inference=config["inference"]):
            write(table)
            csv(table)
            parts += wild
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cell.parquet"), whole.table, check_exact=True)
    pd.testing.assert_frame_equal(pd.concat(halves, ignore_index=True), whole.table, check_exact=True)
    back = pd.read_csv(tmp_path / "cell.csv", keep_default_na=False, na_values=[""])
    np.testing.assert_array_equal(back["estimate"].to_numpy(float), whole.table["estimate"].to_numpy(float))
    assert back["spec_id"].tolist() == whole.table["spec_id"].tolist()
    streamed = WildNull.from_parts(parts, config["inference"]["draws"])
    for field in ("model_id", "term", "t", "t_star"):
        np.testing.assert_array_equal(getattr(streamed, field), getattr(whole.wild_null, field))
    with pytest.raises(ValueError, match="no rows were written"):
        with io.table_stream(tmp_path / "empty.parquet"):
            pass
    assert not (tmp_path / "empty.parquet").exists()


# --- aggregation ----------------------------------------------------------------------


def test_write_outputs_round_trip_exactly(table, tmp_path):
    out = spec_table.combine_cells([table])
    io.write_csv(out, tmp_path / "s.csv")
    io.write_parquet(out, tmp_path / "s.parquet")
    models = model_table(out, studentized="HC1", headline="wild")
    io.write_json(summarize(out, models, alpha=0.05, headline="wild", studentized="HC1"), tmp_path / "summary.json")
    back = pd.read_parquet(tmp_path / "s.parquet")
    pd.testing.assert_frame_equal(back, out, check_exact=True)
    csv = pd.read_csv(tmp_path / "s.csv", keep_default_na=False, na_values=[""])
    for col in spec_table.FIT_COLUMNS + spec_table.RESAMPLE_COLUMNS:
        np.testing.assert_array_equal(csv[col].to_numpy(float), out[col].to_numpy(float))
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["counts"]["specification_rows"] == len(out)
    assert summary["counts"]["models"] == len(models) == out.drop_duplicates(["model_id", "term"]).shape[0]
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.parametrize("arrow", [False, True])
def test_csv_round_trips_every_column_by_either_writer(table, tmp_path, monkeypatch, arrow):
    """Small tables go through pandas, large ones through Arrow: both read back to the bit,
    with the same dtypes, empty cells for NaN and every string (quotes, commas) intact."""
    out = spec_table.combine_cells([table])
    out.loc[out.index[0], "control_terms"] = 'a "quoted", listed; control'
    monkeypatch.setattr(io, "ARROW_CSV_ROWS", 1 if arrow else len(out) + 1)
    io.write_csv(out, tmp_path / "s.csv")
    assert open(tmp_path / "s.csv").readline().startswith('"spec_id"' if arrow else "spec_id")
    back = pd.read_csv(tmp_path / "s.csv", keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(out.columns)
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            np.testing.assert_array_equal(back[col].to_numpy(float), out[col].astype(float).to_numpy(float),
                                          err_msg=col)
        else:
            def text(s):
                return ["" if pd.isna(v) else str(v) for v in s.astype(object)]

            assert text(back[col]) == text(out[col]), col


def test_a_write_removes_what_a_killed_write_of_the_same_file_left(tmp_path):
    """A SIGKILL mid-write leaves `.name.<8 chars>[.ext]`; the next write of `name` removes it,
    and never another file's temporary (`.name.gz.…`) or a file of another name."""
    left = [tmp_path / ".s.csv.ab12cd_9.csv", tmp_path / ".s.csv.zzzzzzzz"]
    kept = [tmp_path / ".s.csv.gz.ab12cd_9.tmp", tmp_path / ".s.csv.short.csv", tmp_path / "s.csv.ab12cd_9.csv"]
    for f in left + kept:
        f.write_text("x")
    io.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "s.csv")
    assert [f for f in left if f.exists()] == []
    assert all(f.exists() for f in kept)
    assert pd.read_csv(tmp_path / "s.csv")["a"].tolist() == [1]


def test_combine_cells_rejects_overlapping_cells(table):
    with pytest.raises(ValueError, match="share a \\(spec_id, term\\)"):
        spec_table.combine_cells([table, table.head(3)])


# --- the workflow ---------------------------------------------------------------------

# A reduced test multiverse, so that fanning out over every dimension stays at 32 jobs;
# a post-selection sample beside a fixed one.
DETERMINISM_OVERRIDE = {
    "multiverse": {
        "baseline": ["lsp_preferred"],
        "outcome": ["ancova"],
        "treatment": ["stretch_laa_only", "target_on_and_stretch"],
        "controls": ["full", "none"],
        "sample": ["all", "no_influential"],
        "estimator": ["ols", "huber"],
        "se_type": ["HC1", "classical"],
    },
    "inference": {"draws": 49},
}


def _copy_repo(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".venv", ".git", "results", ".snakemake", "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def _snakemake(repo: Path, cores: int, *configfiles, target="multiverse/specifications.csv") -> Path:
    """Run snakemake with these config files up to ``target``; returns the run's results folder."""
    out = run_results(repo, *configfiles)
    cmd = [str(ROOT / ".venv" / "bin" / "snakemake"), "--cores", str(cores), str((out / target).relative_to(repo)),
           "--configfile", *map(str, configfiles)]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


@pytest.mark.slow
def test_workflow_table_is_identical_across_fan_out_and_cores(tmp_path):
    repo = _copy_repo(tmp_path / "repo")
    override = tmp_path / "override.yaml"
    runs = {}
    for name, fan_out, cores in (
        ("empty", [], 2),
        ("default_1core", ["scenario", "treatment"], 1),
        ("default_2cores", ["scenario", "treatment"], 2),
        ("every_dimension", list(plan.FAN_OUT_DIMENSIONS), 2),
    ):
        cfg = copy.deepcopy(DETERMINISM_OVERRIDE)
        cfg["fan_out"] = fan_out
        override.write_text(yaml.safe_dump(cfg))
        out = run_results(repo, "config/test.yaml", override)
        for sub in ("multiverse", "variants"):
            shutil.rmtree(out / sub, ignore_errors=True)
        _snakemake(repo, cores, "config/test.yaml", override)
        cells = list((out / "multiverse" / "cells").rglob("*.parquet"))
        # 2 scenarios x 2 treatments x 2 control sets x 2 samples x 2 estimators
        assert len(cells) == (32 if fan_out == list(plan.FAN_OUT_DIMENSIONS) else max(1, 2 * 2 * bool(fan_out)))
        runs[name] = (out / "multiverse" / "specifications.csv").read_bytes()
        table = pd.read_csv(out / "multiverse" / "specifications.csv")
        assert (table["resample_status"] == "ok").any() and (table["status"] == "ok").any()
    first = runs.pop("empty")
    for name, content in runs.items():
        assert content == first, f"table of run {name!r} differs from the run without fan-out"


@pytest.mark.slow
def test_workflow_test_config_end_to_end(tmp_path, load_config):
    repo = _copy_repo(tmp_path / "repo")
    out = _snakemake(repo, 2, "config/test.yaml")
    assert out == repo / "results" / "embedded-test"
    table = pd.read_parquet(out / "multiverse" / "specifications.parquet")
    universe = build_multiverse(load_config("test.yaml"))
    n_specs = len(universe.specs())
    assert table["spec_id"].nunique() == n_specs
    summary = json.loads((out / "multiverse" / "summary.json").read_text())
    assert summary["counts"]["specification_rows"] == len(table)
    assert summary["counts"]["models"] == table.drop_duplicates(["model_id", "term"]).shape[0]
    assert {(g["treatment"], g["scenario"]) for g in summary["curves"]} >= {
        (t, s) for t in universe.options["treatment"] for s in universe.options["scenario"]
    }
    for rule in ("make_variant", "estimate_cell"):
        assert list((out / "benchmarks" / "multiverse" / rule).rglob("*.tsv"))
        assert list((out / "logs" / "multiverse" / rule).rglob("*.log"))


@pytest.mark.slow
def test_impossible_config_fails_before_any_job(tmp_path):
    repo = _copy_repo(tmp_path / "repo")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"multiverse": {"estimator": ["huber"], "se_type": ["HC1"]}}))
    cmd = [str(ROOT / ".venv" / "bin" / "snakemake"), "--cores", "1", "-n", "--configfile", "config/test.yaml", str(bad)]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "invalid multiverse configuration: every specification with" in proc.stderr + proc.stdout
    assert not (repo / "results").exists() or not any((repo / "results").rglob("*.parquet"))


def test_variant_of_a_user_file_without_scenario_or_lsp_column(analysis):
    user = analysis[analysis["scenario"] == "causal"].drop(columns=["scenario", "ni1_2006_lsp"])
    published = variants.build_variant(user, "observed", "published")
    preferred = variants.build_variant(user, "observed", "lsp_preferred")
    assert (published["scenario"] == "observed").all()
    pd.testing.assert_series_equal(published["pct_change"], preferred["pct_change"])


def test_estimation_jobs_do_not_import_statsmodels_or_matplotlib():
    code = (
        "import sys, specverse.study.evaluate, specverse.study.variants, specverse.study.dataset;"
        "from specverse.engine import fit_specs, resample;"
        "print(sorted(x for x in ('statsmodels', 'matplotlib') if x in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
