"""Snakemake script: rejection rates of the multiverse's families on the audit's simulated datasets."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.study import audit  # noqa: E402
from specverse import io  # noqa: E402
from specverse.study.dataset import read_analysis  # noqa: E402

settings = audit.AuditSettings.from_config(dict(snakemake.params.config))  # noqa: F821
analysis = read_analysis(snakemake.input.analysis)  # noqa: F821
anchor = audit.calibrate(analysis, settings, source=snakemake.input.analysis)  # noqa: F821
table = audit.discrimination(anchor, settings)
io.write_csv(table, snakemake.output.table)  # noqa: F821
print(f"{len(table)} rows; anchor scenario {anchor.scenario}", file=sys.stderr)
