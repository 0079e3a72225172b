"""The answer the report opens with: per curve (treatment x term) and scenario, the few
numbers that say whether an effect survives every specification -- and whether that
survival could still be mechanical.

:func:`answer_table` gathers them from the run's own tables into one tidy frame (one row
per curve x quantity x scenario, or x audit design):

* summary.json: models, median effect on the common scale, share significant per
  inference method (Romano-Wolf included), and the omitted-variable block;
* joint_tests.csv: the joint p-values of the curve as a whole;
* influence.csv: the Young & Holsteen robustness ratio;
* the audit's discrimination.csv: how often each target-setting design -- mechanical
  ones, where targets do nothing, and the causal one -- yields a significant positive
  slope (one-tailed, as in the paper), over the audit's baseline x outcome families;
* models.parquet (optional): which control is the strongest benchmark.

The front page's sentences (:func:`mechanical_sentence`, :func:`confounding_sentence`)
quote only numbers of that frame and of :func:`familywise_by_choice`, so the page and its
tables cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from specverse import numbers
from specverse.study.audit import design_label
from specverse.study.plan import TREATMENT_TERMS

from .table import CHOICE_DIMENSIONS, PAPER_MODEL, usable_models

COLUMNS = ["treatment", "term", "section", "quantity", "label", "kind", "scenario", "design",
           "value", "n", "low", "high", "detail"]
#: The scenario of the embedded data in which targets have no effect at all
#: (specverse.study.simulate): an effect found there is mechanical by construction.
NO_EFFECT_SCENARIO = "mechanical"
METHOD_LABELS = {
    "classical": "classical SE",
    "HC0": "HC0 SE", "HC1": "HC1 (robust) SE", "HC2": "HC2 SE", "HC3": "HC3 SE",
    "huber": "Huber M-estimator",
    "wild": "wild bootstrap",
    "pairs": "pairs bootstrap",
    "permutation": "permutation",
    "romano_wolf": "Romano-Wolf (familywise)",
}
TREATMENT_LABELS = {
    "target_on": "an NI1 target (yes/no), the paper's Model 2",
    "stretch_2006": "target stretch against the 2006 baseline, the paper's Model 3",
    "stretch_2008": "target stretch against the 2008 figure",
    "stretch_laa_only": "target stretch, areas with an NI1 target only",
    "target_on_and_stretch": "target and stretch in one model",
}
JOINT = {
    "p_median": "joint test p: median estimate",
    "p_n_significant": "joint test p: number significant",
    "p_stouffer": "joint test p: Stouffer's Z",
}


def answer_table(summary: Mapping, joint: pd.DataFrame, influence: pd.DataFrame,
                 discrimination: pd.DataFrame | None = None, models: pd.DataFrame | None = None) -> pd.DataFrame:
    """The answer frame (columns :data:`COLUMNS`); curves in :func:`curve_order`.

    ``kind`` says how a value reads: count, estimate, share, p, ratio or multiple.  ``n``
    is the value's denominator (models with that p-value, null draws of a joint test,
    audit families); ``low``/``high`` a range (min over models; min/max over families).
    """
    methods = list(summary["inference"]["methods"])
    headline = summary["inference"]["headline"]
    jt = joint.set_index(["scenario", "treatment", "term"]) if len(joint) else None
    yh = influence[(influence["section"] == "summary") & (influence["statistic"] == "robustness_ratio")]
    yh = yh.set_index(["scenario", "treatment", "term"])["value"]
    strongest = _strongest_controls(models) if models is not None else {}
    rows: list[dict] = []
    curves = sorted(summary["curves"], key=lambda c: curve_order(c["treatment"], c["term"]))
    for c in curves:
        key = (c["scenario"], c["treatment"], c["term"])

        def add(section, quantity, label, kind, value, n=None, low=None, high=None, detail=""):
            rows.append({"treatment": c["treatment"], "term": c["term"], "section": section,
                         "quantity": quantity, "label": label, "kind": kind, "scenario": c["scenario"],
                         "design": None, "value": value, "n": n, "low": low, "high": high, "detail": detail})

        add("effect", "models", "specifications (models)", "count", c["models"])
        add("effect", "median_estimate", "median effect, common scale", "estimate", c["median_estimate_common"])
        for m in methods:
            if m in c["share_significant"]:
                label = METHOD_LABELS.get(m, m) + (" (headline)" if m == headline else "")
                add("significance", f"share_significant_{m}", f"significant: {label}", "share",
                    c["share_significant"][m], n=c["models_with_p"].get(m))
        # a family without OLS/WLS models on a fixed sample has a record but no joint test
        if jt is not None and key in jt.index and jt.loc[key, "n_models"] > 0:
            j = jt.loc[key]
            for col, label in JOINT.items():
                add("joint", col, label, "p", float(j[col]), n=int(j["draws"]))
        if key in yh.index:
            add("robustness", "robustness_ratio", "Young-Holsteen robustness ratio", "ratio", float(yh.loc[key]))
        conf = c.get("confounding") or {}
        if conf.get("models_with_rv"):
            n_rv = conf["models_with_rv"]
            add("confounding", "rv_q1", "robustness value RV (median)", "share", conf["rv_q1"]["median"], n=n_rv,
                low=conf["rv_q1"]["min"])
            # benchmarks exist only for models with a control; the models say how many
            n_k, who = strongest.get(key, (None, ""))
            times = conf["times_strongest_control"]
            add("confounding", "times_strongest_control", "confounder needed, x strongest control (median)",
                "multiple", times["median"], n=n_k, low=times["min"], detail=who)
            add("confounding", "share_weaker_than_strongest",
                "explained away by a confounder weaker than the strongest control", "share",
                conf["share_explained_away_by_a_confounder_weaker_than_the_strongest_control"], n=n_k)
    if discrimination is not None and len(discrimination):
        rows += _audit_rows(discrimination, {(c["treatment"], c["term"]) for c in curves})
    out = pd.DataFrame(rows, columns=COLUMNS)
    order = {k: i for i, k in enumerate(dict.fromkeys((c["treatment"], c["term"]) for c in curves))}
    out["_curve"] = [order[(t, m)] for t, m in zip(out["treatment"], out["term"])]
    out["_audit"] = out["section"].eq("audit")
    out = out.sort_values(["_curve", "_audit"], kind="stable")
    return out.drop(columns=["_curve", "_audit"]).reset_index(drop=True)


def curve_order(treatment: str, term: str) -> tuple:
    """The stretch question first: the paper's Model 3 treatment, then Model 2's, then
    the rest alphabetically (a treatment's stretch term before its other terms)."""
    paper = [t for t, _ in sorted(PAPER_MODEL.items(), key=lambda kv: -kv[1][0])]
    rank = paper.index(treatment) if treatment in paper else len(paper)
    return rank, treatment, not term.startswith("target_stretch"), term


def curve_title(treatment: str, term: str) -> str:
    """A reader's title: 'stretch_2006: target stretch against the 2006 baseline, ...'."""
    title = treatment + (f": {TREATMENT_LABELS[treatment]}" if treatment in TREATMENT_LABELS else "")
    if len(TREATMENT_TERMS.get(treatment, (term,))) > 1:
        title += f" (coefficient of {term})"
    return title


def _audit_rows(disc: pd.DataFrame, curves: set) -> list[dict]:
    """Per curve and design: the one-tailed rejection rate, mean (min, max) over the
    audit's baseline x outcome families; mechanical designs first, in the audit's order."""
    rows = []
    disc = disc.assign(_mech=disc["role"].ne("power"))
    for (treatment, term), g in disc.groupby(["treatment", "term"], sort=False):
        if (treatment, term) not in curves:
            continue
        for design, d in sorted(g.groupby("design", sort=False), key=lambda kv: not kv[1]["_mech"].iloc[0]):
            rate = d["rejection_rate_one_tailed"].to_numpy(float)
            mechanical = bool(d["_mech"].iloc[0])
            rows.append({
                "treatment": treatment, "term": term, "section": "audit",
                "quantity": "false_positive_rate" if mechanical else "power",
                "label": design_label(design), "kind": "share", "scenario": None, "design": design,
                "value": float(np.mean(rate)), "n": len(rate), "low": float(np.min(rate)),
                "high": float(np.max(rate)), "detail": "",
            })
    return rows


def _strongest_controls(models: pd.DataFrame) -> dict:
    """Per curve: how many models have a benchmark (those with at least one control) and
    the control most often the strongest, as text ('deprivation in 992 of 2,528')."""
    if "strongest_control" not in models or "benchmark_strongest_q1" not in models:
        return {}
    fixed = usable_models(models)
    fixed = fixed[np.isfinite(fixed["benchmark_strongest_q1"].to_numpy(float))]
    out = {}
    for key, g in fixed.groupby(["scenario", "treatment", "term"]):
        counts = g["strongest_control"].astype(str).value_counts()
        out[key] = (len(g), f"{counts.index[0]} in {counts.iloc[0]:,} of {len(g):,}")
    return out


def familywise_by_choice(models: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Which specifications survive Romano-Wolf: per curve, choice dimension and option,
    the models with a familywise p and how many of them have p < alpha (the models
    summary.json counts: usable, post-selection samples apart)."""
    cols = ["scenario", "treatment", "term", "dimension", "option", "models", "survivors"]
    if "p_romano_wolf" not in models:
        return pd.DataFrame(columns=cols)
    fixed = usable_models(models)
    fixed = fixed[np.isfinite(fixed["p_romano_wolf"].to_numpy(float))]
    fixed = fixed.assign(_survives=fixed["p_romano_wolf"].to_numpy(float) < alpha)
    rows = []
    for (scenario, treatment, term), g in fixed.groupby(["scenario", "treatment", "term"], sort=True):
        rows.append((scenario, treatment, term, "all", "all", len(g), int(g["_survives"].sum())))
        for dim in CHOICE_DIMENSIONS:
            for option, h in g.groupby(dim, sort=True):
                rows.append((scenario, treatment, term, dim, str(option), len(h), int(h["_survives"].sum())))
    return pd.DataFrame(rows, columns=cols)


# --- sentences: every number quoted is in the answer frame or familywise_by_choice


def headline_curve(answer: pd.DataFrame) -> tuple[str, str]:
    """The curve the stretch question is about: the first stretch curve in the answer's
    order (the paper's Model 3 treatment when configured), else the first curve."""
    curves = list(dict.fromkeys(zip(answer["treatment"], answer["term"])))
    stretch = [c for c in curves if c[1].startswith("target_stretch")]
    return (stretch or curves)[0]


def _value(answer, curve, quantity, scenario=None, design=None) -> pd.Series | None:
    sel = (answer["treatment"] == curve[0]) & (answer["term"] == curve[1]) & (answer["quantity"] == quantity)
    sel &= answer["scenario"].isna() if scenario is None else answer["scenario"].eq(scenario)
    if design is not None:
        sel &= answer["design"].eq(design)
    hit = answer[sel]
    return None if hit.empty else hit.iloc[0]


def _headline_share(answer, curve, scenario) -> pd.Series | None:
    sig = answer[(answer["treatment"] == curve[0]) & (answer["term"] == curve[1])
                 & answer["scenario"].eq(scenario) & answer["section"].eq("significance")]
    head = sig[sig["label"].str.endswith("(headline)")]
    return None if sig.empty else (head if len(head) else sig).iloc[0]


def format_p(p: float, draws: int | None = None) -> str:
    """'p = .020' or 'p < .001'; at the floor of a resampled test, says so."""
    text = numbers.p_phrase(p)
    if draws and p <= 1.0 / (1 + draws) + 1e-12:
        text += f" (the smallest {draws:,} null draws allow)"
    return text


def _scenarios(answer, curve) -> list[str]:
    sel = (answer["treatment"] == curve[0]) & (answer["term"] == curve[1]) & answer["scenario"].notna()
    return list(dict.fromkeys(answer.loc[sel, "scenario"]))


def mechanical_sentence(answer: pd.DataFrame, alpha: float) -> str:
    """When "robust across specifications" does not mean "not mechanical", with the run's
    numbers: the no-effect scenario's curve (when simulated) and the audit's most
    misleading mechanical design beside the power of a real effect."""
    curve = headline_curve(answer)
    name = f"{curve[0]}" + ("" if curve[1] == "target_stretch" else f" ({curve[1]})")
    parts = []
    scenarios = _scenarios(answer, curve)
    scenario = NO_EFFECT_SCENARIO if NO_EFFECT_SCENARIO in scenarios else None
    observed = scenarios[0] if scenario is None and scenarios else scenario
    share = _headline_share(answer, curve, observed) if observed else None
    joint = _value(answer, curve, "p_n_significant", observed) if observed else None
    ratio = _value(answer, curve, "robustness_ratio", observed) if observed else None
    robust = joint is not None and joint["value"] < alpha
    if share is not None and joint is not None:
        method = share["label"].removeprefix("significant: ").removesuffix(" (headline)")
        facts = (f"{numbers.percent(share['value'])} of the {int(share['n']):,} {name} specifications "
                 f"are significant "
                 f"({method}, p < {numbers.level(alpha)}) and the joint test of the whole curve gives "
                 f"{format_p(joint['value'], int(joint['n']))}")
        if ratio is not None:
            facts += f", with a Young-Holsteen robustness ratio of {ratio['value']:.1f}"
        if scenario is not None and robust:
            parts.append(f"Robust across specifications does not mean not mechanical: in the simulated "
                         f"'{scenario}' scenario, where targets do nothing, {facts}.")
        elif scenario is not None:
            parts.append(f"In the simulated '{scenario}' scenario, where targets do nothing, {facts}: on this "
                         "run the curve as a whole does tell the no-effect world apart.")
        else:
            parts.append(f"On these data {facts}.")
    mech = answer[(answer["treatment"] == curve[0]) & (answer["term"] == curve[1])
                  & answer["quantity"].eq("false_positive_rate")]
    if len(mech):
        worst = mech.loc[mech["value"].idxmax()]
        power = _value(answer, curve, "power")
        span = (f"{numbers.percent(worst['low'])} to {numbers.percent(worst['high'])}"
                if worst["low"] != worst["high"] else f"{numbers.percent(worst['low'])} in every one")
        text = (f"In the audit, where no target has any effect, the design \"{worst['label']}\" gives a "
                f"significant positive slope (one-tailed p < {numbers.level(alpha)}, as in the paper) in "
                f"{numbers.percent(worst['value'])} of simulated datasets on average over {int(worst['n'])} baseline x outcome families ({span})")
        if power is not None:
            text += f", against {numbers.percent(power['value'])} when targets truly work (the planted effect)"
        if worst["value"] >= 0.5:
            text += ("; a curve that is robust across baselines, outcomes and inference methods can therefore "
                     "still be produced by how targets were set, which no specification choice can undo.")
        else:
            text += "; here no mechanical design comes close to a robust curve."
        if scenario is None and robust and worst["value"] >= 0.5:
            text = text.rstrip(".") + ", so this robustness cannot by itself rule out a mechanical origin."
        parts.append(text)
    return " ".join(parts)


def confounding_sentence(answer: pd.DataFrame, survivors: pd.DataFrame | None = None) -> str:
    """How strong a hidden confounder would have to be, in units of the strongest observed
    control, and which specifications survive Romano-Wolf familywise control, for the
    headline curve in every scenario."""
    curve = headline_curve(answer)
    scenarios = _scenarios(answer, curve)
    bounds = []
    for s in scenarios:
        times = _value(answer, curve, "times_strongest_control", s)
        if times is None or not np.isfinite(times["value"]):
            continue
        bounds.append((s, times))
    parts = []
    if bounds:
        s, t = bounds[0]
        over = [f"most often {t['detail'].split(' in ')[0]}"] if t["detail"] else []
        over.append(f"median over {int(t['n']):,} OLS/WLS specifications with controls" if pd.notna(t["n"])
                    else "median over the OLS/WLS specifications with controls")
        text = (f"To explain the {curve[0]} estimate away, a hidden confounder would have to be "
                f"{t['value']:.1f} times as strong as the strongest observed control ({'; '.join(over)}; at "
                f"least {t['low']:.1f} times in each) in the '{s}' scenario")
        for s2, t2 in bounds[1:]:
            text += f", and {t2['value']:.1f} times (at least {t2['low']:.1f}) in '{s2}'"
        mech = [b for b in bounds if b[0] == NO_EFFECT_SCENARIO]
        if mech and mech[0][1]["value"] > 1:
            text += (f"; in '{NO_EFFECT_SCENARIO}' the effect is pure measurement coupling, so omitted-variable "
                     "bounds, like robustness, cannot reveal a mechanical effect")
        parts.append(text + ".")
    fw = []
    for s in scenarios:
        rw = _value(answer, curve, "share_significant_romano_wolf", s)
        if rw is None or not rw["n"]:
            continue
        k = int(round(rw["value"] * rw["n"]))
        fw.append(f"{k:,} of {int(rw['n']):,} in '{s}'" + _concentration(survivors, s, curve))
    if fw:
        parts.append("Under familywise control (Romano-Wolf step-down within each scenario's curve), the "
                     f"{curve[0]} specifications that stay significant number " + "; ".join(fw) + ".")
    return " ".join(parts)


def verdict_off_paragraph() -> str:
    """What the front page opens with when the run has no verdict (verdict.enabled: false)."""
    return ("Could this study's headline numbers have arisen without any effect of targets? This run "
            "does not answer that: its verdict is switched off (verdict.enabled: false), because the "
            "verdict judges a set of published tables and these data are not the areas those tables "
            "describe (docs/verdict.md; verdict.published takes another study's tables). What the "
            "specifications themselves can and cannot say follows, with the audit's evidence on how "
            "target-setting alone can produce a positive stretch slope.\n")


def headline_sentence(headline: dict) -> str:
    """Why the shares above count significance by the headline inference: the calibration
    suite's evidence (calibration/headline.json), with a warning when this run's own
    calibration does not back the configured choice."""
    text = (f"Significance in these tables is counted with the headline inference, {headline['headline']} "
            "(config inference.headline): the method whose size the calibration suite found within Monte Carlo "
            "error of the nominal level on every design of the study, with real leverage and heteroskedastic, "
            "heavy-tailed and survey-sampling nulls (README, 'Which inference to trust'). This run's "
            f"calibration: {headline['explanation']}")
    if not headline.get("within_mc_error_everywhere", True):
        text += (f" Caution: in this run's calibration {headline['headline']} was not within Monte Carlo error of "
                 "the nominal size on every design; the methods that were are "
                 + (", ".join(headline.get("methods_within_mc_error_everywhere") or []) or "none") + ".")
    return text


def oster_sentence(oster: pd.DataFrame) -> str:
    """Oster's delta for the paper's Models 2 and 3 (multiverse/sensitivity/*_oster.csv): at
    R_max = 1.3 R-tilde, and at the sweep's largest R_max; '' without the paper's models."""
    if oster.empty:
        return ""
    parts = []
    for (model, term), rows in oster.groupby(["model", "term"], sort=True):
        cells = []
        for scenario, g in rows.groupby("scenario", sort=False):
            rule, top = g[g["r_max_rule"].astype(bool)], g.loc[g["r_max"].idxmax()]
            if rule.empty:
                continue
            cells.append(f"{rule['delta'].iloc[0]:.2f} in '{scenario}' ({top['delta']:.2f} at R-max "
                         f"{top['r_max']:.2f})")
        if cells:
            parts.append(f"Model {int(model)} ({term}): " + ", ".join(cells))
    if not parts:
        return ""
    return ("Oster's delta, how many times as strong selection on unobservables would have to be as selection "
            "on the observed controls to explain the paper's estimate away (R-max = 1.3 x the R-squared with "
            "controls; above 1 is usually read as robust, and a negative value means the controls moved the "
            "estimate away from zero): " + "; ".join(parts) + ". The sweep over R-max is in "
            "multiverse/sensitivity/<scenario>_oster.csv.")


def _concentration(survivors: pd.DataFrame | None, scenario: str, curve) -> str:
    """Where the survivors of a partly surviving curve sit: the choice whose options
    differ most in their survival share, e.g. ' (15 of 24 with outcome = ancova, 2 of 24
    with outcome = pct_change)'."""
    if survivors is None or survivors.empty:
        return ""
    g = survivors[(survivors["scenario"] == scenario) & (survivors["treatment"] == curve[0])
                  & (survivors["term"] == curve[1])]
    total = g[g["dimension"] == "all"]
    if total.empty or total["survivors"].iloc[0] in (0, total["models"].iloc[0]):
        return ""
    opts = g[g["dimension"] != "all"].assign(share=lambda d: d["survivors"] / d["models"])
    spread = opts.groupby("dimension")["share"].agg(lambda x: x.max() - x.min())
    if spread.empty or spread.max() <= 0:
        return ""
    dim = spread.idxmax()
    d = opts[opts["dimension"] == dim].sort_values("share", ascending=False)
    hi, lo = d.iloc[0], d.iloc[-1]
    return (f" ({hi['survivors']} of {hi['models']} with {dim} = {hi['option']}, "
            f"{lo['survivors']} of {lo['models']} with {dim} = {lo['option']})")
