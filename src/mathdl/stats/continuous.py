"""Continuous scalar distributions: Normal, Uniform, Exponential, Laplace, Pareto.

Each states its density, cdf, moments and entropy, and samples by reparameterisation
x = g(θ, ε) with parameter-free noise ε (a standard normal or a uniform draw passed through the
inverse cdf), so ``rsample`` is differentiable in the parameters. Outside the support ``log_prob``
is −∞ (as SciPy's ``logpdf``).
"""

import math

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.ops import abs as absolute
from mathdl.ops import clip, exp, log, where
from mathdl.stats.distribution import Distribution, as_parameter, broadcast_parameters, expm1, log1p, require
from mathdl.stats.special import erfc, ndtri

HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
NEG_INF = -np.inf


def _noise(distribution, like, shape, kind):
    from mathdl.random import generator

    full = distribution.extended_shape(shape)
    draws = generator().standard_normal(full) if kind == "normal" else generator().random(full)
    return Tensor(draws.astype(like.dtype, copy=False))


class Normal(Distribution):
    """N(μ, σ²), ``Normal(loc, scale)`` with σ > 0.

    log p(x) = −(x − μ)² / (2σ²) − log σ − ½ log 2π;   F(x) = ½ erfc(−(x − μ) / (σ√2));
    mean μ, variance σ², entropy ½ + ½ log 2π + log σ;   rsample x = μ + σ ε, ε ~ N(0, 1).
    """

    has_rsample = True

    def __init__(self, loc, scale):
        loc = as_parameter(loc, "loc", "Normal")
        scale = as_parameter(scale, "scale", "Normal")
        require(scale.array > 0, "Normal", f"scale must be positive, got {scale.array}")
        (self.loc, self.scale), shape = broadcast_parameters(loc, scale)
        super().__init__(shape)

    def rsample(self, shape=()):
        return self.loc + self.scale * _noise(self, self.loc, shape, "normal")

    def log_prob(self, value):
        x = self.value(value, self.loc)
        z = (x - self.loc) / self.scale
        return -0.5 * (z * z) - log(self.scale) - HALF_LOG_TWO_PI

    def cdf(self, value):
        x = self.value(value, self.loc)
        return 0.5 * erfc((self.loc - x) / (self.scale * math.sqrt(2.0)))

    def icdf(self, value):
        """F⁻¹(q) = μ + σ Φ⁻¹(q)."""
        return self.loc + self.scale * ndtri(self.probability(value, self.loc))

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return self.scale * self.scale

    @property
    def stddev(self):
        return self.scale

    def entropy(self):
        return 0.5 + HALF_LOG_TWO_PI + log(self.scale)


class Uniform(Distribution):
    """U[a, b], ``Uniform(low, high)`` with a < b (draws fall in [a, b)).

    p(x) = 1/(b − a) on [a, b] (SciPy's closed support);  F(x) = clip((x − a)/(b − a), 0, 1);
    F⁻¹(q) = a + (b − a) q;  mean (a + b)/2,
    variance (b − a)²/12, entropy log(b − a);  rsample x = a + (b − a) u, u ~ U[0, 1).
    """

    has_rsample = True

    def __init__(self, low, high):
        low = as_parameter(low, "low", "Uniform")
        high = as_parameter(high, "high", "Uniform")
        require(
            np.broadcast_to(low.array < high.array, np.broadcast_shapes(low.shape, high.shape)),
            "Uniform",
            f"low must be less than high, got low={low.array}, high={high.array}",
        )
        (self.low, self.high), shape = broadcast_parameters(low, high)
        super().__init__(shape)

    def rsample(self, shape=()):
        return self.low + (self.high - self.low) * _noise(self, self.low, shape, "uniform")

    def log_prob(self, value):
        x = self.value(value, self.low)
        inside = (x.array >= self.low.array) & (x.array <= self.high.array)
        return where(inside, -log(self.high - self.low), NEG_INF)

    def cdf(self, value):
        x = self.value(value, self.low)
        return clip((x - self.low) / (self.high - self.low), 0.0, 1.0)

    def icdf(self, value):
        return self.low + (self.high - self.low) * self.probability(value, self.low)

    @property
    def mean(self):
        return (self.low + self.high) * 0.5

    @property
    def variance(self):
        width = self.high - self.low
        return width * width / 12.0

    def entropy(self):
        return log(self.high - self.low)


class Exponential(Distribution):
    """Exp(λ), ``Exponential(rate)`` with λ > 0, on x ≥ 0.

    log p(x) = log λ − λx;  F(x) = 1 − e^(−λx);  F⁻¹(q) = −log(1 − q)/λ;  mean 1/λ, variance 1/λ²,
    entropy 1 − log λ;
    rsample x = −log(1 − u)/λ (the inverse cdf of u ~ U[0, 1)); log1p/expm1 keep tiny x and q exact.
    """

    has_rsample = True
    support = "non-negative"

    def __init__(self, rate):
        self.rate = as_parameter(rate, "rate", "Exponential")
        require(self.rate.array > 0, "Exponential", f"rate must be positive, got {self.rate.array}")
        super().__init__(self.rate.shape)

    def rsample(self, shape=()):
        u = _noise(self, self.rate, shape, "uniform")
        return -log1p(-u) / self.rate

    def log_prob(self, value):
        x = self.value(value, self.rate)
        return where(x.array >= 0, log(self.rate) - self.rate * x, NEG_INF)

    def cdf(self, value):
        x = self.value(value, self.rate)
        return where(x.array >= 0, -expm1(-self.rate * x), 0.0)

    def icdf(self, value):
        q = self.probability(value, self.rate)
        with np.errstate(divide="ignore"):
            return -log1p(-q) / self.rate

    @property
    def mean(self):
        return 1.0 / self.rate

    @property
    def variance(self):
        return 1.0 / (self.rate * self.rate)

    def entropy(self):
        return 1.0 - log(self.rate)


class Laplace(Distribution):
    """Laplace(μ, b), ``Laplace(loc, scale)`` with b > 0.

    log p(x) = −log 2b − |x − μ|/b;  F(x) = ½ e^((x−μ)/b) for x < μ, 1 − ½ e^(−(x−μ)/b) otherwise;
    F⁻¹(q) = μ + b log 2q (q < ½), μ − b log 2(1 − q) (q ≥ ½);  mean μ, variance 2b², entropy 1 + log 2b;
    rsample x = μ − b sgn(v) log(1 − 2|v|),
    v ~ U[−½, ½).
    """

    has_rsample = True

    def __init__(self, loc, scale):
        loc = as_parameter(loc, "loc", "Laplace")
        scale = as_parameter(scale, "scale", "Laplace")
        require(scale.array > 0, "Laplace", f"scale must be positive, got {scale.array}")
        (self.loc, self.scale), shape = broadcast_parameters(loc, scale)
        super().__init__(shape)

    def rsample(self, shape=()):
        v = _noise(self, self.loc, shape, "uniform") - 0.5
        sign = Tensor(np.sign(v.array))
        return self.loc - self.scale * sign * log(1.0 - 2.0 * absolute(v))

    def log_prob(self, value):
        x = self.value(value, self.loc)
        return -log(2.0 * self.scale) - absolute(x - self.loc) / self.scale

    def cdf(self, value):
        x = self.value(value, self.loc)
        half_tail = 0.5 * exp(-absolute(x - self.loc) / self.scale)
        return where(x.array < self.loc.array, half_tail, 1.0 - half_tail)

    def icdf(self, value):
        # μ + b log 2q below the median, μ − b log 2(1 − q) above: no cancellation in 1 − 2|q − ½|
        q = self.probability(value, self.loc)
        lower = q.array < 0.5
        with np.errstate(divide="ignore"):
            tail = log(2.0 * where(lower, q, 1.0 - q))
        return self.loc + self.scale * where(lower, tail, -tail)

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return 2.0 * self.scale * self.scale

    def entropy(self):
        return 1.0 + log(2.0 * self.scale)


class Pareto(Distribution):
    """The power law Pareto(x_m, α), ``Pareto(scale, alpha)`` with x_m > 0, α > 0, on x ≥ x_m.

    log p(x) = log α + α log x_m − (α + 1) log x;  F(x) = 1 − (x_m/x)^α;  F⁻¹(q) = x_m (1 − q)^(−1/α);
    mean α x_m/(α − 1) (∞ for α ≤ 1), variance x_m² α / ((α − 1)²(α − 2)) (∞ for α ≤ 2),
    entropy log(x_m/α) + 1/α + 1;  rsample x = x_m (1 − u)^(−1/α).
    """

    has_rsample = True
    support = "x >= scale"

    def __init__(self, scale, alpha):
        scale = as_parameter(scale, "scale", "Pareto")
        alpha = as_parameter(alpha, "alpha", "Pareto")
        require(scale.array > 0, "Pareto", f"scale must be positive, got {scale.array}")
        require(alpha.array > 0, "Pareto", f"alpha must be positive, got {alpha.array}")
        (self.scale, self.alpha), shape = broadcast_parameters(scale, alpha)
        super().__init__(shape)

    def rsample(self, shape=()):
        u = _noise(self, self.scale, shape, "uniform")
        return self.scale * exp(-log1p(-u) / self.alpha)

    def log_prob(self, value):
        x = self.value(value, self.scale)
        inside = x.array >= self.scale.array
        safe_x = where(inside, x, self.scale)
        density = log(self.alpha) + self.alpha * log(self.scale) - (self.alpha + 1.0) * log(safe_x)
        return where(inside, density, NEG_INF)

    def cdf(self, value):
        x = self.value(value, self.scale)
        inside = x.array >= self.scale.array
        safe_x = where(inside, x, self.scale)
        return where(inside, -expm1(self.alpha * log(self.scale / safe_x)), 0.0)

    def icdf(self, value):
        q = self.probability(value, self.scale)
        with np.errstate(divide="ignore"):
            return self.scale * exp(-log1p(-q) / self.alpha)

    @property
    def mean(self):
        alpha = self.alpha
        finite = alpha.array > 1
        safe = where(finite, alpha, 2.0)
        return where(finite, safe * self.scale / (safe - 1.0), np.inf)

    @property
    def variance(self):
        alpha = self.alpha
        finite = alpha.array > 2
        safe = where(finite, alpha, 3.0)
        return where(
            finite, self.scale * self.scale * safe / ((safe - 1.0) * (safe - 1.0) * (safe - 2.0)), np.inf
        )

    def entropy(self):
        return log(self.scale / self.alpha) + 1.0 / self.alpha + 1.0
