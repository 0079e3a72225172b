"""Snakemake script: gather the cells into the specification table, the model table
(one row per model, inference methods side by side) and summary.json."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.models import model_table  # noqa: E402
from specverse.analysis.summary import summarize  # noqa: E402
from specverse.study.spec_table import combine_cells  # noqa: E402

out, inference = snakemake.output, snakemake.params.inference  # noqa: F821
table = combine_cells([pd.read_parquet(p) for p in snakemake.input])  # noqa: F821
models = model_table(table, studentized=inference["se_type"], headline=inference["headline"])
io.write_csv(table, out.csv)
io.write_parquet(table, out.parquet)
io.write_csv(models, out.models_csv)
io.write_parquet(models, out.models)
io.write_json(summarize(table, models, alpha=inference["alpha"], headline=inference["headline"],
                        studentized=inference["se_type"]), out.summary)
print(f"{len(table)} rows, {len(models)} model x term rows", file=sys.stderr)
