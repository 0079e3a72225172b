"""Snakemake script: HTML tables for the report (joint tests, Table 2, model uncertainty)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.figures.html_tables import report_pages  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out = snakemake.input, snakemake.output  # noqa: F821
codebook = pd.read_csv(inp.codebook)
pages = report_pages(pd.read_csv(inp.joint), pd.read_csv(inp.table2), pd.read_csv(inp.fit),
                     pd.read_csv(inp.influence), lambda scenarios: simulated_note(codebook, scenarios))
for name, html in pages.items():
    io.write_text(html, out[name])
