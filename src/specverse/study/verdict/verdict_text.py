"""verdict.md: one plain paragraph for a policy reader, every number computed.

The answer's wording follows the Bayes factor of "some effect of targets" against "no
effect at all" (posterior odds over prior odds, the prior being the effective one: the
nominal prior restricted to worlds the model can produce), on Jeffreys' scale, so it
never says more than the tables allow:

* below 1/3: the tables favour no effect;
* 1/3 to 3: the tables cannot tell (a factor "not worth more than a bare mention");
* 3 to 20: they favour a real effect without ruling out none;
* above 20: they are hard to reproduce without a real effect (given the model).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORIES = (
    (1 / 3, "Yes, and on the published tables that is the likelier reading",
     "Simulated studies in which targets did nothing reproduce the tables better than studies "
     "with a real effect"),
    (3.0, "Yes, they could",
     "The published tables cannot tell: simulated studies in which targets did nothing and studies "
     "with a real effect reproduce them about equally well"),
    (20.0, "Possibly, though the tables favour a real effect",
     "Studies with a real effect reproduce the tables better, but studies in which targets did "
     "nothing are not ruled out"),
    (np.inf, "Unlikely, given the model's assumptions",
     "The tables are hard to reproduce without a real effect of targets"),
)


def category(bayes_factor: float) -> tuple[str, str]:
    for upper, head, reason in CATEGORIES:
        if bayes_factor < upper:
            return head, reason
    return CATEGORIES[-1][1:]


def _sds(k: float) -> str:
    return {1.0: "one", 2.0: "two", 3.0: "three"}.get(float(k), f"{k:g}")


def _pct(p: float) -> str:
    return f"{100 * p:.0f}%"


def no_effect_curve(reach: pd.DataFrame, sd_change: float) -> pd.DataFrame:
    """The analytic no-effect slope and R^2 against the share from 2008, interpolated
    (linearly, within the grid) at the spread ``sd_change``."""
    grid = np.unique(reach["sd_change"])
    s = float(np.clip(sd_change, grid.min(), grid.max()))
    rows = []
    for q, part in reach.groupby("share_from_2008"):
        part = part.sort_values("sd_change")
        rows.append({"share_from_2008": q, "sd_change": s,
                     "slope": np.interp(s, part["sd_change"], part["slope_analytic"]),
                     "r2": np.interp(s, part["sd_change"], part["r2_analytic"])})
    return pd.DataFrame(rows).sort_values("share_from_2008").reset_index(drop=True)


def first_share(curve: pd.DataFrame, threshold: float) -> float | None:
    """The smallest share from 2008 at which the interpolated slope reaches ``threshold``."""
    q, y = curve["share_from_2008"].to_numpy(), curve["slope"].to_numpy()
    above = np.flatnonzero(y >= threshold)
    if not len(above):
        return None
    i = int(above[0])
    if i == 0:
        return float(q[0])
    return float(q[i - 1] + (threshold - y[i - 1]) / (y[i] - y[i - 1]) * (q[i] - q[i - 1]))


def _reach_sentence(reach: pd.DataFrame, sd_change: float) -> str:
    """No-effect slope facts at the fitted spread of the true change."""
    curve = no_effect_curve(reach, sd_change)
    lower, published = reach["lower_bound_slope"].iloc[0], reach["published_slope"].iloc[0]
    full = curve.iloc[-1]
    head = (f"With no effect at all and the fitted spread of the true 2006-08 change "
            f"({full['sd_change']:.1f} points), ")
    q_low, q_pub = first_share(curve, lower), first_share(curve, published)
    if q_low is None:
        return (head + f"even setting every target from the 2008 figure gives an expected slope of only "
                f"{full['slope']:.2f} (R-squared {full['r2']:.2f}), below the published estimate's one-sided "
                f"95% lower bound of {lower:.3f}; a somewhat wider change, well within what the tables allow, "
                f"closes the gap (see the reachability map).")
    text = head + (f"setting {_pct(q_low)} or more of targets from the 2008 survey figure already gives an "
                   f"expected slope at the published estimate's one-sided 95% lower bound ({lower:.3f})")
    if q_pub is not None:
        text += f", and {_pct(q_pub)} or more gives the published {published:.3f}"
    return text + (f"; with every target set that way the expected slope is {full['slope']:.2f} "
                   f"with an R-squared of {full['r2']:.2f} (published {reach['published_r2'].iloc[0]:.2f}).")


def verdict_paragraph(*, published: dict, probabilities: pd.DataFrame, posterior: pd.DataFrame,
                      models: pd.DataFrame, checks: pd.DataFrame, reach: pd.DataFrame,
                      data_note: str, simulated: int, tolerance: float = 2.0) -> str:
    """The verdict in one paragraph; ``tolerance``: the sampling SDs within which a simulated
    number counts as reproducing a published one (verdict.reproduce_tolerance)."""
    probs = probabilities.set_index("quantity")
    pos = probs.loc["P(effect_stretch > 0)"]
    half = probs.loc[[q for q in probs.index if q.startswith("P(effect_stretch >= ")][0]]
    none = models.set_index("model").loc["no_effect_of_targets"]
    bf_any = float(models.set_index("model").loc["any_effect_of_targets", "bayes_factor_vs_no_effect"])
    post = posterior.set_index("parameter")
    st, qb, sd = post.loc["effect_stretch"], post.loc["share_from_2008"], post.loc["sd_change"]
    head, reason = category(bf_any)
    slope, se = published["m3_stretch_coef"], published["m3_stretch_se"]
    rows = checks.set_index("summary")
    every, used = rows.loc["ALL"], rows.loc["ALL_DISTANCE"]
    mc = 100 * float(probs["mc_se"].max())
    shift = (f"by a factor of {bf_any:.1f}" if bf_any >= 1 else
             f"towards no effect by a factor of {1 / bf_any:.1f}")
    lines = [
        f"Could the paper's headline numbers, a stretch slope of {slope:+.3f} (robust SE {se:.3f}) with "
        f"R-squared rising from {published['m2_r2']:.2f} to {published['m3_r2']:.2f}, and a target_on "
        f"coefficient of {published['m2_target_on_coef']:+.3f} (SE {published['m2_target_on_se']:.3f}), have "
        f"arisen with no effect of targets at all? {head}. {reason}.",
        f"Fitting a simulation of the whole study to the published Tables 1 and 2 ({simulated:,} simulated "
        f"studies), the probability that tougher targets truly improved cohesion (a stretch effect above "
        f"zero) is {_pct(pos['probability'])} (it was {_pct(pos['prior'])} before seeing the tables), the "
        f"probability that the effect is at least half the published one is {_pct(half['probability'])} "
        f"(before: {_pct(half['prior'])}), and the probability that targets had no effect at all is "
        f"{_pct(none['posterior'])} (before: {_pct(none['prior'])}), each give or take about {mc:.0f} points "
        f"of simulation error; the tables shift the odds of some effect of targets {shift}. The fitted stretch "
        f"effect has a median of {st['q50']:.2f} and a 90% interval of {st['q05']:.2f} to {st['q95']:.2f}.",
        "The mechanism that can fake the result is setting targets from the 2008 survey figure, which "
        "makes the stretch contain the outcome itself. " + _reach_sentence(reach, float(sd["q50"])),
        f"The fitted worlds put the share of targets set from 2008 at {_pct(qb['q50'])} (90% interval "
        f"{_pct(qb['q05'])} to {_pct(qb['q95'])}) and the spread of the true change at {sd['q50']:.1f} points "
        f"({sd['q05']:.1f} to {sd['q95']:.1f}).",
        f"Of the studies simulated from the fitted worlds, {_pct(used['share_within_tolerance'])} reproduce "
        f"every number the fit used at once, and {_pct(every['share_within_tolerance'])} every published "
        f"number including the minima and maxima (each within {_sds(tolerance)} sampling standard deviations)"
        + (f"; among those in which targets did nothing, {_pct(used['share_within_tolerance_no_effect'])} "
           f"and {_pct(every['share_within_tolerance_no_effect'])}"
           if np.isfinite(used["share_within_tolerance_no_effect"]) else "") + ".",
        "These numbers rest on assumptions the model cannot check: that the 2006 and 2008 surveys differ "
        "only by sampling error (no survey mode or question effects), that every target was set from the "
        "2008 figure, the published 2006 figure or the true level rather than negotiated on other grounds, "
        "that the intended stretches are normally distributed, that adoption depended on the 2006 figure "
        "alone, and that the effect is linear in the stretch" + (f"; {data_note}" if data_note else "") + ".",
    ]
    return " ".join(lines) + "\n"


def data_note(scenario: str) -> str:
    """What the anchor data are: a user's file, or the embedded data with simulated controls."""
    if scenario == "observed":
        return ""
    return ("the run uses the embedded data, where the 2008 figures are the real ones but three of "
            "the eleven controls (the ethnic, age and social-class diversity indices) are simulated "
            "stand-ins and deprivation, population and NRF status are approximations or proxies, so the "
            "simulated regressions only approximate the paper's conditioning")
