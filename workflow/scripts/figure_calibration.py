"""Snakemake script: the calibration figure (size and coverage of every method)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.figures.calibration import calibration_figure  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
calibration_figure(pd.read_csv(inp.size_table), pd.read_csv(inp.coverage), out.png, out.pdf, alpha=float(params.alpha),
                   note=simulated_note(pd.read_csv(inp.codebook), params.scenario))
