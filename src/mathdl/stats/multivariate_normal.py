"""The multivariate normal N(μ, Σ) in d dimensions.

With the Cholesky factor Σ = L Lᵀ (L lower-triangular, positive diagonal) and z = L⁻¹(x − μ):

    log p(x) = −½ ‖z‖² − Σᵢ log Lᵢᵢ − (d/2) log 2π          (since log det Σ = 2 Σᵢ log Lᵢᵢ)
    entropy  = (d/2)(1 + log 2π) + Σᵢ log Lᵢᵢ
    rsample  x = μ + L ε,  ε ~ N(0, I_d)

Every step (Cholesky, the triangular solve, the sums) is a differentiable mathdl op, so μ and Σ
(or L) may be Tensors that require grad.
"""
import math

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.linalg.cholesky import cholesky
from mathdl.linalg.lu import solve_triangular
from mathdl.ops import log, reshape, sum as reduce_sum, transpose
from mathdl.stats.distribution import Distribution, as_parameter, sample_shape

LOG_TWO_PI = math.log(2 * math.pi)


class MultivariateNormal(Distribution):
    """``MultivariateNormal(loc, covariance_matrix)`` or ``MultivariateNormal(loc, scale_tril=L)``.

    loc (..., d) (a batch of means is allowed), covariance_matrix (d, d) symmetric positive-definite
    (a non-positive-definite or asymmetric matrix raises ``ValueError`` at construction).
    ``sample(shape)`` has shape ``shape + loc.shape``.
    """

    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, scale_tril=None):
        owner = "MultivariateNormal"
        self.loc = as_parameter(loc, "loc", owner)
        if self.loc.ndim < 1:
            raise ValueError(f"{owner}: loc must have at least one dimension (..., d), got a scalar")
        d = self.loc.shape[-1]
        if (covariance_matrix is None) == (scale_tril is None):
            raise ValueError(f"{owner}: give exactly one of covariance_matrix and scale_tril")
        given = covariance_matrix if covariance_matrix is not None else scale_tril
        name = "covariance_matrix" if covariance_matrix is not None else "scale_tril"
        matrix = as_parameter(given, name, owner)
        if matrix.shape != (d, d):
            raise ValueError(f"{owner}: {name} must have shape ({d}, {d}) to match loc {self.loc.shape}, "
                             f"got {matrix.shape}")
        if covariance_matrix is not None:
            data = matrix.data
            if np.any(np.abs(data - data.T) > 1e-8 * max(1.0, float(np.max(np.abs(data))))):
                raise ValueError(f"{owner}: covariance_matrix must be symmetric")
            try:
                self.scale_tril = cholesky(matrix)
            except ValueError:
                raise ValueError(f"{owner}: covariance_matrix must be positive-definite "
                                 f"(its Cholesky factorisation failed)") from None
            self._covariance = matrix
        else:
            data = matrix.data
            if np.any(np.triu(data, 1) != 0) or np.any(np.diagonal(data) <= 0):
                raise ValueError(f"{owner}: scale_tril must be lower-triangular with a positive diagonal")
            self.scale_tril = matrix
            self._covariance = None
        self.dimension = d
        super().__init__(self.loc.shape[:-1], (d,))

    @property
    def covariance_matrix(self):
        """Σ = L Lᵀ (d, d)."""
        if self._covariance is not None:
            return self._covariance
        return self.scale_tril @ transpose(self.scale_tril)

    def _half_log_det(self):
        eye = Tensor(np.eye(self.dimension, dtype=self.scale_tril.dtype))
        return reduce_sum(log((self.scale_tril * eye).sum(axis=-1)))

    def rsample(self, shape=()):
        from mathdl.random import generator
        full = sample_shape(shape) + self.batch_shape + (self.dimension,)
        noise = Tensor(generator().standard_normal(full).astype(self.loc.dtype, copy=False))
        return self.loc + noise @ transpose(self.scale_tril)

    def log_prob(self, value):
        x = self.value(value, self.loc)
        if x.ndim < 1 or x.shape[-1] != self.dimension:
            raise ValueError(f"MultivariateNormal.log_prob: values need a last axis of size "
                             f"{self.dimension}, got shape {x.shape}")
        difference = x - self.loc
        batch = difference.shape[:-1]
        columns = transpose(reshape(difference, (-1, self.dimension)))           # (d, N)
        z = solve_triangular(self.scale_tril, columns, lower=True)
        mahalanobis = reshape((z * z).sum(axis=0), batch)
        return -0.5 * mahalanobis - self._half_log_det() - 0.5 * self.dimension * LOG_TWO_PI

    def cdf(self, value):
        raise NotImplementedError("MultivariateNormal has no closed-form cdf")

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        """The marginal variances diag(Σ) = row sums of L ⊙ L, broadcast to loc's shape."""
        diagonal = (self.scale_tril * self.scale_tril).sum(axis=-1)
        return diagonal + self.loc * 0.0

    def entropy(self):
        constant = 0.5 * self.dimension * (1.0 + LOG_TWO_PI)
        value = self._half_log_det() + constant
        if self.batch_shape:
            value = value + Tensor(np.zeros(self.batch_shape, dtype=self.loc.dtype))
        return value
