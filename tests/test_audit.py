"""The mechanical-bias audit (specverse.study.audit): estimation, the analytic expectation,
the target-from-2008 mechanism, determinism, input errors, outputs and figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from specverse.engine import fit_outcomes
from specverse.study import audit

from _workflow_sandbox import TEST_RUN

N_AREAS = 150
LA_TYPES = ["London borough"] * 32 + ["Metropolitan borough"] * 36 + ["County council"] * 27 + [
    "Unitary authority"
] * 55


def synthetic_analysis(seed: int = 7, scenario: str = "mechanical") -> pd.DataFrame:
    """A schema-conforming 150-area table (rows of one scenario), targets set from 2008."""
    rng = np.random.default_rng(seed)
    n = N_AREAS
    y08 = np.clip(rng.normal(75.2, 6.6, n), 49, 88).round(1)
    y06 = np.clip(y08 + 2.2 + rng.normal(0, 3, n), 48, 89).round(1)
    on = np.zeros(n, int)
    on[rng.choice(n, 86, replace=False)] = 1
    target = np.where(on == 1, y08 + 2 + rng.normal(0, 2, n), np.nan).round(1)
    target[rng.choice(np.flatnonzero(on), 19, replace=False)] = np.nan
    return pd.DataFrame(
        {
            "area_code": [f"E{i:08d}" for i in range(n)],
            "area_name": [f"Area {i}" for i in range(n)],
            "la_type": LA_TYPES,
            "ni1_2006": y06,
            "ni1_2008": y08,
            "ni1_2006_lsp": np.where(rng.random(n) < 0.07, y06 - 2.0, np.nan),
            "target_on": on,
            "target_2011": target,
            "deprivation": rng.normal(23, 9, n),
            "ethnic_diversity": np.clip(rng.gamma(1.2, 2000, n), 300, 9000),
            "age_diversity": rng.normal(8729, 64, n),
            "social_class_diversity": rng.normal(8780, 64, n),
            "population": np.exp(rng.normal(12.5, 0.6, n)),
            "population_density": np.exp(rng.normal(7, 1.2, n)),
            "population_growth": rng.normal(0.7, 0.8, n),
            "nrf_area": (rng.random(n) < 0.47).astype(int),
            "scenario": scenario,
        }
    )


@pytest.fixture(scope="module")
def frame():
    return synthetic_analysis()


def settings(**kw) -> audit.AuditSettings:
    base = {"seed": 20130501, "replications": 200}
    base.update(kw)
    return audit.AuditSettings(**base)


@pytest.fixture(scope="module")
def big_run(frame):
    """Enough replications for Monte Carlo comparisons (a few seconds)."""
    s = settings(replications=4000)
    anchor = audit.calibrate(frame, s)
    draws, summary = audit.null_slopes(anchor, s)
    return anchor, s, draws, summary


# ----------------------------------------------------------------------------- estimation
@pytest.mark.parametrize(
    "baseline,outcome,treatment",
    [
        ("published", "pct_change", "stretch_2006"),
        ("published", "pct_change", "target_on"),
        ("lsp_preferred", "ancova", "target_on_and_stretch"),
        ("published", "log_ratio", "stretch_laa_only"),
        ("lsp_preferred", "point_change", "stretch_2008"),
    ],
)
def test_family_fit_equals_statsmodels(frame, baseline, outcome, treatment):
    import statsmodels.api as sm

    s = settings(replications=3)
    anchor = audit.calibrate(frame, s)
    panel = audit.simulate(anchor, audit.designs(s)[-1], s)
    y, X, names, mask = audit.family_arrays(panel, anchor, baseline, outcome, treatment)
    fit = fit_outcomes(y, X, anchor.controls, mask)
    for r in range(3):
        design = sm.add_constant(np.column_stack([X[r][mask], anchor.controls[mask]]), has_constant="add")
        ref = sm.OLS(y[r][mask], design).fit(cov_type="HC1")
        p = len(names)
        np.testing.assert_allclose(fit.estimate[r], ref.params[1 : 1 + p], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(fit.std_error[r], ref.bse[1 : 1 + p], rtol=1e-10)
        t_ref = np.asarray(ref.tvalues[1 : 1 + p])
        # The paper's inference: t distribution with the residual df, one-tailed H1: > 0.
        np.testing.assert_allclose(fit.p_greater[r], stats.t.sf(t_ref, ref.df_resid), rtol=1e-8)
        np.testing.assert_allclose(fit.p_two_tailed[r], 2 * stats.t.sf(abs(t_ref), ref.df_resid), rtol=1e-8)
        assert fit.df == ref.df_resid and fit.n == ref.nobs


def test_family_options_mean_what_the_multiverse_means(frame):
    """On the anchor's own data the audit's columns equal the multiverse's variant table."""
    from specverse.study.variants import build_variant

    s = settings()
    anchor = audit.calibrate(frame, s)
    panel = audit.observed_panel(anchor)
    for baseline in ("published", "lsp_preferred"):
        variant = build_variant(frame, "mechanical", baseline)
        for outcome, column in (("pct_change", "pct_change"), ("point_change", "point_change"),
                                ("log_ratio", "log_ratio"), ("ancova", "ni1_2008")):
            y, X, names, mask = audit.family_arrays(panel, anchor, baseline, outcome, "target_on_and_stretch")
            np.testing.assert_allclose(y[0], variant[column], rtol=1e-13)
            np.testing.assert_array_equal(mask, np.isfinite(variant["target_stretch"]))
            np.testing.assert_allclose(X[0][mask, 1], variant["target_stretch"][mask], rtol=1e-13)
            if outcome == "ancova":
                assert names[-1] == "ni1_2006"
                np.testing.assert_allclose(X[0][:, -1], variant["ni1_2006"], rtol=1e-13)
        _, X, names, mask = audit.family_arrays(panel, anchor, baseline, "pct_change", "stretch_2008")
        assert names == ["target_stretch_2008"]
        np.testing.assert_allclose(X[0][mask, 0], variant["target_stretch_2008"][mask], rtol=1e-13)
        _, _, _, mask = audit.family_arrays(panel, anchor, baseline, "pct_change", "stretch_laa_only")
        assert mask.sum() == anchor.target_known.sum() == 67


# ----------------------------------------------------------------------------- the expectation
def test_rule_a_mean_slope_matches_the_analytic_expectation(big_run):
    _, _, _, summary = big_run
    row = summary[(summary["design"] == "a_published_2006") & (summary["term"] == "target_stretch")].iloc[0]
    assert abs(row["mean"] - row["analytic_expectation"]) < 4 * row["mc_se"]
    # Targets set from the published figure move with its error: no material slope.
    assert abs(row["analytic_expectation"]) < 0.05


@pytest.mark.parametrize(
    "kw",
    [
        {"respondents": 100, "stretch_mean": 6.0, "stretch_sd": 2.0},
        {"respondents": 100, "design_effect": 2.0, "stretch_mean": 6.0, "stretch_sd": 1.0},
    ],
)
def test_rule_a_expectation_in_noisy_surveys(frame, kw):
    """Where rule (a) does produce a slope (small samples, large and uniform stretches: the
    shared 1/baseline), the simulation still matches the analytic expectation."""
    s = settings(replications=3000, mix_shares=(0.0, 1.0), **kw)
    anchor = audit.calibrate(frame, s)
    design = audit.designs(s)[0]
    y, X, _, mask = audit.family_arrays(audit.simulate(anchor, design, s), anchor, "published",
                                        "pct_change", "stretch_2006")
    est = fit_outcomes(y, X, anchor.controls, mask).estimate[:, 0]
    expected = audit.expected_slope(anchor, design, s, "target_stretch")
    assert expected > 0.05
    assert abs(est.mean() - expected) < 4 * est.std(ddof=1) / np.sqrt(est.size)


@pytest.mark.parametrize("design", ["d_true_level_2006", "b_from_2008", "c_mix_0.50", "causal"])
def test_other_designs_match_their_analytic_expectation(big_run, design):
    _, _, _, summary = big_run
    for term in ("target_stretch", "target_on"):
        row = summary[(summary["design"] == design) & (summary["term"] == term)].iloc[0]
        assert abs(row["mean"] - row["analytic_expectation"]) < 4 * row["mc_se"], (design, term)


def test_regression_to_the_mean_grows_with_sampling_variance(frame):
    """Rule (d), the classic case: the expected slope rises as the survey gets noisier."""
    values = []
    for respondents in (4000, 1100, 300):
        s = settings(respondents=respondents)
        anchor = audit.calibrate(frame, s)
        design = next(d for d in audit.designs(s) if d.name == "d_true_level_2006")
        values.append(audit.expected_slope(anchor, design, s, "target_stretch"))
    assert 0 < values[0] < values[1] < values[2]


def test_rule_b_slope_is_positive_and_grows_with_the_share_from_2008(big_run):
    _, _, _, summary = big_run
    stretch = summary[(summary["term"] == "target_stretch") & summary["mechanical"]
                      & ~summary["design"].str.startswith("d_")].sort_values("share_from_2008")
    assert list(stretch["share_from_2008"]) == [0.0, 0.25, 0.5, 0.75, 1.0]
    means = stretch["mean"].to_numpy()
    gaps = np.diff(means)
    assert (gaps > 4 * stretch["mc_se"].to_numpy()[1:]).all()
    b = stretch.iloc[-1]
    assert b["mean"] > 10 * b["mc_se"] and b["rejection_rate_one_tailed"] > 0.5


def test_target_on_is_null_under_every_mechanical_design(big_run):
    _, s, draws, summary = big_run
    rows = summary[(summary["term"] == "target_on") & summary["mechanical"]]
    assert (abs(rows["mean"]) < 4 * rows["mc_se"] + abs(rows["analytic_expectation"])).all()
    # A calibrated test: about alpha of the null replications reject.
    rate = rows["rejection_rate_one_tailed"].iloc[0]
    assert abs(rate - s.alpha) < 4 * np.sqrt(s.alpha * (1 - s.alpha) / s.replications)


def test_causal_design_recovers_the_planted_effect(big_run):
    _, s, _, summary = big_run
    row = summary[(summary["design"] == "causal") & (summary["term"] == "target_stretch")].iloc[0]
    assert abs(row["mean"] - s.causal_effect) < 0.02
    assert row["rejection_rate_one_tailed"] > 0.9


# ----------------------------------------------------------------------------- determinism
def test_audit_is_deterministic_for_a_seed(frame):
    s = settings(replications=60)
    first = audit.null_slopes(audit.calibrate(frame, s), s)[0]
    again = audit.null_slopes(audit.calibrate(frame, s), s)[0]
    pd.testing.assert_frame_equal(first, again)
    other = settings(replications=60, seed=1)
    moved = audit.null_slopes(audit.calibrate(frame, other), other)[0]
    assert not np.allclose(first["estimate"], moved["estimate"])


def test_a_design_draws_do_not_depend_on_the_other_designs(frame):
    """Streams are named by what they draw: dropping the mixes leaves rule (a) untouched."""
    full = settings(replications=40)
    bare = settings(replications=40, mix_shares=(0.0, 1.0))
    a_full = audit.null_slopes(audit.calibrate(frame, full), full)[0]
    a_bare = audit.null_slopes(audit.calibrate(frame, bare), bare)[0]
    pick = lambda d: d[d["design"] == "a_published_2006"].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(pick(a_full), pick(a_bare))
    assert set(a_full["design"]) - set(a_bare["design"]) == {"c_mix_0.25", "c_mix_0.50", "c_mix_0.75"}


# ----------------------------------------------------------------------------- calibration (part 3)
def test_anchor_prefers_observed_then_mechanical(frame):
    both = pd.concat([synthetic_analysis(3, "causal"), frame], ignore_index=True)
    assert audit.calibrate(both, settings()).scenario == "mechanical"
    user = frame.drop(columns="scenario")
    assert audit.calibrate(user, settings()).scenario == "observed"


def test_calibration_removes_sampling_variance_and_reproduces_the_stretch(frame):
    s = settings()
    anchor = audit.calibrate(frame, s)
    diag = anchor.diagnostics
    sampling = ((frame["ni1_2008"] * (100 - frame["ni1_2008"])) / s.n_eff).mean()
    expected_true = frame["ni1_2008"].var() - sampling - diag["true_sd_change"] ** 2
    assert diag["true_sd_levels"] ** 2 == pytest.approx(expected_true, rel=1e-10)
    assert s.n_eff == round(1100 / 1.5)
    stretch = 100 * (frame["target_2011"] - frame["ni1_2006"]) / frame["ni1_2006"]
    assert anchor.stretch_mean == pytest.approx(stretch[frame["target_on"] == 1].mean())
    # Rule (b) calibrated: simulated stretches have about the data's mean and sd.
    panel = audit.simulate(anchor, audit.Design("b_from_2008", 1.0), settings(replications=400))
    sim = 100 * (panel.target_2011 - panel.ni1_2006) / panel.ni1_2006
    sim = sim[:, anchor.target_known]
    assert sim.mean() == pytest.approx(anchor.stretch_mean, abs=0.25)
    assert sim.std() == pytest.approx(anchor.stretch_sd, rel=0.08)


def test_calibration_table_reports_the_mechanical_slopes(big_run):
    anchor, s, _, summary = big_run
    table = audit.calibration_table(anchor, s, summary, "note")
    values = dict(zip(table["quantity"], table["value"]))
    b = summary[(summary["design"] == "b_from_2008") & (summary["term"] == "target_stretch")].iloc[0]
    assert values["slope_b_from_2008_mean"] == b["mean"]
    assert {"slope_a_published_2006_mean", "slope_d_true_level_2006_analytic", "anchor_stretch_slope"} <= set(values)


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda d: d.drop(columns="target_2011"), "missing column(s) ['target_2011']"),
        (lambda d: d.assign(ni1_2008=d["ni1_2008"].where(d.index != 5)), "column 'ni1_2008' is missing"),
        (lambda d: d.assign(ni1_2006=d["ni1_2006"].where(d.index != 3, 120.0)), "strictly between 0 and 100"),
        (lambda d: d.assign(target_on=0), "fewer than 3 areas"),
        (lambda d: d.assign(population=d["population"].where(d.index != 2, -1.0)), "'population' must be positive"),
        (lambda d: d.assign(la_type="Parish"), "unknown value(s) ['Parish']"),
    ],
)
def test_bad_input_is_named(frame, mutate, message):
    with pytest.raises(ValueError) as err:
        audit.calibrate(mutate(frame.copy()), settings(), source="my.csv")
    assert message in str(err.value) and "my.csv" in str(err.value)


def test_settings_from_config_rejects_unknown_keys():
    s = audit.AuditSettings.from_config({"seed": 3, "audit": {"replications": 20, "mix_shares": [0.5]}})
    assert s.seed == 3 and s.mix_shares == (0.5,)
    with pytest.raises(ValueError, match="unknown key"):
        audit.AuditSettings.from_config({"seed": 3, "audit": {"replication": 20}})


# ----------------------------------------------------------------------------- part 2 and figures
def test_discrimination_table(frame):
    s = settings(replications=50)
    anchor = audit.calibrate(frame, s)
    table = audit.discrimination(anchor, s)
    terms_per_family = 2 * 4 * 6  # baselines x outcomes x reported terms of the 5 treatments
    assert len(table) == len(audit.designs(s)) * terms_per_family
    assert set(table["role"]) == {"false_positive_rate", "power"}
    assert (table.loc[table["role"] == "power", "design"] == "causal").all()
    assert table["rejection_rate_one_tailed"].between(0, 1).all()
    assert (table["data"] == "simulated").all()
    assert "ni1_2006" not in set(table["term"])


def test_anchor_note_names_real_and_simulated_columns(frame):
    s = settings()
    anchor = audit.calibrate(frame, s)
    codebook = pd.DataFrame({"column": ["ni1_2008", "ni1_2006"], "provenance": ["observed", "simulated"]})
    note = audit.anchor_note(anchor, s, codebook)
    assert note.startswith("SIMULATED BY DESIGN")
    real = note.split("real (public) columns ")[1].split(";")[0]
    assert "ni1_2008" in real and "ni1_2006" not in real
    user = audit.calibrate(frame.drop(columns="scenario"), s)
    assert "user's file" in audit.anchor_note(user, s, None)


def test_figures_are_written_with_the_note(frame, tmp_path, monkeypatch):
    from matplotlib.figure import Figure
    from PIL import Image

    from specverse.figures import audit as figures

    s = settings(replications=40)
    anchor = audit.calibrate(frame, s)
    draws, summary = audit.null_slopes(anchor, s)
    table = audit.calibration_table(anchor, s, summary, audit.anchor_note(anchor, s, None))
    labels = {d.name: audit.design_label(d.name, d.effect) for d in audit.designs(s)}
    drawn = []
    save = Figure.savefig

    def keep(fig, *args, **kwargs):
        drawn.append(fig)
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    figures.null_slopes_figure(draws, summary, table, labels, tmp_path / "n.png", tmp_path / "n.pdf")
    figures.discrimination_figure(audit.discrimination(anchor, s), table, labels, tmp_path / "d.png",
                                  tmp_path / "d.pdf")
    for stem in ("n", "d"):
        assert (tmp_path / f"{stem}.pdf").read_bytes()[:4] == b"%PDF"
        dpi = Image.open(tmp_path / f"{stem}.png").info["dpi"]
        assert min(dpi) >= 199.5
        assert (tmp_path / f"{stem}.csv").stat().st_size > 0  # the data drawn, beside the figure
    notes = [t.get_text() for t in drawn[0].texts]
    assert any(t.startswith("SIMULATED BY DESIGN") for t in notes)
    with pytest.raises(ValueError, match="anchor_note"):
        figures.null_slopes_figure(draws, summary, table[table["quantity"] != "anchor_note"], labels,
                                   tmp_path / "x.png")


def test_null_slopes_figure_draws_its_data_and_states_the_slope(frame, tmp_path):
    from specverse.figures import audit as figures

    s = settings(replications=60)
    anchor = audit.calibrate(frame, s)
    draws, summary = audit.null_slopes(anchor, s)
    table = audit.calibration_table(anchor, s, summary, "SIMULATED BY DESIGN")
    labels = {d.name: audit.design_label(d.name, d.effect) for d in audit.designs(s)}
    figures.null_slopes_figure(draws, summary, table, labels, tmp_path / "n.png")
    boxes = pd.read_csv(tmp_path / "n.csv")
    assert len(boxes) == 2 * len(labels)  # one box per design and panel
    b = boxes[(boxes["design"] == "b_from_2008") & (boxes["term"] == "target_stretch")].iloc[0]
    est = draws[(draws["design"] == "b_from_2008") & (draws["term"] == "target_stretch")]["estimate"]
    assert b["median"] == pytest.approx(est.median()) and b["whisker_high"] == pytest.approx(est.quantile(0.975))
    assert b["mean"] == pytest.approx(summary.set_index(["design", "term"]).loc[("b_from_2008", "target_stretch"),
                                                                                 "mean"])
    title = figures.null_slopes_title(boxes)
    assert title.startswith(f"With no effect, targets set from the 2008 survey still produce a stretch slope of "
                            f"{b['mean']:+.2f}")
    assert "published +0.651" in title


def test_discrimination_grouped_by_family_with_the_detail_table(frame, tmp_path):
    from specverse.figures import audit as figures

    s = settings(replications=40)
    anchor = audit.calibrate(frame, s)
    disc = audit.discrimination(anchor, s)
    table = audit.calibration_table(anchor, s, audit.null_slopes(anchor, s)[1], "SIMULATED BY DESIGN")
    labels = {d.name: audit.design_label(d.name, d.effect) for d in audit.designs(s)}
    figures.discrimination_figure(disc, table, labels, tmp_path / "d.png")
    rates = pd.read_csv(tmp_path / "d.csv")
    # six families (treatment coefficients) instead of 48 rows; each pools 2 baselines x 4 outcomes
    assert rates["family"].nunique() == 6 and (rates["specifications"] == 8).all()
    assert len(rates) == 6 * len(labels)
    one = disc[(disc["treatment"] == "stretch_2006") & (disc["design"] == "b_from_2008")]
    row = rates[(rates["treatment"] == "stretch_2006") & (rates["design"] == "b_from_2008")].iloc[0]
    assert row["median"] == pytest.approx(one["rejection_rate_one_tailed"].median())
    assert row["min"] <= row["median"] <= row["max"]
    paper = one[(one["baseline"] == "published") & (one["outcome"] == "pct_change")]
    assert row["paper_specification"] == pytest.approx(paper["rejection_rate_one_tailed"].iloc[0])
    title = figures.discrimination_title(rates)
    assert f"significant in {100 * row['paper_specification']:.0f}% of simulations" in title

    detail = figures.discrimination_detail(disc, labels)
    assert len(detail) == 48 and detail["paper_specification"].sum() == 1
    assert list(detail.columns[:6]) == ["family", "baseline", "outcome", "paper_specification", "power",
                                        "worst_false_positive_rate"]
    mech = [c for c in detail.columns if c.startswith("false_positive_rate_")]
    assert len(mech) == len(labels) - 1 and "power_causal" in detail.columns
    np.testing.assert_allclose(detail["worst_false_positive_rate"], detail[mech].max(axis=1))
    # the family medians are the medians of the detail rows
    fam = detail[detail["treatment"] == "stretch_2006"]["false_positive_rate_b_from_2008"]
    assert fam.median() == pytest.approx(row["median"])


# ----------------------------------------------------------------------------- workflow
AUDIT_OUTPUTS = [
    f"{TEST_RUN}/audit/null_slopes.csv",
    f"{TEST_RUN}/audit/null_summary.csv",
    f"{TEST_RUN}/audit/calibration.csv",
    f"{TEST_RUN}/audit/discrimination.csv",
    f"{TEST_RUN}/figures/audit_null_slopes.png",
    f"{TEST_RUN}/figures/audit_null_slopes.pdf",
    f"{TEST_RUN}/figures/audit_null_slopes.csv",
    f"{TEST_RUN}/figures/audit_discrimination.png",
    f"{TEST_RUN}/figures/audit_discrimination.pdf",
    f"{TEST_RUN}/figures/audit_discrimination.csv",
    f"{TEST_RUN}/figures/audit_discrimination_detail.csv",
]


@pytest.mark.slow
def test_audit_rules_run_and_are_deterministic(tmp_path):
    """The audit's rules on the embedded data (config/test.yaml), twice: identical tables."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for name in ("Snakefile", "workflow", "config", "data"):
        (tmp_path / name).symlink_to(root / name)
    snakemake = [sys.executable, "-m", "snakemake", *AUDIT_OUTPUTS, "--cores", "1",
                 "--configfile", "config/test.yaml"]
    subprocess.run(snakemake, cwd=tmp_path, check=True, capture_output=True)
    first = {p: (tmp_path / p).read_bytes() for p in AUDIT_OUTPUTS if p.endswith(".csv")}
    for path in AUDIT_OUTPUTS:
        assert (tmp_path / path).stat().st_size > 0, path
    assert (tmp_path / TEST_RUN / "benchmarks/audit/audit_null.tsv").exists()
    shutil.rmtree(tmp_path / TEST_RUN / "audit")
    subprocess.run(snakemake, cwd=tmp_path, check=True, capture_output=True)
    for path, content in first.items():
        assert (tmp_path / path).read_bytes() == content, path
    summary = pd.read_csv(tmp_path / TEST_RUN / "audit/null_summary.csv")
    assert set(summary["anchor_scenario"]) == {"mechanical"}
