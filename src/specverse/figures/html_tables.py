"""Small self-contained HTML tables for the report, each with the simulated-data note
visible above the table when it applies."""

from __future__ import annotations

import html

import pandas as pd

STYLE = (
    "body{font-family:sans-serif;font-size:13px;margin:12px}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}"
    ".note{color:#b30000;font-weight:bold;border:2px solid #b30000;padding:6px;margin:8px 0;max-width:60em}"
)


def html_table(df: pd.DataFrame, title: str, note: str = "", intro: str = "", digits: int = 4) -> str:
    """A full HTML page: title, optional note (red box), optional intro, the table."""
    def cell(v):
        if isinstance(v, float):
            return "" if pd.isna(v) else f"{v:.{digits}g}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        tds = "".join(
            f'<td class="l">{cell(v)}</td>' if isinstance(v, str) else f"<td>{cell(v)}</td>" for v in rec
        )
        rows.append(f"<tr>{tds}</tr>")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{STYLE}</style></head><body><h2>{html.escape(title)}</h2>"]
    if note:
        parts.append(f'<div class="note">{html.escape(note)}</div>')
    if intro:
        parts.append(f"<p>{html.escape(intro)}</p>")
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>")
    return "".join(parts)


def report_pages(joint: pd.DataFrame, table2: pd.DataFrame, fit: pd.DataFrame, influence: pd.DataFrame,
                 note) -> dict[str, str]:
    """The report's HTML tables: joint tests, Table 2 and the Young & Holsteen summary.

    ``note(scenarios)`` gives the simulated-data note for the scenarios a table covers.
    Returns ``{"joint": html, "table2": html, "influence": html}``.
    """
    summary = influence[influence["section"] == "summary"].pivot_table(
        index=["scenario", "treatment", "term"], columns="statistic", values="value", sort=False
    ).reset_index()
    t2_fit = table2.merge(fit, on=["scenario", "model"], how="left", suffixes=("", "_fit"))

    def scenarios(df):
        return list(dict.fromkeys(df["scenario"]))

    return {
        "joint": html_table(
            joint, "Joint tests of the specification curves", note(scenarios(joint)),
            "Per scenario and treatment term, over the models (each counted once; post-selection samples "
            "apart): the median estimate on the common scale (% change in NI1 relative to the 2006 baseline), "
            "the number of models significant in the dominant sign and Stouffer's Z, each with p = (1 + null "
            "draws at least as extreme) / (1 + draws), the null removing the effect and resampling rows. "
            "Small p: the curve as a whole is unlikely without an effect."),
        "table2": html_table(
            t2_fit, "Table 2 replicated, beside the published values", note(scenarios(table2)),
            "Stars are one-tailed as in the paper: + p < .10, * p < .05, ** p < .01."),
        "influence": html_table(
            summary, "Model uncertainty (Young & Holsteen) per curve", note(scenarios(summary)),
            "On the common scale, one row per model: sampling variance = mean squared SE; modelling "
            "variance = variance of the estimates across models; robustness ratio = mean estimate / "
            "total SD."),
    }
