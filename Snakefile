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
include: "workflow/rules/analysis.smk"
include: "workflow/rules/calibration.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/audit.smk"
include: "workflow/rules/verdict.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        final_outputs,
