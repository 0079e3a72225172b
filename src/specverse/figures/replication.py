"""Table 2, ours against the published: a coefficient plot per model and scenario.

Coefficients differ by four orders of magnitude across terms (ethnic diversity
~0.0001, the constant ~100), so every row is drawn in units of the *published*
standard error of that coefficient: the published estimate sits at its t-value,
ours at estimate / published SE, each with an approximate 95% interval
(+-1.96 SE).  The numbers themselves are printed beside each row.  The title counts the
coefficients within one published SE of the paper's, per scenario; the rows drawn are
saved beside the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse import numbers as fmt
from specverse.analysis.table import check_columns

from . import _plot

REQUIRED = ("scenario", "model", "term", "estimate", "std_error", "published_estimate", "published_std_error")
Z95 = 1.959963984540054
SCENARIO_COLOURS = ["#1f78b4", "#e66101", "#33a02c", "#6a3d9a"]
TREATMENT_TERMS = ("target_on", "target_stretch")


def scaled_rows(table2: pd.DataFrame) -> pd.DataFrame:
    """Each (scenario, model, term) with estimate and interval in published-SE units."""
    check_columns(table2, REQUIRED, "table2")
    t = table2.copy()
    pub_se = t["published_std_error"].astype(float)
    if (pub_se <= 0).any():
        bad = t.loc[pub_se <= 0, ["model", "term"]].iloc[0].tolist()
        raise ValueError(f"table2: non-positive published_std_error for model/term {bad}")
    t["ours_z"] = t["estimate"] / pub_se
    t["ours_lo"] = (t["estimate"] - Z95 * t["std_error"]) / pub_se
    t["ours_hi"] = (t["estimate"] + Z95 * t["std_error"]) / pub_se
    t["published_z"] = t["published_estimate"] / pub_se
    return t


def table2_title(t: pd.DataFrame) -> str:
    """Per scenario, how many coefficients lie within one published SE of the paper's."""
    close = (t["ours_z"] - t["published_z"]).abs().le(1)
    per = [f"{int(close[t['scenario'] == scen].sum())} of {int((t['scenario'] == scen).sum())} "
           f"(scenario '{scen}')" for scen in dict.fromkeys(t["scenario"])]
    return f"Table 2 replicated: {' and '.join(per)} coefficients lie within one published SE of the paper's"


def plot_table2(table2: pd.DataFrame, *, png, pdf=None, note: str = "") -> None:
    t = scaled_rows(table2)
    models = sorted(t["model"].unique())
    scenarios = list(dict.fromkeys(t["scenario"]))
    # The treatment first (the paper's finding), then the controls, the constant last.
    seen = list(dict.fromkeys(t["term"]))
    term_order = [x for x in TREATMENT_TERMS if x in seen] + [x for x in seen if x not in TREATMENT_TERMS and x != "const"]
    term_order += ["const"] if "const" in seen else []
    nterm = max(t.groupby("model")["term"].nunique())
    height = 0.42 * nterm * max(1, len(scenarios) / 2) + 1.8
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig, axes = _plot.plt.subplots(1, len(models), figsize=(5.9 * len(models), height), squeeze=False)
    fig.subplots_adjust(left=0.1, right=0.94, top=1 - 0.95 / height, bottom=margin + 0.75 / height, wspace=1.05)
    step = 0.7 / max(1, len(scenarios))
    for ax, model in zip(axes[0], models):
        sub = t[t["model"] == model]
        terms = [x for x in term_order if x in set(sub["term"])]
        for i, term in enumerate(terms):
            rows = sub[sub["term"] == term]
            pub = rows.iloc[0]
            y0 = i - 0.35
            ax.plot([pub["published_z"] - Z95, pub["published_z"] + Z95], [y0, y0], color="black", lw=1.6)
            ax.plot(pub["published_z"], y0, "D", color="black", ms=5)
            label = [f"pub {fmt.number(pub['published_estimate'])}"]
            for s_i, scen in enumerate(scenarios):
                r = rows[rows["scenario"] == scen]
                if r.empty:
                    continue
                r = r.iloc[0]
                y = y0 + step * (s_i + 1)
                col = SCENARIO_COLOURS[s_i % len(SCENARIO_COLOURS)]
                ax.plot([r["ours_lo"], r["ours_hi"]], [y, y], color=col, lw=1.6)
                ax.plot(r["ours_z"], y, "o", color=col, ms=4.5)
                label.append(f"{scen} {fmt.number(r['estimate'])}")
            ax.text(1.01, i, "\n".join(label), transform=ax.get_yaxis_transform(), fontsize=6,
                    va="center", ha="left")
        ax.set_yticks(range(len(terms)), terms, fontsize=8)
        ax.set_ylim(len(terms) - 0.5, -0.6)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.grid(axis="x", color="0.9", lw=0.6)
        fit = f" (n = {int(sub['n'].iloc[0])})" if "n" in sub and sub["n"].notna().any() else ""
        ax.set_title(f"Model {model}{fit}", fontsize=10)
        ax.set_xlabel("coefficient / published standard error\n(bars: estimate +- 1.96 SE, same units)",
                      fontsize=8)
    handles = [_plot.plt.Line2D([], [], color="black", marker="D", lw=1.6, label="published (paper's Table 2)")]
    handles += [_plot.plt.Line2D([], [], color=SCENARIO_COLOURS[i % 4], marker="o", lw=1.6,
                                 label=f"ours, scenario '{s}'") for i, s in enumerate(scenarios)]
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize=8.5, frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.33 / height))
    fig.suptitle(table2_title(t), fontsize=11, fontweight="bold", y=1 - 0.06 / height)
    _plot.add_note(fig, note)
    cols = ["scenario", "model", "term", "estimate", "std_error", "published_estimate", "published_std_error",
            "ours_z", "ours_lo", "ours_hi", "published_z"]
    _plot.save_figure(fig, png, pdf, data=t[cols])
