# Shared by every stage: the validated config and multiverse, the path layout, the input
# functions of the rules, and the one list of final targets (rule all).
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from specverse.study.config_check import config_error, config_problems
from specverse.study.plan import (
    ConfigError,
    build_multiverse,
    check_inference,
    check_table_layout,
)
from specverse.study.runs import run_dir
from specverse.study.workflow_layout import WorkflowLayout


def stop(message):
    """A user's mistake (config or data file): print the message alone and exit 1.
    Snakemake shows any exception raised while parsing with a traceback; SystemExit passes
    through it, before any job runs or anything is written."""
    print(message, file=sys.stderr)
    raise SystemExit(1)


# Every schema problem at once, each naming its key (Snakemake's validate stops at the
# first, after a dump of the schema and a traceback).
SCHEMA = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
CONFIGFILES = ["config/config.yaml", *workflow.overwrite_configfiles]
if problems := config_problems(config, SCHEMA):
    stop(config_error(problems, CONFIGFILES))
# Snakemake's validate then fills in the schema's defaults.
validate(config, schema="../schemas/config.schema.yaml")
try:
    MULTIVERSE = build_multiverse(config)
    check_inference(config)
    check_table_layout(config)
except ConfigError as err:
    stop(f"invalid multiverse configuration: {err}")
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


def calibration_threads(wildcards):
    """Up to 4 worker processes, at most half the run's cores. Snakemake reserves no cores:
    a job asking for all of them waits until every other job has finished, and on 2 cores
    the calibration then started only after the last estimation job, one core idle while
    that job ran (84 s of config/full.yaml's 601). On a cluster (no --cores), 4."""
    try:
        cores = workflow.cores
    except WorkflowError:
        return 4
    return max(1, min(4, int(cores) // 2))


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
    """Fail at parse time, before any job or output, when a user's CSV breaks the schema;
    its number of areas (None for the embedded data), which the verdict checks."""
    if config["data"]["source"] != "csv":
        return None
    from specverse.study.schema import SchemaError, validate_user_file

    try:
        return len(validate_user_file(config["data"]["path"]))
    except SchemaError as err:
        stop(str(err))


def build_dataset_inputs():
    """The user's file, or the committed public tables and their checksum manifest."""
    if config["data"]["source"] == "csv":
        return [config["data"]["path"]]
    return ["data/areas.csv", "data/areas_columns.csv", "data/MANIFEST.sha256"]


# --- the paper's own models


def paper_models_estimated():
    """The paper's own models (their null distributions, Oster's delta, the Model 3 contour)
    need its published baseline in the multiverse."""
    return "published" in MULTIVERSE.options["baseline"]


def paper_oster_tables():
    """Oster's delta of the paper's Models 2 and 3 per scenario, when they are estimated."""
    if not paper_models_estimated():
        return []
    return expand(
        results("multiverse/sensitivity/{scenario}_oster.csv"), scenario=scenarios()
    )


# --- verdict stage


def verdict_enabled():
    return config["verdict"]["enabled"]


def published_tables():
    """The three published tables the verdict is conditioned on (verdict.published, else the
    package's), validated at parse time like a user's data file: a malformed or
    inconsistent table, or a data file of other areas than the tables' study, stops the
    run, naming file, row and rule, before any job. As the verdict's inputs, an edited
    table re-runs it. An empty list when the verdict is off."""
    if not verdict_enabled():
        return []
    from specverse.study.verdict.published import (
        TABLE1,
        TABLE2,
        TABLE2_FIT,
        PublishedTableError,
        default_directory,
        read_published,
    )

    directory = config["verdict"]["published"] or default_directory()
    try:
        published = read_published(directory, config["verdict"]["target_areas"])
    except PublishedTableError as err:
        stop(f"config verdict.published: {err}")
    # USER_AREAS: the user's file, validated and counted by data.smk (included before)
    if USER_AREAS is not None and USER_AREAS != published.n_areas:
        stop(
            f"config verdict: the verdict conditions on published tables whose Models 1 and 2 have "
            f"N = {published.n_areas} areas ({Path(directory) / TABLE2_FIT}), but {config['data']['path']} "
            f"has {USER_AREAS}: it can only judge a study of the same areas. Point verdict.published at "
            "your own study's published tables (same format), or set verdict.enabled: false to run "
            "everything else without it."
        )
    return [str(Path(directory) / name) for name in (TABLE1, TABLE2, TABLE2_FIT)]


VERDICT_RULES = ("verdict", "figure_verdict", "verdict_calibration")


def verdict_is_off(wildcards):
    """Input of the verdict's rules when verdict.enabled is false (verdict.smk): asking for
    one stops the run with the reason, before any job runs or anything is written."""
    stop(
        "The verdict is off in this run's config (verdict.enabled: false), so neither it nor "
        "its validation can run. Set verdict.enabled: true (it needs published tables of the "
        "same areas as the data: verdict.published), or leave the target out."
    )


# --- final targets


def partitioned():
    """table.layout: partitioned -- the cells are the table; aggregates are streamed scans."""
    return config["table"]["layout"] == "partitioned"


def run_record_input():
    """What provenance.json is re-recorded after: the table the run built."""
    if partitioned():
        return results("multiverse/partitioned/summary.json")
    return results("multiverse/models.parquet")


def final_outputs(wildcards):
    """Every output of the run, from the rules' own output patterns."""
    if partitioned():
        return [
            *rules.build_dataset.output,
            *rules.replicate_tables.output,
            *LAYOUT.cell_files(),
            *rules.scan_table.output,
            *rules.provenance.output,
        ]
    per_scenario = dict(scenario=scenarios())
    per_curve = dict(scenario=scenarios(), treatment=treatments())
    targets = [
        *rules.build_dataset.output,
        *rules.replicate_tables.output,
        *rules.aggregate_multiverse.output,
        *rules.finalize_multiverse.output,
        *rules.influence.output,
        *rules.figure_table2.output,
        *expand(rules.figure_curve.output, **per_curve),
        *expand(rules.figure_joint.output, **per_scenario),
        *expand(rules.figure_influence.output, **per_scenario),
        *rules.audit_null.output,
        *rules.audit_discrimination.output,
        *rules.audit_figures.output,
        *rules.report_tables.output,
        *rules.answer.output,
        *rules.calibration.output,
        *rules.figure_calibration.output,
        *rules.provenance.output,
        *rules.explorer.output,
        *rules.choice_summary.output,
        *expand(rules.figure_choices.output, **per_scenario),
        *rules.broom_export.output,
    ]
    if paper_models_estimated():
        targets += expand(rules.figure_nulls.output, **per_scenario)
        targets += expand(rules.paper_sensitivity.output, **per_scenario)
        targets += expand(rules.figure_confounding.output, **per_scenario)
    if verdict_enabled():
        targets += [*rules.verdict.output, *rules.figure_verdict.output]
        if config["verdict"]["calibration"]["in_run"]:
            targets += rules.verdict_calibration.output
    return targets
