"""The report's front page: the verdict first, then what the specifications say, one small
table per treatment curve, and where the numbers come from.

:func:`front_page` gives an HTML fragment that is also a valid standalone page (html,
head and body tags are optional in HTML5): the report's landing page inlines it into
its description (workflow/report/workflow.rst), where a document's head would be dropped,
and the report's "01 The answer" section shows the same file on its own.  Its styles are
scoped to ``.sv-answer`` so that, inlined, they touch nothing else of the report.
:func:`answer_markdown` renders the same content for a terminal or a code host.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from specverse.analysis.answer import curve_title

from .html_tables import fmt_count, fmt_number, fmt_p, fmt_share

ANCHOR = "specverse-answer"
STYLE = (
    # Inlined in the report's landing page, whose content pane centres its child
    # vertically: a description taller than the window would be cut off at the top with
    # no way to scroll there.  Align the pane that holds this page to the top instead.
    ".overflow-auto:has(#specverse-answer){align-items:flex-start}"
    ".sv-answer{font-family:sans-serif;font-size:14px;line-height:1.5;max-width:46em}"
    ".sv-answer h2{font-size:20px;margin:4px 0 6px}.sv-answer h3{font-size:16px;margin:16px 0 4px}"
    ".sv-answer h4{font-size:14px;margin:12px 0 2px}"
    ".sv-answer p{margin:4px 0 8px}.sv-answer .verdict{font-size:15px}"
    ".sv-answer table{border-collapse:collapse;font-size:12.5px;margin:2px 0;width:auto}"
    ".sv-answer th,.sv-answer td{border:1px solid #d4d4d4;padding:2px 6px;text-align:right;"
    "vertical-align:top}"
    ".sv-answer th{background:#f0f0f0}.sv-answer td{white-space:nowrap}"
    ".sv-answer .l{text-align:left;white-space:normal}"
    ".sv-answer tr.sec td{background:#f6f6f6;font-weight:600;text-align:left}"
    ".sv-answer .foot{font-size:12px;color:#555;margin:2px 0 10px}"
    ".sv-answer .note{color:#b30000;font-weight:bold;border:2px solid #b30000;padding:6px;margin:8px 0}"
    ".sv-answer code{font-size:12px;word-break:break-all}"
)
SECTIONS = {
    "effect": "Effect",
    "significance": "Share of specifications significant, by inference method",
    "joint": "Joint test of the whole curve",
    "robustness": "Robustness to the choice of specification",
    "confounding": "How strong a hidden confounder would have to be",
    "audit": "Audit: share of simulated datasets significant and positive",
}
_PREFIXES = ("significant: ", "joint test p: ")


def lead_sentences(verdict: str) -> tuple[str, str]:
    """The verdict's opening (its first sentence, and the answer after it when the first
    sentence is a question) and the rest."""
    text = " ".join(verdict.split())
    parts = re.split(r"(?<=[.?!])\s+(?=[A-Z\"'(])", text)
    n = 2 if parts[0].endswith("?") and len(parts) > 1 else 1
    return " ".join(parts[:n]), " ".join(parts[n:])


def _curves(answer: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(answer["treatment"], answer["term"])))


def curve_grid(answer: pd.DataFrame, curve: tuple[str, str]) -> tuple[list[str], list[tuple], list[str]]:
    """One curve's table: the scenario columns, rows ``(kind, label, cells)`` where kind is
    "section" (a heading row), "row" (one cell per scenario) or "span" (one cell for all
    scenarios: the audit's), and the footnotes."""
    part = answer[(answer["treatment"] == curve[0]) & (answer["term"] == curve[1])]
    scenarios = list(dict.fromkeys(part["scenario"].dropna()))
    rows, foot = [], []
    for section, sec in part.groupby("section", sort=False):
        rows.append(("section", SECTIONS.get(section, section), []))
        for quantity, g in sec.groupby("quantity" if section != "audit" else "design", sort=False):
            label = g["label"].iloc[0]
            for prefix in _PREFIXES:
                label = label.removeprefix(prefix)
            if section == "audit":
                r = g.iloc[0]
                cell = fmt_share(r["value"])
                if r["low"] != r["high"]:
                    cell += f" ({fmt_share(r['low'])}-{fmt_share(r['high'])})"
                rows.append(("span", label, [cell]))
                continue
            by = {r["scenario"]: r for _, r in g.iterrows()}
            ns = {r["n"] for r in by.values() if pd.notna(r["n"])}
            if g["kind"].iloc[0] == "share" and len(ns) == 1 and section == "significance":
                label += f" (of {fmt_count(ns.pop())})"
            rows.append(("row", label, [_cell(by[s]) if s in by else "" for s in scenarios]))
            for s, r in by.items():
                if r["detail"]:
                    foot.append(f"Strongest observed control ({s}): {r['detail']} models.")
    joint = part[part["section"] == "joint"]
    if len(joint):
        draws = int(joint["n"].iloc[0])
        foot.append(f"Joint-test p = (1 + null draws at least as extreme) / (1 + {draws:,}); the smallest "
                    f"possible is {fmt_p(1 / (1 + draws))}.")
    audit = part[part["section"] == "audit"]
    if len(audit):
        foot.append(f"Audit rows: one-tailed p < .05 as in the paper, mean (min-max) over "
                    f"{int(audit['n'].iloc[0])} baseline x outcome families (full controls, OLS, HC1); the "
                    "same whatever the scenario column.")
    return scenarios, rows, foot


def _cell(r) -> str:
    kind, v = r["kind"], r["value"]
    if kind == "count":
        return fmt_count(v)
    if kind == "p":
        return fmt_p(v)
    if kind == "ratio":
        return fmt_number(v, 2)
    if kind == "multiple":
        text = f"{fmt_number(v, 1)}×"
        return text + (f" (min {fmt_number(r['low'], 1)}×)" if pd.notna(r["low"]) else "")
    if kind == "share":
        return fmt_share(v) + (f" (min {fmt_share(r['low'])})" if pd.notna(r["low"]) else "")
    return fmt_number(v)


def curve_table_html(answer: pd.DataFrame, curve: tuple[str, str]) -> str:
    scenarios, rows, foot = curve_grid(answer, curve)
    width = max(1, len(scenarios))
    head = "".join(f"<th>{html.escape(s)}</th>" for s in scenarios)
    body = []
    for kind, label, cells in rows:
        if kind == "section":
            body.append(f'<tr class="sec"><td colspan="{width + 1}">{html.escape(label)}</td></tr>')
        elif kind == "span":
            body.append(f'<tr><td class="l">{html.escape(label)}</td>'
                        f'<td colspan="{width}">{html.escape(cells[0])}</td></tr>')
        else:
            body.append(f'<tr><td class="l">{html.escape(label)}</td>'
                        + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return (f"<h4>{html.escape(curve_title(*curve))}</h4>"
            f'<table><thead><tr><th class="l"></th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
            + (f'<p class="foot">{html.escape(" ".join(foot))}</p>' if foot else ""))


def provenance_rows(record: Mapping | None) -> list[tuple[str, str]]:
    """(label, text) lines of provenance.json (keys data_file, data_sha256, config_files,
    git_commit, git_dirty, created_utc, specverse_version)."""
    if not record:
        return [("provenance", "not recorded for this run")]
    commit = record.get("git_commit") or "unknown (not run from a git work tree)"
    if record.get("git_commit") and record.get("git_dirty"):
        commit += " (with uncommitted changes)"
    configs = "; ".join(f"{c['path']} (sha256 {c['sha256']})" for c in record.get("config_files") or [])
    return [
        ("data file", str(record.get("data_file"))),
        ("data sha256", str(record.get("data_sha256"))),
        ("config files, in the order applied", configs or "none"),
        ("git commit", commit),
        ("built (UTC)", str(record.get("created_utc"))),
        ("specverse version", str(record.get("specverse_version") or "unknown")),
    ]


#: The headings of the front page's paragraphs after the verdict, in the order of ``sentences``.
SECTION_TITLES = ("Robust is not the same as not mechanical", "Hidden confounders and familywise error",
                  "Which inference to trust")


def front_page(verdict: str, answer: pd.DataFrame, sentences: Sequence[str], *, note: str = "",
               provenance: Mapping | None = None, explorer: str | None = None, scale: str = "",
               run_dir: str = "") -> str:
    """The front page as an HTML fragment (see the module docstring)."""
    lead, rest = lead_sentences(verdict)
    out = [f"<meta charset=\"utf-8\"><title>The answer</title><style>{STYLE}</style>",
           f'<div class="sv-answer" id="{ANCHOR}"><h2>The answer</h2>',
           f'<p class="verdict"><strong>{html.escape(lead)}</strong> {html.escape(rest)}</p>']
    if note:
        out.append(f'<div class="note">{html.escape(note)}</div>')
    for title, sentence in zip(SECTION_TITLES, sentences):
        if sentence:
            out.append(f"<h3>{html.escape(title)}</h3><p>{html.escape(sentence)}</p>")
    out.append("<h3>Per treatment</h3>")
    if scale:
        out.append(f'<p class="foot">Effects on the common scale: {html.escape(scale)}. Columns are '
                   "scenarios; each model counted once, post-selection samples apart.</p>")
    out += [curve_table_html(answer, c) for c in _curves(answer)]
    out.append("<h3>Where these numbers come from</h3><table><tbody>")
    for label, text in provenance_rows(provenance):
        out.append(f'<tr><td class="l">{html.escape(label)}</td><td class="l"><code>{html.escape(text)}</code>'
                   "</td></tr>")
    out.append("</tbody></table>")
    if explorer:
        where = f" (saved beside this report as {html.escape(run_dir)}/{html.escape(explorer)})" if run_dir else ""
        out.append(f'<p>Every specification, filterable and sortable, with its curve redrawn for the filtered '
                   f'set: <a href="{html.escape(explorer)}" target="_blank">the explorer</a>{where}.</p>')
    out.append("</div>")
    return "".join(out)


def answer_markdown(verdict: str, answer: pd.DataFrame, sentences: Sequence[str], *, note: str = "",
                    provenance: Mapping | None = None, scale: str = "") -> str:
    """The front page in Markdown."""
    lead, rest = lead_sentences(verdict)
    out = ["# The answer", "", f"**{lead}** {rest}", ""]
    if note:
        out += [f"> **{note}**", ""]
    for title, sentence in zip(SECTION_TITLES, sentences):
        if sentence:
            out += [f"## {title}", "", sentence, ""]
    out += ["## Per treatment", ""]
    if scale:
        out += [f"Effects on the common scale: {scale}.", ""]
    for curve in _curves(answer):
        scenarios, rows, foot = curve_grid(answer, curve)
        out += [f"### {curve_title(*curve)}", "", "| | " + " | ".join(scenarios) + " |",
                "|---|" + "---:|" * len(scenarios)]
        for kind, label, cells in rows:
            if kind == "section":
                out.append(f"| **{label}** |" + " |" * len(scenarios))
            elif kind == "span":
                out.append(f"| {label} | {cells[0]} |" + " |" * (len(scenarios) - 1))
            else:
                out.append(f"| {label} | " + " | ".join(cells) + " |")
        out += ["", " ".join(foot), ""] if foot else [""]
    out += ["## Where these numbers come from", ""]
    out += [f"- {label}: `{text}`" for label, text in provenance_rows(provenance)]
    return "\n".join(out) + "\n"
