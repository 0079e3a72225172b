"""A cell's specifications resolved against their data variants: the models the engine
fits (a specification without its se_type), with the rows they use (sample and complete
cases), the controls that vary there, and the exclusions that apply; and the engine
inputs of one model or of many, built exactly as :mod:`.evaluate` builds them, for the
stages that refit the table's models (figures of the draws, sensitivity, Romano-Wolf).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from specverse.engine import RegSpec

from .cell_table import COLUMN_INDEX
from .plan import (
    ESTIMATOR_ENGINE,
    ESTIMATOR_WEIGHTS,
    OUTCOME_COLUMN,
    OUTCOME_EXTRA_TERMS,
    REGRESSOR_COLUMNS,
    Exclusion,
    Multiverse,
    Spec,
    astuple_fast,
    control_terms,
    dropped_term,
)
from .variants import sample_rows


class Model:
    """A specification without its se_type, resolved against its data variant."""

    __slots__ = ("spec", "se_specs", "controls", "mask", "excluded", "no_resampling")

    def __init__(self, spec: Spec):
        self.spec = spec
        self.se_specs: list[Spec] = []
        self.controls: tuple[str, ...] = ()
        self.mask: np.ndarray | None = None
        self.excluded: dict[str, Exclusion] = {}  # se_type -> the exclusion that applies
        self.no_resampling: Exclusion | None = None


def model_inputs(variants: Mapping[tuple[str, str], pd.DataFrame], spec: Spec) -> dict:
    """The engine inputs of one model exactly as :func:`.evaluate.evaluate_cell` builds them:
    ``y``, ``regressors``, ``spec`` (RegSpec), ``weights``, ``estimator`` (engine name)
    and ``seed_identity`` (what the model's random draws derive from: its family).  For a figure
    of the draws behind one row of the table."""
    data = Variants(variants)
    model = Model(spec.model())
    resolve_rows(model, data)
    weight_col = ESTIMATOR_WEIGHTS.get(spec.estimator)
    return {
        "y": data.frame(spec)[OUTCOME_COLUMN[spec.outcome]].to_numpy(dtype=float),
        "regressors": data.frame(spec)[list(REGRESSOR_COLUMNS)].to_numpy(dtype=float),
        "spec": reg_spec(model),
        "weights": None if weight_col is None else data.col(spec, weight_col),
        "estimator": ESTIMATOR_ENGINE[spec.estimator],
        "seed_identity": spec.family_identity(),
    }


def batched_inputs(variants: Mapping[tuple[str, str], pd.DataFrame], specs: Sequence[Spec]) -> list[dict]:
    """Engine inputs of many models, batched as :func:`.evaluate.evaluate_cell` batches them (one
    data variant, outcome, weights and estimator per batch): dicts with ``y``,
    ``regressors``, ``weights``, ``estimator`` (engine name), ``specs`` (RegSpec) and
    ``index`` (their positions in ``specs``).  For family-level inference that refits
    the table's models (Romano-Wolf, sensitivity)."""
    data = Variants(variants)
    batches: dict[tuple, dict] = {}
    for i, spec in enumerate(specs):
        model = Model(spec.model())
        resolve_rows(model, data)
        key = (spec.scenario, spec.baseline, spec.outcome, spec.estimator)
        if key not in batches:
            weight_col = ESTIMATOR_WEIGHTS.get(spec.estimator)
            frame = data.frame(spec)
            batches[key] = {
                "y": frame[OUTCOME_COLUMN[spec.outcome]].to_numpy(dtype=float),
                "regressors": frame[list(REGRESSOR_COLUMNS)].to_numpy(dtype=float),
                "weights": None if weight_col is None else data.col(spec, weight_col),
                "estimator": ESTIMATOR_ENGINE[spec.estimator],
                "specs": [],
                "index": [],
            }
        batches[key]["specs"].append(reg_spec(model))
        batches[key]["index"].append(i)
    return list(batches.values())


class Variants:
    """Column arrays and sample masks of the data variants, computed once per job."""

    def __init__(self, variants: Mapping[tuple[str, str], pd.DataFrame]):
        self.frames = variants
        self._cols: dict[tuple, np.ndarray] = {}
        self._rows: dict[tuple, np.ndarray] = {}
        self._varying: dict[tuple, bool] = {}
        self._finite: dict[tuple, np.ndarray] = {}

    def frame(self, spec: Spec) -> pd.DataFrame:
        try:
            return self.frames[(spec.scenario, spec.baseline)]
        except KeyError:
            raise KeyError(f"no data variant for scenario={spec.scenario}, baseline={spec.baseline}; have {sorted(self.frames)}") from None

    def col(self, spec: Spec, name: str) -> np.ndarray:
        key = (spec.scenario, spec.baseline, name)
        if key not in self._cols:
            df = self.frame(spec)
            self._cols[key] = df[name].to_numpy(dtype=float) if name in df.columns else np.full(len(df), np.nan)
        return self._cols[key]

    def rows(self, spec: Spec) -> np.ndarray:
        key = (spec.scenario, spec.baseline, spec.sample, spec.treatment)
        if key not in self._rows:
            self._rows[key] = sample_rows(self.frame(spec), spec.sample, spec.treatment)
        return self._rows[key]

    def finite(self, spec: Spec, names: tuple[str, ...]) -> np.ndarray:
        """Rows where every named column is finite (cached per variant and set of names:
        an all-subsets multiverse asks for each of its 2,048 control sets many times)."""
        key = (spec.scenario, spec.baseline, names)
        if key not in self._finite:
            ok = np.ones(len(self.frame(spec)), dtype=bool)
            for name in names:
                ok &= np.isfinite(self.col(spec, name))
            self._finite[key] = ok
        return self._finite[key]

    def varies(self, spec: Spec, term: str, mask: np.ndarray) -> bool:
        # A regressor constant over the rows is collinear with the intercept.
        key = (spec.scenario, spec.baseline, term, mask.tobytes())
        if key not in self._varying:
            values = self.col(spec, term)[mask]
            values = values[np.isfinite(values)]
            self._varying[key] = bool(values.size and np.ptp(values) > 0)
        return self._varying[key]


def resolve_models(data: Variants, universe: Multiverse, specs: Sequence[Spec]) -> list[Model]:
    by_model: dict[tuple, Model] = {}  # keyed by the choices but se_type (a tuple hashes in C)
    conditions: dict[tuple, bool] = {}
    for spec in specs:
        key = astuple_fast(spec)[:-1]
        model = by_model.get(key)
        if model is None:
            model = by_model[key] = Model(spec.model())
            resolve_rows(model, data)
            model.no_resampling = universe.resampling_exclusion(model.spec)
        model.se_specs.append(spec)
        rule = universe.static_exclusion(spec)
        if rule is None:
            for candidate in universe.data_exclusions(spec):
                ck = (key, candidate.if_data)
                if ck not in conditions:
                    conditions[ck] = _data_condition(candidate.if_data, model, data)
                if conditions[ck]:
                    rule = candidate
                    break
        if rule is not None:
            model.excluded[spec.se_type] = rule
    return list(by_model.values())


def resolve_rows(model: Model, data: Variants) -> None:
    """Sample mask (complete cases included) and the controls that vary within it."""
    spec = model.spec
    intended = control_terms(spec.controls) + OUTCOME_EXTRA_TERMS.get(spec.outcome, ())
    complete = data.rows(spec) & data.finite(spec, (OUTCOME_COLUMN[spec.outcome], *spec.treatment_terms)) \
        & data.finite(spec, intended)
    weight_col = ESTIMATOR_WEIGHTS.get(spec.estimator)
    if weight_col is not None:
        w = data.col(spec, weight_col)
        complete &= np.isfinite(w) & (w > 0)
    model.mask = complete
    # A control constant in the sample is collinear with the intercept: leave it out, and
    # say so through control_terms (e.g. london_borough in no_london).
    model.controls = tuple(t for t in intended if data.varies(spec, t, complete))


def _data_condition(condition: str, model: Model, data: Variants) -> bool:
    spec = model.spec
    rows = data.rows(spec)
    if condition == "no_laa_rows":
        laa = rows & (data.col(spec, "target_on") == 1) & np.isfinite(data.col(spec, "target_stretch"))
        return not laa.any()
    if condition == "no_population":
        pop = data.col(spec, "population")[rows]
        return not (np.isfinite(pop) & (pop > 0)).any()
    if condition == "dropped_term_constant":
        term = dropped_term(spec.controls)
        return term is not None and not data.varies(spec, term, model.mask)
    raise ValueError(f"unknown data condition {condition!r}")


def reg_spec(model: Model) -> RegSpec:
    return RegSpec(
        terms=tuple(COLUMN_INDEX[t] for t in model.spec.treatment_terms),
        controls=tuple(COLUMN_INDEX[c] for c in model.controls),
        mask=model.mask,
    )
