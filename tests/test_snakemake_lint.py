"""The whole workflow is `snakemake --lint` clean and `snakefmt --check` clean."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


def _run(*cmd):
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True)


def smk_files():
    return [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]


def test_every_stage_file_is_checked():
    names = {p.name for p in smk_files()}
    assert {"Snakefile", "common.smk", "data.smk", "multiverse.smk"} <= names


def test_snakefmt_check_is_clean():
    proc = _run(BIN / "snakefmt", "--check", *smk_files())
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_snakemake_lint_is_clean():
    # The lint pass parses the workflow (and validates the config) but runs no job.
    proc = _run(BIN / "snakemake", "--lint", "--configfile", "config/test.yaml")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Lints for" not in out, out
