"""The joint-test figure: each observed specification curve against the band its
sorted curve takes when the effect is removed (2.5 / 50 / 97.5% of the null draws)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.analysis.table import curve_label

from . import _plot


def _fmt_p(p: float, draws: int) -> str:
    """p = (1 + count) / (1 + B): its smallest value, 1 / (1 + B), means "no null draw as
    extreme", i.e. at most that."""
    if not np.isfinite(p):
        return "n/a"
    return f"<= {p:.3f}" if np.isclose(p, 1 / (1 + draws)) else f"= {p:.3f}"


def plot_joint(tests: pd.DataFrame, curves: pd.DataFrame, scenario: str, *, png, pdf=None, note: str = "") -> None:
    t = tests[tests["scenario"] == scenario]
    if t.empty:
        raise ValueError(f"joint tests have no row for scenario {scenario!r}")
    n = len(t)
    ncols = min(3, n)
    nrows = int(np.ceil(n / ncols))
    height = 3.6 * nrows + 1.5
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig, axes = _plot.plt.subplots(nrows, ncols, figsize=(max(5.3 * ncols, 8.0), height), squeeze=False)
    fig.subplots_adjust(left=0.07, right=0.99, top=1 - 1.35 / height, bottom=margin + 0.55 / height,
                        hspace=0.75, wspace=0.25)
    for ax, rec in zip(axes.ravel(), t.itertuples(index=False)):
        c = curves[(curves["scenario"] == scenario) & (curves["treatment"] == rec.treatment)
                   & (curves["term"] == rec.term)]
        x = 100 * c["quantile_rank"].to_numpy(float)
        ax.fill_between(x, c["null_q025"], c["null_q975"], color="0.8", lw=0, label="null: 2.5-97.5% of draws")
        ax.plot(x, c["null_q500"], color="0.35", ls="--", lw=1, label="null: median")
        ax.plot(x, c["observed"], color="#08519c", lw=2, label="observed curve")
        ax.axhline(0, color="black", lw=0.6)
        sign = "positive" if rec.dominant_sign > 0 else "negative"
        ax.set_title(
            f"{curve_label(rec.treatment, rec.term)} ({rec.n_models} models)\n"
            f"median {rec.median_estimate:.3f} (p {_fmt_p(rec.p_median, rec.draws)}); "
            f"{rec.n_significant} significant {sign} (p {_fmt_p(rec.p_n_significant, rec.draws)})\n"
            f"Stouffer Z = {rec.stouffer_z:.2f} (p {_fmt_p(rec.p_stouffer, rec.draws)}); {rec.draws} null draws",
            fontsize=8,
        )
        ax.set_xlabel("models, sorted by estimate (percentile)", fontsize=8)
        ax.set_ylabel("estimate, % change in NI1\nrelative to the 2006 baseline", fontsize=8)
        ax.set_xlim(0, 100)
        ax.grid(color="0.92", lw=0.6)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=3, fontsize=8.5, frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.3 / height))
    fig.suptitle(f"Is the curve as a whole distinguishable from no effect? - scenario '{scenario}'",
                 fontsize=11.5, fontweight="bold", y=1 - 0.08 / height)
    _plot.add_note(fig, note)
    _plot.save_figure(fig, png, pdf)
