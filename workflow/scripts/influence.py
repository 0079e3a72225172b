"""Snakemake script: Young & Holsteen summary, influence regression, variance decomposition."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse import io  # noqa: E402
from specverse.analysis.influence import influence_table, variance_table  # noqa: E402
from specverse.analysis.table import read_models  # noqa: E402

models = read_models(snakemake.input.models)  # noqa: F821
io.write_csv(influence_table(models, float(snakemake.params.alpha)), snakemake.output.influence)  # noqa: F821
io.write_csv(variance_table(models), snakemake.output.variance)  # noqa: F821
