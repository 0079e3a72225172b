"""Coefficient covariance matrices (classical and HC0-HC3), batched.

Inputs are those statsmodels uses for ``OLS``/``WLS`` ``fit(cov_type=...)``:
the (sqrt-weight transformed, for WLS) design, its inverse Gram and the
(weighted) residuals.  The sandwich itself is assembled in :mod:`.ols`
(shared products) or :func:`.linalg.sandwich` (explicit designs).

* classical: ``s^2 (X'X)^-1`` with ``s^2 = e'e / (n - k)``
* HC0: ``B X' diag(e^2) X B``;  HC1: HC0 * n/(n-k)
* HC2: ``e^2 / (1 - h)``;  HC3: ``e^2 / (1 - h)^2`` (h = leverage)
"""

from __future__ import annotations

import numpy as np

from .vocabulary import LEVERAGE_SE_TYPES, SE_TYPES


def check_se_types(se_types) -> tuple[str, ...]:
    """Validate and normalise a sequence of SE type names."""
    if isinstance(se_types, str):
        se_types = (se_types,)
    se_types = tuple(se_types)
    bad = [s for s in se_types if s not in SE_TYPES]
    if bad or not se_types:
        raise ValueError(f"se_type must be one of {SE_TYPES}, got {se_types!r}")
    return se_types


#: h_i within this of 1 means e_i = 0 by construction and HC2/HC3 divide 0 by
#: 0 (statsmodels then returns whatever the rounding gives); reported instead.
LEV_ONE_TOL = 1e-10


def needs_leverage(se_types) -> bool:
    """True if any requested SE type uses the hat-matrix diagonal."""
    if isinstance(se_types, str):
        se_types = (se_types,)
    return any(s in LEVERAGE_SE_TYPES for s in se_types)


def leverage_divisor(se_type: str, one_minus_h):
    """What HC2 / HC3 divide a squared residual by: ``1 - h`` or ``(1 - h)^2``.

    None for the other types.  The one place that says which power goes with which
    type; callers pass ``1 - h`` in whatever shape their residuals have.
    """
    if se_type == "HC2":
        return one_minus_h
    if se_type == "HC3":
        return one_minus_h**2
    return None


def hc_omega(
    resid: np.ndarray, se_type: str, df_resid, leverage: np.ndarray | None = None
) -> np.ndarray:
    """Per-observation weights of the HC meat, ``(..., n)``.

    ``df_resid`` is a scalar or ``(...)`` array.  ``leverage`` is required for
    HC2/HC3.
    """
    e2 = resid * resid
    if se_type == "HC0":
        return e2
    if se_type == "HC1":
        n = resid.shape[-1]
        e2 *= (n / np.asarray(df_resid, dtype=float))[..., None]
        return e2
    if se_type in LEVERAGE_SE_TYPES:
        e2 /= leverage_divisor(se_type, 1.0 - leverage)
        return e2
    raise ValueError(f"not an HC type: {se_type!r}")
