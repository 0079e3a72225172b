"""Snakemake script: joint tests (shared-draw null) of the curves of one scenario x treatment."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

from threadpoolctl import threadpool_limits  # noqa: E402

from specverse.figures.build import run_joint  # noqa: E402

with threadpool_limits(limits=1):
    tests = run_joint(
        snakemake.input.specs,  # noqa: F821
        snakemake.input.variants,  # noqa: F821
        snakemake.wildcards.scenario,  # noqa: F821
        snakemake.wildcards.treatment,  # noqa: F821
        draws=int(snakemake.params.draws),  # noqa: F821
        seed=int(snakemake.params.seed),  # noqa: F821
        alpha=float(snakemake.params.alpha),  # noqa: F821
        out_tests=snakemake.output.tests,  # noqa: F821
        out_curves=snakemake.output.curves,  # noqa: F821
    )
print(tests.to_string(), file=sys.stderr)
