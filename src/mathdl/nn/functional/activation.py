"""Activations, dropout and one-hot encoding as functions (``mathdl.nn.functional``).

The activations are the primitives of ``mathdl.ops`` under PyTorch's names (``dim`` for the axis);
dropout is its own op because its mask is random:

    dropout:   y = x ⊙ m / (1 − p),   mᵢ ~ Bernoulli(1 − p)   (inverted dropout: E[y] = x)
               ∂L/∂x = ȳ ⊙ m / (1 − p)
"""

import numbers

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops import elementwise, reduction
from mathdl.random import generator


def relu(input):
    """max(x, 0) elementwise; any shape."""
    return elementwise.relu(input)


def sigmoid(input):
    """σ(x) = 1 / (1 + e⁻ˣ) elementwise (computed without overflow); any shape."""
    return elementwise.sigmoid(input)


def tanh(input):
    """tanh x elementwise; any shape."""
    return elementwise.tanh(input)


def softmax(input, dim=-1):
    """softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along ``dim`` (m the maximum); same shape as x."""
    return reduction.softmax(input, dim)


def log_softmax(input, dim=-1):
    """log softmax(x)ᵢ = xᵢ − logsumexp(x) along ``dim``; same shape as x."""
    return reduction.log_softmax(input, dim)


def leaky_relu(input, negative_slope=0.01):
    """y = x for x > 0, a·x otherwise (a = ``negative_slope``);  ∂y/∂x = 1 or a (a at 0, as PyTorch)."""
    input = as_tensor(input)
    return elementwise.where(input.array > 0, input, input * float(negative_slope))


def elu(input, alpha=1.0):
    """y = x for x > 0, α (eˣ − 1) otherwise;  ∂y/∂x = 1 or α eˣ. (eˣ is only evaluated at
    min(x, 0), so large inputs do not overflow.)"""
    input = as_tensor(input)
    negative = elementwise.exp(elementwise.minimum(input, 0.0)) - 1.0
    return elementwise.where(input.array > 0, input, negative * float(alpha))


def softplus(input, beta=1.0, threshold=20.0):
    """y = (1/β) log(1 + e^(βx)), computed as (max(βx, 0) + log(1 + e^(−|βx|)))/β, and y = x where
    βx > ``threshold`` (as PyTorch);  ∂y/∂x = σ(βx)."""
    input = as_tensor(input)
    scaled = input * float(beta)
    smooth = (elementwise.relu(scaled) + elementwise.log(1.0 + elementwise.exp(-elementwise.abs(scaled)))) * (
        1.0 / beta
    )
    return elementwise.where(scaled.array > threshold, input, smooth)


def silu(input):
    """SiLU / swish: y = x σ(x);  ∂y/∂x = σ(x)(1 + x(1 − σ(x)))."""
    input = as_tensor(input)
    return input * elementwise.sigmoid(input)


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


def dropout(input, p=0.5, training=True):
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by
    1/(1 − p), so the expected value is unchanged; the identity when ``training`` is False.
    Any shape; the mask is drawn from ``mathdl.random.generator()``."""
    p = _check_p(p, "dropout")
    input = as_tensor(input)
    if not training or p == 0.0:
        return input
    return DropoutFunction(p, input.shape)(input)


def dropout2d(input, p=0.5, training=True):
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
    return DropoutFunction(p, mask_shape)(input)


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
