# Stage: the partitioned table (table.layout: partitioned, config/all_subsets.yaml). The
# estimation cells are the specification table's Parquet partitions; one streamed scan
# (specverse.analysis.table_scan) writes the summary and which controls move the estimate.
# No job reads the whole table, so the whole-table stages (family inference, figures,
# explorer, report) are not part of this layout's run.


rule scan_table:
    input:
        cells=LAYOUT.cell_files(),
        codebook=results("data/codebook.csv"),
    output:
        summary=results("multiverse/partitioned/summary.json"),
        inclusion=results("multiverse/partitioned/control_inclusion.csv"),
    log:
        results("logs/multiverse/scan_table.log"),
    benchmark:
        results("benchmarks/multiverse/scan_table.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        inference=config["inference"],
        batch_rows=config["table"]["scan_batch_rows"],
    script:
        "../scripts/scan_table.py"
