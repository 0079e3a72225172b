"""Snakemake script: specification curve and p-value curve of one scenario x treatment."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.figures.build import curve_figures  # noqa: E402

curve_figures(
    snakemake.input.specs,  # noqa: F821
    snakemake.input.codebook,  # noqa: F821
    snakemake.input.table2,  # noqa: F821
    snakemake.wildcards.scenario,  # noqa: F821
    snakemake.wildcards.treatment,  # noqa: F821
    alpha=float(snakemake.params.alpha),  # noqa: F821
    png=snakemake.output.png,  # noqa: F821
    pdf=snakemake.output.pdf,  # noqa: F821
    p_png=snakemake.output.p_png,  # noqa: F821
    p_pdf=snakemake.output.p_pdf,  # noqa: F821
)
