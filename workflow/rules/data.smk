# Stage: data. The analysis dataset (one row per area x scenario) and its codebook, from
# the committed public figures plus simulated columns, or from a user's own CSV.
validate_user_data(config)


rule build_dataset:
    input:
        build_dataset_inputs(),
    output:
        analysis=results("data/analysis.csv"),
        codebook=results("data/codebook.csv"),
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
