"""Snakemake script: explorer.html, every model of the run in one offline page (specverse.figures.explorer)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from specverse.analysis.table import read_models  # noqa: E402
from specverse.figures.explorer import build_explorer  # noqa: E402
from specverse.study.provenance import display  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, params = snakemake.input, snakemake.params  # noqa: F821
# plan.COMMON_SCALE, short enough for the axis (the page repeats it in its help line)
AXIS = "% change in NI1 vs the 2006 baseline"
models = read_models(inp.models)
note = simulated_note(pd.read_csv(inp.codebook), sorted(models["scenario"].astype(str).unique()))
build_explorer(models, snakemake.output[0], title=f"Every model of run '{params.run}': filter, sort, read the curve",  # noqa: F821
               provenance=display(json.loads(Path(inp.provenance).read_text())), note=note,
               alpha=float(params.alpha), scale_label=AXIS)
