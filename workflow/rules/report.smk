# Stage: report. HTML tables for the report; the report itself is built by Snakemake's
# reporting after the run:  snakemake --report results/report.html  (make run / make report).


report: "../report/workflow.rst"


rule report_tables:
    input:
        joint=results("multiverse/joint_tests.csv"),
        table2=results("replication/table2.csv"),
        fit=results("replication/table2_fit.csv"),
        influence=results("multiverse/influence.csv"),
        codebook=results("data/codebook.csv"),
    output:
        joint=report(
            results("report/joint_tests.html"),
            caption="../report/joint_tests_table.rst",
            category="07 Joint inference on the curve",
            labels={"table": "joint tests"},
        ),
        table2=report(
            results("report/table2.html"),
            caption="../report/table2_table.rst",
            category="02 Replication of the paper",
            labels={"table": "Table 2 (ours and published)"},
        ),
        influence=report(
            results("report/model_uncertainty.html"),
            caption="../report/model_uncertainty_table.rst",
            category="08 Which choices matter",
            labels={"table": "model uncertainty (Young & Holsteen)"},
        ),
    log:
        results("logs/report/report_tables.log"),
    benchmark:
        results("benchmarks/report/report_tables.tsv")
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/report_tables.py"
