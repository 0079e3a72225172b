"""Snakemake script: the verdict on the published tables (specverse.study.verdict)."""

import sys
from pathlib import Path

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.study.dataset import read_analysis  # noqa: E402
from specverse.study.verdict import VerdictSettings, run_verdict  # noqa: E402

settings = VerdictSettings.from_config(dict(snakemake.params.config))  # noqa: F821
out = run_verdict(read_analysis(snakemake.input.analysis), None, settings,  # noqa: F821
                  Path(snakemake.output.text).parent)  # noqa: F821
print(out["verdict"], file=sys.stderr)
print(f"seconds: {out['seconds']}; simulated studies per second in ABC: "
      f"{out['simulated_studies_per_second_in_abc']:.0f}", file=sys.stderr)
