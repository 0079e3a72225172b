"""Snakemake script: every specification of one fan-out cell (statsmodels is not imported),
evaluated chunk by chunk and streamed to the cell's Parquet file (and CSV on request), so
that a job holds one chunk in memory, whatever the size of its cell."""

import contextlib
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from collections import Counter  # noqa: E402

from specverse import io  # noqa: E402
from specverse.study.evaluate import evaluate_chunks  # noqa: E402
from specverse.study.plan import build_multiverse  # noqa: E402
from specverse.study.variants import read_variants  # noqa: E402
from specverse.study.wild_null import WildNull  # noqa: E402

params, output = snakemake.params, snakemake.output  # noqa: F821
chunks = evaluate_chunks(
    read_variants(snakemake.input),  # noqa: F821
    build_multiverse(params.plan),
    params.cell,
    seed=int(params.seed),
    inference=params.inference,
    n_jobs=snakemake.threads,  # noqa: F821 (1 unless the job is given more, e.g. --set-threads)
    max_specs=params.chunk_specifications,
)
wild_parts, status = [], Counter()
with contextlib.ExitStack() as files:
    writers = [files.enter_context(io.table_stream(output.table))]
    if "csv" in output.keys():
        writers.append(files.enter_context(io.table_stream(output.csv, "csv")))
    for table, wild in chunks:
        for write in writers:
            write(table)
        wild_parts += wild
        status.update(table["status"].astype(str))
WildNull.from_parts(wild_parts, int(params.inference.get("draws", 999))).save(output.wild_null)
print(f"cell {dict(params.cell)}: {sum(status.values())} rows, status counts:", file=sys.stderr)
for name, count in sorted(status.items()):
    print(f"  {count:>9}  {name}", file=sys.stderr)
