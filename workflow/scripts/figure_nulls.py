"""Snakemake script: null and bootstrap distributions of Models 2 and 3, one scenario."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from threadpoolctl import threadpool_limits  # noqa: E402

from specverse.figures.build import nulls_figure  # noqa: E402

with threadpool_limits(limits=1):
    nulls_figure(
        snakemake.input.variant,  # noqa: F821
        snakemake.input.table2,  # noqa: F821
        snakemake.input.specs,  # noqa: F821
        snakemake.input.codebook,  # noqa: F821
        snakemake.wildcards.scenario,  # noqa: F821
        draws=int(snakemake.params.draws),  # noqa: F821
        seed=int(snakemake.params.seed),  # noqa: F821
        png=snakemake.output.png,  # noqa: F821
        pdf=snakemake.output.pdf,  # noqa: F821
    )
