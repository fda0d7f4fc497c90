"""``keras.random``: random tensors with Keras 3's signatures and seeding rules.

``seed=None`` draws from mathdl's global generator (``md.manual_seed`` /
``keras.utils.set_random_seed``); an integer ``seed`` gives the same values at every call; a
``SeedGenerator(seed)`` gives a reproducible stream (new values at each call, the same stream for
the same seed), as in Keras.

    >>> from mathdl.keras import random
    >>> bool((random.uniform((3,), seed=1).numpy() == random.uniform((3,), seed=1).numpy()).all())
    True
"""

import numpy as np

from mathdl import backend
from mathdl import random as md_random
from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor


class SeedGenerator:
    """A reproducible stream of random draws: ``SeedGenerator(seed=None)``."""

    def __init__(self, seed=None, **kwargs):
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def next(self):
        """The generator to draw the next values from."""
        if self._rng is None:
            self._rng = np.random.default_rng(md_random.generator().integers(2**63))
        return self._rng


def _rng(seed):
    if seed is None:
        return md_random.generator()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be None, an integer or a keras.random.SeedGenerator, got {seed!r}")


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else backend.get_default_dtype()


def _shape(shape):
    return tuple(int(s) for s in shape) if not isinstance(shape, (int, np.integer)) else (int(shape),)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """N(mean, stddev²) of ``shape``."""
    return Tensor(_rng(seed).normal(mean, stddev, size=_shape(shape)).astype(_dtype(dtype)))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """U[minval, maxval) of ``shape``."""
    return Tensor(_rng(seed).uniform(minval, maxval, size=_shape(shape)).astype(_dtype(dtype)))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """N(mean, stddev²) redrawn outside mean ± 2 stddev."""
    from mathdl.keras.initializers import _truncated_normal

    return Tensor(_truncated_normal(_rng(seed), _shape(shape), mean, stddev).astype(_dtype(dtype)))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in [minval, maxval)."""
    return Tensor(_rng(seed).integers(minval, maxval, size=_shape(shape)).astype(dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class draws per row of ``logits`` (B, C), with P(c) = softmax(logits)_c."""
    logits = np.asarray(logits.array if isinstance(logits, Tensor) else logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(f"categorical: logits must be (batch, classes), got shape {logits.shape}")
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = _rng(seed).random(size=(logits.shape[0], int(num_samples), 1))
    draws = (u > np.cumsum(p, axis=1)[:, None, :]).sum(axis=2)  # inverse CDF, vectorised
    return Tensor(np.minimum(draws, logits.shape[1] - 1).astype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout: each entry zeroed with probability ``rate``, the rest scaled by
    1 / (1 − rate); ``noise_shape`` broadcasts one mask (differentiable in ``inputs``)."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    x = as_tensor(inputs)
    shape = tuple(
        x.shape if noise_shape is None else (d if d is not None else s for d, s in zip(noise_shape, x.shape))
    )
    keep = (_rng(seed).random(size=shape) >= rate).astype(x.dtype) / (1.0 - rate)
    return x * Tensor(keep)


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries permuted along ``axis``."""
    x = as_tensor(x)
    order = _rng(seed).permutation(x.shape[axis])
    index = [slice(None)] * x.ndim
    index[axis] = order
    return x[tuple(index)]


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(α, 1) draws."""
    return Tensor(_rng(seed).gamma(alpha, size=_shape(shape)).astype(_dtype(dtype)))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial(counts, probabilities) draws."""
    return Tensor(_rng(seed).binomial(counts, probabilities, size=_shape(shape)).astype(_dtype(dtype)))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(α, β) draws."""
    return Tensor(_rng(seed).beta(alpha, beta, size=_shape(shape)).astype(_dtype(dtype)))
