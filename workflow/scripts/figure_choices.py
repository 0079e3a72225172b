"""Snakemake script: one scenario's choice summary and sample-size figures (specverse.figures.choices)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.analysis.choices import choice_summary  # noqa: E402
from specverse.analysis.table import display_option, read_models  # noqa: E402
from specverse.figures.choices import plot_choice_summary, plot_sample_sizes  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out, scenario = snakemake.input, snakemake.output, snakemake.wildcards.scenario  # noqa: F821
alpha = float(snakemake.params.alpha)  # noqa: F821
models = read_models(inp.models, scenario=scenario)
note = simulated_note(pd.read_csv(inp.codebook), scenario)
# The figure collapses controls into classes (as the curves' indicator panels); the
# table beside it (and multiverse/choice_summary.csv) keeps every option.
summary = choice_summary(models, alpha=alpha, option_label=display_option)
plot_choice_summary(summary, scenario, png=out.png, pdf=out.pdf, note=note, alpha=alpha)
plot_sample_sizes(models, scenario, png=out.n_png, pdf=out.n_pdf, note=note, alpha=alpha)
