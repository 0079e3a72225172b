"""What the end of a run tells its user: where the run's folder, report and explorer are,
the verdict's opening, and after a failure which job's log to read.

Pure text from paths, so the Snakefile's ``onsuccess`` / ``onerror`` stay one line each.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from pathlib import Path
from typing import Sequence

from specverse.study.config_check import shown_path

WIDTH = 100
# A sentence ends at . ? or ! followed by a space and a capital (so 0.651 or e.g. do not end one).
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z\"'(])")


def report_command(configfiles: Sequence[str | Path], overrides: bool = False) -> str:
    """The command that builds this run's report: make report with the run's config files."""
    files = [shown_path(f) for f in configfiles]
    command = "make report" + (f" CONFIG={shlex.quote(' '.join(files))}" if files else "")
    return command + (" (repeat this run's --config options)" if overrides else "")


def verdict_opening(path: str | Path) -> str | None:
    """The verdict's first sentence, and the next one too when the first is a question
    (the answer follows it); None when the run wrote no verdict."""
    path = Path(path)
    if not path.is_file():
        return None
    for paragraph in path.read_text().split("\n\n"):  # the first paragraph of prose
        prose = " ".join(ln.strip() for ln in paragraph.splitlines()
                         if ln.strip() and not ln.lstrip().startswith(("#", "|", "<!--")))
        if prose:
            break
    else:
        return None
    sentences = _SENTENCE_END.split(re.sub(r"\*\*|`", "", prose))
    return " ".join(sentences[:2] if sentences[0].endswith("?") else sentences[:1])


def end_of_run(run_dir: str, configfiles: Sequence[str | Path], overrides: bool = False) -> str:
    """At most eight lines: the folder, the report and how to build it, the explorer if
    written, the verdict's opening if written."""
    run = Path(run_dir)
    partitioned = run / "multiverse" / "partitioned"
    if (partitioned / "summary.json").is_file():  # table.layout: partitioned has no report
        return "\n".join([f"Run complete. Everything is in {run}/",
                          f"  Table:    {run / 'multiverse' / 'cells'}/  (Parquet partitions: read them as one dataset)",
                          f"  Summary:  {partitioned / 'summary.json'}",
                          f"  Controls: {partitioned / 'control_inclusion.csv'}  (which controls move the estimate)"])
    lines = [f"Run complete. Everything is in {run}/",
             f"  Report:   {run / 'report.html'}  (build or refresh: {report_command(configfiles, overrides)})"]
    if (run / "explorer.html").is_file():
        lines.append(f"  Explorer: {run / 'explorer.html'}  (opens offline in a browser)")
    opening = verdict_opening(run / "verdict" / "verdict.md")
    if opening:
        text = textwrap.shorten(opening, width=3 * (WIDTH - 12), placeholder=" ...")
        lines += textwrap.wrap(text, WIDTH, initial_indent="  Verdict:  ", subsequent_indent=" " * 12)
    return "\n".join(lines)


def failure_hint(snakemake_logs: Sequence[str | Path]) -> str | None:
    """'read <log>' for each failed job, from Snakemake's own log(s) of the run (the
    ``log`` of ``onerror``); None when they name none."""
    text = "\n".join(Path(f).read_text(errors="replace") for f in snakemake_logs if Path(f).is_file())
    failed = []
    for block in re.split(r"\n(?=\S)", text):
        rule = re.match(r"Error in rule (\S+?):", block)
        logs = re.search(r"^\s+log: (.+?)(?: \(check log file\(s\) for error details\))?$", block, re.M)
        if rule and logs:
            failed.append(f"  rule {rule.group(1)}: read {logs.group(1).strip()}")
    if not failed:
        return None
    return "\n".join(["The run stopped. What the failed job(s) printed is in their logs:", *dict.fromkeys(failed)])

