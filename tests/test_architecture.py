"""The architecture as checks: the import contract, one home for fitting and drawing, file
sizes, option lists declared once, and the test configuration's results unchanged."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from specverse.engine import vocabulary
from specverse.study import plan

import _fingerprint
from _workflow_sandbox import TEST_RUN

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "specverse"
#: What only the engine may do: solve or decompose (numpy / scipy linear algebra), or
#: create or seed a random generator.
ENGINE_ONLY = re.compile(r"np\.linalg\.(?!LinAlgError)|scipy\.linalg|default_rng\(|np\.random\.(?!Generator)")
MAX_LINES = 450


def test_import_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "broken" in proc.stdout and " 0 broken" in proc.stdout


def test_only_the_engine_fits_or_draws():
    stray = []
    for path in SRC.rglob("*.py"):
        if path.is_relative_to(SRC / "engine"):
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if ENGINE_ONLY.search(line) and not line.lstrip().startswith("#"):
                stray.append(f"{path.relative_to(REPO)}:{i}: {line.strip()}")
    assert not stray, "linear algebra or random generators outside the engine:\n" + "\n".join(stray)


def test_no_source_file_is_too_long():
    """The package, the rule scripts, the data script and the benchmarks (tests excepted)."""
    sources = [*SRC.rglob("*.py"), *(REPO / "workflow" / "scripts").glob("*.py"), *(REPO / "bench").glob("*.py"),
               *(REPO / "data").glob("*.py")]
    assert len(sources) > 100
    long = {str(p.relative_to(REPO)): n for p in sources
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"files over {MAX_LINES} lines: {long}"


def _schema():
    return yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())["properties"]


def test_config_schema_enums_are_the_declared_option_lists():
    mv = _schema()["multiverse"]["properties"]
    declared = {
        "baseline": plan.BASELINES, "outcome": plan.OUTCOMES, "treatment": plan.TREATMENTS,
        "controls": plan.CONTROL_GROUPS, "sample": plan.SAMPLES, "estimator": plan.ESTIMATORS,
        "se_type": plan.SE_TYPES,
    }
    for dim, options in declared.items():
        assert set(mv[dim]["items"]["enum"]) == set(options), dim
        when = mv["exclusions"]["items"]["properties"]["when"]["properties"]
        if dim in when and "enum" in when[dim]["items"]:
            assert set(when[dim]["items"]["enum"]) == set(options), f"exclusions.when.{dim}"
    when = mv["exclusions"]["items"]["properties"]["when"]["properties"]
    assert set(when["scenario"]["items"]["enum"]) == set(plan.SCENARIOS)
    assert set(mv["exclusions"]["items"]["properties"]["if_data"]["enum"]) == set(plan.DATA_CONDITIONS)
    inference = _schema()["inference"]["properties"]
    assert set(inference["methods"]["items"]["enum"]) == set(vocabulary.RESAMPLING_METHODS)
    assert set(inference["wild_weights"]["enum"]) == set(vocabulary.WILD_WEIGHTS)
    assert set(inference["permutation"]["enum"]) == set(vocabulary.PERMUTATION_KINDS)
    assert set(inference["se_type"]["enum"]) == set(vocabulary.SE_TYPES)
    assert set(inference["headline"]["enum"]) == set(vocabulary.INFERENCE_METHODS)
    assert set(_schema()["replication"]["properties"]["se_type"]["enum"]) == set(vocabulary.SE_TYPES)
    assert set(_schema()["fan_out"]["items"]["enum"]) == set(plan.FAN_OUT_DIMENSIONS)


@pytest.mark.slow
@pytest.mark.xdist_group("workflow")
def test_test_config_results_are_the_recorded_ones(test_config_run):
    """Every result table of config/test.yaml equals the recorded fingerprint (text exact,
    floats to last-bit noise: tests/_fingerprint.py). A change of results on purpose updates tests/golden in the same
    commit, which says so: python tests/_fingerprint.py results > tests/golden/test_config.json"""
    expected = json.loads((REPO / "tests" / "golden" / "test_config.json").read_text())
    actual = _fingerprint.fingerprints(test_config_run / TEST_RUN)
    assert not _fingerprint.differences(expected, actual), _fingerprint.differences(expected, actual)
