# Stage: data. The analysis dataset (one row per area x scenario) and its codebook, from
# the committed public figures plus simulated columns, or from a user's own CSV.
from snakemake.exceptions import WorkflowError


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


validate_user_data(config)


rule build_dataset:
    input:
        build_dataset_inputs(),
    output:
        analysis="results/data/analysis.csv",
        codebook="results/data/codebook.csv",
    log:
        "results/logs/data/build_dataset.log",
    benchmark:
        "results/benchmarks/data/build_dataset.tsv"
    params:
        seed=config["seed"],
        data=config["data"],
    script:
        "../scripts/build_dataset.py"


TARGETS["data"] = ["results/data/analysis.csv", "results/data/codebook.csv"]
