"""Snakemake script: multiverse/specifications_broom.csv (specverse.analysis.broom), for R users."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.analysis.broom import broom_table  # noqa: E402
from specverse.io import write_csv  # noqa: E402

specs = pd.read_parquet(snakemake.input.specs)  # noqa: F821
write_csv(broom_table(specs, studentized=snakemake.params.studentized), snakemake.output[0])  # noqa: F821
