"""Snakemake script: rejection rates of the multiverse's families on the audit's simulated datasets."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from threadpoolctl import threadpool_limits  # noqa: E402

from specverse.study import audit  # noqa: E402
from specverse.study.build import read_analysis, write_csv_atomic  # noqa: E402

settings = audit.AuditSettings.from_config(dict(snakemake.params.config))  # noqa: F821
analysis = read_analysis(snakemake.input.analysis)  # noqa: F821
with threadpool_limits(limits=1, user_api="blas"):
    anchor = audit.calibrate(analysis, settings, source=snakemake.input.analysis)  # noqa: F821
    table = audit.discrimination(anchor, settings)
write_csv_atomic(table, snakemake.output.table)  # noqa: F821
print(f"{len(table)} rows; anchor scenario {anchor.scenario}", file=sys.stderr)
