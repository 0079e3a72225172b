"""Snakemake script: size and coverage of every inference method on the study's designs,
and whether the configured headline method is within Monte Carlo error everywhere."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.calibration import CalibrationSettings, headline_verdict, run_calibration  # noqa: E402

params, out = snakemake.params, snakemake.output  # noqa: F821
section = {**params.calibration, "scenario": params.scenario, "baseline": params.baseline}
settings = CalibrationSettings.from_config(section, seed=params.seed)
run = run_calibration(pd.read_parquet(snakemake.input.variant), settings, source=snakemake.input.variant,  # noqa: F821
                      n_jobs=snakemake.threads)  # noqa: F821 (worker processes: the job's cores)
io.write_csv(run.size, out.size_table)
io.write_csv(run.coverage, out.coverage)
io.write_csv(run.designs, out.designs)
# timings go to the log, not the table: results do not depend on the machine
io.write_csv(run.diagnostics.drop(columns=["seconds", "cpu_seconds"]), out.diagnostics)
io.write_json(headline_verdict(run.size, params.headline, alpha=settings.alpha, permutation=params.permutation),
              out.headline)
print(run.diagnostics.to_string(), file=sys.stderr)
