"""Snakemake script: the final specification and model tables (fitted, plus each
family's Romano-Wolf p-values and sensitivity columns), summary.json and the gathered
joint tests."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.models import with_family_columns  # noqa: E402
from specverse.analysis.summary import summarize  # noqa: E402

inp, out, inference = snakemake.input, snakemake.output, snakemake.params.inference  # noqa: F821
familywise = pd.concat([pd.read_csv(p) for p in inp.familywise], ignore_index=True)
specs = with_family_columns(pd.read_parquet(inp.specs), familywise)
models = with_family_columns(pd.read_parquet(inp.models), familywise)
io.write_csv(specs, out.csv)
io.write_parquet(specs, out.parquet)
io.write_csv(models, out.models_csv)
io.write_parquet(models, out.models)
io.write_json(summarize(specs, models, alpha=inference["alpha"], headline=inference["headline"],
                        studentized=inference["se_type"]), out.summary)
for part in ("tests", "curves"):
    io.write_csv(pd.concat([pd.read_csv(p) for p in inp[part]], ignore_index=True), out[part])
print(f"{len(specs)} rows, {len(models)} model x term rows", file=sys.stderr)
