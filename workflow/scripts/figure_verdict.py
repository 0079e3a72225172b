"""Snakemake script: the verdict's three figures, drawn from its tables."""

import sys
from pathlib import Path

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.figures.verdict import verdict_figures  # noqa: E402

verdict_figures(Path(snakemake.input.posterior).parent, Path(snakemake.output.posterior).parent)  # noqa: F821
