# Stage: figures. Specification curves, joint inference on the curves, which choices
# matter, null distributions of the paper's models and Table 2 against the published one.
# Library code: src/specverse/figures (one call per script in workflow/scripts/).
FIG_LABELS = {"scenario": "{scenario}", "treatment": "{treatment}"}
# Exact alternations of the configured options, as for the multiverse cells.
FIG_CONSTRAINTS = MV.constraints(("scenario", "treatment"))


rule joint_test:
    input:
        specs="results/multiverse/specifications.parquet",
        variants=fig_scenario_variants,
    output:
        tests="results/multiverse/joint/{scenario}/{treatment}_tests.csv",
        curves="results/multiverse/joint/{scenario}/{treatment}_curves.csv",
    log:
        "results/logs/figures/joint_test/{scenario}/{treatment}.log",
    benchmark:
        "results/benchmarks/figures/joint_test/{scenario}/{treatment}.tsv"
    wildcard_constraints:
        **FIG_CONSTRAINTS,
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
            "results/multiverse/joint/{scenario}/{treatment}_tests.csv",
            scenario=scenarios(),
            treatment=fig_treatments(),
        ),
        curves=expand(
            "results/multiverse/joint/{scenario}/{treatment}_curves.csv",
            scenario=scenarios(),
            treatment=fig_treatments(),
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
        "results/logs/figures/joint_tests_table.log",
    benchmark:
        "results/benchmarks/figures/joint_tests_table.tsv"
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/joint_tests_table.py"


rule influence:
    input:
        specs="results/multiverse/specifications.parquet",
    output:
        influence=report(
            "results/multiverse/influence.csv",
            caption="../report/influence_table.rst",
            category="5 Which choices matter",
            labels={"table": "influence (CSV)"},
        ),
        variance="results/multiverse/variance_decomposition.csv",
    log:
        "results/logs/figures/influence.log",
    benchmark:
        "results/benchmarks/figures/influence.tsv"
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/influence.py"


rule figure_curve:
    input:
        specs="results/multiverse/specifications.parquet",
        codebook="results/data/codebook.csv",
        table2="results/replication/table2.csv",
    output:
        png=report(
            "results/figures/curve_{scenario}_{treatment}.png",
            caption="../report/curve.rst",
            category="2 Specification curves",
            subcategory="{scenario}",
            labels={**FIG_LABELS, "figure": "specification curve"},
        ),
        pdf="results/figures/curve_{scenario}_{treatment}.pdf",
        p_png=report(
            "results/figures/pvalues_{scenario}_{treatment}.png",
            caption="../report/pvalues.rst",
            category="3 p-values by inference method",
            subcategory="{scenario}",
            labels={**FIG_LABELS, "figure": "p-values along the curve"},
        ),
        p_pdf="results/figures/pvalues_{scenario}_{treatment}.pdf",
    log:
        "results/logs/figures/curve/{scenario}_{treatment}.log",
    benchmark:
        "results/benchmarks/figures/curve/{scenario}_{treatment}.tsv"
    wildcard_constraints:
        **FIG_CONSTRAINTS,
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/figure_curve.py"


rule figure_joint:
    input:
        tests="results/multiverse/joint_tests.csv",
        curves="results/multiverse/joint_null_curves.csv",
        codebook="results/data/codebook.csv",
    output:
        png=report(
            "results/figures/joint_{scenario}.png",
            caption="../report/joint.rst",
            category="4 Joint inference on the curve",
            labels={"scenario": "{scenario}", "figure": "observed curve vs null band"},
        ),
        pdf="results/figures/joint_{scenario}.pdf",
    log:
        "results/logs/figures/joint/{scenario}.log",
    benchmark:
        "results/benchmarks/figures/joint/{scenario}.tsv"
    wildcard_constraints:
        **FIG_CONSTRAINTS,
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/figure_joint.py"


rule figure_influence:
    input:
        influence="results/multiverse/influence.csv",
        variance="results/multiverse/variance_decomposition.csv",
        codebook="results/data/codebook.csv",
    output:
        png=report(
            "results/figures/influence_{scenario}.png",
            caption="../report/influence.rst",
            category="5 Which choices matter",
            labels={"scenario": "{scenario}", "figure": "influence of each choice"},
        ),
        pdf="results/figures/influence_{scenario}.pdf",
        var_png=report(
            "results/figures/variance_{scenario}.png",
            caption="../report/variance.rst",
            category="5 Which choices matter",
            labels={"scenario": "{scenario}", "figure": "variance decomposition"},
        ),
        var_pdf="results/figures/variance_{scenario}.pdf",
    log:
        "results/logs/figures/influence/{scenario}.log",
    benchmark:
        "results/benchmarks/figures/influence/{scenario}.tsv"
    wildcard_constraints:
        **FIG_CONSTRAINTS,
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/figure_influence.py"


rule figure_nulls:
    input:
        variant=fig_paper_variant,
        table2="results/replication/table2.csv",
        specs="results/multiverse/specifications.parquet",
        codebook="results/data/codebook.csv",
    output:
        png=report(
            "results/figures/nulls_{scenario}.png",
            caption="../report/nulls.rst",
            category="6 Null distributions of the paper's models",
            labels={"scenario": "{scenario}", "figure": "null distributions"},
        ),
        pdf="results/figures/nulls_{scenario}.pdf",
    log:
        "results/logs/figures/nulls/{scenario}.log",
    benchmark:
        "results/benchmarks/figures/nulls/{scenario}.tsv"
    wildcard_constraints:
        **FIG_CONSTRAINTS,
    conda:
        "../envs/specverse.yaml"
    params:
        draws=config["inference"]["draws"],
        seed=config["seed"],
    script:
        "../scripts/figure_nulls.py"


rule figure_table2:
    input:
        table2="results/replication/table2.csv",
        codebook="results/data/codebook.csv",
    output:
        png=report(
            "results/figures/table2_coefficients.png",
            caption="../report/table2.rst",
            category="1 Replication of the paper",
            labels={"figure": "Table 2: ours vs published"},
        ),
        pdf="results/figures/table2_coefficients.pdf",
    log:
        "results/logs/figures/table2.log",
    benchmark:
        "results/benchmarks/figures/table2.tsv"
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/figure_table2.py"


TARGETS["figures"] = [
    "results/multiverse/joint_tests.csv",
    "results/multiverse/joint_null_curves.csv",
    "results/multiverse/influence.csv",
    "results/multiverse/variance_decomposition.csv",
    "results/figures/table2_coefficients.png",
    "results/figures/table2_coefficients.pdf",
    *expand(
        "results/figures/{kind}_{scenario}_{treatment}.{ext}",
        kind=["curve", "pvalues"],
        scenario=scenarios(),
        treatment=fig_treatments(),
        ext=["png", "pdf"],
    ),
    *expand(
        "results/figures/{kind}_{scenario}.{ext}",
        kind=["joint", "influence", "variance", "nulls"],
        scenario=scenarios(),
        ext=["png", "pdf"],
    ),
]
