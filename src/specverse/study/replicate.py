"""The paper's Table 1 (descriptives) and Table 2 (Models 1-3), beside the published numbers.

Every table built on simulated columns carries a note naming them and the scenario;
the user's observed data carry none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specverse.engine import fit_full
from specverse.study import published
from specverse.study.derive import DERIVED_INPUTS, derive_columns
from specverse.study.plan import CONTROL_TERMS
from specverse.study.simulated_note import simulated_note

# Models as in the paper: the treatment term added to the controls (None = Model 1).
MODELS = {1: None, 2: "target_on", 3: "target_stretch"}
PROVENANCE_ORDER = ("observed", "approximate", "imputed", "proxy", "simulated")
TABLE1_COLUMNS = ("scenario", "variable", "mean", "sd", "min", "max", "n", "published_mean",
                  "published_sd", "published_min", "published_max", "provenance")
TABLE2_COLUMNS = ("scenario", "model", "term", "estimate", "std_error", "t", "p_one_tailed_same_sign",
                  "p_two_tailed", "stars", "published_estimate", "published_std_error",
                  "published_stars")
FIT_COLUMNS = ("scenario", "model", "n", "r_squared", "f_statistic", "published_n",
               "published_r_squared", "published_f_statistic")
LABELS = {
    "target_on": "LAA (target on)",
    "target_stretch": "LAA (target stretch)",
    "deprivation": "Deprivation",
    "age_diversity": "Age diversity",
    "ethnic_diversity": "Ethnic diversity",
    "social_class_diversity": "Social class diversity",
    "log_population": "Population (log)",
    "log_population_density": "Population density (log)",
    "population_growth": "Population growth",
    "nrf_area": "NRF area",
    "london_borough": "London borough",
    "metropolitan_borough": "Metropolitan borough",
    "county_council": "County council",
    "const": "Constant",
    "ni1_2008": "NI1 2008",
    "ni1_2006": "NI1 2006",
    "population": "Population",
    "population_density": "Population density",
}


def stars(p) -> str:
    """The paper's one-tailed stars: + p < .10, * p < .05, ** p < .01 (strict, as the paper)."""
    if not np.isfinite(p):
        return ""
    return "**" if p < 0.01 else "*" if p < 0.05 else "+" if p < 0.10 else ""


def provenance(variable: str, codebook: pd.DataFrame) -> str:
    book = codebook.set_index("column")["provenance"]
    inputs = DERIVED_INPUTS.get(variable, (variable,))
    return max((book[c] for c in inputs), key=PROVENANCE_ORDER.index)


def table1(analysis: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and Table 1 variable: our mean, sd, min, max, n beside the published ones."""
    pub = published.table1().set_index("variable")
    rows = []
    for scenario, frame in analysis.groupby("scenario", sort=False):
        frame = derive_columns(frame)
        for var in pub.index:
            x = frame[var].dropna().to_numpy(dtype=float)
            rows.append({
                "scenario": scenario, "variable": var,
                "mean": x.mean(), "sd": x.std(ddof=1), "min": x.min(), "max": x.max(), "n": len(x),
                **{f"published_{k}": pub.loc[var, k] for k in ("mean", "sd", "min", "max")},
                "provenance": provenance(var, codebook),
            })
    return pd.DataFrame(rows, columns=TABLE1_COLUMNS)


def model_terms(model: int) -> list[str]:
    treatment = MODELS[model]
    return ([treatment] if treatment else []) + list(CONTROL_TERMS)


def table2(analysis: pd.DataFrame, se_type: str = "HC1") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(coefficients, fit) of Models 1-3 per scenario: OLS of pct_change, robust SEs.

    p_one_tailed_same_sign is one-tailed in the direction of the estimate (p_two_tailed / 2), the
    reading under which the paper's stars on negative controls make sense.
    """
    pub = published.table2().set_index(["model", "term"])
    pub_fit = published.table2_fit().set_index("model")
    coef_rows, fit_rows = [], []
    for scenario, frame in analysis.groupby("scenario", sort=False):
        frame = derive_columns(frame)
        y = frame["pct_change"].to_numpy(dtype=float)
        for model in MODELS:
            terms = model_terms(model)
            fit = fit_full(y, frame[terms].to_numpy(dtype=float), terms, se_type=se_type)
            coefs = fit.coefficients.set_index("term")
            for term in [*terms, "const"]:
                c = coefs.loc[term]
                p_one = c["p_two_tailed"] / 2
                p = pub.loc[(model, term)]
                coef_rows.append({
                    "scenario": scenario, "model": model, "term": term,
                    "estimate": c["estimate"], "std_error": c["std_error"], "t": c["t"],
                    "p_one_tailed_same_sign": p_one, "p_two_tailed": c["p_two_tailed"], "stars": stars(p_one),
                    "published_estimate": p["slope"], "published_std_error": p["robust_se"],
                    "published_stars": p["stars_one_tailed"],
                })
            fit_rows.append({
                "scenario": scenario, "model": model, "n": fit.n, "r_squared": fit.r_squared,
                "f_statistic": fit.f_statistic, "published_n": int(pub_fit.loc[model, "n"]),
                "published_r_squared": pub_fit.loc[model, "r_squared"],
                "published_f_statistic": pub_fit.loc[model, "f_statistic"],
            })
    return (pd.DataFrame(coef_rows, columns=TABLE2_COLUMNS),
            pd.DataFrame(fit_rows, columns=FIT_COLUMNS))


# ---------------------------------------------------------------- rendering

def _num(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    ax = abs(x)
    if 0 < ax < 10.0**-digits:  # the paper prints .0004-size slopes with four decimals
        return f"{x:.4f}"
    return f"{x:,.{digits}f}" if ax >= 1000 else f"{x:.{digits}f}"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def table1_markdown(t1: pd.DataFrame, codebook: pd.DataFrame) -> str:
    parts = ["# Table 1: descriptive statistics, ours beside the published", ""]
    for scenario, frame in t1.groupby("scenario", sort=False):
        parts += [f"## Scenario: {scenario}", ""]
        note = simulated_note(codebook, scenario)
        if note:
            parts += [f"> **{note}**", ""]
        rows = [[LABELS.get(r.variable, r.variable), r.provenance,
                 *(f"{_num(getattr(r, k), 2)} ({_num(getattr(r, 'published_' + k), 2)})"
                   for k in ("mean", "sd", "min", "max")), str(int(r.n))]
                for r in frame.itertuples()]
        parts += [_md_table(["variable", "provenance", "mean (published)", "sd (published)",
                             "min (published)", "max (published)", "n"], rows), ""]
    return "\n".join(parts)


def _cell(est, se, star) -> tuple[str, str]:
    return f"{_num(est)}{star}", f"({_num(se)})"


def _wide(t2: pd.DataFrame, fit: pd.DataFrame, scenario: str):
    """Rows of (label, [ours/published cells per model]) for one scenario, paper order."""
    frame = t2[t2["scenario"] == scenario]
    terms = ["target_on", "target_stretch", *CONTROL_TERMS, "const"]
    rows = []
    for term in terms:
        cells = []
        for model in MODELS:
            hit = frame[(frame["model"] == model) & (frame["term"] == term)]
            if hit.empty:
                cells += ["", ""]
                continue
            r = hit.iloc[0]
            ours = _cell(r.estimate, r.std_error, r.stars)
            pub = _cell(r.published_estimate, r.published_std_error, r.published_stars)
            cells += [" ".join(ours), " ".join(pub)]
        rows.append((LABELS[term], cells))
    f = fit[fit["scenario"] == scenario].set_index("model")
    for label, ours, pub, fmt in (("N", "n", "published_n", lambda v: str(int(v))),
                                  ("R²", "r_squared", "published_r_squared", lambda v: _num(v, 2)),
                                  ("F", "f_statistic", "published_f_statistic", lambda v: _num(v, 2))):
        rows.append((label, [x for m in MODELS for x in (fmt(f.loc[m, ours]), fmt(f.loc[m, pub]))]))
    return rows


def table2_markdown(t2: pd.DataFrame, fit: pd.DataFrame, codebook: pd.DataFrame, se_type: str) -> str:
    parts = ["# Table 2: OLS of the % change in NI1 2006-2008, ours beside the published", "",
             f"Estimate with stars (one-tailed in the direction of the estimate: + p < .10, * p < .05, "
             f"** p < .01) and {se_type} standard error in parentheses.", ""]
    header = ["term"] + [f"Model {m} {w}" for m in MODELS for w in ("ours", "published")]
    for scenario in t2["scenario"].unique():
        parts += [f"## Scenario: {scenario}", ""]
        note = simulated_note(codebook, scenario)
        if note:
            parts += [f"> **{note}**", ""]
        parts += [_md_table(header, [[label, *cells] for label, cells in _wide(t2, fit, scenario)]), ""]
    return "\n".join(parts)


def _tex(s: str) -> str:
    return (s.replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("%", r"\%")
            .replace("&", r"\&").replace("#", r"\#").replace("²", "$^2$"))


def table2_latex(t2: pd.DataFrame, fit: pd.DataFrame, codebook: pd.DataFrame, se_type: str) -> str:
    out = ["% Table 2 replication; generated by specverse.study.replicate. Requires booktabs."]
    for scenario in t2["scenario"].unique():
        note = simulated_note(codebook, scenario)
        out += [r"\begin{table}[htbp]", r"\centering", r"\small",
                rf"\caption{{Table 2 replication, scenario {_tex(scenario)}: OLS of the \% change in NI1 "
                rf"2006--2008, {_tex(se_type)} standard errors}}",
                r"\begin{tabular}{l" + "cc" * len(MODELS) + "}", r"\toprule",
                " & " + " & ".join(rf"\multicolumn{{2}}{{c}}{{Model {m}}}" for m in MODELS) + r" \\",
                " & " + " & ".join("ours & published" for _ in MODELS) + r" \\", r"\midrule"]
        for label, cells in _wide(t2, fit, scenario):
            out.append(_tex(label) + " & " + " & ".join(_tex(c) for c in cells) + r" \\")
        out += [r"\bottomrule", r"\end{tabular}",
                r"\par\footnotesize Stars one-tailed in the direction of the estimate: + $p<.10$, "
                r"* $p<.05$, ** $p<.01$."]
        if note:
            out.append(r"\par\textbf{" + _tex(note) + "}")
        out += [r"\end{table}", ""]
    return "\n".join(out)
