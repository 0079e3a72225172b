"""Snakemake script: robustness values along the curves and Model 3's contour plot."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.figures.confounding import plot_contour, plot_robustness_curve  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out, scenario = snakemake.input, snakemake.output, snakemake.wildcards.scenario  # noqa: F821
note = simulated_note(pd.read_csv(inp.codebook), scenario)
plot_robustness_curve(pd.read_parquet(inp.models), scenario, png=out.png, pdf=out.pdf, note=note)
plot_contour(pd.read_csv(inp.contour), pd.read_csv(inp.points), scenario, png=out.contour_png, pdf=out.contour_pdf,
             note=note)
