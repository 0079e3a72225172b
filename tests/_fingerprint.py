"""Fingerprints of a run's result tables, to hold a refactor to "same results as before".

A fingerprint is the sha256 of a table's canonical text with every number rounded to 10
significant digits: a change of the results changes it, while the last-bit differences
that another CPU's BLAS kernels may give (CI runs on a fresh machine) do not.  Logs,
benchmarks and dated formats (HTML, PDF, PNG) are not results.

    python tests/_fingerprint.py RESULTS_DIR > tests/golden/test_config.json

records the fingerprints of a run of config/test.yaml; the golden file changes only in a
commit that changes results on purpose and says so.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SUFFIXES = {".csv", ".json", ".parquet", ".md", ".tex"}
#: Run records, and the fan-out cells (their rows are the specification table's, whose
#: fingerprint covers them; their row order follows the batching).
SKIP_DIRS = {"logs", "benchmarks", "cells"}
DIGITS = 10


def _round(x: float):
    if not isinstance(x, float) or not math.isfinite(x) or x == 0.0:
        return x
    return float(f"{x:.{DIGITS - 1}e}")


def _frame_text(df: pd.DataFrame) -> str:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [_round(v) for v in out[col].to_numpy(dtype=float)]
    return "\t".join(map(str, out.columns)) + "\n" + out.astype(str).to_csv(sep="\t", index=False, header=False)


def _json_round(obj):
    if isinstance(obj, dict):
        return {k: _json_round(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_round(v) for v in obj]
    return _round(obj)


def fingerprint(path: Path) -> str:
    if path.suffix == ".csv":
        text = _frame_text(pd.read_csv(path, keep_default_na=False, na_values=[""]))
    elif path.suffix == ".parquet":
        text = _frame_text(pd.read_parquet(path))
    elif path.suffix == ".json":
        text = json.dumps(_json_round(json.loads(path.read_text())), sort_keys=True)
    else:  # .md / .tex: numbers are already printed at a fixed precision
        text = path.read_text()
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprints(results: Path) -> dict[str, str]:
    results = Path(results)
    out = {}
    for path in sorted(results.rglob("*")):
        rel = path.relative_to(results)
        if path.is_file() and path.suffix in SUFFIXES and not (set(rel.parts) & SKIP_DIRS):
            out[rel.as_posix()] = fingerprint(path)
    return out


def differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """Human-readable list of files missing, added or changed."""
    lines = [f"missing: {p}" for p in sorted(set(expected) - set(actual))]
    lines += [f"new: {p}" for p in sorted(set(actual) - set(expected))]
    lines += [f"changed: {p}" for p in sorted(set(expected) & set(actual)) if expected[p] != actual[p]]
    return lines


if __name__ == "__main__":
    np.seterr(all="ignore")
    json.dump(fingerprints(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
