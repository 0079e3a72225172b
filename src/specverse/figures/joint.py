"""The joint-test figure: each observed specification curve against the band its
sorted curve takes when the effect is removed (2.5 / 50 / 97.5% of the null draws).
The title counts the curves all three joint tests reject; the band and curves drawn are
saved beside the figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse import numbers as fmt
from specverse.analysis.table import curve_label

from . import _plot


def _p(p: float, draws: int) -> str:
    """p = (1 + count) / (1 + B): its smallest value, 1 / (1 + B), means "no null draw as
    extreme", i.e. at most that."""
    return fmt.p_phrase(p, floor=1 / (1 + draws))


TESTS = ("p_median", "p_n_significant", "p_stouffer")


def _tested(tests: pd.DataFrame) -> pd.Series:
    """Curves with models to test jointly (a family of post-selection or Huber models only
    has a record with n_models = 0 and no statistics)."""
    return tests["n_models"] > 0


def joint_title(tests: pd.DataFrame, scenario: str) -> str:
    """How many curves all three joint tests reject at the tests' alpha."""
    alpha = float(tests["alpha"].iloc[0])
    tested = tests[_tested(tests)].reindex(columns=[*tests.columns, *TESTS])
    untested = len(tests) - len(tested)
    level = fmt.level(alpha)
    if tested.empty:
        return (f"Scenario '{scenario}': no specification curve has models to test jointly\n"
                f"(every model is a post-selection sample or a Huber fit)")
    rejected = int((tested[list(TESTS)] < alpha).all(axis=1).sum())
    apart = f"; {untested} curve(s) without models to test" if untested else ""
    if not rejected:
        return (f"Scenario '{scenario}': none of the {len(tested)} specification curves is distinguishable from "
                f"no association\n(no curve has all three joint tests p < {level}{apart})")
    return (f"Scenario '{scenario}': {rejected} of {len(tested)} specification curves are unlikely without any "
            f"association\n(all three joint tests p < {level}; an association, not proof of a causal effect{apart})")


def _untested_panel(ax, rec) -> None:
    ax.set_title(f"{curve_label(rec.treatment, rec.term)}: no joint test", fontsize=8)
    ax.text(0.5, 0.5, f"no OLS/WLS model on a fixed sample to refit:\n"
            f"{fmt.count(rec.n_post_selection_apart)} post-selection model(s) and "
            f"{fmt.count(rec.n_excluded_huber)} Huber fit(s) are kept apart",
            ha="center", va="center", fontsize=8, transform=ax.transAxes, color="0.3")
    ax.set_xticks([]), ax.set_yticks([])


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
    fig.subplots_adjust(left=0.07, right=0.99, top=1 - 1.55 / height, bottom=margin + 0.55 / height,
                        hspace=0.75, wspace=0.25)
    drawn_curves = []
    for ax, rec in zip(axes.ravel(), t.itertuples(index=False)):
        if rec.n_models == 0:
            _untested_panel(ax, rec)
            continue
        c = curves[(curves["scenario"] == scenario) & (curves["treatment"] == rec.treatment)
                   & (curves["term"] == rec.term)]
        x = 100 * c["quantile_rank"].to_numpy(float)
        drawn_curves.append(pd.DataFrame({"treatment": rec.treatment, "term": rec.term, "percentile": x,
                                          "observed": c["observed"].to_numpy(), "null_q025": c["null_q025"].to_numpy(),
                                          "null_q500": c["null_q500"].to_numpy(),
                                          "null_q975": c["null_q975"].to_numpy()}))
        ax.fill_between(x, c["null_q025"], c["null_q975"], color="0.8", lw=0, label="null: 2.5-97.5% of draws")
        ax.plot(x, c["null_q500"], color="0.35", ls="--", lw=1, label="null: median")
        ax.plot(x, c["observed"], color="#08519c", lw=2, label="observed curve")
        ax.axhline(0, color="black", lw=0.6)
        sign = "positive" if rec.dominant_sign > 0 else "negative"
        ax.set_title(
            f"{curve_label(rec.treatment, rec.term)} ({fmt.count(rec.n_models)} models)\n"
            f"median {fmt.signed(rec.median_estimate, 3)} ({_p(rec.p_median, rec.draws)}); "
            f"{fmt.count(rec.n_significant)} significant {sign} ({_p(rec.p_n_significant, rec.draws)})\n"
            f"Stouffer Z = {rec.stouffer_z:.2f} ({_p(rec.p_stouffer, rec.draws)}); {fmt.count(rec.draws)} null draws",
            fontsize=8,
        )
        ax.set_xlabel("models, sorted by estimate (percentile)", fontsize=8)
        ax.set_ylabel("estimate, % change in NI1\nrelative to the 2006 baseline", fontsize=8)
        ax.set_xlim(0, 100)
        ax.grid(color="0.92", lw=0.6)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    handles, labels = axes.ravel()[int(np.argmax(_tested(t).to_numpy()))].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=3, fontsize=8.5, frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.5 / height))
    fig.suptitle(joint_title(t, scenario), fontsize=11, fontweight="bold", y=1 - 0.08 / height, va="top")
    _plot.add_note(fig, note)
    drawn = pd.concat(drawn_curves, ignore_index=True) if drawn_curves else pd.DataFrame(
        columns=["treatment", "term", "percentile", "observed", "null_q025", "null_q500", "null_q975"])
    _plot.save_figure(fig, png, pdf, data=drawn)
