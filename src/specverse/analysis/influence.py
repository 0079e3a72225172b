"""Which choices matter: Young & Holsteen (2017) model-uncertainty summary, the
influence regression of the estimates on the choices, and a variance
decomposition of the estimates by dimension.

Per curve (scenario x treatment term), over its usable models (one row per model,
:mod:`.models`; post-selection samples left out), every estimate and SE on the common
effect scale:

* mean estimate b = mean(b_s); sampling variance = mean(SE_s^2); modelling
  variance = mean((b_s - b)^2) (the spread across models, 1/S as Young &
  Holsteen); total SD = sqrt(sampling + modelling); robustness ratio = b / total SD;
  sign stability = share of estimates with the sign of b; share significant =
  share with headline p < alpha.
* influence regression: OLS of b_s on a constant and dummies for every option
  other than the reference (the paper's choice) of every dimension, and -- for the
  controls -- one inclusion dummy per control term (from ``control_terms``), as
  Young & Holsteen do.  Coefficient = shift of the estimate when that choice is
  made, others held fixed; ``pct_of_mean`` = 100 * coefficient / |b|.  Columns
  collinear with earlier ones are not identified and reported as such.
* variance decomposition: share of the total sum of squares of the estimates
  explained by each dimension alone (eta^2 of the one-way means), and for each
  pair of dimensions the interaction share SS(pair cells) - SS(d1) - SS(d2)
  (exact in a balanced multiverse; clipped at 0 where exclusions unbalance it).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from specverse.engine import fit_rank_screened

from .table import CHOICE_DIMENSIONS, PAPER_CHOICES, curves, left_out

SUMMARY_STATS = (
    "n_models", "mean_estimate", "sampling_variance", "modelling_variance", "total_sd",
    "robustness_ratio", "sign_stability", "share_significant", "models_with_p",
)
#: What each curve's aggregate leaves out, reported beside it (analysis.table.left_out).
LEFT_OUT = ("models_not_usable", "models_post_selection_apart")
#: The ANCOVA baseline regressor is the outcome choice itself, not a control choice.
NOT_CONTROLS = ("ni1_2006",)


def young_holsteen(estimate, std_error, p_two, alpha: float) -> dict:
    """The model-uncertainty summary of one curve (see module docstring)."""
    b = np.asarray(estimate, float)
    se = np.asarray(std_error, float)
    mean = float(b.mean())
    sampling = float(np.mean(se**2))
    modelling = float(np.mean((b - mean) ** 2))
    total = float(np.sqrt(sampling + modelling))
    sign = 1.0 if mean >= 0 else -1.0
    # Significance counts only models with a p-value (Huber has no resampled p): a model
    # without one is not "not significant", it is outside the denominator, which is reported.
    p = np.asarray(p_two, float)
    have = np.isfinite(p)
    return {
        "n_models": int(b.size),
        "mean_estimate": mean,
        "sampling_variance": sampling,
        "modelling_variance": modelling,
        "total_sd": total,
        "robustness_ratio": mean / total if total > 0 else np.nan,
        "sign_stability": float(np.mean(np.sign(b) == sign) if mean != 0 else np.mean(b >= 0)),
        "share_significant": float(np.mean(p[have] < alpha)) if have.any() else np.nan,
        "models_with_p": int(have.sum()),
    }


def _reference(dim: str, values: pd.Series) -> str:
    paper = PAPER_CHOICES.get(dim)
    if paper is not None and (values == paper).any():
        return paper
    return values.value_counts().sort_index().idxmax()


def choice_dummies(rows: pd.DataFrame) -> pd.DataFrame:
    """Dummy columns ``dimension=option`` (reference: the paper's option) and
    ``includes=<control term>`` for the controls; only choices that vary."""
    cols = {}
    for dim in CHOICE_DIMENSIONS:
        if dim == "controls":
            continue
        values = rows[dim].astype(str)
        if values.nunique() < 2:
            continue
        ref = _reference(dim, values)
        for opt in sorted(values.unique()):
            if opt != ref:
                cols[f"{dim}={opt}"] = (values == opt).to_numpy(float)
    sets = rows["control_terms"].fillna("").astype(str).map(lambda s: set(filter(None, s.split(";"))))
    terms = sorted(set().union(*sets) - set(NOT_CONTROLS)) if len(sets) else []
    # Controls always included or dropped together (e.g. only `full` and `none`) form one
    # choice: one dummy named after the whole group, not several unidentifiable ones.
    groups: dict[bytes, list[str]] = {}
    vectors = {}
    for term in terms:
        inc = sets.map(lambda s, t=term: t in s).to_numpy(float)
        if 0 < inc.sum() < len(inc):
            groups.setdefault(inc.tobytes(), []).append(term)
            vectors[inc.tobytes()] = inc
    for key, members in groups.items():
        cols[f"includes={_group_label(members, len(terms))}"] = vectors[key]
    return pd.DataFrame(cols, index=rows.index)


def _group_label(members: list[str], n_terms: int) -> str:
    if len(members) == 1:
        return members[0]
    if len(members) == n_terms:
        return f"all {n_terms} controls together"
    if len(members) <= 3:
        return " + ".join(members)
    return f"{len(members)} controls together ({', '.join(members[:2])}, ...)"


def influence_regression(estimate, dummies: pd.DataFrame) -> pd.DataFrame:
    """OLS of the estimates on a constant and the dummies.

    Columns are added in order and kept only if they raise the rank
    (:func:`specverse.engine.fit_rank_screened`), so collinear choices (e.g. a control
    that a sample always drops) come back with ``identified = False`` and NaN
    coefficients.
    """
    b = np.asarray(estimate, float)
    names = list(dummies.columns)
    Z = np.column_stack([np.ones(len(b)), dummies.to_numpy(float)]) if names else np.ones((len(b), 1))
    coef, kept = fit_rank_screened(Z, b)
    return pd.DataFrame({
        "choice": names,
        "coefficient": coef[1:],
        "identified": kept[1:],
        "intercept": coef[0],
    })


def variance_shares(rows: pd.DataFrame, estimate_col: str = "estimate_common", n_interactions: int = 5) -> pd.DataFrame:
    """Main-effect and largest pairwise-interaction shares of the variance of the estimates."""
    b = rows[estimate_col].to_numpy(float)
    grand = b.mean()
    sst = float(np.sum((b - grand) ** 2))
    dims = [d for d in CHOICE_DIMENSIONS if rows[d].nunique() > 1]
    if sst <= 0 or not dims:
        return pd.DataFrame({"component": ["remainder"], "kind": ["remainder"], "share": [0.0]})

    def ss_between(keys) -> float:
        means = rows.groupby(list(keys), sort=False)[estimate_col].transform("mean").to_numpy(float)
        return float(np.sum((means - grand) ** 2))

    main = {d: ss_between([d]) / sst for d in dims}
    inter = {}
    for d1, d2 in itertools.combinations(dims, 2):
        inter[f"{d1} x {d2}"] = max(0.0, ss_between([d1, d2]) / sst - main[d1] - main[d2])
    top = sorted(inter.items(), key=lambda kv: -kv[1])[:n_interactions]
    records = [(d, "main", s) for d, s in main.items()] + [(k, "interaction", s) for k, s in top]
    remainder = max(0.0, 1.0 - sum(s for _, _, s in records))
    records.append(("remainder", "remainder", remainder))
    return pd.DataFrame(records, columns=["component", "kind", "share"])


def influence_table(specs: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """influence.csv: per curve the summary statistics and the influence coefficients.

    Long format: scenario, treatment, term, section (summary | influence),
    dimension, option, statistic, value.
    """
    out = []
    missing = left_out(specs)
    for (scenario, treatment, term), rows in curves(specs):
        key = {"scenario": scenario, "treatment": treatment, "term": term}
        yh = young_holsteen(rows["estimate_common"], rows["std_error_common"], rows["p_headline"], alpha)
        yh.update(missing[(scenario, treatment, term)])
        for stat in SUMMARY_STATS + LEFT_OUT:
            out.append({**key, "section": "summary", "dimension": "", "option": "", "statistic": stat,
                        "value": float(yh[stat])})
        reg = influence_regression(rows["estimate_common"], choice_dummies(rows))
        mean_abs = abs(yh["mean_estimate"])
        for r in reg.itertuples(index=False):
            dim, opt = r.choice.split("=", 1)
            dim = "controls" if dim == "includes" else dim
            opt = f"includes {opt}" if r.choice.startswith("includes=") else opt
            out.append({**key, "section": "influence", "dimension": dim, "option": opt,
                        "statistic": "coefficient", "value": r.coefficient})
            out.append({**key, "section": "influence", "dimension": dim, "option": opt,
                        "statistic": "pct_of_mean",
                        "value": 100.0 * r.coefficient / mean_abs if mean_abs > 0 else np.nan})
    return pd.DataFrame(out, columns=["scenario", "treatment", "term", "section", "dimension", "option",
                                      "statistic", "value"])


def variance_table(specs: pd.DataFrame, n_interactions: int = 5) -> pd.DataFrame:
    """variance_decomposition.csv: scenario, treatment, term, component, kind, share, and per
    curve the models decomposed and those left out (:data:`LEFT_OUT`)."""
    parts = []
    missing = left_out(specs)
    for (scenario, treatment, term), rows in curves(specs):
        v = variance_shares(rows, n_interactions=n_interactions)
        v.insert(0, "term", term)
        v.insert(0, "treatment", treatment)
        v.insert(0, "scenario", scenario)
        v["n_models"] = len(rows)
        for name, count in missing[(scenario, treatment, term)].items():
            v[name] = count
        parts.append(v)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["scenario", "treatment", "term", "component", "kind", "share", "n_models", *LEFT_OUT])
