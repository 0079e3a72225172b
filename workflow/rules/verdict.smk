# Stage: verdict. Which simulated worlds -- with and without an effect of targets --
# reproduce the paper's published Tables 1 and 2? (specverse.study.verdict, docs/verdict.md)
# Checked at parse time, after the data file (data.smk): the tables, and that the data are
# the same areas as the tables' study.
PUBLISHED_TABLES = published_tables()


if verdict_enabled():

    rule verdict:
        input:
            analysis=results("data/analysis.csv"),
            published=PUBLISHED_TABLES,
        output:
            posterior=results("verdict/posterior.csv"),
            particles=results("verdict/posterior_particles.csv"),
            probabilities=results("verdict/probabilities.csv"),
            models=report(
                results("verdict/model_probabilities.csv"),
                caption="../report/verdict_models.rst",
                category="01 The answer",
                labels={"table": "model probabilities (CSV)"},
            ),
            checks=results("verdict/predictive_checks.csv"),
            reachability=results("verdict/reachability.csv"),
            generations=results("verdict/generations.csv"),
            text=results("verdict/verdict.md"),
            info=results("verdict/run_info.json"),
        log:
            results("logs/verdict/verdict.log"),
        benchmark:
            results("benchmarks/verdict/verdict.tsv")
        conda:
            "../envs/specverse.yaml"
        params:
            config={"seed": config["seed"], "verdict": config["verdict"]},
        script:
            "../scripts/verdict.py"

    rule figure_verdict:
        input:
            particles=rules.verdict.output.particles,
            probabilities=rules.verdict.output.probabilities,
            checks=rules.verdict.output.checks,
            reachability=rules.verdict.output.reachability,
            posterior=rules.verdict.output.posterior,
        output:
            posterior=report(
                results("figures/verdict_posterior.png"),
                caption="../report/verdict_posterior.rst",
                category="01 The answer",
                labels={"figure": "posterior of the two effects"},
            ),
            checks=report(
                results("figures/verdict_checks.png"),
                caption="../report/verdict_checks.rst",
                category="01 The answer",
                labels={"figure": "predictive checks"},
            ),
            reachability=report(
                results("figures/verdict_reachability.png"),
                caption="../report/verdict_reachability.rst",
                category="01 The answer",
                labels={"figure": "reachability without an effect"},
            ),
            pdfs=[
                results(f"figures/verdict_{n}.pdf")
                for n in ("posterior", "checks", "reachability")
            ],
            csvs=[
                results("figures/verdict_posterior.csv"),
                results("figures/verdict_checks.csv"),
                results("figures/verdict_reachability.csv"),
            ],
        log:
            results("logs/figures/verdict.log"),
        benchmark:
            results("benchmarks/figures/verdict.tsv")
        conda:
            "../envs/specverse.yaml"
        script:
            "../scripts/figure_verdict.py"

    # The verdict's validation: coverage and simulation-based calibration on synthetic published
    # tables drawn from the prior (docs/verdict.md). About 4 minutes on 2 cores, so a stage of
    # every run only with verdict.calibration.in_run; otherwise on request (make validate-verdict).
    rule verdict_calibration:
        input:
            analysis=results("data/analysis.csv"),
            published=PUBLISHED_TABLES,
        output:
            table=results("verdict/calibration.csv"),
            summary=report(
                results("verdict/calibration_summary.csv"),
                caption="../report/verdict_calibration.rst",
                category="01 The answer",
                labels={"table": "validation of the verdict (CSV)"},
            ),
        log:
            results("logs/verdict/calibration.log"),
        benchmark:
            results("benchmarks/verdict/calibration.tsv")
        conda:
            "../envs/specverse.yaml"
        threads: config["verdict"]["calibration"]["workers"]
        params:
            config={"seed": config["seed"], "verdict": config["verdict"]},
        script:
            "../scripts/verdict_calibration.py"

else:
    # The verdict is off: its rules, asked for by name (make validate-verdict), stop the
    # run with the reason while the DAG is built, before any job runs.
    for _name in VERDICT_RULES:

        rule:
            name:
                _name
            input:
                verdict_is_off,
