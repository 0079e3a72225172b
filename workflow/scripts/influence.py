"""Snakemake script: Young & Holsteen summary, influence regression, variance decomposition."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse import io  # noqa: E402
from specverse.analysis.influence import influence_table, variance_table  # noqa: E402
from specverse.analysis.table import read_specifications  # noqa: E402

specs = read_specifications(snakemake.input.specs)  # noqa: F821
io.write_csv(influence_table(specs, float(snakemake.params.alpha)), snakemake.output.influence)  # noqa: F821
io.write_csv(variance_table(specs), snakemake.output.variance)  # noqa: F821
