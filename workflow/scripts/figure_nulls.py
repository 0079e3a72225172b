"""Snakemake script: null and bootstrap distributions of Models 2 and 3, one scenario."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.figures.nulls import plot_nulls  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out, scenario = snakemake.input, snakemake.output, snakemake.wildcards.scenario  # noqa: F821
plot_nulls(pd.read_csv(inp.draws), pd.read_csv(inp.tests), scenario, png=out.png, pdf=out.pdf,
           note=simulated_note(pd.read_csv(inp.codebook), scenario))
