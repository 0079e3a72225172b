# Stage: data. The analysis dataset (one row per area x scenario) and its codebook, from
# the committed public figures plus simulated columns, or from a user's own CSV.
USER_AREAS = validate_user_data(config)


rule build_dataset:
    input:
        build_dataset_inputs(),
    output:
        analysis=report(
            results("data/analysis.csv"),
            caption="../report/data_analysis.rst",
            category="02 Replication of the paper",
            labels={"table": "the analysis data (CSV)"},
        ),
        codebook=report(
            results("data/codebook.csv"),
            caption="../report/data_codebook.rst",
            category="02 Replication of the paper",
            labels={"table": "codebook: every column's source and provenance (CSV)"},
        ),
    log:
        results("logs/data/build_dataset.log"),
    benchmark:
        results("benchmarks/data/build_dataset.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        seed=config["seed"],
        data=config["data"],
    script:
        "../scripts/build_dataset.py"
