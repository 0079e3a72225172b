# Shared helpers: config validation, the scenario list, and the registry of final targets.
# Each stage file adds its outputs to TARGETS; rule all asks for all of them.
from snakemake.utils import validate


validate(config, schema="../schemas/config.schema.yaml")

TARGETS = {}


def final_outputs():
    return [path for stage in TARGETS.values() for path in stage]


def scenarios():
    """Embedded data yields the simulated scenarios; a user's file is the one observed scenario."""
    if config["data"]["source"] == "csv":
        return ["observed"]
    return list(config["data"]["scenarios"])
