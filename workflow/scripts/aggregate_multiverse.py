"""Snakemake script: gather the cells into the fitted specification table and the model
table (one row per model, inference methods side by side), before family inference."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.models import model_table  # noqa: E402
from specverse.study.spec_table import combine_cells  # noqa: E402

out, inference = snakemake.output, snakemake.params.inference  # noqa: F821
table = combine_cells([pd.read_parquet(p) for p in snakemake.input])  # noqa: F821
io.write_parquet(table, out.specs)
io.write_parquet(model_table(table, studentized=inference["se_type"], headline=inference["headline"]), out.models)
print(f"{len(table)} rows", file=sys.stderr)
