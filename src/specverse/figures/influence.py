"""Which choices matter, drawn: each choice's influence coefficient (Young & Holsteen)
and the variance decomposition, per curve (tables from :mod:`specverse.analysis.influence`).
Titles name the choice that matters most, computed from the tables; the bars drawn are
saved beside each figure."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from specverse import numbers as fmt
from specverse.analysis.table import CHOICE_DIMENSIONS, curve_label

from . import _plot


def _grid(n: int, ncols: int = 3):
    ncols = min(ncols, n)
    return int(np.ceil(n / ncols)), ncols


def influence_title(coef: pd.DataFrame, scenario: str) -> str:
    """The choice with the largest finite shift of the estimate, over every curve."""
    finite = coef[np.isfinite(coef["value"].astype(float))]
    if finite.empty:
        return f"Scenario '{scenario}': no choice's influence is identified"
    top = finite.loc[finite["value"].astype(float).abs().idxmax()]
    return (f"Scenario '{scenario}': the choice that moves the estimate most is {top['dimension']} = "
            f"{top['option']} ({fmt.signed(float(top['value']), 3)} on {curve_label(top['treatment'], top['term'])}, "
            f"against the paper's choice)")


def plot_influence(table: pd.DataFrame, scenario: str, *, png, pdf=None, note: str = "") -> None:
    """One panel per curve: each choice's influence coefficient, grouped by dimension."""
    sub = table[table["scenario"] == scenario]
    keys = list(dict.fromkeys(zip(sub["treatment"], sub["term"])))
    if not keys:
        raise ValueError(f"influence table has no row for scenario {scenario!r}")
    coef = sub[(sub["section"] == "influence") & (sub["statistic"] == "coefficient")]
    order = list(dict.fromkeys(zip(coef["dimension"], coef["option"])))
    order.sort(key=lambda d_o: (list(CHOICE_DIMENSIONS).index(d_o[0]), d_o[1]))
    nrows, ncols = _grid(len(keys))
    # Option names can be long ("includes 10 controls together (...)"): wrap them, and
    # leave the left margin the longest line needs (about 0.055 inch per character at 7 pt).
    labels = [textwrap.fill(f"{d}: {o}", 36) for d, o in order]
    label_in = 0.3 + 0.055 * max(len(line) for lab in labels for line in lab.split("\n"))
    width = 5.2 * ncols + label_in
    title = textwrap.fill(influence_title(coef, scenario), int(9 * width))
    title_in = 0.6 + 0.22 * (title.count("\n") + 1)
    height = nrows * (0.2 * len(order) + 1.4) + 0.4 + title_in
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig, axes = _plot.plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, sharey=True)
    fig.subplots_adjust(left=label_in / width, right=0.98, top=1 - title_in / height,
                        bottom=margin + 0.75 / height, hspace=1.3 / (0.2 * len(order) + 1.4), wspace=0.1)
    ypos = {k: i for i, k in enumerate(order)}
    palette = dict(zip(CHOICE_DIMENSIONS, ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d"]))
    drawn = []
    for ax, (treatment, term) in zip(axes.ravel(), keys):
        c = coef[(coef["treatment"] == treatment) & (coef["term"] == term)]
        summ = sub[(sub["treatment"] == treatment) & (sub["term"] == term) & (sub["section"] == "summary")]
        s = dict(zip(summ["statistic"], summ["value"]))
        y = [ypos[(d, o)] for d, o in zip(c["dimension"], c["option"])]
        vals = c["value"].to_numpy(float)
        ax.barh(y, np.nan_to_num(vals), color=[palette[d] for d in c["dimension"]], height=0.7)
        for yy, v in zip(y, vals):
            if not np.isfinite(v):
                ax.text(0, yy, " not identified", va="center", fontsize=6.5, color="0.4")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(f"{curve_label(treatment, term)}\nmean {fmt.signed(s.get('mean_estimate', np.nan), 3)}, "
                     f"robustness ratio {s.get('robustness_ratio', np.nan):.2f}, "
                     f"sign stability {fmt.percent(s.get('sign_stability', np.nan))}", fontsize=8.5)
        drawn.append(c[["treatment", "term", "dimension", "option", "value"]].rename(columns={"value": "shift"})
                     .assign(mean_estimate=s.get("mean_estimate", np.nan),
                             robustness_ratio=s.get("robustness_ratio", np.nan),
                             sign_stability=s.get("sign_stability", np.nan)))
        ax.set_xlabel("Shift of the estimate when the choice is made, in % change in NI1\nrelative to the "
                      "2006 baseline (vs the paper's choice; others held fixed)", fontsize=7.5)
        ax.grid(axis="x", color="0.9", lw=0.6)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    for ax in axes.ravel()[len(keys):]:
        ax.set_visible(False)
    axes[0, 0].set_yticks(range(len(order)), labels, fontsize=7)
    axes[0, 0].invert_yaxis()
    for r in range(nrows):
        axes[r, 0].tick_params(labelleft=True)
        axes[r, 0].set_yticks(range(len(order)), labels, fontsize=7)
    fig.suptitle(title, fontsize=11, fontweight="bold", y=1 - 0.1 / height, va="top")
    _plot.add_note(fig, note)
    _plot.save_figure(fig, png, pdf, data=pd.concat(drawn, ignore_index=True))


def variance_title(table: pd.DataFrame, scenario: str) -> str:
    """The choice dimension that explains the largest share on most curves, with its range."""
    main = table[table["kind"] == "main"]
    top = main.loc[main.groupby(["treatment", "term"], sort=False)["share"].idxmax()]
    if top.empty:
        return f"Scenario '{scenario}': no variance decomposition"
    leader = top["component"].value_counts().idxmax()
    shares = top.loc[top["component"] == leader, "share"].astype(float)
    span = (fmt.percent(shares.min()) if np.isclose(shares.min(), shares.max())
            else f"{fmt.percent(shares.min())} to {fmt.percent(shares.max())}")
    return (f"Scenario '{scenario}': the choice of {leader} drives most of the spread of the estimates on "
            f"{(top['component'] == leader).sum()} of {len(top)} curves ({span} of their variance)")


def plot_variance(table: pd.DataFrame, scenario: str, *, png, pdf=None, note: str = "") -> None:
    """One panel per curve: share of the variance of the estimates by dimension."""
    sub = table[table["scenario"] == scenario]
    keys = list(dict.fromkeys(zip(sub["treatment"], sub["term"])))
    if not keys:
        raise ValueError(f"variance table has no row for scenario {scenario!r}")
    nrows, ncols = _grid(len(keys))
    height = nrows * 3.0 + 1.1
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig, axes = _plot.plt.subplots(nrows, ncols, figsize=(4.6 * ncols + 0.8, height), squeeze=False)
    fig.subplots_adjust(left=0.13, right=0.97, top=1 - 0.95 / height, bottom=margin + 0.55 / height,
                        hspace=0.6, wspace=0.6)
    colours = {"main": "#2b8cbe", "interaction": "#fdae61", "remainder": "0.6"}
    for ax, (treatment, term) in zip(axes.ravel(), keys):
        v = sub[(sub["treatment"] == treatment) & (sub["term"] == term)]
        y = np.arange(len(v))
        ax.barh(y, 100 * v["share"].to_numpy(float), color=[colours[k] for k in v["kind"]])
        ax.set_yticks(y, v["component"], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        for yy, s in zip(y, v["share"]):
            ax.text(100 * s + 1, yy, f"{100 * s:.0f}%", va="center", fontsize=6.5)
        ax.set_xlabel("% of the variance of the estimates", fontsize=8)
        ax.set_title(curve_label(treatment, term), fontsize=9)
        ax.grid(axis="x", color="0.9", lw=0.6)
    for ax in axes.ravel()[len(keys):]:
        ax.set_visible(False)
    handles = [_plot.plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    fig.legend(handles, ["dimension alone (main effect)", "pairwise interaction (largest)",
                         "remainder (higher-order interactions)"], loc="upper center", ncol=3, fontsize=8,
               bbox_to_anchor=(0.5, 1 - 0.3 / height), frameon=False)
    fig.suptitle(variance_title(sub, scenario), fontsize=11, fontweight="bold", y=1 - 0.08 / height)
    _plot.add_note(fig, note)
    _plot.save_figure(fig, png, pdf, data=sub[["treatment", "term", "component", "kind", "share"]])
