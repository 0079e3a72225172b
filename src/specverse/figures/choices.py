"""specr-style views of one scenario's curves: what each choice does, and the sample sizes.

:func:`plot_choice_summary` draws the choice summary (:mod:`specverse.analysis.choices`):
one row of panels per curve, one panel per choice dimension, one line per option --
its median estimate (dot), median +- MAD (thick) and range (thin), coloured by the
share of its models significant by the headline method.  :func:`plot_sample_sizes`
draws n of every model along each curve, in the curve's own order (specr's sample-size
panel), beside the range of n per sample option.  Titles state the result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize

from specverse import numbers as fmt
from specverse.analysis.table import CHOICE_DIMENSIONS, CURVE_KEYS, curve_label

from . import _plot
from .curve import OPTION_ORDER, sort_curve

CMAP = "viridis_r"  # dark = mostly significant; colour-blind safe and prints in grey
POST_MARK = " *"
#: |Spearman rho| below this reads as a weak link between n and the estimate.
WEAK = 0.3


def _ordered(dim: str, options: list[str]) -> list[str]:
    known = OPTION_ORDER.get(dim, [])
    return [o for o in known if o in options] + sorted(o for o in options if o not in known)


def spread_by_dimension(summary: pd.DataFrame) -> pd.DataFrame:
    """Per curve and dimension: how far apart the options' medians lie (max - min), over
    the options outside post-selection samples."""
    rows = summary[(summary["dimension"] != "all") & ~summary["post_selection"].astype(bool)]
    g = rows.groupby([*CURVE_KEYS, "dimension"], sort=False)["median"]
    return (g.max() - g.min()).rename("spread").reset_index()


def choices_title(summary: pd.DataFrame, scenario: str) -> str:
    """Which dimension moves the median most in most curves, and the widest gap anywhere."""
    spread = spread_by_dimension(summary)
    top = spread.loc[spread.groupby(list(CURVE_KEYS), sort=False)["spread"].idxmax()]
    moved = top[top["spread"] > 0]  # a curve whose options all share one median names no choice
    if moved.empty:
        return f"Scenario '{scenario}': no choice moves the median estimate of any curve"
    counts = moved["dimension"].value_counts()
    dim = min(counts.index, key=lambda d: (-counts[d], list(CHOICE_DIMENSIONS).index(d)))
    widest = moved.loc[moved["spread"].idxmax()]
    return (f"Scenario '{scenario}': which choices move the estimate? The {dim} choice moves the median "
            f"most in {counts[dim]} of {len(top)} curves;\nthe widest gap between two options' medians is "
            f"{widest['spread']:.2f} ({widest['dimension']}, {curve_label(widest['treatment'], widest['term'])})")


def plot_choice_summary(summary: pd.DataFrame, scenario: str, *, png, pdf=None, note: str = "",
                        alpha: float = 0.05) -> None:
    """One scenario's choice summary (rows of ``summary`` with that scenario)."""
    summ = summary[summary["scenario"] == scenario]
    if summ.empty:
        raise ValueError(f"choice summary has no row for scenario {scenario!r}")
    curves = list(summ[list(CURVE_KEYS)].drop_duplicates().itertuples(index=False, name=None))
    dims = [d for d in CHOICE_DIMENSIONS if (summ["dimension"] == d).any()]
    n_opt = max(int((summ["dimension"] == d).groupby(summ["treatment"] + summ["term"]).sum().max())
                for d in dims)
    row_h = 0.75 + 0.2 * n_opt
    height = row_h * len(curves) + 1.6
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig, axes = _plot.plt.subplots(len(curves), len(dims), figsize=(14, height), squeeze=False, sharey="col")
    fig.subplots_adjust(left=0.09, right=0.9, top=1 - 1.2 / height, bottom=margin + 0.5 / height,
                        hspace=0.75, wspace=0.6)
    norm, drawn = Normalize(0, 1), []
    for r, key in enumerate(curves):
        rows = summ[(summ[list(CURVE_KEYS)] == pd.Series(key, index=list(CURVE_KEYS))).all(axis=1)]
        overall = rows[rows["dimension"] == "all"].iloc[0]
        for c, dim in enumerate(dims):
            ax = axes[r, c]
            part = rows[rows["dimension"] == dim]
            part = part.set_index("option").loc[_ordered(dim, list(part["option"]))].reset_index()
            y = np.arange(len(part))[::-1]
            colours = _plot.plt.get_cmap(CMAP)(norm(part["share_significant"].fillna(-1).to_numpy()))
            colours[part["share_significant"].isna().to_numpy()] = (0.75, 0.75, 0.75, 1)
            ax.add_collection(LineCollection([[(lo, yy), (hi, yy)] for lo, hi, yy in zip(part["min"], part["max"], y)],
                                             colors="0.55", linewidths=0.9))
            ax.add_collection(LineCollection(
                [[(m - d, yy), (m + d, yy)] for m, d, yy in zip(part["median"], part["mad"], y)],
                colors=colours, linewidths=4.5, alpha=0.8))
            post = part["post_selection"].astype(bool).to_numpy()
            ax.scatter(part["median"], y, c=colours, s=26, edgecolors="black", linewidths=0.5, zorder=3)
            ax.axvline(0, color="0.35", lw=0.8)
            ax.axvline(overall["median"], color="black", ls=":", lw=0.9)
            ax.set_yticks(y, [o + (POST_MARK if p else "") for o, p in zip(part["option"], post)], fontsize=7.5)
            ax.set_ylim(-0.7, len(part) - 0.3)
            ax.tick_params(axis="x", labelsize=7)
            ax.grid(axis="x", color="0.92", lw=0.6)
            ax.autoscale(axis="x")
            if r == 0:  # column header, above the first curve's label
                ax.annotate(dim, (0.5, 1), xycoords="axes fraction", xytext=(0, 24), textcoords="offset points",
                            ha="center", va="bottom", fontsize=10, fontweight="bold", color="0.25")
            drawn.append(part.assign(**dict(zip(CURVE_KEYS, key))))
        axes[r, 0].text(0, 1.08, f"{curve_label(key[1], key[2])}: {fmt.count(overall['models'])} models, median "
                        f"{fmt.signed(overall['median'])} (dotted line)", transform=axes[r, 0].transAxes,
                        fontsize=8.5, fontweight="bold", va="bottom")
        for ax in axes[r]:  # one x scale per curve, so options compare across its panels
            ax.set_xlim(*_row_limits(rows))
    cax = fig.add_axes([0.925, 0.3, 0.012, 0.4])
    bar = fig.colorbar(ScalarMappable(norm, CMAP), cax=cax)
    bar.set_label(f"share significant (headline p < {fmt.level(alpha)}); grey: no headline p", fontsize=8)
    fig.text(0.1, margin + 0.12 / height, "Estimate on the common scale (% change in NI1 relative to the 2006 "
             "baseline). Dot: median; thick bar: median \u00b1 MAD; thin line: min to max. "
             f"{POST_MARK.strip()} post-selection sample: its models are summarised apart.", fontsize=7.5)
    fig.suptitle(choices_title(summ, scenario), fontsize=11, fontweight="bold", y=1 - 0.1 / height, va="top")
    _plot.add_note(fig, note)
    _plot.save_figure(fig, png, pdf, data=pd.concat(drawn, ignore_index=True)[list(summ.columns)])


def _row_limits(rows: pd.DataFrame) -> tuple[float, float]:
    lo = min(float(rows["min"].min()), 0.0)
    hi = max(float(rows["max"].max()), 0.0)
    pad = 0.05 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def sample_size_data(models: pd.DataFrame, scenario: str, alpha: float) -> pd.DataFrame:
    """Every usable model of the scenario's curves (post-selection samples apart, as in the
    curves), in each curve's order: rank (1 = smallest estimate), n and sample option."""
    parts = []
    for (treatment, term), rows in models[models["scenario"] == scenario].groupby(["treatment", "term"], sort=True):
        cur = sort_curve(rows, alpha)
        if len(cur):
            parts.append(pd.DataFrame({"treatment": treatment, "term": term, "rank": cur["rank"].to_numpy() + 1,
                                       "model_id": cur["model_id"].to_numpy(), "estimate": cur["estimate_common"].to_numpy(),
                                       "n": cur["n"].to_numpy(float), "sample": cur["sample"].astype(str).to_numpy()}))
    if not parts:
        raise ValueError(f"no usable model for scenario {scenario!r}")
    return pd.concat(parts, ignore_index=True)


def rank_correlation(data: pd.DataFrame) -> pd.Series:
    """Spearman correlation of n with the rank along each curve (0 when n is constant)."""
    def rho(g):
        if g["n"].nunique() < 2:
            return 0.0
        return float(np.corrcoef(g["rank"].rank(), g["n"].rank())[0, 1])
    return data.groupby(["treatment", "term"], sort=True)[["rank", "n"]].apply(rho)


def sample_size_title(data: pd.DataFrame, scenario: str) -> str:
    """Whether sample size goes with the estimate: the strongest rank correlation."""
    rho = rank_correlation(data)
    strongest = rho.abs().idxmax()
    r, where = rho[strongest], curve_label(*strongest)
    if abs(r) < WEAK:
        said = f"n barely follows the estimate (strongest Spearman rho {r:+.2f}, {where})"
    else:
        said = (f"in {where} the smaller samples give the {'larger' if r < 0 else 'smaller'} estimates "
                f"(Spearman rho of n and rank {r:+.2f})")
    return f"Scenario '{scenario}': sample size (n) of every model along each curve -\n{said}"


def plot_sample_sizes(models: pd.DataFrame, scenario: str, *, png, pdf=None, note: str = "",
                      alpha: float = 0.05) -> None:
    """n per model along each of the scenario's curves, and n per sample option."""
    data = sample_size_data(models, scenario, alpha)
    curves = list(data[["treatment", "term"]].drop_duplicates().itertuples(index=False, name=None))
    samples = _ordered("sample", sorted(data["sample"].unique()))
    palette = dict(zip(samples, _plot.plt.get_cmap("tab10").colors))
    height = 1.7 * len(curves) + 1.5
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig, axes = _plot.plt.subplots(len(curves), 2, figsize=(12, height), squeeze=False,
                                   gridspec_kw={"width_ratios": [4, 1]})
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - 1.15 / height, bottom=margin + 0.55 / height,
                        hspace=0.6, wspace=0.25)
    top = float(np.nanmax(data["n"])) * 1.08
    for r, (treatment, term) in enumerate(curves):
        cur = data[(data["treatment"] == treatment) & (data["term"] == term)]
        ax, side = axes[r]
        ax.vlines(cur["rank"], 0, cur["n"], colors=[palette[s] for s in cur["sample"]],
                  linewidth=max(0.3, min(2.0, 600 / len(cur))), rasterized=True)
        ax.set_xlim(0.5, len(cur) + 0.5)
        ax.set_ylim(0, top)
        ax.set_ylabel("n (areas)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_title(f"{curve_label(treatment, term)}: {fmt.count(len(cur))} models, n from "
                     f"{fmt.count(cur['n'].min())} to {fmt.count(cur['n'].max())}", fontsize=8.5, loc="left",
                     fontweight="bold")
        shown = [s for s in samples if (cur["sample"] == s).any()]
        for k, s in enumerate(shown[::-1]):
            n = cur.loc[cur["sample"] == s, "n"]
            side.plot([n.min(), n.max()], [k, k], color=palette[s], lw=3, marker="|", ms=11, mew=2.5)
            side.scatter([n.median()], [k], color="black", s=14, zorder=3)
        side.set_yticks(range(len(shown)), shown[::-1], fontsize=7.5)
        side.set_xlim(0, top)
        side.set_ylim(-0.7, len(shown) - 0.3)
        side.tick_params(axis="x", labelsize=7)
        if r == 0:
            side.set_title("n per sample option (range; dot: median)", fontsize=8)
    axes[-1, 0].set_xlabel("models, ranked by estimate as in the specification curve (1 = smallest)", fontsize=8)
    for ax in axes[:, 0]:
        _plot.thousands(ax.xaxis)
    handles = [_plot.plt.Line2D([], [], color=palette[s], lw=4, label=s) for s in samples]
    fig.legend(handles=handles, loc="upper left", ncol=len(samples), fontsize=8, frameon=False,
               title="sample option", title_fontsize=8, alignment="left", bbox_to_anchor=(0.06, 1 - 0.55 / height))
    fig.suptitle(sample_size_title(data, scenario), fontsize=11, fontweight="bold", x=0.07, ha="left",
                 y=1 - 0.1 / height, va="top")
    _plot.add_note(fig, note)
    _plot.save_figure(fig, png, pdf, data=data)
