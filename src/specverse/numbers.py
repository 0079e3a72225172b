"""Numbers as people read them, for every layer (figure titles, report tables, the
answer's sentences): thousands separators, signed effects, percentages, and p-values in
APA style (``p = .042``, ``p < .001``).  A leaf module, like :mod:`specverse.io`."""

from __future__ import annotations

import math

import numpy as np


def count(n) -> str:
    """``12345`` -> ``12,345``."""
    return f"{int(n):,}"


def number(x: float, digits: int = 4) -> str:
    """A coefficient without exponent notation: ``digits`` significant digits
    (``0.00005501``, ``-2.481``), whole with thousands separators from 1,000 on."""
    if not math.isfinite(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return np.format_float_positional(x, precision=digits, fractional=False, trim="-")


def signed(x: float, digits: int = 2) -> str:
    """An effect with its sign: ``+0.59``, ``-0.12``; ``n/a`` when not finite."""
    return f"{x:+.{digits}f}" if math.isfinite(x) else "n/a"


def percent(share: float) -> str:
    """A share in [0, 1] as a whole percentage; ``n/a`` when not finite."""
    return f"{100 * share:.0f}%" if math.isfinite(share) else "n/a"


def _no_leading_zero(text: str) -> str:
    # p and alpha cannot exceed 1, so APA style drops the zero before the point.
    return text[1:] if text.startswith("0.") else text


def level(alpha: float) -> str:
    """A significance level: ``0.05`` -> ``.05``."""
    return _no_leading_zero(f"{alpha:g}")


def p_text(p: float) -> str:
    """A finite p-value's number alone: ``.042``, ``< .001``."""
    return "< .001" if p < 0.001 else _no_leading_zero(f"{p:.3f}")


def p_value(p: float, floor: float | None = None) -> str:
    """A p-value's comparison and number, without the ``p``: ``= .042``, ``< .001``.

    ``floor`` is the smallest p a resampling test can give, 1 / (1 + draws): there p only
    says "no draw as extreme", so it reads ``<= floor``.
    """
    if not math.isfinite(p):
        return "n/a"
    if floor is not None and math.isclose(p, floor):
        return f"\u2264 {_no_leading_zero(f'{floor:.3f}')}"
    text = p_text(p)
    return text if text.startswith("<") else f"= {text}"


def p_phrase(p: float, floor: float | None = None) -> str:
    """``p = .042``, ``p < .001``, ``p \u2264 .020``; ``p n/a`` when not finite."""
    return f"p {p_value(p, floor)}"
