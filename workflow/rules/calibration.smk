# Stage: calibration. Size and coverage of every inference method on the study's own
# designs (specverse.analysis.calibration): the evidence inference.headline rests on.


rule calibration:
    input:
        variant=LAYOUT.variant_path(calibration_scenario(), calibration_baseline()),
    output:
        size_table=report(
            results("calibration/size.csv"),
            caption="../report/calibration_size.rst",
            category="06 Which inference to trust",
            labels={"table": "size of every method (CSV)"},
        ),
        coverage=results("calibration/coverage.csv"),
        designs=results("calibration/designs.csv"),
        diagnostics=results("calibration/diagnostics.csv"),
        headline=results("calibration/headline.json"),
    log:
        results("logs/calibration/calibration.log"),
    benchmark:
        results("benchmarks/calibration/calibration.tsv")
    priority: 1
    conda:
        "../envs/specverse.yaml"
    # one of the longest jobs: its design x error model units spread over these cores
    # (calibration_threads: at most half the run's; the tables do not depend on them), and
    # started as soon as its data are, beside the estimation jobs, not after them
    threads: calibration_threads
    params:
        calibration=config["calibration"],
        seed=config["seed"],
        scenario=calibration_scenario(),
        baseline=calibration_baseline(),
        headline=config["inference"]["headline"],
        permutation=config["inference"]["permutation"],
    script:
        "../scripts/calibration.py"


rule figure_calibration:
    input:
        size_table=rules.calibration.output.size_table,
        coverage=rules.calibration.output.coverage,
        codebook=results("data/codebook.csv"),
    output:
        png=report(
            results("figures/calibration.png"),
            caption="../report/calibration.rst",
            category="06 Which inference to trust",
            labels={"figure": "size and coverage"},
        ),
        pdf=results("figures/calibration.pdf"),
        csv=results("figures/calibration.csv"),
    log:
        results("logs/figures/calibration.log"),
    benchmark:
        results("benchmarks/figures/calibration.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        alpha=config["inference"]["alpha"],
        scenario=calibration_scenario(),
    script:
        "../scripts/figure_calibration.py"
