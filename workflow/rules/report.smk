# Stage: report. The front page (the answer) and the HTML tables of the report; the report
# itself is built by Snakemake's reporting after the run:
#   snakemake --configfile ... --report results/<run>/report.html   (make run / make report)
# workflow.rst inlines report/front_page.html into the report's landing page, so the
# answer is the first thing a reader sees.


report: "../report/workflow.rst"


rule answer:
    input:
        summary=results("multiverse/summary.json"),
        models=results("multiverse/models.parquet"),
        joint=results("multiverse/joint_tests.csv"),
        influence=results("multiverse/influence.csv"),
        discrimination=results("audit/discrimination.csv"),
        verdict=results("verdict/verdict.md") if verdict_enabled() else [],
        codebook=results("data/codebook.csv"),
        provenance=results("provenance.json"),
        oster=paper_oster_tables(),
        headline=results("calibration/headline.json"),
    output:
        html=report(
            results("report/front_page.html"),
            caption="../report/front_page.rst",
            category="01 The answer",
            labels={"table": "answer: the verdict and one table per treatment"},
        ),
        markdown=results("report/answer.md"),
        table=results("report/answer.csv"),
        survivors=report(
            results("report/familywise_survivors.csv"),
            caption="../report/familywise_survivors.rst",
            category="10 How strong a hidden confounder would have to be",
            labels={"table": "Romano-Wolf survivors per choice (CSV)"},
        ),
    log:
        results("logs/report/answer.log"),
    benchmark:
        results("benchmarks/report/answer.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        # the run's folder, where the explorer sits beside the report
        run_dir=lambda w, output: str(Path(output.html).parents[1]),
    script:
        "../scripts/answer.py"


rule report_tables:
    input:
        joint=results("multiverse/joint_tests.csv"),
        table1=results("replication/table1.csv"),
        table2=results("replication/table2.csv"),
        fit=results("replication/table2_fit.csv"),
        influence=results("multiverse/influence.csv"),
        summary=results("multiverse/summary.json"),
        null_summary=results("audit/null_summary.csv"),
        discrimination=results("audit/discrimination.csv"),
        codebook=results("data/codebook.csv"),
    output:
        joint=report(
            results("report/joint_tests.html"),
            caption="../report/joint_tests_table.rst",
            category="07 Joint inference on the curve",
            labels={"table": "joint tests"},
        ),
        table1=report(
            results("report/table1.html"),
            caption="../report/table1_table.rst",
            category="02 Replication of the paper",
            labels={"table": "Table 1 (ours and published)"},
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
        summary=report(
            results("report/summary.html"),
            caption="../report/summary_table.rst",
            category="01 The answer",
            labels={"table": "summary per curve (summary.json)"},
        ),
        null_summary=report(
            results("report/audit_null_summary.html"),
            caption="../report/audit_null_summary_table.rst",
            category="03 Could the effect be mechanical? The audit",
            labels={"table": "null slopes per design"},
        ),
        discrimination=report(
            results("report/audit_discrimination.html"),
            caption="../report/audit_discrimination_table.rst",
            category="03 Could the effect be mechanical? The audit",
            labels={"table": "which families discriminate"},
        ),
    log:
        results("logs/report/report_tables.log"),
    benchmark:
        results("benchmarks/report/report_tables.tsv")
    conda:
        "../envs/specverse.yaml"
    script:
        "../scripts/report_tables.py"
