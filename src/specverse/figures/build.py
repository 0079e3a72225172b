"""Entry points of the figures and report-table rules: read inputs, call the modules,
write outputs atomically.  Each workflow script is one call into this module."""

from __future__ import annotations

import pandas as pd

from . import _plot, notes
from ._table import read_specifications


def _note(codebook_path, scenarios) -> str:
    return notes.simulated_note(pd.read_csv(codebook_path), scenarios)


def read_variants(paths) -> dict[str, pd.DataFrame]:
    """baseline -> variant table, checking that every variant lists the areas in one order."""
    out = {}
    for p in paths:
        df = pd.read_parquet(p)
        out[str(df["baseline"].iloc[0])] = df
    codes = [tuple(df["area_code"]) for df in out.values()]
    if len(set(codes)) > 1:
        raise ValueError(f"variants {list(map(str, paths))} do not list the same areas in the same order")
    return out


def run_joint(specs_path, variant_paths, scenario, treatment, *, draws, seed, alpha, out_tests,
              out_curves) -> pd.DataFrame:
    from .joint_study import joint_tests

    tests, curves = joint_tests(read_specifications(specs_path), read_variants(variant_paths), scenario,
                                draws=draws, seed=seed, alpha=alpha, treatment=treatment)
    _plot.write_csv_atomic(curves, out_curves)
    _plot.write_csv_atomic(tests, out_tests)
    return tests


def gather(paths, out) -> None:
    frames = [pd.read_csv(p) for p in paths]
    _plot.write_csv_atomic(pd.concat(frames, ignore_index=True), out)


def run_influence(specs_path, *, alpha, out_influence, out_variance) -> None:
    from .influence import influence_table, variance_table

    specs = read_specifications(specs_path)
    _plot.write_csv_atomic(influence_table(specs, alpha), out_influence)
    _plot.write_csv_atomic(variance_table(specs), out_variance)


def curve_figures(specs_path, codebook_path, table2_path, scenario, treatment, *, alpha, png, pdf, p_png, p_pdf):
    from .curve import plot_curve, plot_pvalue_curve

    specs = read_specifications(specs_path)
    note = _note(codebook_path, scenario)
    plot_curve(specs, scenario, treatment, png=png, pdf=pdf, note=note, table2=pd.read_csv(table2_path),
               alpha=alpha)
    plot_pvalue_curve(specs, scenario, treatment, png=p_png, pdf=p_pdf, note=note, alpha=alpha)


def joint_figure(tests_path, curves_path, codebook_path, scenario, *, png, pdf):
    from .joint_figure import plot_joint

    plot_joint(pd.read_csv(tests_path), pd.read_csv(curves_path), scenario, png=png, pdf=pdf,
               note=_note(codebook_path, scenario))


def influence_figures(influence_path, variance_path, codebook_path, scenario, *, png, pdf, var_png, var_pdf):
    from .influence import plot_influence, plot_variance

    note = _note(codebook_path, scenario)
    plot_influence(pd.read_csv(influence_path), scenario, png=png, pdf=pdf, note=note)
    plot_variance(pd.read_csv(variance_path), scenario, png=var_png, pdf=var_pdf, note=note)


def nulls_figure(variant_path, table2_path, specs_path, codebook_path, scenario, *, draws, seed, png, pdf):
    from .nulls import plot_nulls

    plot_nulls(pd.read_parquet(variant_path), pd.read_csv(table2_path), read_specifications(specs_path), scenario,
               draws=draws, seed=seed, png=png, pdf=pdf, note=_note(codebook_path, scenario))


def table2_figure(table2_path, codebook_path, *, png, pdf):
    from .replication import plot_table2

    t2 = pd.read_csv(table2_path)
    plot_table2(t2, png=png, pdf=pdf, note=_note(codebook_path, list(dict.fromkeys(t2["scenario"]))))


def report_tables(joint_path, table2_path, fit_path, influence_path, codebook_path, *, out_joint, out_table2,
                  out_influence) -> None:
    """HTML versions of the joint tests, Table 2 and the Young & Holsteen summary, each
    with the simulated-data note naming the scenarios it covers."""
    from .tables import html_table, write_html

    joint = pd.read_csv(joint_path)
    t2 = pd.read_csv(table2_path)
    fit = pd.read_csv(fit_path)
    inf = pd.read_csv(influence_path)
    summary = inf[inf["section"] == "summary"].pivot_table(
        index=["scenario", "treatment", "term"], columns="statistic", values="value", sort=False
    ).reset_index()
    write_html(html_table(
        joint, "Joint tests of the specification curves",
        _note(codebook_path, list(dict.fromkeys(joint["scenario"]))),
        "Per scenario and treatment term: the median estimate, the number of specifications significant "
        "in the dominant sign and Stouffer's Z, each with the share of null draws (effect removed, rows "
        "resampled) at least as extreme. Small p: the curve as a whole is unlikely without an effect."),
        out_joint)
    t2_fit = t2.merge(fit, on=["scenario", "model"], how="left", suffixes=("", "_fit"))
    write_html(html_table(
        t2_fit, "Table 2 replicated, beside the published values",
        _note(codebook_path, list(dict.fromkeys(t2["scenario"]))),
        "Stars are one-tailed as in the paper: + p<=.10, * p<=.05, ** p<=.01."), out_table2)
    write_html(html_table(
        summary, "Model uncertainty (Young & Holsteen) per curve",
        _note(codebook_path, list(dict.fromkeys(summary["scenario"]))),
        "Sampling variance = mean squared SE; modelling variance = variance of the estimates across "
        "specifications; robustness ratio = mean estimate / total SD."), out_influence)
