"""The softmax family along one dimension: softmax and log_softmax.

Both subtract the maximum before exponentiating (the log-sum-exp trick), so they are finite for any
finite input. Each takes PyTorch's ``dim`` (NumPy's ``axis`` is an alias).
"""

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype
from mathdl.ops.dims import normalize_axes, one_dim
from mathdl.ops.elementwise import exp


class Softmax(Function):
    """yᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along ``axis`` (m the maximum, for stability);
    ∂L/∂x = y ⊙ (ȳ − Σⱼ ȳⱼ yⱼ)  (the Jacobian diag(y) − y yᵀ applied to ȳ)."""

    saves = ()
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - np.max(x, axis=self.axis, keepdims=True))
        e /= np.sum(e, axis=self.axis, keepdims=True)
        return e

    def backward(self, gy):
        y = self.outputs[0]()
        return y * (gy - _sum_keep(gy * y, self.axis))


class LogSoftmax(Function):
    """yᵢ = xᵢ − logsumexp(x) along ``axis``;  ∂L/∂x = ȳ − softmax(x) Σⱼ ȳⱼ  with softmax = eʸ."""

    saves = ()
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        shifted = x - np.max(x, axis=self.axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True))

    def backward(self, gy):
        y = self.outputs[0]()
        return gy - exp(y) * _sum_keep(gy, self.axis)


def _single_axis(axis, ndim, op):
    if isinstance(axis, (tuple, list)) or axis is None:
        raise TypeError(f"{op}: dim must be one int, got {axis!r}")
    axes = normalize_axes(axis, ndim, op)
    return axes[0] if axes else None  # a 0-d tensor: NumPy's axis=None is its only axis


def _prepare(x, dtype):
    x = as_tensor(x)
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind not in "fc":
        x = Tensor(x.array.astype(get_default_dtype()))
    return x


def _sum_keep(x, axis):
    from mathdl.ops.reduction import sum

    return sum(x, axis, keepdim=True)


def softmax(x, dim=None, *, axis=None, dtype=None):
    """Softmax along ``dim`` (default the last): exp(x) / Σ exp(x), stable for any finite input.

    >>> softmax(Tensor([0.0, 0.0]), dim=0)
    tensor([0.5, 0.5])
    """
    x = _prepare(x, dtype)
    return Softmax(_single_axis(one_dim("softmax", dim, axis, -1), x.ndim, "softmax"))(x)


def log_softmax(x, dim=None, *, axis=None, dtype=None):
    """log softmax along ``dim`` (default the last): x − logsumexp(x), stable for any finite input.

    >>> log_softmax(Tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931472, -0.6931472])
    """
    x = _prepare(x, dtype)
    return LogSoftmax(_single_axis(one_dim("log_softmax", dim, axis, -1), x.ndim, "log_softmax"))(x)
