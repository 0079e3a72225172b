"""Omitted-variable sensitivity of one coefficient, closed form and vectorised.

Two families, computed from regression summaries only, for any number of
specifications at once (numpy arrays in, arrays out, broadcasting):

* Cinelli & Hazlett (2020), "Making sense of sensitivity: extending omitted
  variable bias", JRSS-B 82(1), 39-67: partial R^2, robustness values,
  bias-adjusted estimate / SE / t, benchmark bounds, exactly as their reference
  package sensemakr computes them (checked against PySensemakr 0.0.8), plus the
  benchmark multiple that explains the estimate away.
* Oster (2019), "Unobservable selection and coefficient stability: theory and
  evidence", JBES 37(2), 187-204: delta* and beta* exactly as her Stata psacalc
  (Mata ``bound``, ``d1quadsol``, ``dnot1cubsol``), and her approximation (the
  exact delta* is the one to report).

Inputs are *classical* (non-robust) OLS quantities: t = estimate / classical SE
and df = n - p of the outcome regression.  The partial-R^2 identities behind
every formula are algebraic facts about the OLS fit; a heteroskedasticity-robust
t does not give a partial R^2.  A bad value in one specification (NaN, df <= 0,
R^2 outside [0, 1], an impossible benchmark multiple) gives NaN in that row only,
never an exception.  Scalars in give numpy scalars out.
"""

from __future__ import annotations

import numpy as np
from scipy import special  # the ufuncs scipy.stats evaluates, without its ~0.7 s import

__all__ = [
    "partial_r2",
    "robustness_value",
    "adjusted_estimate",
    "adjusted_se",
    "adjusted_t",
    "benchmark_bounds",
    "multiplier_to_explain_away",
    "oster_rmax",
    "oster_tau_x",
    "oster_delta",
    "oster_delta_approx",
    "oster_beta",
]

# multiplier search in u = k / k_max: start cells of relative width <= 3/4 (u >= 1e-12),
# halved 52 times (2^-52 3/4 < 2e-16: one ulp)
_U_GRID = np.unique(np.concatenate([[0.0, 1.0], np.geomspace(1e-12, 1.0, 21), np.linspace(0.0, 1.0, 5)]))
_LEVELS = 52


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _ret(x: np.ndarray):
    return x[()] if x.ndim == 0 else x


def _f_crit(df: np.ndarray, alpha) -> np.ndarray:
    """f*_alpha = |t_{alpha/2, df-1}| / sqrt(df - 1): the critical partial f of a
    regression with one more regressor (the confounder); 0 when alpha is None."""
    if alpha is None:
        return np.zeros_like(df)
    alpha = _arr(alpha)
    dfm1 = np.where(df - 1 > 0, df - 1, np.nan)
    with np.errstate(invalid="ignore"):
        # stdtrit(df, q) = stats.t.ppf(q, df)
        f_c = np.abs(special.stdtrit(dfm1, alpha / 2)) / np.sqrt(dfm1)
    return np.where((alpha > 0) & (alpha <= 1), f_c, np.nan)


def partial_r2(t, df):
    """Partial R^2 of a regressor with the outcome, from its classical t and residual df.

    R^2_{Y~D|X} = t^2 / (t^2 + df), computed as 1 / (1 + df / t^2) so that t = 0
    gives 0 and |t| = inf gives 1 (Cinelli & Hazlett 2020, eq. 19; sensemakr
    ``partial_r2``).  NaN where df <= 0.
    """
    t, df = np.broadcast_arrays(_arr(t), _arr(df))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r2 = 1.0 / (1.0 + df / np.square(t))
    return _ret(np.where(df > 0, r2, np.nan))


def robustness_value(t, df, q=1.0, alpha=None):
    """Robustness value RV_q (alpha None) or RV_{q,alpha} (Cinelli & Hazlett 2020, sec. 4.2).

    With f_q = q |t| / sqrt(df) and f* = |t_{alpha/2, df-1}| / sqrt(df - 1)
    (f* = 0 when alpha is None), f_{q,a} = f_q - f*:

        RV = 0                                         if f_{q,a} < 0
        RV = (f_q^2 - f*^2) / (1 + f_q^2)              if f_{q,a} > 0 and f_q > 1/f*
        RV = (sqrt(f_{q,a}^4 + 4 f_{q,a}^2) - f_{q,a}^2) / 2   otherwise,

    the last evaluated as 2 / (1 + sqrt(1 + 4 / f_{q,a}^2)) to avoid cancellation
    at large t.  The middle line is the "extreme scenario" where the bound on the
    confounder's R^2 with the outcome binds (sensemakr ``robustness_value``).
    RV_q: a confounder explaining 100 RV % of the residual variance of both
    treatment and outcome reduces |estimate| by 100 q %; RV_{q,alpha}: it makes
    the reduced estimate insignificant at level alpha (two-sided, df - 1).
    RV_q (alpha None) needs only df > 0; sensemakr's alpha = 1 gives NaN at df = 1.
    """
    t, df, q = np.broadcast_arrays(_arr(t), _arr(df), _arr(q))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f_q = q * np.abs(t) / np.sqrt(np.where(df > 0, df, np.nan))
        f_c = _f_crit(df, alpha)
        f_qa = f_q - f_c
        rv = 2.0 / (1.0 + np.sqrt(1.0 + 4.0 / np.square(f_qa)))
        rvx = (1.0 - (f_c / f_q) ** 2) / (1.0 + 1.0 / f_q**2)  # (f_q^2 - f*^2) / (1 + f_q^2), no overflow
        rv = np.where(f_qa < 0, 0.0, rv)
        rv = np.where((f_qa > 0) & (f_q * f_c > 1.0), rvx, rv)
    return _ret(np.where(q >= 0, rv, np.nan))


def _bias_factor(r2dz_x, r2yz_dx):
    """sqrt(R^2_{Y~Z|D,X} R^2_{D~Z|X} / (1 - R^2_{D~Z|X})); NaN outside the valid range."""
    r2dz_x, r2yz_dx = _arr(r2dz_x), _arr(r2yz_dx)
    ok = (r2dz_x >= 0) & (r2dz_x < 1) & (r2yz_dx >= 0) & (r2yz_dx <= 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, np.sqrt(r2yz_dx * r2dz_x / (1.0 - r2dz_x)), np.nan)


def adjusted_estimate(estimate, se, df, r2dz_x, r2yz_dx, reduce=True):
    """Bias-adjusted estimate for a confounder Z of strength (R^2_{D~Z|X}, R^2_{Y~Z|D,X}).

    |bias| = se sqrt(df) sqrt(R^2_{Y~Z|D,X} R^2_{D~Z|X} / (1 - R^2_{D~Z|X}))
    (Cinelli & Hazlett 2020, eq. 11); adjusted = sign(b) (|b| - |bias|), toward
    zero (``reduce=False``: away from zero).  sensemakr ``adjusted_estimate``.
    """
    estimate, se, df = _arr(estimate), _arr(se), _arr(df)
    with np.errstate(invalid="ignore"):
        bias = _bias_factor(r2dz_x, r2yz_dx) * se * np.sqrt(np.where(df > 0, df, np.nan))
        out = np.sign(estimate) * (np.abs(estimate) - bias if reduce else np.abs(estimate) + bias)
    return _ret(out)


def adjusted_se(se, df, r2dz_x, r2yz_dx):
    """Bias-adjusted SE: se sqrt((1 - R^2_{Y~Z|D,X}) / (1 - R^2_{D~Z|X})) sqrt(df / (df - 1))
    (Cinelli & Hazlett 2020, eq. 12; sensemakr ``adjusted_se``).  NaN where df <= 1."""
    se, df, r2dz_x, r2yz_dx = _arr(se), _arr(df), _arr(r2dz_x), _arr(r2yz_dx)
    ok = (r2dz_x >= 0) & (r2dz_x < 1) & (r2yz_dx >= 0) & (r2yz_dx <= 1) & (df > 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt((1.0 - r2yz_dx) / (1.0 - r2dz_x)) * se * np.sqrt(df / (df - 1.0))
    return _ret(np.where(ok, out, np.nan))


def adjusted_t(estimate, se, df, r2dz_x, r2yz_dx, reduce=True, h0=0.0):
    """Bias-adjusted t: (adjusted_estimate - h0) / adjusted_se, compared with t_{df-1}
    (sensemakr ``adjusted_t``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (_arr(adjusted_estimate(estimate, se, df, r2dz_x, r2yz_dx, reduce)) - _arr(h0)) / _arr(
            adjusted_se(se, df, r2dz_x, r2yz_dx)
        )
    return _ret(out)


def _bounds(r2dxj_x, r2yxj_dx, kd, ky):
    r, ry, kd, ky = np.broadcast_arrays(_arr(r2dxj_x), _arr(r2yxj_dx), _arr(kd), _arr(ky))
    with np.errstate(divide="ignore", invalid="ignore"):
        r2dz = kd * (r / (1.0 - r))
        r2zxj = kd * r**2 / ((1.0 - kd * r) * (1.0 - r))
        r2yz = ((np.sqrt(ky) + np.sqrt(r2zxj)) / np.sqrt(1.0 - r2zxj)) ** 2 * (ry / (1.0 - ry))
    ok = (r >= 0) & (r < 1) & (ry >= 0) & (ry < 1) & (kd >= 0) & (ky >= 0) & (r2dz < 1) & (r2zxj < 1)
    return np.where(ok, r2dz, np.nan), np.where(ok, np.minimum(r2yz, 1.0), np.nan)


def benchmark_bounds(r2dxj_x, r2yxj_dx, kd=1.0, ky=None):
    """Strength of a confounder Z that is kd (ky) times as strong as benchmark covariate X_j.

    Inputs: R^2_{D~Xj|X-j} (``r2dxj_x``: partial R^2 of X_j in the treatment
    regression D ~ X, e.g. ``partial_r2(t_j, df + 1)``) and R^2_{Y~Xj|D,X-j}
    (``r2yxj_dx``: in the outcome regression).  Cinelli & Hazlett (2020, sec. 6.1):

        R^2_{D~Z|X}   = kd R^2_{D~Xj} / (1 - R^2_{D~Xj})
        eta           = kd R^2_{D~Xj}^2 / ((1 - kd R^2_{D~Xj}) (1 - R^2_{D~Xj}))
        R^2_{Y~Z|D,X} = min(1, ((sqrt(ky) + sqrt(eta)) / sqrt(1 - eta))^2 R^2_{Y~Xj} / (1 - R^2_{Y~Xj}))

    Returns (r2dz_x, r2yz_dx).  Where sensemakr ``ovb_partial_r2_bound`` stops
    ("impossible kd": R^2_{D~Z|X} >= 1 or eta >= 1) both are NaN; like sensemakr,
    an implied R^2_{Y~Z|D,X} above 1 is set to 1.  ky defaults to kd.
    """
    r2dz, r2yz = _bounds(r2dxj_x, r2yxj_dx, kd, kd if ky is None else ky)
    return _ret(r2dz), _ret(r2yz)


def multiplier_to_explain_away(t, df, r2dxj_x, r2yxj_dx, alpha=None, *, chunk=16384):
    """Smallest k such that a confounder k times as strong as X_j (kd = ky = k) explains
    the estimate away: alpha None -> adjusted estimate 0; alpha -> adjusted t (df - 1)
    at the two-sided critical value, i.e. no longer significant at alpha.

    With f = |t| / sqrt(df), f* as in :func:`robustness_value` (0 when alpha is
    None) and (D, Y) = :func:`benchmark_bounds` (r2dxj_x, r2yxj_dx, k, k),

        g(k) = f sqrt(1 - D) - sqrt(Y D) - f* sqrt(1 - Y)

    has the sign of (adjusted t - t*) (of the adjusted estimate when alpha is
    None; multiply by se sqrt(df) / sqrt(1 - D)), and is continuous in k even
    where Y is capped at 1; k is its first root.  D = k R^2_{D~Xj} / (1 - R^2_{D~Xj})
    reaches 1 at k_max = (1 - R^2_{D~Xj}) / R^2_{D~Xj}, so we search u = k / k_max
    (= D) in [0, 1].  Without alpha g is strictly decreasing: the root is unique.
    With alpha it need not be: where Y > D / (D + f*^2) a stronger confounder
    also shrinks the adjusted SE, so significance can return (about 1% of random
    benchmark paths, at k from ~1 to thousands).  Hence a vectorised interval branch and bound
    (``_first_root``) rather than bisection: it finds the *first* root, certified
    by a lower bound of g on every cell before it, to below one ulp of u.

    0 where already insignificant (g(0) <= 0, i.e. f <= f*: RV_{1,alpha} = 0);
    inf where no possible confounder suffices (R^2_{D~Xj} = 0; without alpha
    also R^2_{Y~Xj} = 0); NaN for invalid inputs.  Vectorised over specifications
    (processed ``chunk`` at a time).
    """
    a = np.nan if alpha is None else alpha
    t, df, r, ry, a = np.broadcast_arrays(_arr(t), _arr(df), _arr(r2dxj_x), _arr(r2yxj_dx), _arr(a))
    shape = t.shape
    t, df, r, ry, a = (x.ravel() for x in (t, df, r, ry, a))
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.abs(t) / np.sqrt(np.where(df > 0, df, np.nan))
    f_c = _f_crit(df, None if alpha is None else a)
    k_max = np.where(r > 0, (1.0 - r) / np.where(r > 0, r, 1.0), np.inf)
    valid = np.isfinite(f) & np.isfinite(f_c) & (r >= 0) & (r < 1) & (ry >= 0) & (ry < 1)
    out = np.full(t.shape, np.nan)
    out[valid & (f <= f_c)] = 0.0
    out[valid & (f > f_c) & ((r == 0) | ((ry == 0) & (alpha is None)))] = np.inf
    todo = np.flatnonzero(np.isnan(out) & valid)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for s in range(0, todo.size, chunk):
            i = todo[s : s + chunk]
            out[i] = _first_root(f[i], f_c[i], r[i], ry[i]) * k_max[i]
    return _ret(out.reshape(shape))


def _path(u, f, f_c, a, cyr):
    """(Y, g) at u = D = k / k_max along kd = ky = k (a = 1 - R^2_{D~Xj},
    cyr = R^2_{Y~Xj} / ((1 - R^2_{Y~Xj}) R^2_{D~Xj})).  :func:`benchmark_bounds`
    rewritten in u:  Y = min(1, u (sqrt((1 - u a) a) + 1 - a)^2 cyr / (1 - u)),
    which is its limit 1 (0 if R^2_{Y~Xj} = 0) at u = 1."""
    y = np.minimum(1.0, u * (np.sqrt((1.0 - u * a) * a) + 1.0 - a) ** 2 * cyr / np.maximum(1.0 - u, 1e-300))
    return y, f * np.sqrt(1.0 - u) - np.sqrt(y * u) - f_c * np.sqrt(1.0 - y)


def _first_root(f, f_c, r, ry):
    """First u in (0, 1] with g(u) <= 0, by interval branch and bound.

    D = u and Y increase with u, and g = f sqrt(1-D) - sqrt(YD) - f* sqrt(1-Y)
    is monotone in each, so on a cell [u0, u1]
        g >= f sqrt(1 - u1) - sqrt(Y(u1) u1) - f* sqrt(1 - Y(u0)) =: LB.
    Start from the cells of _U_GRID; drop cells with LB > 0 (no root) and every
    cell after the first one whose right end has g <= 0; halve the others,
    _LEVELS times (to below one ulp).  The answer, the right end of the first
    surviving cell with g <= 0 there, is the first root: no dip below the
    critical value is skipped (touches within rounding aside).  Here g(0) > 0
    and g(1) < 0 in every row.
    """
    n, m = f.size, _U_GRID.size - 1
    a, cyr = 1.0 - r, ry / ((1.0 - ry) * r)
    c = (slice(None), None)
    y, g = _path(_U_GRID, f[c], f_c[c], a[c], cyr[c])
    rows = np.repeat(np.arange(n), m)
    cells = (np.tile(_U_GRID[:-1], n), np.tile(_U_GRID[1:], n), y[:, :-1].ravel(), y[:, 1:].ravel(), g[:, 1:].ravel())
    rows, cells = _prune(rows, cells, f, f_c)
    for _ in range(_LEVELS):
        lo, hi, y0, y1, g1 = cells
        mid = 0.5 * (lo + hi)
        ym, gm = _path(mid, f.take(rows), f_c.take(rows), a.take(rows), cyr.take(rows))
        halves = []
        for left, right in ((lo, mid), (mid, hi), (y0, ym), (ym, y1), (gm, g1)):
            both = np.empty(2 * left.size)
            both[0::2], both[1::2] = left, right  # left half before right: order kept
            halves.append(both)
        rows, cells = _prune(np.repeat(rows, 2), halves, f, f_c)
    hit = np.flatnonzero(cells[4] <= 0)
    hit = hit[np.r_[True, rows[hit][1:] != rows[hit][:-1]]] if hit.size else hit  # first per specification
    u = np.full(n, np.nan)
    u[rows[hit]] = cells[1][hit]
    return u


def _prune(rows, cells, f, f_c):
    """Keep the cells (in (spec, position) order) that may hold the first root."""
    lo, hi, y0, y1, g1 = cells
    lb = f.take(rows) * np.sqrt(1.0 - hi) - np.sqrt(y1 * hi) - f_c.take(rows) * np.sqrt(1.0 - y0)
    hit = g1 <= 0
    # sure roots before each cell within its specification: the running count minus
    # its value at the specification's first cell (nondecreasing, so carried by max)
    before = np.cumsum(hit) - hit
    before -= np.maximum.accumulate(np.where(np.r_[True, rows[1:] != rows[:-1]], before, 0))
    keep = np.flatnonzero(((lb <= 0) | hit) & (before == 0))
    return rows.take(keep), tuple(x.take(keep) for x in cells)


# ----------------------------------------------------------------------------- Oster


def oster_rmax(r2_long, multiplier=1.3):
    """Oster's (2019, sec. 4) rule of thumb R_max = min(1, 1.3 R~), calibrated on
    randomised studies (at this bound about 90% of their results survive delta = 1)."""
    return _ret(np.minimum(1.0, _arr(multiplier) * _arr(r2_long)))


def oster_tau_x(se, df, r2_long, var_y):
    """tau_x, the variance (divisor n - 1) of the treatment's residual on the controls,
    from the long regression alone: tau_x = (1 - R~) var_y / (df se^2), with se the
    *classical* SE of the treatment and var_y with divisor n - 1.  (OLS: se^2 =
    sigma^2 / sum(resid_D^2), sigma^2 = (1 - R~)(n - 1) var_y / df.)"""
    se, df = _arr(se), _arr(df)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (1.0 - _arr(r2_long)) * _arr(var_y) / (df * se**2)
    return _ret(np.where((df > 0) & (se > 0), out, np.nan))


def _oster_terms(beta_short, r2_short, beta_long, r2_long, r_max, var_y):
    bs, rs, bl, rl, vy = (_arr(a) for a in (beta_short, r2_short, beta_long, r2_long, var_y))
    rm = oster_rmax(rl) if r_max is None else _arr(r_max)
    rm = np.where((rm > rl) & (rm <= 1), rm, np.nan)  # psacalc refuses R_max > 1; R_max = R~ divides by 0
    return bs, bl, bs - bl, (rl - rs) * vy, (rm - rl) * vy


def oster_delta(beta_short, r2_short, beta_long, r2_long, r_max=None, *, var_y, var_x, tau_x, beta=0.0):
    """Oster's exact delta*: the selection on unobservables, relative to observables, that
    makes the true coefficient equal ``beta`` (default 0: explains the effect away).

    "short" = Y on the treatment only (beta_o, R_o); "long" = with the controls
    (beta~, R~); var_y = sigma_yy, var_x = sigma_xx (variance of the treatment),
    tau_x = variance of the treatment's residual on the controls, all three with
    the same divisor (it cancels).  With nu = beta~ - beta, Db = beta_o - beta~,
    Ro = (R~ - R_o) sigma_yy, Rm = (R_max - R~) sigma_yy (Oster 2019, sec. 3 and
    appendix; psacalc Mata ``bound``):

        delta* = [nu Ro tau_x + nu sigma_xx tau_x Db^2 + 2 nu^2 tau_x Db sigma_xx
                  + nu^3 (tau_x sigma_xx - tau_x^2)]
               / [Rm Db sigma_xx + nu Rm (sigma_xx - tau_x) + nu^2 tau_x Db sigma_xx
                  + nu^3 (tau_x sigma_xx - tau_x^2)]

    (the cubic defining beta* is linear in delta, hence one closed form).
    R_max defaults to :func:`oster_rmax`; any argument may be an array (e.g.
    ``r_max[:, None]`` sweeps R_max over every specification).  NaN where R_max
    is not in (R~, 1].  This exact value is what the workflow should report; see
    :func:`oster_delta_approx` for the textbook approximation.
    """
    bs, bl, db, ro, rm = _oster_terms(beta_short, r2_short, beta_long, r2_long, r_max, var_y)
    sx, tx = _arr(var_x), _arr(tau_x)
    nu = bl - _arr(beta)
    cub = nu**3 * (tx * sx - tx**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        num = nu * ro * tx + nu * sx * tx * db**2 + 2 * nu**2 * tx * db * sx + cub
        den = rm * db * sx + nu * rm * (sx - tx) + nu**2 * tx * db * sx + cub
        out = num / den
    return _ret(np.where(np.isfinite(out), out, np.nan))


def oster_delta_approx(beta_short, r2_short, beta_long, r2_long, r_max=None, *, beta=0.0):
    """Oster's approximation delta ~ (beta~ - beta)(R~ - R_o) / ((beta_o - beta~)(R_max - R~)).

    Her restricted estimator beta* ~ beta~ - delta (beta_o - beta~)(R_max - R~) / (R~ - R_o)
    solved for delta: exact at delta = 1 under her equal-selection conditions
    (Proposition 1), increasingly off as the delta needed moves away from 1 (the
    test has a case where it is twice the exact value).  It needs no variances, so
    it is what published tables allow; the workflow should report :func:`oster_delta`."""
    bs, bl, db, ro, rm = _oster_terms(beta_short, r2_short, beta_long, r2_long, r_max, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (bl - _arr(beta)) * ro / (db * rm)
    return _ret(np.where(np.isfinite(out), out, np.nan))


def oster_beta(beta_short, r2_short, beta_long, r2_long, r_max=None, *, var_y, var_x, tau_x, delta=1.0):
    """Oster's bias-adjusted coefficient beta*(delta, R_max), exactly as psacalc.

    beta* = beta~ - nu with nu a root of (notation of :func:`oster_delta`)

        (delta-1)(tau sx - tau^2) nu^3 + (delta-2) tau Db sx nu^2
          + [delta Rm (sx - tau) - Ro tau - sx tau Db^2] nu + delta Rm Db sx = 0.

    delta = 1 (quadratic, ``d1quadsol``): of the two roots take the one closer to
    beta~, unless it moves beta* in the opposite direction to beta~ - beta_o
    (Oster's Assumption 3), then the other.  delta != 1 (cubic, ``dnot1cubsol``):
    with A, B, C the normalised coefficients, Q = (A^2 - 3B)/9,
    R = (2A^3 - 9AB + 27C)/54: if R^2 < Q^3 three real roots (trigonometric
    form), of which the closest to beta~ among those satisfying Assumption 3 (if
    none does: the first in psacalc's order); else the single real (Cardano)
    root.  NaN where psacalc's formulas are undefined (e.g. beta_o = beta~).
    """
    bs, bl, db, ro, rm = _oster_terms(beta_short, r2_short, beta_long, r2_long, r_max, var_y)
    sx, tx, d = _arr(var_x), _arr(tau_x), _arr(delta)
    bs, bl, db, ro, rm, sx, tx, d = np.broadcast_arrays(bs, bl, db, ro, rm, sx, tx, d)
    want = np.sign(bl - bs)  # Assumption 3: sign(beta* - beta~) = sign(beta~ - beta_o)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # delta = 1: quadratic
        theta = rm * (sx - tx) - ro * tx - sx * tx * db**2
        root = np.sqrt(theta**2 + 4 * rm * db**2 * sx**2 * tx)
        b1, b2 = bl - (-theta - root) / (-2 * tx * db * sx), bl - (-theta + root) / (-2 * tx * db * sx)
        first = np.where((b1 - bl) ** 2 < (b2 - bl) ** 2, b1, b2)
        other = np.where((b1 - bl) ** 2 < (b2 - bl) ** 2, b2, b1)
        quad = np.where(np.sign(first - bl) != want, other, first)
        # delta != 1: cubic x^3 + A x^2 + B x + C = 0 in x = nu
        den = (d - 1) * (tx * sx - tx**2)
        A = tx * db * sx * (d - 2) / den
        B = (d * rm * (sx - tx) - ro * tx - sx * tx * db**2) / den
        C = rm * d * db * sx / den
        Q, R = (A**2 - 3 * B) / 9, (2 * A**3 - 9 * A * B + 27 * C) / 54
        D = R**2 - Q**3
        ang = np.arccos(R / np.sqrt(Q**3))
        sols = [bl - (-2 * np.sqrt(Q) * np.cos((ang + s) / 3) - A / 3) for s in (0.0, 2 * np.pi, -2 * np.pi)]
        dist = [(b - bl) ** 2 for b in sols]
        for i, b in enumerate(sols):  # psacalc: a violator's distance becomes max + 1, in turn
            dist[i] = np.where(np.sign(b - bl) != want, np.maximum.reduce(dist) + 1, dist[i])
        three = np.choose(np.argmin(np.stack(dist), axis=0), sols)
        one = bl - (np.cbrt(-R + np.sqrt(D)) + np.cbrt(-R - np.sqrt(D)) - A / 3)
        cubic = np.where(D < 0, three, one)
    out = np.where(d == 1, quad, cubic)
    return _ret(np.where(np.isfinite(out), out, np.nan))
