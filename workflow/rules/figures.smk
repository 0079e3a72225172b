# Stage: figures. Specification curves, joint inference on the curves, which choices
# matter, null distributions of the paper's models and Table 2 against the published one.
# Figures only read tables (specverse.figures); each script reads, draws, saves.
FIG_LABELS = {"scenario": "{scenario}", "treatment": "{treatment}"}


rule figure_curve:
    input:
        models=results("multiverse/models.parquet"),
        codebook=results("data/codebook.csv"),
        table2=results("replication/table2.csv"),
    output:
        png=report(
            results("figures/curve_{scenario}_{treatment}.png"),
            caption="../report/curve.rst",
            category="04 Specification curves",
            subcategory="{scenario}",
            labels={**FIG_LABELS, "figure": "specification curve"},
        ),
        pdf=results("figures/curve_{scenario}_{treatment}.pdf"),
        csv=results("figures/curve_{scenario}_{treatment}.csv"),
        p_png=report(
            results("figures/pvalues_{scenario}_{treatment}.png"),
            caption="../report/pvalues.rst",
            category="05 p-values by inference method",
            subcategory="{scenario}",
            labels={**FIG_LABELS, "figure": "p-values along the curve"},
        ),
        p_pdf=results("figures/pvalues_{scenario}_{treatment}.pdf"),
        p_csv=results("figures/pvalues_{scenario}_{treatment}.csv"),
    log:
        results("logs/figures/curve/{scenario}_{treatment}.log"),
    benchmark:
        results("benchmarks/figures/curve/{scenario}_{treatment}.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/figure_curve.py"


rule figure_joint:
    input:
        tests=results("multiverse/joint_tests.csv"),
        curves=results("multiverse/joint_null_curves.csv"),
        codebook=results("data/codebook.csv"),
    output:
        png=report(
            results("figures/joint_{scenario}.png"),
            caption="../report/joint.rst",
            category="07 Joint inference on the curve",
            labels={"scenario": "{scenario}", "figure": "observed curve vs null band"},
        ),
        pdf=results("figures/joint_{scenario}.pdf"),
        csv=results("figures/joint_{scenario}.csv"),
    log:
        results("logs/figures/joint/{scenario}.log"),
    benchmark:
        results("benchmarks/figures/joint/{scenario}.tsv")
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/figure_joint.py"


rule figure_influence:
    input:
        influence=results("multiverse/influence.csv"),
        variance=results("multiverse/variance_decomposition.csv"),
        codebook=results("data/codebook.csv"),
    output:
        png=report(
            results("figures/influence_{scenario}.png"),
            caption="../report/influence.rst",
            category="08 Which choices matter",
            labels={"scenario": "{scenario}", "figure": "influence of each choice"},
        ),
        pdf=results("figures/influence_{scenario}.pdf"),
        csv=results("figures/influence_{scenario}.csv"),
        var_png=report(
            results("figures/variance_{scenario}.png"),
            caption="../report/variance.rst",
            category="08 Which choices matter",
            labels={"scenario": "{scenario}", "figure": "variance decomposition"},
        ),
        var_pdf=results("figures/variance_{scenario}.pdf"),
        var_csv=results("figures/variance_{scenario}.csv"),
    log:
        results("logs/figures/influence/{scenario}.log"),
    benchmark:
        results("benchmarks/figures/influence/{scenario}.tsv")
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/figure_influence.py"


rule figure_nulls:
    input:
        draws=rules.paper_nulls.output.draws,
        tests=rules.paper_nulls.output.tests,
        codebook=results("data/codebook.csv"),
    output:
        png=report(
            results("figures/nulls_{scenario}.png"),
            caption="../report/nulls.rst",
            category="09 Null distributions of the paper's models",
            labels={"scenario": "{scenario}", "figure": "null distributions"},
        ),
        pdf=results("figures/nulls_{scenario}.pdf"),
        csv=results("figures/nulls_{scenario}.csv"),
    log:
        results("logs/figures/nulls/{scenario}.log"),
    benchmark:
        results("benchmarks/figures/nulls/{scenario}.tsv")
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/figure_nulls.py"


rule figure_table2:
    input:
        table2=results("replication/table2.csv"),
        codebook=results("data/codebook.csv"),
    output:
        png=report(
            results("figures/table2_coefficients.png"),
            caption="../report/table2.rst",
            category="02 Replication of the paper",
            labels={"figure": "Table 2: ours vs published"},
        ),
        pdf=results("figures/table2_coefficients.pdf"),
        csv=results("figures/table2_coefficients.csv"),
    log:
        results("logs/figures/table2.log"),
    benchmark:
        results("benchmarks/figures/table2.tsv")
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/figure_table2.py"


rule figure_confounding:
    input:
        models=results("multiverse/models.parquet"),
        contour=rules.paper_sensitivity.output.contour,
        points=rules.paper_sensitivity.output.points,
        codebook=results("data/codebook.csv"),
    output:
        png=report(
            results("figures/robustness_values_{scenario}.png"),
            caption="../report/robustness_values.rst",
            category="10 How strong a hidden confounder would have to be",
            labels={
                "scenario": "{scenario}",
                "figure": "robustness value along the curves",
            },
        ),
        pdf=results("figures/robustness_values_{scenario}.pdf"),
        csv=results("figures/robustness_values_{scenario}.csv"),
        contour_png=report(
            results("figures/contour_model3_{scenario}.png"),
            caption="../report/contour_model3.rst",
            category="10 How strong a hidden confounder would have to be",
            labels={
                "scenario": "{scenario}",
                "figure": "Model 3 sensitivity contours",
            },
        ),
        contour_pdf=results("figures/contour_model3_{scenario}.pdf"),
        contour_csv=results("figures/contour_model3_{scenario}.csv"),
    log:
        results("logs/figures/confounding/{scenario}.log"),
    benchmark:
        results("benchmarks/figures/confounding/{scenario}.tsv")
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/figure_confounding.py"
