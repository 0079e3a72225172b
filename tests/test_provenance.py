"""provenance.json (specverse.study.provenance): checksums, config order, git state, and a
copy without git that records null instead of failing."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from specverse.study.provenance import KEYS, applied_configfiles, display, git_state, provenance

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


@pytest.fixture
def files(tmp_path):
    (tmp_path / "config").mkdir()
    data = tmp_path / "areas.csv"
    data.write_bytes(b"area_code,ni1_2008\nE1,75.2\n")
    default = tmp_path / "config" / "config.yaml"
    default.write_text("seed: 1\n")
    mine = tmp_path / "mine.yaml"
    mine.write_text("seed: 2\n")
    return tmp_path, data, default, mine


def _git(root: Path, *args: str) -> str:
    return subprocess.run([GIT, "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-c", "commit.gpgsign=false", *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_record_has_exactly_the_keys_and_true_checksums(files):
    root, data, default, mine = files
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    rec = provenance(data, [default, mine], root=root, now=now)
    assert tuple(rec) == KEYS
    assert rec["data_file"] == data.as_posix()
    assert rec["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert [c["path"] for c in rec["config_files"]] == [default.as_posix(), mine.as_posix()]
    assert rec["config_files"][1]["sha256"] == hashlib.sha256(b"seed: 2\n").hexdigest()
    assert rec["config_files"][0]["sha256"] != rec["config_files"][1]["sha256"]
    assert rec["created_utc"] == "2026-01-02T01:04:05Z"  # converted to UTC
    assert rec["specverse_version"]  # the installed package's version


def test_a_copy_without_git_records_null(files):
    root, data, default, _ = files
    assert git_state(root) == (None, None)
    rec = provenance(data, [default], root=root)
    assert rec["git_commit"] is None and rec["git_dirty"] is None
    assert "unknown" in display(rec)["git commit"]


@needs_git
def test_git_commit_and_dirty_state_are_read(files):
    root, data, default, _ = files
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "first")
    head = _git(root, "rev-parse", "HEAD")
    assert git_state(root) == (head, False)
    (root / "areas.csv").write_bytes(b"changed\n")
    assert git_state(root) == (head, True)
    rec = provenance(data, [default], root=root)
    assert rec["git_commit"] == head and rec["git_dirty"] is True
    assert display(rec)["git commit"] == f"{head} with uncommitted changes"


@needs_git
def test_ignored_files_do_not_make_the_tree_dirty(files):
    root, *_ = files
    (root / ".gitignore").write_text("results/\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "first")
    (root / "results").mkdir()
    (root / "results" / "x.csv").write_text("1\n")
    assert git_state(root)[1] is False


def test_config_files_in_the_order_they_apply(tmp_path):
    """Snakemake lists --configfile's (absolute) before the Snakefile's own; the record
    lists the Snakefile's first, then the command line's, relative to the workflow."""
    outside = tmp_path.parent / "elsewhere.yaml"
    listed = [str(tmp_path / "config/test.yaml"), str(outside), "config/config.yaml"]
    got = applied_configfiles(listed, [tmp_path / "config/test.yaml", outside], root=tmp_path)
    assert got == ["config/config.yaml", "config/test.yaml", outside.as_posix()]
    assert applied_configfiles(["config/config.yaml"], [], root=tmp_path) == ["config/config.yaml"]


def test_display_names_every_config_with_its_checksum(files):
    root, data, default, mine = files
    shown = display(provenance(data, [default, mine], root=root))
    assert shown["data sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert default.as_posix() in shown["config"] and mine.as_posix() in shown["config"]
    assert shown["config"].index(default.as_posix()) < shown["config"].index(mine.as_posix())
