# Stage: explore. Every specification within reach: the run's provenance, an offline
# explorer page of every model, specr-style summaries per choice and sample sizes, and the
# specification table under broom / specr column names for R (docs/r.md).
from pathlib import Path

from specverse.study.provenance import applied_configfiles

# no colon: Snakemake turns each category into an rst target ".. _<name>: ...", which a
# colon would cut short, breaking the link to it from the report's section list
EXPLORE = "11 Every specification - explorer and tables"


rule provenance:
    input:
        # the data file the run reads (a user's CSV, or the shipped public figures)
        data=build_dataset_inputs()[0],
        configs=workflow.configfiles,
        # re-recorded whenever the table is rebuilt, so the commit is the one that built it
        table=run_record_input(),
    output:
        results("provenance.json"),
    log:
        results("logs/explore/provenance.log"),
    benchmark:
        results("benchmarks/explore/provenance.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        configfiles=applied_configfiles(
            workflow.configfiles, workflow.overwrite_configfiles, workflow.basedir
        ),
        # the repository whose commit made the run (not a file prefix)
        root=lambda w: workflow.basedir,
    script:
        "../scripts/provenance.py"


rule explorer:
    input:
        models=results("multiverse/models.parquet"),
        provenance=results("provenance.json"),
        codebook=results("data/codebook.csv"),
    output:
        # not in the Snakemake report: the report embeds each file as a data: URL, and
        # Chromium shows none longer than 2 MB (this page is 2 MB with 1,000 models, 5 MB
        # with 62,000: tried, a blank pane); the report's front page links to it instead
        results("explorer.html"),
    log:
        results("logs/explore/explorer.log"),
    benchmark:
        results("benchmarks/explore/explorer.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
        run=Path(RESULTS).name,
    script:
        "../scripts/explorer.py"


rule choice_summary:
    input:
        models=results("multiverse/models.parquet"),
        codebook=results("data/codebook.csv"),
    output:
        csv=results("multiverse/choice_summary.csv"),
        html=report(
            results("report/choice_summary.html"),
            caption="../report/choice_summary_table.rst",
            category=EXPLORE,
            labels={"table": "summary per choice"},
        ),
    log:
        results("logs/explore/choice_summary.log"),
    benchmark:
        results("benchmarks/explore/choice_summary.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/choice_summary.py"


rule figure_choices:
    input:
        models=results("multiverse/models.parquet"),
        codebook=results("data/codebook.csv"),
    output:
        png=report(
            results("figures/choices_{scenario}.png"),
            caption="../report/choices.rst",
            category=EXPLORE,
            labels={"scenario": "{scenario}", "figure": "what each choice does"},
        ),
        pdf=results("figures/choices_{scenario}.pdf"),
        csv=results("figures/choices_{scenario}.csv"),
        n_png=report(
            results("figures/samplesize_{scenario}.png"),
            caption="../report/samplesize.rst",
            category=EXPLORE,
            labels={
                "scenario": "{scenario}",
                "figure": "sample sizes along the curves",
            },
        ),
        n_pdf=results("figures/samplesize_{scenario}.pdf"),
        n_csv=results("figures/samplesize_{scenario}.csv"),
    log:
        results("logs/explore/figure_choices/{scenario}.log"),
    benchmark:
        results("benchmarks/explore/figure_choices/{scenario}.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
    script:
        "../scripts/figure_choices.py"


rule broom_export:
    input:
        specs=results("multiverse/specifications.parquet"),
    output:
        results("multiverse/specifications_broom.csv"),
    log:
        results("logs/explore/broom_export.log"),
    benchmark:
        results("benchmarks/explore/broom_export.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        studentized=config["inference"]["se_type"],
    script:
        "../scripts/broom_export.py"
