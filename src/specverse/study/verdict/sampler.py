"""A pyabc sampler that proposes and simulates in batches (vectorised simulator).

pyabc's samplers call ``simulate_one()`` once per particle: propose a parameter (from the
prior at t = 0, else a perturbed particle of the last population, redrawn until the prior
density is positive), simulate, compute the distance, accept if it is at most epsilon,
and weight accepted particles by prior / proposal density.  Run that way, pyabc's own
per-particle bookkeeping (scipy densities, a kernel density per particle) costs about
4 ms a particle, 20 times the simulation.

This sampler does the same steps a batch at a time, using the very objects pyabc puts in
``simulate_one`` (a ``functools.partial`` of ``pyabc.inference_util._simulate_one``):

* proposals: ``transition.rvs(size=B)`` and the prior's vectorised density; draws with
  prior density 0 are dropped and more drawn (the same rejection step as
  ``generate_valid_proposal``, so the proposal distribution is the same);
* simulation: one call of the batched simulator for the whole batch;
* acceptance: pyabc's distance (its weights for the generation, all rows at once) and the
  uniform acceptor's test ``d <= epsilon``, particle by particle in order, until ``n`` are
  accepted (the rest of the last batch is discarded, as if never proposed); a generation that
  reaches pyabc's ``max_eval`` (population / minimum acceptance rate) is given up as
  pyabc's own samplers do;
* weights of the accepted particles: prior density / transition density, the latter
  computed for all of them at once from the fitted kernel (a mixture of normals); the
  first accepted particle of every call is also weighted by pyabc's own weight function
  and the two must agree (else :class:`SamplerMismatch`).

It handles one model (the verdict's; model choice is by spike-and-slab priors) and the
uniform acceptor.  Everything random comes from numpy's global state (pyabc's and the
prior's draws, seeded through :mod:`specverse.engine.legacy_seed`) and from the engine
stream the simulator derives from (call, batch) -- never from timing, so runs repeat.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyabc
from pyabc.inference_util.inference_util import _simulate_one, _simulate_one_from_prior
from pyabc.population import Particle
from pyabc.sampler import Sampler

from .priors import BoxPrior


MAX_PROPOSAL_ROUNDS = 1000


class SamplerMismatch(RuntimeError):
    """The batched weights disagree with pyabc's own (an unsupported pyabc set-up)."""


class BatchedSampler(Sampler):
    """``simulate(latent (B, d), key) -> (B, S)`` is called once per batch of ``batch_size``."""

    def __init__(self, simulate: Callable, prior: BoxPrior, summary_names, batch_size: int = 500):
        super().__init__()
        self.simulate = simulate
        self.prior = prior
        self.summary_names = list(summary_names)
        self.batch_size = int(batch_size)
        self.calls = 0  # sampler calls so far (identity of the simulator's streams)
        self.simulated = 0  # worlds simulated, including discarded batch tails

    # ------------------------------------------------------------------ proposals
    def _proposals(self, t: int, transition, size: int) -> np.ndarray:
        if t == 0:
            return self.prior.rvs_array(size)
        chunks, have = [], 0
        for _ in range(MAX_PROPOSAL_ROUNDS):
            if have >= size:
                break
            draw = transition.rvs(size=size)
            X = draw[self.prior.names].to_numpy(float)
            X = X[self.prior.pdf_array(X) > 0]
            chunks.append(X)
            have += len(X)
        if have < size:
            raise RuntimeError(f"the transition kernel proposed {have} of {size} parameters inside the prior "
                               f"in {MAX_PROPOSAL_ROUNDS} rounds; the kernel is unsuited to this prior")
        return np.concatenate(chunks)[:size]

    def _transition_density(self, transition, X: np.ndarray) -> np.ndarray:
        if isinstance(transition, pyabc.MultivariateNormalTransition):
            # The kernel's covariance is in the transition's column order.
            columns = list(transition.X.columns)
            X = X[:, [self.prior.names.index(c) for c in columns]]
            centres = transition.X.to_numpy(float)
            w = np.asarray(transition.w, float)
            out = np.empty(len(X))
            step = max(1, 2_000_000 // max(centres.size, 1))
            for i in range(0, len(X), step):
                diff = X[i:i + step, None, :] - centres[None, :, :]
                dens = np.atleast_2d(transition.normal.pdf(diff)).reshape(len(diff), len(centres))
                out[i:i + step] = dens @ w
            return out
        return np.asarray(transition.pdf(pd.DataFrame(X, columns=self.prior.names)), float)

    def _distances(self, S: np.ndarray, X: np.ndarray, kw: dict, t: int, check: bool) -> np.ndarray:
        """pyabc's p-norm distance of every simulated row to the observed summaries, at once.

        The weights are the distance's own for generation ``t`` (``get_weights``) and the
        summaries are put in its order; on ``check`` the first row is also passed through
        pyabc's acceptor and the two distances must agree.
        """
        dist = kw["distance_function"]
        if not isinstance(dist, pyabc.PNormDistance):
            raise NotImplementedError("BatchedSampler supports pyabc's p-norm distances only")
        order = np.asarray(dist.sumstat({k: float(i) for i, k in enumerate(self.summary_names)}),
                           float).ravel().astype(int)
        s0 = np.asarray(dist.sumstat(kw["x_0"]), float).ravel()
        w = np.asarray(dist.get_weights(t), float).ravel()
        with np.errstate(invalid="ignore"):
            D = np.where(w > 0, np.abs(w * (S[:, order] - s0)), 0.0)
            d = D.max(axis=1) if np.isinf(dist.p) else (D**dist.p).sum(axis=1) ** (1.0 / dist.p)
        d = np.where(np.isnan(d), np.inf, d)
        if check:
            par = pyabc.Parameter(dict(zip(self.prior.names, X[0].tolist())))
            ref = kw["acceptor"](distance_function=dist, eps=kw["eps"], t=t, par=par,
                                 x=dict(zip(self.summary_names, S[0].tolist())), x_0=kw["x_0"])
            if not (np.isclose(ref.distance, d[0], rtol=1e-10) or ref.distance == d[0]):
                raise SamplerMismatch(f"batched distance {d[0]!r} != pyabc distance {ref.distance!r} (t={t})")
        return d

    # ------------------------------------------------------------------ sampling
    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        func = getattr(simulate_one, "func", None)
        kw = getattr(simulate_one, "keywords", {})
        self.calls += 1
        sample = self._create_empty_sample()
        if func is _simulate_one_from_prior:
            return self._from_prior(n, sample)
        if func is not _simulate_one or not kw.get("evaluate", True) or (t > 0 and len(kw["m"]) != 1):
            raise NotImplementedError("BatchedSampler supports one model and evaluated proposals only")
        if not isinstance(kw["acceptor"], pyabc.UniformAcceptor):
            raise NotImplementedError("BatchedSampler supports pyabc.UniformAcceptor only")
        transition = kw["transitions"][0]
        eps = float(kw["eps"](t))
        accepted, evaluations, batch = [], 0, 0
        while len(accepted) < n:
            if evaluations >= max_eval:  # pyabc's minimum acceptance rate: give up this generation
                self.nr_evaluations_ = evaluations
                sample.ok = False
                return sample
            X = self._proposals(t, transition, self.batch_size)
            S = self.simulate(X, (self.calls, batch))
            d = self._distances(S, X, kw, t, check=batch == 0)
            self.simulated += len(X)
            batch += 1
            ok = d <= eps
            stop = len(X) if ok.sum() < n - len(accepted) else int(np.flatnonzero(ok)[n - len(accepted) - 1]) + 1
            evaluations += stop
            for i in range(stop):
                par = pyabc.Parameter(dict(zip(self.prior.names, X[i].tolist())))
                stat = dict(zip(self.summary_names, S[i].tolist()))
                if ok[i]:
                    accepted.append((par, stat, float(d[i]), 1.0, X[i]))
                else:
                    sample.append(Particle(m=0, parameter=par, weight=0.0, sum_stat=stat,
                                           distance=float(d[i]), accepted=False, preliminary=False,
                                           proposal_id=kw["proposal_id"]))
        Xa = np.array([a[4] for a in accepted])
        prior_pd = self.prior.pdf_array(Xa)
        weights = prior_pd / (prior_pd if t == 0 else self._transition_density(transition, Xa))
        weights = weights * np.array([a[3] for a in accepted])
        reference = kw["weight_function"](0, accepted[0][0], accepted[0][3])
        if not np.isclose(weights[0], reference, rtol=1e-8, atol=0):
            raise SamplerMismatch(f"batched weight {weights[0]!r} != pyabc weight {reference!r} (t={t})")
        for (par, stat, dist, _, _), w in zip(accepted, weights):
            sample.append(Particle(m=0, parameter=par, weight=float(w), sum_stat=stat, distance=dist,
                                   accepted=True, preliminary=False, proposal_id=kw["proposal_id"]))
        self.nr_evaluations_ = evaluations
        return sample

    def _from_prior(self, n: int, sample):
        """pyabc's calibration sample: n prior draws, all accepted, distances computed later."""
        X = self.prior.rvs_array(n)
        S = np.concatenate([self.simulate(X[i:i + self.batch_size], (self.calls, b))
                            for b, i in enumerate(range(0, n, self.batch_size))])
        self.simulated += n
        for i in range(n):
            sample.append(Particle(m=0, parameter=pyabc.Parameter(dict(zip(self.prior.names, X[i].tolist()))),
                                   weight=1.0, sum_stat=dict(zip(self.summary_names, S[i])),
                                   distance=np.inf, accepted=True, preliminary=False, proposal_id=0))
        self.nr_evaluations_ = n
        return sample
