"""Snakemake script: joint tests (shared-draw null) of the curves of one scenario x treatment."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from specverse import io  # noqa: E402
from specverse.analysis.joint_test import joint_tests  # noqa: E402
from specverse.analysis.table import read_models  # noqa: E402
from specverse.study.variants import baseline_variants, read_variants  # noqa: E402

scenario = snakemake.wildcards.scenario  # noqa: F821
params = snakemake.params  # noqa: F821
tests, curves = joint_tests(
    read_models(snakemake.input.models),  # noqa: F821
    baseline_variants(read_variants(snakemake.input.variants), scenario),  # noqa: F821
    scenario,
    draws=int(params.draws),
    seed=int(params.seed),
    alpha=float(params.alpha),
    treatment=snakemake.wildcards.treatment,  # noqa: F821
)
io.write_csv(curves, snakemake.output.curves)  # noqa: F821
io.write_csv(tests, snakemake.output.tests)  # noqa: F821
print(tests.to_string(), file=sys.stderr)
