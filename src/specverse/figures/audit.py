"""Figures of the mechanical-bias audit: null slope distributions and the discrimination plot.

Both figures show simulated datasets only; each carries the audit's anchor note
(``results/<run>/audit/calibration.csv``, quantity ``anchor_note``) in red at the bottom.
Titles state the audit's answer, computed from its tables.  The discrimination view
groups the specifications into families (one treatment coefficient; medians and ranges
over its baselines and outcomes); :func:`discrimination_detail` is the table of every
specification behind it.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from specverse import numbers as fmt

from ._plot import add_note, note_margin, plt, save_figure

PUBLISHED_COLOUR = "#b30000"
ANCHOR_COLOUR = "#555555"
BOX = {"facecolor": "#c6dbef", "edgecolor": "#2171b5"}
PANELS = (
    ("model_3", "target_stretch", "Model 3: stretch coefficient"),
    ("model_2", "target_on", "Model 2: target_on coefficient"),
)
#: The paper's Model 3 among the discrimination rows (baseline, outcome, treatment, term).
PAPER_SPEC = {"baseline": "published", "outcome": "pct_change", "treatment": "stretch_2006", "term": "target_stretch"}
FAMILY_KEYS = ["treatment", "term"]
#: Reader labels of the families (one treatment coefficient each).
FAMILY_LABELS = {
    ("target_on", "target_on"): "target_on (Model 2: has a target)",
    ("stretch_2006", "target_stretch"): "stretch vs the 2006 figure (Model 3)",
    ("stretch_2008", "target_stretch_2008"): "stretch vs the 2008 figure",
    ("stretch_laa_only", "target_stretch"): "stretch, LAA-target areas only",
    ("target_on_and_stretch", "target_on"): "target_on, beside the stretch",
    ("target_on_and_stretch", "target_stretch"): "stretch, beside target_on",
}
FAMILY_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666")


def _calibration_value(calibration: pd.DataFrame, quantity: str) -> str:
    hit = calibration.loc[calibration["quantity"] == quantity, "value"]
    if hit.empty:
        raise ValueError(f"calibration table lacks quantity {quantity!r}")
    return str(hit.iloc[0])


# ----------------------------------------------------------------------------- null slopes
def box_stats(draws: pd.DataFrame, summary: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """One row per design and panel: the box (quartiles), whiskers (2.5 and 97.5%), mean
    and replications of the simulated coefficients, beside the analytic expectation, the
    published estimate and the anchor data's own estimate -- everything the figure draws."""
    rows = []
    for model, term, _ in PANELS:
        ref = summary[summary["term"] == term].set_index("design")
        for design in labels:
            est = draws.loc[(draws["design"] == design) & (draws["term"] == term), "estimate"].to_numpy(float)
            est = est[np.isfinite(est)]
            if not est.size:
                continue
            q = np.quantile(est, [0.025, 0.25, 0.5, 0.75, 0.975])
            rows.append({
                "design": design, "label": labels[design], "model": model, "term": term,
                "mechanical": bool(ref.at[design, "mechanical"]) if design in ref.index else np.nan,
                "replications": est.size, "mean": est.mean(), "whisker_low": q[0], "box_low": q[1], "median": q[2],
                "box_high": q[3], "whisker_high": q[4],
                "analytic_expectation": ref.at[design, "analytic_expectation"] if design in ref.index else np.nan,
                "published_estimate": float(ref["published_estimate"].iloc[0]),
                "anchor_estimate": float(ref["anchor_estimate"].iloc[0]),
                "share_at_least_published": float(np.mean(est >= float(ref["published_estimate"].iloc[0]))),
            })
    return pd.DataFrame(rows)


def null_slopes_title(stats: pd.DataFrame) -> str:
    """The Model 3 slope that targets set from 2008 give without any effect, beside the
    published one and the slope of targets set from the published 2006 figure."""
    m3 = stats[stats["term"] == "target_stretch"].set_index("design")
    if "b_from_2008" not in m3.index:
        return "Could the stretch effect be mechanical? Coefficients when targets have no effect"
    b = m3.loc["b_from_2008"]
    lines = [f"With no effect, targets set from the 2008 survey still produce a stretch slope of {fmt.signed(b['mean'])}",
             f"(published {fmt.signed(b['published_estimate'], 3)}, reached in "
             f"{fmt.percent(b['share_at_least_published'])} of simulations)"]
    if "a_published_2006" in m3.index:
        lines[1] += f"; targets set from the published 2006 figure give {fmt.signed(m3.at['a_published_2006', 'mean'])}"
    m2 = stats[(stats["term"] == "target_on") & (stats["mechanical"] == True)]  # noqa: E712 (NaN-safe)
    if len(m2):
        lines.append(f"Having a target (Model 2) reaches its published {fmt.signed(m2['published_estimate'].iloc[0], 3)}"
                     f" in at most {fmt.percent(m2['share_at_least_published'].max())} of simulations under any rule")
    return "\n".join(lines)


def null_slopes_figure(draws: pd.DataFrame, summary: pd.DataFrame, calibration: pd.DataFrame,
                       labels: dict[str, str], png, pdf=None) -> None:
    """Per design, the simulated distribution of each paper coefficient against the published value.

    ``labels`` maps design names to reader labels (top to bottom in the given order).
    """
    note = _calibration_value(calibration, "anchor_note")
    scenario = _calibration_value(calibration, "anchor_scenario")
    stats = box_stats(draws, summary, labels)
    designs = list(labels)
    height = 2.3 + 0.6 * len(designs)
    height += note_margin(note, height, width=170) * height
    fig, axes = plt.subplots(1, 2, figsize=(13, height), sharey=True)
    fig.subplots_adjust(left=0.25, right=0.98, top=1 - 1.8 / height, wspace=0.06,
                        bottom=0.6 / height + note_margin(note, height, width=170))
    positions = np.arange(len(designs))[::-1]
    where = dict(zip(designs, positions))
    anchor = "your data" if scenario == "observed" else f"the '{scenario}' anchor"
    for ax, (model, term, title) in zip(axes, PANELS):
        rows = stats[stats["term"] == term]
        boxes = [{"med": r.median, "q1": r.box_low, "q3": r.box_high, "whislo": r.whisker_low,
                  "whishi": r.whisker_high, "fliers": []} for r in rows.itertuples()]
        ys = [where[d] for d in rows["design"]]
        ax.bxp(boxes, positions=ys, orientation="horizontal", widths=0.55, patch_artist=True, boxprops=BOX,
               medianprops={"color": "#08306b"})
        ax.plot(rows["analytic_expectation"], ys, "x", color="black", ms=7, zorder=5)
        published, on_anchor = float(rows["published_estimate"].iloc[0]), float(rows["anchor_estimate"].iloc[0])
        ax.axvline(published, color=PUBLISHED_COLOUR, ls="--", lw=1.6)
        ax.axvline(on_anchor, color=ANCHOR_COLOUR, ls=":", lw=1.4)
        ax.axvline(0.0, color="#999999", lw=0.8)
        ax.set_title(f"{title}\npublished {fmt.signed(published, 3)}; on {anchor} {fmt.signed(on_anchor, 3)}",
                     fontsize=10.5)
        ax.set_xlabel("coefficient across simulated datasets", fontsize=9.5)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions)
    axes[0].set_yticklabels([textwrap.fill(labels[d], 40) for d in designs], fontsize=9.5)
    axes[0].set_ylim(-0.6, len(designs) - 0.4)
    handles = [
        plt.matplotlib.patches.Patch(**BOX, label="simulated: box 25-75%, whiskers 2.5-97.5%"),
        plt.Line2D([], [], marker="x", color="black", ls="", ms=7, label="analytic expectation"),
        plt.Line2D([], [], color=PUBLISHED_COLOUR, ls="--", lw=1.6, label="published estimate"),
        plt.Line2D([], [], color=ANCHOR_COLOUR, ls=":", lw=1.4, label="estimate on the anchor data"),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.82 / height))
    fig.suptitle(null_slopes_title(stats), fontsize=11.5, fontweight="bold", y=1 - 0.1 / height, va="top")
    add_note(fig, note, width=170)
    save_figure(fig, png, pdf, data=stats)


# ----------------------------------------------------------------------------- discrimination
def family_label(treatment: str, term: str) -> str:
    return FAMILY_LABELS.get((treatment, term), f"{treatment}: {term}")


def _is_paper(frame: pd.DataFrame) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, value in PAPER_SPEC.items():
        mask &= frame[col] == value
    return mask


def _ordered_designs(disc: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """Mechanical designs first (the label order), then those that measure power."""
    present = [d for d in labels if d in set(disc["design"])]
    power = set(disc.loc[disc["role"] == "power", "design"])
    return [d for d in present if d not in power] + [d for d in present if d in power]


def family_rates(disc: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per family (treatment coefficient) and design: the one-tailed rejection rate's
    median, minimum and maximum over the family's specifications (baselines x outcomes),
    and the rate of the paper's own specification where the family holds it."""
    designs = _ordered_designs(disc, labels)
    disc = disc[disc["design"].isin(designs)].assign(paper=lambda d: _is_paper(d))
    rate = "rejection_rate_one_tailed"
    grouped = disc.groupby([*FAMILY_KEYS, "design"], sort=False)
    out = grouped.agg(share_from_2008=("share_from_2008", "first"), role=("role", "first"),
                      specifications=(rate, "size"), median=(rate, "median"), min=(rate, "min"),
                      max=(rate, "max")).reset_index()
    paper = disc[disc["paper"]].set_index([*FAMILY_KEYS, "design"])[rate]
    out["paper_specification"] = [paper.get(tuple(k), np.nan) for k in out[[*FAMILY_KEYS, "design"]].to_numpy()]
    out.insert(0, "family", [family_label(t, m) for t, m in zip(out["treatment"], out["term"])])
    out.insert(4, "design_label", out["design"].map(labels))
    out["design_order"] = out["design"].map({d: i for i, d in enumerate(designs)})
    families = list(dict.fromkeys(out["family"]))
    out["family_order"] = out["family"].map({f: i for i, f in enumerate(families)})
    return out.sort_values(["family_order", "design_order"]).drop(columns=["design_order", "family_order"]) \
        .reset_index(drop=True)


def discrimination_detail(disc: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """One row per specification (family x baseline x outcome): the paper's specification
    flagged, its power and worst false-positive rate first, then its one-tailed rejection
    rate under every design (``false_positive_rate_<design>``, ``power_<design>``)."""
    designs = _ordered_designs(disc, labels)
    keys = [*FAMILY_KEYS, "baseline", "outcome"]
    wide = disc[disc["design"].isin(designs)].pivot_table(index=keys, columns="design",
                                                          values="rejection_rate_one_tailed", sort=False)
    roles = disc.drop_duplicates("design").set_index("design")["role"]
    named = {d: ("power_" if roles[d] == "power" else "false_positive_rate_") + d for d in designs}
    wide = wide[designs].rename(columns=named).rename_axis(columns=None).reset_index()
    mech = [named[d] for d in designs if roles[d] != "power"]
    power = [named[d] for d in designs if roles[d] == "power"]
    wide.insert(0, "family", [family_label(t, m) for t, m in zip(wide["treatment"], wide["term"])])
    wide["paper_specification"] = _is_paper(wide)
    wide["power"] = wide[power].max(axis=1) if power else np.nan
    wide["worst_false_positive_rate"] = wide[mech].max(axis=1) if mech else np.nan
    first = ["family", "baseline", "outcome", "paper_specification", "power", "worst_false_positive_rate"]
    return wide[first + mech + power + FAMILY_KEYS]


def discrimination_title(rates: pd.DataFrame) -> str:
    """What the paper's specification does under targets set from 2008 and under a real
    effect, and the family that best separates the two (medians over its specifications)."""
    lines = []
    paper = rates[(rates["treatment"] == PAPER_SPEC["treatment"]) & (rates["term"] == PAPER_SPEC["term"])]
    paper = paper.set_index("design")["paper_specification"].dropna()
    power = rates.loc[rates["role"] == "power", "design"].unique()
    if "b_from_2008" in paper.index and len(power) and power[0] in paper.index:
        lines.append(f"With no effect, targets set from the 2008 survey make the paper's stretch test significant in "
                     f"{fmt.percent(paper['b_from_2008'])} of simulations; with a real effect, in "
                     f"{fmt.percent(paper[power[0]])}")
    mech = rates[rates["role"] != "power"].groupby("family", sort=False)["median"].max()
    powered = rates[rates["role"] == "power"].groupby("family", sort=False)["median"].max()
    gap = (powered - mech.reindex(powered.index)).dropna()
    if len(gap):
        best = gap.idxmax()
        lines.append(f"Best separated: {best} - false positives at most {fmt.percent(mech[best])}, power "
                     f"{fmt.percent(powered[best])} (medians over its specifications)")
    return "\n".join(lines) or "Which specifications tell a real stretch effect from a mechanical one?"


def _short_design(label: str) -> str:
    """Column headings: the rule's letter and its gist."""
    return textwrap.fill(label.split(" + ")[0].replace("target = ", "").replace(", rest as (a)", ""), 15)


def discrimination_figure(disc: pd.DataFrame, calibration: pd.DataFrame, labels: dict[str, str],
                          png, pdf=None) -> None:
    """Left: per family (rows) and design (columns) the rejection rate: a false-positive
    rate under the mechanical designs (red), power under the causal one (green); the
    median over the family's specifications, its range beneath.  Right: the false-positive
    rate as the share of targets set from 2008 grows (median, band = range)."""
    note = _calibration_value(calibration, "anchor_note")
    alpha = float(disc["alpha"].iloc[0])
    rates = family_rates(disc, labels)
    families = list(dict.fromkeys(rates["family"]))
    designs = list(dict.fromkeys(rates["design"]))
    n_mech = int((rates.drop_duplicates("design")["role"] != "power").sum())
    median = rates.pivot(index="family", columns="design", values="median").loc[families, designs].to_numpy(float)
    low = rates.pivot(index="family", columns="design", values="min").loc[families, designs].to_numpy(float)
    high = rates.pivot(index="family", columns="design", values="max").loc[families, designs].to_numpy(float)

    height = 3.9 + 0.62 * len(families)
    margin = note_margin(note, height, width=170)
    height += margin * height
    fig = plt.figure(figsize=(14, height))
    grid = fig.add_gridspec(1, 2, width_ratios=[1.45, 1], left=0.15, right=0.985, wspace=0.15,
                            top=1 - 1.35 / height, bottom=margin + 1.75 / height)
    ax, ax2 = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    is_power = np.broadcast_to(np.arange(len(designs))[None, :] >= n_mech, median.shape)
    for cmap, hide in (("Reds", is_power), ("Greens", ~is_power)):
        ax.imshow(np.ma.masked_where(hide, median), cmap=cmap, vmin=0, vmax=1, aspect="auto",
                  interpolation="nearest")
    for i in range(len(families)):
        for j in range(len(designs)):
            if np.isnan(median[i, j]):
                continue
            colour = "white" if median[i, j] > 0.6 else "black"
            ax.text(j, i - 0.1, f"{median[i, j]:.2f}", ha="center", va="center", fontsize=10.5, color=colour,
                    fontweight="bold")
            if high[i, j] > low[i, j]:
                ax.text(j, i + 0.25, f"{low[i, j]:.2f}-{high[i, j]:.2f}", ha="center", va="center", fontsize=7.5,
                        color=colour)
    ax.axvline(n_mech - 0.5, color="black", lw=2)
    ax.set_yticks(range(len(families)), [textwrap.fill(f, 22) for f in families], fontsize=9.5)
    ax.set_xticks(range(len(designs)), [_short_design(labels[d]) for d in designs], fontsize=8.5)
    ax.xaxis.tick_top()
    ax.tick_params(axis="both", length=0)
    paper_family = family_label(PAPER_SPEC["treatment"], PAPER_SPEC["term"])
    if paper_family in families:
        i = families.index(paper_family)
        ax.get_yticklabels()[i].set_fontweight("bold")
        ax.add_patch(plt.Rectangle((-0.5, i - 0.5), len(designs), 1, fill=False, lw=2, ec="black"))
    ax.set_xlabel(f"Share of simulated studies with a significantly positive coefficient (one-tailed, alpha = "
                  f"{fmt.level(alpha)})\nred: false positives (no effect); green: power (planted effect)\n"
                  "bold: median over the family's specifications (baselines x outcomes); beneath: their range",
                  fontsize=8.5, labelpad=8)

    mix = rates[(rates["role"] != "power") & ~rates["design"].str.startswith("d_")].sort_values("share_from_2008")
    for k, family in enumerate(families):
        sub = mix[mix["family"] == family]
        colour = FAMILY_COLOURS[k % len(FAMILY_COLOURS)]
        ax2.fill_between(sub["share_from_2008"], sub["min"], sub["max"], color=colour, alpha=0.15, lw=0)
        ax2.plot(sub["share_from_2008"], sub["median"], marker="o", ms=4, color=colour, label=family,
                 lw=2.2 if family == paper_family else 1.4)
    ax2.axhline(alpha, color="black", ls="--", lw=0.9, label=f"alpha = {fmt.level(alpha)}")
    ax2.set_xlabel("share of targets set from the 2008 figure (0 = rule a, 1 = rule b)", fontsize=9)
    ax2.set_ylabel("false-positive rate (median; band: range)", fontsize=9)
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_xlim(-0.02, 1.02)
    ax2.set_title("False positives as more targets are set from 2008", fontsize=10)
    ax2.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.45, -0.14), ncol=2, frameon=False,
               columnspacing=1.0, handlelength=1.6)
    ax2.grid(alpha=0.3)
    fig.suptitle(discrimination_title(rates), fontsize=11.5, fontweight="bold", y=1 - 0.1 / height, va="top")
    add_note(fig, note, width=170)
    save_figure(fig, png, pdf, data=rates)
