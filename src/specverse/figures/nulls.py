"""Null and bootstrap distributions of the t statistic for the paper's Model 2 and
Model 3 specifications, with our observed t and the published t marked.

Drawn from :mod:`specverse.analysis.paper_nulls`' tables: the histograms are the very
draws the specification table's p-values count, and the printed p is theirs.  The title
gives each model's range of p over the methods; the histograms' bins are saved beside
the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse import numbers as fmt

from . import _plot

METHOD_LABEL = {"permutation": "permutation (Freedman-Lane)", "wild": "wild bootstrap, null imposed",
                "pairs": "pairs bootstrap-t"}


BINS = 50


def nulls_title(tests: pd.DataFrame, scenario: str) -> str:
    """Per model, the p-values of the resampling methods (their range where they differ);
    a p at its floor 1 / (1 + draws) reads "<=" (no draw as extreme)."""
    parts = []
    for model, rows in tests.groupby("model", sort=True):
        p = rows["p"].astype(float)
        floor = 1 / (1 + float(rows["draws"].max()))
        lo, hi = fmt.p_value(p.min(), floor), fmt.p_value(p.max(), floor)
        text = f"p {lo}" if lo == hi else f"p {lo} to {hi.lstrip('= ')}"
        parts.append(f"Model {model} ({rows['term'].iloc[0]}) {text}")
    return (f"Scenario '{scenario}': how extreme are the paper's results by chance alone?\n"
            + "; ".join(parts) + f" (over {tests['method'].nunique()} resampling tests)")


def plot_nulls(draws: pd.DataFrame, tests: pd.DataFrame, scenario: str, *, png, pdf=None, note: str = "") -> None:
    """Rows: Model 2 (target_on), Model 3 (stretch); columns: the resampling methods."""
    t = tests[tests["scenario"] == scenario]
    if t.empty:
        raise ValueError(f"paper-model tests have no row for scenario {scenario!r}")
    models = sorted(t["model"].unique())
    methods = list(dict.fromkeys(t["method"]))
    height = 2.6 * len(models) + 1.3
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig, axes = _plot.plt.subplots(len(models), len(methods), figsize=(13, height), squeeze=False)
    fig.subplots_adjust(left=0.07, right=0.99, top=1 - 0.95 / height, bottom=margin + 0.55 / height,
                        hspace=0.55, wspace=0.22)
    drawn = []
    for i, model in enumerate(models):
        for j, method in enumerate(methods):
            rec = t[(t["model"] == model) & (t["method"] == method)].iloc[0]
            sel = (draws["scenario"] == scenario) & (draws["model"] == model) & (draws["method"] == method)
            ts = draws.loc[sel, "t_star"].to_numpy(float)
            ts = ts[np.isfinite(ts)]
            ax = axes[i, j]
            counts, edges = np.histogram(ts, bins=BINS)
            ax.stairs(counts, edges, fill=True, color="0.65")
            drawn.append(pd.DataFrame({"model": model, "term": rec.term, "method": method, "bin_low": edges[:-1],
                                       "bin_high": edges[1:], "draws": counts, "t_observed": rec.t_observed,
                                       "t_published": rec.t_published, "p": rec.p}))
            ax.axvline(rec.t_observed, color="#08519c", lw=2, label=f"our t = {rec.t_observed:.2f}")
            ax.axvline(-rec.t_observed, color="#08519c", lw=1, ls=":")
            if np.isfinite(rec.t_published):
                ax.axvline(rec.t_published, color="#d94801", lw=1.8, ls="--",
                           label=f"published t = {rec.t_published:.2f}")
            share = float(np.mean(np.abs(ts) >= abs(rec.t_observed))) if ts.size else np.nan
            ax.set_title(f"Model {model} ({rec.term}): {METHOD_LABEL.get(method, method)}\n"
                         f"{fmt.p_phrase(rec.p, 1 / (1 + rec.draws))}; {100 * share:.1f}% of the {fmt.count(ts.size)} draws have "
                         f"|t*| \u2265 |t|", fontsize=8.5)
            ax.set_xlabel("t statistic of the draw" + (" (b* - b)/se*" if method == "pairs" else " under the null"),
                          fontsize=8)
            ax.set_ylabel("draws", fontsize=8)
            ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(nulls_title(t, scenario), fontsize=11, fontweight="bold", y=1 - 0.08 / height, va="top")
    _plot.add_note(fig, note)
    _plot.save_figure(fig, png, pdf, data=pd.concat(drawn, ignore_index=True))
