"""Evaluate one fan-out cell of the multiverse: every specification x reported term.

A cell's specifications are grouped into engine calls that share the outcome vector, the
weights and the estimator (same data variant, outcome, estimator); the engine further
batches by row set. Each call fits every SE type at once, and resampling runs once per
model (a specification minus its se_type), its results shared by that model's SE rows.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Iterator, Mapping

import numpy as np
import pandas as pd

from specverse.engine import RegSpec, fit_specs, release_freed_memory, resample, spec_seed

from .cell_models import Model, Variants, reg_spec, resolve_models, resolve_rows
from .cell_table import assemble, on_common_scale
from .plan import DIMENSIONS, ESTIMATOR_ENGINE, ESTIMATOR_WEIGHTS, OUTCOME_COLUMN, REGRESSOR_COLUMNS, Multiverse, Spec, \
    astuple_fast
from .wild_null import WildNull


def evaluate_cell(
    variants: Mapping[tuple[str, str], pd.DataFrame],
    universe: Multiverse,
    cell: Mapping[str, str] | None,
    *,
    seed: int,
    inference: Mapping,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Every specification x reported term of one cell, as rows of the specification table.

    variants maps (scenario, baseline) to the variant table (see variants.build_variant).
    inference: methods, draws, wild_weights, permutation, alpha, se_type (studentization
    of the resampled statistics).  n_jobs: worker processes (the results do not depend on it).
    """
    return evaluate_cell_and_draws(variants, universe, cell, seed=seed, inference=inference, n_jobs=n_jobs).table


@dataclass(frozen=True)
class CellEstimates:
    """A cell's rows of the specification table, and the restricted wild t* behind its
    p_wild (every resampled OLS / WLS model), for the family's Romano-Wolf step-down."""

    table: pd.DataFrame
    wild_null: WildNull


def evaluate_cell_and_draws(
    variants: Mapping[tuple[str, str], pd.DataFrame],
    universe: Multiverse,
    cell: Mapping[str, str] | None,
    *,
    seed: int,
    inference: Mapping,
    n_jobs: int = 1,
) -> CellEstimates:
    """:func:`evaluate_cell`, keeping the wild draws (see :class:`CellEstimates`)."""
    table, wild_parts = _evaluate(Variants(variants), universe, cell, seed=seed, inference=inference, n_jobs=n_jobs)
    return CellEstimates(table, WildNull.from_parts(wild_parts, int(inference.get("draws", 999))))


#: The dimensions before `controls`, which every engine batch holds fixed (BATCH_KEY).
CHUNK_DIMENSIONS = ("scenario", "baseline", "outcome", "treatment")


def cell_chunks(universe: Multiverse, cell: Mapping[str, str] | None,
                max_specs: int | None = None) -> list[dict[str, str]]:
    """The parts a job evaluates one after another, in enumeration order: the cell split
    along the fewest chunk dimensions it leaves free (in their order) that bring every
    part to at most ``max_specs`` specifications (None: one chunk per combination of all
    of them).  No engine batch spans two chunks and the leading dimensions order the
    enumeration, so the chunks' rows, put end to end, are the cell's rows exactly (tested).
    A small cell stays whole: its resampling shares draws across outcomes and baselines."""
    cell = dict(cell or {})
    free = [d for d in CHUNK_DIMENSIONS if d not in cell]
    size = math.prod(len(universe.options[d]) for d in DIMENSIONS if d not in cell)
    split = len(free)
    if max_specs is not None:
        split = 0
        while split < len(free) and size > max_specs:
            size //= len(universe.options[free[split]])
            split += 1
    dims = free[:split]
    return [{**cell, **dict(zip(dims, combo))} for combo in itertools.product(*(universe.options[d] for d in dims))]


def evaluate_chunks(
    variants: Mapping[tuple[str, str], pd.DataFrame],
    universe: Multiverse,
    cell: Mapping[str, str] | None,
    *,
    seed: int,
    inference: Mapping,
    n_jobs: int = 1,
    max_specs: int | None = None,
) -> Iterator[tuple[pd.DataFrame, list]]:
    """The cell chunk by chunk (:func:`cell_chunks`): each chunk's rows and wild-draw parts
    (:meth:`WildNull.from_parts`), so that a job holds one chunk in memory, not its cell."""
    data = Variants(variants)
    for chunk in cell_chunks(universe, cell, max_specs):
        yield _evaluate(data, universe, chunk, seed=seed, inference=inference, n_jobs=n_jobs)
    # the chunks' temporaries are freed but the heap keeps their pages; the caller next
    # stacks the kept wild t* (260 MB in a full-config cell), which would come on top
    release_freed_memory()


def _evaluate(data: Variants, universe: Multiverse, cell, *, seed: int, inference: Mapping, n_jobs: int):
    models = resolve_models(data, universe, universe.specs(cell))
    fits, draws, wild_parts = _estimate(data, models, universe, seed=seed, inference=inference, n_jobs=n_jobs)
    table = assemble(models, fits, draws, methods=tuple(inference.get("methods", ())),
                     studentized=inference.get("se_type", "HC1"))
    return (table if table.empty else on_common_scale(table, data.frames)), wild_parts


def studentizing_se_type(estimator: str, se_type: str) -> str:
    """The SE type whose rows carry a model's resampled p-values: ``inference.se_type``
    for OLS / WLS; Huber's own H1 covariance (its ``classical`` row) for Huber."""
    return "classical" if ESTIMATOR_ENGINE[estimator] == "huber" else se_type


BATCH_KEY = ("scenario", "baseline", "outcome", "estimator", "treatment", "sample")
CONTROLS_AT = DIMENSIONS.index("controls")
SAMPLE_AT = BATCH_KEY.index("sample")
assert SAMPLE_AT == len(BATCH_KEY) - 1  # a batch key without its sample is key[:SAMPLE_AT]


def _estimate(data: Variants, models: list[Model], universe: Multiverse, *, seed: int, inference: Mapping,
              n_jobs: int = 1):
    """Fit and resample the cell's models, batch by batch.

    A batch shares the outcome vector, weights and estimator (BATCH_KEY fixes them, plus
    treatment and sample) and always holds every configured controls option in canonical
    order, with every configured SE type: batched linear algebra may round differently
    with the batch's composition, so a model's numbers must never depend on which cell
    (fan-out) it was computed in. When `controls` is fanned out, a job therefore fits its
    batch-mates too (cheap) and keeps only its own rows. Resampling, the expensive part,
    runs once per model of the cell; the engine draws each specification on its own.

    ``n_jobs`` > 1 spreads the batches over that many worker processes (joblib; each
    keeps one BLAS thread): a job given several cores (Snakemake ``threads``) uses them,
    and since every batch is computed whole, with seeds from its family, the results do
    not depend on ``n_jobs``.
    """
    by_key: dict[Spec, int] = {m.spec: i for i, m in enumerate(models)}
    batches: dict[tuple, list[int]] = {}
    for i, model in enumerate(models):
        batches.setdefault(tuple(getattr(model.spec, d) for d in BATCH_KEY), []).append(i)
    tasks = list(enumerate(batches.values()))
    if n_jobs > 1 and len(tasks) > 1:
        from joblib import Parallel, delayed

        # The batches that differ only in their sample stay in one worker (they may share
        # resampled models, see _estimate_batch); such groups go round-robin, so neighbouring
        # groups (same estimator, similar cost) go to different workers.
        groups: dict[tuple, list] = {}
        for task, key in zip(tasks, batches):
            groups.setdefault(key[:SAMPLE_AT], []).append(task)
        spread = list(groups.values())
        chunks = [[t for g in spread[w::n_jobs] for t in g] for w in range(min(n_jobs, len(spread)))]
        done = Parallel(n_jobs=len(chunks), backend="loky")(
            delayed(_estimate_batches)(data, models, by_key, chunk, universe, seed, inference) for chunk in chunks)
        results = sorted((r for part in done for r in part), key=lambda r: r[0])
    else:
        results = _estimate_batches(data, models, by_key, tasks, universe, seed, inference)
    fit_parts = [r[1] for r in results]
    draw_parts = [r[2] for r in results if r[2] is not None]
    wild_parts = [w for r in results for w in r[3]]
    fits = pd.concat(fit_parts, ignore_index=True) if fit_parts else None
    draws = pd.concat(draw_parts, ignore_index=True) if draw_parts else None
    return fits, draws, wild_parts


def _estimate_batches(data, models, by_key, tasks, universe, seed, inference) -> list[tuple]:
    """``(batch number, fit rows, resampling rows or None, kept wild t*)`` per batch."""
    memo: dict[tuple, tuple] = {}  # resampled models by _design_key, shared by the batches
    return [(b, *_estimate_batch(data, models, by_key, idx, universe, seed, inference, memo)) for b, idx in tasks]


def _estimate_batch(data, models, by_key, idx, universe, seed, inference, memo):
    """Fit one batch (its canonical controls set) and resample its models of the cell."""
    methods = tuple(inference.get("methods", ()))
    alpha = float(inference.get("alpha", 0.05))
    template = models[idx[0]].spec
    outcome, estimator = template.outcome, template.estimator
    df = data.frame(template)
    y = df[OUTCOME_COLUMN[outcome]].to_numpy(dtype=float)
    regressors = df[list(REGRESSOR_COLUMNS)].to_numpy(dtype=float)
    weights = None
    if estimator in ESTIMATOR_WEIGHTS:
        weights = data.col(template, ESTIMATOR_WEIGHTS[estimator])
    # The canonical batch: this batch's model for every configured controls option.
    canonical = []
    choices = list(astuple_fast(template))
    for option in universe.options["controls"]:
        choices[CONTROLS_AT] = option
        spec = Spec(*choices)
        if spec in by_key:
            canonical.append(models[by_key[spec]])
        else:
            extra = Model(spec)
            resolve_rows(extra, data)
            canonical.append(extra)
    reg_specs = [reg_spec(m) for m in canonical]
    fit = fit_specs(
        y,
        regressors,
        reg_specs,
        weights=weights,
        estimator=ESTIMATOR_ENGINE[estimator],
        se_types=universe.options["se_type"],
        alpha=alpha,
        huber_maxiter=int(inference.get("huber_maxiter", 500)),
    )
    position = {id(m): j for j, m in enumerate(canonical)}
    mine = np.full(len(canonical), -1)
    for i in idx:
        mine[position[id(models[i])]] = i
    fit["model"] = mine[fit["spec"].to_numpy()]
    fit = fit[fit["model"] >= 0]
    if not methods:
        return fit, None, []
    fitted_ok = set(fit.loc[fit["status"] == "ok", "model"].unique())
    live = [i for i in sorted(idx, key=lambda i: position[id(models[i])])
            if i in fitted_ok and models[i].no_resampling is None and len(models[i].excluded) < len(models[i].se_specs)]
    if not live:
        return fit, None, []
    family_seed = spec_seed(seed, template.family_identity())
    stud = studentizing_se_type(estimator, inference.get("se_type", "HC1"))
    # A model whose regression is another's of this job (same family, data, outcome, estimator,
    # controls and rows, e.g. sample common_131 = all when the treatment is missing on the
    # same rows) gets that model's resampling: its draws depend on the family seed and its
    # rows only, so recomputing them would give the same numbers bit for bit (tested).
    design = {i: reg_specs[position[id(models[i])]] for i in live}
    keys = {i: _design_key(template, design[i]) for i in live}
    fresh = [i for i in live if keys[i] not in memo]
    if fresh:
        new, new_wild_t = _resample(y, regressors, [design[i] for i in fresh], family_seed,
                                    weights, estimator, methods, inference, alpha, stud)
        spec_at = new["spec"].to_numpy()
        order = np.argsort(spec_at, kind="stable")
        bounds = np.searchsorted(spec_at[order], np.arange(len(fresh) + 1))
        for p, i in enumerate(fresh):  # (the call's rows, this model's positions in them, its wild t*)
            memo[keys[i]] = (new, order[bounds[p]: bounds[p + 1]], new_wild_t[p])
    res, wild_t = _take_resampled([memo[keys[i]] for i in live], live)
    res["se_type"] = stud
    wild_parts = []
    for i, kept in zip(live, wild_t):
        if kept is not None:
            spec = models[i].spec
            wild_parts.extend((spec.model_id, term, kept["t"][j], kept["t_star"][:, j].astype(np.float32))
                              for j, term in enumerate(spec.treatment_terms))
    return fit, res, wild_parts


def _take_resampled(entries: list[tuple], live: list[int]) -> tuple[pd.DataFrame, list]:
    """The resampling rows of the ``live`` models from their memo ``entries`` (one
    positional take over the few calls they come from, not a frame per model)."""
    frames: dict[int, tuple[int, pd.DataFrame]] = {}
    take, model = [], []
    for (frame, pos, _), i in zip(entries, live):
        if id(frame) not in frames:
            frames[id(frame)] = (sum(len(f) for _, f in frames.values()), frame)
        take.append(frames[id(frame)][0] + pos)
        model.append(np.full(pos.size, i))
    whole = pd.concat([f for _, f in frames.values()], ignore_index=True) if len(frames) > 1 \
        else next(iter(frames.values()))[1]
    res = whole.take(np.concatenate(take)).drop(columns="spec").reset_index(drop=True)
    res["model"] = np.concatenate(model)
    return res, [entry[2] for entry in entries]


def _design_key(template: Spec, design: RegSpec) -> tuple:
    """What a model's resampling depends on within one job (BATCH_KEY but the sample,
    which acts only through the rows: the design's mask)."""
    fixed = tuple(getattr(template, d) for d in BATCH_KEY[:SAMPLE_AT])
    return fixed, design.terms, design.controls, np.asarray(design.mask, bool).tobytes()


def _resample(y, regressors, reg_specs, seed, weights, estimator, methods, inference, alpha, se_type):
    return resample(
        y,
        regressors,
        reg_specs,
        seed=seed,
        weights=weights,
        estimator=ESTIMATOR_ENGINE[estimator],
        methods=methods,
        draws=int(inference.get("draws", 999)),
        wild_weights=inference.get("wild_weights", "rademacher"),
        permutation=inference.get("permutation", "freedman_lane"),
        se_type=se_type,
        alpha=alpha,
        keep_wild_t=True,
    )
