"""Snakemake script: gather the cells into the specification table and summary.json."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.summary import summarize  # noqa: E402
from specverse.study.spec_table import combine_cells  # noqa: E402

out = snakemake.output  # noqa: F821
table = combine_cells([pd.read_parquet(p) for p in snakemake.input])  # noqa: F821
io.write_csv(table, out.csv)
io.write_parquet(table, out.parquet)
io.write_json(summarize(table, snakemake.params.alpha), out.summary)  # noqa: F821
print(f"{len(table)} rows, {table['spec_id'].nunique()} specifications", file=sys.stderr)
