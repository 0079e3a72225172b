# Stage: replicate. The paper's Table 1 and Table 2 (Models 1-3) per scenario, beside the
# published numbers; tables on simulated columns carry a note saying so.


rule replicate_tables:
    input:
        analysis=results("data/analysis.csv"),
        codebook=results("data/codebook.csv"),
    output:
        table1=results("replication/table1.csv"),
        table1_md=results("replication/table1.md"),
        table2=results("replication/table2.csv"),
        table2_md=results("replication/table2.md"),
        table2_tex=results("replication/table2.tex"),
        fit=results("replication/table2_fit.csv"),
    log:
        results("logs/replicate/replicate_tables.log"),
    benchmark:
        results("benchmarks/replicate/replicate_tables.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        se_type=config["replication"]["se_type"],
    script:
        "../scripts/replicate_tables.py"
