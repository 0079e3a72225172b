"""Snakemake script: the summary and control-inclusion table of a partitioned
specification table, streamed in record batches (no whole table in memory)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.table_scan import scan_table  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, params, out = snakemake.input, snakemake.params, snakemake.output  # noqa: F821
inference = params.inference
scan = scan_table(list(inp.cells), alpha=inference["alpha"], headline=inference["headline"],
                  studentized=inference["se_type"], batch_rows=int(params.batch_rows))
# Results on simulated columns say so, per scenario (empty for a user's observed data).
codebook = pd.read_csv(inp.codebook)
scenarios = sorted({c["scenario"] for c in scan.summary["curves"]})
scan.summary["data_note"] = {s: simulated_note(codebook, s) for s in scenarios}
if not scan.inclusion.empty:
    scan.inclusion.insert(0, "data_note", scan.inclusion["scenario"].map(scan.summary["data_note"]))
io.write_json(scan.summary, out.summary)
io.write_csv(scan.inclusion, out.inclusion)
print(f"{scan.summary['counts']['specification_rows']} rows in {len(inp.cells)} partitions", file=sys.stderr)
