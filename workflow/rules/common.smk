# Shared by every stage: the validated config and multiverse, the path layout, the input
# functions of the rules, and the one list of final targets (rule all).
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from specverse.study.plan import ConfigError, build_multiverse, check_inference
from specverse.study.runs import run_dir
from specverse.study.workflow_layout import WorkflowLayout

validate(config, schema="../schemas/config.schema.yaml")
try:
    MULTIVERSE = build_multiverse(config)
    check_inference(config)
except ConfigError as err:
    raise WorkflowError(f"invalid multiverse configuration: {err}") from None
# results/<data>-<config> (the schema checked `run`): two runs -- the demo data, a user's
# file, the test config -- never mix, and neither do their reports
RESULTS = run_dir(config, workflow.overwrite_configfiles)
LAYOUT = WorkflowLayout(MULTIVERSE, RESULTS)


def results(path):
    """A path inside this run's results folder."""
    return f"{RESULTS}/{path}"


wildcard_constraints:
    **LAYOUT.wildcard_constraints,


def scenarios():
    """Embedded data yields the simulated scenarios; a user's file is the one observed scenario."""
    return list(MULTIVERSE.options["scenario"])


def treatments():
    return list(MULTIVERSE.options["treatment"])


def plan_config():
    """The config sections the multiverse plan is built from (an estimation job's params)."""
    return {key: config[key] for key in ("data", "multiverse", "fan_out")}


# --- calibration stage


def calibration_scenario():
    """The scenario whose designs are calibrated: calibration.scenario, else a user's
    observed data, else the mechanical scenario (targets without effect), else the first.
    """
    chosen = config["calibration"].get("scenario")
    if chosen is not None:
        if chosen not in scenarios():
            raise WorkflowError(
                f"calibration.scenario {chosen!r} is not among the run's scenarios {scenarios()}"
            )
        return chosen
    return next(
        (s for s in ("observed", "mechanical") if s in scenarios()), scenarios()[0]
    )


def calibration_baseline():
    """calibration.baseline, else the paper's (published) baseline where configured."""
    baselines = list(MULTIVERSE.options["baseline"])
    chosen = config["calibration"].get("baseline") or (
        "published" if "published" in baselines else baselines[0]
    )
    if chosen not in baselines:
        raise WorkflowError(
            f"calibration.baseline {chosen!r} is not among multiverse.baseline {baselines}"
        )
    return chosen


# --- data stage


def validate_user_data(config):
    """Fail at parse time, before any job or output, when a user's CSV breaks the schema."""
    if config["data"]["source"] != "csv":
        return
    from specverse.study.schema import SchemaError, validate_user_file

    try:
        validate_user_file(config["data"]["path"])
    except SchemaError as err:
        raise WorkflowError(str(err)) from None


def build_dataset_inputs():
    """The user's file, or the committed public tables and their checksum manifest."""
    if config["data"]["source"] == "csv":
        return [config["data"]["path"]]
    return ["data/areas.csv", "data/areas_columns.csv", "data/MANIFEST.sha256"]


# --- final targets


def final_outputs(wildcards):
    """Every output of the default run, from the rules' own output patterns."""
    per_scenario = dict(scenario=scenarios())
    per_curve = dict(scenario=scenarios(), treatment=treatments())
    targets = [
        *rules.build_dataset.output,
        *rules.replicate_tables.output,
        *rules.aggregate_multiverse.output,
        *rules.finalize_multiverse.output,
        *expand(rules.paper_sensitivity.output, **per_scenario),
        *rules.influence.output,
        *rules.figure_table2.output,
        *expand(rules.figure_curve.output, **per_curve),
        *expand(rules.figure_joint.output, **per_scenario),
        *expand(rules.figure_influence.output, **per_scenario),
        *expand(rules.figure_confounding.output, **per_scenario),
        *rules.audit_null.output,
        *rules.audit_discrimination.output,
        *rules.audit_figures.output,
        *rules.report_tables.output,
        *rules.calibration.output,
        *rules.figure_calibration.output,
        *rules.verdict.output,
        *rules.figure_verdict.output,
    ]
    # The paper's own models need the published baseline among the configured ones.
    if "published" in MULTIVERSE.options["baseline"]:
        targets += expand(rules.figure_nulls.output, **per_scenario)
    return targets
