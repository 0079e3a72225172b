"""Snakemake script: the summary and control-inclusion table of a partitioned
specification table, streamed in record batches (no whole table in memory)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse import io  # noqa: E402
from specverse.analysis.table_scan import scan_table  # noqa: E402

params, out = snakemake.params, snakemake.output  # noqa: F821
inference = params.inference
scan = scan_table(list(snakemake.input), alpha=inference["alpha"], headline=inference["headline"],  # noqa: F821
                  studentized=inference["se_type"], batch_rows=int(params.batch_rows))
io.write_json(scan.summary, out.summary)
io.write_csv(scan.inclusion, out.inclusion)
print(f"{scan.summary['counts']['specification_rows']} rows in {len(snakemake.input)} partitions",  # noqa: F821
      file=sys.stderr)
