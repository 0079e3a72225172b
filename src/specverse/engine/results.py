"""Result containers and the long-format table of :func:`fit_specs`."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .status import NAMES as STATUS_NAMES
from .status import OK

COEF_COLUMNS = [
    "term",
    "estimate",
    "std_error",
    "t",
    "df",
    "p_two_tailed",
    "p_greater",
    "ci_low",
    "ci_high",
]

#: Column order of the fit_specs table: one row per spec x term x se_type.
SPEC_COLUMNS = ["spec", "term", "se_type", *COEF_COLUMNS[1:], "n", "k", "r_squared", "adj_r_squared", "f_statistic", "status"]


def inference(estimate, std_error, df, alpha: float, dist: str = "t") -> dict:
    """t statistic, two-tailed p, one-tailed p_greater (H1: coefficient > 0) and CI.

    ``dist="t"`` uses Student t with ``df`` (OLS/WLS, as statsmodels with
    ``use_t=True``); ``dist="normal"`` the standard normal (as RLM).
    """
    estimate = np.asarray(estimate, dtype=float)
    std_error = np.asarray(std_error, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = estimate / std_error
    # scipy.special ufuncs are what scipy.stats.t / norm evaluate, without the
    # per-call argument handling.
    if dist == "t":
        df = np.asarray(df, dtype=float)
        tail = special.stdtr(df, -np.abs(t))  # the smaller tail, computed once
        p2 = 2.0 * tail
        # one-tailed (H1: > 0) is the small tail for t > 0, its complement else
        p1 = np.where(t > 0, tail, 1.0 - tail)
        # few distinct df in a batch: invert the t CDF once per df
        udf, inv = np.unique(df, return_inverse=True)
        q = special.stdtrit(udf, 1.0 - alpha / 2.0)[inv.reshape(df.shape)]
    elif dist == "normal":
        p2 = 2.0 * special.ndtr(-np.abs(t))
        p1 = special.ndtr(-t)
        q = special.ndtri(1.0 - alpha / 2.0)
    else:
        raise ValueError(f"unknown distribution {dist!r}")
    return dict(
        t=t,
        p_two_tailed=p2,
        p_greater=p1,
        ci_low=estimate - q * std_error,
        ci_high=estimate + q * std_error,
    )


@dataclass
class FullFit:
    """One regression with every coefficient (Table 2 style).

    ``resid``, ``fitted``, ``leverage`` and ``cooks_distance`` have one entry
    per *input* row; rows dropped for missing values are NaN (see ``used``).
    For WLS, ``resid`` are raw residuals ``y - fitted`` and leverage / Cook's
    distance are those of the sqrt-weight transformed regression.
    """

    coefficients: pd.DataFrame
    n: int
    k: int
    df_resid: int
    se_type: str
    estimator: str
    r_squared: float
    adj_r_squared: float
    f_statistic: float
    f_p_value: float
    cov: np.ndarray
    resid: np.ndarray
    fitted: np.ndarray
    leverage: np.ndarray
    cooks_distance: np.ndarray
    used: np.ndarray


class SpecTable:
    """Accumulates per-group arrays and assembles the long DataFrame once.

    t, p and CI are computed once over all rows at the end (scipy's
    distribution calls have a fixed cost worth paying once, not per group).
    Status and SE type are small-int codes until then.
    """

    def __init__(self, alpha: float, se_order):
        self.alpha = alpha
        self.se_order = tuple(se_order)
        self.parts: list[dict] = []

    def add(
        self,
        spec_idx,
        term_cols,
        se_type: str,
        estimate,
        std_error,
        df,
        n,
        k,
        r_squared,
        adj_r_squared,
        f_statistic,
        status,
        dist: str = "t",
    ):
        """Add ``S_g x m`` rows (specs x terms) for one SE type.

        ``estimate``/``std_error``/``term_cols`` are ``(S_g, m)``; the per-spec
        quantities are ``(S_g,)`` or scalars; ``status`` ``(S_g,)`` codes from
        :mod:`.status` (or one code).  Numbers of rows not "ok" become NaN.
        """
        S, m = np.shape(term_cols)
        status = np.broadcast_to(np.asarray(status, dtype=np.int8), (S,))
        ok = status == OK

        def per_spec(v, blank=False):
            v = np.broadcast_to(np.asarray(v, dtype=float), (S,))
            return np.repeat(np.where(ok, v, np.nan) if blank else v, m)

        self.parts.append(
            dict(
                spec=np.repeat(spec_idx, m),
                term=np.asarray(term_cols).ravel(),
                se_type=np.full(S * m, self.se_order.index(se_type), dtype=np.int8),
                estimate=np.where(ok[:, None], estimate, np.nan).ravel(),
                std_error=np.where(ok[:, None], std_error, np.nan).ravel(),
                # the normal reference is Student t with infinite df
                df=per_spec(np.inf if dist == "normal" else df),
                n=per_spec(n),
                k=per_spec(k),
                r_squared=per_spec(r_squared, True),
                adj_r_squared=per_spec(adj_r_squared, True),
                f_statistic=per_spec(f_statistic, True),
                status=np.repeat(status, m),
                _pos=np.tile(np.arange(m), S),
                _normal=np.full(S * m, dist == "normal"),
            )
        )

    def frame(self) -> pd.DataFrame:
        """Concatenate, sorted by (spec, term position, se_type order)."""
        if not self.parts:
            return pd.DataFrame({c: [] for c in SPEC_COLUMNS})
        keys = [c for c in SPEC_COLUMNS if c in self.parts[0]] + ["_pos", "_normal"]
        cols = {c: np.concatenate([p[c] for p in self.parts]) for c in keys}
        normal = cols.pop("_normal")
        for dist, sel in (("t", ~normal), ("normal", normal)):
            if sel.all():
                sel = slice(None)
            elif not sel.any():
                continue
            inf = inference(
                cols["estimate"][sel], cols["std_error"][sel], cols["df"][sel], self.alpha, dist
            )
            for key, v in inf.items():
                cols.setdefault(key, np.full(len(normal), np.nan))[sel] = v
        # the term's position within its spec keeps the caller's term order
        order = np.lexsort((cols["se_type"], cols.pop("_pos"), cols["spec"]))
        if (order[1:] > order[:-1]).all():  # already in order (e.g. one group)
            out = {c: cols[c] for c in SPEC_COLUMNS}
        else:
            out = {c: cols[c][order] for c in SPEC_COLUMNS}
        for c in ("spec", "term", "n", "k"):
            out[c] = out[c].astype(np.int64)
        # string columns by code lookup in a tiny pandas string array: converting
        # a per-row numpy unicode array costs ~10x more at 1,000s of rows
        for c, names in (("se_type", self.se_order), ("status", STATUS_NAMES)):
            out[c] = _str_array(tuple(names)).take(out[c].astype(np.intp))
        return pd.DataFrame(out, copy=False)


@functools.lru_cache(maxsize=64)
def _str_array(names: tuple) -> pd.api.extensions.ExtensionArray:
    """A small pandas string array of ``names`` (read-only use: ``take``)."""
    return pd.array(np.asarray(names, dtype=object), dtype="str")
