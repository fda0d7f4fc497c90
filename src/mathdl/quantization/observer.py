"""Observers: record the range of the tensors that flow through a layer during calibration, then
give the quantisation parameters for it (PyTorch's ``MinMaxObserver`` / ``PerChannelMinMaxObserver``).

    min ← min(min, min x),  max ← max(max, max x)   over every observed batch (per channel: over all
                                                     axes but ``ch_axis``)
"""

import numpy as np

from mathdl.quantization.affine import calculate_qparams, integer_range


class MinMaxObserver:
    """The running min and max of everything observed; ``calculate_qparams()`` → (scale, zero_point).

    dtype: 'uint8' (activations, default) or 'int8'; scheme: 'affine' or 'symmetric'.
    """

    def __init__(self, dtype="uint8", scheme="affine"):
        integer_range(dtype)
        self.dtype, self.scheme = dtype, scheme
        self.min_val, self.max_val = np.inf, -np.inf

    def _reduce(self, x):
        return x.min(), x.max()

    def __call__(self, x):
        """Observe ``x`` (array or Tensor); returns it unchanged."""
        array = np.asarray(getattr(x, "array", x))
        if array.size == 0:
            return x
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{type(self).__name__}: observed a non-finite value")
        low, high = self._reduce(array)
        self.min_val, self.max_val = np.minimum(self.min_val, low), np.maximum(self.max_val, high)
        return x

    def calculate_qparams(self):
        if not np.all(np.isfinite(self.min_val)):
            raise ValueError(f"{type(self).__name__}: nothing observed yet (run calibration batches first)")
        return calculate_qparams(self.min_val, self.max_val, self.dtype, self.scheme)

    def __repr__(self):
        return f"{type(self).__name__}(min_val={self.min_val}, max_val={self.max_val}, dtype={self.dtype!r})"


class PerChannelMinMaxObserver(MinMaxObserver):
    """Min and max per slice along ``ch_axis`` (a weight's output channels: axis 0)."""

    def __init__(self, ch_axis=0, dtype="int8", scheme="symmetric"):
        super().__init__(dtype, scheme)
        self.ch_axis = ch_axis

    def _reduce(self, x):
        axes = tuple(a for a in range(x.ndim) if a != self.ch_axis % x.ndim)
        return x.min(axis=axes), x.max(axis=axes)
