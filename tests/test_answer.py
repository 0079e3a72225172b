"""The report's answer (analysis.answer) and its rendering for people (figures.answer_page,
figures.html_tables), on small hand-built tables whose every number is known."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from specverse.analysis.answer import (
    answer_table, confounding_sentence, curve_order, familywise_by_choice, format_p, headline_curve,
    headline_sentence, mechanical_sentence, oster_sentence,
)
from specverse.figures.answer_page import answer_markdown, front_page, lead_sentences
from specverse.figures.html_tables import (
    fmt_count, fmt_number, fmt_p, fmt_share, people_table, report_pages, summary_page,
)

ALPHA = 0.05
METHODS = ["classical", "HC1", "wild", "romano_wolf"]


def curve(scenario, treatment, term, *, median, shares, n=4, rv=(0.3, 0.2), times=(6.0, 2.5), weaker=0.0):
    return {
        "scenario": scenario, "treatment": treatment, "term": term, "models": n + 2,
        "models_not_usable": {}, "models_post_selection_apart": 1,
        "median_estimate_common": median, "share_positive": 1.0,
        "share_significant": {**dict(zip(METHODS, shares)), "headline": shares[2]},
        "models_with_p": {m: n for m in [*METHODS, "headline"]},
        "share_significant_positive_headline": shares[2],
        "post_selection": {"median_estimate_common": median, "share_significant_headline": 1.0},
        "confounding": {"models_with_rv": n, "rv_q1": {"min": rv[1], "q25": rv[0], "median": rv[0]},
                        "rv_q1_alpha05": {"min": 0.1, "q25": 0.1, "median": 0.1},
                        "times_strongest_control": {"min": times[1], "q25": times[0], "median": times[0]},
                        "share_explained_away_by_a_confounder_weaker_than_the_strongest_control": weaker},
    }


def summary(mechanical_shares=(1.0, 1.0, 0.75, 0.5)):
    return {
        "alpha": ALPHA, "effect_scale": "% change in NI1",
        "inference": {"headline": "wild", "studentized_with": "HC1", "methods": METHODS, "rule": "two-tailed"},
        "counts": {"specification_rows": 11930, "models": 24, "models_by_status": {"ok": 24}},
        "curves": [
            curve("causal", "target_on", "target_on", median=1.2, shares=(0.5, 0.5, 0.25, 0.0), times=(0.8, 0.1),
                  weaker=0.5),
            curve("mechanical", "target_on", "target_on", median=0.1, shares=(0.0, 0.0, 0.0, 0.0)),
            curve("causal", "stretch_2006", "target_stretch", median=0.8, shares=(1.0, 1.0, 1.0, 1.0),
                  times=(11.5, 5.25)),
            curve("mechanical", "stretch_2006", "target_stretch", median=0.25, shares=mechanical_shares,
                  times=(7.75, 4.5)),
        ],
    }


def joint(p_mech=0.02):
    rows = []
    for scen, treat, term, p in [("causal", "target_on", "target_on", 0.3), ("mechanical", "target_on", "target_on", 0.5),
                                 ("causal", "stretch_2006", "target_stretch", 0.02),
                                 ("mechanical", "stretch_2006", "target_stretch", p_mech)]:
        rows.append({"scenario": scen, "treatment": treat, "term": term, "n_models": 4, "draws": 49,
                     "median_estimate": 0.5, "p_median": p, "n_significant": 3, "p_n_significant": p,
                     "stouffer_z": 3.0, "p_stouffer": p})
    return pd.DataFrame(rows)


def influence():
    rows = []
    for scen, treat, term, ratio in [("causal", "target_on", "target_on", 1.1), ("mechanical", "target_on", "target_on", 0.2),
                                     ("causal", "stretch_2006", "target_stretch", 7.0),
                                     ("mechanical", "stretch_2006", "target_stretch", 2.25)]:
        for stat, value in (("robustness_ratio", ratio), ("mean_estimate", 0.5), ("n_models", 6.0)):
            rows.append({"scenario": scen, "treatment": treat, "term": term, "section": "summary", "dimension": None,
                         "option": None, "statistic": stat, "value": value})
        rows.append({"scenario": scen, "treatment": treat, "term": term, "section": "influence",
                     "dimension": "outcome", "option": "ancova", "statistic": "coefficient", "value": 0.1})
    return pd.DataFrame(rows)


def discrimination(b_rates=(1.0, 1.0)):
    rows = []
    rates = {"a_published_2006": (0.0, 0.1), "b_from_2008": b_rates, "causal": (0.9, 1.0)}
    for design, (r1, r2) in rates.items():
        for treatment, term in (("stretch_2006", "target_stretch"), ("target_on", "target_on"),
                                ("stretch_2008", "target_stretch_2008")):
            for outcome, r in (("pct_change", r1), ("ancova", r2)):
                rows.append({"design": design, "share_from_2008": 1.0 if design == "b_from_2008" else 0.0,
                             "role": "power" if design == "causal" else "false_positive_rate",
                             "baseline": "published", "outcome": outcome, "treatment": treatment, "term": term,
                             "n": 131, "replications": 50, "mean_estimate": 0.3, "sd_estimate": 0.1,
                             "rejection_rate_one_tailed": r, "rejection_rate_two_tailed": r, "alpha": ALPHA,
                             "data": "simulated"})
    return pd.DataFrame(rows)


def models():
    """Per scenario x treatment: 4 models with a Romano-Wolf p (2 outcomes x 2 baselines),
    one post-selection model and one Huber model without a benchmark."""
    rows = []
    for scen in ("causal", "mechanical"):
        for treat, term in (("target_on", "target_on"), ("stretch_2006", "target_stretch")):
            for i, (baseline, outcome) in enumerate([("published", "pct_change"), ("published", "ancova"),
                                                     ("lsp_preferred", "pct_change"), ("lsp_preferred", "ancova")]):
                survives = scen == "causal" or outcome == "ancova" and baseline == "published"
                rows.append({"scenario": scen, "treatment": treat, "term": term, "baseline": baseline,
                             "outcome": outcome, "controls": "full" if i < 3 else "none", "sample": "all",
                             "estimator": "ols", "post_selection": False, "status": "ok", "estimate_common": 0.5,
                             "std_error_common": 0.1, "p_romano_wolf": 0.01 if survives else 0.4,
                             "benchmark_strongest_q1": 5.0 if i < 3 else np.nan,
                             "strongest_control": ["deprivation", "deprivation", "age_diversity", ""][i]})
            rows.append({**rows[-1], "sample": "no_influential", "post_selection": True, "p_romano_wolf": 0.01})
            rows.append({**rows[-1], "estimator": "huber", "post_selection": False, "p_romano_wolf": np.nan,
                         "benchmark_strongest_q1": np.nan, "strongest_control": ""})
    return pd.DataFrame(rows)


@pytest.fixture
def answer():
    return answer_table(summary(), joint(), influence(), discrimination(), models())


def value(answer, treatment, quantity, scenario=None, design=None):
    sel = (answer["treatment"] == treatment) & (answer["quantity"] == quantity)
    sel &= answer["scenario"].isna() if scenario is None else answer["scenario"].eq(scenario)
    if design:
        sel &= answer["design"].eq(design)
    (row,) = answer[sel].itertuples(index=False)
    return row


def test_answer_table_takes_every_number_from_its_source(answer):
    assert value(answer, "stretch_2006", "median_estimate", "mechanical").value == 0.25
    wild = value(answer, "stretch_2006", "share_significant_wild", "mechanical")
    assert (wild.value, wild.n, wild.kind) == (0.75, 4, "share") and wild.label.endswith("(headline)")
    rw = value(answer, "stretch_2006", "share_significant_romano_wolf", "mechanical")
    assert rw.value == 0.5 and "familywise" in rw.label
    jp = value(answer, "stretch_2006", "p_n_significant", "causal")
    assert (jp.value, jp.n, jp.kind) == (0.02, 49, "p")
    assert value(answer, "stretch_2006", "robustness_ratio", "mechanical").value == 2.25
    times = value(answer, "stretch_2006", "times_strongest_control", "mechanical")
    # the benchmark exists for the 3 usable models with a control, not the 4 with an RV
    assert (times.value, times.low, times.n) == (7.75, 4.5, 3)
    assert times.detail == "deprivation in 2 of 3"
    assert value(answer, "target_on", "share_weaker_than_strongest", "causal").value == 0.5


def test_audit_rows_average_the_families_and_keep_their_range(answer):
    b = value(answer, "stretch_2006", "false_positive_rate", design="b_from_2008")
    assert (b.value, b.low, b.high, b.n) == (1.0, 1.0, 1.0, 2)
    a = value(answer, "stretch_2006", "false_positive_rate", design="a_published_2006")
    assert (a.value, a.low, a.high) == pytest.approx((0.05, 0.0, 0.1))
    power = value(answer, "stretch_2006", "power", design="causal")
    assert power.value == pytest.approx(0.95)
    # a treatment the multiverse did not run (stretch_2008) gets no rows
    assert "stretch_2008" not in set(answer["treatment"])


def test_stretch_comes_first_and_audit_rows_close_each_curve(answer):
    assert list(dict.fromkeys(answer["treatment"])) == ["stretch_2006", "target_on"]
    stretch = answer[answer["treatment"] == "stretch_2006"]
    assert stretch["section"].iloc[-1] == "audit" and stretch["section"].iloc[0] == "effect"
    assert (stretch["section"] == "audit").to_numpy().argmax() == (stretch["section"] != "audit").sum()
    assert curve_order("target_on_and_stretch", "target_stretch") < curve_order("target_on_and_stretch", "target_on")
    assert headline_curve(answer) == ("stretch_2006", "target_stretch")


def test_familywise_survivors_per_choice():
    fw = familywise_by_choice(models(), ALPHA)
    mech = fw[(fw["scenario"] == "mechanical") & (fw["treatment"] == "stretch_2006")].set_index(
        ["dimension", "option"])
    # post-selection and Huber models are not counted, as in summary.json
    assert tuple(mech.loc[("all", "all"), ["models", "survivors"]]) == (4, 1)
    assert tuple(mech.loc[("outcome", "ancova"), ["models", "survivors"]]) == (2, 1)
    assert tuple(mech.loc[("outcome", "pct_change"), ["models", "survivors"]]) == (2, 0)
    causal = fw[(fw["scenario"] == "causal") & (fw["dimension"] == "all")]
    assert (causal["survivors"] == causal["models"]).all()


def test_mechanical_sentence_when_robust_is_not_enough(answer):
    text = mechanical_sentence(answer, ALPHA)
    assert text.startswith("Robust across specifications does not mean not mechanical")
    assert "75% of the 4 stretch_2006 specifications are significant (wild bootstrap, p < .05)" in text
    assert "p = .020 (the smallest 49 null draws allow)" in text
    assert "robustness ratio of 2.2" in text  # 2.25 rounds half to even
    assert '"(b) target = 2008 figure + uplift"' in text and "in 100% of simulated datasets" in text
    assert "against 95% when targets truly work" in text


def test_mechanical_sentence_when_the_curve_tells_the_worlds_apart():
    answer = answer_table(summary(), joint(p_mech=0.4), influence(), discrimination(b_rates=(0.0, 0.1)))
    text = mechanical_sentence(answer, ALPHA)
    assert "does not mean" not in text
    assert "p = .400" in text and "does tell the no-effect world apart" in text
    assert "no mechanical design comes close" in text


def test_mechanical_sentence_on_a_users_observed_data():
    s = summary()
    s["curves"] = [dict(c, scenario="observed") for c in s["curves"] if c["scenario"] == "causal"]
    j = joint().query("scenario == 'causal'").assign(scenario="observed")
    i = influence().query("scenario == 'causal'").assign(scenario="observed")
    text = mechanical_sentence(answer_table(s, j, i, discrimination()), ALPHA)
    assert text.startswith("On these data 100% of the 4 stretch_2006 specifications")
    assert "cannot by itself rule out a mechanical origin" in text


def test_confounding_sentence_in_units_of_the_strongest_control(answer):
    text = confounding_sentence(answer, familywise_by_choice(models(), ALPHA))
    assert "11.5 times as strong as the strongest observed control (most often deprivation" in text
    assert "median over 3 OLS/WLS specifications with controls; at least 5.2 times in each" in text
    assert "and 7.8 times (at least 4.5) in 'mechanical'" in text
    assert "cannot reveal a mechanical effect" in text
    assert "4 of 4 in 'causal'; 2 of 4 in 'mechanical'" in text


def test_confounding_sentence_names_where_partial_survivors_sit():
    s = summary(mechanical_shares=(1.0, 1.0, 0.75, 0.25))
    text = confounding_sentence(answer_table(s, joint(), influence()), familywise_by_choice(models(), ALPHA))
    assert "1 of 4 in 'mechanical' (1 of 2 with baseline = published, 0 of 2 with baseline = lsp_preferred)" in text


def test_format_p_says_when_a_resampled_p_is_at_its_floor():
    assert format_p(0.02, 49) == "p = .020 (the smallest 49 null draws allow)"
    assert format_p(0.0004) == "p < .001"
    assert format_p(0.5, 49) == "p = .500"


# --- rendering for people


def test_numbers_read_as_people_write_them():
    assert fmt_count(11930.0) == "11,930"
    assert fmt_p(5.627e-13) == "< .001" and fmt_p(0.0312) == ".031" and fmt_p(1.0) == "1.000"
    assert fmt_share(0.729) == "73%" and fmt_share(0.001) == "< 1%" and fmt_share(0.999) == "> 99%"
    assert fmt_number(343210.7) == "343,211" and fmt_number(0.00012) == "0.00012"
    assert fmt_number(-0.132) == "-0.132" and fmt_number(float("nan")) == ""


def test_people_tables_never_print_scientific_notation():
    df = pd.DataFrame({"scenario": ["causal"], "n_models": [11930], "p_stouffer": [5.627e-13],
                       "estimate": [1.234e-7], "population": [3.4e5], "share_significant": [0.5]})
    html = people_table(df)
    assert not re.search(r"\de[+-]\d", html), html
    assert "11,930" in html and "&lt; .001" in html and "340,000" in html and "50%" in html
    assert 'title="p_stouffer"' in html  # the CSV name stays reachable as the tooltip


def test_report_tables_lead_with_key_columns_and_keep_the_rest():
    j = joint()
    j["dominant_sign"], j["usable_share"] = 1, 1.0
    fit = pd.DataFrame({"scenario": ["causal"], "model": [3], "n": [131], "r_squared": [0.5], "f_statistic": [9.8]})
    t2 = pd.DataFrame({"scenario": ["causal"], "model": [3], "term": ["target_stretch"], "estimate": [0.651],
                       "std_error": [0.09], "published_estimate": [0.651]})
    pages = report_pages(j, t2, fit, influence(), lambda scenarios: "")
    head = re.search(r"<thead>(.*?)</thead>", pages["joint"]).group(1)
    assert head.index("p (median)") < head.index("p (Stouffer)")
    assert "Details" in pages["joint"] and 'title="usable_share"' in pages["joint"]
    assert "With 49 null draws the smallest possible p is .020." in pages["joint"]
    page = summary_page(summary(), lambda scenarios: "NOTE")
    assert "11,930" in page and "Romano-Wolf" in page and "NOTE" in page


def test_lead_is_the_first_sentence_and_the_answer_to_a_question():
    assert lead_sentences("Could it? Yes, it could. The rest 0.5 follows. More.") == (
        "Could it? Yes, it could.", "The rest 0.5 follows. More.")
    assert lead_sentences("It holds at +0.651 (SE 0.090).  Next one.") == ("It holds at +0.651 (SE 0.090).",
                                                                           "Next one.")


PROVENANCE = {"data_file": "data/areas.csv", "data_sha256": "a" * 64,
              "config_files": [{"path": "config/config.yaml", "sha256": "b" * 64},
                               {"path": "config/test.yaml", "sha256": "c" * 64}],
              "git_commit": "d" * 40, "git_dirty": True, "created_utc": "2026-01-01T00:00:00Z",
              "specverse_version": "0.3.0"}


def test_front_page_puts_the_verdict_first_then_tables_and_provenance(answer):
    verdict = "Could targets be mechanical? Yes, they could. Details follow."
    sentences = ["Robust is not enough.", "Confounders would need 11.5 times."]
    page = front_page(verdict, answer, sentences, note="SIMULATED DATA - x", provenance=PROVENANCE,
                      explorer="explorer.html", scale="% change", run_dir="results/embedded-test")
    text = re.sub(r"<[^>]+>", " ", page)
    assert page.index("<strong>Could targets be mechanical? Yes, they could.</strong>") < page.index("<table")
    assert text.index("Robust is not enough.") < text.index("stretch_2006: target stretch")
    assert page.count("<table") == 3  # two curves, then the provenance
    assert "a" * 64 in page and "config/test.yaml" in page and "d" * 40 + " (with uncommitted changes)" in page
    assert '<a href="explorer.html"' in page and "results/embedded-test/explorer.html" in page
    assert 'class="note">SIMULATED DATA' in page
    # the audit's rates span the scenario columns
    assert '<td colspan="2">100%</td>' in page
    md = answer_markdown(verdict, answer, sentences, provenance=PROVENANCE, scale="% change")
    assert md.startswith("# The answer\n\n**Could targets be mechanical? Yes, they could.**")
    assert "| wild bootstrap (headline) (of 4) | 25% | 0% |" in md


def test_headline_sentence_says_why_and_warns_when_this_run_disagrees():
    chosen = {"headline": "wild", "explanation": "wild stayed within error on all 24 cells.",
              "within_mc_error_everywhere": True, "methods_within_mc_error_everywhere": ["wild", "pairs"]}
    text = headline_sentence(chosen)
    assert "headline inference, wild (config inference.headline)" in text and "calibration: wild stayed" in text
    assert "Caution" not in text
    text = headline_sentence({**chosen, "within_mc_error_everywhere": False,
                              "methods_within_mc_error_everywhere": ["pairs"]})
    assert "Caution: in this run's calibration wild was not within" in text and text.endswith("are pairs.")


def test_oster_sentence_reads_the_rule_and_the_sweep():
    rows = []
    for scenario, delta in (("causal", 1.67), ("mechanical", -4.5)):
        for r_max, rule, d in ((0.3, True, delta), (0.6, False, delta / 2), (1.0, False, delta / 4)):
            rows.append({"scenario": scenario, "model": 3, "term": "target_stretch", "r_max": r_max,
                         "r_max_rule": rule, "delta": d})
    text = oster_sentence(pd.DataFrame(rows))
    assert "Model 3 (target_stretch): 1.67 in 'causal' (0.42 at R-max 1.00), -4.50 in 'mechanical'" in text
    assert oster_sentence(pd.DataFrame()) == ""
    # the front page gives each paragraph its heading
    page = answer_markdown("Q? Yes. More.", pd.DataFrame(columns=["scenario", "treatment", "term"]),
                           ["a", "b", "c"])
    assert "## Which inference to trust\n\nc" in page
