"""Affine (asymmetric) and symmetric integer quantisation of real tensors.

A real x is stored as an integer q in [q_min, q_max] with a scale s > 0 and a zero point z:

    q = clamp(round(x / s) + z, q_min, q_max),        x̂ = s (q − z)

(round half to even, as PyTorch). For every x in the representable range [s(q_min − z), s(q_max − z)]
the error is |x − x̂| ≤ s/2; outside it x is clipped. From an observed range [a, b], widened to
contain 0 (so 0 — zero padding, ReLU's zeros — is exact), a' = min(a, 0), b' = max(b, 0):

    affine      s = (b' − a') / (q_max − q_min),   z = q_min − round(a'/s)   (clamped to [q_min, q_max])
    symmetric   s = max(−a', b') / ((q_max − q_min)/2),  z = 0 for int8 (128 for uint8)

Per-channel quantisation gives every slice along ``axis`` (a weight's output channel) its own s, z.
dtypes: 'int8' (q ∈ [−128, 127]) and 'uint8' ([0, 255]).
"""

import numpy as np

RANGES = {"int8": (-128, 127, np.int8), "uint8": (0, 255, np.uint8)}
SCHEMES = ("affine", "symmetric")
EPS = float(np.finfo(np.float32).eps)


def integer_range(dtype):
    """(q_min, q_max, numpy dtype) of 'int8' or 'uint8'."""
    if dtype not in RANGES:
        raise ValueError(f"quantization: dtype must be one of {sorted(RANGES)}, got {dtype!r}")
    return RANGES[dtype]


def calculate_qparams(min_val, max_val, dtype="int8", scheme="affine"):
    """Scale(s) and zero point(s) (float64 and int64 arrays shaped like min_val) for the observed
    range [min_val, max_val] (numbers, or arrays for per-channel); see the module docstring."""
    if scheme not in SCHEMES:
        raise ValueError(f"calculate_qparams: scheme must be one of {SCHEMES}, got {scheme!r}")
    q_min, q_max, _ = integer_range(dtype)
    low = np.minimum(np.asarray(min_val, dtype=np.float64), 0.0)
    high = np.maximum(np.asarray(max_val, dtype=np.float64), 0.0)
    if np.any(low > high) or not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        raise ValueError(f"calculate_qparams: need finite min_val <= max_val, got {min_val} and {max_val}")
    if scheme == "symmetric":
        scale = np.maximum(np.maximum(-low, high) / ((q_max - q_min) / 2.0), EPS)
        zero_point = np.full(scale.shape, 0 if dtype == "int8" else 128, dtype=np.int64)
    else:
        scale = np.maximum((high - low) / float(q_max - q_min), EPS)
        zero_point = np.clip(q_min - np.round(low / scale), q_min, q_max).astype(np.int64)
    return scale, zero_point


def _broadcast(values, ndim, axis):
    values = np.asarray(values)
    if axis is None or values.ndim == 0:
        return values
    shape = [1] * ndim
    shape[axis] = -1
    return values.reshape(shape)


def quantize(x, scale, zero_point, dtype="int8", axis=None):
    """q = clamp(round(x/s) + z, q_min, q_max) as an int8/uint8 array; ``axis``: the channel axis of
    per-channel ``scale``/``zero_point`` (None: per tensor)."""
    x = np.asarray(getattr(x, "array", x), dtype=np.float64)
    q_min, q_max, numpy_dtype = integer_range(dtype)
    s, z = _broadcast(scale, x.ndim, axis), _broadcast(zero_point, x.ndim, axis)
    return np.clip(np.round(x / s) + z, q_min, q_max).astype(numpy_dtype)


def dequantize(q, scale, zero_point, axis=None, dtype=np.float32):
    """x̂ = s (q − z) (float32 by default)."""
    q = np.asarray(q)
    s, z = _broadcast(scale, q.ndim, axis), _broadcast(zero_point, q.ndim, axis)
    return (s * (q.astype(np.float64) - z)).astype(dtype)
