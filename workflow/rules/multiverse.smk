# Stage: multiverse. One design-ready data variant per (scenario, baseline); one
# estimation job per fan-out cell (the config's `fan_out` dimensions become wildcards, the
# rest are batched inside the job); one aggregation into the table of every coefficient
# and the table of models (the family-level analysis completes both: analysis.smk).
# Paths and input functions come from LAYOUT (specverse.study.workflow_layout).


rule make_variant:
    input:
        results("data/analysis.csv"),
    output:
        LAYOUT.variant,
    log:
        LAYOUT.variant_log,
    benchmark:
        LAYOUT.variant_benchmark
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/make_variant.py"


rule estimate_cell:
    input:
        LAYOUT.cell_variants,
    output:
        # a partitioned table's partitions as CSV too, on request (table.csv)
        **({"csv": LAYOUT.cell_csv} if config["table"]["csv"] else {}),
        table=LAYOUT.cell,
        # the restricted wild t* behind p_wild, read back by the family's Romano-Wolf step-down
        wild_null=temp(LAYOUT.cell_wild_null),
    log:
        LAYOUT.cell_log,
    benchmark:
        LAYOUT.cell_benchmark
    conda:
        "../envs/specverse.yaml"
    params:
        cell=LAYOUT.cell_of,
        seed=config["seed"],
        plan=plan_config(),
        inference=config["inference"],
        chunk_specifications=config["table"]["chunk_specifications"],
    script:
        "../scripts/estimate_cell.py"


rule aggregate_multiverse:
    input:
        LAYOUT.cell_files(),
    output:
        specs=results("multiverse/fitted/specifications.parquet"),
        models=results("multiverse/fitted/models.parquet"),
    log:
        results("logs/multiverse/aggregate.log"),
    benchmark:
        results("benchmarks/multiverse/aggregate.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        inference=config["inference"],
    script:
        "../scripts/aggregate_multiverse.py"
