"""Snakemake script: every specification of one fan-out cell (statsmodels is not imported)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.study.multiverse import run_cell  # noqa: E402

table = run_cell(snakemake.input, snakemake.config, snakemake.params.cell, snakemake.output[0])  # noqa: F821
print(f"cell {dict(snakemake.params.cell)}: {len(table)} rows, status counts:", file=sys.stderr)  # noqa: F821
print(table["status"].value_counts().to_string(), file=sys.stderr)
