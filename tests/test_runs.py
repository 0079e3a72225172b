"""Each run writes under results/<data>-<config>: runs never mix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from specverse.study.runs import merged_config, run_dir, run_name

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("config, files, expected", [
    ({"data": {"source": "embedded"}}, [], "embedded-default"),
    ({"data": {"source": "embedded"}}, ["config/config.yaml"], "embedded-default"),
    ({"data": {"source": "embedded"}}, ["config/test.yaml"], "embedded-test"),
    ({"data": {"source": "csv", "path": "/home/me/My Areas 2008.csv"}}, ["my.yaml"], "My_Areas_2008-my"),
    ({"data": {"source": "csv", "path": "areas.csv"}}, ["config/test.yaml", "mine.yaml"], "areas-test+mine"),
    # the same data and last file, but another layering: another run, never the same folder
    ({"data": {"source": "csv", "path": "areas.csv"}}, ["mine.yaml"], "areas-mine"),
    ({"data": {"source": "embedded"}}, ["config/full.yaml", "config/test.yaml"], "embedded-full+test"),
    ({"run": "pilot.v2", "data": {"source": "csv", "path": "areas.csv"}}, ["mine.yaml"], "pilot.v2"),
])
def test_run_names(config, files, expected):
    assert run_name(config, files) == expected
    assert run_dir(config, files) == f"results/{expected}"


def test_a_run_name_must_be_a_folder_name():
    with pytest.raises(ValueError, match="'run'"):
        run_name({"run": "../elsewhere"})


def test_make_and_snakemake_agree(tmp_path):
    """`python -m specverse.study.runs FILE` (what make uses) merges config.yaml and the
    file as snakemake does, and names the same folder."""
    (tmp_path / "mine.yaml").write_text("data:\n  source: csv\n  path: data/theirs.csv\n")
    out = subprocess.run([sys.executable, "-m", "specverse.study.runs", str(tmp_path / "mine.yaml")], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "results/theirs-mine"
    assert merged_config([tmp_path / "mine.yaml"], REPO)["inference"]["draws"] == 999  # the default's keys kept
    default = subprocess.run([sys.executable, "-m", "specverse.study.runs"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.strip()
    assert default == "results/embedded-default"
