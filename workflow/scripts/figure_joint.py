"""Snakemake script: observed curves against the null band, one scenario."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.figures.build import joint_figure  # noqa: E402

joint_figure(
    snakemake.input.tests,  # noqa: F821
    snakemake.input.curves,  # noqa: F821
    snakemake.input.codebook,  # noqa: F821
    snakemake.wildcards.scenario,  # noqa: F821
    png=snakemake.output.png,  # noqa: F821
    pdf=snakemake.output.pdf,  # noqa: F821
)
