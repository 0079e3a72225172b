"""Snakemake script: one family (a treatment in a scenario): joint tests of its curves,
Romano-Wolf p-values and the omitted-variable sensitivity of its models."""

import sys
import time

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake is injected)

import pandas as pd  # noqa: E402

from specverse import io  # noqa: E402
from specverse.analysis.confounding import sensitivity_table  # noqa: E402
from specverse.analysis.familywise import familywise_table  # noqa: E402
from specverse.analysis.joint_test import joint_tests  # noqa: E402
from specverse.study.variants import baseline_variants, read_variants  # noqa: E402
from specverse.study.wild_null import WildNull  # noqa: E402

inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
family = [("scenario", "==", wc.scenario), ("treatment", "==", wc.treatment)]
models = pd.read_parquet(inp.models, filters=family)
specs = pd.read_parquet(inp.specs, filters=family)
variants = read_variants(inp.variants)
inference = params.inference
clock = [time.perf_counter()]
tests, curves = joint_tests(models, baseline_variants(variants, wc.scenario), wc.scenario,
                            draws=int(params.joint_draws), seed=int(params.seed), alpha=float(inference["alpha"]),
                            treatment=wc.treatment)
clock.append(time.perf_counter())
familywise = familywise_table(models, WildNull.load(inp.wild_null))
clock.append(time.perf_counter())
sensitivity = sensitivity_table(specs, variants, alpha=float(inference["alpha"]))
clock.append(time.perf_counter())
print("seconds: joint tests {:.1f}, Romano-Wolf {:.1f}, sensitivity {:.1f}".format(
    *(b - a for a, b in zip(clock, clock[1:]))), file=sys.stderr)
io.write_csv(tests, out.tests)
io.write_csv(curves, out.curves)
io.write_csv(familywise.merge(sensitivity, on=["model_id", "term"], how="outer"), out.familywise)
print(tests.to_string(), file=sys.stderr)
