"""Snakemake script: the draws behind the paper's Models 2 and 3 p-values, one scenario."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.paper_nulls import paper_model_draws  # noqa: E402
from specverse.study.variants import read_variants  # noqa: E402

draws, tests = paper_model_draws(
    read_variants(snakemake.input.variants),  # noqa: F821
    snakemake.wildcards.scenario,  # noqa: F821
    seed=int(snakemake.params.seed),  # noqa: F821
    inference=snakemake.params.inference,  # noqa: F821
    table2=pd.read_csv(snakemake.input.table2),  # noqa: F821
    specs=pd.read_parquet(snakemake.input.specs),  # noqa: F821
)
io.write_csv(draws, snakemake.output.draws)  # noqa: F821
io.write_csv(tests, snakemake.output.tests)  # noqa: F821
print(tests.to_string(), file=sys.stderr)
