"""Bayes' rule over a finite set of hypotheses.

    p(h | e) = p(e | h) p(h) / p(e),        p(e) = Σ_h p(e | h) p(h)   (the law of total probability)

``bayes_rule`` applies it once; ``sequential_bayes`` applies it for independent pieces of
evidence one after another (yesterday's posterior is today's prior), which equals one update with
the product of the likelihoods.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor


def _vector(values, name, op, probabilities=False):
    tensor = values if isinstance(values, Tensor) else Tensor(np.asarray(values, dtype=np.float64))
    if tensor.ndim < 1 or tensor.shape[-1] == 0:
        raise ValueError(f"{op}: {name} must have a last axis over hypotheses, got shape {tensor.shape}")
    if np.any(tensor.array < 0) or np.any(~np.isfinite(tensor.array)):
        raise ValueError(f"{op}: {name} must be non-negative and finite, got {tensor.array}")
    if probabilities and np.any(np.abs(tensor.array.sum(axis=-1) - 1.0) > 1e-6):
        raise ValueError(f"{op}: {name} must sum to 1 over the hypotheses, got {tensor.array.sum(axis=-1)}")
    return tensor


def evidence(prior, likelihood):
    """p(e) = Σ_h p(e | h) p(h): prior (K,), likelihood (..., K) → (...,)."""
    prior = _vector(prior, "prior", "evidence", probabilities=True)
    likelihood = _vector(likelihood, "likelihood", "evidence")
    return (prior * likelihood).sum(axis=-1)


def bayes_rule(prior, likelihood):
    """The posterior p(h | e) = p(e | h) p(h) / p(e): prior (K,) summing to 1, likelihood (..., K)
    with entry h = p(e | h). Raises ``ValueError`` if the evidence has probability 0."""
    prior = _vector(prior, "prior", "bayes_rule", probabilities=True)
    likelihood = _vector(likelihood, "likelihood", "bayes_rule")
    joint = prior * likelihood
    total = joint.sum(axis=-1, keepdims=True)
    if np.any(total.array == 0):
        raise ValueError("bayes_rule: the evidence has probability 0 under every hypothesis")
    return joint / total


def sequential_bayes(prior, likelihoods):
    """Posteriors after each of T independent observations: likelihoods (T, K) → (T, K)."""
    likelihoods = _vector(likelihoods, "likelihoods", "sequential_bayes")
    posterior = _vector(prior, "prior", "sequential_bayes", probabilities=True)
    history = []
    for row in range(likelihoods.shape[0]):
        posterior = bayes_rule(posterior, likelihoods[row])
        history.append(posterior)
    from mathdl.ops import stack

    return stack(history, axis=0)


def diagnostic_posterior(prevalence, sensitivity, specificity):
    """P(condition | positive test) = s·π / (s·π + (1 − t)(1 − π)) for prevalence π,
    sensitivity s = P(+ | condition) and specificity t = P(− | no condition)."""
    for name, value in (
        ("prevalence", prevalence),
        ("sensitivity", sensitivity),
        ("specificity", specificity),
    ):
        if not 0 <= value <= 1:
            raise ValueError(f"diagnostic_posterior: {name} must lie in [0, 1], got {value}")
    posterior = bayes_rule([1.0 - prevalence, prevalence], [1.0 - specificity, sensitivity])
    return float(posterior.array[1])
