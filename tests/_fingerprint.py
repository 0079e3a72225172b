"""Fingerprints of a run's result tables, to hold a refactor to "same results as before".

A table's fingerprint keeps everything exact except floating-point values: its column
names, the text of its non-float columns (ids, labels, statuses, counts) and where its
floats are missing, as hashes; and per float column two fixed random projections of its
values plus their scale.  Two runs match when the hashes are equal and every projection
agrees to RTOL of the column's scale.  So a change of any single number by more than
about RTOL x (sum of the column's magnitudes) fails, while the last-bit differences that
another CPU's BLAS kernels give do not -- even where a statistic loses digits to
cancellation (centred bootstrap estimates), which a hash of rounded digits cannot survive.
Logs, benchmarks and dated formats (HTML, PDF, PNG) are not results.

    python tests/_fingerprint.py RESULTS_DIR > tests/golden/test_config.json

records the fingerprints of a run of config/test.yaml; the golden file changes only in a
commit that changes results on purpose and says so.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from _workflow_sandbox import RUN_RECORD_FILES, RUN_RECORD_HEADING

SUFFIXES = {".csv", ".json", ".parquet", ".md", ".tex"}
#: Run records, and the fan-out cells (their rows are the specification table's, whose
#: fingerprint covers them; their row order follows the batching).
SKIP_DIRS = {"logs", "benchmarks", "cells"}
#: Records of when, from which commit and config files a run was made: they change with
#: every run and commit, never with the results. provenance.json is skipped; a Markdown
#: page's copy of it (report/answer.md) is cut at its heading.
SKIP_FILES = RUN_RECORD_FILES
RTOL = 1e-8
_PROJECTIONS = 2


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _weights(n: int) -> np.ndarray:
    """(n, 2) fixed weights in [1, 2): a projection is sensitive to every row."""
    return 1.0 + np.random.default_rng(20261130).random((n, _PROJECTIONS))


def _floats(values) -> dict:
    x = np.asarray(values, dtype=float)
    finite = np.isfinite(x)
    v = np.where(finite, x, 0.0)
    return {
        "missing": _sha(np.array2string(np.flatnonzero(~finite), threshold=sys.maxsize)
                        + np.array2string(np.sign(x[~finite]), threshold=sys.maxsize)),
        "scale": float(np.abs(v).sum()),
        "projections": [float(p) for p in v @ _weights(len(v))],
    }


def _table(df: pd.DataFrame) -> dict:
    out = {"columns": _sha("\t".join(map(str, df.columns))), "rows": len(df), "text": {}, "floats": {}}
    for col in df.columns:
        if pd.api.types.is_float_dtype(df[col]):
            out["floats"][str(col)] = _floats(df[col].to_numpy(dtype=float))
        else:
            out["text"][str(col)] = _sha("\n".join("" if pd.isna(v) else str(v) for v in df[col].astype(object)))
    return out


def _json_parts(obj, floats: list):
    """Parsed JSON with every float leaf replaced by a marker, the floats appended to
    ``floats`` in document order (keys sorted)."""
    if isinstance(obj, dict):
        return {k: _json_parts(v, floats) for k, v in sorted(obj.items())}
    if isinstance(obj, list):
        return [_json_parts(v, floats) for v in obj]
    if isinstance(obj, float):
        floats.append(obj)
        return "<float>"
    return obj


def fingerprint(path: Path) -> dict:
    if path.suffix == ".csv":
        return _table(pd.read_csv(path, keep_default_na=False, na_values=[""]))
    if path.suffix == ".parquet":
        return _table(pd.read_parquet(path))
    if path.suffix == ".json":
        floats: list[float] = []
        skeleton = _json_parts(json.loads(path.read_text()), floats)
        return {"text": {"structure": _sha(json.dumps(skeleton, sort_keys=True))},
                "floats": {"values": _floats(floats)}}
    # .md / .tex: numbers are already printed at a fixed precision
    return {"text": {"content": _sha(path.read_text().split(RUN_RECORD_HEADING)[0])}}


def fingerprints(results: Path) -> dict[str, dict]:
    results = Path(results)
    out = {}
    for path in sorted(results.rglob("*")):
        rel = path.relative_to(results)
        if (path.is_file() and path.suffix in SUFFIXES and not (set(rel.parts) & SKIP_DIRS)
                and path.name not in SKIP_FILES):
            out[rel.as_posix()] = fingerprint(path)
    return out


def _same(expected: dict, actual: dict) -> list[str]:
    """What differs between two fingerprints of one file ([] when they match)."""
    bad = [k for k in ("columns", "rows") if expected.get(k) != actual.get(k)]
    et, at = expected.get("text", {}), actual.get("text", {})
    bad += [f"text {c}" for c in sorted(set(et) | set(at)) if et.get(c) != at.get(c)]
    ef, af = expected.get("floats", {}), actual.get("floats", {})
    for col in sorted(set(ef) | set(af)):
        e, a = ef.get(col), af.get(col)
        if e is None or a is None or e["missing"] != a["missing"]:
            bad.append(f"floats {col} (columns or missing values)")
            continue
        tol = RTOL * max(e["scale"], a["scale"]) + 1e-300
        if not np.allclose(e["projections"], a["projections"], rtol=0.0, atol=2 * tol):
            bad.append(f"floats {col}")
    return bad


def differences(expected: dict, actual: dict) -> list[str]:
    """Human-readable list of files missing, added or changed (and what changed)."""
    lines = [f"missing: {p}" for p in sorted(set(expected) - set(actual))]
    lines += [f"new: {p}" for p in sorted(set(actual) - set(expected))]
    for p in sorted(set(expected) & set(actual)):
        what = _same(expected[p], actual[p])
        if what:
            lines.append(f"changed: {p}: {', '.join(what[:6])}")
    return lines


if __name__ == "__main__":
    np.seterr(all="ignore")
    json.dump(fingerprints(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
