"""The calibration figure: size and coverage of every inference method on the study's designs.

Reads the calibration tables (``size.csv``, ``coverage.csv``; see
``specverse.analysis.calibration``).  Top row: two-tailed rejection rate at alpha under
the null, one panel per error model, one band of rows per design, one mark per method
with its Monte Carlo interval; the shaded band is where a correctly sized method's rate
falls with probability 1 - .05 / cells (exact binomial, Bonferroni over the design x
error-model cells), the rule the headline choice uses: a method is "within Monte Carlo
error everywhere" when its rate lies in the band in every cell.  Bottom row: coverage of
the 1 - alpha intervals (methods that give one), with the same kind of band around the
nominal level.  The title states which methods stayed within the band everywhere,
computed from the tables; every mark drawn, with its band, is saved beside the figure.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from scipy import stats

from specverse import numbers as fmt

from ._plot import add_note, note_margin, plt, save_figure

METHOD_ORDER = ("classical", "HC0", "HC1", "HC2", "HC3", "wild", "pairs", "freedman_lane", "treatment_permutation", "huber")
METHOD_LABELS = {"freedman_lane": "Freedman-Lane", "treatment_permutation": "treatment perm.", "huber": "Huber (H1)",
                 "wild": "wild bootstrap", "pairs": "pairs bootstrap"}
COLOURS = dict(zip(METHOD_ORDER, ("#7f7f7f", "#c7c7c7", "#ff7f0e", "#ffbb78", "#1f77b4", "#2ca02c",
                                  "#98df8a", "#9467bd", "#c5b0d5", "#d62728")))
ERROR_LABELS = {"normal": "normal errors", "heteroskedastic": "heteroskedastic",
                "heavy_tailed": "heteroskedastic + 10% tripled", "survey_sampling": "survey sampling (audit)"}
BAND_COLOUR = "#d9d9d9"


def acceptance_band(nominal: float, replications: int, cells: int) -> tuple[float, float]:
    """Range of rates x / R at which ``nominal`` lies inside the exact (Clopper-Pearson)
    interval of level 1 - .05 / cells: both binomial tails at ``nominal`` exceed
    .025 / cells (the inversion of that interval)."""
    a = 0.025 / cells
    x = np.arange(replications + 1)
    ok = (stats.binom.sf(x - 1, replications, nominal) > a) & (stats.binom.cdf(x, replications, nominal) > a)
    return x[ok].min() / replications, x[ok].max() / replications


def within_everywhere(table: pd.DataFrame, value: str, nominal: float) -> list[str]:
    """Methods present in every cell whose rate lies in every cell's acceptance band."""
    cells = table.groupby(["design", "error_model"]).ngroups
    out = []
    for method, rows in table.groupby("method", sort=False):
        if len(rows) < cells:
            continue
        if all(_in_band(r[value], int(r["replications"]), nominal, cells) for _, r in rows.iterrows()):
            out.append(method)
    return [m for m in METHOD_ORDER if m in out] + [m for m in out if m not in METHOD_ORDER]


def _in_band(rate, reps, nominal, cells):
    lo, hi = acceptance_band(nominal, reps, cells)
    return lo - 1e-12 <= rate <= hi + 1e-12


def calibration_figure(size: pd.DataFrame, coverage: pd.DataFrame, png, pdf=None, *, alpha: float = 0.05,
                       note: str = "") -> None:
    """Draw the figure (see the module doc) to ``png`` (and ``pdf``)."""
    sz = size[(size["tail"] == "two_tailed") & np.isclose(size["alpha"], alpha)]
    if sz.empty:
        raise ValueError(f"size table: no two-tailed rows at alpha = {alpha}")
    level = 1 - alpha
    cov = coverage[np.isclose(coverage["level"], level)]
    designs = list(dict.fromkeys(sz["design"]))
    errors = list(dict.fromkeys(sz["error_model"]))
    methods = [m for m in METHOD_ORDER if m in set(sz["method"])] + sorted(set(sz["method"]) - set(METHOD_ORDER))
    ok_size = within_everywhere(sz, "rejection_rate", alpha)
    ok_cov = within_everywhere(cov, "coverage", level) if not cov.empty else []
    cells = sz.groupby(["design", "error_model"]).ngroups

    reps = int(sz["replications"].min())
    title = _title(ok_size, ok_cov, alpha, level, reps)
    title_in = 0.15 + 0.25 * (title.count("\n") + 1)  # the legends and panels start below the title
    height = 1.0 + title_in + 0.62 * len(designs) * 2
    fig, axes = plt.subplots(2, len(errors), figsize=(15, height), sharey=True, squeeze=False)
    bottom = 0.05 + note_margin(note, height, width=190)
    fig.subplots_adjust(left=0.11, right=0.985, top=1 - (title_in + 1.0) / height, bottom=bottom + 0.03, hspace=0.2,
                        wspace=0.1)
    size_lim, cov_lim = (0.0, max(0.15, 3 * alpha)), (max(0.0, level - 0.15), 1.0)
    for c, em in enumerate(errors):
        _panel(axes[0, c], sz[sz["error_model"] == em], "rejection_rate", alpha, designs, methods, size_lim, cells)
        _panel(axes[1, c], cov[cov["error_model"] == em], "coverage", level, designs, methods, cov_lim, cells)
        axes[0, c].set_title(ERROR_LABELS.get(em, em), fontsize=11)
        axes[0, c].set_xlabel(f"two-tailed rejection rate at {fmt.level(alpha)} (null true)", fontsize=9)
        axes[1, c].set_xlabel(f"coverage of the {level:.0%} interval", fontsize=9)
    for r in range(2):
        axes[r, 0].set_yticks(np.arange(len(designs))[::-1])
        axes[r, 0].set_yticklabels([d.replace(":", ":\n") for d in designs], fontsize=9.5)
    handles = [plt.Line2D([], [], marker="o", ls="-", color=COLOURS.get(m, "black"), label=METHOD_LABELS.get(m, m))
               for m in methods]
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize=9, frameon=False,
               bbox_to_anchor=(0.55, 1 - (title_in + 0.05) / height), handlelength=1.6, columnspacing=1.2)
    keys = [plt.matplotlib.patches.Patch(color=BAND_COLOUR, label=f"where a correctly calibrated method falls "
                                         f"(Monte Carlo band, Bonferroni over {cells} cells)"),
            plt.Line2D([], [], marker="o", ls="", color="black", mfc="white", label="inside the band"),
            plt.Line2D([], [], marker="o", ls="", color="black", label="outside: miscalibrated"),
            plt.Line2D([], [], ls="-", color="black", label="95% Monte Carlo interval")]
    fig.legend(handles=keys, loc="upper center", ncol=len(keys), fontsize=9, frameon=False,
               bbox_to_anchor=(0.55, 1 - (title_in + 0.4) / height))
    fig.suptitle(title, fontsize=12, fontweight="bold", y=1 - 0.08 / height, va="top")
    add_note(fig, note, width=190)
    save_figure(fig, png, pdf, data=calibration_data(sz, cov, alpha, level, cells))


def calibration_data(size: pd.DataFrame, coverage: pd.DataFrame, alpha: float, level: float,
                     cells: int) -> pd.DataFrame:
    """Every mark of the figure: panel (size or coverage), design, error model, method, the
    rate with its Monte Carlo interval, the acceptance band and whether the rate is in it."""
    parts = []
    for panel, table, value, nominal in (("size", size, "rejection_rate", alpha),
                                         ("coverage", coverage, "coverage", level)):
        if table.empty:
            continue
        part = table[["design", "error_model", "method", "replications", value, "mc_low", "mc_high"]].rename(
            columns={value: "rate"})
        bands = {r: acceptance_band(nominal, r, cells) for r in set(part["replications"].astype(int))}
        part.insert(0, "panel", panel)
        part["nominal"] = nominal
        part["band_low"] = [bands[int(r)][0] for r in part["replications"]]
        part["band_high"] = [bands[int(r)][1] for r in part["replications"]]
        part["inside_band"] = (part["rate"] >= part["band_low"] - 1e-12) & (part["rate"] <= part["band_high"] + 1e-12)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _title(ok_size, ok_cov, alpha, level, reps) -> str:
    def names(ms):
        return ", ".join(METHOD_LABELS.get(m, m) for m in ms) if ms else "no method"

    lines = [f"Size within Monte Carlo error of {fmt.level(alpha)} on every design and error model: {names(ok_size)}",
             f"Coverage within Monte Carlo error of {level:.0%} everywhere: {names(ok_cov)}"
             f"  (R \u2265 {fmt.count(reps)} null replications per cell)"]
    return "\n".join(textwrap.fill(line, 150) for line in lines)


def _panel(ax, table, value, nominal, designs, methods, xlim, cells):
    n_m = len(methods)
    step = 0.8 / max(n_m, 1)
    reps = int(table["replications"].min()) if not table.empty else 0
    if reps:
        lo, hi = acceptance_band(nominal, reps, cells)
        ax.axvspan(lo, hi, color=BAND_COLOUR, zorder=0, lw=0)
    ax.axvline(nominal, color="black", lw=1.0, zorder=1)
    for i, design in enumerate(designs):
        y0 = len(designs) - 1 - i
        if i:
            ax.axhline(y0 + 0.5, color="#eeeeee", lw=0.8, zorder=0)
        rows = table[table["design"] == design].set_index("method")
        for k, method in enumerate(methods):
            if method not in rows.index:
                continue
            row = rows.loc[method]
            y = y0 + 0.4 - (k + 0.5) * step
            rate, mlo, mhi = float(row[value]), float(row["mc_low"]), float(row["mc_high"])
            inside = _in_band(rate, int(row["replications"]), nominal, cells)
            colour = COLOURS.get(method, "black")
            x = min(max(rate, xlim[0]), xlim[1])
            clipped = rate > xlim[1] or rate < xlim[0]
            ax.plot([max(mlo, xlim[0]), min(mhi, xlim[1])], [y, y], color=colour, lw=1.6, zorder=2)
            marker = (">" if rate > xlim[1] else "<") if clipped else "o"
            ax.plot(x, y, marker=marker, ms=5.5 if inside else 6.5, color=colour, zorder=3,
                    mfc=colour if not inside else "white", mew=1.4, clip_on=not clipped)
            if clipped:
                ax.annotate(f"{rate:.2f}", (x, y), xytext=(-3 if rate > xlim[1] else 3, 0), textcoords="offset points",
                            ha="right" if rate > xlim[1] else "left", va="center", fontsize=7, color=colour, zorder=4,
                            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.85})
    ax.set_xlim(*xlim)
    ticks = np.round(np.arange(xlim[0], xlim[1] + 1e-9, 0.05 if xlim[1] - xlim[0] > 0.12 else 0.025), 3)
    ax.set_xticks(ticks[1:-1] if ticks.size > 3 else ticks)
    ax.set_ylim(-0.55, len(designs) - 0.45)
    ax.tick_params(axis="x", labelsize=8.5)
    ax.grid(axis="x", color="#f0f0f0", lw=0.6, zorder=0)
