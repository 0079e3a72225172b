"""The study's multiverse, declared as data.

A specification is one choice per dimension (scenario, baseline, outcome, treatment,
controls, sample, estimator, se_type). This module knows what every option means in
terms of columns and terms, enumerates the specifications of a fan-out cell, derives
their stable ids, applies the exclusions declared in the config and rejects impossible
configurations before any job runs.

Every option list is declared here once (the engine's own vocabulary for SE types);
the config schema's enums are tested against these lists.

Pure Python on purpose: the Snakefile imports it at parse time in every job, so it must
not pull in numpy or pandas.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import operator
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from specverse.engine.vocabulary import RESAMPLING_METHODS, SE_TYPES

from .config_error import ConfigError
from .controls import BLOCKS, CONTROL_GROUPS, CONTROL_TERMS, control_terms, controls_options, dropped_term

__all__ = ["BLOCKS", "CONTROL_GROUPS", "CONTROL_TERMS", "ConfigError", "control_terms", "controls_options", "dropped_term"]

DIMENSIONS = (
    "scenario",
    "baseline",
    "outcome",
    "treatment",
    "controls",
    "sample",
    "estimator",
    "se_type",
)
# se_type never splits jobs: resampling runs once per model, shared by its SE types.
FAN_OUT_DIMENSIONS = DIMENSIONS[:-1]

SCENARIOS = ("causal", "mechanical", "observed")
BASELINES = ("published", "lsp_preferred")
OUTCOMES = ("pct_change", "point_change", "log_ratio", "ancova")
TREATMENTS = (
    "target_on",
    "stretch_2006",
    "stretch_2008",
    "stretch_laa_only",
    "target_on_and_stretch",
)
SAMPLES = ("all", "no_london", "no_counties", "no_influential", "common_131")
ESTIMATORS = ("ols", "wls_population", "huber")


# The regressor(s) whose coefficients a treatment reports.
TREATMENT_TERMS = {
    "target_on": ("target_on",),
    "stretch_2006": ("target_stretch",),
    "stretch_2008": ("target_stretch_2008",),
    "stretch_laa_only": ("target_stretch",),
    "target_on_and_stretch": ("target_on", "target_stretch"),
}
# Column of the variant table that is y for each outcome.
OUTCOME_COLUMN = {
    "pct_change": "pct_change",
    "point_change": "point_change",
    "log_ratio": "log_ratio",
    "ancova": "ni1_2008",
}
# ANCOVA conditions on the baseline: an extra regressor besides the controls.
OUTCOME_EXTRA_TERMS = {"ancova": ("ni1_2006",)}
ESTIMATOR_ENGINE = {"ols": "ols", "wls_population": "wls", "huber": "huber"}
#: Samples chosen by looking at the outcome (Cook's distance of the paper's model): their
#: p-values treat a data-dependent sample as fixed, so headline aggregates leave them out.
POST_SELECTION_SAMPLES = ("no_influential",)
#: Outcomes in NI1 points; the others are already in % of the 2006 baseline.
POINT_OUTCOMES = ("point_change", "ancova")
COMMON_SCALE = "% change in NI1 relative to the 2006 baseline (the paper's outcome scale)"
ESTIMATOR_WEIGHTS = {"wls_population": "population"}

# Every column a variant table offers to the regressor matrix, in one fixed order, so
# that a specification's design never depends on which other specifications share its job.
REGRESSOR_COLUMNS = (
    "target_on",
    "target_stretch",
    "target_stretch_2008",
    *CONTROL_TERMS,
    "ni1_2006",
)

# Conditions on the data that an exclusion may require (evaluated inside the job).
DATA_CONDITIONS = {
    "no_laa_rows": "the specification's sample holds no LAA area with a stretch value",
    "no_population": "the data lack positive population values for the weights",
    "dropped_term_constant": "the dropped control is constant in the sample",
}


@dataclass(frozen=True, order=True)
class Spec:
    """One specification: one option per dimension."""

    scenario: str
    baseline: str
    outcome: str
    treatment: str
    controls: str
    sample: str
    estimator: str
    se_type: str

    def choices(self) -> dict[str, str]:
        return dict(zip(DIMENSIONS, astuple_fast(self)))

    def canonical(self) -> str:
        """'scenario=...;baseline=...;...;se_type=...' (DIMENSIONS order; written out: this
        string is hashed for every row of a multiverse of millions)."""
        return f"{self.model_identity()};se_type={self.se_type}"

    @property
    def spec_id(self) -> str:
        return stable_id(self.canonical())

    def model(self) -> "Spec":
        """The same specification with se_type blanked: what is fitted and resampled once."""
        return Spec(*astuple_fast(self)[:-1], "")

    def model_identity(self) -> str:
        """Identity string of the model (all choices but se_type); seeds its random draws."""
        return (f"scenario={self.scenario};baseline={self.baseline};outcome={self.outcome};"
                f"treatment={self.treatment};controls={self.controls};sample={self.sample};"
                f"estimator={self.estimator}")

    def family_identity(self) -> str:
        """Identity of the specification's family (one treatment in one scenario): seeds
        the resampling draws its models share, so familywise inference keeps their
        dependence and a model's draws never depend on the fan-out."""
        return f"family;scenario={self.scenario};treatment={self.treatment}"

    @property
    def model_id(self) -> str:
        return stable_id(self.model_identity())

    @property
    def post_selection(self) -> bool:
        return self.sample in POST_SELECTION_SAMPLES

    @property
    def treatment_terms(self) -> tuple[str, ...]:
        return TREATMENT_TERMS[self.treatment]

    def intended_controls(self) -> tuple[str, ...]:
        """Regressors besides the treatment (before dropping terms constant in the sample)."""
        return control_terms(self.controls) + OUTCOME_EXTRA_TERMS.get(self.outcome, ())


def astuple_fast(spec: Spec) -> tuple[str, ...]:
    """The choices in DIMENSIONS order (dataclasses.astuple deep-copies: too slow for the
    millions of specifications of an all-subsets multiverse)."""
    return (spec.scenario, spec.baseline, spec.outcome, spec.treatment, spec.controls, spec.sample,
            spec.estimator, spec.se_type)


def common_scale(outcome: str, mean_baseline: float) -> tuple[float, str]:
    """(factor, description): the estimate times ``factor`` is on :data:`COMMON_SCALE`.

    Within a data variant the conversion is a pure rescale: an effect of c points of NI1
    is 100 c / b % of the variant's mean 2006 baseline b; the log ratio's 100 x log points
    equal % changes to first order (100 log(1 + x/100) = x - x^2/200: 0.1 at x = 5%).
    """
    if outcome in POINT_OUTCOMES:
        factor = 100.0 / mean_baseline
        return factor, f"{outcome}: points x 100 / {mean_baseline:.2f} (the variant's mean 2006 baseline)"
    if outcome == "log_ratio":
        return 1.0, "log_ratio: 100 x log points, equal to % change to first order"
    return 1.0, f"{outcome}: as estimated (% of the 2006 baseline)"


def stable_id(canonical: str) -> str:
    """12 hex characters of blake2b over the canonical 'dim=value;...' string."""
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=6).hexdigest()


EXCLUSION_SCOPES = ("specification", "resampling")


@dataclass(frozen=True)
class Exclusion:
    """A declared exclusion. Scope `specification`: specifications matching `when` (and, if
    given, the data condition `if_data`) are not estimated; their rows read `excluded:
    <reason>` in `status`. Scope `resampling`: the analytic fit is reported but no
    resampling runs; `resample_status` reads `excluded: <reason>`."""

    when: Mapping[str, tuple[str, ...]]
    reason: str
    if_data: str | None = None
    scope: str = "specification"

    def matches(self, spec: Spec) -> bool:
        return all(getattr(spec, dim) in values for dim, values in self.when.items())

    @property
    def status(self) -> str:
        return f"excluded: {self.reason}"


@dataclass(frozen=True)
class Multiverse:
    """Validated options per dimension plus the declared exclusions."""

    options: Mapping[str, tuple[str, ...]]
    exclusions: tuple[Exclusion, ...]
    fan_out: tuple[str, ...]
    # the choices any exclusion names -> matching rules: exclusions name a few dimensions,
    # so millions of specifications share a handful of answers
    _matches: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def cells(self) -> list[dict[str, str]]:
        """Every fan-out cell (one job each), in canonical order."""
        combos = itertools.product(*(self.options[d] for d in self.fan_out))
        return [dict(zip(self.fan_out, combo)) for combo in combos]

    def specs(self, cell: Mapping[str, str] | None = None) -> list[Spec]:
        """Every specification of a cell (the whole multiverse when cell is empty)."""
        cell = dict(cell or {})
        for dim, value in cell.items():
            if dim not in self.options:
                raise ConfigError(f"cell names unknown dimension {dim!r}")
            if value not in self.options[dim]:
                raise ConfigError(f"cell value {dim}={value!r} is not among the configured options {list(self.options[dim])}")
        ranges = [(cell[d],) if d in cell else self.options[d] for d in DIMENSIONS]
        return [Spec(*combo) for combo in itertools.product(*ranges)]

    @functools.cached_property
    def _named_choices(self):
        """The choices any exclusion names, read from a Spec (se_type too: always a tuple)."""
        named = [d for d in DIMENSIONS if any(d in rule.when for rule in self.exclusions)]
        return operator.attrgetter(*named, "se_type")

    def _matching(self, spec: Spec) -> tuple[Exclusion, ...]:
        key = self._named_choices(spec)
        if key not in self._matches:
            self._matches[key] = tuple(rule for rule in self.exclusions if rule.matches(spec))
        return self._matches[key]

    def static_exclusion(self, spec: Spec) -> Exclusion | None:
        """The first declared specification exclusion that applies whatever the data."""
        for rule in self._matching(spec):
            if rule.scope == "specification" and rule.if_data is None:
                return rule
        return None

    def data_exclusions(self, spec: Spec) -> list[Exclusion]:
        """Declared specification exclusions that apply if their data condition holds."""
        return [r for r in self._matching(spec) if r.scope == "specification" and r.if_data is not None]

    def resampling_exclusion(self, model: Spec) -> Exclusion | None:
        """The first declared resampling exclusion matching a model (se_type ignored)."""
        for rule in self._matching(model):
            if rule.scope == "resampling":
                return rule
        return None


def scenario_options(data_config: Mapping) -> tuple[str, ...]:
    """Embedded data yields the simulated scenarios; a user's file is the one observed scenario."""
    if data_config.get("source") == "csv":
        return ("observed",)
    return tuple(data_config.get("scenarios", ("causal", "mechanical")))


def build_multiverse(config: Mapping) -> Multiverse:
    """Validate the multiverse-related config and resolve every dimension's options.

    Raises ConfigError with a message naming the key when a combination is impossible:
    the schema has already rejected unknown keys and option names.
    """
    mv = config.get("multiverse", {})
    options: dict[str, tuple[str, ...]] = {"scenario": scenario_options(config.get("data", {}))}
    allowed = {
        "baseline": BASELINES,
        "outcome": OUTCOMES,
        "treatment": TREATMENTS,
        "sample": SAMPLES,
        "estimator": ESTIMATORS,
        "se_type": SE_TYPES,
    }
    for dim in DIMENSIONS[1:]:
        values = list(mv.get(dim, ()))
        if not values:
            raise ConfigError(f"multiverse.{dim} is empty: every dimension needs at least one option")
        if len(set(values)) != len(values):
            raise ConfigError(f"multiverse.{dim} lists an option twice: {values}")
        if dim == "controls":
            options[dim] = tuple(controls_options(values, mv.get("keep_together", ())))
            continue
        bad = [v for v in values if v not in allowed[dim]]
        if bad:
            raise ConfigError(f"multiverse.{dim}: unknown option(s) {bad}; allowed: {list(allowed[dim])}")
        # Canonical order, so that the same set of options always enumerates identically.
        options[dim] = tuple(v for v in allowed[dim] if v in values)
    if not options["scenario"]:
        raise ConfigError("data.scenarios is empty: the multiverse needs at least one scenario")
    if all(s in POST_SELECTION_SAMPLES for s in options["sample"]):  # never pooled with the others
        raise ConfigError(f"multiverse.sample lists only post-selection samples {list(options['sample'])}: every curve, summary and joint test would be empty; add a fixed sample such as 'all'")

    fan_out = tuple(config.get("fan_out", ()))
    for dim in fan_out:
        if dim not in FAN_OUT_DIMENSIONS:
            raise ConfigError(f"fan_out names {dim!r}; allowed: {list(FAN_OUT_DIMENSIONS)} (se_type is never fanned out: resampling is shared by the SE types of a model)")
        if not options.get(dim):
            raise ConfigError(f"fan_out names {dim!r}, which has no options")
    if len(set(fan_out)) != len(fan_out):
        raise ConfigError(f"fan_out lists a dimension twice: {list(fan_out)}")
    fan_out = tuple(d for d in FAN_OUT_DIMENSIONS if d in fan_out)

    exclusions = tuple(_parse_exclusion(i, raw) for i, raw in enumerate(mv.get("exclusions", ())))
    universe = Multiverse(options=options, exclusions=exclusions, fan_out=fan_out)
    _reject_empty_multiverse(universe)
    return universe


def check_inference(config: Mapping) -> None:
    """The inference settings must point at rows the multiverse has: the studentizing SE
    type and an analytic headline among multiverse.se_type, a resampling headline among
    inference.methods."""
    inference, se_types = config.get("inference", {}), list(config.get("multiverse", {}).get("se_type", ()))
    stud = inference.get("se_type", "HC1")
    if stud not in se_types:
        raise ConfigError(f"inference.se_type is {stud!r}, which is not among multiverse.se_type {se_types}: "
                          "no row would carry the resampled p-values")
    headline = inference.get("headline", "wild")
    if headline in SE_TYPES and headline not in se_types:
        raise ConfigError(f"inference.headline is {headline!r}, which is not among multiverse.se_type {se_types}")
    if headline in RESAMPLING_METHODS and headline not in inference.get("methods", ()):
        raise ConfigError(f"inference.headline is {headline!r}, which is not among inference.methods "
                          f"{list(inference.get('methods', ()))}")


def check_table_layout(config: Mapping) -> None:
    """A partitioned table is aggregated by streamed scans only: no joint test on its
    curves, and the config must say so; the whole-table stages need the joint test."""
    layout = config.get("table", {}).get("layout", "whole")
    joint = config.get("joint_test", {}).get("enabled", True)
    if layout == "partitioned" and joint:
        raise ConfigError("table.layout is partitioned, which runs no joint test on the curves: "
                          "set joint_test.enabled: false to say so")
    if layout == "whole" and not joint:
        raise ConfigError("joint_test.enabled is false, which only table.layout: partitioned supports "
                          "(the whole-table figures and report show the joint tests)")
    if layout == "whole" and config.get("table", {}).get("csv", False):
        raise ConfigError("table.csv applies to table.layout: partitioned (the whole layout always "
                          "writes multiverse/specifications.csv)")


def _parse_exclusion(index: int, raw: Mapping) -> Exclusion:
    where = f"multiverse.exclusions[{index}]"
    if "reason" not in raw or not str(raw["reason"]).strip():
        raise ConfigError(f"{where}: every exclusion needs a non-empty reason")
    when = {}
    for dim, values in dict(raw.get("when") or {}).items():
        if dim not in DIMENSIONS:
            raise ConfigError(f"{where}.when names unknown dimension {dim!r}; allowed: {list(DIMENSIONS)}")
        values = (values,) if isinstance(values, str) else tuple(values)
        if not values:
            raise ConfigError(f"{where}.when.{dim} is empty")
        known = _known_values(dim)
        bad = [v for v in values if known is not None and v not in known]
        if bad:
            raise ConfigError(f"{where}.when.{dim}: unknown option(s) {bad}")
        when[dim] = values
    condition = raw.get("if_data")
    if condition is not None and condition not in DATA_CONDITIONS:
        raise ConfigError(f"{where}.if_data: unknown condition {condition!r}; allowed: {list(DATA_CONDITIONS)}")
    scope = raw.get("scope", "specification")
    if scope not in EXCLUSION_SCOPES:
        raise ConfigError(f"{where}.scope: unknown scope {scope!r}; allowed: {list(EXCLUSION_SCOPES)}")
    if scope == "resampling":
        # Resampling runs once per model and is shared by its SE types, so it cannot
        # depend on se_type; data conditions are for whole specifications.
        if "se_type" in when:
            raise ConfigError(f"{where}: a resampling exclusion cannot name se_type (resampling is shared by a model's SE types)")
        if condition is not None:
            raise ConfigError(f"{where}: a resampling exclusion cannot have if_data")
    if not when and condition is None:
        raise ConfigError(f"{where} has neither `when` nor `if_data`: it would exclude every specification")
    return Exclusion(when=when, reason=str(raw["reason"]).strip(), if_data=condition, scope=scope)


def _known_values(dim: str) -> tuple[str, ...] | None:
    return {
        "scenario": SCENARIOS,
        "baseline": BASELINES,
        "outcome": OUTCOMES,
        "treatment": TREATMENTS,
        "controls": tuple(controls_options(CONTROL_GROUPS)),
        "sample": SAMPLES,
        "estimator": ESTIMATORS,
        "se_type": SE_TYPES,
    }[dim]


def _reject_empty_multiverse(universe: Multiverse) -> None:
    """A configuration whose every specification (or every one of a treatment, or of an
    estimator) is excluded whatever the data is a mistake, not a result."""
    for dim in ("treatment", "estimator", "outcome", "sample"):
        for value in universe.options[dim]:
            live = _any_live(universe, {dim: value})
            if not live:
                raise ConfigError(
                    f"every specification with {dim}={value} is excluded by multiverse.exclusions "
                    f"(e.g. estimator huber with se_type limited to HC types): "
                    f"add an se_type it supports or remove {value!r} from multiverse.{dim}"
                )


def _any_live(universe: Multiverse, fixed: Mapping[str, str]) -> bool:
    # se_type and estimator interact in the declared exclusions; other dimensions rarely
    # do, so scan the product of the small dimensions with one representative controls.
    ranges = []
    for d in DIMENSIONS:
        if d in fixed:
            ranges.append((fixed[d],))
        else:
            ranges.append(universe.options[d])
    return any(universe.static_exclusion(Spec(*combo)) is None for combo in itertools.product(*ranges))


def cell_label(cell: Mapping[str, str], fan_out: Sequence[str]) -> str:
    """Relative path of a cell's output: 'dim~value/dim~value' or 'all' without fan-out."""
    if not fan_out:
        return "all"
    return "/".join(f"{d}~{cell[d]}" for d in fan_out)
