"""Snakemake script: the report's front page -- the verdict, what the specifications say
and where the numbers come from (specverse.analysis.answer, figures.answer_page)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.answer import (  # noqa: E402
    answer_table, confounding_sentence, familywise_by_choice, headline_sentence, mechanical_sentence, oster_sentence,
    verdict_off_paragraph,
)
from specverse.analysis.table import CHOICE_DIMENSIONS  # noqa: E402
from specverse.figures.answer_page import answer_markdown, front_page  # noqa: E402
from specverse.study.simulated_note import simulated_note  # noqa: E402

inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
summary = json.loads(Path(inp.summary).read_text())
alpha = float(summary["alpha"])
# Only the columns the answer reads: the model table can be large.
wanted = ["scenario", "treatment", "term", *CHOICE_DIMENSIONS, "post_selection", "status", "estimate_common",
          "std_error_common", "p_romano_wolf", "benchmark_strongest_q1", "strongest_control"]
models = pd.read_parquet(inp.models, columns=[c for c in wanted if c in pq.read_schema(inp.models).names])
answer = answer_table(summary, pd.read_csv(inp.joint), pd.read_csv(inp.influence),
                      pd.read_csv(inp.discrimination), models)
survivors = familywise_by_choice(models, alpha)
oster = pd.concat([pd.read_csv(p) for p in inp.oster]) if inp.oster else pd.DataFrame()
sentences = [mechanical_sentence(answer, alpha), confounding_sentence(answer, survivors)]
sentences[-1] = " ".join(filter(None, [sentences[-1], oster_sentence(oster)]))
sentences.append(headline_sentence(json.loads(Path(inp.headline).read_text())))
note = simulated_note(pd.read_csv(inp.codebook), list(answer["scenario"].dropna().unique()))
# verdict.enabled: false leaves the verdict out of the run; the page says so first
verdict = Path(inp.verdict).read_text(encoding="utf-8") if inp.verdict else verdict_off_paragraph()
provenance = json.loads(Path(inp.provenance).read_text())

io.write_csv(answer, out.table)
io.write_csv(survivors, out.survivors)
page = front_page(verdict, answer, sentences, note=note, provenance=provenance, explorer="explorer.html",
                  scale=summary["effect_scale"], run_dir=params.run_dir)
# ASCII with character references: the report inlines this file through docutils, whose
# input encoding need not be UTF-8.
io.write_text(page.encode("ascii", "xmlcharrefreplace").decode("ascii"), out.html)
io.write_text(answer_markdown(verdict, answer, sentences, note=note, provenance=provenance,
                              scale=summary["effect_scale"]), out.markdown)
print("\n".join(sentences), file=sys.stderr)
