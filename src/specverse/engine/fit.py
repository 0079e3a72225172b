"""Public estimation entry points: ``fit_full`` (one regression, all
coefficients) and ``fit_specs`` (many specifications, batched)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: ~0.5 s of import in every estimation job

from .covariance import check_se_types, needs_leverage
from .huber import MAX_ITER as HUBER_MAX_ITER
from .huber import fit_huber
from .influence import cooks_distance
from .ols import fit_shared
from .results import COEF_COLUMNS, FullFit, SpecTable, inference
from .regspec import RegSpec, check_estimator, group_specs, validate_inputs
from . import status as st_
from .threads import single_blas_thread

#: Specifications solved per batched call; bounds the (chunk, n) and
#: (chunk, K, K) temporaries (2048 * 150 * 8 B = 2.5 MB each).
CHUNK = 2048


def _weighted_tss(y: np.ndarray, w: np.ndarray | None) -> float:
    """Centred total sum of squares, weighted as statsmodels WLS ``centered_tss``."""
    if w is None:
        return float(np.sum((y - y.mean()) ** 2))
    ybar = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - ybar) ** 2))


@single_blas_thread
def fit_full(
    y,
    X,
    names: Sequence[str],
    *,
    weights=None,
    se_type: str = "HC1",
    add_constant: bool = True,
    alpha: float = 0.05,
) -> FullFit:
    """One OLS (or WLS when ``weights`` is given) regression, every coefficient.

    Rows with a missing value in ``y``, ``X`` or ``weights`` (or a non-positive
    weight) are dropped.  With ``add_constant`` a column named ``const`` is
    prepended (as ``statsmodels.add_constant``).  Matches statsmodels
    ``OLS/WLS(...).fit(cov_type=...)`` (``classical`` = ``nonrobust``):
    estimates, SEs, t/p/CI (t distribution, df = n - k), R^2, adjusted R^2 and
    ``fvalue``/``f_pvalue`` for that covariance.  Leverage and Cook's
    distance are those of the classical fit (for WLS: of the sqrt-weight
    transformed regression).  Raises ``ValueError`` on a rank-deficient design
    or ``n <= k``.
    """
    (se_type,) = check_se_types(se_type)
    y, Z, w = validate_inputs(y, X, weights)
    names = list(names)
    if len(names) != Z.shape[1]:
        raise ValueError(f"{len(names)} names for {Z.shape[1]} columns of X")
    if add_constant:
        Z = np.column_stack([np.ones(len(y)), Z])
        names = ["const"] + names
    used = np.isfinite(y) & np.isfinite(Z).all(axis=1)
    if w is not None:
        used &= np.isfinite(w) & (w > 0)
    yu, Xu = y[used], Z[used]
    n, k = Xu.shape
    if n <= k:
        raise ValueError(f"too few rows: n = {n} complete rows for k = {k} coefficients")
    wu = None if w is None else w[used]
    sw = np.ones(n) if wu is None else np.sqrt(wu)
    Xw, yw = Xu * sw[:, None], yu * sw
    if "const" not in names:
        raise ValueError("fit_full needs a constant column (add_constant=True or a 'const' name)")
    tss = _weighted_tss(yu, wu)
    # fit_shared wants the constant in position 0; `order` maps back to names.
    c = names.index("const")
    order = np.r_[c, np.delete(np.arange(k), c)]
    res = fit_shared(Xw, yw, order[None], np.array([k]), tss, [se_type], want_leverage=True)
    if not res.ok[0]:
        raise ValueError(f"rank-deficient design: columns {names} are collinear in the sample")
    if needs_leverage(se_type) and res.leverage_one[0]:
        raise ValueError(
            f"{se_type} is undefined: observation(s) with leverage 1 "
            f"(rows {np.flatnonzero(used)[res.leverage[0] > 1 - 1e-10].tolist()})"
        )
    back = np.argsort(order)
    beta = res.beta[0][back]
    se = res.se[se_type][0][back]
    V = res.cov(se_type)[0][np.ix_(back, back)]
    df_resid = n - k
    inf = inference(beta, se, df_resid, alpha)
    coefs = pd.DataFrame(dict(term=names, estimate=beta, std_error=se, df=df_resid, **inf))[
        COEF_COLUMNS
    ]

    h = res.leverage[0]
    cooks = cooks_distance(res.resid[0], h, res.ssr[0] / df_resid, k)
    fitted = Xu @ beta
    f = float(res.f_stat[se_type][0])
    return FullFit(
        coefficients=coefs,
        n=n,
        k=k,
        df_resid=df_resid,
        se_type=se_type,
        estimator="ols" if w is None else "wls",
        r_squared=float(res.r_squared[0]),
        adj_r_squared=float(res.adj_r_squared[0]),
        f_statistic=f,
        f_p_value=float(special.fdtrc(k - 1, df_resid, f)),  # = stats.f.sf(f, k - 1, df_resid)
        cov=V,
        resid=_scatter(yu - fitted, used),
        fitted=_scatter(fitted, used),
        leverage=_scatter(h, used),
        cooks_distance=_scatter(cooks, used),
        used=used,
    )


def _scatter(v: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Values for the used rows, NaN for the dropped ones."""
    out = np.full(used.shape, np.nan)
    out[used] = v
    return out


@single_blas_thread
def fit_specs(
    y,
    regressors,
    specs: Sequence[RegSpec],
    *,
    weights=None,
    estimator: str = "ols",
    se_types=("HC1",),
    alpha: float = 0.05,
    f_statistic: bool = True,
    huber_maxiter: int = HUBER_MAX_ITER,
) -> pd.DataFrame:
    """Fit many specifications at once; one row per (spec, term, se_type).

    Columns: spec (position in ``specs``), term (column index into
    ``regressors``), se_type, estimate, std_error, t, df (= n - k), p_two_tailed,
    p_greater (one-tailed, H1: coefficient > 0), ci_low, ci_high (level 1 - alpha), n, k,
    r_squared, adj_r_squared, f_statistic (Wald F of all slopes with that row's
    covariance; the usual F for classical), status.  ``f_statistic=False``
    leaves the robust (HC) F NaN and skips what only it needs (with HC2/HC3
    the full covariance; otherwise the centred meat of every spec): about
    40% of the time, for callers that only use the terms.

    status: "ok"; "too_few_rows" (n <= k); "constant_outcome" (y does not
    vary in the sample); "constant_treatment" (a reported term has no
    variation in the spec's sample); "rank_deficient" (the
    regressors are collinear in the sample, see ``linalg.RANK_RTOL``);
    "not_converged" (huber only: IRLS hit ``huber_maxiter`` iterations, 50 as
    statsmodels by default);
    "se_type_not_applicable" (huber only, HC types); "leverage_one" (HC2/HC3
    rows only: an observation has leverage 1, e.g. a dummy that is 1 in a
    single row, so e_i^2 / (1 - h_i) is 0/0; statsmodels returns rounding
    noise there).  Numbers are NaN whenever status is not "ok".

    Estimators: "ols"; "wls" (``weights`` required: statsmodels WLS, i.e. the
    sqrt-weight transformed regression; rows with missing or non-positive
    weight dropped); "huber" (statsmodels RLM HuberT defaults, see
    :mod:`.huber`; its H1 standard error is reported in the "classical" rows,
    inference with the normal distribution, so its df is reported as inf;
    r_squared / adj_r_squared / f_statistic NaN; HC rows carry status
    "se_type_not_applicable").
    """
    se_types = check_se_types(se_types)
    check_estimator(estimator, weights)
    y, Z, w = validate_inputs(y, regressors, weights)
    specs = list(specs)
    for i, s in enumerate(specs):
        if not isinstance(s, RegSpec):
            raise TypeError(f"specs[{i}] is {type(s).__name__}, expected RegSpec")
    table = SpecTable(alpha, se_types)
    # constant = column p, zero padding column = p + 1 (see specs.group_specs)
    Zc = np.column_stack([Z, np.ones(len(y)), np.zeros(len(y))])
    for g in group_specs(y, Z, w, specs, split_k=estimator == "huber"):
        for start in range(0, len(g.spec_idx), CHUNK):
            sl = slice(start, start + CHUNK)
            _fit_group(
                table,
                y,
                Zc,
                w,
                g.spec_idx[sl],
                g.rows,
                g.cols[sl],
                g.k[sl],
                g.m,
                estimator,
                se_types,
                f_statistic,
                huber_maxiter,
            )
    return table.frame()


def _fit_group(table, y, Zc, w, spec_idx, rows, cols, k, m, estimator, se_types, full_cov, huber_maxiter):
    """Fit specs sharing rows and m; add their rows to ``table``."""
    S = len(spec_idx)
    n = len(rows)
    terms = cols[:, 1 : m + 1]
    status = np.zeros(S, dtype=np.int8)
    nan = np.full((S, m), np.nan)

    def emit(se, est, se_val, r2, adj, f, st, dist="t"):
        table.add(spec_idx, terms, se, est, se_val, n - k, n, k, r2, adj, f, st, dist)

    def flag(cond, code):
        status[(status == st_.OK) & cond] = code

    flag(n <= k, st_.TOO_FEW_ROWS)
    if (status != st_.OK).all():
        for se in se_types:
            emit(se, nan, nan, np.nan, np.nan, np.nan, status)
        return
    # Restrict to the columns this group uses (others may hold NaN here).
    present = np.zeros(Zc.shape[1], dtype=bool)
    present[cols.ravel()] = True
    used = np.flatnonzero(present)
    remap = np.cumsum(present) - 1
    local = remap[cols]
    Zr = Zc[np.ix_(rows, used)]
    yr = y[rows]
    flag(np.ptp(yr) == 0, st_.CONSTANT_OUTCOME)
    # A reported term that does not vary in the sample cannot be estimated.
    flag((np.ptp(Zr, axis=0)[local[:, 1 : m + 1]] == 0).any(axis=1), st_.CONSTANT_TREATMENT)

    if estimator == "huber":  # groups split by k: equal-width designs
        hb = fit_huber(np.swapaxes(Zr.T[local], 1, 2), yr, maxiter=huber_maxiter)
        flag(~hb.ok, st_.RANK_DEFICIENT)
        flag(~hb.converged, st_.NOT_CONVERGED)
        se_h = np.sqrt(np.diagonal(hb.cov, axis1=1, axis2=2))[:, 1 : m + 1]
        for se in se_types:
            if se == "classical":
                emit(se, hb.beta[:, 1 : m + 1], se_h, np.nan, np.nan, np.nan, status, "normal")
            else:
                na = np.where(status == st_.OK, st_.SE_TYPE_NOT_APPLICABLE, status)
                emit(se, nan, nan, np.nan, np.nan, np.nan, na, "normal")
        return

    wr = None if w is None else w[rows]
    tss = _weighted_tss(yr, wr)
    if wr is not None:
        sw = np.sqrt(wr)
        Zr = Zr * sw[:, None]
        yr = yr * sw
    # Too-small specs are fitted with k clipped so the batch stays finite; their
    # status already blanks the numbers.
    res = fit_shared(Zr, yr, local, np.minimum(k, n - 1), tss, se_types, full_cov=full_cov, m=m)
    flag(~res.ok, st_.RANK_DEFICIENT)
    est = res.beta[:, 1 : m + 1]
    for se in se_types:
        sd = res.se[se][:, 1 : m + 1]
        st = status
        if needs_leverage(se):
            st = np.where((status == st_.OK) & res.leverage_one, st_.LEVERAGE_ONE, status)
        emit(se, est, sd, res.r_squared, res.adj_r_squared, res.f_stat[se], st)
