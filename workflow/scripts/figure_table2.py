"""Snakemake script: Table 2 coefficient plot, ours against the published."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.figures.replication import plot_table2  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out = snakemake.input, snakemake.output  # noqa: F821
table2 = pd.read_csv(inp.table2)
plot_table2(table2, png=out.png, pdf=out.pdf,
            note=simulated_note(pd.read_csv(inp.codebook), list(dict.fromkeys(table2["scenario"]))))
