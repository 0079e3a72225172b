"""Null and bootstrap distributions of the t statistic for the paper's Model 2 and
Model 3 specifications, with our observed t and the published t marked.

The p-values printed on the figure are the specification table's (the engine's
``resample``, contract 2).  The plotted draws are made here, because ``resample``
returns p-values, not draws; they use the same constructions as the engine:

* permutation (Freedman-Lane): y* = f_r + P e_r, with f_r, e_r the fitted values
  and residuals of the model without the treatment and P a row permutation;
* wild bootstrap with the null imposed: y* = f_r + v * e_r, Rademacher v;
* pairs bootstrap: rows drawn with replacement, refitted; t* = (b* - b)/se*
  (bootstrap-t, centred on the estimate because it does not impose the null).

Each null statistic is t* = b*/se* with se* of the table's SE type (HC1 by
default), so |t*| >= |t| marks a draw as extreme as the observed one.  Streams:
``method_rng(spec_seed(seed, "nulls;<scenario>;model=<m>"), method)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.engine.linalg import ols_solve, hat_diagonal
from specverse.engine.seeds import method_rng, spec_seed
from specverse.study.specs import CONTROL_TERMS

from . import _plot, joint
from ._table import PAPER_CHOICES, usable

METHODS = ("permutation", "wild", "pairs")
P_COLUMN = {"permutation": "p_perm", "wild": "p_wild", "pairs": "p_pairs"}


def model_arrays(variant: pd.DataFrame, regressor: str):
    """(y, X) of the paper's model: pct_change on the regressor, the Table 2
    controls and a constant (last column), complete cases only; the regressor is column 0."""
    cols = ["pct_change", regressor, *CONTROL_TERMS]
    missing = [c for c in cols if c not in variant.columns]
    if missing:
        raise ValueError(f"variant table lacks column(s) {missing}")
    v = variant[cols].to_numpy(float)
    v = v[np.isfinite(v).all(axis=1)]
    return v[:, 0], np.column_stack([v[:, 1:], np.ones(len(v))])


def _t_fixed_design(X, Ystar, se_type):
    """t of column 0 for every outcome column of Ystar (n, B) on the fixed design X."""
    n, k = X.shape
    beta, xtx_inv, ok = ols_solve(X, Ystar)
    if not ok:
        raise ValueError("the paper's model is rank deficient on these data")
    resid = Ystar - X @ beta
    a = X @ xtx_inv[:, 0]  # influence of each row on the coefficient
    e2 = resid**2
    if se_type == "classical":
        var = (e2.sum(axis=0) / (n - k)) * (a @ a)
    else:
        omega = e2
        if se_type in ("HC2", "HC3"):
            h = hat_diagonal(X, xtx_inv)
            omega = e2 / ((1 - h) if se_type == "HC2" else (1 - h) ** 2)[:, None]
        var = (a * a) @ omega
        if se_type == "HC1":
            var = var * n / (n - k)
    return beta[0] / np.sqrt(var)


def t_draws(y, X, *, draws: int, seed: int, identity: str, se_type: str = "HC1") -> dict:
    """Observed t and the draws of every method (see module docstring)."""
    n = len(y)
    t_obs = float(_t_fixed_design(X, y[:, None], se_type)[0])
    Z = X[:, 1:]
    g, _, _ = ols_solve(Z, y)
    f_r = Z @ g
    e_r = y - f_r
    base = spec_seed(seed, identity)
    out = {"observed": t_obs}
    rng = method_rng(base, "permutation")
    perms = np.argsort(rng.random((draws, n)), axis=1)
    out["permutation"] = _t_fixed_design(X, f_r[:, None] + e_r[perms].T, se_type)
    rng = method_rng(base, "wild")
    v = rng.choice(np.array([-1.0, 1.0]), size=(n, draws))
    out["wild"] = _t_fixed_design(X, f_r[:, None] + e_r[:, None] * v, se_type)
    rng = method_rng(base, "pairs")
    counts = joint.pair_counts(rng, n, draws)
    fit = joint.refit_design(joint.Design(X=X, rows=np.ones(n, bool), Y=y[:, None], terms=(0,)), counts, (se_type,))
    b_hat = np.linalg.lstsq(X, y, rcond=None)[0][0]
    out["pairs"] = (fit.beta[:, 0, 0] - b_hat) / fit.se[se_type][:, 0, 0]
    return out


def table_p_values(specs: pd.DataFrame | None, scenario: str, treatment: str, se_type: str) -> dict:
    """The engine's p-values for the paper's specification, from the specification table."""
    if specs is None:
        return {}
    rows = usable(specs[(specs["scenario"] == scenario) & (specs["treatment"] == treatment)])
    for dim, opt in {**PAPER_CHOICES, "se_type": se_type}.items():
        rows = rows[rows[dim].astype(str) == opt]
    if rows.empty:
        return {}
    r = rows.iloc[0]
    return {m: float(r[c]) for m, c in P_COLUMN.items() if c in r and np.isfinite(r[c])}


def plot_nulls(variant: pd.DataFrame, table2: pd.DataFrame | None, specs: pd.DataFrame | None, scenario: str, *,
               draws: int, seed: int, png, pdf=None, note: str = "", se_type: str = "HC1") -> None:
    """Rows: Model 2 (target_on), Model 3 (stretch); columns: permutation, wild, pairs."""
    models = {2: ("target_on", "target_on"), 3: ("stretch_2006", "target_stretch")}
    height = 2.6 * len(models) + 1.3
    margin = _plot.note_margin(note, height)
    height += margin * height
    fig, axes = _plot.plt.subplots(len(models), len(METHODS), figsize=(13, height), squeeze=False)
    fig.subplots_adjust(left=0.07, right=0.99, top=1 - 0.75 / height, bottom=margin + 0.55 / height,
                        hspace=0.55, wspace=0.22)
    for i, (model, (treatment, regressor)) in enumerate(models.items()):
        y, X = model_arrays(variant, regressor)
        d = t_draws(y, X, draws=draws, seed=seed, identity=f"nulls;{scenario};model={model}", se_type=se_type)
        pub_t = None
        if table2 is not None:
            hit = table2[(table2["model"] == model) & (table2["term"] == regressor)]
            if "scenario" in hit:
                hit = hit[hit["scenario"] == scenario] if (hit["scenario"] == scenario).any() else hit
            if len(hit):
                pub_t = float(hit["published_estimate"].iloc[0] / hit["published_std_error"].iloc[0])
        p_table = table_p_values(specs, scenario, treatment, se_type)
        for j, method in enumerate(METHODS):
            ax = axes[i, j]
            ts = d[method][np.isfinite(d[method])]
            ax.hist(ts, bins=50, color="0.65", edgecolor="white", linewidth=0.3)
            ax.axvline(d["observed"], color="#08519c", lw=2, label=f"our t = {d['observed']:.2f}")
            ax.axvline(-d["observed"], color="#08519c", lw=1, ls=":")
            if pub_t is not None:
                ax.axvline(pub_t, color="#d94801", lw=1.8, ls="--", label=f"published t = {pub_t:.2f}")
            share = float(np.mean(np.abs(ts) >= abs(d["observed"])))
            ptxt = f"table p = {p_table[method]:.3f}" if method in p_table else "table p: not run"
            ax.set_title(f"Model {model} ({regressor}): {method}\n{ptxt}; {100 * share:.1f}% of these "
                         f"{ts.size} draws have |t*| >= |t|", fontsize=8.5)
            ax.set_xlabel("t statistic of the draw" + (" (b* - b)/se*" if method == "pairs" else " under the null"),
                          fontsize=8)
            ax.set_ylabel("draws", fontsize=8)
            ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"How extreme is the paper's result? Null and bootstrap distributions - scenario '{scenario}'",
                 fontsize=11.5, fontweight="bold", y=1 - 0.1 / height)
    _plot.add_note(fig, note)
    _plot.save_figure(fig, png, pdf)
