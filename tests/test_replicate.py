"""Tables 1 and 2: equal to an independent statsmodels fit on someone else's data; notes; workflow."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from specverse.study import dataset, replicate
from specverse.study.plan import CONTROL_TERMS

REPO = Path(__file__).resolve().parents[1]
SM_COV = {"HC0": "HC0", "HC1": "HC1", "HC2": "HC2", "HC3": "HC3", "classical": "nonrobust"}


@pytest.fixture(scope="module")
def theirs(tmp_path_factory, make_areas):
    """A schema-conforming CSV of made-up areas, built as the workflow builds a user's file."""
    path = tmp_path_factory.mktemp("user") / "theirs.csv"
    make_areas(n=80, seed=11).to_csv(path, index=False)
    return dataset.build_dataset({"seed": 0, "data": {"source": "csv", "path": str(path)}}), path


def statsmodels_fit(path, treatment, se_type):
    """Independent reference: read the raw CSV and fit with statsmodels, no specverse code."""
    raw = pd.read_csv(path)
    d = pd.DataFrame({
        "y": 100 * (raw["ni1_2008"] - raw["ni1_2006"]) / raw["ni1_2006"],
        "target_on": raw["target_on"],
        "target_stretch": np.where(raw["target_on"] == 1,
                                   100 * (raw["target_2011"] - raw["ni1_2006"]) / raw["ni1_2006"], 0.0),
        "deprivation": raw["deprivation"], "age_diversity": raw["age_diversity"],
        "ethnic_diversity": raw["ethnic_diversity"], "social_class_diversity": raw["social_class_diversity"],
        "log_population": np.log(raw["population"]), "log_population_density": np.log(raw["population_density"]),
        "population_growth": raw["population_growth"], "nrf_area": raw["nrf_area"],
        "london_borough": (raw["la_type"] == "London borough").astype(float),
        "metropolitan_borough": (raw["la_type"] == "Metropolitan borough").astype(float),
        "county_council": (raw["la_type"] == "County council").astype(float),
    })
    terms = ([treatment] if treatment else []) + list(CONTROL_TERMS)
    d = d[["y", *terms]].dropna()
    X = sm.add_constant(d[terms])
    return sm.OLS(d["y"], X).fit(cov_type=SM_COV[se_type], use_t=True)


@pytest.mark.parametrize("se_type", ["HC1", "HC3", "classical"])
def test_table2_equals_statsmodels(theirs, se_type):
    (analysis, _), path = theirs
    t2, fit = replicate.table2(analysis, se_type=se_type)
    assert set(t2["scenario"]) == {"observed"}
    for model, treatment in replicate.MODELS.items():
        ref = statsmodels_fit(path, treatment, se_type)
        ours = t2[t2["model"] == model].set_index("term").loc[ref.params.index]
        np.testing.assert_allclose(ours["estimate"], ref.params, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours["std_error"], ref.bse, rtol=1e-10)
        np.testing.assert_allclose(ours["t"], ref.tvalues, rtol=1e-10)
        np.testing.assert_allclose(ours["p_two_tailed"], ref.pvalues, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(ours["p_one_tailed_same_sign"], ref.pvalues / 2, rtol=1e-10, atol=1e-14)
        f = fit[fit["model"] == model].iloc[0]
        assert f["n"] == ref.nobs
        assert f["r_squared"] == pytest.approx(ref.rsquared, rel=1e-10)
        assert f["f_statistic"] == pytest.approx(float(np.squeeze(ref.fvalue)), rel=1e-10)
    assert (fit["n"].tolist() == [80, 80, 80 - 3])  # three targets unknown in the fixture


def test_table2_layout(theirs):
    (analysis, _), _ = theirs
    t2, fit = replicate.table2(analysis)
    assert list(t2.columns) == list(replicate.TABLE2_COLUMNS)
    assert list(fit.columns) == list(replicate.FIT_COLUMNS)
    assert t2.groupby("model").size().to_dict() == {1: 12, 2: 13, 3: 13}
    pub = t2.set_index(["model", "term"])
    assert pub.loc[(3, "target_stretch"), "published_estimate"] == 0.651
    assert pub.loc[(3, "target_stretch"), "published_stars"] == "**"
    assert pub.loc[(1, "metropolitan_borough"), "published_estimate"] == -2.481
    assert fit["published_r_squared"].tolist() == [0.12, 0.14, 0.49]
    for r in t2.itertuples():
        assert r.stars == replicate.stars(r.p_one_tailed_same_sign)


@pytest.mark.parametrize("p, expected", [(0.005, "**"), (0.0099, "**"), (0.01, "*"), (0.03, "*"), (0.05, "+"),
                                         (0.07, "+"), (0.10, ""), (0.11, ""), (float("nan"), "")])
def test_stars_use_the_papers_strict_thresholds(p, expected):
    assert replicate.stars(p) == expected


def test_table1_values(theirs):
    (analysis, book), _ = theirs
    t1 = replicate.table1(analysis, book).set_index("variable")
    raw = analysis
    assert t1.loc["ni1_2006", "mean"] == pytest.approx(raw["ni1_2006"].mean(), rel=1e-12)
    assert t1.loc["ni1_2006", "sd"] == pytest.approx(raw["ni1_2006"].std(ddof=1), rel=1e-12)
    assert t1.loc["population", "max"] == raw["population"].max()
    assert t1.loc["target_stretch", "n"] == len(raw) - 3
    assert (t1["provenance"] == "observed").all()
    assert t1.loc["ni1_2008", "published_mean"] == 75.16


def test_observed_tables_carry_no_simulation_note(theirs):
    (analysis, book), _ = theirs
    t1 = replicate.table1(analysis, book)
    t2, fit = replicate.table2(analysis)
    for text in (replicate.table1_markdown(t1, book), replicate.table2_markdown(t2, fit, book, "HC1"),
                 replicate.table2_latex(t2, fit, book, "HC1")):
        assert "SIMULATED" not in text


@pytest.fixture(scope="module")
def embedded():
    return dataset.build_dataset({"seed": 20130501, "data": {"source": "embedded",
                                                           "scenarios": ["causal", "mechanical"]}},
                               data_dir=REPO / "data")


def test_embedded_tables_carry_the_note_per_scenario(embedded):
    analysis, book = embedded
    t1 = replicate.table1(analysis, book)
    t2, fit = replicate.table2(analysis)
    assert set(t1.loc[t1["variable"] == "ni1_2006", "provenance"]) == {"simulated"}
    assert set(t1.loc[t1["variable"] == "target_stretch", "provenance"]) == {"simulated"}
    for text in (replicate.table1_markdown(t1, book), replicate.table2_markdown(t2, fit, book, "HC1"),
                 replicate.table2_latex(t2, fit, book, "HC1")):
        for scenario in ("causal", "mechanical"):
            assert f"SIMULATED DATA - scenario '{scenario}'" in text
        assert "ethnic\\_diversity" in text or "ethnic_diversity" in text


def test_embedded_ni1_2008_row(embedded):
    analysis, book = embedded
    t1 = replicate.table1(analysis, book)
    row = t1[t1["variable"] == "ni1_2008"].round(2)
    assert row[["mean", "sd", "min", "max", "n"]].drop_duplicates().values.tolist() == [
        [75.16, 6.60, 49.10, 87.60, 150]]


# ------------------------------------------------------------------ workflow

def snakemake(workdir, *args):
    exe = Path(sys.executable).with_name("snakemake")
    return subprocess.run([str(exe), *args, "--cores", "1", "--quiet"], cwd=workdir,
                          capture_output=True, text=True, timeout=900)


OUTPUTS = ["data/analysis.csv", "data/codebook.csv", "replication/table1.csv", "replication/table1.md",
           "replication/table2.csv", "replication/table2.md", "replication/table2.tex", "replication/table2_fit.csv"]


def targets(run: str) -> list[str]:
    return [f"results/{run}/{p}" for p in OUTPUTS]


@pytest.mark.slow
def test_workflow_embedded_user_and_malformed(tmp_path, make_areas):
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(REPO / "Snakefile", work)
    for d in ("workflow", "config", "data"):
        shutil.copytree(REPO / d, work / d)

    # Embedded data: both scenarios, the exact NI1 2008 row.
    run = snakemake(work, *targets("embedded-default"))
    assert run.returncode == 0, run.stderr
    demo = work / "results/embedded-default"
    t1 = pd.read_csv(demo / "replication/table1.csv")
    ni1 = t1[t1["variable"] == "ni1_2008"].round(2)
    assert sorted(ni1["scenario"]) == ["causal", "mechanical"]
    assert ni1[["mean", "sd", "min", "max", "n"]].drop_duplicates().values.tolist() == [[75.16, 6.6, 49.1, 87.6, 150]]
    assert "SIMULATED DATA - scenario 'causal'" in (demo / "replication/table2.md").read_text()
    assert (demo / "benchmarks/data/build_dataset.tsv").exists()
    demo_files = {p: p.read_bytes() for p in demo.rglob("*") if p.is_file() and "benchmarks" not in p.parts
                  and "logs" not in p.parts}

    # Someone else's valid file: the observed scenario, equal to statsmodels, no note --
    # in its own folder, beside the demo run's, which it leaves untouched (runs never mix).
    user = work / "theirs.csv"
    make_areas(n=80, seed=11).to_csv(user, index=False)
    # 80 made-up areas are not the published study's 150: no verdict (a parse-time error otherwise)
    (work / "mine.yaml").write_text(f"data:\n  source: csv\n  path: {user}\nverdict:\n  enabled: false\n")
    run = snakemake(work, *targets("theirs-mine"), "--configfile", "mine.yaml")
    assert run.returncode == 0, run.stderr
    theirs = work / "results/theirs-mine"
    assert {p: p.read_bytes() for p in demo_files} == demo_files
    t2 = pd.read_csv(theirs / "replication/table2.csv")
    assert set(t2["scenario"]) == {"observed"}
    ref = statsmodels_fit(user, "target_stretch", "HC1")
    ours = t2[t2["model"] == 3].set_index("term").loc[ref.params.index]
    np.testing.assert_allclose(ours["estimate"], ref.params, rtol=1e-10)
    np.testing.assert_allclose(ours["std_error"], ref.bse, rtol=1e-10)
    assert "SIMULATED" not in (theirs / "replication/table2.md").read_text()
    book = pd.read_csv(theirs / "data/codebook.csv")
    assert (book["provenance"] == "observed").all()

    # A malformed file: non-zero exit, the message, nothing in results/.
    shutil.rmtree(work / "results")
    bad = make_areas(n=80, seed=11).astype(object)
    bad.loc[4, "la_type"] = "Parish"
    bad.loc[9, "population"] = -10
    bad.to_csv(work / "bad.csv", index=False)
    (work / "bad.yaml").write_text("data:\n  source: csv\n  path: bad.csv\n")
    run = snakemake(work, *targets("bad-bad"), "--configfile", "bad.yaml")
    assert run.returncode != 0
    # data rows 5 and 10 are spreadsheet rows 6 and 11 (the header is row 1)
    assert "bad.csv: column 'la_type', row 6 (area_code X00004): unknown la_type 'Parish'" in run.stderr
    assert "bad.csv: column 'population', row 11 (area_code X00009): value -10 must be positive" in run.stderr
    assert "Traceback" not in run.stderr and 'File "' not in run.stderr
    assert not (work / "results").exists() or not any(p.is_file() for p in (work / "results").rglob("*"))
