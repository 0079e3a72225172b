"""Shared plotting plumbing: headless backend, the simulated-data note, atomic saves of
every figure together with the data it draws."""

from __future__ import annotations

import os
import textwrap

from pathlib import Path

import matplotlib
import pandas as pd

matplotlib.use("Agg")  # headless: figures are built in Snakemake jobs and CI
import matplotlib.pyplot as plt  # noqa: E402

from specverse.io import atomic_path, write_csv  # noqa: E402

PNG_DPI = 220  # >= 200 dpi, as the report requires
#: Resolution of the rasterized point clouds inside a PDF (the rest is vector). Matplotlib's PDF
#: writer keeps a full-figure raster alive per rasterized artist until the file is written, so
#: memory grows with dpi^2 x panels: at 220 dpi the job drawing a two-term treatment's p-value
#: figure peaked at 1.5 GB, at 150 dpi at 0.9 GB.
PDF_RASTER_DPI = 150

# Sign x significance palette (colour-blind safe blue/orange pairs).
COLOURS = {
    "pos_sig": "#08519c",
    "pos_ns": "#9ecae1",
    "neg_ns": "#fdae6b",
    "neg_sig": "#d94801",
    "no_p": "#bdbdbd",
}
LABELS = {
    "pos_sig": "positive, significant",
    "pos_ns": "positive, not significant",
    "neg_ns": "negative, not significant",
    "neg_sig": "negative, significant",
    "no_p": "no headline p (method not available)",
}
NOTE_COLOUR = "#b30000"


def add_note(fig, note: str, width: int = 150) -> None:
    """Write the simulated-data note in red across the bottom of the figure.

    The caller leaves room at the bottom (``fig.subplots_adjust(bottom=...)`` or
    :func:`note_margin`).  Nothing is drawn for an empty note (a user's real data).
    """
    if not note:
        return
    fig.text(
        0.01,
        0.005,
        textwrap.fill(note, width=width),
        ha="left",
        va="bottom",
        fontsize=7.5,
        color=NOTE_COLOUR,
        fontweight="bold",
        wrap=False,
    )


def thousands(axis) -> None:
    """Tick labels of a count axis (ranks, models) with thousands separators: 2,500, not 2500."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))


def title_lines(text: str, width_in: float, fontsize: float) -> str:
    """``text`` wrapped to a figure ``width_in`` inches wide at ``fontsize`` (bold), so that a
    title written for a wide figure does not run off a narrow one; explicit line breaks
    are treated as spaces."""
    chars = max(20, int(width_in * 72 / (fontsize * 0.64)))
    return textwrap.fill(" ".join(text.split()), width=chars)


def note_margin(note: str, height_in: float, width: int = 150) -> float:
    """Fraction of the figure height the wrapped note needs (0 when no note)."""
    if not note:
        return 0.0
    lines = len(textwrap.wrap(note, width=width))
    return (0.05 + 0.14 * lines) / height_in


def data_path(png: str | os.PathLike) -> Path:
    """Where the data drawn in a figure is saved: beside its PNG, same stem, ``.csv``."""
    return Path(png).with_suffix(".csv")


def save_figure(fig, png: str | os.PathLike, pdf: str | os.PathLike | None = None, *, data: pd.DataFrame) -> None:
    """Save PNG (PNG_DPI), optionally PDF (its point clouds at PDF_RASTER_DPI), and ``data`` --
    exactly what is drawn -- as the CSV beside the PNG (:func:`data_path`), each atomically
    (specverse.io)."""
    write_csv(data, data_path(png))
    for path, fmt, dpi in ((png, "png", PNG_DPI), (pdf, "pdf", PDF_RASTER_DPI)):
        if path is not None:
            with atomic_path(path, f".{fmt}") as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi)
    plt.close(fig)
