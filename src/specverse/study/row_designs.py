"""The regression design of a specification-table row, rebuilt from its data variant.

A row's design is fully given by the table: the outcome column, the treatment term(s),
``control_terms`` (already without controls constant in the sample), the sample and
the estimator's weights.  Rows whose regressors, sample and weights are identical share
one design (whatever their baseline), each distinct outcome vector being one more
right-hand side, so family-level resampling refits each design once.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from specverse.engine import SharedPairsDesign

from .plan import ESTIMATOR_WEIGHTS, OUTCOME_COLUMN, TREATMENT_TERMS
from .variants import sample_rows


def build_designs(rows: pd.DataFrame, variants: Mapping[str, pd.DataFrame], treatment: str):
    """Designs for the rows of one treatment, and each row's (design, outcome, term) position.

    ``variants`` maps baseline -> the variant table of the scenario (rows in the same
    area order for every baseline).  Rows whose regressors, sample and weights are
    identical share one design (whatever their baseline: e.g. ``target_on`` with the
    same controls), each distinct outcome vector being one more right-hand side.
    Returns ``(designs, where)`` with ``where`` an int array (len(rows), 3).
    """
    terms = list(TREATMENT_TERMS[treatment])
    x_cache, y_cache, s_cache, content = {}, {}, {}, {}
    designs, index, outcomes = [], {}, []
    where = np.empty((len(rows), 3), dtype=int)
    missing = sorted(set(rows["baseline"]) - set(variants))
    if missing:
        raise ValueError(f"joint test: no data variant for baseline(s) {missing}; have {sorted(variants)}")
    for i, row in enumerate(rows.itertuples(index=False)):
        frame = variants[row.baseline]
        xk = (row.baseline, row.control_terms or "")
        if xk not in x_cache:
            controls = [c for c in str(row.control_terms or "").split(";") if c and c != "nan"]
            v = frame[terms + controls].to_numpy(float)
            fin = np.isfinite(v).all(axis=1)
            X = np.column_stack([np.where(np.isfinite(v), v, 0.0), np.ones(len(frame))])
            x_cache[xk] = (content.setdefault(X.tobytes(), len(content)), X, fin)
        x_id, X, fin = x_cache[xk]
        yk = (row.baseline, OUTCOME_COLUMN[row.outcome])
        if yk not in y_cache:
            y_cache[yk] = frame[yk[1]].to_numpy(float)
        y = y_cache[yk]
        sk = (row.baseline, row.sample)
        if sk not in s_cache:
            s_cache[sk] = sample_rows(frame, row.sample, row.treatment)
        mask = s_cache[sk] & fin & np.isfinite(y)
        wcol = ESTIMATOR_WEIGHTS.get(row.estimator)
        weights = None
        if wcol is not None:
            weights = frame[wcol].to_numpy(float)
            mask &= np.isfinite(weights) & (weights > 0)
        key = (x_id, mask.tobytes(), row.estimator)
        if key not in index:
            index[key] = len(designs)
            designs.append([X, mask, weights, []])
            outcomes.append({})
        d = index[key]
        if yk not in outcomes[d]:
            outcomes[d][yk] = len(outcomes[d])
            designs[d][3].append(np.where(mask, y, 0.0))
        where[i] = (d, outcomes[d][yk], terms.index(row.term))
    built = [
        SharedPairsDesign(X=X, rows=mask, Y=np.column_stack(ys), terms=tuple(range(len(terms))), weights=w)
        for X, mask, w, ys in designs
    ]
    return built, where
