"""Small self-contained HTML tables for the report, formatted for people, each with the
simulated-data note visible above the table when it applies.

Numbers read as a person writes them: counts with thousands separators (11,930, never
1.193e+04), p-values as "< .001" or three decimals, shares as percentages, estimates
with three decimals.  Each page shows the columns that carry its answer first, in one
table narrow enough for the report's content pane at 1400 px, and the remaining columns
in a "details" table below it, so nothing is cut off and nothing is dropped.  Every
header keeps the CSV column name as its tooltip (the saved files use those names).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from specverse import numbers

STYLE = (
    "body{font-family:sans-serif;font-size:12px;margin:12px}"
    "table{border-collapse:collapse;margin:4px 0 14px}"
    "th,td{border:1px solid #ccc;padding:2px 5px;text-align:right}"
    "th{background:#f0f0f0;font-weight:600;vertical-align:bottom;max-width:8em}"
    "td{white-space:nowrap}td.l,th.l{text-align:left}td.l{white-space:normal}"
    ".scroll{overflow-x:auto}"
    ".note{color:#b30000;font-weight:bold;border:2px solid #b30000;padding:6px;margin:8px 0;max-width:60em}"
    ".conclude{max-width:60em}.small{color:#555;max-width:60em}"
)


# --- numbers for people


def fmt_count(x) -> str:
    return "" if _missing(x) else numbers.count(round(float(x)))


def fmt_p(p) -> str:
    """'< .001', else three decimals without the leading zero (APA style)."""
    return "" if _missing(p) else numbers.p_text(float(p))


def fmt_share(x) -> str:
    """A share as a percentage; never rounds a nonzero share to 0% or a partial one to 100%."""
    if _missing(x):
        return ""
    x = float(x)
    if 0 < x < 0.005:
        return "< 1%"
    if 0.995 <= x < 1:
        return "> 99%"
    return f"{100 * x:.0f}%"


def fmt_number(x, digits: int = 3) -> str:
    """Fixed notation with thousands separators: ``digits`` decimals below 100, one below
    1,000, none above; a nonzero value smaller than the last decimal keeps two significant
    digits (0.00012) instead of showing as 0.000."""
    if _missing(x):
        return ""
    x = float(x)
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:,.1f}"
    if 0 < ax < 10 ** -digits:
        return f"{x:.{min(12, 1 - math.floor(math.log10(ax)))}f}"
    return f"{x:,.{digits}f}"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (not isinstance(x, str) and pd.isna(x))


FORMATS: dict[str, Callable] = {
    "count": fmt_count, "p": fmt_p, "share": fmt_share, "number": fmt_number,
    "number2": lambda x: fmt_number(x, 2), "number4": lambda x: fmt_number(x, 4),
    "text": lambda x: "" if _missing(x) else str(x),
    "value": lambda x: "" if _missing(x) else str(x),  # already formatted, right-aligned
}


def column_kind(name: str, values: pd.Series) -> str:
    """How a column reads when a page does not say: by its name, then its type."""
    if name == "p" or name.startswith("p_"):
        return "p"
    if name.startswith(("share", "rejection_rate")) or name.endswith("_share"):
        return "share"
    if name in ("n", "models", "draws", "replications") or name.startswith("n_"):
        return "count"
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return "text"
    if pd.api.types.is_integer_dtype(values):
        return "count"
    return "number"


@dataclass(frozen=True)
class Col:
    """A column of a people's table: the CSV name, its header and how it reads."""

    name: str
    header: str | None = None
    kind: str | None = None


def people_table(df: pd.DataFrame, columns: Sequence[Col | str] | None = None) -> str:
    """An HTML <table> of ``columns`` (all, in order, when None) formatted for people."""
    cols = [c if isinstance(c, Col) else Col(c) for c in (columns or list(df.columns))]
    cols = [c for c in cols if c.name in df.columns]
    kinds = [c.kind or column_kind(c.name, df[c.name]) for c in cols]
    left = [' class="l"' if k == "text" else "" for k in kinds]
    head = "".join(
        f'<th{a} title="{html.escape(c.name)}">{html.escape(c.header or c.name.replace("_", " "))}</th>'
        for c, a in zip(cols, left))
    body = []
    for rec in df[[c.name for c in cols]].itertuples(index=False):
        tds = "".join(f"<td{a}>{html.escape(FORMATS[k](v))}</td>" for v, k, a in zip(rec, kinds, left))
        body.append(f"<tr>{tds}</tr>")
    return f"<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


DETAIL_COLUMNS = 6


def split_table(df: pd.DataFrame, key: Sequence[Col | str], ids: Sequence[Col | str]) -> str:
    """The key columns in one table, then every other column beside the row ids in
    "details" tables of at most DETAIL_COLUMNS columns each: nothing cut off at the
    pane's width, nothing left out."""
    def name(c):
        return c.name if isinstance(c, Col) else c

    shown = {name(c) for c in [*key, *ids]} | {"treatment", "term"}
    rest = [c for c in df.columns if c not in shown]
    out = people_table(df, key)
    if rest:
        out += "<h3>Details</h3>" + "".join(
            people_table(df, [*ids, *rest[i:i + DETAIL_COLUMNS]]) for i in range(0, len(rest), DETAIL_COLUMNS))
    return out


def html_page(title: str, body: str, note: str = "", intro: str = "") -> str:
    """A full HTML page: title, optional note (red box), optional intro, the body."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{STYLE}</style></head><body><h2>{html.escape(title)}</h2>"]
    if note:
        parts.append(f'<div class="note">{html.escape(note)}</div>')
    if intro:
        parts.append(f'<p class="conclude">{html.escape(intro)}</p>')
    parts.append(body + "</body></html>")
    return "".join(parts)


def html_table(df: pd.DataFrame, title: str, note: str = "", intro: str = "") -> str:
    """A full HTML page holding ``df`` as one people's table."""
    return html_page(title, people_table(df), note, intro)


def _scenarios(df: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(df["scenario"])) if "scenario" in df else []


METHOD_HEADERS = {"romano_wolf": "Romano-Wolf", "permutation": "permu\u00adtation"}
CURVE = [Col("scenario", kind="text"), Col("curve", "treatment (coefficient)", "text")]


def with_curve(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a ``curve`` column: the treatment, and its coefficient only where the
    treatment reports several (one column fewer than treatment and term side by side)."""
    if df.empty:
        return df.assign(curve=pd.Series(dtype=str))
    terms = df.groupby("treatment")["term"].transform("nunique")
    curve = [t if k == 1 else f"{t} ({m})" for t, m, k in zip(df["treatment"], df["term"], terms)]
    return df.assign(curve=curve)


def report_pages(joint: pd.DataFrame, table2: pd.DataFrame, fit: pd.DataFrame, influence: pd.DataFrame,
                 note) -> dict[str, str]:
    """The report's HTML tables: joint tests, Table 2 and the Young & Holsteen summary.

    ``note(scenarios)`` gives the simulated-data note for the scenarios a table covers.
    Returns ``{"joint": html, "table2": html, "influence": html}``.
    """
    summary = influence[influence["section"] == "summary"].pivot_table(
        index=["scenario", "treatment", "term"], columns="statistic", values="value", sort=False
    ).reset_index()
    summary.columns.name = None
    summary, joint = with_curve(summary), with_curve(joint)
    apart = [c for c in ("n_not_usable", "n_excluded_huber", "n_post_selection_apart") if c in joint]
    joint = joint.assign(n_left_out=joint[apart].fillna(0).sum(axis=1).astype(int)) if apart else joint
    draws = int(joint["draws"].iloc[0]) if "draws" in joint and len(joint) else None
    floor = f" With {draws:,} null draws the smallest possible p is {fmt_p(1 / (1 + draws))}." if draws else ""
    joint_key = [*CURVE, Col("median_estimate", "median estimate"), Col("p_median", "p (median)"),
                 Col("n_models", "models"), Col("n_left_out", "left out"), Col("n_significant", "significant"),
                 Col("p_n_significant", "p (significant)"), Col("stouffer_z", "Stouffer's Z", "number2"),
                 Col("p_stouffer", "p (Stouffer)")]
    t2_key = [Col("scenario", kind="text"), Col("model", kind="count"), Col("term", kind="text"),
              Col("estimate", "estimate", "number"), Col("published_estimate", "published", "number"),
              Col("std_error", "robust SE"), Col("published_std_error", "published SE"),
              Col("stars", "stars", "text"), Col("published_stars", "published stars", "text"),
              Col("p_one_tailed_same_sign", "p one-tailed")]
    fit_cols = [Col("scenario", kind="text"), Col("model", kind="count"), Col("n", "N"),
                Col("published_n", "published N"), Col("r_squared", "R²"),
                Col("published_r_squared", "published R²", "number2"), Col("f_statistic", "F", "number2"),
                Col("published_f_statistic", "published F", "number2")]
    yh_cols = [*CURVE, Col("mean_estimate", "mean estimate"), Col("robustness_ratio", "robustness ratio", "number2"),
               Col("share_significant", "significant"), Col("models_with_p", "of models with a p", "count"),
               Col("sign_stability", "same sign", "share"),
               Col("sampling_variance", "sampling variance", "number4"),
               Col("modelling_variance", "modelling variance", "number4")]
    return {
        "joint": html_page(
            "Joint tests: is the curve as a whole surprising without an effect?",
            split_table(joint, joint_key, CURVE), note(_scenarios(joint)),
            "Per scenario and treatment term, over the models (each counted once; post-selection samples "
            "apart): the median estimate on the common scale (% change in NI1 relative to the 2006 baseline), "
            "the number of models significant in the dominant sign and Stouffer's Z, each with p = (1 + null "
            "draws at least as extreme) / (1 + draws), the null removing the effect and resampling rows. "
            "A small p says the curve as a whole would be unlikely if the treatment had no effect; it does "
            "not say why there is an effect (a mechanical one passes too). Left out: models excluded by a "
            "declared rule or not converged, Huber models (no refit) and post-selection samples "
            "(joint_tests.csv counts each)." + floor),
        "table2": html_page(
            "Table 2 replicated, beside the published values",
            people_table(table2, t2_key) + "<h3>Fit of each model</h3>" + people_table(fit, fit_cols)
            + "<h3>Details</h3>" + people_table(table2, [Col("scenario", kind="text"), Col("model", kind="count"),
                                                         Col("term", kind="text"), "t", "p_two_tailed"]),
            note(_scenarios(table2)),
            "Stars are one-tailed as in the paper: + p < .10, * p < .05, ** p < .01. Where our estimate and "
            "stars match the published ones, the replication reproduces the paper on this data."),
        "influence": html_page(
            "Model uncertainty (Young & Holsteen) per curve",
            split_table(summary, yh_cols, CURVE), note(_scenarios(summary)),
            "On the common scale, one row per model: sampling variance = mean squared SE; modelling "
            "variance = variance of the estimates across models; robustness ratio = mean estimate / "
            "total SD (above 2: the estimate stands out from both kinds of uncertainty); significant = "
            "share with a headline p below alpha, among the models that have one (Huber models have no "
            "resampled p)."),
    }


# --- the tables the README lists that had no page: Table 1, summary.json, the audit's


def table1_page(table1: pd.DataFrame, note) -> str:
    """Each statistic as 'ours (published)': half the columns, and the comparison in one cell."""
    shown = table1[["scenario", "variable", "n", "provenance"]].copy()
    for stat in ("mean", "sd", "min", "max"):
        shown[stat] = [f"{fmt_number(a, 2)} ({fmt_number(b, 2)})" if not _missing(b) else fmt_number(a, 2)
                       for a, b in zip(table1[stat], table1[f"published_{stat}"])]
    cols = [Col("scenario", kind="text"), Col("variable", kind="text"), Col("n", "N", "count"),
            *[Col(stat, f"{label}: ours (published)", "value") for stat, label in
              (("mean", "mean"), ("sd", "SD"), ("min", "min"), ("max", "max"))],
            Col("provenance", kind="text")]
    return html_page("Table 1 (descriptives), ours beside the published values", people_table(shown, cols),
                     note(_scenarios(table1)),
                     "Simulated columns were calibrated to the published mean and SD, so they match by "
                     "construction; observed columns (provenance 'observed') are a real check of the data.")


def summary_page(summary: Mapping, note) -> str:
    """summary.json as three tables: counts, effect and significance per curve, and the
    omitted-variable sensitivity per curve."""
    counts = summary["counts"]
    count_rows = [(k.replace("_", " "), fmt_count(v)) for k, v in counts.items() if not isinstance(v, Mapping)]
    for group, values in counts.items():
        if isinstance(values, Mapping):
            count_rows += [(f"{group.replace('_', ' ')}: {k}", fmt_count(v)) for k, v in values.items()]
    count_html = "<table><tbody>" + "".join(
        f'<tr><td class="l">{html.escape(k)}</td><td>{v}</td></tr>' for k, v in count_rows) + "</tbody></table>"
    methods = list(summary["inference"]["methods"])
    curves, conf = [], []
    for c in summary["curves"]:
        row = {k: c[k] for k in ("scenario", "treatment", "term", "models")}
        row.update(median=c["median_estimate_common"], positive=c["share_positive"],
                   sig_positive=c["share_significant_positive_headline"],
                   post_selection=c["models_post_selection_apart"],
                   post_median=c["post_selection"]["median_estimate_common"])
        row.update({f"sig_{m}": c["share_significant"].get(m) for m in methods})
        curves.append(row)
        cf = c.get("confounding") or {}
        if cf.get("models_with_rv"):
            conf.append({"scenario": c["scenario"], "treatment": c["treatment"], "term": c["term"],
                         "models_with_rv": cf["models_with_rv"], "rv_median": cf["rv_q1"]["median"],
                         "rv_min": cf["rv_q1"]["min"], "rv05_median": cf["rv_q1_alpha05"]["median"],
                         "times_median": cf["times_strongest_control"]["median"],
                         "times_min": cf["times_strongest_control"]["min"],
                         "weaker": cf["share_explained_away_by_a_confounder_weaker_than_the_strongest_control"]})
    curves_df, conf_df = with_curve(pd.DataFrame(curves)), with_curve(pd.DataFrame(conf))
    head = summary["inference"]["headline"]
    effect_cols = [*CURVE, Col("models", "models", "count"), Col("median", "median estimate", "number"),
                   Col("positive", "positive", "share"),
                   Col("sig_positive", f"significant and positive ({head})", "share"),
                   Col("post_selection", "post-selection models (apart)", "count"),
                   Col("post_median", "their median", "number")]
    sig_cols = [*CURVE, *[Col(f"sig_{m}", METHOD_HEADERS.get(m, m) + (" (headline)" if m == head else ""), "share")
                          for m in methods]]
    conf_cols = [*CURVE, Col("models_with_rv", "models", "count"), Col("rv_median", "RV median", "share"),
                 Col("rv_min", "RV min", "share"), Col("rv05_median", "RV (α = .05) median", "share"),
                 Col("times_median", "× strongest control, median", "number2"),
                 Col("times_min", "× strongest control, min", "number2"),
                 Col("weaker", "explained away by a weaker confounder", "share")]
    body = (f"<h3>Effect per curve</h3>{people_table(curves_df, effect_cols)}"
            f"<p class=\"small\">Effects on the common scale: {html.escape(summary['effect_scale'])}. Models "
            "of post-selection samples are summarised apart, never pooled.</p>"
            f"<h3>Share significant per inference method</h3>{people_table(curves_df, sig_cols)}"
            f"<p class=\"small\">Shares are of the models each method gives a p-value for "
            f"({html.escape(summary['inference']['rule'])}); α = {fmt_p(summary['alpha'])}.</p>")
    if len(conf_df):
        body += ("<h3>How strong a hidden confounder would have to be (OLS/WLS models)</h3>"
                 + people_table(conf_df, conf_cols)
                 + "<p class=\"small\">RV: the share of the residual variance of both the outcome and the "
                 "treatment a confounder must explain to bring the estimate to zero (Cinelli &amp; Hazlett); "
                 "× strongest control: how many times as strong as the strongest observed control it must "
                 "be.</p>")
    body += f"<h3>Counts</h3>{count_html}"
    return html_page("What the multiverse says, per curve (summary.json)", body,
                     note(_scenarios(curves_df) if len(curves_df) else []),
                     "One row per scenario and treatment term, each model counted once. A curve that is "
                     "significant under every method and needs a confounder many times the strongest control "
                     "is robust to specification and to omitted variables -- which does not rule out a "
                     "mechanical effect (see the audit).")


def audit_null_page(null_summary: pd.DataFrame, labels: Mapping[str, str]) -> str:
    df = null_summary.assign(design_label=null_summary["design"].map(_short_design))
    legend = "".join(f"<li><b>{html.escape(_short_design(d))}</b>: {html.escape(labels.get(d, d))}</li>"
                     for d in dict.fromkeys(null_summary["design"]))
    key = [Col("design_label", "design", "text"), Col("model", kind="text"),
           Col("term", kind="text"), Col("mean", "mean slope"), Col("q025", "2.5%"), Col("q975", "97.5%"),
           Col("analytic_expectation", "expected (analytic)"), Col("published_estimate", "published"),
           Col("share_at_least_published", "≥ published", "share"),
           Col("rejection_rate_one_tailed", "significant (one-tailed)", "share")]
    return html_page(
        "Audit: slopes that sampling error and target-setting produce without any effect",
        f"<ul class=\"small\">{legend}</ul>"
        + split_table(df.drop(columns=["design"]), key, [Col("design_label", "design", "text"), "model", "term"]),
        "SIMULATED DATA - every dataset of the audit is simulated around the anchor data; no number here is "
        "a finding about real areas.",
        f"Each mechanical design (targets do nothing) gives a distribution of Model 2 and Model 3 slopes over "
        f"{fmt_count(null_summary['replications'].max())} simulated datasets. "
        "Where the published slope lies far above a design's 97.5% point, that design alone cannot produce "
        "it; where a design's slopes are significant in most replications, a significant slope is no "
        "evidence against that mechanism.")


def audit_discrimination_page(discrimination: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """One row per multiverse family (baseline x outcome x treatment term), one column per
    design: the one-tailed rejection rate, then the mean estimate."""
    designs = list(dict.fromkeys(discrimination["design"]))
    ids = ["treatment", "term", "baseline", "outcome"]

    def pivot(value):
        return discrimination.pivot_table(index=ids, columns="design", values=value, sort=False)[designs] \
            .reset_index()

    design_cols = [Col(d, _short_design(d), "share") for d in designs]
    legend = "".join(f"<li><b>{html.escape(_short_design(d))}</b>: {html.escape(labels.get(d, d))}</li>"
                     for d in designs)
    est_cols = [Col(d, _short_design(d), "number") for d in designs]
    body = (f"<ul class=\"small\">{legend}</ul><h3>Share of replications significant and positive "
            f"(one-tailed p &lt; .05)</h3>{people_table(pivot('rejection_rate_one_tailed'), [*ids, *design_cols])}"
            f"<h3>Mean estimate</h3>{people_table(pivot('mean_estimate'), [*ids, *est_cols])}")
    return html_page(
        "Audit: which specifications tell a real stretch effect from a mechanical one",
        body,
        "SIMULATED DATA - every dataset of the audit is simulated; no number here is a finding about real areas.",
        "For each family of the multiverse (full controls, OLS, HC1) and each target-setting design: how often "
        "a significant positive effect appears. A family discriminates when the mechanical designs rarely "
        "reject and the causal one usually does; where the 'from 2008' designs reject as often as the causal "
        "one, a significant result in that family cannot tell a real effect from a mechanical one.")


def _short_design(name: str) -> str:
    if name.startswith("c_mix_"):
        return f"(c) {float(name[6:]):.0%} from 2008"
    return {"a_published_2006": "(a) from 2006", "b_from_2008": "(b) from 2008",
            "d_true_level_2006": "(d) true level", "causal": "causal"}.get(name, name)
