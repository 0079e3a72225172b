"""Snakemake script: the audit's null slope distributions and calibration (specverse.study.audit)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.study import audit  # noqa: E402
from specverse import io  # noqa: E402
from specverse.study.dataset import read_analysis  # noqa: E402

settings = audit.AuditSettings.from_config(dict(snakemake.params.config))  # noqa: F821
analysis = read_analysis(snakemake.input.analysis)  # noqa: F821
codebook = pd.read_csv(snakemake.input.codebook)  # noqa: F821
anchor = audit.calibrate(analysis, settings, source=snakemake.input.analysis)  # noqa: F821
draws, summary = audit.null_slopes(anchor, settings)
note = audit.anchor_note(anchor, settings, codebook)
calibration = audit.calibration_table(anchor, settings, summary, note)
io.write_csv(draws, snakemake.output.draws)  # noqa: F821
io.write_csv(summary, snakemake.output.summary)  # noqa: F821
io.write_csv(calibration, snakemake.output.calibration)  # noqa: F821
print(summary.to_string(), file=sys.stderr)
