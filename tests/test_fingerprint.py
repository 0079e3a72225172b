"""The golden-results fingerprint tolerates last-bit noise and nothing more."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import _fingerprint as fp


@pytest.fixture
def table():
    rng = np.random.default_rng(3)
    n = 10_000
    return pd.DataFrame({
        "id": [f"m{i:05d}" for i in range(n)],
        "estimate": rng.normal(0.5, 1.0, n),
        "centred": rng.normal(0, 1e-2, n),  # a difference of O(1) numbers: few reliable digits
        "p": np.round(rng.random(n), 3),
        "count": rng.integers(0, 50, n),
    })


def _diff(a: pd.DataFrame, b: pd.DataFrame, tmp_path) -> list[str]:
    a.to_parquet(tmp_path / "a.parquet")
    b.to_parquet(tmp_path / "b.parquet")
    return fp._same(fp.fingerprint(tmp_path / "a.parquet"), fp.fingerprint(tmp_path / "b.parquet"))


def test_last_bit_noise_and_cancellation_pass(table, tmp_path):
    noisy = table.copy()
    rng = np.random.default_rng(4)
    noisy["estimate"] *= 1 + 1e-13 * rng.standard_normal(len(table))
    noisy["centred"] += 1e-11 * rng.standard_normal(len(table))  # ~1e-9 relative: cancellation noise
    assert _diff(table, noisy, tmp_path) == []


@pytest.mark.parametrize("change", ["one_estimate", "one_p", "one_nan", "one_label", "one_count", "row_order"])
def test_any_real_change_fails(table, tmp_path, change):
    other = table.copy()
    if change == "one_estimate":
        other.loc[1234, "estimate"] += 1e-3
    elif change == "one_p":
        other.loc[77, "p"] += 0.001  # one bootstrap draw of 999 counted differently
    elif change == "one_nan":
        other.loc[5, "estimate"] = np.nan
    elif change == "one_label":
        other.loc[9, "id"] = "m99999"
    elif change == "one_count":
        other.loc[9, "count"] += 1
    else:
        other = other.iloc[np.r_[1, 0, 2 : len(other)]].reset_index(drop=True)
    assert _diff(table, other, tmp_path)


def test_json_floats_are_tolerant_and_its_structure_exact(tmp_path):
    doc = {"b": [0.1, 2.5, {"x": 1e-3}], "a": {"n": 150, "label": "ok"}}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    near = json.loads(json.dumps(doc))
    near["b"][0] *= 1 + 1e-14
    (tmp_path / "b.json").write_text(json.dumps(near))
    assert fp._same(fp.fingerprint(tmp_path / "a.json"), fp.fingerprint(tmp_path / "b.json")) == []
    for key, value in (("n", 151), ("label", "bad")):
        changed = json.loads(json.dumps(doc))
        changed["a"][key] = value
        (tmp_path / "c.json").write_text(json.dumps(changed))
        assert fp._same(fp.fingerprint(tmp_path / "a.json"), fp.fingerprint(tmp_path / "c.json"))
    changed = json.loads(json.dumps(doc))
    changed["b"][2]["x"] = 2e-3
    (tmp_path / "c.json").write_text(json.dumps(changed))
    assert fp._same(fp.fingerprint(tmp_path / "a.json"), fp.fingerprint(tmp_path / "c.json"))


def test_run_records_change_nothing_but_results_do(tmp_path):
    """provenance.json and the provenance section of a Markdown page (commit, time,
    config checksums) differ between any two runs; the results above them must not."""
    def run(root, commit, result):
        (root / "report").mkdir(parents=True)
        (root / "provenance.json").write_text(json.dumps({"git_commit": commit}))
        (root / "report" / "answer.md").write_text(
            f"# The answer\n\nmedian {result}\n\n{fp.RUN_RECORD_HEADING}\n\n- git commit: `{commit}`\n")
        return fp.fingerprints(root)

    a = run(tmp_path / "a", "abc", "0.829")
    assert set(a) == {"report/answer.md"}
    assert a == run(tmp_path / "b", "def", "0.829")
    assert a != run(tmp_path / "c", "abc", "0.830")
