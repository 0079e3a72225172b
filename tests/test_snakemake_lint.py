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


def _report_calls(text):
    """The argument text of every report(...) call (parentheses balanced)."""
    calls, start = [], text.find("report(")
    while start != -1:
        depth, i = 0, start + len("report")
        while True:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        calls.append(text[start:i + 1])
        start = text.find("report(", i)
    return calls


def test_every_report_item_is_labelled():
    """Snakemake's report lists a category as a table of labels only when every item in it has
    labels; one unlabelled item turns the whole category into raw file paths."""
    unlabelled = [f"{path.name}: {call.splitlines()[1].strip()}" for path in smk_files()
                  for call in _report_calls(path.read_text()) if "labels=" not in call]
    assert not unlabelled, unlabelled
    assert sum(len(_report_calls(p.read_text())) for p in smk_files()) >= 20
