"""Checks on rendered matplotlib figures shared by the figure tests."""

from __future__ import annotations


def texts_off_canvas(fig) -> list[str]:
    """The titles (the figure's and each axes') and free figure texts (notes, captions)
    that reach past the canvas: cut off in the saved file. The first 60 characters of each."""
    renderer = fig.canvas.get_renderer()
    texts = [fig._suptitle, *(ax.title for ax in fig.axes), *fig.texts]
    out = []
    for text in texts:
        if text is None or not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -0.5 or box.x1 > fig.bbox.x1 + 0.5 or box.y0 < -0.5 or box.y1 > fig.bbox.y1 + 0.5:
            out.append(text.get_text()[:60])
    return out
