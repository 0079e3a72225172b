"""Snakemake script: specification curve and p-value curve of one scenario x treatment."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.analysis.table import read_models  # noqa: E402
from specverse.figures.curve import plot_curve, plot_pvalue_curve  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
alpha = float(snakemake.params.alpha)  # noqa: F821
models = read_models(inp.models, scenario=wc.scenario, treatment=wc.treatment)
note = simulated_note(pd.read_csv(inp.codebook), wc.scenario)
plot_curve(models, wc.scenario, wc.treatment, png=out.png, pdf=out.pdf, note=note,
           table2=pd.read_csv(inp.table2), alpha=alpha)
plot_pvalue_curve(models, wc.scenario, wc.treatment, png=out.p_png, pdf=out.p_pdf, note=note, alpha=alpha)
