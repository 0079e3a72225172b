"""What the audit simulates: its settings (the config's ``audit:`` section), the
target-setting designs and their reader labels, and the published estimates the
simulated slopes are set against."""

from __future__ import annotations

from dataclasses import dataclass

#: The published estimates the null distributions are set against (Table 2).
PUBLISHED = {("model_2", "target_on"): 0.952, ("model_3", "target_stretch"): 0.651}
#: The paper's models the null distributions are drawn for: (model, treatment, term).
MODELS = (("model_2", "target_on", "target_on"), ("model_3", "stretch_2006", "target_stretch"))


@dataclass(frozen=True)
class AuditSettings:
    """The ``audit:`` section of the config plus the global seed."""

    seed: int
    replications: int = 1000
    respondents: int = 1100
    design_effect: float = 1.5
    uplift_mean: float | None = None  # points; None = calibrated to the anchor's stretches
    uplift_sd: float | None = None
    stretch_mean: float | None = None  # % of baseline; None = the anchor's own stretches
    stretch_sd: float | None = None
    mix_shares: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    causal_effect: float = 0.651
    alpha: float = 0.05

    @classmethod
    def from_config(cls, config: dict) -> "AuditSettings":
        audit = dict(config.get("audit", {}))
        if "mix_shares" in audit:
            audit["mix_shares"] = tuple(float(s) for s in audit["mix_shares"])
        unknown = set(audit) - (set(cls.__dataclass_fields__) - {"seed"})
        if unknown:
            raise ValueError(f"config audit: unknown key(s) {sorted(unknown)}")
        return cls(seed=int(config["seed"]), **audit)

    @property
    def n_eff(self) -> int:
        """Kish effective sample size: the binomial draw uses n / design effect respondents."""
        return max(int(round(self.respondents / self.design_effect)), 1)


@dataclass(frozen=True)
class Design:
    name: str
    share_from_2008: float  # probability a target is set from the 2008 figure
    anchor_true_level: bool = False  # non-2008 targets set from the true level (rule d)
    effect: float = 0.0  # planted effect per point of stretch (causal only)
    causal: bool = False

    @property
    def mechanical(self) -> bool:
        return not self.causal


def designs(settings: AuditSettings) -> list[Design]:
    """Rules (a), (b), the mixes (c) of config ``mix_shares``, (d) and the causal design."""
    out = [Design("a_published_2006", 0.0), Design("b_from_2008", 1.0)]
    out += [Design(f"c_mix_{q:.2f}", q) for q in sorted(set(settings.mix_shares)) if 0.0 < q < 1.0]
    out += [Design("d_true_level_2006", 0.0, anchor_true_level=True)]
    out += [Design("causal", 0.0, effect=settings.causal_effect, causal=True)]
    return out


DESIGN_LABELS = {
    "a_published_2006": "(a) target = published 2006 figure + independent stretch",
    "b_from_2008": "(b) target = 2008 figure + uplift",
    "d_true_level_2006": "(d) target = true 2006 level + stretch (classic regression to the mean)",
    "causal": "causal: planted effect per point of stretch",
}


def design_label(name: str, effect: float | None = None) -> str:
    """A reader's label for a design name."""
    if name.startswith("c_mix_"):
        return f"(c) {float(name[6:]):.0%} of targets set from 2008, rest as (a)"
    label = DESIGN_LABELS.get(name, name)
    if name == "causal" and effect is not None:
        label = f"causal: +{effect:g} per point of stretch (planted)"
    return label
