"""Aggregates of a partitioned specification table, streamed through a pyarrow dataset.

With ``table.layout: partitioned`` (config/all_subsets.yaml: every subset of the controls,
7.4 million specifications) the estimation cells' Parquet files are the table's
partitions and no job holds the whole table: the scan reads record batches of
``table.scan_batch_rows`` rows and only the columns below.

What is aggregated follows :mod:`.summary` (same keys, same rules):
- one row per model: a model's estimate is counted once, from the row that carries its
  resampled p-values (the studentizing SE type; Huber's classical H1 row);
- every inference method apart: each analytic SE type from its own rows, Huber's H1, and
  the resampled methods where they were run; significant means two-tailed p < alpha;
- post-selection samples (chosen by looking at the outcome) are kept apart;
- the effect is on the common scale (% of the 2006 baseline).

Beside the summary, which controls move the estimate (every subset of the controls makes
this the natural question): per curve and control term, the median estimate and the share
significant over the models that include the term against those that leave it out.

Every result is an integer count or an order statistic of the collected estimates, so it
is the same whatever the batch size, the fan-out or the order of the partitions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from specverse.engine.vocabulary import SE_TYPES
from specverse.study.controls import CONTROL_TERMS
from specverse.study.plan import COMMON_SCALE, ESTIMATOR_ENGINE

from .models import RESAMPLED_P
from .summary import SIGNIFICANCE_RULE, median_or_none, share_or_none

FAMILY_KEYS = ("scenario", "treatment", "term")
SCAN_COLUMNS = (*FAMILY_KEYS, "control_terms", "estimator", "se_type", "post_selection", "status",
                "resample_status", "estimate_common", "p_two_tailed", *RESAMPLED_P.values())


@dataclass
class _Family:
    """What one curve accumulates over the batches."""

    rows: int = 0
    model_status: Counter = field(default_factory=Counter)
    estimates: list = field(default_factory=list)        # fixed-sample usable models
    post_estimates: list = field(default_factory=list)   # post-selection usable models
    tested: Counter = field(default_factory=Counter)      # method -> models with a p-value
    significant: Counter = field(default_factory=Counter)
    headline: list = field(default_factory=list)         # (estimate, p, control mask) of fixed models
    post_headline: list = field(default_factory=list)    # p of post-selection models


@dataclass
class ScanResult:
    summary: dict
    inclusion: pd.DataFrame


#: Read as Arrow dictionaries (pandas categoricals): few distinct values, millions of rows.
DICTIONARY_COLUMNS = (*FAMILY_KEYS, "control_terms", "estimator", "se_type", "status", "resample_status")


def open_table(paths: Sequence[str]) -> ds.Dataset:
    """The partitions as one dataset (files listed explicitly: a partition directory may
    hold other outputs)."""
    fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=list(DICTIONARY_COLUMNS)))
    return ds.dataset(list(paths), format=fmt)


def batches(table: ds.Dataset, columns: list[str], batch_rows: int):
    """Record batches one at a time: no read-ahead (it would hold several partitions in
    memory at once) and no threads (the job has one core; parallelism is Snakemake's)."""
    scanner = table.scanner(columns=columns, batch_size=batch_rows, batch_readahead=0, fragment_readahead=0,
                            use_threads=False)
    yield from scanner.to_batches()


def scan_table(paths: Sequence[str], *, alpha: float, headline: str, studentized: str,
               batch_rows: int = 200_000) -> ScanResult:
    """Summary (as :func:`specverse.analysis.summary.summarize`'s keys) and the control
    inclusion table of a partitioned specification table."""
    table = open_table(paths)
    columns = [c for c in SCAN_COLUMNS if c in table.schema.names]
    families: dict[tuple, _Family] = defaultdict(_Family)
    rows_by_status, rows_by_resample = Counter(), Counter()
    masks: dict[str, int] = {}
    for batch in batches(table, columns, batch_rows):
        df = batch.to_pandas()
        for counter, col in ((rows_by_status, "status"), (rows_by_resample, "resample_status")):
            counter.update({str(k): int(v) for k, v in df[col].value_counts(sort=False).items() if v})
        for key, g in df.groupby(list(FAMILY_KEYS), sort=False, observed=True):
            _accumulate(families[key], g, alpha=alpha, headline=headline, studentized=studentized, masks=masks)
    methods = _methods(families)
    summary = {
        "alpha": alpha,
        "effect_scale": COMMON_SCALE,
        "table": {"layout": "partitioned", "partitions": len(paths), "batch_rows": batch_rows},
        "inference": {"headline": headline, "studentized_with": studentized, "methods": methods, "rule": SIGNIFICANCE_RULE},
        "counts": {
            "specification_rows": int(sum(rows_by_status.values())),
            "models": int(sum(sum(f.model_status.values()) for f in families.values())),
            "models_usable": int(sum(len(_cat(f.estimates)) + len(_cat(f.post_estimates)) for f in families.values())),
            "models_post_selection": int(sum(len(_cat(f.post_estimates)) for f in families.values())),
            "rows_by_status": dict(sorted((k, int(v)) for k, v in rows_by_status.items())),
            "rows_by_resample_status": dict(sorted((k, int(v)) for k, v in rows_by_resample.items())),
        },
        "curves": [_curve(key, families[key], methods, alpha) for key in sorted(families)],
    }
    inclusion = pd.DataFrame([row for key in sorted(families) for row in _inclusion(key, families[key], alpha)])
    return ScanResult(summary, inclusion)


def _accumulate(fam: _Family, g: pd.DataFrame, *, alpha: float, headline: str, studentized: str,
                masks: dict[str, int]) -> None:
    fam.rows += len(g)
    huber = _isin(g["estimator"], [e for e, engine in ESTIMATOR_ENGINE.items() if engine == "huber"])
    se = {s: _isin(g["se_type"], [s]) for s in {*SE_TYPES, studentized}}
    ok = _isin(g["status"], ["ok"])
    post = g["post_selection"].to_numpy(bool)
    p = g["p_two_tailed"].to_numpy(float)
    est = g["estimate_common"].to_numpy(float)

    model_row = np.where(huber, se["classical"], se[studentized])
    status = g["status"][model_row].value_counts(sort=False)
    fam.model_status.update({str(k): int(v) for k, v in status.items() if v})
    fam.estimates.append(est[model_row & ok & ~post])
    fam.post_estimates.append(est[model_row & ok & post])

    fixed = ok & ~post
    carriers = {s: ~huber & se[s] for s in SE_TYPES} | {"huber": huber & se["classical"]}
    for method, rows in carriers.items():
        _count(fam, method, p[rows & fixed], alpha)
    for method, col in RESAMPLED_P.items():
        if col in g:
            _count(fam, method, g[col].to_numpy(float)[model_row & fixed], alpha)

    # the headline method's rows: one per model, each with its estimate and control set
    if headline in RESAMPLED_P:
        carrier, p_head = model_row, g[RESAMPLED_P[headline]].to_numpy(float) if RESAMPLED_P[headline] in g else np.full(len(g), np.nan)
    else:
        carrier, p_head = np.where(huber, se["classical"], _isin(g["se_type"], [headline])), p
    h = carrier & fixed
    terms = g["control_terms"]
    if isinstance(terms.dtype, pd.CategoricalDtype):
        codes, sets = terms.cat.codes.to_numpy()[h], terms.cat.categories
    else:
        codes, sets = pd.factorize(terms.to_numpy()[h])
    # one mask per distinct set; the appended 0 is what code -1 (no controls: null) reads
    lookup = np.array([*(_mask(str(c), masks) for c in sets), 0], dtype=np.int64)
    mask = lookup[codes]
    fam.headline.append((est[h], p_head[h], mask))
    fam.post_headline.append(p_head[carrier & ok & post])


def _isin(column: pd.Series, values: list[str]) -> np.ndarray:
    """Rows whose value is among ``values``, on the categorical codes (no string per row)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = [i for i, c in enumerate(column.cat.categories) if c in values]
        return np.isin(column.cat.codes.to_numpy(), codes)
    return column.astype(str).isin(values).to_numpy()


def _count(fam: _Family, method: str, p: np.ndarray, alpha: float) -> None:
    have = np.isfinite(p)
    if have.any():
        fam.tested[method] += int(have.sum())
        fam.significant[method] += int((p[have] < alpha).sum())


def _mask(control_terms: str, cache: dict[str, int]) -> int:
    """Bit i set when CONTROL_TERMS[i] is among a row's controls (other terms ignored)."""
    if control_terms not in cache:
        present = set(control_terms.split(";")) if control_terms else set()
        cache[control_terms] = sum(1 << i for i, t in enumerate(CONTROL_TERMS) if t in present)
    return cache[control_terms]


def _methods(families: dict) -> list[str]:
    seen = set().union(*(f.tested for f in families.values())) if families else set()
    order = [*SE_TYPES, "huber", *RESAMPLED_P]
    return [m for m in order if m in seen]


def _curve(key: tuple, fam: _Family, methods: list[str], alpha: float) -> dict:
    est = _cat(fam.estimates)
    h_est, h_p, _ = _headline(fam)
    with_p = np.isfinite(h_p)
    post_p = _cat(fam.post_headline)
    post_p = post_p[np.isfinite(post_p)]
    shares = {m: (fam.significant[m] / fam.tested[m] if fam.tested[m] else None) for m in methods}
    shares["headline"] = share_or_none(h_p[with_p] < alpha)
    return {
        **dict(zip(FAMILY_KEYS, key)),
        "models": int(est.size),
        "models_not_usable": {k: int(v) for k, v in sorted(fam.model_status.items()) if k != "ok"},
        "models_post_selection_apart": int(_cat(fam.post_estimates).size),
        "median_estimate_common": median_or_none(est),
        "quantiles_estimate_common": {q: (float(np.quantile(est, v)) if est.size else None)
                                      for q, v in (("q05", 0.05), ("q25", 0.25), ("q75", 0.75), ("q95", 0.95))},
        "share_positive": share_or_none(est > 0),
        "share_significant": shares,
        "models_with_p": {**{m: int(fam.tested[m]) for m in methods}, "headline": int(with_p.sum())},
        "share_significant_positive_headline": share_or_none((h_p[with_p] < alpha) & (h_est[with_p] > 0)),
        "post_selection": {"median_estimate_common": median_or_none(_cat(fam.post_estimates)),
                           "share_significant_headline": share_or_none(post_p < alpha)},
    }


def _inclusion(key: tuple, fam: _Family, alpha: float) -> Iterable[dict]:
    """Per control term: the models that include it against those that leave it out."""
    est, p, mask = _headline(fam)
    have = np.isfinite(p)  # shares among the models the headline method covers
    sig = have & (p < alpha)
    for i, term in enumerate(CONTROL_TERMS):
        inside = (mask >> i & 1).astype(bool)
        if not inside.any() and not (~inside).any():
            continue
        with_, without = est[inside], est[~inside]
        yield {
            **dict(zip(FAMILY_KEYS, key)), "control": term,
            "models_with": int(inside.sum()), "models_without": int((~inside).sum()),
            "median_with": median_or_none(with_), "median_without": median_or_none(without),
            "shift_in_median": (median_or_none(with_) - median_or_none(without)) if with_.size and without.size else None,
            "share_significant_with": share_or_none(sig[inside & have]), "share_significant_without": share_or_none(sig[~inside & have]),
        }


def _headline(fam: _Family) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not fam.headline:
        return np.array([]), np.array([]), np.array([], dtype=np.int64)
    parts = list(zip(*fam.headline))
    return _cat(parts[0]), _cat(parts[1]), np.concatenate(parts[2]).astype(np.int64)


def _cat(parts) -> np.ndarray:
    return np.concatenate(list(parts)) if len(parts) else np.array([])
