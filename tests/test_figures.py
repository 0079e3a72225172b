"""Figures: the simulated-data note, the curve arithmetic (sorting, categories, indicator
aggregation), and every figure rendered (>= 200 dpi PNG plus PDF) with the note visible,
on synthetic tables with the real columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from specverse.analysis import influence as influence_tables
from specverse.analysis.table import CHOICE_DIMENSIONS, published_reference, read_models
from specverse.figures import _plot, curve, influence, joint, nulls, replication
from specverse.figures.html_tables import report_pages
from specverse.study import simulated_note as notes

import _fake_tables as fx


@pytest.fixture
def captured_notes(monkeypatch):
    """Record the note every figure writes, and the figure texts after writing it."""
    seen = []
    original = _plot.add_note

    def spy(fig, note, width=150):
        original(fig, note, width)
        seen.append((note, [t.get_text() for t in fig.texts]))

    monkeypatch.setattr(_plot, "add_note", spy)
    return seen


def _check_outputs(png, pdf=None):
    with Image.open(png) as im:
        dpi = im.info.get("dpi", (0, 0))
        assert dpi[0] >= 199.5, f"{png}: {dpi} dpi"
        assert im.size[0] >= 1500
    if pdf is not None:
        assert pdf.read_bytes()[:5] == b"%PDF-"


# -- the note ---------------------------------------------------------------------------

def test_note_names_simulated_columns_and_scenario():
    cb = fx.codebook()
    text = notes.simulated_note(cb, "causal")
    for col in ("ni1_2006", "target_on", "target_2011", "ethnic_diversity"):
        assert col in text
    assert "ni1_2008" not in text and "deprivation" not in text and "nrf_area" not in text
    assert "'causal'" in text and "not real areas" in text
    both = notes.simulated_note(cb, ["causal", "mechanical"])
    assert "'causal'" in both and "'mechanical'" in both


def test_no_note_for_real_data():
    cb = fx.codebook()
    assert notes.simulated_note(cb, "observed") == ""
    observed_only = cb.assign(provenance="observed")
    assert notes.simulated_note(observed_only, "causal") == ""
    with pytest.raises(ValueError, match="provenance"):
        notes.simulated_note(cb.drop(columns="provenance"), "causal")


# -- curve arithmetic -------------------------------------------------------------------

def test_categories_and_sorting():
    cats = curve.categorise([0.5, 0.5, -0.2, -0.2, 0.0, 0.3], [0.01, 0.2, 0.01, 0.2, 0.01, np.nan], 0.05)
    assert list(cats) == ["pos_sig", "pos_ns", "neg_sig", "neg_ns", "pos_sig", "no_p"]
    specs = fx.models(size="small", scenarios=("causal",), treatments=("target_on",))
    cur = curve.sort_curve(specs, 0.05)
    assert (cur["status"] == "ok").all() and (np.diff(cur["estimate_common"]) >= 0).all()
    assert list(cur["rank"]) == list(range(len(cur)))
    # one point per model; the post-selection sample is kept apart, never on the curve
    assert not cur.duplicated(["model_id", "term"]).any() and not cur["post_selection"].any()


def test_indicator_matrix_exact_and_binned():
    specs = fx.models(size="small", scenarios=("causal",), treatments=("target_on",))
    cur = curve.sort_curve(specs, 0.05)
    labels, shares, edges = curve.indicator_matrix(cur, max_bins=10_000)
    assert shares.shape == (len(labels), len(cur)) and set(np.unique(shares)) <= {0.0, 1.0}
    dims = np.array([d for d, _ in labels])
    for dim in CHOICE_DIMENSIONS:  # every specification makes exactly one choice per dimension
        np.testing.assert_allclose(shares[dims == dim].sum(axis=0), 1.0)
    # the paper's option first within its dimension, controls collapsed into classes
    assert [o for d, o in labels if d == "controls"] == ["full", "leave one out", "block subset", "none"]
    assert [o for d, o in labels if d == "baseline"][0] == "published"
    labels_b, binned, edges_b = curve.indicator_matrix(cur, max_bins=50)
    assert binned.shape == (len(labels), 50) and edges_b[0] == 0 and edges_b[-1] == len(cur)
    which = np.minimum((np.arange(len(cur)) * 50) // len(cur), 49)
    first = (cur["baseline"] == "published").to_numpy()[which == 0].mean()
    assert binned[labels_b.index(("baseline", "published")), 0] == pytest.approx(first)
    for dim in CHOICE_DIMENSIONS:
        np.testing.assert_allclose(binned[dims == dim].sum(axis=0), 1.0)


def test_published_reference_only_for_the_papers_treatments():
    t2 = fx.table2()
    assert published_reference(t2, "causal", "target_on", "target_on") == 0.952
    assert published_reference(t2, "causal", "stretch_2006", "target_stretch") == 0.651
    assert published_reference(t2, "causal", "stretch_2008", "target_stretch_2008") is None
    assert published_reference(t2, "causal", "target_on_and_stretch", "target_on") is None


def test_specification_table_missing_column_is_named(tmp_path):
    path = tmp_path / "specs.csv"
    fx.models(size="small").drop(columns="control_terms").to_csv(path, index=False)
    with pytest.raises(ValueError, match="control_terms"):
        read_models(path)


# -- replication arithmetic -----------------------------------------------------------------

def test_table2_rows_in_published_se_units():
    t = replication.scaled_rows(fx.table2())
    r = t.iloc[0]
    assert r["published_z"] == pytest.approx(r["published_estimate"] / r["published_std_error"])
    assert r["ours_hi"] - r["ours_lo"] == pytest.approx(2 * replication.Z95 * r["std_error"] / r["published_std_error"])
    bad = fx.table2()
    bad.loc[2, "published_std_error"] = 0.0
    with pytest.raises(ValueError, match="published_std_error"):
        replication.scaled_rows(bad)


# -- every figure renders, with the note ------------------------------------------------------

def test_curve_figures_render_with_note(tmp_path, captured_notes):
    specs = fx.models(size="small")
    note = notes.simulated_note(fx.codebook(), "causal")
    for treatment in ("target_on", "target_on_and_stretch"):
        png, pdf = tmp_path / f"c_{treatment}.png", tmp_path / f"c_{treatment}.pdf"
        curve.plot_curve(specs, "causal", treatment, png=png, pdf=pdf, note=note, table2=fx.table2())
        _check_outputs(png, pdf)
        p_png = tmp_path / f"p_{treatment}.png"
        curve.plot_pvalue_curve(specs, "causal", treatment, png=p_png, note=note)
        _check_outputs(p_png)
    assert len(captured_notes) == 4
    for text, fig_texts in captured_notes:
        assert text == note and any("SIMULATED DATA" in t and "target_2011" in t for t in fig_texts)
    with pytest.raises(ValueError, match="stretch_2008"):
        curve.plot_curve(specs, "causal", "stretch_2008", png=tmp_path / "x.png")


def test_large_curve_is_aggregated(tmp_path):
    specs = fx.models(size="large", scenarios=("causal",), treatments=("target_on",))
    cur = curve.sort_curve(specs, 0.05)
    assert len(cur) > curve.WHISKER_LIMIT
    centres, lo, hi = curve.binned_ci(cur, 400)
    assert len(centres) == 400 and (lo <= hi).all()
    labels, shares, _ = curve.indicator_matrix(cur, 400)
    assert shares.shape[1] == 400 and len(labels) <= 30
    png = tmp_path / "large.png"
    curve.plot_curve(specs, "causal", "target_on", png=png, note="")
    _check_outputs(png)


def test_real_data_figures_have_no_note(tmp_path, captured_notes):
    specs = fx.models(size="small", scenarios=("observed",), treatments=("target_on",))
    note = notes.simulated_note(fx.codebook(), "observed")
    curve.plot_curve(specs, "observed", "target_on", png=tmp_path / "o.png", note=note)
    assert len(captured_notes) == 1 and captured_notes[0][0] == ""
    assert not any("SIMULATED" in t for t in captured_notes[0][1])


def test_other_figures_render_with_note(tmp_path, captured_notes):
    specs = fx.models(size="small")
    cb = fx.codebook()
    note = notes.simulated_note(cb, "mechanical")
    inf, var = influence_tables.influence_table(specs), influence_tables.variance_table(specs)
    influence.plot_influence(inf, "mechanical", png=tmp_path / "i.png", pdf=tmp_path / "i.pdf", note=note)
    influence.plot_variance(var, "mechanical", png=tmp_path / "v.png", pdf=tmp_path / "v.pdf", note=note)
    draws, tests = fx.paper_null_draws("mechanical")
    nulls.plot_nulls(draws, tests, "mechanical", png=tmp_path / "n.png", pdf=tmp_path / "n.pdf", note=note)
    replication.plot_table2(fx.table2(), png=tmp_path / "t.png", pdf=tmp_path / "t.pdf",
                            note=notes.simulated_note(cb, ["causal", "mechanical"]))
    tests = pd.DataFrame([{
        "scenario": "mechanical", "treatment": "target_on", "term": "target_on", "n_models": 40,
        "n_excluded_huber": 8, "draws": 49, "alpha": 0.05, "dominant_sign": 1, "median_estimate": 0.3,
        "p_median": 0.2, "n_significant": 5, "p_n_significant": 0.4, "stouffer_z": 1.1, "p_stouffer": 0.3,
    }])
    grid = np.linspace(0, 1, 20)
    curves = pd.DataFrame({"scenario": "mechanical", "treatment": "target_on", "term": "target_on",
                           "quantile_rank": grid, "observed": grid - 0.3, "null_q025": grid - 1.0,
                           "null_q500": grid - 0.5, "null_q975": grid})
    joint.plot_joint(tests, curves, "mechanical", png=tmp_path / "j.png", pdf=tmp_path / "j.pdf", note=note)
    for name in "ivntj":
        _check_outputs(tmp_path / f"{name}.png", tmp_path / f"{name}.pdf")
    assert len(captured_notes) == 5
    assert all(any("SIMULATED DATA" in t for t in texts) for _, texts in captured_notes)
    assert "'causal'" in captured_notes[3][0] and "'mechanical'" in captured_notes[3][0]


def test_report_tables_carry_the_note():
    specs = fx.models(size="small")
    cb = fx.codebook()
    fit = pd.DataFrame({"scenario": ["causal", "mechanical"] * 3, "model": [1, 1, 2, 2, 3, 3], "n": 150,
                        "r_squared": 0.2, "f_statistic": 2.0})
    joint_tests = pd.DataFrame([{"scenario": "causal", "treatment": "target_on", "term": "target_on",
                                 "median_estimate": 0.9, "p_median": 0.01}])
    pages = report_pages(joint_tests, fx.table2(), fit, influence_tables.influence_table(specs, 0.05),
                         lambda scenarios: notes.simulated_note(cb, scenarios))
    assert set(pages) == {"joint", "table2", "influence"}
    for html in pages.values():
        assert '<div class="note">SIMULATED DATA' in html and "<table>" in html
    assert "0.952" in pages["table2"]
    assert "robustness_ratio" in pages["influence"]
