"""Closed-form Kullback–Leibler divergences KL(p ‖ q) = E_p[log p(X) − log q(X)] between
distributions of the same family (nats). All are differentiable in both distributions' parameters.

    Normal:       log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²) / (2σ_q²) − ½
    MultivariateNormal:  ½ [tr(Σ_q⁻¹ Σ_p) + (μ_q − μ_p)ᵀ Σ_q⁻¹ (μ_q − μ_p) − d + log det Σ_q − log det Σ_p]
    Bernoulli:    p log(p/q) + (1 − p) log((1 − p)/(1 − q))
    Categorical:  Σₖ pₖ log(pₖ/qₖ)
    Exponential:  log(λ_p/λ_q) + λ_q/λ_p − 1
    Poisson:      λ_p log(λ_p/λ_q) − λ_p + λ_q
    Laplace:      log(b_q/b_p) + |μ_p − μ_q|/b_q + (b_p/b_q) e^(−|μ_p − μ_q|/b_p) − 1
    Uniform:      log((b_q − a_q)/(b_p − a_p)) when [a_p, b_p] ⊆ [a_q, b_q], else ∞

For the Gaussian case the VAE's KL(N(μ, σ²) ‖ N(0, 1)) = −½ (1 + log σ² − μ² − σ²) is the first line
with μ_q = 0, σ_q = 1.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.linalg.lu import solve_triangular
from mathdl.ops import abs as absolute
from mathdl.ops import exp, log, where
from mathdl.stats.continuous import Exponential, Laplace, Normal, Uniform
from mathdl.stats.discrete import Bernoulli, Categorical, Poisson
from mathdl.stats.distribution import Distribution, xlogy
from mathdl.stats.multivariate_normal import MultivariateNormal


def _normal(p, q):
    ratio = p.scale / q.scale
    difference = (p.loc - q.loc) / q.scale
    return -log(ratio) + 0.5 * (ratio * ratio + difference * difference) - 0.5


def _multivariate_normal(p, q):
    if p.dimension != q.dimension:
        raise ValueError(f"kl_divergence: dimensions differ ({p.dimension} and {q.dimension})")
    # tr(Σ_q⁻¹ Σ_p) = ‖L_q⁻¹ L_p‖_F²;  the Mahalanobis term is ‖L_q⁻¹ (μ_q − μ_p)‖².
    m = solve_triangular(q.scale_tril, p.scale_tril, lower=True)
    trace = (m * m).sum(axis=(-2, -1))
    return 0.5 * (trace + q._mahalanobis(q.loc - p.loc) - p.dimension) + q._half_log_det() - p._half_log_det()


def _bernoulli(p, q):
    a, b = p.probs, q.probs
    return xlogy(a, a) - xlogy(a, b) + xlogy(1.0 - a, 1.0 - a) - xlogy(1.0 - a, 1.0 - b)


def _categorical(p, q):
    if p.num_categories != q.num_categories:
        raise ValueError(f"kl_divergence: {p.num_categories} and {q.num_categories} categories")
    a = p.probs
    return (xlogy(a, a) - a * where(a.array > 0, q.log_probs, 0.0)).sum(axis=-1)


def _exponential(p, q):
    ratio = q.rate / p.rate
    return ratio - log(ratio) - 1.0


def _poisson(p, q):
    return xlogy(p.rate, p.rate) - xlogy(p.rate, q.rate) - p.rate + q.rate


def _laplace(p, q):
    distance = absolute(p.loc - q.loc)
    ratio = p.scale / q.scale
    return -log(ratio) + distance / q.scale + ratio * exp(-distance / p.scale) - 1.0


def _uniform(p, q):
    inside = (q.low.array <= p.low.array) & (p.high.array <= q.high.array)
    return where(inside, log((q.high - q.low) / (p.high - p.low)), np.inf)


_CLOSED_FORMS = {
    (Normal, Normal): _normal,
    (MultivariateNormal, MultivariateNormal): _multivariate_normal,
    (Bernoulli, Bernoulli): _bernoulli,
    (Categorical, Categorical): _categorical,
    (Exponential, Exponential): _exponential,
    (Poisson, Poisson): _poisson,
    (Laplace, Laplace): _laplace,
    (Uniform, Uniform): _uniform,
}


def register_kl(type_p, type_q):
    """Decorator registering ``rule(p, q)`` as the closed-form KL(p ‖ q) for a pair of distribution
    classes (``torch.distributions.register_kl``'s contract)."""
    if not (
        isinstance(type_p, type)
        and issubclass(type_p, Distribution)
        and isinstance(type_q, type)
        and issubclass(type_q, Distribution)
    ):
        raise TypeError("register_kl: both arguments must be Distribution subclasses")

    def decorator(rule):
        _CLOSED_FORMS[(type_p, type_q)] = rule
        return rule

    return decorator


def kl_divergence_distributions(p, q):
    """KL(p ‖ q) in nats for two distributions of a family with a closed form (a Tensor over the
    broadcast batch shape). Other pairs raise ``NotImplementedError`` naming them."""
    if not (isinstance(p, Distribution) and isinstance(q, Distribution)):
        raise TypeError("kl_divergence: both arguments must be distributions (or both probability arrays)")
    rule = _CLOSED_FORMS.get((type(p), type(q)))
    if rule is None:
        known = ", ".join(sorted(f"{a.__name__}" for a, _ in _CLOSED_FORMS))
        raise NotImplementedError(
            f"kl_divergence: no closed form for {type(p).__name__} ‖ "
            f"{type(q).__name__}; known pairs (same family): {known}"
        )
    result = rule(p, q)
    return result if isinstance(result, Tensor) else Tensor(result)
