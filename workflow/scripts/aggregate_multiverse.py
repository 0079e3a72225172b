"""Snakemake script: gather the cells into the specification table and summary.json."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.study.multiverse import aggregate  # noqa: E402

out = snakemake.output  # noqa: F821
table = aggregate(snakemake.input, out.csv, out.parquet, out.summary, snakemake.params.alpha)  # noqa: F821
print(f"{len(table)} rows, {table['spec_id'].nunique()} specifications", file=sys.stderr)
