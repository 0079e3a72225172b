"""Snakemake script: HTML tables for the report (joint tests, Table 2, model uncertainty)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.figures.build import report_tables  # noqa: E402

report_tables(
    snakemake.input.joint,  # noqa: F821
    snakemake.input.table2,  # noqa: F821
    snakemake.input.fit,  # noqa: F821
    snakemake.input.influence,  # noqa: F821
    snakemake.input.codebook,  # noqa: F821
    out_joint=snakemake.output.joint,  # noqa: F821
    out_table2=snakemake.output.table2,  # noqa: F821
    out_influence=snakemake.output.influence,  # noqa: F821
)
