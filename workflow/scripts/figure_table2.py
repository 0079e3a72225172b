"""Snakemake script: Table 2 coefficient plot, ours against the published."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.figures.build import table2_figure  # noqa: E402

table2_figure(
    snakemake.input.table2,  # noqa: F821
    snakemake.input.codebook,  # noqa: F821
    png=snakemake.output.png,  # noqa: F821
    pdf=snakemake.output.pdf,  # noqa: F821
)
