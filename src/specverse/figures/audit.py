"""Figures of the mechanical-bias audit: null slope distributions and the discrimination plot.

Both figures show simulated datasets only; each carries the audit's anchor note
(``results/audit/calibration.csv``, quantity ``anchor_note``) in red at the bottom.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ._plot import add_note, note_margin, plt, save_figure

PUBLISHED_COLOUR = "#b30000"
ANCHOR_COLOUR = "#555555"
OUTCOME_COLOURS = {
    "pct_change": "#1b9e77",
    "point_change": "#d95f02",
    "log_ratio": "#7570b3",
    "ancova": "#e7298a",
}
TERM_MARKERS = {  # the right panel's lines
    ("target_on", "target_on"): "s",
    ("stretch_2006", "target_stretch"): "o",
    ("stretch_2008", "target_stretch_2008"): "v",
    ("stretch_laa_only", "target_stretch"): "D",
    ("target_on_and_stretch", "target_on"): "P",
    ("target_on_and_stretch", "target_stretch"): "X",
}
PANELS = (
    ("model_3", "target_stretch", "Model 3: target stretch coefficient"),
    ("model_2", "target_on", "Model 2: target_on coefficient"),
)


def _calibration_value(calibration: pd.DataFrame, quantity: str) -> str:
    hit = calibration.loc[calibration["quantity"] == quantity, "value"]
    if hit.empty:
        raise ValueError(f"calibration table lacks quantity {quantity!r}")
    return str(hit.iloc[0])


def null_slopes_figure(draws: pd.DataFrame, summary: pd.DataFrame, calibration: pd.DataFrame,
                       labels: dict[str, str], png, pdf=None) -> None:
    """Per design, the simulated distribution of each paper coefficient against the published value.

    ``labels`` maps design names to reader labels (top to bottom in the given order).
    """
    note = _calibration_value(calibration, "anchor_note")
    scenario = _calibration_value(calibration, "anchor_scenario")
    designs = list(labels)
    height = 1.0 + 0.55 * len(designs)
    fig, axes = plt.subplots(1, 2, figsize=(13, height + 1.2), sharey=True)
    fig.subplots_adjust(left=0.27, right=0.98, top=0.86, wspace=0.08,
                        bottom=0.2 + note_margin(note, height + 1.2, width=170))
    positions = np.arange(len(designs))[::-1]
    for ax, (model, term, title) in zip(axes, PANELS):
        data, keep = [], []
        for design in designs:
            est = draws.loc[(draws["design"] == design) & (draws["term"] == term), "estimate"].to_numpy()
            est = est[np.isfinite(est)]
            if est.size:
                data.append(est)
                keep.append(positions[designs.index(design)])
        ax.boxplot(data, positions=keep, orientation="horizontal", widths=0.55, whis=(2.5, 97.5), showfliers=False,
                   patch_artist=True, boxprops={"facecolor": "#c6dbef", "edgecolor": "#2171b5"},
                   medianprops={"color": "#08306b"})
        rows = summary[summary["term"] == term].set_index("design")
        for design, y in zip(designs, positions):
            if design in rows.index:
                ax.plot(rows.at[design, "analytic_expectation"], y, marker="x", color="black", ms=7, zorder=5)
        published = float(rows["published_estimate"].iloc[0])
        ax.axvline(published, color=PUBLISHED_COLOUR, ls="--", lw=1.6, label=f"published {published:.3f}")
        anchor = float(rows["anchor_estimate"].iloc[0])
        which = "your data" if scenario == "observed" else f"simulated '{scenario}' scenario"
        ax.axvline(anchor, color=ANCHOR_COLOUR, ls=":", lw=1.4, label=f"estimate on the anchor ({which}) {anchor:.3f}")
        ax.axvline(0.0, color="#999999", lw=0.8)
        ax.plot([], [], marker="x", color="black", ls="", label="analytic expectation")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("coefficient (box: quartiles; whiskers: 2.5-97.5%)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions)
    axes[0].set_yticklabels([textwrap.fill(labels[d], 42) for d in designs], fontsize=9)
    fig.suptitle("Could the stretch effect be mechanical? Coefficients when targets have NO effect "
                 "(and, last row, a planted effect)", fontsize=12)
    add_note(fig, note, width=170)
    save_figure(fig, png, pdf)


def _family_label(row) -> str:
    return f"{row['baseline']}: {row['outcome']} ~ {row['term']} [{row['treatment']}]"


def discrimination_figure(disc: pd.DataFrame, calibration: pd.DataFrame, labels: dict[str, str],
                          png, pdf=None) -> None:
    """Left: the rejection rate of every specification family (rows) under every design
    (columns): a false-positive rate under the mechanical designs, power under the causal one.
    Right: the false-positive rate as the share of targets set from 2008 grows."""
    note = _calibration_value(calibration, "anchor_note")
    alpha = float(disc["alpha"].iloc[0])
    keys = ["baseline", "outcome", "treatment", "term"]
    table = disc.pivot_table(index=keys, columns="design", values="rejection_rate_one_tailed", sort=False)
    mech = [d for d in labels if d in table.columns and (disc.loc[disc["design"] == d, "role"] == "false_positive_rate").all()]
    power = [d for d in labels if d in table.columns and d not in mech]
    table = table[mech + power]
    rows = [_family_label(dict(zip(keys, idx))) for idx in table.index]
    height = 2.5 + 0.2 * len(rows)
    fig = plt.figure(figsize=(16, height))
    grid = fig.add_gridspec(1, 2, width_ratios=[1.3, 1], left=0.25, right=0.98, wspace=0.28,
                            top=1 - 2.0 / height, bottom=(0.5 + 0.14 * len(textwrap.wrap(note, 170))) / height)
    ax, ax2 = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    values = table.to_numpy(dtype=float)
    n_mech = len(mech)
    is_power = np.broadcast_to(np.arange(values.shape[1])[None, :] >= n_mech, values.shape)
    for cmap, hide in (("Reds", is_power), ("Greens", ~is_power)):
        ax.imshow(np.ma.masked_where(hide, values), cmap=cmap, vmin=0, vmax=1, aspect="auto",
                  interpolation="nearest")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            ax.text(j, i, "" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                    color="white" if v > 0.6 else "black")
    ax.axvline(n_mech - 0.5, color="black", lw=2)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=7)
    ax.set_xticks(range(values.shape[1]))
    ax.set_xticklabels([textwrap.fill(labels[d], 22) for d in table.columns], fontsize=7, rotation=90)
    ax.xaxis.tick_top()
    fig.text(0.01, 1 - 0.15 / height, "Rejection rate of each specification family (one-tailed, coefficient > 0, "
             f"alpha = {alpha:g}).  Red: false positives when targets have no effect.  Green: power under the "
             "planted effect.  Outlined: the paper's Model 3.", fontsize=10.5, va="top", ha="left")
    paper = [i for i, idx in enumerate(table.index)
             if dict(zip(keys, idx)) == {"baseline": "published", "outcome": "pct_change",
                                           "treatment": "stretch_2006", "term": "target_stretch"}]
    for i in paper:
        ax.get_yticklabels()[i].set_fontweight("bold")
        ax.add_patch(plt.Rectangle((-0.5, i - 0.5), values.shape[1], 1, fill=False, lw=1.8, ec="black"))

    mix = disc[(disc["role"] == "false_positive_rate") & (disc["baseline"] == "published")
               & ~disc["design"].str.startswith("d_")].sort_values("share_from_2008")
    lines = [(o, "stretch_2006", "target_stretch") for o in OUTCOME_COLOURS]
    lines += [("pct_change", "stretch_2008", "target_stretch_2008"), ("pct_change", "target_on", "target_on")]
    for outcome, treatment, term in lines:
        sub = mix[(mix["outcome"] == outcome) & (mix["treatment"] == treatment) & (mix["term"] == term)]
        ax2.plot(sub["share_from_2008"], sub["rejection_rate_one_tailed"],
                 marker=TERM_MARKERS[(treatment, term)], color=OUTCOME_COLOURS[outcome],
                 label=f"{outcome} ~ {term}")
    ax2.axhline(alpha, color="black", ls="--", lw=0.9, label=f"alpha = {alpha:g}")
    ax2.set_xlabel("share of targets set from the 2008 figure (0 = rule a, 1 = rule b)")
    ax2.set_ylabel("false-positive rate (one-tailed, coefficient > 0)")
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_title("False positives as targets are set from the 2008 figure\n(published baseline)", fontsize=10)
    ax2.legend(fontsize=8, loc="best")
    ax2.grid(alpha=0.3)
    add_note(fig, note, width=170)
    save_figure(fig, png, pdf)
