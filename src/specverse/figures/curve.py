"""Specification curves: every model of one treatment (counted once, on the common effect
scale, coloured by its headline p), sorted, with its CI, above
an indicator panel of the choices that produced it; and a variant that shows each
inference method's p-value along the same ordering.

Readable at tens of thousands of specifications: points and CI whiskers are
rasterised, and the indicator panel is aggregated into at most ``max_bins``
columns, each shaded by the share of its specifications that made the choice.
Only specification choices get indicator rows: inference choices (SE type, resampling
method) change no estimate, so a curve with one point per model has nothing to show
for them.  Titles state each curve's result, computed from it; the data drawn is saved
beside each figure (:func:`curve_data`, :func:`pvalue_data`).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import PowerNorm
from matplotlib.ticker import NullLocator

from specverse import numbers as fmt
from specverse.analysis.table import (
    CHOICE_DIMENSIONS,
    curve_label,
    display_option,
    paper_rows,
    published_reference,
    usable_models,
)
from specverse.analysis.models import method_columns

from . import _plot

CONTROL_CLASS_ORDER = ["full", "leave one out", "block subset", "none"]
#: Canonical option order within each dimension (the paper's option first).
OPTION_ORDER = {
    "baseline": ["published", "lsp_preferred"],
    "outcome": ["pct_change", "point_change", "log_ratio", "ancova"],
    "controls": CONTROL_CLASS_ORDER,
    "sample": ["all", "no_london", "no_counties", "no_influential", "common_131"],
    "estimator": ["ols", "wls_population", "huber"],
}
#: Above this many specifications CI whiskers give way to a binned band.
WHISKER_LIMIT = 1500


def categorise(estimate: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    """Sign x significance category of every estimate (headline ``p < alpha``); ``no_p``
    where the model has no headline p (e.g. a Huber fit under a wild-bootstrap headline)."""
    estimate = np.asarray(estimate, float)
    p = np.asarray(p, float)
    sig = p < alpha
    pos = estimate >= 0
    cat = np.where(pos, np.where(sig, "pos_sig", "pos_ns"), np.where(sig, "neg_sig", "neg_ns"))
    return np.where(np.isfinite(p), cat, "no_p")


def sort_curve(rows: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Usable models (post-selection samples apart) sorted by their common-scale estimate
    (ties by model_id for a stable order), with a ``rank`` (0..S-1) and a sign x headline
    significance ``category``."""
    out = usable_models(rows).sort_values(["estimate_common", "model_id"], kind="mergesort").reset_index(drop=True)
    out["rank"] = np.arange(len(out))
    out["category"] = categorise(out["estimate_common"].to_numpy(), out["p_headline"].to_numpy(), alpha)
    return out


def indicator_rows(sorted_rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(dimension, displayed option) for every indicator row, grouped by dimension.

    The paper's option comes first within a dimension where present; controls
    collapse into the classes of :func:`display_option`.
    """
    out = []
    for dim in CHOICE_DIMENSIONS:
        shown = [display_option(dim, o) for o in pd.unique(sorted_rows[dim].astype(str))]
        uniq = list(dict.fromkeys(shown))
        known = OPTION_ORDER.get(dim, [])
        uniq = [c for c in known if c in uniq] + sorted(c for c in uniq if c not in known)
        out.extend((dim, o) for o in uniq)
    return out


def indicator_matrix(sorted_rows: pd.DataFrame, max_bins: int = 400):
    """Share of specifications in each bin of the sorted curve that made each choice.

    Returns ``(labels, shares, edges)``: ``labels`` from :func:`indicator_rows`,
    ``shares`` of shape (rows, bins) in [0, 1], and bin ``edges`` in rank units
    (``bins + 1`` values from 0 to S).  With ``S <= max_bins`` every bin holds one
    specification, so shares are exactly 0 or 1 (the classic indicator panel).
    """
    S = len(sorted_rows)
    bins = max(1, min(S, max_bins))
    edges = np.linspace(0, S, bins + 1)
    which = np.minimum((np.arange(S) * bins) // max(S, 1), bins - 1)
    counts = np.bincount(which, minlength=bins).astype(float)
    labels = indicator_rows(sorted_rows)
    shares = np.zeros((len(labels), bins))
    for i, (dim, opt) in enumerate(labels):
        shown = sorted_rows[dim].astype(str).map(lambda o, d=dim: display_option(d, o))
        hit = (shown == opt).to_numpy().astype(float)
        shares[i] = np.bincount(which, weights=hit, minlength=bins) / np.where(counts > 0, counts, 1)
    return labels, shares, edges


def _draw_curve(ax, cur: pd.DataFrame, reference, alpha: float, term: str, max_bins: int):
    S = len(cur)
    x = cur["rank"].to_numpy() + 0.5
    colours = cur["category"].map(_plot.COLOURS).to_numpy()
    if S <= WHISKER_LIMIT:
        segs = np.stack([np.column_stack([x, cur["ci_low_common"]]), np.column_stack([x, cur["ci_high_common"]])],
                        axis=1)
        ax.add_collection(LineCollection(segs, colors=colours, linewidths=1.2 if S < 200 else 0.6,
                                         alpha=0.6, rasterized=True))
    else:
        # Thousands of overlapping whiskers hide the curve: show the CI as a band of
        # the median bounds within each bin of neighbouring specifications.
        centres, low, high = binned_ci(cur, max_bins)
        ax.fill_between(centres, low, high, color="0.75", alpha=0.7, lw=0, zorder=1,
                        label=f"95% CI (median bounds within {len(centres)} bins)")
    size = 14 if S < 200 else 4 if S < 2000 else 1.5
    ax.scatter(x, cur["estimate_common"], c=colours, s=size, linewidths=0, rasterized=True, zorder=3)
    ax.axhline(0, color="0.35", lw=0.8, zorder=1)
    handles = []
    for cat, lab in _plot.LABELS.items():
        n = int((cur["category"] == cat).sum())
        handles.append(ax.scatter([], [], c=_plot.COLOURS[cat], s=25, label=f"{lab} ({n:,})"))
    if reference is not None:
        ax.axhline(reference, color="black", ls="--", lw=1.1, zorder=4,
                   label=f"paper's published estimate ({reference:.3f})")
    paper = cur[paper_rows(cur)]
    if len(paper):
        p = paper.iloc[0]
        ax.scatter([p["rank"] + 0.5], [p["estimate_common"]], marker="*", s=220, c="gold", edgecolors="black",
                   linewidths=0.8, zorder=6,
                   label=f"our fit of the paper's specification ({p['estimate_common']:.3f})")
        ax.axvline(p["rank"] + 0.5, color="black", lw=0.6, ls=":", zorder=2)
    lo, hi = np.nanpercentile(cur["ci_low_common"], 0.5), np.nanpercentile(cur["ci_high_common"], 99.5)
    extra = [v for v in (reference, 0.0) if v is not None]
    lo, hi = min([lo, *extra]), max([hi, *extra])
    span = hi - lo if hi > lo else 1.0
    # Headroom above the data keeps the legend (upper left) off the curve and the reference line.
    ax.set_ylim(lo - 0.05 * span, hi + 0.45 * span)
    ax.set_xlim(0, S)
    ax.set_ylabel(f"Effect of {term}, % change in NI1\nrelative to the 2006 baseline (95% CI)", fontsize=8.5)
    ax.legend(loc="upper left", fontsize=7.5, frameon=True, framealpha=0.9, ncol=2)
    ax.tick_params(labelbottom=False)
    ax.grid(axis="y", color="0.9", lw=0.6)
    ax.set_title(curve_label(cur["treatment"].iloc[0], term), fontsize=9.5, fontweight="bold", loc="left")


def curve_summary(cur: pd.DataFrame, alpha: float) -> dict:
    """The numbers a curve's title states: models, median, share positive, and the share
    significantly positive among the models with a headline p."""
    est = cur["estimate_common"].to_numpy(float)
    p = cur["p_headline"].to_numpy(float)
    have = np.isfinite(p)
    return {
        "models": len(cur),
        "median": float(np.median(est)) if len(est) else np.nan,
        "share_positive": float(np.mean(est > 0)) if len(est) else np.nan,
        "with_p": int(have.sum()),
        "share_significant_positive": float(np.mean((p[have] < alpha) & (est[have] > 0))) if have.any() else np.nan,
    }


def curve_sentence(cur: pd.DataFrame, alpha: float) -> str:
    """``median +0.41; 99% of 9,984 models positive, 93% significantly (p < .05)``."""
    s = curve_summary(cur, alpha)
    among = "" if s["with_p"] == s["models"] else f" of the {fmt.count(s['with_p'])} with a headline p"
    return (f"median {fmt.signed(s['median'])}; {fmt.percent(s['share_positive'])} of {fmt.count(s['models'])} "
            f"models positive, {fmt.percent(s['share_significant_positive'])}{among} significantly so "
            f"(p < {fmt.level(alpha)})")


def binned_ci(cur: pd.DataFrame, max_bins: int):
    """Bin centres (rank units) and the median CI bounds of the sorted curve per bin."""
    S = len(cur)
    bins = max(1, min(S, max_bins))
    which = np.minimum((np.arange(S) * bins) // S, bins - 1)
    frame = pd.DataFrame({"bin": which, "lo": cur["ci_low_common"].to_numpy(), "hi": cur["ci_high_common"].to_numpy(),
                          "x": np.arange(S) + 0.5})
    agg = frame.groupby("bin").agg(x=("x", "mean"), lo=("lo", "median"), hi=("hi", "median"))
    return agg["x"].to_numpy(), agg["lo"].to_numpy(), agg["hi"].to_numpy()


def _draw_indicators(ax, cur: pd.DataFrame, max_bins: int):
    labels, shares, edges = indicator_matrix(cur, max_bins)
    S = len(cur)
    # Square-root shading: an option used by 1 in 40 specifications (one controls set
    # among ~40) stays visible where it concentrates; 0 and 1 keep their meaning.
    ax.imshow(shares, aspect="auto", cmap="Greys", norm=PowerNorm(gamma=0.5, vmin=0, vmax=1),
              interpolation="nearest", extent=(0, S, len(labels) - 0.5, -0.5), rasterized=True)
    ax.set_yticks(range(len(labels)), [o for _, o in labels], fontsize=7)
    dims = [d for d, _ in labels]
    start = 0
    for i in range(1, len(dims) + 1):
        if i == len(dims) or dims[i] != dims[start]:
            if i < len(dims):
                ax.axhline(i - 0.5, color="#c0392b", lw=0.8)
            ax.text(1.005, 1 - ((start + i) / 2) / len(dims), dims[start], transform=ax.transAxes,
                    fontsize=7.5, fontweight="bold", va="center", ha="left")
            start = i
    paper = cur[paper_rows(cur)]
    if len(paper):
        ax.axvline(paper["rank"].iloc[0] + 0.5, color="gold", lw=1.2)
    ax.set_xlim(0, S)
    binned = len(edges) - 1 < S
    _plot.thousands(ax.xaxis)
    ax.set_xlabel(
        f"Specifications sorted by estimate (rank 1 to {S:,})"
        + (f"; choices shaded by share within {len(edges) - 1} bins" if binned else "")
    )


def plot_curve(models: pd.DataFrame, scenario: str, treatment: str, *, png, pdf=None, note: str = "",
               table2: pd.DataFrame | None = None, alpha: float = 0.05, max_bins: int = 400) -> None:
    """Specification curve(s) + indicator panel for one scenario and treatment.

    A treatment reporting several coefficients gets one column of panels per term.
    Raises ValueError when the table has no usable row for the pair.
    """
    sel = models[(models["scenario"] == scenario) & (models["treatment"] == treatment)]
    terms = sorted(usable_models(sel)["term"].unique())
    if not terms:
        raise ValueError(f"no usable model for scenario={scenario!r}, treatment={treatment!r}")
    sorted_by_term = {t: sort_curve(sel[sel["term"] == t], alpha) for t in terms}
    n_ind = len(indicator_rows(next(iter(sorted_by_term.values()))))
    block = 3.2 + 0.17 * n_ind + 1.0
    title = curve_title(sorted_by_term, scenario, treatment, alpha)
    height = block * len(terms) + title_room(title)
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig = _plot.plt.figure(figsize=(11, height))
    ratios = [3.2, 0.17 * n_ind, 0.9] * len(terms)
    gs = fig.add_gridspec(3 * len(terms) - 1, 1, height_ratios=ratios[:-1], hspace=0.06, left=0.11,
                          right=0.88, top=1 - title_room(title) / height, bottom=margin + 0.55 / height)
    for j, term in enumerate(terms):
        cur = sorted_by_term[term]
        ax = fig.add_subplot(gs[3 * j, 0])
        _draw_curve(ax, cur, published_reference(table2, scenario, treatment, term), alpha, term, max_bins)
        _draw_indicators(fig.add_subplot(gs[3 * j + 1, 0], sharex=ax), cur, max_bins)
    fig.suptitle(title, fontsize=11, fontweight="bold", y=1 - 0.08 / height, va="top")
    _plot.add_note(fig, note)
    refs = {t: published_reference(table2, scenario, treatment, t) for t in terms}
    _plot.save_figure(fig, png, pdf, data=curve_data(sorted_by_term, refs, max_bins))


TITLE_WIDTH = 100  # characters per title line at 11 pt on an 11-inch figure


def title_room(title: str) -> float:
    """Inches above the panels that a suptitle of this many lines needs."""
    return 0.3 + 0.2 * (title.count("\n") + 1)


def curve_title(sorted_by_term: dict[str, pd.DataFrame], scenario: str, treatment: str, alpha: float) -> str:
    """The result of every curve (:func:`curve_sentence`), wrapped to the figure's width."""
    if len(sorted_by_term) == 1:
        (term, cur), = sorted_by_term.items()
        lines = [f"Scenario '{scenario}', {curve_label(treatment, term)}: {curve_sentence(cur, alpha)}"]
    else:
        lines = [f"Scenario '{scenario}', {treatment}:"]
        lines += [f"{term}: {curve_sentence(cur, alpha)}" for term, cur in sorted_by_term.items()]
    return "\n".join(textwrap.fill(line, TITLE_WIDTH) for line in lines)


def curve_data(sorted_by_term: dict[str, pd.DataFrame], references: dict, max_bins: int) -> pd.DataFrame:
    """One row per point of the curve(s): its rank (1 = smallest estimate), estimate and
    95% CI, headline p and colour category, the choices the indicator panel shows, the bin
    it is pooled into there (and in the CI band), whether it is the paper's specification,
    and the published estimate drawn as the dashed line."""
    parts = []
    for term, cur in sorted_by_term.items():
        S = len(cur)
        bins = max(1, min(S, max_bins))
        part = pd.DataFrame({
            "treatment": cur["treatment"].to_numpy(), "term": term, "rank": cur["rank"].to_numpy() + 1,
            "model_id": cur["model_id"].to_numpy(), "estimate": cur["estimate_common"].to_numpy(),
            "ci_low": cur["ci_low_common"].to_numpy(), "ci_high": cur["ci_high_common"].to_numpy(),
            "p_headline": cur["p_headline"].to_numpy(), "category": cur["category"].to_numpy(),
        })
        for dim in CHOICE_DIMENSIONS:
            part[dim] = [display_option(dim, o) for o in cur[dim].astype(str)]
        part["bin"] = np.minimum((np.arange(S) * bins) // max(S, 1), bins - 1) + 1
        part["paper_specification"] = paper_rows(cur).to_numpy()
        ref = references.get(term)
        part["published_estimate"] = np.nan if ref is None else ref
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


METHOD_LABELS = {"classical": "analytic, classical SE", "huber": "analytic, Huber's H1 SE",
                 "wild": "wild bootstrap", "pairs": "pairs bootstrap", "permutation": "permutation test",
                 "romano_wolf": "Romano-Wolf step-down (familywise, wild draws)"}


def pvalue_methods(cur: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, column) of every inference method with at least one p-value in ``cur``."""
    return [(METHOD_LABELS.get(m, f"analytic, {m} SE"), col) for m, col in method_columns(cur).items()]


def plot_pvalue_curve(models: pd.DataFrame, scenario: str, treatment: str, *, png, pdf=None, note: str = "",
                      alpha: float = 0.05) -> None:
    """Each inference method's p-value along the estimate-sorted curve (log scale)."""
    sel = models[(models["scenario"] == scenario) & (models["treatment"] == treatment)]
    terms = sorted(usable_models(sel)["term"].unique())
    if not terms:
        raise ValueError(f"no usable model for scenario={scenario!r}, treatment={treatment!r}")
    sorted_by_term = {t: sort_curve(sel[sel["term"] == t], alpha) for t in terms}
    methods = pvalue_methods(pd.concat(sorted_by_term.values()))
    title = pvalue_title(sorted_by_term, methods, scenario, treatment, alpha)
    height = (1.6 * len(methods) + 0.9) * len(terms) + 0.25 + title_room(title)
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig = _plot.plt.figure(figsize=(11, height))
    ratios = ([1.6] * len(methods) + [0.75]) * len(terms)
    gs = fig.add_gridspec(len(ratios) - 1, 1, height_ratios=ratios[:-1], hspace=0.12, left=0.1, right=0.98,
                          top=1 - (0.25 + title_room(title)) / height, bottom=margin + 0.5 / height)
    axes = np.empty((len(methods), len(terms)), dtype=object)
    for j in range(len(terms)):
        for i in range(len(methods)):
            row = j * (len(methods) + 1) + i
            axes[i, j] = fig.add_subplot(gs[row, 0], sharex=axes[0, j] if i else None)
            if i < len(methods) - 1:
                axes[i, j].tick_params(labelbottom=False)
    for j, term in enumerate(terms):
        cur = sorted_by_term[term]
        S = len(cur)
        x = cur["rank"].to_numpy() + 0.5
        size = 10 if S < 200 else 5 if S < 2000 else 1.5
        sign_col = np.where(cur["estimate_common"] >= 0, _plot.COLOURS["pos_sig"], _plot.COLOURS["neg_sig"])
        for i, (label, col) in enumerate(methods):
            ax = axes[i, j]
            p = cur[col].to_numpy(float)
            have = np.isfinite(p)
            ax.scatter(x[have], np.clip(p[have], 1e-4, 1), c=sign_col[have], s=size, linewidths=0,
                       rasterized=True)
            ax.axhline(alpha, color="black", ls="--", lw=0.9)
            if have.sum() > WHISKER_LIMIT:
                # A binned median keeps the trend visible under thousands of points.
                bins = min(200, int(have.sum()))
                which = np.minimum((np.arange(int(have.sum())) * bins) // int(have.sum()), bins - 1)
                med = pd.Series(p[have]).groupby(which).median()
                xm = pd.Series(x[have]).groupby(which).mean()
                ax.plot(xm, np.clip(med, 1e-4, 1), color="black", lw=1.2, label="median p within bins")
                ax.legend(loc="upper right", fontsize=7.5)
            ax.set_yscale("log")
            # decades only: minor log ticks on a dozen panels more than double the drawing time
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_ylim(8e-5, 1.3)
            ax.set_xlim(0, S)
            share = np.mean(p[have] < alpha) if have.any() else np.nan
            ax.text(0.995, 0.04, f"{label}: {fmt.percent(share)} of {fmt.count(have.sum())} below {fmt.level(alpha)}",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
                    bbox=dict(fc="white", ec="0.7", lw=0.5))
            ax.set_ylabel("p (two-tailed)", fontsize=8)
            ax.grid(axis="y", color="0.9", lw=0.6)
        axes[0, j].set_title(f"{curve_label(treatment, term)}: p-values along the curve "
                             f"(blue = positive estimate, orange = negative; dashed line p = {fmt.level(alpha)})",
                             fontsize=9)
        axes[-1, j].set_xlabel(f"Specifications sorted by estimate (rank 1 to {S:,}), as in the specification curve")
        _plot.thousands(axes[-1, j].xaxis)
    fig.suptitle(title, fontsize=11, fontweight="bold", y=1 - 0.08 / height, va="top")
    _plot.add_note(fig, note)
    _plot.save_figure(fig, png, pdf, data=pvalue_data(sorted_by_term, methods))


def significance_by_method(cur: pd.DataFrame, methods: list[tuple[str, str]], alpha: float) -> dict[str, float]:
    """Method label -> share of the models with its p that have p < alpha."""
    out = {}
    for label, col in methods:
        p = cur[col].to_numpy(float)
        p = p[np.isfinite(p)]
        if p.size:
            out[label] = float(np.mean(p < alpha))
    return out


def significance_phrase(share: dict[str, float], alpha: float) -> str:
    """``12% (pairs bootstrap) to 55% (analytic, classical SE) of the models significant ...``,
    or one share when every method agrees."""
    if not share:
        return "no p-values"
    low, high = min(share, key=share.get), max(share, key=share.get)
    level = fmt.level(alpha)
    if fmt.percent(share[low]) == fmt.percent(share[high]):
        return f"{fmt.percent(share[low])} of the models significant (p < {level}) by every test"
    return (f"{fmt.percent(share[low])} ({low}) to {fmt.percent(share[high])} ({high}) of the models significant "
            f"(p < {level}), depending on the test")


def pvalue_title(sorted_by_term, methods, scenario: str, treatment: str, alpha: float) -> str:
    """Per curve, the range of the share significant across inference methods."""
    phrases = {t: significance_phrase(significance_by_method(cur, methods, alpha), alpha)
               for t, cur in sorted_by_term.items()}
    if len(phrases) == 1:
        (term, phrase), = phrases.items()
        lines = [f"Scenario '{scenario}', {curve_label(treatment, term)}: {phrase}"]
    else:
        lines = [f"Scenario '{scenario}', {treatment}:"] + [f"{t}: {phrase}" for t, phrase in phrases.items()]
    return "\n".join(textwrap.fill(line, TITLE_WIDTH) for line in lines)


def pvalue_data(sorted_by_term: dict[str, pd.DataFrame], methods: list[tuple[str, str]]) -> pd.DataFrame:
    """One row per model of each curve, in the curve's order: rank, estimate (its sign
    colours the points) and the two-tailed p of every method drawn (unclipped; the
    figure shows p below 1e-4 at 1e-4)."""
    parts = []
    for term, cur in sorted_by_term.items():
        part = pd.DataFrame({"treatment": cur["treatment"].to_numpy(), "term": term,
                             "rank": cur["rank"].to_numpy() + 1, "model_id": cur["model_id"].to_numpy(),
                             "estimate": cur["estimate_common"].to_numpy()})
        for _, col in methods:
            part[col] = cur[col].to_numpy(float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
