"""Snakemake script: Oster's delta for the paper's Models 2 and 3 and the sensemakr-style
contour grid of Model 3, one scenario."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.confounding import contour_table, oster_table  # noqa: E402
from specverse.study.variants import read_variants  # noqa: E402

inp, out, scenario = snakemake.input, snakemake.output, snakemake.wildcards.scenario  # noqa: F821
variants = read_variants(inp.variants)
specs = pd.read_parquet(inp.specs, filters=[("scenario", "==", scenario)])
grid, points = contour_table(specs, variants, scenario, alpha=float(snakemake.params.alpha))  # noqa: F821
io.write_csv(oster_table(variants, scenario), out.oster)
io.write_csv(grid, out.contour)
io.write_csv(points, out.points)
