# Stage: analysis. Aggregates of the specification table (specverse.analysis): joint
# inference on every curve (shared-draw null), which choices matter (Young & Holsteen,
# variance decomposition), and the draws behind the paper's two models' p-values.


rule joint_test:
    input:
        models="results/multiverse/models.parquet",
        variants=LAYOUT.scenario_variants,
    output:
        tests="results/multiverse/joint/{scenario}/{treatment}_tests.csv",
        curves="results/multiverse/joint/{scenario}/{treatment}_curves.csv",
    log:
        "results/logs/analysis/joint_test/{scenario}/{treatment}.log",
    benchmark:
        "results/benchmarks/analysis/joint_test/{scenario}/{treatment}.tsv"
    conda:
        "../envs/specverse.yaml"
    params:
        draws=config["joint_test"]["draws"],
        seed=config["seed"],
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/joint_test.py"


rule joint_tests_table:
    input:
        tests=expand(
            rules.joint_test.output.tests, scenario=scenarios(), treatment=treatments()
        ),
        curves=expand(
            rules.joint_test.output.curves,
            scenario=scenarios(),
            treatment=treatments(),
        ),
    output:
        tests=report(
            "results/multiverse/joint_tests.csv",
            caption="../report/joint_tests_table.rst",
            category="4 Joint inference on the curve",
            labels={"table": "joint tests (CSV)"},
        ),
        curves="results/multiverse/joint_null_curves.csv",
    log:
        "results/logs/analysis/joint_tests_table.log",
    benchmark:
        "results/benchmarks/analysis/joint_tests_table.tsv"
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/joint_tests_table.py"


rule influence:
    input:
        models="results/multiverse/models.parquet",
    output:
        influence=report(
            "results/multiverse/influence.csv",
            caption="../report/influence_table.rst",
            category="5 Which choices matter",
            labels={"table": "influence (CSV)"},
        ),
        variance="results/multiverse/variance_decomposition.csv",
    log:
        "results/logs/analysis/influence.log",
    benchmark:
        "results/benchmarks/analysis/influence.tsv"
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/influence.py"


rule paper_nulls:
    input:
        specs="results/multiverse/specifications.parquet",
        variants=LAYOUT.scenario_variants,
        table2="results/replication/table2.csv",
    output:
        draws="results/multiverse/paper_nulls/{scenario}_draws.csv",
        tests="results/multiverse/paper_nulls/{scenario}_tests.csv",
    log:
        "results/logs/analysis/paper_nulls/{scenario}.log",
    benchmark:
        "results/benchmarks/analysis/paper_nulls/{scenario}.tsv"
    conda:
        "../envs/specverse.yaml"
    params:
        seed=config["seed"],
        inference=config["inference"],
    script:
        "../scripts/paper_nulls.py"
