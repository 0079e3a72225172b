"""Figures: the simulated-data note, the curve arithmetic (sorting, categories, indicator
aggregation), every figure rendered (>= 200 dpi PNG plus PDF) with the note visible, the
data drawn saved beside each PNG (and equal to what was drawn), titles that state the
numbers computed from the tables, and numbers formatted for people -- on synthetic tables
with the real columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from specverse.analysis import influence as influence_tables
from specverse.analysis.table import CHOICE_DIMENSIONS, published_reference, read_models
from matplotlib.figure import Figure

from specverse.figures import _plot, calibration, confounding, curve, influence, joint, nulls, replication
from specverse import numbers as fmt
from specverse.figures.html_tables import report_pages
from specverse.study import simulated_note as notes

import _fake_tables as fx
from _figure_checks import texts_off_canvas


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


@pytest.fixture
def drawn(monkeypatch):
    """Every figure saved as PNG, kept for inspection after it is written and closed; no
    figure may have a title or note that runs off its canvas."""
    figures, cut = [], []
    original = Figure.savefig

    def spy(fig, fname, *args, **kwargs):
        if kwargs.get("format") == "png":
            figures.append(fig)
            cut.extend(texts_off_canvas(fig))
        return original(fig, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    yield figures
    assert not cut, f"titles cut off at the canvas edge: {cut}"


def _title(fig) -> str:
    return fig._suptitle.get_text() if fig._suptitle is not None else ""


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


def test_read_models_keeps_one_curve_while_reading(tmp_path):
    """A curve job reads only its scenario x treatment (Parquet filters), the same rows as
    filtering the whole table, from Parquet or CSV."""
    models = fx.models(size="small")
    models.to_parquet(tmp_path / "m.parquet")
    models.to_csv(tmp_path / "m.csv", index=False)
    scenario, treatment = models["scenario"].iloc[0], models["treatment"].iloc[-1]
    want = models[(models["scenario"] == scenario) & (models["treatment"] == treatment)]
    assert 0 < len(want) < len(models)
    for path in (tmp_path / "m.parquet", tmp_path / "m.csv"):
        got = read_models(path, scenario=scenario, treatment=treatment)
        assert len(got) == len(want)
        np.testing.assert_array_equal(got["estimate"].to_numpy(), want["estimate"].to_numpy())


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


# -- numbers for people ---------------------------------------------------------------------

def test_numbers_are_formatted_for_people():
    assert fmt.count(12345) == "12,345" and fmt.count(7.0) == "7"
    assert fmt.signed(0.4115) == "+0.41" and fmt.signed(-0.1) == "-0.10" and fmt.signed(np.nan) == "n/a"
    assert fmt.percent(0.934) == "93%" and fmt.level(0.05) == ".05" and fmt.level(0.1) == ".1"
    assert fmt.p_phrase(0.0004) == "p < .001" and fmt.p_phrase(0.0421) == "p = .042"
    assert fmt.p_phrase(1.0) == "p = 1.000" and fmt.p_phrase(np.nan) == "p n/a"
    # a resampling p at its floor 1 / (1 + draws) says only "no draw as extreme"
    assert fmt.p_phrase(1 / 50, floor=1 / 50) == "p \u2264 .020" and fmt.p_phrase(0.04, floor=1 / 50) == "p = .040"


# -- the data beside every figure, and titles that state the result --------------------------

def test_every_figure_rule_declares_the_data_beside_its_png():
    """Each figure PNG a rule writes has a CSV of the same stem among the rule's outputs."""
    import re
    from pathlib import Path

    rules = Path(__file__).resolve().parents[1] / "workflow" / "rules"
    pngs = 0
    for smk in rules.glob("*.smk"):
        text = smk.read_text()
        for stem in re.findall(r'results\(f?"figures/([^"]+)\.png"\)', text):
            pngs += 1
            assert f'results(f"figures/{stem}.csv")' in text or f'results("figures/{stem}.csv")' in text, \
                f"{smk.name}: figures/{stem}.png has no figures/{stem}.csv output"
    assert pngs >= 15


def test_curve_data_is_what_is_drawn_and_title_states_it(tmp_path, drawn):
    specs = fx.models(size="small")
    png = tmp_path / "c.png"
    curve.plot_curve(specs, "causal", "target_on_and_stretch", png=png, table2=fx.table2())
    data = pd.read_csv(_plot.data_path(png))
    assert png.with_suffix(".csv") == _plot.data_path(png)
    sel = specs[(specs["scenario"] == "causal") & (specs["treatment"] == "target_on_and_stretch")]
    fig = drawn[0]
    curve_axes = [ax for ax in fig.axes if ax.collections and ax.get_ylabel().startswith("Effect of")]
    assert len(curve_axes) == 2 == data["term"].nunique()
    for ax, (term, part) in zip(curve_axes, data.groupby("term", sort=True)):
        cur = curve.sort_curve(sel[sel["term"] == term], 0.05)
        # one row per point of the scatter, in the drawn order, with its drawn value
        points = max((c for c in ax.collections if hasattr(c, "get_offsets")), key=lambda c: len(c.get_offsets()))
        assert len(part) == len(cur) == len(points.get_offsets())
        np.testing.assert_allclose(points.get_offsets()[:, 1], part["estimate"])
        assert list(part["rank"]) == list(range(1, len(cur) + 1))
        assert set(part.columns) >= {"ci_low", "ci_high", "p_headline", "category", *CHOICE_DIMENSIONS}
        assert "se_type" not in part.columns  # inference choices are no choice rows
        s = curve.curve_summary(cur, 0.05)
        assert f"median {fmt.signed(s['median'])}" in _title(fig)
        assert f"{fmt.percent(s['share_positive'])} of {fmt.count(len(cur))} models positive" in _title(fig)
    assert data["paper_specification"].sum() == 2  # the paper's specification, once per term


def test_choice_panel_has_no_inference_rows():
    specs = fx.models(size="small", scenarios=("causal",), treatments=("target_on",))
    specs["se_type"] = np.where(np.arange(len(specs)) % 2, "HC1", "classical")  # present, never a row
    labels, _, _ = curve.indicator_matrix(curve.sort_curve(specs, 0.05))
    assert {d for d, _ in labels} == set(CHOICE_DIMENSIONS) and "se_type" not in {d for d, _ in labels}


def test_pvalue_data_and_title(tmp_path, drawn):
    specs = fx.models(size="small")
    png = tmp_path / "p.png"
    curve.plot_pvalue_curve(specs, "mechanical", "target_on", png=png)
    data = pd.read_csv(_plot.data_path(png))
    cur = curve.sort_curve(specs[(specs["scenario"] == "mechanical") & (specs["treatment"] == "target_on")], 0.05)
    methods = curve.pvalue_methods(cur)
    assert len(data) == len(cur) and [c for _, c in methods] == list(data.columns[5:])
    share = curve.significance_by_method(cur, methods, 0.05)
    low, high = min(share, key=share.get), max(share, key=share.get)
    title = _title(drawn[0])
    assert f"{fmt.percent(share[low])} ({low})" in title and f"{fmt.percent(share[high])} ({high})" in title
    panel_texts = [t.get_text() for ax in drawn[0].axes for t in ax.texts]
    assert any(t.endswith(f"of {fmt.count(len(cur))} below .05") for t in panel_texts)


def test_influence_variance_nulls_table2_data_and_titles(tmp_path, drawn):
    specs = fx.models(size="small")
    inf = influence_tables.influence_table(specs)
    influence.plot_influence(inf, "causal", png=tmp_path / "i.png")
    bars = pd.read_csv(tmp_path / "i.csv")
    coef = inf[(inf["scenario"] == "causal") & (inf["section"] == "influence") & (inf["statistic"] == "coefficient")]
    assert len(bars) == len(coef) == sum(len(ax.patches) for ax in drawn[0].axes)
    top = coef.loc[coef["value"].abs().idxmax()]
    assert f"{top['dimension']} = {top['option']} ({fmt.signed(top['value'], 3)}" in _title(drawn[0])
    # the shifts are on the common scale, and the axis says so
    assert all("% change in NI1" in ax.get_xlabel() for ax in drawn[0].axes if ax.get_visible())

    var = influence_tables.variance_table(specs)
    influence.plot_variance(var, "causal", png=tmp_path / "v.png")
    shares = pd.read_csv(tmp_path / "v.csv")
    assert len(shares) == (var["scenario"] == "causal").sum() == sum(len(ax.patches) for ax in drawn[1].axes)
    main = shares[shares["kind"] == "main"]
    leader = main.loc[main.groupby(["treatment", "term"])["share"].idxmax(), "component"].mode()[0]
    assert f"the choice of {leader} drives" in _title(drawn[1])

    draws, tests = fx.paper_null_draws("causal")
    nulls.plot_nulls(draws, tests, "causal", png=tmp_path / "n.png")
    bins = pd.read_csv(tmp_path / "n.csv")
    per_panel = bins.groupby(["model", "method"])["draws"].sum()
    assert (per_panel == draws.groupby(["model", "method"]).size()).all()
    for model, rows in tests.groupby("model"):
        low = fmt.p_value(rows["p"].min(), floor=1 / (1 + rows["draws"].max()))
        assert f"Model {model} ({rows['term'].iloc[0]}) p {low}" in _title(drawn[2])

    t2 = fx.table2()
    replication.plot_table2(t2, png=tmp_path / "t.png")
    scaled = pd.read_csv(tmp_path / "t.csv")
    assert len(scaled) == len(t2)
    close = (scaled["ours_z"] - scaled["published_z"]).abs() <= 1
    n_causal = int(close[scaled["scenario"] == "causal"].sum())
    assert f"{n_causal} of {int((scaled['scenario'] == 'causal').sum())} (scenario 'causal')" in _title(drawn[3])


def test_joint_data_and_title(tmp_path, drawn):
    tests = pd.DataFrame([
        {"scenario": "mechanical", "treatment": t, "term": t, "n_models": 1234, "n_excluded_huber": 8, "draws": 49,
         "alpha": 0.05, "dominant_sign": 1, "median_estimate": 0.3, "p_median": p, "n_significant": 5,
         "p_n_significant": p, "stouffer_z": 1.1, "p_stouffer": p}
        for t, p in (("target_on", 0.02), ("stretch_2006", 0.3))])
    grid = np.linspace(0, 1, 20)
    curves = pd.concat([pd.DataFrame({"scenario": "mechanical", "treatment": t, "term": t, "quantile_rank": grid,
                                      "observed": grid, "null_q025": grid - 1, "null_q500": grid - 0.5,
                                      "null_q975": grid}) for t in ("target_on", "stretch_2006")])
    joint.plot_joint(tests, curves, "mechanical", png=tmp_path / "j.png")
    data = pd.read_csv(tmp_path / "j.csv")
    assert len(data) == len(curves) and set(data["treatment"]) == {"target_on", "stretch_2006"}
    assert "1 of 2 specification curves are unlikely" in _title(drawn[0])
    panels = " ".join(ax.get_title() for ax in drawn[0].axes)
    assert "(1,234 models)" in panels and "p \u2264 .020" in panels and "p = .300" in panels



def test_a_curve_without_models_to_test_gets_a_panel_that_says_so(tmp_path, drawn):
    """A family of Huber or post-selection models only (estimator: [huber]) has a joint-test
    record with n_models = 0 and no statistics: its panel says why, the title counts it apart."""
    tested = {"scenario": "mechanical", "treatment": "target_on", "term": "target_on", "n_models": 40,
              "n_excluded_huber": 0, "n_post_selection_apart": 0, "draws": 49, "alpha": 0.05, "dominant_sign": 1,
              "median_estimate": 0.3, "p_median": 0.2, "n_significant": 5, "p_n_significant": 0.4,
              "stouffer_z": 1.1, "p_stouffer": 0.3}
    untested = {"scenario": "mechanical", "treatment": "stretch_2006", "term": "target_stretch", "n_models": 0,
                "n_excluded_huber": 2, "n_post_selection_apart": 12, "draws": 49, "alpha": 0.05}
    grid = np.linspace(0, 1, 20)
    curves = pd.DataFrame({"scenario": "mechanical", "treatment": "target_on", "term": "target_on",
                           "quantile_rank": grid, "observed": grid, "null_q025": grid - 1, "null_q500": grid - 0.5,
                           "null_q975": grid})
    joint.plot_joint(pd.DataFrame([untested, tested]), curves, "mechanical", png=tmp_path / "j.png")
    assert "none of the 1 specification curves" in _title(drawn[0]) and "1 curve(s) without models" in _title(drawn[0])
    texts = " ".join(t.get_text() for ax in drawn[0].axes for t in ax.texts)
    assert "12 post-selection model(s) and 2 Huber fit(s)" in texts
    assert set(pd.read_csv(tmp_path / "j.csv")["treatment"]) == {"target_on"}
    joint.plot_joint(pd.DataFrame([untested]), curves.iloc[:0], "mechanical", png=tmp_path / "k.png")
    assert "no specification curve has models to test jointly" in _title(drawn[1])

def test_confounding_data_and_titles(tmp_path, drawn):
    specs = fx.models(size="small", scenarios=("causal",), treatments=("target_on",))
    rng = np.random.default_rng(3)
    specs = specs.assign(rv_q1=rng.uniform(0.1, 0.4, len(specs)), rv_q1_alpha05=rng.uniform(0, 0.1, len(specs)),
                         benchmark_strongest_q1=rng.uniform(0.5, 8, len(specs)))
    confounding.plot_robustness_curve(specs, "causal", png=tmp_path / "r.png")
    data = pd.read_csv(tmp_path / "r.csv")
    assert len(data) == len(curve.sort_curve(specs, 0.05))
    median = np.nanmedian(data["benchmark_strongest_q1"])
    assert f"about {median:.1f} times" in " ".join(_title(drawn[0]).split())

    axis = np.linspace(0, 0.5, 11)
    gx, gy = np.meshgrid(axis, axis, indexing="ij")
    grid = pd.DataFrame({"r2dz_x": gx.ravel(), "r2yz_dx": gy.ravel()})
    grid["adjusted_estimate"] = 0.65 - 1.2 * np.sqrt(grid["r2dz_x"] * grid["r2yz_dx"])
    points = pd.DataFrame({"benchmark": ["deprivation"] * 3 + ["strongest (x)"] * 3 + ["unadjusted"],
                           "k": [1, 2, 3, 1, 2, 3, 0], "r2dz_x": [0.01, 0.02, 0.03, 0.02, 0.04, 0.06, 0],
                           "r2yz_dx": [0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0],
                           "adjusted_estimate": [0.6, 0.55, 0.5, 0.5, 0.4, 0.3, 0.651]})
    confounding.plot_contour(grid, points, "causal", png=tmp_path / "k.png")
    data = pd.read_csv(tmp_path / "k.csv")
    assert (data["layer"] == "contour grid").sum() == len(grid) and (data["layer"] == "point").sum() == len(points)
    title = " ".join(_title(drawn[1]).split())
    assert "3x as strong as the strongest control (x)" in title and "from +0.651 to +0.300" in title
    assert "red: 0" not in title  # this grid never reaches an adjusted estimate of 0
    grid["adjusted_estimate"] = 0.3 - 1.2 * np.sqrt(grid["r2dz_x"] * grid["r2yz_dx"])
    confounding.plot_contour(grid, points, "causal", png=tmp_path / "k0.png")
    assert "red: 0" in " ".join(_title(drawn[2]).split())


def test_calibration_data_and_title(tmp_path, drawn):
    from specverse.analysis.calibration import clopper_pearson

    rows, cov = [], []
    for design in ("stretch", "target_on"):
        for method, hits in (("HC1", 110), ("wild", 50), ("classical", 200)):
            lo, hi = clopper_pearson(hits, 1000)
            rows.append({"design": design, "error_model": "normal", "method": method, "tail": "two_tailed",
                         "alpha": 0.05, "replications": 1000, "rejection_rate": hits / 1000, "mc_low": lo,
                         "mc_high": hi})
            lo, hi = clopper_pearson(1000 - hits, 1000)
            cov.append({"design": design, "error_model": "normal", "method": method, "level": 0.95,
                        "replications": 1000, "coverage": 1 - hits / 1000, "mc_low": lo, "mc_high": hi})
    size, coverage = pd.DataFrame(rows), pd.DataFrame(cov)
    calibration.calibration_figure(size, coverage, tmp_path / "c.png")
    data = pd.read_csv(tmp_path / "c.csv")
    assert (data["panel"] == "size").sum() == len(size) and (data["panel"] == "coverage").sum() == len(coverage)
    assert data.loc[data["method"] == "wild", "inside_band"].all() and not data.loc[data["method"] == "HC1",
                                                                                   "inside_band"].any()
    assert "every design and error model: wild bootstrap" in _title(drawn[0])
    assert "R \u2265 1,000 null replications" in _title(drawn[0])


def test_rank_axes_print_thousands_separators(tmp_path, drawn):
    """A curve of more than 1,000 models labels its rank axis 1,000 and 2,000, not 1000."""
    specs = fx.models(size="small")
    one = specs[(specs["scenario"] == "causal") & (specs["treatment"] == "target_on")]
    big = pd.concat([one.assign(model_id=one["model_id"] + f"_{i}") for i in range(30)], ignore_index=True)
    curve.plot_curve(big, "causal", "target_on", png=tmp_path / "c.png")
    fig = drawn[0]
    fig.canvas.draw()
    labels = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() if t.get_text()]
    assert any("," in t for t in labels) and not any(t.isdigit() and len(t) >= 4 for t in labels), labels
