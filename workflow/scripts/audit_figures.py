"""Snakemake script: the audit's two figures (specverse.figures.audit), each with the data it
draws beside it, and the discrimination table of every specification."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.figures import audit as figures  # noqa: E402
from specverse.study.audit import AuditSettings, design_label, designs  # noqa: E402

settings = AuditSettings.from_config(dict(snakemake.params.config))  # noqa: F821
labels = {d.name: design_label(d.name, d.effect) for d in designs(settings)}
calibration = pd.read_csv(snakemake.input.calibration, keep_default_na=False)  # noqa: F821
discrimination = pd.read_csv(snakemake.input.discrimination)  # noqa: F821
out = snakemake.output  # noqa: F821
figures.null_slopes_figure(
    pd.read_csv(snakemake.input.draws),  # noqa: F821
    pd.read_csv(snakemake.input.summary),  # noqa: F821
    calibration,
    labels,
    out.null_png,
    out.null_pdf,
)
figures.discrimination_figure(discrimination, calibration, labels, out.disc_png, out.disc_pdf)
io.write_csv(figures.discrimination_detail(discrimination, labels), out.disc_detail)
