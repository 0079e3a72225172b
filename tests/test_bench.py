"""The verdict simulator's benchmark runs and its peer computes the very same summaries
(the script refuses to time a peer whose numbers differ from ours)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_verdict_simulator_bench_reports_studies_per_second(tmp_path):
    out = tmp_path / "verdict.json"
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "verdict_simulator.py"), "--out", str(out),
                           "--rounds", "1", "--batch", "50", "--peer-studies", "8"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["simulated_studies_per_second"] > 0 and result["peer_studies_per_second"] > 0
    assert result["peer_max_relative_difference"] < 1e-8 and result["peer_studies"] >= 1
    assert "simulated studies/s" in proc.stdout
