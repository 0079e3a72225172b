"""Snakemake script: provenance.json, which data file, config files and commit made the run."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.io import write_json  # noqa: E402
from specverse.study.provenance import provenance  # noqa: E402

params = snakemake.params  # noqa: F821
write_json(provenance(snakemake.input.data, params.configfiles, root=params.root),  # noqa: F821
           snakemake.output[0])  # noqa: F821
