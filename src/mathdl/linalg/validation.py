"""Shared input checks of the linear-algebra toolkit and its error type."""

import numpy as np

from mathdl.autograd.tensor import Tensor


class LinAlgError(ValueError):
    """A linear-algebra failure: a singular or non-positive-definite matrix, a non-square input,
    an iteration that did not converge. A ``ValueError``, so generic handlers catch it too."""


def as_float_tensor(a, op):
    """``a`` as a floating Tensor (Tensors are kept so gradients flow; integers become float64)."""
    if isinstance(a, Tensor):
        tensor = a
    else:
        array = np.asarray(a)
        if array.dtype == object:
            raise TypeError(f"{op}: expected a numeric array or Tensor, got {type(a).__name__}")
        tensor = Tensor(array)
    if tensor.dtype.kind in "biu":
        tensor = Tensor(tensor.array.astype(np.float64))
    elif tensor.dtype.kind not in "f":
        raise TypeError(f"{op}: expected a real floating array, got dtype {tensor.dtype}")
    if tensor.ndim >= 1 and tensor.numel() and not np.all(np.isfinite(tensor.array)):
        raise LinAlgError(f"{op}: the input contains inf or nan")
    return tensor


def check_matrix(t, op):
    """Require a 2-D matrix."""
    if t.ndim != 2:
        raise LinAlgError(f"{op}: expected a 2-D matrix, got shape {t.shape}")
    if 0 in t.shape:
        raise LinAlgError(f"{op}: the matrix is empty (shape {t.shape})")


def check_square(t, op, batched=True):
    """Require a square matrix (n, n), or a stack (..., n, n) when ``batched``."""
    if t.ndim < 2 or (not batched and t.ndim != 2) or t.shape[-1] != t.shape[-2]:
        expected = "(..., n, n)" if batched else "(n, n)"
        raise LinAlgError(f"{op}: expected a square matrix {expected}, got shape {t.shape}")
    if t.shape[-1] == 0:
        raise LinAlgError(f"{op}: the matrix is empty (shape {t.shape})")


def work_array(t):
    """The data as a float64 working copy (decompositions run in float64, results are cast back)."""
    return np.array(t.array, dtype=np.float64, copy=True)
