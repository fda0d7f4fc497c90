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
from mathdl.ops import log, swapaxes, unsqueeze
from mathdl.stats.distribution import Distribution, as_parameter, sample_shape

LOG_TWO_PI = math.log(2 * math.pi)


class MultivariateNormal(Distribution):
    """``MultivariateNormal(loc, covariance_matrix)`` or ``MultivariateNormal(loc, scale_tril=L)``.

    loc (..., d); covariance_matrix or scale_tril (..., d, d), one matrix or a batch that
    broadcasts with loc's batch. A covariance must be symmetric positive-definite (else
    ``ValueError`` at construction). ``sample(shape)`` has shape ``shape + batch_shape + (d,)``.
    """

    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, scale_tril=None):
        owner = "MultivariateNormal"
        loc = as_parameter(loc, "loc", owner)
        if loc.ndim < 1:
            raise ValueError(f"{owner}: loc must have at least one dimension (..., d), got a scalar")
        d = loc.shape[-1]
        if (covariance_matrix is None) == (scale_tril is None):
            raise ValueError(f"{owner}: give exactly one of covariance_matrix and scale_tril")
        given = covariance_matrix if covariance_matrix is not None else scale_tril
        name = "covariance_matrix" if covariance_matrix is not None else "scale_tril"
        matrix = as_parameter(given, name, owner)
        if matrix.ndim < 2 or matrix.shape[-2:] != (d, d):
            raise ValueError(
                f"{owner}: {name} must have shape (..., {d}, {d}) to match loc {loc.shape}, "
                f"got {matrix.shape}"
            )
        try:
            batch = np.broadcast_shapes(loc.shape[:-1], matrix.shape[:-2])
        except ValueError:
            raise ValueError(
                f"{owner}: the batch shapes of loc {loc.shape} and {name} {matrix.shape} do not broadcast"
            ) from None
        data = matrix.array
        if covariance_matrix is not None:
            if np.any(
                np.abs(data - np.swapaxes(data, -1, -2)) > 1e-8 * max(1.0, float(np.max(np.abs(data))))
            ):
                raise ValueError(f"{owner}: covariance_matrix must be symmetric")
            try:
                self.scale_tril = cholesky(matrix)
            except ValueError:
                raise ValueError(
                    f"{owner}: covariance_matrix must be positive-definite "
                    f"(its Cholesky factorisation failed)"
                ) from None
            self._covariance = matrix
        else:
            if np.any(np.triu(data, 1) != 0) or np.any(np.diagonal(data, axis1=-2, axis2=-1) <= 0):
                raise ValueError(f"{owner}: scale_tril must be lower-triangular with a positive diagonal")
            self.scale_tril = matrix
            self._covariance = None
        self.loc = loc
        self.dimension = d
        super().__init__(batch, (d,))

    @property
    def covariance_matrix(self):
        """Σ = L Lᵀ (..., d, d)."""
        if self._covariance is not None:
            return self._covariance
        return self.scale_tril @ swapaxes(self.scale_tril, -1, -2)

    def _half_log_det(self):
        """½ log det Σ = Σᵢ log Lᵢᵢ, shape = the matrices' batch shape."""
        eye = Tensor(np.eye(self.dimension, dtype=self.scale_tril.dtype))
        return log((self.scale_tril * eye).sum(axis=-1)).sum(axis=-1)

    def _mahalanobis(self, difference):
        """‖L⁻¹ δ‖² for δ (..., d), broadcasting δ's batch against L's."""
        z = solve_triangular(self.scale_tril, unsqueeze(difference, -1), lower=True)
        return (z * z).sum(axis=(-2, -1))

    def rsample(self, shape=()):
        from mathdl.random import generator

        full = sample_shape(shape) + self.batch_shape + (self.dimension,)
        noise = Tensor(generator().standard_normal(full).astype(self.loc.dtype, copy=False))
        return self.loc + (self.scale_tril @ unsqueeze(noise, -1)).sum(axis=-1)

    def log_prob(self, value):
        x = self.value(value, self.loc)
        if x.ndim < 1 or x.shape[-1] != self.dimension:
            raise ValueError(
                f"MultivariateNormal.log_prob: values need a last axis of size "
                f"{self.dimension}, got shape {x.shape}"
            )
        return (
            -0.5 * self._mahalanobis(x - self.loc) - self._half_log_det() - 0.5 * self.dimension * LOG_TWO_PI
        )

    def cdf(self, value):
        raise NotImplementedError("MultivariateNormal has no closed-form cdf")

    @property
    def mean(self):
        return self.loc + Tensor(np.zeros(self.batch_shape + (self.dimension,), dtype=self.loc.dtype))

    @property
    def variance(self):
        """The marginal variances diag(Σ) = row sums of L ⊙ L, shape batch_shape + (d,)."""
        diagonal = (self.scale_tril * self.scale_tril).sum(axis=-1)
        return diagonal + Tensor(np.zeros(self.batch_shape + (self.dimension,), dtype=self.loc.dtype))

    def entropy(self):
        constant = 0.5 * self.dimension * (1.0 + LOG_TWO_PI)
        return self._half_log_det() + constant + Tensor(np.zeros(self.batch_shape, dtype=self.loc.dtype))
