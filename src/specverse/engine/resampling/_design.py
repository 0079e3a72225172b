"""Per-specification design and the Frisch-Waugh-Lovell pieces of each tested term.

Row selection follows the rules of ``fit_specs``: mask, finite outcome, finite
positive weights, finite values in every used column.  WLS works on the sqrt-weight transformed model, exactly
as statsmodels' WLS whitens ``y`` and ``X`` before its covariance formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..covariance import LEV_ONE_TOL, needs_leverage
from ..linalg import rank_ok, scaled_gram
from .studentized import coef_variance


@dataclass
class Design:
    rows: np.ndarray  # row indices into the caller's data
    y: np.ndarray  # (n,) transformed outcome
    y_raw: np.ndarray  # (n,) outcome as given
    X: np.ndarray  # (n, k) transformed design: reported terms first, constant last
    raw_terms: np.ndarray  # (n, m) untransformed term columns (treatment permutation)
    sqrtw: np.ndarray | None  # (n,) sqrt of the weights, None for OLS
    m: int  # number of reported terms
    columns: tuple[int, ...]  # columns of the caller's regressors in X (the constant follows)
    basis: np.ndarray | None = None  # orthonormal basis of X (filled by check())

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def k(self) -> int:
        return self.X.shape[1]


@dataclass
class TermParts:
    """Everything the fixed-design methods need for testing column j = 0."""

    j: int
    xt: np.ndarray  # x~ = M_Z x_j
    sxx: float
    b: float  # observed estimate
    se: float  # observed SE with the requested se_type
    resid: np.ndarray  # full-model residuals
    fitted: np.ndarray  # full-model fitted values
    resid_r: np.ndarray  # restricted-model (x_j dropped) residuals
    fitted_r: np.ndarray
    basis_z: np.ndarray  # orthonormal basis of Z (the other columns)
    leverage: np.ndarray | None  # full-model h_i (HC2/HC3 only)
    leverage_z: np.ndarray | None  # restricted-model h_i (HC2/HC3 only)

    @property
    def t(self) -> float:
        return self.b / self.se


def build(y, Z, spec, weights, estimator) -> Design:
    """Assemble one spec's design: columns terms, controls, constant.

    Rows: the spec's mask, a finite outcome, a finite positive weight (WLS) and
    finite values in every column the spec uses (the rules of fit_specs).
    """
    cols = list(spec.terms) + list(spec.controls)
    p = Z.shape[1]
    if min(cols) < 0 or max(cols) >= p:
        raise ValueError(f"spec columns {cols} out of range 0..{p - 1}")
    use = np.isfinite(y) & np.isfinite(Z[:, cols]).all(axis=1)
    if weights is not None:
        use &= np.isfinite(weights) & (weights > 0)
    if spec.mask is not None:
        mask = np.asarray(spec.mask)
        if mask.shape != y.shape or mask.dtype != bool:
            raise ValueError(f"spec mask must be a boolean array of length {y.shape[0]}, got {mask.dtype} {mask.shape}")
        use &= mask
    rows = np.flatnonzero(use)
    X = np.column_stack([Z[np.ix_(rows, cols)], np.ones(rows.size)])
    yy = y[rows]
    m = len(spec.terms)
    raw_terms = X[:, :m].copy()
    sqrtw = None
    if estimator == "wls":
        sqrtw = np.sqrt(weights[rows])
        X = X * sqrtw[:, None]
        yy = yy * sqrtw
    return Design(rows=rows, y=yy, y_raw=y[rows], X=X, raw_terms=raw_terms, sqrtw=sqrtw, m=m,
                  columns=tuple(cols))


def check(d: Design, se_type: str) -> str:
    """'ok' or the reason the spec cannot be resampled: fit_specs' status words,
    tested in fit_specs' order."""
    if d.n - d.k < 1:
        return "too_few_rows"
    if np.ptp(d.y_raw) == 0:
        return "constant_outcome"
    if (np.ptp(d.raw_terms, axis=0) == 0).any():
        return "constant_treatment"
    G, _ = scaled_gram(d.X)
    if not rank_ok(G):
        return "rank_deficient"
    d.basis = np.linalg.qr(d.X, mode="reduced")[0]
    if needs_leverage(se_type) and np.einsum("ij,ij->i", d.basis, d.basis).max() > 1.0 - LEV_ONE_TOL:
        return "leverage_one"  # e_i^2 / (1 - h_i) is 0/0: the HC2/HC3 SE is undefined
    return "ok"


def term_parts(d: Design, j: int, se_type: str) -> TermParts:
    """FWL decomposition for testing the coefficient of column j (0 <= j < m)."""
    X, y = d.X, d.y
    Zm = np.delete(X, j, axis=1)
    Qz = np.linalg.qr(Zm, mode="reduced")[0]
    xt = X[:, j] - Qz @ (Qz.T @ X[:, j])
    sxx = float(xt @ xt)
    fitted_r = Qz @ (Qz.T @ y)
    resid_r = y - fitted_r
    b = float(xt @ resid_r) / sxx
    # Full residuals by FWL: M_X y = M_Z y - x~ b.
    resid = resid_r - xt * b
    lev = lev_z = None
    if needs_leverage(se_type):
        lev_z = np.einsum("ij,ij->i", Qz, Qz)
        lev = lev_z + xt * xt / sxx
    se = float(np.sqrt(coef_variance(xt / sxx, resid[:, None].copy(), se_type, k=d.k, leverage=lev))[0])
    return TermParts(
        j=j,
        xt=xt,
        sxx=sxx,
        b=b,
        se=se,
        resid=resid,
        fitted=y - resid,
        resid_r=resid_r,
        fitted_r=fitted_r,
        basis_z=Qz,
        leverage=lev,
        leverage_z=lev_z,
    )
