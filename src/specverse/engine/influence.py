"""Influence of single observations on an OLS fit: leverage and Cook's distance."""

from __future__ import annotations

import numpy as np

from .threads import single_blas_thread


def cooks_distance(resid, leverage, s2, k: int) -> np.ndarray:
    """Cook's distance as statsmodels' ``OLSInfluence.cooks_distance``:
    ``e_i^2 / (k s^2) * h_i / (1 - h_i)^2`` (the internally studentized residual
    squared, over k, times h / (1 - h))."""
    return resid**2 / (k * s2) * leverage / (1.0 - leverage) ** 2


@single_blas_thread
def ols_influence(y: np.ndarray, X: np.ndarray) -> dict:
    """Residuals, leverages and Cook's distances of the OLS fit of ``y`` on ``X``
    (``X`` includes the constant), through a QR decomposition of ``X``."""
    n, k = X.shape
    Q, R = np.linalg.qr(X)
    d = np.abs(np.diag(R))
    if np.min(d) < 1e-10 * np.max(d) or not np.isfinite(d).all():
        raise ValueError("the model for Cook's distance is rank deficient")
    resid = y - Q @ (Q.T @ y)
    leverage = np.einsum("ij,ij->i", Q, Q)
    s2 = resid @ resid / (n - k)
    return {"resid": resid, "leverage": leverage, "cooks_distance": cooks_distance(resid, leverage, s2, k)}
