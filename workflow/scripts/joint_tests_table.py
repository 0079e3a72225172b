"""Snakemake script: gather the per-scenario joint tests and null curves."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.figures.build import gather  # noqa: E402

gather(snakemake.input.tests, snakemake.output.tests)  # noqa: F821
gather(snakemake.input.curves, snakemake.output.curves)  # noqa: F821
