"""The two spaces the built-in environments need, with Gymnasium's attribute names.

Agents read only ``action_space.n``, ``observation_space.n`` (discrete observations) or
``observation_space.shape`` (vector observations), and call ``sample()``; Gymnasium's own
``Discrete``/``Box`` have the same attributes, so agents work with either.
"""

import numpy as np

from mathdl.random import generator


class Discrete:
    """The integers {0, 1, …, n − 1}."""

    def __init__(self, n):
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"Discrete: n must be a positive integer, got {n!r}")
        self.n = int(n)
        self.shape = ()
        self.dtype = np.dtype(np.int64)

    def sample(self):
        return int(generator().integers(self.n))

    def contains(self, x):
        return isinstance(x, (int, np.integer)) and 0 <= int(x) < self.n

    def __repr__(self):
        return f"Discrete({self.n})"


class Box:
    """The box {x : low ≤ x ≤ high} in ℝ^shape (bounds may be ±inf)."""

    def __init__(self, low, high, dtype=np.float32):
        self.low = np.asarray(low, dtype=dtype)
        self.high = np.asarray(high, dtype=dtype)
        if self.low.shape != self.high.shape or np.any(self.low > self.high):
            raise ValueError(
                f"Box: low and high must have the same shape and low <= high, "
                f"got shapes {self.low.shape} and {self.high.shape}"
            )
        self.shape = self.low.shape
        self.dtype = np.dtype(dtype)

    def sample(self):
        low = np.where(np.isfinite(self.low), self.low, -1.0)
        high = np.where(np.isfinite(self.high), self.high, 1.0)
        return generator().uniform(low, high).astype(self.dtype)

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == self.shape and bool(np.all(x >= self.low) and np.all(x <= self.high))

    def __repr__(self):
        return f"Box(shape={self.shape}, dtype={self.dtype})"
