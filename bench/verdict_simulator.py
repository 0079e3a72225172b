"""Simulated studies per second of the verdict's simulator (``make bench``), beside a peer.

The verdict (docs/verdict.md) fits the published tables by ABC, so its cost is the number of
whole simulated studies it can produce: a world of 150 areas (levels, survey noise, who adopts
a target and how it was set) and its published-table summaries (Table 1 moments; Models 1-3
by OLS with HC1 SEs, R^2 and N).  Ours simulates and summarises a batch of studies at once
(``simulate_summaries``); the peer summarises the same simulated worlds one study at a time
with statsmodels, as a per-study simulator would.  Both are timed in interleaved rounds in
one process on one thread, and the peer's numbers are checked against ours before any
timing counts.  Data: the embedded data set (real 2008 figures; simulated diversity indices).
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import statsmodels.api as sm  # noqa: E402
import yaml  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from paired_timing import paired_many  # noqa: E402  (bench/, the script's folder)

from specverse.engine import stream  # noqa: E402
from specverse.study.dataset import build_dataset  # noqa: E402
from specverse.study.verdict import VerdictSettings, prepare  # noqa: E402
from specverse.study.verdict.model import simulate_worlds  # noqa: E402
from specverse.study.verdict.priors import BoxPrior  # noqa: E402
from specverse.study.verdict.published import SUMMARY_NAMES  # noqa: E402
from specverse.study.verdict.summaries import simulate_summaries, summarise  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: What the ABC needs per second to stay within the verdict's 2-minute budget (issue "verdict"):
#: the default run simulates about 155,000 studies.
DEFAULT_RUN_STUDIES = 155_000


def inputs():
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    analysis, _ = build_dataset({"seed": config["seed"], "data": {"source": "embedded"}}, data_dir=ROOT / "data")
    settings = VerdictSettings.from_config({"seed": config["seed"], "verdict": {}})
    _, _, design, priors, _ = prepare(analysis, None, settings)
    return design, BoxPrior(priors), config["seed"]


def prior_draws(prior, size, rng):
    return prior.natural(prior.low + (prior.high - prior.low) * rng.random((size, len(prior.names))))


def one_study(worlds, r, controls):
    """Every summary of simulated study r, one regression at a time (the peer)."""
    x, outcome, on = worlds.x[r], worlds.outcome[r], worlds.target_on[r]
    m3_rows = ~(on & ~worlds.known[r])
    stretch = np.where(worlds.known[r], worlds.stretch[r], 0.0)[m3_rows]
    C = sm.add_constant(controls)
    fits = [sm.OLS(outcome, C).fit(cov_type="HC1"),
            sm.OLS(outcome, np.column_stack([C, on.astype(float)])).fit(cov_type="HC1"),
            sm.OLS(outcome[m3_rows], np.column_stack([C[m3_rows], stretch])).fit(cov_type="HC1")]
    moments = [f(v) for v in (x, stretch) for f in (np.mean, lambda a: a.std(ddof=1), np.min, np.max)]
    return np.array(moments + [on.mean(), fits[1].params[-1], fits[1].bse[-1], fits[2].params[-1],
                               fits[2].bse[-1]] + [f.rsquared for f in fits] + [f.nobs for f in fits]
                    + [worlds.y08[r].mean(), worlds.y08[r].std(ddof=1)])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results/benchmarks/verdict.json"))
    ap.add_argument("--batch", type=int, default=500, help="studies per call of ours (the ABC's batch_size)")
    ap.add_argument("--peer-studies", type=int, default=100, help="studies per peer round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    design, prior, seed = inputs()
    rng = stream(seed, "bench/verdict")
    params = prior_draws(prior, args.batch, rng)
    with threadpool_limits(1), np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        worlds = simulate_worlds(design, prior_draws(prior, args.peer_studies, rng), rng)
        ours = summarise(worlds, design)
        valid = np.flatnonzero(worlds.valid)
        peer = np.array([one_study(worlds, r, design.controls) for r in valid])
        gap = float(np.max(np.abs(peer - ours[valid]) / np.maximum(1.0, np.abs(peer))))
        if gap > 1e-8:
            raise SystemExit(f"the peer's summaries differ from ours by {gap:.2e}: not comparable")
        # ours (a batch) and the worlds alone, each timed right before the peer in every round;
        # the peer's time is scaled to the batch, so a time ratio is a ratio of studies per second
        peer_s, ours = paired_many(
            {"ours": lambda: simulate_summaries(design, params, rng),
             "worlds_only": lambda: simulate_worlds(design, params, rng)},
            lambda: [one_study(worlds, r, design.controls) for r in valid],
            args.rounds, scale=args.batch / len(valid), inner=1)
    med = {"ours": args.batch / ours["ours"][0], "worlds_only": args.batch / ours["worlds_only"][0],
           "peer": args.batch / peer_s}
    ratio = ours["ours"][1]
    out = {
        "simulated_studies_per_second": med["ours"],
        "peer_studies_per_second": med["peer"],
        "ratio": ratio,
        "worlds_alone_per_second": med["worlds_only"],
        "batch": args.batch, "peer_studies": int(len(valid)), "rounds": args.rounds,
        "peer_max_relative_difference": gap,
        "seconds_for_default_run_studies": DEFAULT_RUN_STUDIES / med["ours"],
        "summaries": list(SUMMARY_NAMES),
        "load_average_1min": os.getloadavg()[0],
        "timing": "wall clock, one process, one BLAS thread; medians over interleaved rounds",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=2))
    tmp.replace(args.out)
    print(f"verdict simulator: {med['ours']:,.0f} simulated studies/s (batches of {args.batch}; "
          f"the worlds alone {med['worlds_only']:,.0f}/s)")
    print(f"  peer, statsmodels one study at a time: {med['peer']:,.0f} studies/s -> ours {ratio:,.0f}x "
          f"(same summaries, max relative difference {gap:.1e})")
    print(f"  the default verdict's {DEFAULT_RUN_STUDIES:,} studies: {out['seconds_for_default_run_studies']:.0f} s "
          f"of simulation at this rate (the stage's budget is 120 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
