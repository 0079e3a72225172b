# Stress-test of Andrews, Downe & Guarneros-Meza (LAAs and social cohesion) over every
# defensible specification. Stages live in workflow/rules/ (in the order data flows);
# the numerical work in src/specverse (docs/architecture.md).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/replicate.smk"
include: "workflow/rules/multiverse.smk"
include: "workflow/rules/table_scan.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/calibration.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/explore.smk"
include: "workflow/rules/audit.smk"
include: "workflow/rules/verdict.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        final_outputs,


# The end of a run says where the report, the explorer and the verdict are; a failure,
# which job's log to read (specverse.study.run_summary).
onsuccess:
    from specverse.study.run_summary import end_of_run

    # --config options on the command line, which make report cannot repeat
    overrides = bool(workflow.config_settings.config)
    logger.info(end_of_run(RESULTS, workflow.overwrite_configfiles, overrides))


onerror:
    from specverse.study.run_summary import failure_hint

    if hint := failure_hint(log):
        logger.error(hint)
