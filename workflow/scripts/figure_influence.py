"""Snakemake script: influence and variance-decomposition figures, one scenario."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.figures.build import influence_figures  # noqa: E402

influence_figures(
    snakemake.input.influence,  # noqa: F821
    snakemake.input.variance,  # noqa: F821
    snakemake.input.codebook,  # noqa: F821
    snakemake.wildcards.scenario,  # noqa: F821
    png=snakemake.output.png,  # noqa: F821
    pdf=snakemake.output.pdf,  # noqa: F821
    var_png=snakemake.output.var_png,  # noqa: F821
    var_pdf=snakemake.output.var_pdf,  # noqa: F821
)
