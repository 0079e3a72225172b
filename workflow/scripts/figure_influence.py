"""Snakemake script: influence and variance-decomposition figures, one scenario."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.figures.influence import plot_influence, plot_variance  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out, scenario = snakemake.input, snakemake.output, snakemake.wildcards.scenario  # noqa: F821
note = simulated_note(pd.read_csv(inp.codebook), scenario)
plot_influence(pd.read_csv(inp.influence), scenario, png=out.png, pdf=out.pdf, note=note)
plot_variance(pd.read_csv(inp.variance), scenario, png=out.var_png, pdf=out.var_pdf, note=note)
