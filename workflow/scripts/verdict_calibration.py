"""Snakemake script: the verdict's validation, coverage and simulation-based calibration
(specverse.study.verdict.run_calibration), in the processes the rule was given."""

import sys
from pathlib import Path

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse.study.dataset import read_analysis  # noqa: E402
from specverse.study.verdict import VerdictSettings, run_calibration  # noqa: E402

settings = VerdictSettings.from_config(dict(snakemake.params.config))  # noqa: F821
out = run_calibration(read_analysis(snakemake.input.analysis), None, settings,  # noqa: F821
                      Path(snakemake.output.table).parent, workers=snakemake.threads)  # noqa: F821
low, high = out["coverage_interval"]
print(f"{settings.calibration.datasets} synthetic table sets: the 90% interval of effect_stretch covered "
      f"the truth in {out['coverage_effect_stretch']:.0%} (95% interval {low:.2f}-{high:.2f}); rank "
      f"uniformity p = {out['rank_p_value_effect_stretch']:.2f}; {out['seconds']:.0f} s on "
      f"{out['workers']} processes", file=sys.stderr)
