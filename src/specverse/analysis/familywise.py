"""Familywise error control across specifications: Romano-Wolf step-down p-values.

Romano, J. P. and Wolf, M. (2005), "Stepwise multiple testing as formalized data
snooping", Econometrica 73(4), 1237-1282, and "Exact and approximate stepdown
methods for multiple hypothesis testing", JASA 100(469), 94-108; adjusted
p-values as in Romano & Wolf (2016), "Efficient computation of adjusted p-values
for resampling-based stepdown multiple testing", Statistics & Probability
Letters 113, 38-40, with the (1 + #) / (1 + B) convention of the engine's
single-hypothesis bootstrap p.

The family is whatever set of hypotheses is passed in: the function adjusts
within it and knows nothing else.  (The workflow's family is scenario x
treatment x term: every specification of one term of one treatment in one
scenario.)  Dependence between the specifications is what makes the step-down
less conservative than Bonferroni/Holm, and it is kept only if the bootstrap
draws are *shared*: row b of ``t_star`` must come from the same resampling
(e.g. the same wild-bootstrap weight vector, restricted to each
specification's rows) for every specification of the family.  Independent
per-specification streams would treat the specifications as independent and
make the adjustment needlessly conservative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# |t*| counts as at least as extreme as |t| when |t*| >= |t| (1 - TIE_RTOL): the engine's
# single-hypothesis convention, so a draw that reproduces the observed statistic up to
# rounding is counted.
from specverse.engine import TIE_RTOL
from specverse.study.plan import ESTIMATOR_ENGINE
from specverse.study.wild_null import WildNull

from .table import usable_models

__all__ = ["romano_wolf", "familywise_table", "TIE_RTOL", "FAMILYWISE_COLUMNS"]

FAMILYWISE_COLUMNS = ["model_id", "term", "p_romano_wolf", "family_size"]

_BLOCK_ELEMENTS = 1 << 22  # draws x hypotheses per block: 32 MB of float64


def romano_wolf(t_obs, t_star, *, chunk: int | None = None, tie_rtol: float = TIE_RTOL) -> np.ndarray:
    """Romano-Wolf step-down adjusted p-values, two-sided, from shared bootstrap draws.

    Parameters
    ----------
    t_obs : (S,) observed t statistics of the S hypotheses of one family.
    t_star : (B, S) bootstrap t statistics drawn under the null (e.g. the
        restricted wild bootstrap, t* = b* / se*); row b is one draw for all S.
    chunk : draws processed per block (default: about 4M numbers per block),
        so S ~ 20,000 and B ~ 10,000 run in bounded memory; the result does not
        depend on it.
    tie_rtol : see :data:`TIE_RTOL`.

    Returns
    -------
    (S,) adjusted p-values; NaN for a hypothesis whose t_obs or any draw is not
    finite (it cannot share the family's draws, so it is left out of the family).

    Algorithm: order the m hypotheses in the family by |t_obs| descending,
    (1), ..., (m).  For step j the statistic is the maximum over the hypotheses
    not yet rejected, M*_{b,j} = max_{i >= j} |t*_{b,(i)}|, a suffix maximum
    along the sorted order, and

        p~_(j) = (1 + #{b : M*_{b,j} >= |t_obs,(j)|}) / (1 + B),
        p_adj,(j) = max(p~_(1), ..., p~_(j))          (monotonicity).

    The suffix maxima of a block of draws are one ``np.maximum.accumulate`` over
    the reversed order, so the cost is O(B S) time and O(chunk S) memory.  With
    S = 1 this is the single-hypothesis bootstrap p.  Tied |t_obs| get the same
    adjusted p whatever their order.
    """
    t_obs = np.asarray(t_obs, dtype=float)
    t_star = np.asarray(t_star)  # converted block by block: no full float64 copy of a large array
    if t_obs.ndim != 1:
        raise ValueError(f"romano_wolf: t_obs must be 1-D (S,), got shape {t_obs.shape}")
    if t_star.ndim != 2 or t_star.shape[1] != t_obs.shape[0]:
        raise ValueError(
            f"romano_wolf: t_star must be (B, S) with S = {t_obs.shape[0]} (one column per t_obs), "
            f"got shape {t_star.shape}"
        )
    if not np.issubdtype(t_star.dtype, np.number):
        raise ValueError(f"romano_wolf: t_star must be numeric, got dtype {t_star.dtype}")
    n_draws, n_hyp = t_star.shape
    if n_draws == 0:
        raise ValueError("romano_wolf: t_star has no draws (B = 0)")
    if not 0 <= tie_rtol < 1:
        raise ValueError(f"romano_wolf: tie_rtol must be in [0, 1), got {tie_rtol}")
    if chunk is None:
        chunk = max(1, _BLOCK_ELEMENTS // max(n_hyp, 1))
    if int(chunk) < 1:
        raise ValueError(f"romano_wolf: chunk must be a positive number of draws, got {chunk}")
    chunk = int(chunk)

    a = np.abs(t_obs)
    ok = np.isfinite(a)
    for s in range(0, n_draws, chunk):
        ok &= np.isfinite(t_star[s : s + chunk]).all(axis=0)
    idx = np.flatnonzero(ok)
    # ascending |t_obs| = the step order reversed, so a forward cumulative max over
    # the columns is the suffix max of the step-down
    rev = idx[np.argsort(a[idx], kind="stable")]
    threshold = a[rev] * (1.0 - tie_rtol)
    hits = np.zeros(rev.size, dtype=np.int64)
    for s in range(0, n_draws, chunk):
        block = np.take(t_star[s : s + chunk], rev, axis=1).astype(float, copy=False)  # take: ~5x faster than [:, rev]
        np.abs(block, out=block)
        np.maximum.accumulate(block, axis=1, out=block)
        hits += np.count_nonzero(block >= threshold, axis=0)
    p_step = (1.0 + hits[::-1]) / (1.0 + n_draws)  # step order: largest |t_obs| first
    out = np.full(n_hyp, np.nan)
    out[rev[::-1]] = np.maximum.accumulate(p_step)
    return out


def familywise_table(models: pd.DataFrame, wild_null: WildNull) -> pd.DataFrame:
    """Romano-Wolf adjusted p-values of every model of one family (scenario x treatment),
    per reported term: ``model_id, term, p_romano_wolf, family_size``.

    The family of a term is every usable OLS / WLS model of the scenario and treatment
    outside post-selection samples (Huber fits have no wild bootstrap; post-selection
    samples treat a data-chosen sample as fixed).  Its draws are the ones estimate_cell
    kept (:mod:`specverse.study.wild_null`): the restricted wild bootstrap of the table
    itself, drawn with the family's shared weights and studentized with
    ``inference.se_type`` -- so a model's single-hypothesis p from them is its ``p_wild``,
    and the step-down keeps the dependence between the models.
    """
    family = usable_models(models)
    family = family[family["estimator"].map(ESTIMATOR_ENGINE) != "huber"]
    model_ids = sorted(family["model_id"].unique())
    out = []
    for term in sorted(family["term"].unique()):
        ids, t_obs, t_star = wild_null.select(model_ids, term)
        if ids.size == 0:
            continue
        out.append(pd.DataFrame({"model_id": ids, "term": term, "p_romano_wolf": romano_wolf(t_obs, t_star),
                                 "family_size": ids.size}))
    return pd.concat(out, ignore_index=True)[FAMILYWISE_COLUMNS] if out else pd.DataFrame(columns=FAMILYWISE_COLUMNS)
