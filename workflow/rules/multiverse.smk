# Stage: multiverse. One design-ready data variant per (scenario, baseline); one
# estimation job per fan-out cell (the config's `fan_out` dimensions become wildcards, the
# rest are batched inside the job); one aggregation into the table of every coefficient.
# Paths and input functions come from specverse.study.cells.CellLayout.
from snakemake.exceptions import WorkflowError

from specverse.study.cells import CellLayout
from specverse.study.specs import ConfigError, build_multiverse

try:
    MULTIVERSE = build_multiverse(config)
except ConfigError as err:
    raise WorkflowError(f"invalid multiverse configuration: {err}") from None
MV = CellLayout(MULTIVERSE)
# For other stages: MULTIVERSE.options[dim] lists a dimension's configured options.
mv_variant_path = MV.variant_path


rule make_variant:
    input:
        "results/data/analysis.csv",
    output:
        MV.variant,
    log:
        MV.variant_log,
    benchmark:
        MV.variant_benchmark
    wildcard_constraints:
        **MV.variant_constraints,
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/make_variant.py"


rule estimate_cell:
    input:
        MV.cell_variants,
    output:
        MV.cell,
    log:
        MV.cell_log,
    benchmark:
        MV.cell_benchmark
    wildcard_constraints:
        **MV.cell_constraints,
    conda:
        "../envs/specverse.yaml"
    params:
        cell=MV.cell_of,
        seed=config["seed"],
        multiverse=config["multiverse"],
        inference=config["inference"],
    script:
        "../scripts/estimate_cell.py"


rule aggregate_multiverse:
    input:
        MV.cell_files(),
    output:
        csv="results/multiverse/specifications.csv",
        parquet="results/multiverse/specifications.parquet",
        summary="results/multiverse/summary.json",
    log:
        "results/logs/multiverse/aggregate.log",
    benchmark:
        "results/benchmarks/multiverse/aggregate.tsv"
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/aggregate_multiverse.py"


TARGETS["multiverse"] = [
    "results/multiverse/specifications.csv",
    "results/multiverse/specifications.parquet",
    "results/multiverse/summary.json",
]
