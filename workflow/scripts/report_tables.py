"""Snakemake script: HTML tables for the report, formatted for people (joint tests, Tables
1 and 2, model uncertainty, summary.json, and the audit's null summary and discrimination)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.figures.html_tables import (  # noqa: E402
    audit_discrimination_page, audit_null_page, report_pages, summary_page, table1_page,
)
from specverse.study.audit import design_label  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out = snakemake.input, snakemake.output  # noqa: F821
codebook = pd.read_csv(inp.codebook)


def note(scenarios):
    return simulated_note(codebook, scenarios)


pages = report_pages(pd.read_csv(inp.joint), pd.read_csv(inp.table2), pd.read_csv(inp.fit),
                     pd.read_csv(inp.influence), note)
null_summary, discrimination = pd.read_csv(inp.null_summary), pd.read_csv(inp.discrimination)
labels = {d: design_label(d) for d in [*null_summary["design"], *discrimination["design"]]}
pages.update(
    table1=table1_page(pd.read_csv(inp.table1), note),
    summary=summary_page(json.loads(Path(inp.summary).read_text()), note),
    null_summary=audit_null_page(null_summary, labels),
    discrimination=audit_discrimination_page(discrimination, labels),
)
for name, html in pages.items():
    io.write_text(html, out[name])
