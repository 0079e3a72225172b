"""Snakemake script: the summary per choice (specverse.analysis.choices) as CSV and as a report table."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse.analysis.choices import choice_summary  # noqa: E402
from specverse.analysis.table import curve_label, read_models  # noqa: E402
from specverse.figures.html_tables import Col, html_page, people_table  # noqa: E402
from specverse.io import write_csv, write_text  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out = snakemake.input, snakemake.output  # noqa: F821
alpha = float(snakemake.params.alpha)  # noqa: F821
models = read_models(inp.models)
summary = choice_summary(models, alpha=alpha)
write_csv(summary, out.csv)

note = simulated_note(pd.read_csv(inp.codebook), sorted(summary["scenario"].astype(str).unique()))
# The report's table fits a laptop's pane: one curve column, post-selection said in the
# option, the quartiles left to the CSV.
shown = summary.assign(
    curve=[curve_label(t, m) for t, m in zip(summary["treatment"], summary["term"])],
    option=[f"{o} (post-selection)" if p else o for o, p in zip(summary["option"], summary["post_selection"])])
columns = [Col("scenario", kind="text"), Col("curve", kind="text"), Col("dimension", "choice", "text"),
           Col("option", kind="text"), Col("models", kind="count"), Col("median"), Col("mad", "MAD"),
           Col("min"), Col("max"), Col("share_significant", f"share significant (headline p < {alpha:g})", "share"),
           Col("models_with_p", "models with a headline p", "count")]
intro = ("Per curve, every option of every choice: how many usable models made it and how their estimates "
         "(common scale: % change in NI1 relative to the 2006 baseline) are spread. An option whose median "
         "sits far from the others' is a choice the result depends on. MAD is R's mad() (1.4826 x the median "
         "absolute deviation), as specr reports it. Post-selection samples are summarised apart. "
         "Quartiles: multiverse/choice_summary.csv.")
write_text(html_page("Summary per choice (multiverse/choice_summary.csv)", people_table(shown, columns),
                     note, intro), out.html)
