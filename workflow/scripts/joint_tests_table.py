"""Snakemake script: gather the per-scenario joint tests and null curves."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402

for part in ("tests", "curves"):
    frames = [pd.read_csv(p) for p in snakemake.input[part]]  # noqa: F821
    io.write_csv(pd.concat(frames, ignore_index=True), snakemake.output[part])  # noqa: F821
