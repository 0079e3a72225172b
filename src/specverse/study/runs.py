"""Where a run writes: ``results/<run>/``, named for its data and its config, so that the
outputs (and the report) of two runs never mix.

The name is ``<data>-<config>``: ``embedded`` or the stem of the user's CSV, then the stems
of the ``--configfile`` files joined by ``+`` (``default`` for config/config.yaml alone), so
``test.yaml mine.yaml`` and ``mine.yaml`` alone are two runs.  ``run: NAME`` in
a config names the run explicitly -- needed when one config file is run with different
``--config`` overrides.  Pure Python: the Snakefile and ``make`` (through ``python -m
specverse.study.runs``) compute the same name.

    python -m specverse.study.runs [CONFIGFILE ...]   # prints results/<run>
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Mapping, Sequence

RESULTS_ROOT = "results"
DEFAULT_CONFIG = "config/config.yaml"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def run_name(config: Mapping, configfiles: Sequence[str | Path] = ()) -> str:
    """The run's folder name (see the module docstring)."""
    explicit = config.get("run")
    if explicit:
        if not _NAME.fullmatch(str(explicit)):
            raise ValueError(f"config key 'run': {explicit!r} is not a folder name (letters, digits, '_', '.', '-')")
        return str(explicit)
    data = config.get("data") or {}
    source = "embedded" if data.get("source", "embedded") == "embedded" else Path(str(data.get("path"))).stem
    configs = [Path(p) for p in configfiles if Path(p).as_posix() not in (DEFAULT_CONFIG, f"./{DEFAULT_CONFIG}")]
    setup = "+".join(_slug(c.stem) for c in configs) if configs else "default"
    return f"{_slug(source)}-{setup}"


def run_dir(config: Mapping, configfiles: Sequence[str | Path] = ()) -> str:
    """``results/<run>``: every output of the run lies below it."""
    return f"{RESULTS_ROOT}/{run_name(config, configfiles)}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_.") or "run"


def merged_config(configfiles: Sequence[str | Path], root: str | Path = ".") -> dict:
    """config/config.yaml updated by each file in turn, as Snakemake merges them (paths
    relative to the workflow's folder ``root``)."""
    import yaml

    config: dict = {}
    for path in [DEFAULT_CONFIG, *configfiles]:
        _update(config, yaml.safe_load((Path(root) / path).read_text()) or {})
    return config


def _update(base: dict, new: Mapping) -> None:
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _update(base[key], value)
        else:
            base[key] = value


if __name__ == "__main__":
    files = [a for a in sys.argv[1:] if a]
    print(run_dir(merged_config(files), files))
