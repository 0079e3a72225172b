"""Snakemake script: results/data/analysis.csv and codebook.csv (see specverse.study.dataset)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse import io  # noqa: E402
from specverse.study.dataset import build_dataset  # noqa: E402

config = {"seed": snakemake.params.seed, "data": dict(snakemake.params.data)}  # noqa: F821
analysis, codebook = build_dataset(config, data_dir="data")
io.write_csv(analysis, snakemake.output.analysis)  # noqa: F821
io.write_csv(codebook, snakemake.output.codebook)  # noqa: F821
counts = analysis.groupby("scenario", sort=False).size().to_dict()
print(f"analysis rows per scenario: {counts}", file=sys.stderr)
