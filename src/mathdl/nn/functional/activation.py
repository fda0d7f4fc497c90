"""Activations, dropout and one-hot encoding as functions (``mathdl.nn.functional``).

``inplace=True`` is accepted wherever PyTorch has it (``nn.ReLU(inplace=True)`` is common in
published models): when no gradient is being recorded the result is written into the input,
which is returned, as in PyTorch; when one is, the result is a new tensor (so the recorded
backward keeps the input it needs) and the input is left unchanged: use the returned tensor.

The activations are the primitives of ``mathdl.ops`` under PyTorch's names (``dim`` for the axis);
dropout is its own op because its mask is random:

    dropout:   y = x ⊙ m / (1 − p),   mᵢ ~ Bernoulli(1 − p)   (inverted dropout: E[y] = x)
               ∂L/∂x = ȳ ⊙ m / (1 − p)
"""

import math
import numbers
import warnings

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops import elementwise, reduction, special
from mathdl.random import generator


def relu(input, inplace=False):
    """max(x, 0) elementwise; any shape. (``inplace`` is accepted for PyTorch code and computed
    out of place: use the returned tensor.)"""
    return _inplace(input, elementwise.relu(input), inplace)


def sigmoid(input):
    """σ(x) = 1 / (1 + e⁻ˣ) elementwise (computed without overflow); any shape."""
    return elementwise.sigmoid(input)


def tanh(input):
    """tanh x elementwise; any shape."""
    return elementwise.tanh(input)


def softmax(input, dim=None, dtype=None):
    """softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along ``dim`` (m the maximum); same shape as x.
    Without ``dim``, PyTorch's implicit choice (with its warning): 0 for 0-, 1- and 3-d inputs, else 1."""
    input = _as_dtype(input, dtype)
    return reduction.softmax(input, _softmax_dim(dim, input.ndim, "softmax"))


def log_softmax(input, dim=None, dtype=None):
    """log softmax(x)ᵢ = xᵢ − logsumexp(x) along ``dim``; same shape as x (``dim=None``: as softmax)."""
    input = _as_dtype(input, dtype)
    return reduction.log_softmax(input, _softmax_dim(dim, input.ndim, "log_softmax"))


def _softmax_dim(dim, ndim, where):
    if dim is not None:
        return dim
    implicit = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(
        f"Implicit dimension choice for {where} has been deprecated. Change the call to include "
        f"dim={implicit} as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return implicit


def _as_dtype(input, dtype):
    # PyTorch's ``dtype=`` of softmax: cast the input first (a differentiable cast)
    input = as_tensor(input)
    return input if dtype is None else input.astype(dtype)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """y = x for x > 0, a·x otherwise (a = ``negative_slope``);  ∂y/∂x = 1 or a (a at 0, as PyTorch)."""
    input = as_tensor(input)
    return _inplace(input, elementwise.where(input.array > 0, input, input * float(negative_slope)), inplace)


def elu(input, alpha=1.0, inplace=False):
    """y = x for x > 0, α (eˣ − 1) otherwise;  ∂y/∂x = 1 or α eˣ. (eˣ is only evaluated at
    min(x, 0), so large inputs do not overflow.)"""
    input = as_tensor(input)
    negative = elementwise.exp(elementwise.minimum(input, 0.0)) - 1.0
    return _inplace(input, elementwise.where(input.array > 0, input, negative * float(alpha)), inplace)


def softplus(input, beta=1.0, threshold=20.0):
    """y = (1/β) log(1 + e^(βx)), and y = x where βx > ``threshold`` (as PyTorch);  ∂y/∂x = σ(βx).
    One Function (``ops.elementwise.Softplus``), computed without overflow."""
    return elementwise.softplus(input, beta, threshold)


def silu(input, inplace=False):
    """SiLU / swish: y = x σ(x);  ∂y/∂x = σ(x)(1 + x(1 − σ(x))).

    >>> import mathdl as md
    >>> md.nn.functional.silu(md.tensor([0.0]))
    tensor([0.])
    """
    input = as_tensor(input)
    return _inplace(input, input * elementwise.sigmoid(input), inplace)


SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(input, approximate="none"):
    """GELU: y = x Φ(x) = ½ x (1 + erf(x/√2)) (``approximate='none'``), or the tanh form
    ½ x (1 + tanh(√(2/π)(x + 0.044715 x³))) (``approximate='tanh'``), as ``torch``.

    ∂y/∂x = Φ(x) + x φ(x) for the exact form; both are composed of differentiable ops.

    >>> import mathdl as md
    >>> md.nn.functional.gelu(md.tensor([0.0, 10.0]))
    tensor([ 0., 10.])
    """
    input = as_tensor(input)
    if approximate == "none":
        return input * 0.5 * (1.0 + special.erf(input * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * SQRT_2_OVER_PI
        return input * 0.5 * (1.0 + elementwise.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def _inplace(input, result, inplace):
    """PyTorch's ``inplace=True``: write ``result`` into ``input`` when nothing is recorded."""
    if not inplace or result.requires_grad or not isinstance(input, Tensor):
        return result
    if input.array.shape != result.array.shape or not input.array.flags.writeable:
        return result
    np.copyto(input.array, result.array, casting="unsafe")
    return input


def _constant_like(values, like):
    return Tensor(np.asarray(values, dtype=like.dtype))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """y = min(max(x, min_val), max_val);  ∂y/∂x = 1 strictly inside (min_val, max_val), else 0
    (PyTorch's convention at the two corners).

    >>> import mathdl as md
    >>> md.nn.functional.hardtanh(md.tensor([-2.0, 0.5, 2.0]))
    tensor([-1. ,  0.5,  1. ])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    input = as_tensor(input)
    inside = (input.array > min_val) & (input.array < max_val)
    return _inplace(
        input,
        elementwise.where(inside, input, _constant_like(np.clip(input.array, min_val, max_val), input)),
        inplace,
    )


def relu6(input, inplace=False):
    """y = min(max(x, 0), 6) (``hardtanh(x, 0, 6)``).

    >>> import mathdl as md
    >>> md.nn.functional.relu6(md.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """
    return _inplace(input, hardtanh(input, 0.0, 6.0), inplace)


def hardsigmoid(input, inplace=False):
    """y = relu6(x + 3) / 6;  ∂y/∂x = 1/6 strictly inside (−3, 3), else 0.

    >>> import mathdl as md
    >>> md.nn.functional.hardsigmoid(md.tensor([-4.0, 0.0, 4.0]))
    tensor([0. , 0.5, 1. ])
    """
    return _inplace(input, hardtanh(as_tensor(input) + 3.0, 0.0, 6.0) * (1.0 / 6.0), inplace)


def hardswish(input, inplace=False):
    """y = x · relu6(x + 3) / 6 (MobileNetV3);  ∂y/∂x = 0 below −3, x/3 + ½ inside, 1 above 3.

    >>> import mathdl as md
    >>> md.nn.functional.hardswish(md.tensor([-4.0, 4.0]))
    tensor([-0.,  4.])
    """
    input = as_tensor(input)
    return _inplace(input, input * hardsigmoid(input), inplace)


def softsign(input):
    """y = x / (1 + |x|);  ∂y/∂x = 1 / (1 + |x|)².

    >>> import mathdl as md
    >>> md.nn.functional.softsign(md.tensor([1.0]))
    tensor([0.5])
    """
    input = as_tensor(input)
    return input / (elementwise.abs(input) + 1.0)


def logsigmoid(input):
    """y = log σ(x) = −softplus(−x), exact for every x;  ∂y/∂x = σ(−x).

    >>> import mathdl as md
    >>> md.nn.functional.logsigmoid(md.tensor([0.0]))
    tensor([-0.6931472])
    """
    return -elementwise.softplus(-as_tensor(input), 1.0, math.inf)


def mish(input, inplace=False):
    """y = x tanh(softplus(x)) (Misra 2019).

    >>> import mathdl as md
    >>> md.nn.functional.mish(md.tensor([0.0]))
    tensor([0.])
    """
    input = as_tensor(input)
    return _inplace(input, input * elementwise.tanh(elementwise.softplus(input)), inplace)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """y = λ (x for x > 0, α (eˣ − 1) otherwise), λ ≈ 1.0507, α ≈ 1.6733 (self-normalising).

    >>> import mathdl as md
    >>> md.nn.functional.selu(md.tensor([1.0]))
    tensor([1.050701])
    """
    return _inplace(input, elu(input, SELU_ALPHA) * SELU_SCALE, inplace)


def celu(input, alpha=1.0, inplace=False):
    """y = x for x > 0, α (e^(x/α) − 1) otherwise.

    >>> import mathdl as md
    >>> md.nn.functional.celu(md.tensor([2.0]))
    tensor([2.])
    """
    if alpha == 0:
        raise ValueError("celu: alpha must be non-zero")
    input = as_tensor(input)
    negative = elementwise.expm1(elementwise.minimum(input, 0.0) * (1.0 / alpha)) * float(alpha)
    return _inplace(input, elementwise.where(input.array > 0, input, negative), inplace)


def glu(input, dim=-1):
    """Gated linear unit: split x in halves a, b along ``dim``; y = a ⊙ σ(b).

    >>> import mathdl as md
    >>> md.nn.functional.glu(md.tensor([2.0, 0.0]))
    tensor([1.])
    """
    input = as_tensor(input)
    size = input.shape[dim]
    if size % 2:
        raise ValueError(f"glu: dimension {dim} of size {size} is not even (it is split in halves)")
    index = [slice(None)] * input.ndim
    index[dim] = slice(0, size // 2)
    first = input[tuple(index)]
    index[dim] = slice(size // 2, size)
    return first * elementwise.sigmoid(input[tuple(index)])


def softmin(input, dim=None):
    """softmin(x) = softmax(−x) along ``dim``.

    >>> import mathdl as md
    >>> md.nn.functional.softmin(md.tensor([0.0, 0.0]), dim=0)
    tensor([0.5, 0.5])
    """
    input = as_tensor(input)
    return reduction.softmax(-input, _softmax_dim(dim, input.ndim, "softmin"))


def threshold(input, threshold, value, inplace=False):
    """y = x where x > ``threshold``, else ``value``;  ∂y/∂x = [x > threshold].

    >>> import mathdl as md
    >>> md.nn.functional.threshold(md.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    input = as_tensor(input)
    return _inplace(
        input, elementwise.where(input.array > threshold, input, _constant_like(value, input)), inplace
    )


def tanhshrink(input):
    """y = x − tanh x.

    >>> import mathdl as md
    >>> md.nn.functional.tanhshrink(md.tensor([0.0]))
    tensor([0.])
    """
    input = as_tensor(input)
    return input - elementwise.tanh(input)


class DropoutFunction(Function):
    """y = x ⊙ s where s = m / (1 − p) is a fixed random scale (m ∈ {0, 1});  ∂L/∂x = ȳ ⊙ s.

    ``mask_shape`` may have size-1 axes (Dropout2d drops whole channels: mask (N, C, 1, 1)).
    """

    def __init__(self, p, mask_shape):
        self.p, self.mask_shape = p, mask_shape

    def forward(self, x):
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        draws = generator().random(self.mask_shape, dtype=np.float32 if dtype == np.float32 else np.float64)
        scale = np.greater_equal(draws, self.p).astype(dtype)
        if self.p < 1:
            scale *= 1.0 / (1.0 - self.p)
        self.scale = scale
        return x * scale

    def backward(self, gy):
        if gy.requires_grad:
            return gy * Tensor(self.scale)
        return Tensor(gy.array * self.scale)


def _check_p(p, where):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{where}: dropout probability has to be between 0 and 1, but got {p!r}")
    return float(p)


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by
    1/(1 − p), so the expected value is unchanged; the identity when ``training`` is False.
    Any shape; the mask is drawn from ``mathdl.random.generator()``."""
    p = _check_p(p, "dropout")
    input = as_tensor(input)
    if not training or p == 0.0:
        return input
    return _inplace(input, DropoutFunction(p, input.shape)(input), inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout: zero whole channels x[n, c] with probability ``p`` (scale the rest by
    1/(1 − p)). input (N, C, H, W) or (N, C, L) → same shape."""
    p = _check_p(p, "dropout2d")
    input = as_tensor(input)
    if input.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape {input.shape}"
        )
    if not training or p == 0.0:
        return input
    mask_shape = input.shape[:2] + (1,) * (input.ndim - 2)
    return _inplace(input, DropoutFunction(p, mask_shape)(input), inplace)


def one_hot(tensor, num_classes=-1):
    """One-hot encoding: labels of shape (…) with values in [0, num_classes) → int64 (…, num_classes)
    with out[…, k] = [label = k]. ``num_classes=-1`` uses max(label) + 1 (as ``torch``)."""
    labels = tensor.array if isinstance(tensor, Tensor) else np.asarray(tensor)
    if labels.dtype.kind not in "iu":
        if labels.size and not np.all(np.equal(np.mod(labels, 1), 0)):
            raise TypeError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
        labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot: labels must be non-negative, got {int(labels.min())}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if not isinstance(num_classes, numbers.Integral) or num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be a non-negative integer or -1, got {num_classes!r}")
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"one_hot: label {int(labels.max())} is out of range for num_classes = {num_classes}"
        )
    out = np.zeros(labels.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return Tensor(out)
