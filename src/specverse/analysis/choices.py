"""What each option of each choice does to the estimate: specr's ``summarise_specs`` per choice.

For every curve (scenario x treatment x term) and every option of every choice
dimension: how many usable models made that choice, and the median, MAD, quartiles,
minimum and maximum of their estimates on the common scale, and the share significant
by the headline method.  An option whose estimates sit far from the curve's other
options is a choice the result depends on.

Counting follows the curves (:func:`.table.usable_models`): each model once, status ok,
finite estimate; models of post-selection samples never pooled with the others.  A
post-selection sample option (``no_influential``) gets its own row, flagged, from its own
models.  MAD is R's ``mad()`` as specr reports it: 1.4826 x the median absolute
deviation (the standard deviation for normal data).  The share significant counts
``p_headline < alpha`` among the models that have a headline p; ``models_with_p`` is
that denominator (a Huber fit has no wild-bootstrap p, for example).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .table import CHOICE_DIMENSIONS, CURVE_KEYS, PAPER_CHOICES, check_columns, unusable_models, usable_models

#: R's mad() constant, so the column reads as specr's.
MAD_SCALE = 1.4826
#: The row of a curve's models taken together (specr's ungrouped summary).
ALL = ("all", "all models")
COLUMNS = (*CURVE_KEYS, "dimension", "option", "post_selection", "models", "median", "mad", "q25", "q75",
           "min", "max", "models_with_p", "share_significant", "models_not_usable")


def describe(estimates: np.ndarray, p: np.ndarray, alpha: float) -> dict:
    """Summary statistics of one group of models (estimates and headline p-values)."""
    e = np.asarray(estimates, float)
    p = np.asarray(p, float)
    have_p = np.isfinite(p)
    empty = len(e) == 0
    med = np.nan if empty else float(np.median(e))
    return {
        "models": int(len(e)),
        "median": med,
        "mad": np.nan if empty else MAD_SCALE * float(np.median(np.abs(e - med))),
        "q25": np.nan if empty else float(np.quantile(e, 0.25)),
        "q75": np.nan if empty else float(np.quantile(e, 0.75)),
        "min": np.nan if empty else float(e.min()),
        "max": np.nan if empty else float(e.max()),
        "models_with_p": int(have_p.sum()),
        "share_significant": float(np.mean(p[have_p] < alpha)) if have_p.any() else np.nan,
    }


def choice_summary(models: pd.DataFrame, *, alpha: float, dimensions=CHOICE_DIMENSIONS,
                   option_label: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    """One row per curve x dimension x option (plus one per curve for all its models).

    ``option_label(dimension, option)`` groups options (the figure collapses controls
    into classes); by default every option is its own row.  Within a dimension the
    paper's own option comes first, then the others alphabetically.
    """
    needed = [*CURVE_KEYS, *dimensions, "estimate_common", "std_error_common", "p_headline", "status",
              "post_selection"]
    check_columns(models, needed, "choice_summary")
    models = models[needed]  # the rest of a 60-column table only slows every selection
    label = option_label or (lambda _dim, option: option)
    rows = []
    fixed_all = usable_models(models)
    with_post = usable_models(models, post_selection=True)
    post_all = with_post[with_post["post_selection"].astype(bool)]
    # excluded, not converged or failed: counted beside the option they would have belonged to
    bad_all = unusable_models(models)
    # every curve with a usable model, also one whose models are all post-selection
    # (sample: [no_influential]): its "all models" row then counts 0 fixed-sample models
    keys = sorted(set(with_post[list(CURVE_KEYS)].itertuples(index=False, name=None)))
    for key in keys:
        curve = dict(zip(CURVE_KEYS, key))
        fixed, post, bad = fixed_all, post_all, bad_all
        for col, value in curve.items():
            fixed, post, bad = fixed[fixed[col] == value], post[post[col] == value], bad[bad[col] == value]
        bad_post = bad["post_selection"].astype(bool).to_numpy()
        rows.append({**curve, "dimension": ALL[0], "option": ALL[1], "post_selection": False,
                     **_stats(fixed, alpha), "models_not_usable": int((~bad_post).sum())})
        for dim in dimensions:
            for post_flag, group in ((False, fixed), (True, post)):
                if dim != "sample" and post_flag:
                    continue  # post-selection models only under their own sample option
                shown = [label(dim, str(o)) for o in group[dim]]
                bad_shown = np.asarray([label(dim, str(o)) for o in bad[dim]], dtype=object)
                paper = label(dim, PAPER_CHOICES[dim]) if dim in PAPER_CHOICES else None
                for option in sorted(set(shown), key=lambda o: (o != paper, o)):
                    sel = np.asarray(shown) == option
                    rows.append({**curve, "dimension": dim, "option": option, "post_selection": post_flag,
                                 **_stats(group[sel], alpha),
                                 "models_not_usable": int(((bad_shown == option) & (bad_post == post_flag)).sum())})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _stats(group: pd.DataFrame, alpha: float) -> dict:
    return describe(group["estimate_common"].to_numpy(float), group["p_headline"].to_numpy(float), alpha)
