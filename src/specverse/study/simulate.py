"""The simulated columns of the embedded dataset: two seeded scenarios calibrated to Table 1.

Nobody outside the authors knows the 2006 baselines, the LAA targets or the Census
diversity indices per area, so the embedded data simulate them. Everything here is
labelled simulated downstream (codebook, table notes); nothing is a finding about a
real area.

Two random streams, both derived from the config seed and a name:
- ``simulate/covariates``: diversity indices, which areas took an NI1 target, whose
  target is unknown, and the rank order of the stretch. Shared by every scenario so
  the scenarios differ only in how the 2006 baseline and the target came about.
- ``simulate/<scenario>``: the outcome noise, the uplifts and the LSP-preferred baselines.

Scenarios:
- ``causal``: pct_change = const + controls . gamma3 + 0.651 * stretch + noise (Table 2
  Model 3, noise sd set by its R^2); ni1_2006 = ni1_2008 / (1 + pct_change/100);
  target_2011 = ni1_2006 * (1 + stretch/100).
- ``mechanical``: targets have no effect: pct_change = const + controls . gamma1 + noise
  (Model 1 and its R^2); target_2011 = ni1_2008 + uplift; the stretch is still measured
  against 2006, so it inherits the outcome's noise.
In both, const is solved so that mean(ni1_2006) equals Table 1 (the published constant
does not survive the rounding of the published slopes), and the share of the noise that
is the area's 2008 level net of the regressors so that sd(ni1_2006) does; a draw that
puts any NI1 figure outside 0-100 is redrawn. ni1_2008 is never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from specverse.engine import ols_residuals, stream
from specverse.study import published
from specverse.study.derive import derive_columns
from specverse.study.plan import CONTROL_TERMS

SCENARIO_NAMES = ("causal", "mechanical")
N_TARGET = 86  # areas with an NI1 LAA target (paper)
N_STRETCH = 131  # areas in the stretch model (paper, Table 2 Model 3)

# The ten areas the paper names (toughest and softest targets), by GSS code and name.
TOUGHEST = {
    "E09000002": "Barking and Dagenham",
    "E09000025": "Newham",
    "E06000028": "Bournemouth",
    "E06000033": "Southend-on-Sea",
    "E06000031": "Peterborough",
}
SOFTEST = {
    "E09000007": "Camden",
    "E08000005": "Rochdale",
    "E08000028": "Sandwell",
    "E08000011": "Knowsley",
    "E10000011": "East Sussex",
}
SIMULATED_COLUMNS = (
    "ni1_2006",
    "ni1_2006_lsp",
    "target_on",
    "target_2011",
    "ethnic_diversity",
    "age_diversity",
    "social_class_diversity",
)
# How much lower the softest areas' preferred baseline is (points, uniform).
LSP_GAP = (1.0, 4.0)
# Redraws allowed when a draw puts an NI1 figure outside 0-100.
MAX_DRAWS = 100


def calibrated_values(n: int, mean: float, sd: float, lo: float, hi: float) -> np.ndarray:
    """n sorted values with min lo, max hi and (as close as a beta shape allows) the given mean and sd.

    The interior n-2 values are beta quantiles at plotting positions on [lo, hi]; the two
    beta shapes are solved so the whole set has the target mean and sd.
    """
    u = (np.arange(1, n - 1) - 0.5) / (n - 2)

    def values(log_ab):
        a, b = np.exp(log_ab)
        inner = lo + (hi - lo) * stats.beta.ppf(u, a, b)
        return np.concatenate([[lo], inner, [hi]])

    def gap(log_ab):
        v = values(log_ab)
        return [(v.mean() - mean) / sd, (v.std(ddof=1) - sd) / sd]

    m0 = np.clip((mean - lo) / (hi - lo), 0.02, 0.98)
    best = optimize.least_squares(gap, x0=np.log([4 * m0, 4 * (1 - m0)]), bounds=([-5, -5], [6, 6]))
    return np.sort(values(best.x))


def _z(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return (x - x.mean()) / x.std()


def _assign_by_rank(latent: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Give the largest value to the largest latent score (ties impossible with continuous noise)."""
    out = np.empty_like(sorted_values)
    out[np.argsort(latent, kind="stable")] = sorted_values
    return out


def _published_row(table1: pd.DataFrame, variable: str) -> dict:
    return table1.set_index("variable").loc[variable].to_dict()


def _named_index(areas: pd.DataFrame, named: dict[str, str]) -> np.ndarray:
    """Row positions of the named areas, matched by GSS code, else by name."""
    norm = areas["area_name"].map(lambda s: re.sub(r"[^a-z]", "", str(s).lower().replace("&", "and")))
    codes = areas["area_code"].astype(str).tolist()
    found = []
    for code, name in named.items():
        if code in codes:
            found.append(codes.index(code))
            continue
        key = re.sub(r"[^a-z]", "", name.lower())
        hits = np.flatnonzero(norm.str.startswith(key[:8]).to_numpy())
        if len(hits) != 1:
            raise ValueError(f"cannot find the area the paper names: {name} ({code})")
        found.append(int(hits[0]))
    return np.asarray(found)


@dataclass(frozen=True)
class Covariates:
    """The scenario-independent simulated draws."""

    ethnic_diversity: np.ndarray
    age_diversity: np.ndarray
    social_class_diversity: np.ndarray
    target_on: np.ndarray  # 0/1
    target_known: np.ndarray  # bool: target_on and the target value is known (67 areas)
    stretch: np.ndarray  # % over the 2006 baseline the LSP chose; 0 without a target
    toughest: np.ndarray  # row positions
    softest: np.ndarray


def stretch_moments(table1: pd.DataFrame) -> tuple[float, float, int]:
    """Mean and sd of the stretch among the areas with a known target, implied by Table 1.

    Table 1's stretch row (N=131) mixes the 64 zeros of areas without a target with the
    67 known targets; undo the mixing.
    """
    row = _published_row(table1, "target_stretch")
    n_known = N_STRETCH - (150 - N_TARGET)
    total = row["mean"] * N_STRETCH
    sumsq = (N_STRETCH - 1) * row["sd"] ** 2 + N_STRETCH * row["mean"] ** 2
    mean = total / n_known
    sd = np.sqrt((sumsq - n_known * mean**2) / (n_known - 1))
    return float(mean), float(sd), n_known


def draw_covariates(areas: pd.DataFrame, seed: int) -> Covariates:
    rng = stream(seed, "simulate/covariates")
    table1 = published.table1()
    n = len(areas)
    london = (areas["la_type"] == "London borough").to_numpy(float)
    z_dens = _z(np.log(areas["population_density"].to_numpy(float)))
    z_dep = _z(areas["deprivation"].to_numpy(float))

    def index(variable, latent):
        row = _published_row(table1, variable)
        return _assign_by_rank(latent, calibrated_values(n, row["mean"], row["sd"], row["min"], row["max"]))

    # Ethnic diversity: highest in London, rising with density and deprivation.
    ethnic = index("ethnic_diversity", 1.2 * london + 0.6 * z_dens + 0.3 * z_dep + 0.5 * rng.standard_normal(n))
    # Age diversity: flatter age profiles outside the dense, young cores.
    age = index("age_diversity", -0.5 * z_dens + rng.standard_normal(n))
    # Social-class diversity: lower where deprivation concentrates people in routine occupations.
    social = index("social_class_diversity", -0.5 * z_dep + rng.standard_normal(n))

    tough, soft = _named_index(areas, TOUGHEST), _named_index(areas, SOFTEST)
    named = np.concatenate([tough, soft])
    others = np.setdiff1d(np.arange(n), named)
    # Areas with more diversity and deprivation were likelier to choose NI1 (weighted
    # sampling without replacement via Gumbel top-k).
    logit = 0.6 * _z(ethnic) + 0.4 * z_dep
    gumbel = logit[others] + rng.gumbel(size=len(others))
    chosen = others[np.argsort(-gumbel)[: N_TARGET - len(named)]]
    target_on = np.zeros(n, dtype=int)
    target_on[named] = 1
    target_on[chosen] = 1

    mean_s, sd_s, n_known = stretch_moments(table1)
    row = _published_row(table1, "target_stretch")
    values = calibrated_values(n_known, mean_s, sd_s, row["min"], row["max"])
    unknown = rng.choice(chosen, size=N_TARGET - n_known, replace=False)
    known = target_on.astype(bool).copy()
    known[unknown] = False
    middle = np.setdiff1d(np.flatnonzero(known), named)
    s = np.zeros(n)
    s[tough] = rng.permutation(values[-len(tough) :])
    s[soft] = rng.permutation(values[: len(soft)])
    # Areas with lower cohesion in 2008 had more room and set tougher targets.
    z08 = _z(areas["ni1_2008"].to_numpy(float))
    mid_values = values[len(soft) : n_known - len(tough)]
    s[middle] = _assign_by_rank(-0.5 * z08[middle] + rng.standard_normal(len(middle)), mid_values)
    # The unknown targets still existed: their stretch is drawn like the middle ones.
    s[unknown] = rng.choice(mid_values, size=len(unknown), replace=True)
    return Covariates(ethnic, age, social, target_on, known, s, tough, soft)


def _controls(frame: pd.DataFrame) -> np.ndarray:
    return derive_columns(frame)[list(CONTROL_TERMS)].to_numpy(float)


def _solve_const(ni1_2008: np.ndarray, rest: np.ndarray, target_mean: float) -> float:
    """The constant c with mean(ni1_2008 / (1 + (c + rest)/100)) = target_mean (monotone in c)."""

    def gap(c):
        return np.mean(ni1_2008 / (1 + (c + rest) / 100)) - target_mean

    return optimize.brentq(gap, -99 - rest.min() + 1e-6, 500.0, xtol=1e-12)


def _baseline_2006(ni1_2008, signal, regressors, sd, eps, table1) -> np.ndarray:
    """ni1_2006 = ni1_2008 / (1 + pct_change/100), pct_change = const + signal + noise.

    Part of the noise is the area's 2008 level net of the regressors: the 2008 survey's
    own sampling error enters the change from 2006. Its weight rho is solved so that
    sd(ni1_2006) matches Table 1 (with independent noise the 2006 spread comes out too
    wide); being orthogonal to the regressors in-sample it does not bias the slopes.
    const is then solved so that mean(ni1_2006) matches Table 1.
    """
    row = _published_row(table1, "ni1_2006")
    design = np.column_stack([np.ones(len(ni1_2008)), regressors])
    level = ols_residuals(design, ni1_2008)
    # eps stays a plain draw (sampling variability, as in the published sample); only the
    # deterministic level part is made orthogonal to the regressors.
    level = _z(level)

    def baseline(rho):
        rest = signal + sd * (rho * level + np.sqrt(1 - rho**2) * eps)
        const = _solve_const(ni1_2008, rest, row["mean"])
        return ni1_2008 / (1 + (const + rest) / 100)

    grid = np.linspace(-0.95, 0.95, 39)
    gaps = np.array([baseline(r).std(ddof=1) - row["sd"] for r in grid])
    best = grid[np.argmin(np.abs(gaps))]
    crossing = np.flatnonzero(np.sign(gaps[:-1]) != np.sign(gaps[1:]))
    if len(crossing):
        i = crossing[np.argmin(np.abs(grid[crossing]))]  # the smallest |rho| that fits
        best = optimize.brentq(lambda r: baseline(r).std(ddof=1) - row["sd"], grid[i], grid[i + 1], xtol=1e-10)
    return baseline(best)


def _noise_sd(signal: np.ndarray, r_squared: float) -> float:
    """Noise sd that gives the requested population R^2 for this signal."""
    return float(np.sqrt(signal.var() * (1 - r_squared) / r_squared))


def simulate_scenario(areas: pd.DataFrame, seed: int, scenario: str) -> pd.DataFrame:
    """The analysis-schema frame of one embedded scenario (plus `scenario`), rows as in `areas`."""
    if scenario not in SCENARIO_NAMES:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {SCENARIO_NAMES}")
    areas = areas.reset_index(drop=True)
    cov = draw_covariates(areas, seed)
    rng = stream(seed, f"simulate/{scenario}")
    table1, fit = published.table1(), published.table2_fit().set_index("model")
    n = len(areas)
    ni1_2008 = areas["ni1_2008"].to_numpy(float)

    frame = areas[["area_code", "area_name", "la_type", "ni1_2008", "deprivation", "population",
                   "population_density", "population_growth", "nrf_area"]].copy()
    frame["ethnic_diversity"] = cov.ethnic_diversity
    frame["age_diversity"] = cov.age_diversity
    frame["social_class_diversity"] = cov.social_class_diversity
    frame["target_on"] = cov.target_on
    frame["la_type"] = frame["la_type"].astype(str)
    X = _controls(frame.assign(ni1_2006=ni1_2008, target_2011=np.nan))

    if scenario == "causal":
        coef = published.coefficients(3)
        signal = X @ np.array([coef[t] for t in CONTROL_TERMS]) + coef["target_stretch"] * cov.stretch
        in_model = cov.target_known | (cov.target_on == 0)
        sd = _noise_sd(signal[in_model], float(fit.loc[3, "r_squared"]))
    else:
        coef = published.coefficients(1)
        signal = X @ np.array([coef[t] for t in CONTROL_TERMS])
        sd = _noise_sd(signal, float(fit.loc[1, "r_squared"]))
    # The 2008-level part of the noise is made orthogonal to these (see _baseline_2006).
    regressors = np.column_stack([X, cov.target_on] + ([cov.stretch] if scenario == "causal" else []))
    known = cov.target_known
    # Draw until every baseline and target is a percentage (rejection: the scenario is
    # conditioned on valid survey figures; the first draw nearly always is).
    for _ in range(MAX_DRAWS):
        ni1_2006 = _baseline_2006(ni1_2008, signal, regressors, sd, rng.standard_normal(n), table1)
        target = np.full(n, np.nan)
        if scenario == "causal":
            target[known] = ni1_2006[known] * (1 + cov.stretch[known] / 100)
        else:
            target[known] = _mechanical_targets(ni1_2006, ni1_2008, cov, rng, table1)[known]
        if ni1_2006.max() < 100 and ni1_2006.min() > 0 and np.nanmax(target) <= 100 and np.nanmin(target) > 0:
            break
    else:
        raise RuntimeError(f"scenario {scenario}, seed {seed}: no draw with NI1 figures inside 0-100 "
                           f"in {MAX_DRAWS} attempts")

    lsp = np.full(n, np.nan)
    lsp[cov.softest] = ni1_2006[cov.softest] - rng.uniform(*LSP_GAP, size=len(cov.softest))

    frame["ni1_2006"] = ni1_2006
    frame["ni1_2006_lsp"] = lsp
    frame["target_2011"] = target
    frame["scenario"] = scenario
    return frame


def _mechanical_targets(ni1_2006, ni1_2008, cov: Covariates, rng, table1) -> np.ndarray:
    """target_2011 = ni1_2008 + uplift (points).

    The named areas get the same extreme stretch as in the causal scenario (the paper
    ranks them). The other uplifts are normal with mean and sd solved so the known
    targets' stretch has Table 1's implied mean and sd, truncated so that no other area
    outranks the named ones.
    """
    n = len(ni1_2008)
    mean_s, sd_s, _ = stretch_moments(table1)
    target = np.full(n, np.nan)
    named = np.concatenate([cov.toughest, cov.softest])
    target[named] = ni1_2006[named] * (1 + cov.stretch[named] / 100)
    fixed = cov.stretch[named]
    lo_s, hi_s = cov.stretch[cov.softest].max(), cov.stretch[cov.toughest].min()
    middle = np.setdiff1d(np.flatnonzero(cov.target_known), named)
    b, y08 = ni1_2006[middle], ni1_2008[middle]
    # Uplift bounds that keep each middle area's stretch strictly between the named ones
    # and the target at most 100%.
    u_lo, u_hi = b * (1 + lo_s / 100) - y08, np.minimum(b * (1 + hi_s / 100), 100.0) - y08
    uniform = rng.uniform(size=len(middle))

    def uplift(params):
        mu, sigma = params[0], np.exp(params[1])
        a, c = stats.norm.cdf((u_lo - mu) / sigma), stats.norm.cdf((u_hi - mu) / sigma)
        q = np.clip(a + uniform * (c - a), 1e-12, 1 - 1e-12)
        return np.clip(mu + sigma * stats.norm.ppf(q), u_lo, u_hi)

    def gap(params):
        s = np.concatenate([fixed, 100 * (y08 + uplift(params) - b) / b])
        return [(s.mean() - mean_s) / sd_s, (s.std(ddof=1) - sd_s) / sd_s]

    sol = optimize.least_squares(gap, x0=[2.0, 0.0], bounds=([-20, -8], [20, 3]))
    target[middle] = y08 + uplift(sol.x)
    return target
