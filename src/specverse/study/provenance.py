"""provenance.json: which data file, config files and commit produced a run.

The report's front page and the explorer show it, so a reader can tell two runs apart
and trace a number back to its inputs.  The commit is read from git when the workflow
runs inside a git work tree; a copy without ``.git`` (or without git installed) records
``null`` rather than failing: the checksums of the data and the configs still pin the run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

#: The keys of provenance.json, in order (the report renders them).
KEYS = ("data_file", "data_sha256", "config_files", "git_commit", "git_dirty", "created_utc",
        "specverse_version")


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_state(root: str | os.PathLike) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git work tree holding ``root``; (None, None) outside one.

    Dirty means tracked or untracked changes besides ignored files (results/ is ignored),
    so a run from uncommitted code says so.
    """
    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(["git", "-C", os.fspath(root), *args], capture_output=True,
                                  text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return proc.stdout if proc.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = git("status", "--porcelain")
    return commit.strip(), None if status is None else bool(status.strip())


def package_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("specverse")
    except PackageNotFoundError:
        return None


def applied_configfiles(configfiles: Iterable[str | os.PathLike], overrides: Iterable[str | os.PathLike],
                        root: str | os.PathLike = ".") -> list[str]:
    """Snakemake's ``workflow.configfiles`` in the order they apply: the Snakefile's own
    (``configfile:``) first, then each ``--configfile`` (``overrides``), later ones winning.

    Snakemake lists the command line's files first, as absolute paths; they are given
    here relative to ``root`` (the workflow folder) when inside it.
    """
    base = Path(root).absolute()

    def shown(path) -> str:
        path = Path(path)
        full = path if path.is_absolute() else base / path
        return full.relative_to(base).as_posix() if full.is_relative_to(base) else full.as_posix()

    files = [shown(p) for p in configfiles]
    later = [shown(p) for p in overrides]
    return list(dict.fromkeys([*[f for f in files if f not in later], *[f for f in later if f in files]]))


def provenance(data_file: str | os.PathLike, config_files: Iterable[str | os.PathLike], *,
               root: str | os.PathLike = ".", now: datetime | None = None) -> dict:
    """The provenance record of a run (keys :data:`KEYS`).

    Paths are recorded as given (relative to the workflow folder when relative), config
    files in the order Snakemake applied them (later ones override earlier ones).
    """
    commit, dirty = git_state(root)
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {
        "data_file": Path(data_file).as_posix(),
        "data_sha256": sha256_file(data_file),
        "config_files": [{"path": Path(p).as_posix(), "sha256": sha256_file(p)} for p in config_files],
        "git_commit": commit,
        "git_dirty": dirty,
        "created_utc": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "specverse_version": package_version(),
    }


def display(record: dict) -> dict[str, str]:
    """One line of text per key, for a page header (the explorer's)."""
    configs = "; ".join(f"{c['path']} (sha256 {c['sha256'][:12]}…)" for c in record["config_files"])
    commit = record["git_commit"] or "unknown (not run from a git work tree)"
    if record["git_commit"] and record["git_dirty"]:
        commit += " with uncommitted changes"
    return {
        "data file": record["data_file"],
        "data sha256": record["data_sha256"],
        "config": configs or "none",
        "git commit": commit,
        "built (UTC)": record["created_utc"],
        "specverse": record["specverse_version"] or "unknown",
    }
