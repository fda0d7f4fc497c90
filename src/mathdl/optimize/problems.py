"""Classic test problems for optimisers, written with mathdl ops so autograd differentiates them.

rosenbrock(x)  = Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²     minimum 0 at (1, …, 1); a curved valley
quadratic(x; A, b) = ½ xᵀAx − bᵀx                      minimum at A⁻¹b; condition number κ(A)
himmelblau(x)  = (x² + y − 11)² + (x + y² − 7)²          four minima, value 0, e.g. (3, 2)
"""

import numpy as np

from mathdl.autograd.tensor import Tensor


def rosenbrock(x):
    """The n-dimensional Rosenbrock function (a Tensor of shape (n,), n ≥ 2)."""
    head, tail = x[:-1], x[1:]
    return (100.0 * (tail - head * head) ** 2 + (1.0 - head) ** 2).sum()


def quadratic(a, b):
    """f(x) = ½xᵀAx − bᵀx for symmetric positive-definite A (returns the function)."""
    a_tensor = Tensor(np.asarray(a, dtype=np.float64))
    b_tensor = Tensor(np.asarray(b, dtype=np.float64))

    def f(x):
        return 0.5 * (x * (a_tensor @ x)).sum() - (b_tensor * x).sum()

    return f


def himmelblau(x):
    """Himmelblau's function of x = (x, y)."""
    u, v = x[0], x[1]
    return (u * u + v - 11.0) ** 2 + (u + v * v - 7.0) ** 2
