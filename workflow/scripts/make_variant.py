"""Snakemake script: the design-ready table of one (scenario, baseline) data variant."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse import io  # noqa: E402
from specverse.study.dataset import read_analysis  # noqa: E402
from specverse.study.variants import build_variant  # noqa: E402

analysis = read_analysis(snakemake.input[0])  # noqa: F821
variant = build_variant(analysis, snakemake.wildcards.scenario, snakemake.wildcards.baseline)  # noqa: F821
io.write_parquet(variant, snakemake.output[0])  # noqa: F821
print(f"{len(variant)} rows written to {snakemake.output[0]}", file=sys.stderr)  # noqa: F821
