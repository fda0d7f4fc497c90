"""Search strategies over a generic objective ``objective(params, budget) -> score`` (higher is better).

    GridSearch           every combination of ``points`` values per parameter (all choice options)
    RandomSearch         ``n_trials`` independent draws from the space (Bergstra & Bengio, 2012)
    SuccessiveHalving    n configurations at budget r₀; after each rung keep the best ⌊n_i/η⌋ and
                         multiply the budget by η (Jamieson & Talwalkar, 2016):
                             n_i = ⌊n η^(−i)⌋,   r_i = r₀ η^i,   i = 0 … s,  s = ⌊log_η(R/r₀)⌋
    Hyperband            successive halving over brackets s = s_max … 0 trading many cheap
                         configurations for few expensive ones (Li et al., 2018): with R = max/min
                         budget, s_max = ⌊log_η R⌋, B = (s_max + 1) R, bracket s starts
                         n = ⌈(B/R) η^s / (s + 1)⌉ configurations at budget R η^(−s) (× min budget)

Bayesian optimisation is in ``mathdl.tune.bayesian``. Every strategy draws from its own generator
(``seed``), so a search is reproducible and leaves ``md.manual_seed``'s stream alone; a budget is
an int (epochs, samples) when ``min_budget`` and ``max_budget`` are ints.
"""

import math
import numbers
import time
from functools import partial

import numpy as np

from mathdl.tune.results import SearchResults, Trial
from mathdl.tune.space import as_search_space


def _positive_int(value, name, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _positive_real(value, name, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{where}: {name} must be a positive number, got {value!r}")
    return value


def evaluate(objective, params, budget, info=None):
    """Call ``objective(params, budget)`` once and time it: a ``Trial``."""
    start = time.perf_counter()
    score = objective(dict(params), budget)
    return Trial(params, budget, score, time.perf_counter() - start, info)


class TargetReached(Exception):
    """Raised inside a search when a trial reaches the target score (the search then stops)."""


class Search:
    """Base class: ``run(objective)`` evaluates the trials the strategy chooses, returns ``SearchResults``.

    ``target``: stop as soon as a trial's mean score reaches it (None: run the whole budget).
    """

    def __init__(self, space, seed=None, target=None):
        self.space = as_search_space(space)
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
        ):
            raise ValueError(
                f"{type(self).__name__}: seed must be a non-negative integer or None, got {seed!r}"
            )
        if target is not None and (isinstance(target, bool) or not isinstance(target, numbers.Real)):
            raise ValueError(f"{type(self).__name__}: target must be a number or None, got {target!r}")
        self.rng = np.random.default_rng(seed)
        self.target = target
        self.trials = []

    def run(self, objective):
        if not callable(objective):
            raise TypeError(f"{type(self).__name__}.run: objective must be callable(params, budget)")
        self.trials = []
        try:
            self._search(objective)
        except TargetReached:
            pass
        return SearchResults(self.trials, self.space.names, type(self).__name__)

    def evaluate(self, objective, params, budget, info=None):
        """Evaluate one trial, record it, and stop the search if it reached ``target``."""
        trial = evaluate(objective, params, budget, info)
        self.trials.append(trial)
        if self.target is not None and trial.mean >= self.target:
            raise TargetReached
        return trial

    def _search(self, objective):
        raise NotImplementedError


class GridSearch(Search):
    """Evaluate every point of ``space.grid(points)`` at ``budget``."""

    def __init__(self, space, points=5, budget=None, target=None):
        super().__init__(space, target=target)
        self.points, self.budget = _positive_int(points, "points", "GridSearch"), budget

    def _search(self, objective):
        for params in self.space.grid(self.points):
            self.evaluate(objective, params, self.budget)


class RandomSearch(Search):
    """Evaluate ``n_trials`` independent draws from the space at ``budget``."""

    def __init__(self, space, n_trials, budget=None, seed=None, target=None):
        super().__init__(space, seed, target)
        self.n_trials, self.budget = _positive_int(n_trials, "n_trials", "RandomSearch"), budget

    def _search(self, objective):
        for params in self.space.sample(self.rng, self.n_trials):
            self.evaluate(objective, params, self.budget)


def _budget_ladder(min_budget, max_budget, eta, where):
    min_budget = _positive_real(min_budget, "min_budget", where)
    max_budget = _positive_real(max_budget, "max_budget", where)
    if max_budget < min_budget:
        raise ValueError(f"{where}: max_budget ({max_budget}) must be >= min_budget ({min_budget})")
    if isinstance(eta, bool) or not isinstance(eta, numbers.Real) or not eta > 1:
        raise ValueError(f"{where}: eta must be a number > 1, got {eta!r}")
    s_max = int(math.floor(math.log(max_budget / min_budget) / math.log(eta) + 1e-9))
    integral = all(isinstance(b, numbers.Integral) for b in (min_budget, max_budget))
    return s_max, integral


def _as_budget(value, integral):
    return int(round(value)) if integral else float(value)


def successive_halving(evaluate_trial, configurations, first_budget, eta, rungs, integral, bracket=None):
    """Run the rungs i = 0 … rungs − 1 on ``configurations``: n_i = max(⌊n η^(−i)⌋, 1) of them,
    the best of the previous rung, each at budget ``first_budget · η^i``, each evaluated by
    ``evaluate_trial(params, budget, info)``."""
    survivors, rung_trials = list(configurations), []
    n = len(survivors)
    for rung in range(rungs):
        keep = max(int(math.floor(n * eta ** (-rung) + 1e-9)), 1)
        if rung > 0:
            # a NaN score (a diverged run) sorts last
            means = np.array([t.mean for t in rung_trials])
            order = np.argsort(-np.where(np.isnan(means), -np.inf, means), kind="stable")
            survivors = [rung_trials[i].params for i in order[:keep]]
        budget = _as_budget(first_budget * eta**rung, integral)
        info = {"iter": rung} if bracket is None else {"iter": rung, "bracket": bracket}
        rung_trials = [evaluate_trial(params, budget, info) for params in survivors]


class SuccessiveHalving(Search):
    """Successive halving: ``n_trials`` random configurations at ``min_budget``, the best 1/η of
    them promoted to η× the budget, up to ``max_budget`` (rungs s + 1 = ⌊log_η(max/min)⌋ + 1).

    With n_trials=27, eta=3, min_budget=1, max_budget=27 the rungs hold 27, 9, 3, 1 trials at
    budgets 1, 3, 9, 27.
    """

    def __init__(self, space, n_trials, min_budget, max_budget, eta=3, seed=None, target=None):
        super().__init__(space, seed, target)
        self.n_trials = _positive_int(n_trials, "n_trials", "SuccessiveHalving")
        self.s_max, self.integral = _budget_ladder(min_budget, max_budget, eta, "SuccessiveHalving")
        self.min_budget, self.max_budget, self.eta = min_budget, max_budget, eta

    def _search(self, objective):
        configurations = self.space.sample(self.rng, self.n_trials)
        successive_halving(
            partial(self.evaluate, objective),
            configurations,
            self.min_budget,
            self.eta,
            self.s_max + 1,
            self.integral,
        )


class Hyperband(Search):
    """Hyperband: successive halving in brackets s = s_max … 0 (see the module docstring).

    ``brackets()`` lists (s, n configurations, first budget) before running.
    """

    def __init__(self, space, min_budget, max_budget, eta=3, seed=None, target=None):
        super().__init__(space, seed, target)
        self.s_max, self.integral = _budget_ladder(min_budget, max_budget, eta, "Hyperband")
        self.min_budget, self.max_budget, self.eta = min_budget, max_budget, eta

    def brackets(self):
        """[(s, n, r)]: bracket s starts n configurations at budget r (in the budget's units)."""
        eta, s_max = self.eta, self.s_max
        ratio = self.max_budget / self.min_budget
        total = (s_max + 1) * ratio
        rows = []
        for s in range(s_max, -1, -1):
            n = int(math.ceil(total / ratio * eta**s / (s + 1) - 1e-9))
            rows.append((s, n, self.min_budget * ratio * eta ** (-s)))
        return rows

    def _search(self, objective):
        for s, n, first_budget in self.brackets():
            configurations = self.space.sample(self.rng, n)
            successive_halving(
                partial(self.evaluate, objective),
                configurations,
                first_budget,
                self.eta,
                s + 1,
                self.integral,
                s,
            )
