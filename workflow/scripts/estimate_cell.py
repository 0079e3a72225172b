"""Snakemake script: every specification of one fan-out cell (statsmodels is not imported)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse import io  # noqa: E402
from specverse.study.evaluate import evaluate_cell_and_draws  # noqa: E402
from specverse.study.plan import build_multiverse  # noqa: E402
from specverse.study.variants import read_variants  # noqa: E402

params = snakemake.params  # noqa: F821
estimates = evaluate_cell_and_draws(
    read_variants(snakemake.input),  # noqa: F821
    build_multiverse(params.plan),
    params.cell,
    seed=int(params.seed),
    inference=params.inference,
    n_jobs=snakemake.threads,  # noqa: F821 (1 unless the job is given more, e.g. --set-threads)
)
table = estimates.table
io.write_parquet(table, snakemake.output.table)  # noqa: F821
estimates.wild_null.save(snakemake.output.wild_null)  # noqa: F821
print(f"cell {dict(params.cell)}: {len(table)} rows, status counts:", file=sys.stderr)
print(table["status"].value_counts().to_string(), file=sys.stderr)
