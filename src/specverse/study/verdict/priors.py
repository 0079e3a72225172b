"""The model's parameters, their priors, and the prior as a pyabc distribution.

Every prior is uniform on an interval; the two effects are spike-and-slab: exactly 0 with
probability ``spike``, else uniform on [low, high].  ABC-SMC perturbs a continuous
*latent* value instead, so pyabc's kernels work unchanged: for a spike-and-slab
parameter the latent ``u ~ U(0, 1)`` maps to 0 when ``u < spike`` and to
``low + (u - spike) / (1 - spike) (high - low)`` otherwise (the mixture prior exactly);
for the others the latent is the parameter itself.  The reasons for each prior are in
docs/verdict.md (and in ``reason`` below).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyabc

from specverse.engine import legacy_uniform


@dataclass(frozen=True)
class Prior:
    name: str
    low: float
    high: float
    spike: float  # prior probability of exactly 0 (0 = no spike)
    unit: str
    meaning: str
    reason: str

    @property
    def latent(self) -> str:
        return f"{self.name}_latent" if self.spike > 0 else self.name

    @property
    def latent_bounds(self) -> tuple[float, float]:
        return (0.0, 1.0) if self.spike > 0 else (self.low, self.high)

    def natural(self, u: np.ndarray) -> np.ndarray:
        """Latent values -> parameter values."""
        u = np.asarray(u, float)
        if self.spike <= 0:
            return u
        slab = self.low + (u - self.spike) / (1.0 - self.spike) * (self.high - self.low)
        return np.where(u < self.spike, 0.0, slab)


#: Parameter order of every (R,) parameter dictionary and of posterior.csv.
PARAMETERS = (
    "effect_stretch",
    "effect_target_on",
    "share_from_2008",
    "share_true_level",
    "selection_on_baseline",
    "sd_change",
    "sd_level_2006",
    "design_effect",
)

_DEFAULTS = {
    "effect_stretch": (-0.5, 1.0, 0.5, "% change per point of stretch",
                       "true effect of one point of target stretch on the % change in NI1",
                       "even odds of no effect; the slab runs from a perverse -0.5 to 1.0 (a target "
                       "fully met on average), wide against the published +.651 (SE .090)"),
    "effect_target_on": (-3.0, 5.0, 0.5, "% change",
                         "true effect of having an NI1 target (any stretch) on the % change",
                         "even odds of no effect; the slab covers the published +.952 (SE .659) "
                         "by more than five SEs either side"),
    "share_from_2008": (0.0, 1.0, 0.0, "share of target areas",
                        "share of targets set from the 2008 survey figure (rule b)",
                        "unknown: LAA baselines were often re-based on the 2008 Place Survey, but "
                        "how often is not published"),
    "share_true_level": (0.0, 1.0, 0.0, "share of the other targets",
                         "of the targets not set from 2008, the share anchored on the true level "
                         "(rule d) rather than the published 2006 figure (rule a)",
                         "unknown; rule (d) stands for targets set from local information whose "
                         "error is independent of the published 2006 figure"),
    "selection_on_baseline": (-2.0, 2.0, 0.0, "log-odds per sd",
                              "how much more likely an area with a published 2006 figure one sd "
                              "lower is to adopt an NI1 target",
                              "from strong selection of high-baseline areas (-2) to strong "
                              "selection of low-baseline areas (+2); 0 = adoption unrelated"),
    "sd_change": (1.5, 7.0, 0.0, "NI1 points",
                  "sd across areas of the true 2006->2008 change (no sampling error)",
                  "below 1.5 points cohesion would have moved in lockstep across 150 areas and "
                  "two survey designs; 7 points exceeds the spread of the levels themselves"),
    "sd_level_2006": (None, None, 0.0, "NI1 points",
                      "sd across areas of the true 2006 levels (before any target effect)",
                      "centred on Table 1's 2006 sd less the sampling variance, +/- about two "
                      "standard errors of a sample sd from 150 areas"),
    "design_effect": (1.0, 2.5, 0.0, "variance ratio",
                      "survey design effect: effective respondents = respondents / design effect",
                      "1 (simple random sample) to 2.5; the Place Survey's +/-3 point interval at "
                      "1,100 respondents implies about 1.5"),
}


class PriorError(ValueError):
    """A prior setting is invalid (the config key is named)."""


def build_priors(overrides: dict, level_band: tuple[float, float]) -> dict[str, Prior]:
    """The priors with config overrides (``{name: {low, high, spike}}``) applied.

    ``level_band`` is the default interval of ``sd_level_2006`` (data-dependent, see
    :func:`level_band`).
    """
    unknown = sorted(set(overrides) - set(PARAMETERS))
    if unknown:
        raise PriorError(f"config verdict.priors: unknown parameter(s) {unknown}; known: {list(PARAMETERS)}")
    out = {}
    for name in PARAMETERS:
        low, high, spike, unit, meaning, reason = _DEFAULTS[name]
        if name == "sd_level_2006":
            low, high = level_band
        prior = Prior(name, float(low), float(high), float(spike), unit, meaning, reason)
        given = dict(overrides.get(name) or {})
        bad = sorted(set(given) - {"low", "high", "spike"})
        if bad:
            raise PriorError(f"config verdict.priors.{name}: unknown key(s) {bad}; use low, high, spike")
        prior = replace(prior, **{k: float(v) for k, v in given.items()})
        if not prior.low < prior.high:
            raise PriorError(f"config verdict.priors.{name}: low ({prior.low}) must be below high ({prior.high})")
        if not 0 <= prior.spike < 1:
            raise PriorError(f"config verdict.priors.{name}: spike must lie in [0, 1), got {prior.spike}")
        if prior.spike > 0 and name not in ("effect_stretch", "effect_target_on"):
            raise PriorError(f"config verdict.priors.{name}: only the two effects take a spike at 0")
        out[name] = prior
    _check_ranges(out)
    return out


def _check_ranges(priors: dict[str, Prior]) -> None:
    for name in ("share_from_2008", "share_true_level"):
        p = priors[name]
        if p.low < 0 or p.high > 1:
            raise PriorError(f"config verdict.priors.{name}: a share must lie in [0, 1]")
    for name in ("sd_change", "sd_level_2006"):
        if priors[name].low <= 0:
            raise PriorError(f"config verdict.priors.{name}: low must be > 0")
    if priors["design_effect"].low < 1:
        raise PriorError("config verdict.priors.design_effect: low must be >= 1")


def check_feasible(priors: dict[str, Prior], level_sd_2008: tuple[float, float]) -> None:
    """Every (sd_change, sd_level_2006) pair of the prior box must be feasible.

    With the true 2008 levels' sd ``a`` fixed, the 2006 levels ``A - D`` have sd ``b`` only if
    the change's sd ``s`` satisfies ``|b - a| <= s <= b + a`` (the correlation of the change
    with the level then lies in [-1, 1]).  ``a`` depends on the design effect, so the check
    runs over ``level_sd_2008 = (a_min, a_max)``; the extremes sit at the box's corners.
    """
    s, b = priors["sd_change"], priors["sd_level_2006"]
    a_lo, a_hi = level_sd_2008
    worst_low = max(abs(b.high - a_lo), abs(b.low - a_hi), abs(b.high - a_hi), abs(b.low - a_lo))
    if s.low < worst_low:
        raise PriorError(
            f"config verdict.priors: sd_change low ({s.low}) must be at least {worst_low:.3f} so that "
            f"every sd_change is feasible with every sd_level_2006 in [{b.low:.3f}, {b.high:.3f}] "
            f"(true 2008 level sd {a_lo:.3f}-{a_hi:.3f})"
        )
    if s.high > b.low + a_lo:
        raise PriorError(
            f"config verdict.priors: sd_change high ({s.high}) exceeds sd_level_2006 low + the 2008 "
            f"level sd ({b.low + a_lo:.3f}): infeasible pairs"
        )


class BoxPrior(pyabc.DistributionBase):
    """The prior on the latent box, drawing from numpy's global state as pyabc does."""

    def __init__(self, priors: dict[str, Prior]):
        self.priors = priors
        self.names = [priors[n].latent for n in PARAMETERS]
        bounds = np.array([priors[n].latent_bounds for n in PARAMETERS], float)
        self.low, self.high = bounds[:, 0], bounds[:, 1]
        self.density = float(1.0 / np.prod(self.high - self.low))

    def rvs(self, *args, **kwargs) -> pyabc.Parameter:
        return pyabc.Parameter(dict(zip(self.names, self.rvs_array(1)[0])))

    def rvs_array(self, size: int) -> np.ndarray:
        """``(size, d)`` latent draws in :data:`PARAMETERS` order."""
        return self.low + (self.high - self.low) * legacy_uniform((size, len(self.names)))

    def pdf(self, x) -> float:
        return float(self.pdf_array(np.array([[x[n] for n in self.names]], float))[0])

    def pdf_array(self, X: np.ndarray) -> np.ndarray:
        inside = np.all((X >= self.low) & (X <= self.high), axis=1)
        return np.where(inside, self.density, 0.0)

    def natural(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Latent ``(R, d)`` -> the (R,) parameter arrays the simulator takes."""
        return {n: self.priors[n].natural(X[:, j]) for j, n in enumerate(PARAMETERS)}
