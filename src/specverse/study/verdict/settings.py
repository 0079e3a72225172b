"""The ``verdict:`` section of the workflow config (every key, its default and meaning).

Unknown keys, at the top level or inside ``abc``, ``reachability``, ``calibration`` or
``priors``, are errors naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from .inference import AbcSettings


@dataclass(frozen=True)
class ReachSettings:
    shares: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
    sd_changes: tuple[float, ...] = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0)
    worlds: int = 100  # simulated studies per grid point (the check of the analytic map)
    design_effect: float = 1.5  # reference values of the parameters not on the grid
    share_true_level: float = 0.0


@dataclass(frozen=True)
class CalibrationSettings:
    datasets: int = 100  # synthetic published tables drawn from the prior
    population_size: int = 200
    max_generations: int = 5
    min_acceptance_rate: float = 0.02
    max_simulations: int = 20_000
    epsilon_quantile: float = 0.5
    batch_size: int = 200
    posterior_draws: int = 99  # for the simulation-based-calibration ranks
    workers: int = 2  # processes (the rule's threads)
    in_run: bool = False  # a stage of every run (rule verdict_calibration; about 4 min on 2 cores)

    def abc(self) -> AbcSettings:
        return AbcSettings(self.population_size, self.max_generations, self.min_acceptance_rate,
                           self.max_simulations, self.epsilon_quantile, self.batch_size)


@dataclass(frozen=True)
class VerdictSettings:
    seed: int
    published: str | None = None  # directory of table1/table2/table2_fit.csv; None = the package's
    target_areas: int | None = 86  # areas with an NI1 target (the paper's text); None = from Table 1
    respondents: int = 1100  # survey respondents per area (both surveys)
    sd_level_halfwidth: float = 0.9  # default prior of sd_level_2006: Table 1-implied +/- this
    abc: AbcSettings = field(default_factory=AbcSettings)
    predictive_draws: int = 1000
    prior_draws: int = 4000  # prior worlds simulated for the effective prior (possible worlds only)
    reproduce_tolerance: float = 2.0  # predictive checks: within this many sampling sds counts as reproduced
    reachability: ReachSettings = field(default_factory=ReachSettings)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    priors: dict = field(default_factory=dict)  # {parameter: {low, high, spike}} overrides
    enabled: bool = True  # false: no verdict stage (the data are not the published study's areas)

    @classmethod
    def from_config(cls, config: dict) -> "VerdictSettings":
        section = dict(config.get("verdict") or {})
        if "seed" not in config:
            raise ValueError("config: key 'seed' is required by the verdict")
        nested = {"abc": AbcSettings, "reachability": ReachSettings, "calibration": CalibrationSettings}
        top = {f.name for f in fields(cls)} - {"seed"}
        unknown = sorted(set(section) - top)
        if unknown:
            raise ValueError(f"config verdict: unknown key(s) {unknown}; known: {sorted(top)}")
        kwargs = {}
        for key, value in section.items():
            if key in nested:
                kwargs[key] = _nested(nested[key], value or {}, f"verdict.{key}")
            elif key == "priors":
                if not isinstance(value or {}, dict):
                    raise ValueError("config verdict.priors must be a mapping {parameter: {low, high, spike}}")
                kwargs[key] = {k: dict(v or {}) for k, v in (value or {}).items()}
            else:
                kwargs[key] = value
        out = cls(seed=int(config["seed"]), **kwargs)
        out.check()
        return out

    def check(self) -> None:
        def positive(name, value):
            if value is None or value <= 0:
                raise ValueError(f"config {name} must be > 0, got {value}")

        positive("verdict.respondents", self.respondents)
        positive("verdict.sd_level_halfwidth", self.sd_level_halfwidth)
        positive("verdict.predictive_draws", self.predictive_draws)
        positive("verdict.prior_draws", self.prior_draws)
        positive("verdict.reproduce_tolerance", self.reproduce_tolerance)
        if self.target_areas is not None:
            positive("verdict.target_areas", self.target_areas)
        for prefix, abc in (("verdict.abc", self.abc), ("verdict.calibration", self.calibration.abc())):
            for key in ("population_size", "max_generations", "max_simulations", "batch_size"):
                positive(f"{prefix}.{key}", getattr(abc, key))
            if not 0 < abc.epsilon_quantile < 1:
                raise ValueError(f"config {prefix}.epsilon_quantile must lie in (0, 1)")
            if not 0 <= abc.min_acceptance_rate < 1:
                raise ValueError(f"config {prefix}.min_acceptance_rate must lie in [0, 1)")
        r = self.reachability
        positive("verdict.reachability.worlds", r.worlds)
        if not r.shares or any(not 0 <= q <= 1 for q in r.shares):
            raise ValueError("config verdict.reachability.shares must be a non-empty list in [0, 1]")
        if not r.sd_changes or any(s <= 0 for s in r.sd_changes):
            raise ValueError("config verdict.reachability.sd_changes must be a non-empty list of positives")
        if r.design_effect < 1:
            raise ValueError("config verdict.reachability.design_effect must be >= 1")
        if not 0 <= r.share_true_level <= 1:
            raise ValueError("config verdict.reachability.share_true_level must lie in [0, 1]")
        positive("verdict.calibration.datasets", self.calibration.datasets)
        positive("verdict.calibration.workers", self.calibration.workers)
        positive("verdict.calibration.posterior_draws", self.calibration.posterior_draws)


def _nested(kind, value: dict, where: str):
    if not isinstance(value, dict):
        raise ValueError(f"config {where} must be a mapping")
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValueError(f"config {where}: unknown key(s) {unknown}; known: {sorted(known)}")
    value = {k: tuple(float(x) for x in v) if k in ("shares", "sd_changes") else v for k, v in value.items()}
    if "distance_summaries" in value:
        value["distance_summaries"] = tuple(str(x) for x in value["distance_summaries"])
    return replace(kind(), **value)
