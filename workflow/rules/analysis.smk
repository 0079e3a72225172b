# Stage: analysis (specverse.analysis). Per family (one treatment in one scenario): joint
# inference on the curve, Romano-Wolf familywise p-values and the omitted-variable
# sensitivity of every model; per scenario: Oster's delta and the contour grid of the
# paper's models; then the final specification and model tables, and which choices
# matter (Young & Holsteen, variance decomposition); the draws behind the paper's models.


rule family_inference:
    input:
        specs=results("multiverse/fitted/specifications.parquet"),
        models=results("multiverse/fitted/models.parquet"),
        variants=LAYOUT.scenario_variants,
        wild_null=LAYOUT.family_wild_null,
    output:
        tests=results("multiverse/family/{scenario}/{treatment}_joint_tests.csv"),
        curves=results("multiverse/family/{scenario}/{treatment}_null_curves.csv"),
        familywise=results("multiverse/family/{scenario}/{treatment}_familywise.csv"),
    log:
        results("logs/analysis/family_inference/{scenario}/{treatment}.log"),
    benchmark:
        results("benchmarks/analysis/family_inference/{scenario}/{treatment}.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        joint_draws=config["joint_test"]["draws"],
        seed=config["seed"],
        inference=config["inference"],
    script:
        "../scripts/family_inference.py"


rule paper_sensitivity:
    input:
        specs=results("multiverse/fitted/specifications.parquet"),
        variants=LAYOUT.scenario_variants,
    output:
        oster=results("multiverse/sensitivity/{scenario}_oster.csv"),
        contour=results("multiverse/sensitivity/{scenario}_contour.csv"),
        points=results("multiverse/sensitivity/{scenario}_contour_benchmarks.csv"),
    log:
        results("logs/analysis/paper_sensitivity/{scenario}.log"),
    benchmark:
        results("benchmarks/analysis/paper_sensitivity/{scenario}.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/paper_sensitivity.py"


rule finalize_multiverse:
    input:
        specs=results("multiverse/fitted/specifications.parquet"),
        models=results("multiverse/fitted/models.parquet"),
        tests=expand(
            rules.family_inference.output.tests,
            scenario=scenarios(),
            treatment=treatments(),
        ),
        curves=expand(
            rules.family_inference.output.curves,
            scenario=scenarios(),
            treatment=treatments(),
        ),
        familywise=expand(
            rules.family_inference.output.familywise,
            scenario=scenarios(),
            treatment=treatments(),
        ),
    output:
        csv=results("multiverse/specifications.csv"),
        parquet=results("multiverse/specifications.parquet"),
        models_csv=results("multiverse/models.csv"),
        models=results("multiverse/models.parquet"),
        summary=results("multiverse/summary.json"),
        tests=report(
            results("multiverse/joint_tests.csv"),
            caption="../report/joint_tests_table.rst",
            category="07 Joint inference on the curve",
            labels={"table": "joint tests (CSV)"},
        ),
        curves=results("multiverse/joint_null_curves.csv"),
    log:
        results("logs/analysis/finalize_multiverse.log"),
    benchmark:
        results("benchmarks/analysis/finalize_multiverse.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        inference=config["inference"],
    script:
        "../scripts/finalize_multiverse.py"


rule influence:
    input:
        models=results("multiverse/models.parquet"),
    output:
        influence=report(
            results("multiverse/influence.csv"),
            caption="../report/influence_table.rst",
            category="08 Which choices matter",
            labels={"table": "influence (CSV)"},
        ),
        variance=results("multiverse/variance_decomposition.csv"),
    log:
        results("logs/analysis/influence.log"),
    benchmark:
        results("benchmarks/analysis/influence.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/influence.py"


rule paper_nulls:
    input:
        specs=results("multiverse/specifications.parquet"),
        variants=LAYOUT.scenario_variants,
        table2=results("replication/table2.csv"),
    output:
        draws=results("multiverse/paper_nulls/{scenario}_draws.csv"),
        tests=results("multiverse/paper_nulls/{scenario}_tests.csv"),
    log:
        results("logs/analysis/paper_nulls/{scenario}.log"),
    benchmark:
        results("benchmarks/analysis/paper_nulls/{scenario}.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        seed=config["seed"],
        inference=config["inference"],
    script:
        "../scripts/paper_nulls.py"
