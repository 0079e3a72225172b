"""How strong a hidden confounder would have to be, drawn from the analysis tables: the
robustness value along every specification curve, and the sensemakr-style contour plot
of the paper's Model 3.  Titles state how strong a confounder would have to be, computed
from the tables; what each figure draws is saved beside it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse import numbers as fmt
from specverse.analysis.table import curve_label, curves

from . import _plot


def plot_robustness_curve(models: pd.DataFrame, scenario: str, *, png, pdf=None, note: str = "") -> None:
    """One column per curve (treatment term): top, the robustness values RV (explain the
    estimate away) and RV_alpha (make it insignificant) of every OLS / WLS model, in the
    curve's order (sorted by estimate); bottom, how many times as strong as the strongest
    observed control a confounder must be (log scale; below 1: weaker than a control)."""
    keyed = [(key, rows) for key, rows in curves(models[models["scenario"] == scenario])
             if rows["rv_q1"].notna().any()]
    if not keyed:
        raise ValueError(f"no model with a robustness value in scenario {scenario!r}")
    ncols = min(3, len(keyed))
    nblocks = int(np.ceil(len(keyed) / ncols))
    width = 4.6 * ncols + 0.8
    # per curve, the median multiple of the strongest control over models with a robustness value
    per_curve = [rows.loc[rows["rv_q1"].notna(), "benchmark_strongest_q1"].to_numpy(float) for _, rows in keyed]
    median = np.nanmedian([np.nanmedian(k) if np.isfinite(k).any() else np.nan for k in per_curve])
    title = _plot.title_lines(f"Scenario '{scenario}': a hidden confounder would need about {median:.1f} times the "
                              "strength of the strongest observed control (median over models) to explain the "
                              "estimates away", width, 10.5)
    title_in = 0.25 + 0.2 * title.count("\n")
    note_width = min(150, int(width * 15))  # characters of the note per line at this width
    height = 5.0 * nblocks + 0.65 + title_in
    margin = _plot.note_margin(note, height, width=note_width)
    height += margin * height
    fig = _plot.plt.figure(figsize=(width, height))
    gs = fig.add_gridspec(3 * nblocks - 1, ncols, height_ratios=([2.1, 1.6, 0.9] * nblocks)[:-1], left=1.1 / width,
                          right=0.99, top=1 - (0.55 + title_in) / height, bottom=margin + 0.6 / height, hspace=0.08,
                          wspace=0.3)
    axes = np.empty((2 * nblocks, ncols), dtype=object)
    drawn = []
    for i, ((_, treatment, term), rows) in enumerate(keyed):
        b, j = divmod(i, ncols)
        top = axes[2 * b, j] = fig.add_subplot(gs[3 * b, j])
        bottom = axes[2 * b + 1, j] = fig.add_subplot(gs[3 * b + 1, j], sharex=top)
        cur = rows[rows["rv_q1"].notna()].sort_values(["estimate_common", "model_id"], kind="mergesort")
        x = np.arange(len(cur)) + 0.5
        drawn.append(pd.DataFrame({"treatment": treatment, "term": term, "rank": np.arange(1, len(cur) + 1),
                                   "model_id": cur["model_id"].to_numpy(), "estimate": cur["estimate_common"].to_numpy(),
                                   "rv_q1": cur["rv_q1"].to_numpy(), "rv_q1_alpha05": cur["rv_q1_alpha05"].to_numpy(),
                                   "benchmark_strongest_q1": cur["benchmark_strongest_q1"].to_numpy()}))
        top.scatter(x, cur["rv_q1"], s=6, c="#08519c", linewidths=0, label="RV: explains the estimate away")
        top.scatter(x, cur["rv_q1_alpha05"], s=6, c="#9ecae1", linewidths=0, label="RV: makes it insignificant")
        top.set_ylim(0, max(0.05, float(np.nanmax(cur["rv_q1"])) * 1.1))
        top.set_title(curve_label(treatment, term), fontsize=9)
        top.tick_params(labelbottom=False)
        top.grid(axis="y", color="0.9", lw=0.6)
        k = cur["benchmark_strongest_q1"].to_numpy(float)
        bottom.scatter(x, np.clip(k, 1e-2, 1e4), s=6, c="#d94801", linewidths=0)
        bottom.axhline(1.0, color="black", ls="--", lw=0.9)
        bottom.set_yscale("log")
        bottom.set_ylim(0.05, 2e3)
        bottom.set_xlabel("models, sorted by estimate (as the curve)", fontsize=8)
        _plot.thousands(bottom.xaxis)
        bottom.grid(axis="y", color="0.9", lw=0.6)
        if j == 0:
            top.set_ylabel("robustness value\n(share of residual variance)", fontsize=8)
            bottom.set_ylabel("x strongest control\nto explain it away", fontsize=8)
    axes[0, 0].legend(loc="upper left", fontsize=7.5, markerscale=2.5)
    fig.suptitle(title, fontsize=10.5, fontweight="bold", y=1 - 0.1 / height, va="top")
    _plot.add_note(fig, note, width=note_width)
    _plot.save_figure(fig, png, pdf, data=pd.concat(drawn, ignore_index=True))


def plot_contour(grid: pd.DataFrame, points: pd.DataFrame, scenario: str, *, png, pdf=None, note: str = "") -> None:
    """The bias-adjusted Model 3 stretch estimate over a confounder's partial R^2 with the
    treatment (x) and with the outcome (y); the red contour is an adjusted estimate of 0;
    benchmark points are k = 1, 2, 3 times deprivation and the strongest control."""
    if grid.empty:
        raise ValueError(f"no contour grid for scenario {scenario!r} (the paper's Model 3 was not estimated)")
    x = np.sort(grid["r2dz_x"].unique())
    y = np.sort(grid["r2yz_dx"].unique())
    z = grid.pivot_table(index="r2yz_dx", columns="r2dz_x", values="adjusted_estimate").loc[y, x].to_numpy()
    width = 7.8
    crosses_zero = bool(np.nanmin(z) < 0 < np.nanmax(z))
    title = _plot.title_lines(contour_title(points, scenario, zero_line=crosses_zero), width, 10)
    title_in = 0.25 + 0.19 * title.count("\n")
    height = 5.9 + title_in
    margin = _plot.note_margin(note, height, width=110)
    height += margin * height
    fig, ax = _plot.plt.subplots(figsize=(width, height))
    fig.subplots_adjust(left=0.12, right=0.97, top=1 - (0.4 + title_in) / height, bottom=margin + 0.75 / height)
    levels = np.linspace(np.nanmin(z), np.nanmax(z), 12)
    if crosses_zero:  # the red zero line stands alone: no grey level drawn on top of it
        levels = levels[np.abs(levels) > 0.5 * (levels[1] - levels[0])]
    cs = ax.contour(x, y, z, levels=levels, colors="0.45", linewidths=0.7)
    ax.clabel(cs, fontsize=7, fmt="%.2f")
    if crosses_zero:
        zero = ax.contour(x, y, z, levels=[0.0], colors="#b30000", linewidths=1.8)
        ax.clabel(zero, fmt="0", fontsize=8)
    for label, rows in points[points["benchmark"] != "unadjusted"].groupby("benchmark", sort=False):
        ax.scatter(rows["r2dz_x"], rows["r2yz_dx"], marker="D", s=28, zorder=5, label=f"k x {label}")
        r = rows.iloc[-1]  # the strongest multiple; the others are in the CSV beside the figure
        ax.annotate(f"{r.k}x: adjusted {r.adjusted_estimate:.2f}", (r.r2dz_x, r.r2yz_dx), fontsize=7.5,
                    xytext=(5, 4), textcoords="offset points")
    ax.set_xlabel("confounder's partial R² with the stretch (given the controls)")
    ax.set_ylabel("confounder's partial R² with the outcome (given the stretch and controls)")
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(y[0], y[-1])
    ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(title, fontsize=10, fontweight="bold", y=1 - 0.1 / height, va="top")
    _plot.add_note(fig, note, width=110)
    drawn = pd.concat([grid[["r2dz_x", "r2yz_dx", "adjusted_estimate"]].assign(layer="contour grid"),
                       points[["benchmark", "k", "r2dz_x", "r2yz_dx", "adjusted_estimate"]].assign(layer="point")],
                      ignore_index=True)
    _plot.save_figure(fig, png, pdf, data=drawn[["layer", "benchmark", "k", "r2dz_x", "r2yz_dx",
                                                 "adjusted_estimate"]])


def contour_title(points: pd.DataFrame, scenario: str, zero_line: bool = True) -> str:
    """The unadjusted Model 3 estimate and what the most damaging benchmark confounder leaves of it
    (``zero_line``: the plot draws the red contour of an adjusted estimate of 0)."""
    unadjusted = points.loc[points["benchmark"] == "unadjusted", "adjusted_estimate"]
    est = float(unadjusted.iloc[0]) if len(unadjusted) else np.nan
    bench = points[(points["benchmark"] != "unadjusted") & np.isfinite(points["adjusted_estimate"].astype(float))]
    if bench.empty:
        return f"Scenario '{scenario}': Model 3 stretch estimate {fmt.signed(est, 3)}; no benchmark confounder"
    worst = bench.loc[bench["adjusted_estimate"].astype(float).idxmin()]
    name = str(worst["benchmark"])
    name = "the " + name.replace("strongest", "strongest control", 1) if name.startswith("strongest") else name
    return (f"Scenario '{scenario}': a confounder {worst['k']:g}x as strong as {name} would move\n"
            f"Model 3's stretch estimate from {fmt.signed(est, 3)} to {fmt.signed(float(worst['adjusted_estimate']), 3)}"
            + (" (contours: bias-adjusted estimate; red: 0)" if zero_line else " (contours: bias-adjusted estimate)"))
