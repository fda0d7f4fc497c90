"""Bayesian optimisation: a Gaussian-process surrogate of the score and expected improvement.

After ``n_initial`` random trials, each next trial maximises the expected improvement over the
best score so far f⁺ (Jones, Schonlau & Welch, 1998; Močkus, 1975), for a maximised score:

    EI(x) = (μ − f⁺ − ξ) Φ(z) + σ φ(z),    z = (μ − f⁺ − ξ) / σ,
    ∂EI/∂x = Φ(z) ∂μ/∂x + φ(z) ∂σ/∂x

with μ, σ the GP posterior at x (``GaussianProcess``) and ξ ≥ 0 a small exploration margin. The
search runs on the unit cube of ``SearchSpace.encode`` (numeric parameters through their cdf,
choices one-hot). EI is maximised by ``mathdl.optimize.minimize`` (BFGS) from several starts: the
best of ``candidates`` random points by EI (evaluated in one vectorised pass) and the best
observed point; the cube is kept by x = sigmoid(u). The maximiser is decoded to parameters
(integers floored, choices by argmax) and the GP is given the encoding of what was evaluated.
A decoded point equal to one already evaluated (possible with integers and choices) is replaced
by the best not-yet-evaluated random candidate.
"""

import math
import numbers

import numpy as np

from mathdl.stats.special import erfc_array
from mathdl.tune.gaussian_process import GaussianProcess, _logit, _sigmoid, cached
from mathdl.tune.search import Search

INV_SQRT_TWO_PI = 1.0 / math.sqrt(2 * math.pi)


def normal_cdf(z):
    """Φ(z) = ½ erfc(−z/√2)."""
    return 0.5 * erfc_array(-np.asarray(z, dtype=np.float64) / math.sqrt(2.0))


def expected_improvement(mean, std, best, xi=0.0):
    """EI = (μ − f⁺ − ξ) Φ(z) + σ φ(z), z = (μ − f⁺ − ξ)/σ; where σ = 0 it is max(μ − f⁺ − ξ, 0)."""
    mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    gain = mean - best - xi
    safe = np.where(std > 0, std, 1.0)
    z = gain / safe
    value = gain * normal_cdf(z) + safe * INV_SQRT_TWO_PI * np.exp(-0.5 * z * z)
    return np.where(std > 0, value, np.maximum(gain, 0.0))


class BayesianOptimization(Search):
    """GP-EI search of ``n_trials`` trials at ``budget`` (the first ``n_initial`` random).

    Args:
        space: a ``SearchSpace`` or dict.
        n_trials: total evaluations; n_initial: random ones first (default max(2, dimension + 1)).
        kernel: 'matern52' (default) or 'rbf'; xi: EI's exploration margin (in units of the
            scores' standard deviation, since the GP normalises y).
        starts: BFGS starts for EI; candidates: random points scored to pick them.
    """

    def __init__(
        self,
        space,
        n_trials,
        n_initial=None,
        budget=None,
        kernel="matern52",
        xi=0.01,
        starts=4,
        candidates=1000,
        seed=None,
        target=None,
    ):
        super().__init__(space, seed, target)
        for name, value in (("n_trials", n_trials), ("starts", starts), ("candidates", candidates)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"BayesianOptimization: {name} must be a positive integer, got {value!r}")
        if n_initial is None:
            n_initial = max(2, self.space.dimension + 1)
        if isinstance(n_initial, bool) or not isinstance(n_initial, numbers.Integral) or n_initial < 1:
            raise ValueError(f"BayesianOptimization: n_initial must be a positive integer, got {n_initial!r}")
        if not xi >= 0:
            raise ValueError(f"BayesianOptimization: xi must be >= 0, got {xi!r}")
        self.n_trials, self.n_initial, self.budget = int(n_trials), int(n_initial), budget
        self.xi, self.starts, self.candidates = float(xi), int(starts), int(candidates)
        self.gp = GaussianProcess(kernel, seed=int(self.rng.integers(2**31)))

    def _search(self, objective):
        trials = self.trials
        for params in self.space.sample(self.rng, min(self.n_initial, self.n_trials)):
            self.evaluate(objective, params, self.budget)
        while len(trials) < self.n_trials:
            x = self.space.encode([t.params for t in trials])
            y = np.array([t.mean for t in trials])
            finite = np.isfinite(y)
            # a failed (NaN) trial counts as the worst score seen, so the GP steers away from it
            y = np.where(finite, y, np.min(y[finite]) if finite.any() else 0.0)
            self.gp.fit(x, y)
            self.evaluate(objective, self.propose(x, y), self.budget)

    def propose(self, x, y):
        """The parameters maximising EI under the fitted GP (observations x, y on the unit cube)."""
        best = (y.max() - self.gp.y_mean) / self.gp.y_std  # in the GP's normalised units
        unit = self.rng.random((self.candidates, self.space.dimension))
        mean, std = self.gp.predict(unit, return_std=True)
        scores = expected_improvement(
            (mean - self.gp.y_mean) / self.gp.y_std, std / self.gp.y_std, best, self.xi
        )
        order = np.argsort(-scores)
        starts = [unit[i] for i in order[: self.starts - 1]] + [x[int(np.argmax(y))]]
        best_value, best_point = -np.inf, unit[order[0]]
        for start in starts:
            point, value = self._maximise(start, best)
            if value > best_value:
                best_value, best_point = value, point
        seen = {_key(self.space, p) for p in self.space.decode(x)}
        for candidate in [best_point, *(unit[i] for i in order)]:
            params = self.space.decode(candidate[None])[0]
            if _key(self.space, params) not in seen:
                return params
        return self.space.decode(unit[order[0]][None])[0]

    def _maximise(self, start, best):
        from mathdl.optimize import minimize

        gp, xi = self.gp, self.xi

        @cached
        def negative_ei(u):
            s = _sigmoid(u)
            mean, sigma, d_mean, d_sigma = gp.predict_with_gradient(s)
            gain = mean - best - xi
            z = gain / sigma
            cdf, pdf = 0.5 * math.erfc(-z / math.sqrt(2.0)), INV_SQRT_TWO_PI * math.exp(-0.5 * z * z)
            value = gain * cdf + sigma * pdf
            gradient = cdf * d_mean + pdf * d_sigma
            return -value, -gradient * s * (1.0 - s)

        u0 = _logit(np.clip(start, 1e-4, 1 - 1e-4))
        result = minimize(negative_ei, u0, method="bfgs", jac=True, tol=1e-9, maxiter=60)
        return _sigmoid(np.asarray(result.x)), -float(result.fun)


def _key(space, params):
    return tuple(repr(params[name]) for name in space.names)
