# Stage: audit. Can survey sampling error or target-setting alone produce the stretch
# slope? Simulated datasets (seeded) anchored on results/data/analysis.csv; see docs/audit.md.


# The seed and the audit section: everything the audit's random streams derive from.
AUDIT_PARAMS = {"seed": config["seed"], "audit": dict(config["audit"])}


rule audit_null:
    input:
        analysis=results("data/analysis.csv"),
        codebook=results("data/codebook.csv"),
    output:
        draws=results("audit/null_slopes.csv"),
        summary=results("audit/null_summary.csv"),
        calibration=results("audit/calibration.csv"),
    log:
        results("logs/audit/audit_null.log"),
    benchmark:
        results("benchmarks/audit/audit_null.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        config=AUDIT_PARAMS,
    script:
        "../scripts/audit_null.py"


rule audit_discrimination:
    input:
        analysis=results("data/analysis.csv"),
    output:
        table=results("audit/discrimination.csv"),
    log:
        results("logs/audit/audit_discrimination.log"),
    benchmark:
        results("benchmarks/audit/audit_discrimination.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        config=AUDIT_PARAMS,
    script:
        "../scripts/audit_discrimination.py"


rule audit_figures:
    input:
        draws=results("audit/null_slopes.csv"),
        summary=results("audit/null_summary.csv"),
        calibration=results("audit/calibration.csv"),
        discrimination=results("audit/discrimination.csv"),
    output:
        null_png=report(
            results("figures/audit_null_slopes.png"),
            caption="../report/audit_null_slopes.rst",
            category="03 Could the effect be mechanical? The audit",
            labels={"figure": "null slopes of each target-setting rule"},
        ),
        null_pdf=results("figures/audit_null_slopes.pdf"),
        null_csv=results("figures/audit_null_slopes.csv"),
        disc_png=report(
            results("figures/audit_discrimination.png"),
            caption="../report/audit_discrimination.rst",
            category="03 Could the effect be mechanical? The audit",
            labels={"figure": "discrimination by family"},
        ),
        disc_pdf=results("figures/audit_discrimination.pdf"),
        disc_csv=results("figures/audit_discrimination.csv"),
        # every specification behind the family view: one row per family x baseline x outcome
        disc_detail=results("figures/audit_discrimination_detail.csv"),
    log:
        results("logs/audit/audit_figures.log"),
    benchmark:
        results("benchmarks/audit/audit_figures.tsv")
    conda:
        "../envs/specverse.yaml"
    params:
        config=AUDIT_PARAMS,
    script:
        "../scripts/audit_figures.py"
