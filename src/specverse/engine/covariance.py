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

SE_TYPES = ("classical", "HC0", "HC1", "HC2", "HC3")


def check_se_types(se_types) -> tuple[str, ...]:
    """Validate and normalise a sequence of SE type names."""
    if isinstance(se_types, str):
        se_types = (se_types,)
    se_types = tuple(se_types)
    bad = [s for s in se_types if s not in SE_TYPES]
    if bad or not se_types:
        raise ValueError(f"se_type must be one of {SE_TYPES}, got {se_types!r}")
    return se_types


def needs_leverage(se_types) -> bool:
    """True if any requested SE type uses the hat-matrix diagonal."""
    return any(s in ("HC2", "HC3") for s in se_types)


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
    if se_type == "HC2":
        e2 /= 1.0 - leverage
        return e2
    if se_type == "HC3":
        e2 /= (1.0 - leverage) ** 2
        return e2
    raise ValueError(f"not an HC type: {se_type!r}")
