"""Shared test fixtures: the one generator of made-up areas.

Every value here is simulated for testing; nothing describes real areas.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from specverse.study.schema import LA_TYPES, SCHEMA_COLUMNS

from _workflow_sandbox import TEST_RUN

REPO = Path(__file__).resolve().parents[1]


def fake_areas(n: int = 60, seed: int = 7, scenarios=None) -> pd.DataFrame:
    """``n`` made-up areas that follow the analysis schema.

    Without ``scenarios``: a user's file (one row per area, no scenario column); a third
    of the areas without a target, a few targets unknown, some LSP-preferred baselines.
    With ``scenarios``: the analysis table, one row per area x scenario; the areas and
    their controls and target choices are shared, each scenario redraws the NI1 figures
    and the targets, as the embedded scenarios do.
    """
    rng = np.random.default_rng(seed)
    target_on = (rng.uniform(size=n) < 0.6).astype(int)
    target_on[:4] = [1, 1, 0, 0]
    frame = pd.DataFrame({
        "area_code": [f"X{i:05d}" for i in range(n)],
        "area_name": [f"Area {i}" for i in range(n)],
        "la_type": np.array(LA_TYPES)[np.arange(n) % 4],
        "target_on": target_on,
    })
    _survey_and_targets(frame, rng)
    frame["deprivation"] = rng.uniform(5, 45, n)
    frame["ethnic_diversity"] = rng.uniform(300, 8000, n)
    frame["age_diversity"] = rng.normal(8700, 60, n)
    frame["social_class_diversity"] = rng.normal(8780, 60, n)
    frame["population"] = rng.integers(30_000, 1_300_000, n)
    frame["population_density"] = rng.uniform(50, 15_000, n)
    frame["population_growth"] = rng.normal(0.7, 0.8, n)
    frame["nrf_area"] = rng.integers(0, 2, n)
    frame = frame[list(SCHEMA_COLUMNS)]
    if scenarios is None:
        return frame
    parts = []
    for i, scenario in enumerate(scenarios):
        part = frame.copy()
        # [seed, 0] would repeat the stream of seed itself (SeedSequence drops trailing
        # zeros), tying the NI1 draws to the target choices: start at 1
        _survey_and_targets(part, np.random.default_rng([seed, 1 + i]))
        part["scenario"] = scenario
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _survey_and_targets(frame: pd.DataFrame, rng) -> None:
    """NI1 2006 and 2008, the LSP-preferred baselines and the 2011 targets, in place."""
    n = len(frame)
    on = frame["target_on"].to_numpy() == 1
    ni1_2006 = rng.uniform(55, 90, n)
    frame["ni1_2006"] = ni1_2006
    frame["ni1_2008"] = np.clip(ni1_2006 + rng.normal(-2, 4, n), 1, 99)
    target = np.where(on, np.clip(ni1_2006 + rng.normal(1, 4, n), 1, 99), np.nan)
    target[np.flatnonzero(on)[:3]] = np.nan  # unknown targets
    frame["target_2011"] = target
    frame["ni1_2006_lsp"] = np.where(rng.uniform(size=n) < 0.1, ni1_2006 - 2, np.nan)


@pytest.fixture(scope="session")
def make_areas():
    """The generator itself, for tests that need other sizes or seeds."""
    return fake_areas


def read_config(name: str = "config.yaml") -> dict:
    """config/config.yaml, overlaid (recursively, lists replaced) by another config file as
    ``snakemake --configfile`` does."""
    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    if name != "config.yaml":
        _merge(base, yaml.safe_load((REPO / "config" / name).read_text()))
    return base


def _merge(base, extra):
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


@pytest.fixture(scope="session")
def load_config():
    """Reads a config of config/ as snakemake would overlay it on config.yaml."""
    return read_config


@pytest.fixture(scope="session")
def test_config_run(tmp_path_factory):
    """config/test.yaml run end to end, report included, in a temporary copy of the
    repository (shared by the slow tests of the "workflow" xdist group)."""
    work = tmp_path_factory.mktemp("test_config_run") / "repo"
    ignore = shutil.ignore_patterns(".venv", "results", ".snakemake", ".git", "__pycache__", ".pytest_cache",
                                    "*.egg-info")
    shutil.copytree(REPO, work, ignore=ignore, symlinks=True)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    snake = [sys.executable, "-m", "snakemake", "--configfile", "config/test.yaml"]
    for args, timeout in (([*snake, "--cores", "2"], 1800), ([*snake, "--cores", "1", "--report",
                                                                f"{TEST_RUN}/report.html"], 600)):
        proc = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
        assert proc.returncode == 0, proc.stderr[-4000:]
    return work
