# Shared helpers: config validation, the scenario list, and the registry of final targets.
# Each stage file adds its outputs to TARGETS; rule all asks for all of them.
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from specverse.study.specs import scenario_options

validate(config, schema="../schemas/config.schema.yaml")

TARGETS = {}


def final_outputs():
    return [path for stage in TARGETS.values() for path in stage]


def scenarios():
    """Embedded data yields the simulated scenarios; a user's file is the one observed scenario."""
    return list(scenario_options(config["data"]))


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


# --- figures stage (MULTIVERSE and mv_variant_path come from multiverse.smk)


def fig_treatments():
    return list(MULTIVERSE.options["treatment"])


def fig_scenario_variants(wildcards):
    """The data variants of one scenario, one per configured baseline."""
    return [
        mv_variant_path(wildcards.scenario, baseline)
        for baseline in MULTIVERSE.options["baseline"]
    ]


def fig_paper_variant(wildcards):
    """The paper's own baseline (published) where configured, else the first one."""
    baselines = MULTIVERSE.options["baseline"]
    baseline = "published" if "published" in baselines else baselines[0]
    return mv_variant_path(wildcards.scenario, baseline)
