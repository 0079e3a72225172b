"""Figures of the verdict, drawn only from its CSV outputs (results/<run>/verdict/):

* :func:`posterior_figure` -- the two true effects' posteriors, the spike at 0 drawn as its
  own bar (posterior mass beside the prior's), the published estimates marked
  (posterior_particles.csv, probabilities.csv);
* :func:`checks_figure` -- every published number against its posterior predictive
  interval (predictive_checks.csv);
* :func:`reachability_figure` -- with no effect, the expected Model 3 slope over
  (share of targets set from 2008 x spread of the true change), contours at the published
  slope, its one-sided 95% lower bound and R^2 .49, and where the fitted worlds put the
  paper (reachability.csv, posterior.csv).

Titles state what the data say, computed from the tables.  Every figure shows simulated
studies and carries the note passed in (red, at the bottom); what it draws is saved beside it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from ._plot import add_note, note_margin, plt, save_figure, title_lines

NOTE = ("SIMULATED BY DESIGN: simulated studies fitted to the paper's published Tables 1 and 2 "
        "(ABC-SMC); no simulated number is a finding about real areas.")
SLAB, SPIKE, PRIOR, PUBLISHED = "#6baed6", "#08519c", "#969696", "#b30000"
EFFECTS = (("effect_stretch", "Stretch effect (% change per point of stretch)", "m3_stretch_coef"),
           ("effect_target_on", "Effect of having a target (% change)", "m2_target_on_coef"))


def _probability(probs: pd.DataFrame, prefix: str) -> float:
    hit = probs.loc[probs["quantity"].str.startswith(prefix), "probability"]
    if hit.empty:
        raise ValueError(f"probabilities table lacks {prefix!r}")
    return float(hit.iloc[0])


def posterior_figure(particles: pd.DataFrame, probs: pd.DataFrame, checks: pd.DataFrame, png, pdf=None,
                     note: str = NOTE) -> None:
    """Weighted posterior of each effect: slab histogram (probability per bin) and the spike."""
    observed = checks.set_index("summary")["observed"]
    w = particles["weight"].to_numpy(float)
    w = w / w.sum()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    fig.subplots_adjust(left=0.07, right=0.98, top=0.8, wspace=0.22, bottom=0.2 + note_margin(note, 4.8))
    drawn = []
    for ax, (name, label, summary) in zip(axes, EFFECTS):
        v = particles[name].to_numpy(float)
        zero = v == 0
        slab = v[~zero]
        spike = float(w[zero].sum())
        if slab.size:
            edges = np.histogram_bin_edges(slab, bins=30)
            mass, _ = np.histogram(slab, bins=edges, weights=w[~zero])
            ax.bar(edges[:-1], mass, width=np.diff(edges), align="edge", color=SLAB, edgecolor="white",
                   label=f"effect not 0 ({1 - spike:.0%})")
            width = float(np.diff(edges).mean())
        else:
            width = 0.05
        ax.bar([0.0], [spike], width=width, color=SPIKE, label=f"exactly 0 ({spike:.0%}; prior 50%)")
        pub = float(observed[summary])
        if slab.size:
            drawn.append(pd.DataFrame({"effect": name, "bar": "not 0", "bin_low": edges[:-1], "bin_high": edges[1:],
                                       "posterior_probability": mass, "published_estimate": pub}))
        drawn.append(pd.DataFrame({"effect": [name], "bar": ["exactly 0"], "bin_low": [0.0], "bin_high": [0.0],
                                   "posterior_probability": [spike], "published_estimate": [pub]}))
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(pub, color=PUBLISHED, ls="--", lw=1.5, label=f"published estimate {pub:.3f}")
        ax.set_xlabel(label)
        ax.set_ylabel("posterior probability")
        ax.legend(fontsize=8, frameon=False, loc="upper right")
    p_pos = _probability(probs, "P(effect_stretch > 0)")
    p_half = _probability(probs, "P(effect_stretch >= ")
    p_none = _probability(probs, "P(no effect of targets")
    fig.suptitle(textwrap.fill(f"Given the published tables: P(stretch effect > 0) = {p_pos:.0%}, P(at least half "
                               f"the published) = {p_half:.0%}, P(no effect of targets at all) = {p_none:.0%}", 110),
                 fontsize=11.5)
    add_note(fig, note)
    save_figure(fig, png, pdf, data=pd.concat(drawn, ignore_index=True))


def checks_figure(checks: pd.DataFrame, png, pdf=None, note: str = NOTE) -> None:
    """Each published number's place in its 90% posterior predictive interval (scaled to [-1, 1])."""
    rows = checks[checks["role"].isin(["distance", "check"])].reset_index(drop=True)
    every = checks.set_index("summary").loc["ALL", "share_within_tolerance"]
    half = ((rows["q95"] - rows["q05"]) / 2).to_numpy(float)
    mid = ((rows["q95"] + rows["q05"]) / 2).to_numpy(float)
    obs = (rows["observed"].to_numpy(float) - mid) / np.where(half > 0, half, np.nan)
    mean = (rows["predictive_mean"].to_numpy(float) - mid) / np.where(half > 0, half, np.nan)
    height = 1.2 + 0.33 * len(rows)
    # the published numbers the simulator is given have no band: named under the legend
    fixed = checks[checks["role"] == "fixed"]
    fixed_text = title_lines("Fixed by the simulation (it is given them), so not drawn: " + ", ".join(
        f"{lab} ({o:g})" for lab, o in zip(fixed["label"], fixed["observed"])), 9.5, 8.5) if len(fixed) else ""
    below_note = note_margin(note, height + 1.2, 130)
    fixed_margin = (0.1 + 0.16 * (fixed_text.count("\n") + 1)) / (height + 1.2) if fixed_text else 0.0
    fig, ax = plt.subplots(figsize=(10, height + 1.2))
    fig.subplots_adjust(left=0.33, right=0.97, top=0.86, bottom=0.2 + below_note + fixed_margin)
    y = np.arange(len(rows))[::-1]
    for yi, role in zip(y, rows["role"]):
        ax.plot([-1, 1], [yi, yi], color="#9ecae1" if role == "distance" else "#d9d9d9", lw=6,
                solid_capstyle="butt")
    ax.plot(mean, y, "o", color="#08519c", ms=4, label="posterior predictive mean")
    ax.plot(np.clip(obs, -3, 3), y, "D", color=PUBLISHED, ms=6, label="published value")
    ax.set_yticks(y, [f"{lab}  ({o:g})" for lab, o in zip(rows["label"], rows["observed"])], fontsize=8.5)
    ax.axvline(0, color="#bbbbbb", lw=0.8)
    ax.set_xlim(-3.2, 3.2)
    ax.set_xlabel("position in the 90% predictive interval (-1 = 5th, +1 = 95th percentile; clipped at +/-3)")
    ax.plot([], [], color="#9ecae1", lw=6, label="interval (summary used by the inference)")
    ax.plot([], [], color="#d9d9d9", lw=6, label="interval (checked only)")
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.07 - 0.25 / height), ncol=2)
    inside = int(rows["reproduced"].sum())
    ax.set_title(textwrap.fill(f"{inside} of {len(rows)} published numbers fall inside their 90% predictive "
                               f"interval (give or take the stated tolerance); {every:.0%} of simulated studies "
                               f"reproduce all of them at once", 90), fontsize=11)
    if fixed_text:
        fig.text(0.5, below_note + 0.02, fixed_text, ha="center", va="bottom", fontsize=8.5, color="#333333")
    add_note(fig, note, 130)
    drawn = rows[["summary", "label", "role", "observed", "q05", "q95", "predictive_mean", "reproduced"]].assign(
        position_published=obs, position_predictive_mean=mean)
    save_figure(fig, png, pdf, data=drawn)


def reachability_sentence(reach: pd.DataFrame, sd_change: float) -> str:
    """The smallest share of targets set from 2008 at which the no-effect expected slope
    reaches the published one, at ``sd_change`` (interpolated linearly within the grid)."""
    grid = np.unique(reach["sd_change"])
    s = float(np.clip(sd_change, grid.min(), grid.max()))
    curve = sorted((q, np.interp(s, part.sort_values("sd_change")["sd_change"],
                                 part.sort_values("sd_change")["slope_analytic"]))
                   for q, part in reach.groupby("share_from_2008"))
    target = float(reach["published_slope"].iloc[0])
    for (q0, y0), (q1, y1) in zip(curve, curve[1:]):
        if y0 >= target:
            return f"With no effect and a change spread of {s:.1f} points, {q0:.0%} of targets set from 2008 reach the published slope"
        if y1 >= target:
            q = q0 + (target - y0) / (y1 - y0) * (q1 - q0)
            return f"With no effect and a change spread of {s:.1f} points, {q:.0%} of targets set from 2008 reach the published slope"
    return (f"With no effect and a change spread of {s:.1f} points, no share of targets set from 2008 reaches "
            f"the published slope (at most {max(y for _, y in curve):.2f})")


def reachability_figure(reach: pd.DataFrame, posterior: pd.DataFrame, png, pdf=None, note: str = NOTE) -> None:
    shares = np.unique(reach["share_from_2008"])
    sds = np.unique(reach["sd_change"])
    grid = reach.pivot(index="sd_change", columns="share_from_2008")
    slope = grid["slope_analytic"].loc[sds, shares].to_numpy()
    r2 = grid["r2_analytic"].loc[sds, shares].to_numpy()
    pub, low, r2_pub = (float(reach[c].iloc[0]) for c in ("published_slope", "lower_bound_slope", "published_r2"))
    post = posterior.set_index("parameter")
    fig, ax = plt.subplots(figsize=(9, 6.2))
    fig.subplots_adjust(left=0.1, right=0.93, top=0.86, bottom=0.12 + note_margin(note, 6.2, 120))
    filled = ax.contourf(shares, sds, slope, levels=np.linspace(min(0, slope.min()), max(1, slope.max()), 21),
                         cmap="Blues")
    fig.colorbar(filled, ax=ax, label="expected Model 3 stretch slope with no effect")
    lines = [
        (slope, pub, PUBLISHED, "solid", f"slope = published {pub:.3f}"),
        (slope, low, PUBLISHED, "dashed", f"slope = one-sided 95% lower bound {low:.3f}"),
        (r2, r2_pub, "#ff7f00", "dotted", f"R-squared = published {r2_pub:.2f}"),
    ]
    for field, level, colour, style, label in lines:
        if field.min() <= level <= field.max():
            ax.contour(shares, sds, field, levels=[level], colors=colour, linestyles=style, linewidths=2)
        ax.plot([], [], color=colour, ls=style, lw=2, label=label)
    q, s = post.loc["share_from_2008"], post.loc["sd_change"]
    ax.errorbar(q["q50"], s["q50"], xerr=[[q["q50"] - q["q05"]], [q["q95"] - q["q50"]]],
                yerr=[[s["q50"] - s["q05"]], [s["q95"] - s["q50"]]], fmt="o", color="black", ms=7, capsize=4,
                label="the paper, as the fitted worlds see it (median, 90% interval)")
    ax.set_xlabel("share of targets set from the 2008 survey figure")
    ax.set_ylabel("sd of the true 2006-08 change across areas (NI1 points)")
    ax.legend(fontsize=8, loc="upper left", framealpha=0.85)
    ax.set_title(textwrap.fill(reachability_sentence(reach, float(s["q50"])) + "; the point marks where the "
                               "fitted worlds put the paper", 85), fontsize=11)
    add_note(fig, note, 120)
    grid_rows = reach[["share_from_2008", "sd_change", "slope_analytic", "r2_analytic"]].assign(layer="grid")
    paper = pd.DataFrame({"layer": ["fitted worlds (median, 5%, 95%)"] * 3, "quantile": ["q50", "q05", "q95"],
                          "share_from_2008": [q["q50"], q["q05"], q["q95"]],
                          "sd_change": [s["q50"], s["q05"], s["q95"]]})
    lines = pd.DataFrame({"layer": ["contour"] * 3, "quantity": ["published slope", "lower bound slope",
                                                                  "published R-squared"], "level": [pub, low, r2_pub]})
    save_figure(fig, png, pdf, data=pd.concat([grid_rows, paper, lines], ignore_index=True))


def verdict_figures(in_dir, out_dir, note: str = NOTE) -> dict[str, Path]:
    """Read the verdict's CSVs from ``in_dir`` and write the three figures (PNG + PDF) to ``out_dir``."""
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    checks = pd.read_csv(in_dir / "predictive_checks.csv")
    out = {name: out_dir / f"verdict_{name}.png" for name in ("posterior", "checks", "reachability")}
    posterior_figure(pd.read_csv(in_dir / "posterior_particles.csv"), pd.read_csv(in_dir / "probabilities.csv"),
                     checks, out["posterior"], out["posterior"].with_suffix(".pdf"), note)
    checks_figure(checks, out["checks"], out["checks"].with_suffix(".pdf"), note)
    reachability_figure(pd.read_csv(in_dir / "reachability.csv"), pd.read_csv(in_dir / "posterior.csv"),
                        out["reachability"], out["reachability"].with_suffix(".pdf"), note)
    return out
