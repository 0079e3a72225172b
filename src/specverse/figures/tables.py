"""Small self-contained HTML tables for the report, each with the simulated-data note
visible above the table when it applies."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

STYLE = (
    "body{font-family:sans-serif;font-size:13px;margin:12px}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}"
    ".note{color:#b30000;font-weight:bold;border:2px solid #b30000;padding:6px;margin:8px 0;max-width:60em}"
)


def html_table(df: pd.DataFrame, title: str, note: str = "", intro: str = "", digits: int = 4) -> str:
    """A full HTML page: title, optional note (red box), optional intro, the table."""
    def cell(v):
        if isinstance(v, float):
            return "" if pd.isna(v) else f"{v:.{digits}g}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        tds = "".join(
            f'<td class="l">{cell(v)}</td>' if isinstance(v, str) else f"<td>{cell(v)}</td>" for v in rec
        )
        rows.append(f"<tr>{tds}</tr>")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{STYLE}</style></head><body><h2>{html.escape(title)}</h2>"]
    if note:
        parts.append(f'<div class="note">{html.escape(note)}</div>')
    if intro:
        parts.append(f"<p>{html.escape(intro)}</p>")
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>")
    return "".join(parts)


def write_html(text: str, path: str | os.PathLike) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
