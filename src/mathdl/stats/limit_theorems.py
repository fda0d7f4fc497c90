"""The two limit theorems behind sampling, as functions that produce their evidence.

Law of large numbers: for i.i.d. Xᵢ with mean μ, the running mean x̄ₙ = (1/n) Σ_{i≤n} Xᵢ → μ;
its error shrinks like σ/√n.
Central limit theorem: √n (x̄ₙ − μ)/σ converges in distribution to N(0, 1), whatever the
distribution of Xᵢ (finite variance assumed).
"""

import numpy as np

from mathdl.autograd.grad_mode import no_grad


def running_mean(samples, axis=0):
    """x̄ₙ = (1/n) Σ_{i≤n} xᵢ for n = 1…N along ``axis`` (an array of the samples' shape)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        raise ValueError("running_mean: no samples")
    counts = np.arange(1, x.shape[axis] + 1).reshape([-1 if i == axis % x.ndim else 1 for i in range(x.ndim)])
    return np.cumsum(x, axis=axis) / counts


def sample_means(distribution, n, trials):
    """Means of ``trials`` independent samples of size n: an array (trials,) + batch_shape."""
    if n < 1 or trials < 1:
        raise ValueError(f"sample_means: n and trials must be positive, got n={n}, trials={trials}")
    with no_grad():
        draws = np.asarray(distribution.sample((trials, n)).array, dtype=np.float64)
    return draws.mean(axis=1)


def standardized_means(distribution, n, trials):
    """Zₙ = √n (x̄ₙ − μ)/σ for ``trials`` samples of size n; approximately N(0, 1) for large n (CLT)."""
    mean = np.asarray(distribution.mean.array, dtype=np.float64)
    std = np.sqrt(np.asarray(distribution.variance.array, dtype=np.float64))
    return np.sqrt(n) * (sample_means(distribution, n, trials) - mean) / std
