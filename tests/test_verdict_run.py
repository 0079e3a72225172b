"""The verdict's entry point end to end on small settings (outputs, their columns, the
paragraph, figures drawn from the CSVs, bad inputs refused before any simulation), the
legacy-seed helper, and the coverage validation (slow)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from _figure_checks import texts_off_canvas
from _verdict_fixtures import SEED, analysis_frame
from specverse.engine.legacy_seed import legacy_global_seeded, legacy_seed, seed_legacy_global
from specverse.figures.verdict import verdict_figures
from specverse.study.verdict import OUTPUTS, VerdictSettings, run_calibration, run_verdict
from specverse.study.verdict.published import PublishedTableError, default_directory, read_published

SMALL = {"abc": {"population_size": 150, "max_generations": 3, "batch_size": 150},
         "reachability": {"shares": [0.0, 0.5, 1.0], "sd_changes": [2.0, 3.0, 4.0], "worlds": 30},
         "predictive_draws": 200, "prior_draws": 500}


def default_summaries() -> dict:
    return read_published(default_directory(), 86).summaries


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("verdict")
    settings = VerdictSettings.from_config({"seed": SEED, "verdict": SMALL})
    return out, run_verdict(analysis_frame(), None, settings, out)


def test_outputs_and_their_columns(run):
    out, result = run
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    post = pd.read_csv(out / "posterior.csv")
    assert list(post.columns[:6]) == ["parameter", "mean", "sd", "q05", "q50", "q95"]
    for name in ("effect_stretch", "effect_target_on", "share_from_2008", "selection_on_baseline", "sd_change"):
        row = post.set_index("parameter").loc[name]
        assert row["q05"] <= row["q50"] <= row["q95"]
    particles = pd.read_csv(out / "posterior_particles.csv")
    assert np.isclose(particles["weight"].sum(), 1.0)
    w = particles["weight"].to_numpy()
    assert np.isclose(post.set_index("parameter").loc["effect_stretch", "mean"],
                      np.sum(w * particles["effect_stretch"]))
    probs = pd.read_csv(out / "probabilities.csv").set_index("quantity")
    p0 = probs.loc["P(effect_stretch = 0)", "probability"]
    assert np.isclose(p0, post.set_index("parameter").loc["effect_stretch", "mass_at_zero"])
    models = pd.read_csv(out / "model_probabilities.csv").set_index("model")
    assert np.isclose(models.loc[["no_effect_of_targets", "target_on_only", "stretch_only",
                                  "target_on_and_stretch"], "posterior"].sum(), 1.0)
    assert np.isclose(models.loc["no_effect_of_targets", "posterior"],
                      probs.loc["P(no effect of targets: both = 0)", "probability"])
    checks = pd.read_csv(out / "predictive_checks.csv").set_index("summary")
    assert {"ALL", "ALL_DISTANCE", "m3_stretch_coef", "t1_ni1_2006_max"} <= set(checks.index)
    assert checks.loc["m3_n", "reproduced"] and checks.loc["m3_n", "share_within_tolerance"] == 1.0
    reach = pd.read_csv(out / "reachability.csv")
    assert len(reach) == 9 and reach["worlds"].min() > 0
    info = json.loads((out / "run_info.json").read_text())
    assert info["areas"] == 150 and info["target_areas"] == 86 and info["simulated_studies"] == result["simulated_studies"]


def test_verdict_paragraph_states_numbers_and_assumptions(run):
    out, result = run
    text = (out / "verdict.md").read_text()
    assert text.count("\n") == 1 and text == result["verdict"]  # one paragraph
    probs = pd.read_csv(out / "probabilities.csv").set_index("quantity")
    assert f"{100 * probs.loc['P(effect_stretch > 0)', 'probability']:.0f}%" in text
    for phrase in ("survey mode", "negotiated on other grounds", "normally distributed", "simulated stand-ins",
                   "+0.651", "+0.952"):
        assert phrase in text


def test_verdict_paragraph_takes_every_number_from_the_tables_it_is_given(run):
    """Another paper's tables: a negative slope, another R-squared, another tolerance."""
    from specverse.study.verdict.verdict_text import verdict_paragraph

    out, _ = run
    published = dict(default_summaries())
    published.update(m3_stretch_coef=-0.3, m2_target_on_coef=-1.25, m3_r2=0.37)
    reach = pd.read_csv(out / "reachability.csv").assign(published_r2=0.37)
    text = verdict_paragraph(
        published=published, probabilities=pd.read_csv(out / "probabilities.csv"),
        posterior=pd.read_csv(out / "posterior.csv"), models=pd.read_csv(out / "model_probabilities.csv"),
        checks=pd.read_csv(out / "predictive_checks.csv"), reach=reach, data_note="", simulated=10, tolerance=3.0)
    assert "a stretch slope of -0.300" in text and "coefficient of -1.250" in text and "+-" not in text
    assert "(published 0.37)" in text and ".49" not in text
    assert "within three sampling standard deviations" in text


def test_figures_are_drawn_from_the_csvs(run, tmp_path):
    out, _ = run
    paths = verdict_figures(out, tmp_path)
    for path in paths.values():
        assert path.is_file() and path.stat().st_size > 10_000
        assert path.with_suffix(".pdf").is_file()


def test_checks_figure_names_the_published_numbers_it_does_not_draw(run, tmp_path, monkeypatch):
    """Summaries the simulator is given (N, share with a target, 2008 mean and SD) have no
    band; a line under the legend lists them with their published values instead of
    dropping them, and no text of the figure runs off its canvas."""
    from matplotlib.figure import Figure

    from specverse.figures.verdict import checks_figure

    texts, outside = [], []
    original = Figure.savefig

    def spy(fig, *args, **kwargs):
        texts.extend(t.get_text() for t in fig.texts)
        outside.extend(texts_off_canvas(fig))
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    out, _ = run
    checks = pd.read_csv(out / "predictive_checks.csv")
    checks_figure(checks, tmp_path / "checks.png")
    assert not outside, outside
    line = next(" ".join(t.split()) for t in texts if t.startswith("Fixed by the simulation"))
    fixed = checks[checks["role"] == "fixed"]
    assert len(fixed) == 6
    for label, observed in zip(fixed["label"], fixed["observed"]):
        assert " ".join(f"{label} ({observed:g})".split()) in line


def test_bad_published_tables_fail_before_any_simulation(tmp_path):
    for name in ("table1.csv", "table2.csv", "table2_fit.csv"):
        shutil.copy(default_directory() / name, tmp_path / name)
    fit = pd.read_csv(tmp_path / "table2_fit.csv")
    fit.loc[fit["model"] == 3, "r_squared"] = 2.0
    fit.to_csv(tmp_path / "table2_fit.csv", index=False)
    settings = VerdictSettings.from_config({"seed": SEED, "verdict": SMALL})
    with pytest.raises(PublishedTableError, match=r"table2_fit\.csv: row 4 \(model=3\): r_squared"):
        run_verdict(analysis_frame(), tmp_path, settings, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="analysis data have 149 areas but the published"):
        run_verdict(analysis_frame().iloc[:149], None, settings, tmp_path / "out")


def test_legacy_seed_is_derived_from_seed_and_identity_and_restored():
    assert 0 <= legacy_seed(1, "a") < 2**32
    assert legacy_seed(1, "a") != legacy_seed(1, "b") and legacy_seed(1, "a") != legacy_seed(2, "a")
    np.random.seed(5)
    before = np.random.random()
    np.random.seed(5)
    with legacy_global_seeded(1, "a"):
        inside = np.random.random()
    assert np.random.random() == before
    seed_legacy_global(1, "a")
    assert np.random.random() == inside


@pytest.mark.slow
def test_coverage_of_the_stretch_effect(tmp_path):
    """100 synthetic published tables from the prior: the 90% interval of effect_stretch
    covers the truth 85-95% of the time (the validation's settings: see docs/verdict.md)."""
    settings = VerdictSettings.from_config({"seed": SEED, "verdict": {"calibration": {
        "datasets": 100, "population_size": 150, "max_generations": 4, "batch_size": 150, "workers": 2}}})
    result = run_calibration(analysis_frame(), None, settings, tmp_path)
    assert 0.85 <= result["coverage_effect_stretch"] <= 0.95, result
    assert result["rank_p_value_effect_stretch"] > 0.01
    table = pd.read_csv(tmp_path / "calibration.csv")
    assert table["dataset"].nunique() == 100 and set(table["parameter"]) >= {"effect_stretch", "share_from_2008"}


TINY_CALIBRATION = {"datasets": 4, "population_size": 40, "max_generations": 2, "batch_size": 40,
                    "posterior_draws": 9}


def test_validation_tables_do_not_depend_on_the_workers(tmp_path):
    """Each synthetic set is fixed by its index: 1 or 2 worker processes write the same
    tables, and they carry no timings (they are results)."""
    settings = VerdictSettings.from_config({"seed": SEED, "verdict": {"calibration": TINY_CALIBRATION}})
    one, two = tmp_path / "one", tmp_path / "two"
    a = run_calibration(analysis_frame(), None, settings, one, workers=1)
    b = run_calibration(analysis_frame(), None, settings, two, workers=2)
    assert (a["workers"], b["workers"]) == (1, 2)
    for name in ("calibration.csv", "calibration_summary.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    table = pd.read_csv(one / "calibration.csv")
    assert table["dataset"].nunique() == 4 and not {"seconds", "workers"} & set(table.columns)
    summary = pd.read_csv(one / "calibration_summary.csv")
    assert set(summary["parameter"]) >= {"effect_stretch", "share_from_2008", "sd_change"}
    assert not {"seconds_total", "workers"} & set(summary.columns)
