"""Discrete distributions: Bernoulli, Binomial, Poisson, Categorical.

Each states its mass function, cdf, moments and entropy. ``log_prob`` is −∞ off the support (as
SciPy's ``logpmf``), and differentiable in the probabilities/rate. Binomial and Poisson draw with
NumPy's exact samplers; Bernoulli and Categorical by the inverse cdf of a uniform draw.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.ops import exp, log, log_softmax, sigmoid, softmax, where
from mathdl.stats.distribution import (
    Distribution,
    as_parameter,
    broadcast_parameters,
    require,
    softplus,
    xlogy,
)
from mathdl.stats.special import log_factorial

NEG_INF = -np.inf


def _probs_or_logits(probs, logits, owner):
    if (probs is None) == (logits is None):
        raise ValueError(f"{owner}: give exactly one of probs and logits")
    if probs is not None:
        probs = as_parameter(probs, "probs", owner)
        require(
            (probs.array >= 0) & (probs.array <= 1), owner, f"probs must lie in [0, 1], got {probs.array}"
        )
        return probs, None
    return None, as_parameter(logits, "logits", owner)


def _is_integer(x):
    return np.equal(np.floor(x), x)


def _surprisal_term(log_mass):
    """−p log p from log p, with 0 log 0 = 0 where the mass is zero (log p = −∞)."""
    finite = np.isfinite(log_mass.array)
    safe = where(finite, log_mass, 0.0)
    return -where(finite, exp(safe) * safe, 0.0)


def _grid_sum(distribution, lower, upper, mass_of):
    """Σ_{k=lower}^{upper} f(k) elementwise over the batch, with f evaluated on a grid of counts."""
    counts = np.arange(lower, upper + 1, dtype=np.float64).reshape(
        (-1,) + (1,) * len(distribution.batch_shape)
    )
    return mass_of(counts).sum(axis=0)


def _window(mean, std, limit=None):
    """Counts within mean ± (12 std + 30): the mass outside is below 1e-16 (by Chernoff bounds),
    so entropy sums need not run over the whole support."""
    lower = int(max(0.0, np.floor(np.min(mean - 12 * std - 30, initial=0.0))))
    upper = int(np.ceil(np.max(mean + 12 * std + 30, initial=0.0)))
    return lower, (upper if limit is None else min(upper, limit))


def _cumulative_mass(distribution, value, like, upper_limit):
    """F(x) = Σ_{k ≤ ⌊x⌋} p(k), broadcasting x against the batch; counts above ``upper_limit`` carry
    no mass (exactly for Binomial, below 1e-16 for Poisson), so the sum stops there."""
    x = np.floor(distribution.value(value, like).array)
    shape = np.broadcast_shapes(x.shape, distribution.batch_shape)
    top = np.max(np.where(np.isnan(x), 0.0, x), initial=0.0)  # +∞ sums up to the limit
    upper = int(max(0, min(top, upper_limit)))
    counts = np.arange(upper + 1, dtype=np.float64).reshape((-1,) + (1,) * len(shape))
    masses = exp(distribution._log_mass(np.broadcast_to(counts, (upper + 1,) + shape)))
    below = (counts <= np.broadcast_to(x, shape)).astype(like.dtype)
    return (masses * Tensor(below)).sum(axis=0)


class Bernoulli(Distribution):
    """Bernoulli(p) on {0, 1}: ``Bernoulli(probs=p)`` or ``Bernoulli(logits=l)`` (p = σ(l)).

    log p(x) = x log p + (1 − x) log(1 − p)  (with logits: x l − log(1 + eˡ));
    F(x) = 0 (x < 0), 1 − p (0 ≤ x < 1), 1 (x ≥ 1);  mean p, variance p(1 − p),
    entropy −p log p − (1 − p) log(1 − p).
    """

    support = "{0, 1}"

    def __init__(self, probs=None, logits=None):
        self._probs, self._logits = _probs_or_logits(probs, logits, "Bernoulli")
        super().__init__((self._probs if self._probs is not None else self._logits).shape)

    @property
    def probs(self):
        return self._probs if self._probs is not None else sigmoid(self._logits)

    @property
    def logits(self):
        return self._logits if self._logits is not None else log(self._probs) - log(1.0 - self._probs)

    def sample(self, shape=()):
        p = self.probs.array
        return Tensor((self.uniform(shape) < p).astype(p.dtype))

    def log_prob(self, value):
        x = self.value(value, self.probs if self._probs is not None else self._logits)
        valid = (x.array == 0) | (x.array == 1)
        if self._logits is not None:
            density = x * self._logits - softplus(self._logits)
        else:
            density = xlogy(x, self._probs) + xlogy(1.0 - x.array, 1.0 - self._probs)
        return where(valid, density, NEG_INF)

    def cdf(self, value):
        x = self.value(value, self.probs)
        p = self.probs
        return where(x.array < 0, 0.0, where(x.array < 1, 1.0 - p, 1.0))

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        p = self.probs
        return p * (1.0 - p)

    def entropy(self):
        if self._logits is not None:
            p = sigmoid(self._logits)
            return softplus(self._logits) - p * self._logits
        p = self._probs
        return -(xlogy(p, p) + xlogy(1.0 - p, 1.0 - p))


class Binomial(Distribution):
    """Binomial(n, p): successes in n independent Bernoulli(p) trials, ``Binomial(total_count, probs)``.

    log p(k) = log n! − log k! − log (n − k)! + k log p + (n − k) log(1 − p) for k = 0…n;
    F(k) = Σ_{j ≤ k} p(j);  mean np, variance np(1 − p), entropy −Σₖ p(k) log p(k) (summed over
    k = np ± (12√(np(1 − p)) + 30), where all but 1e-16 of the mass lies).
    """

    support = "{0, ..., n}"

    def __init__(self, total_count, probs):
        n = np.asarray(total_count.array if isinstance(total_count, Tensor) else total_count)
        if n.dtype.kind not in "iuf" or not np.all(_is_integer(n)) or np.any(n < 0):
            raise ValueError(f"Binomial: total_count must be a non-negative integer, got {total_count}")
        probs = as_parameter(probs, "probs", "Binomial")
        require(
            (probs.array >= 0) & (probs.array <= 1),
            "Binomial",
            f"probs must lie in [0, 1], got {probs.array}",
        )
        count = Tensor(n.astype(probs.dtype))
        (self.total_count, self.probs), shape = broadcast_parameters(count, probs)
        super().__init__(shape)

    def sample(self, shape=()):
        from mathdl.random import generator

        draws = generator().binomial(
            self.total_count.array.astype(np.int64), self.probs.array, size=self.extended_shape(shape)
        )
        return Tensor(draws.astype(self.probs.dtype))

    def _log_mass(self, k):
        n = self.total_count.array
        valid = (k >= 0) & (k <= n) & _is_integer(k)
        safe_k = np.where(valid, k, 0.0)
        combinations = log_factorial(n) - log_factorial(safe_k) - log_factorial(n - safe_k)
        density = (
            xlogy(safe_k, self.probs)
            + xlogy(n - safe_k, 1.0 - self.probs)
            + Tensor(combinations.astype(self.probs.dtype))
        )
        return where(valid, density, NEG_INF)

    def log_prob(self, value):
        return self._log_mass(self.value(value, self.probs).array)

    def cdf(self, value):
        return _cumulative_mass(self, value, self.probs, int(np.max(self.total_count.array, initial=0)))

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def variance(self):
        return self.total_count * self.probs * (1.0 - self.probs)

    def entropy(self):
        def term(k):
            return _surprisal_term(self._log_mass(np.broadcast_to(k, k.shape[:1] + self.batch_shape)))

        n, p = self.total_count.array, self.probs.array
        lower, upper = _window(n * p, np.sqrt(n * p * (1 - p)), int(np.max(n, initial=0)))
        return _grid_sum(self, lower, upper, term)


class Poisson(Distribution):
    """Poisson(λ), ``Poisson(rate)`` with λ ≥ 0, on {0, 1, 2, …}.

    log p(k) = k log λ − λ − log k!;  F(k) = Σ_{j ≤ k} p(j);  mean λ, variance λ;
    entropy −Σₖ p(k) log p(k), summed over k = λ ± (12√λ + 30) (the rest is below 1e-16).
    """

    support = "{0, 1, 2, ...}"

    def __init__(self, rate):
        self.rate = as_parameter(rate, "rate", "Poisson")
        require(self.rate.array >= 0, "Poisson", f"rate must be non-negative, got {self.rate.array}")
        super().__init__(self.rate.shape)

    def sample(self, shape=()):
        from mathdl.random import generator

        draws = generator().poisson(self.rate.array, size=self.extended_shape(shape))
        return Tensor(draws.astype(self.rate.dtype))

    def _log_mass(self, k):
        valid = (k >= 0) & _is_integer(k)
        safe_k = np.where(valid, k, 0.0)
        density = xlogy(safe_k, self.rate) - self.rate - Tensor(log_factorial(safe_k).astype(self.rate.dtype))
        return where(valid, density, NEG_INF)

    def log_prob(self, value):
        return self._log_mass(self.value(value, self.rate).array)

    def cdf(self, value):
        largest = float(np.max(self.rate.array, initial=0.0))
        return _cumulative_mass(self, value, self.rate, int(largest + 12 * np.sqrt(largest) + 40))

    @property
    def mean(self):
        return self.rate

    @property
    def variance(self):
        return self.rate

    def entropy(self):
        lower, upper = _window(self.rate.array, np.sqrt(self.rate.array))

        def term(k):
            return _surprisal_term(self._log_mass(np.broadcast_to(k, k.shape[:1] + self.batch_shape)))

        return _grid_sum(self, lower, upper, term)


class Categorical(Distribution):
    """Categorical(p) on {0, …, K−1}: ``Categorical(probs=p)`` (last axis sums to 1) or
    ``Categorical(logits=l)`` (p = softmax(l)).

    log p(k) = log pₖ;  F(k) = Σ_{j ≤ k} pⱼ;  entropy −Σₖ pₖ log pₖ;  mean Σₖ k pₖ and variance
    Σₖ k² pₖ − mean² treat the category index as a number.
    """

    support = "{0, ..., K-1}"

    def __init__(self, probs=None, logits=None):
        probs, logits = _probs_or_logits(probs, logits, "Categorical")
        source = probs if probs is not None else logits
        if source.ndim < 1 or source.shape[-1] < 1:
            raise ValueError(
                f"Categorical: probs/logits need a last axis of categories, got shape {source.shape}"
            )
        if probs is not None:
            total = probs.array.sum(axis=-1)
            tolerance = 1e-6 if probs.dtype == np.float64 else 1e-4
            require(
                np.abs(total - 1.0) <= tolerance,
                "Categorical",
                f"probs must sum to 1 along the last axis, got sums {total}",
            )
        self._probs, self._logits = probs, logits
        self.num_categories = source.shape[-1]
        super().__init__(source.shape[:-1])

    @property
    def probs(self):
        return self._probs if self._probs is not None else softmax(self._logits, axis=-1)

    @property
    def log_probs(self):
        return log_softmax(self._logits, axis=-1) if self._logits is not None else log(self._probs)

    def sample(self, shape=()):
        p = self.probs.array
        cumulative = np.cumsum(p, axis=-1)
        u = self.uniform(shape)[..., None] * cumulative[..., -1:]
        index = np.minimum((cumulative <= u).sum(axis=-1), self.num_categories - 1)
        return Tensor(index.astype(np.int64))

    def log_prob(self, value):
        k = np.asarray(value.array if isinstance(value, Tensor) else value)
        valid = (k >= 0) & (k < self.num_categories) & _is_integer(k)
        index = np.where(valid, k, 0).astype(np.int64)
        shape = np.broadcast_shapes(index.shape, self.batch_shape)
        log_p = self.log_probs
        if self._probs is not None:
            log_p = where(self._probs.array > 0, log(where(self._probs.array > 0, self._probs, 1.0)), NEG_INF)
        from mathdl.ops import broadcast_to

        table = broadcast_to(log_p, shape + (self.num_categories,))
        grids = np.indices(shape, sparse=True)
        picked = table[tuple(grids) + (np.broadcast_to(index, shape),)]
        return where(np.broadcast_to(valid, shape), picked, NEG_INF)

    def cdf(self, value):
        k = np.floor(np.asarray(value.array if isinstance(value, Tensor) else value, dtype=np.float64))
        below = (np.arange(self.num_categories) <= k[..., None]).astype(self.probs.dtype)
        return (self.probs * Tensor(below)).sum(axis=-1)

    @property
    def mean(self):
        k = Tensor(np.arange(self.num_categories, dtype=self.probs.dtype))
        return (self.probs * k).sum(axis=-1)

    @property
    def variance(self):
        k = Tensor(np.arange(self.num_categories, dtype=self.probs.dtype))
        mean = self.mean
        return (self.probs * k * k).sum(axis=-1) - mean * mean

    def entropy(self):
        if self._logits is not None:
            log_p = log_softmax(self._logits, axis=-1)
            return -(exp(log_p) * log_p).sum(axis=-1)
        return -xlogy(self._probs, self._probs).sum(axis=-1)
