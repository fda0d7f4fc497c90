"""The Distribution base class and the helpers every distribution shares.

A distribution holds its parameters as Tensors (so a parameter that requires grad makes
``log_prob``, ``rsample``, ``entropy`` and ``cdf`` differentiable through mathdl ops) broadcast to a
common ``batch_shape``; ``event_shape`` is the shape of one draw (``()`` for scalars, ``(d,)`` for a
d-dimensional Gaussian). ``sample(shape)`` returns a Tensor of shape ``shape + batch_shape +
event_shape``, as ``torch.distributions`` does. Invalid parameters raise ``ValueError`` at construction.
"""

import numbers

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.autograd.grad_mode import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype
from mathdl.ops import broadcast_to, exp, log, where


def as_parameter(value, name, owner):
    """``value`` as a floating Tensor (Tensors are kept, so their gradients flow); must be finite."""
    if isinstance(value, Tensor):
        tensor = value if value.dtype.kind == "f" else Tensor(value.array.astype(get_default_dtype()))
    else:
        if isinstance(value, str) or value is None:
            raise TypeError(f"{owner}: {name} must be a number, array or Tensor, got {value!r}")
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{owner}: {name} must be numeric, got dtype {array.dtype}")
        if array.dtype.kind != "f" or not isinstance(value, (np.ndarray, np.generic)):
            array = array.astype(get_default_dtype())
        tensor = Tensor(array)
    if not np.all(np.isfinite(tensor.array)):
        raise ValueError(f"{owner}: {name} must be finite, got {tensor.array}")
    return tensor


def require(condition, owner, message):
    """Raise ``ValueError('<owner>: <message>')`` unless ``condition`` holds for every element."""
    if not np.all(condition):
        raise ValueError(f"{owner}: {message}")


def broadcast_parameters(*tensors):
    """The parameters broadcast to one shape (differentiably) and that shape."""
    try:
        shape = np.broadcast_shapes(*[t.shape for t in tensors])
    except ValueError:
        raise ValueError(
            f"distribution parameters have shapes that do not broadcast: {[t.shape for t in tensors]}"
        ) from None
    return [t if t.shape == shape else broadcast_to(t, shape) for t in tensors], shape


def xlogy(x, y):
    """x · log y with 0 · log 0 = 0 (x a constant array or Tensor, y a Tensor); differentiable in y."""
    x_data = x.array if isinstance(x, Tensor) else np.asarray(x)
    zero = x_data == 0
    if not np.any(zero):
        return x * log(y)
    safe_y = where(zero, 1.0, y)
    return where(zero, 0.0, x * log(safe_y))


def log1p(x):
    """log(1 + x), accurate for tiny x (Goldberg's trick: log(u)·x/(u − 1) with u = 1 + x rounded,
    which cancels the rounding error of u); differentiable."""
    u = 1.0 + x
    exact = u.array == 1.0
    if not np.any(~exact):
        return x * 1.0
    safe_u = where(exact, 2.0, u)
    return where(exact, x, log(safe_u) * x / (safe_u - 1.0))


def expm1(x):
    """eˣ − 1, accurate for tiny x (Kahan's trick: (u − 1)·x/log u with u = eˣ rounded); differentiable."""
    u = exp(x)
    trivial = (u.array == 1.0) | ~np.isfinite(u.array) | (u.array == 0.0)
    safe_u = where(trivial, 2.0, u)
    return where(u.array == 1.0, x, where(trivial, u - 1.0, (safe_u - 1.0) * x / log(safe_u)))


def softplus(x):
    """log(1 + eˣ) = max(x, 0) + log(1 + e^(−|x|)), stable for every x."""
    from mathdl.ops import abs as absolute
    from mathdl.ops import relu

    return relu(x) + log(1.0 + exp(-absolute(x)))


def sample_shape(shape):
    """A sample shape as a tuple (an int n means (n,))."""
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    shape = tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"sample: shape must be non-negative, got {shape}")
    return shape


class Distribution:
    """Base class: subclasses set ``batch_shape``/``event_shape`` and implement the formulas."""

    has_rsample = False
    support = "real"
    event_shape = ()

    def __init__(self, batch_shape, event_shape=()):
        self.batch_shape = tuple(batch_shape)
        self.event_shape = tuple(event_shape)

    # ----- drawing ---------------------------------------------------------------------
    def extended_shape(self, shape=()):
        """``shape + batch_shape + event_shape``: the shape of ``sample(shape)``."""
        return sample_shape(shape) + self.batch_shape + self.event_shape

    def sample(self, shape=()):
        """Draws of shape ``shape + batch_shape + event_shape`` (no gradient)."""
        with no_grad():
            return self.rsample(shape).detach()

    def rsample(self, shape=()):
        """Reparameterised draws x = g(θ, ε), differentiable in the parameters θ."""
        raise NotImplementedError(
            f"{type(self).__name__} has no reparameterised sampler (rsample); "
            f"use sample() (its draws carry no gradient)"
        )

    # ----- densities -------------------------------------------------------------------
    def log_prob(self, value):
        raise NotImplementedError(f"{type(self).__name__}.log_prob")

    def prob(self, value):
        """p(x) = exp(log p(x)) (a density for continuous, a mass for discrete distributions)."""
        return exp(self.log_prob(value))

    def pdf(self, value):
        return self.prob(value)

    def pmf(self, value):
        return self.prob(value)

    def cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} has no closed-form cdf")

    def icdf(self, value):
        """The quantile function F⁻¹(q) for q ∈ [0, 1]."""
        raise NotImplementedError(f"{type(self).__name__} has no closed-form inverse cdf")

    def probability(self, value, like):
        """``value`` as a Tensor of probabilities in [0, 1] (for icdf)."""
        q = self.value(value, like)
        if np.any((q.array < 0) | (q.array > 1)) or np.any(np.isnan(q.array)):
            raise ValueError(f"{type(self).__name__}.icdf: probabilities must lie in [0, 1]")
        return q

    # ----- summaries -------------------------------------------------------------------
    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__}.mean")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__}.variance")

    @property
    def stddev(self):
        from mathdl.ops import sqrt

        return sqrt(self.variance)

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__}.entropy")

    # ----- helpers for subclasses ------------------------------------------------------
    def value(self, x, like):
        """A value to evaluate at, as a Tensor of the parameters' floating dtype."""
        x = as_tensor(x, like=like)
        if x.dtype.kind != "f":
            x = Tensor(x.array.astype(like.dtype))
        return x

    def uniform(self, shape):
        """Uniform(0, 1) draws of ``extended_shape(shape)`` as an array of the parameter dtype."""
        from mathdl.random import generator

        return generator().random(self.extended_shape(shape))

    def __repr__(self):
        return f"{type(self).__name__}(batch_shape={self.batch_shape}, event_shape={self.event_shape})"
