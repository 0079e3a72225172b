"""Snakemake script: Young & Holsteen summary, influence regression, variance decomposition."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.figures.build import run_influence  # noqa: E402

run_influence(
    snakemake.input.specs,  # noqa: F821
    alpha=float(snakemake.params.alpha),  # noqa: F821
    out_influence=snakemake.output.influence,  # noqa: F821
    out_variance=snakemake.output.variance,  # noqa: F821
)
