"""Norms, normalisation and similarities along one dimension (``F.normalize``,
``F.cosine_similarity``, ``F.pairwise_distance``), composed of differentiable ops.

    ‖x‖_p = (Σᵢ |xᵢ|^p)^(1/p)
    normalize(x) = x / max(‖x‖_p, ε)
    cosine_similarity(x₁, x₂) = Σᵢ x₁ᵢ x₂ᵢ / (max(‖x₁‖₂, ε) · max(‖x₂‖₂, ε))
    pairwise_distance(x₁, x₂) = ‖x₁ − x₂ + ε‖_p

The norm's gradient x |x|^(p−2) / ‖x‖^(p−1) is 0/0 at x = 0; like PyTorch we give it the value 0
there (the sum is replaced by 1 inside the root where it is 0, and the result masked back to 0),
so a zero vector never turns a gradient into NaN.
"""

import math
import numbers

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.ops import elementwise, reduction
from mathdl.ops.arithmetic import _binary


def _check_dim(dim, ndim, where):
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or not -ndim <= dim < max(ndim, 1):
        raise ValueError(f"{where}: dim {dim!r} is out of range for a tensor with {ndim} dimensions")
    return int(dim) % max(ndim, 1)


def vector_norm(input, p=2.0, dim=-1, keepdim=False):
    """‖x‖_p along ``dim`` (p > 0, or ``inf`` for the largest |xᵢ|); gradient 0 at x = 0.

    >>> import mathdl as md
    >>> md.nn.functional.distance.vector_norm(md.tensor([3.0, 4.0]))
    tensor(5.)
    """
    input = as_tensor(input)
    dim = _check_dim(dim, input.ndim, "norm")
    if p == math.inf:
        return reduction.max(elementwise.abs(input), dim, keepdim)
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or p <= 0:
        raise ValueError(f"norm: p must be a positive number or inf, got {p!r}")
    powered = input * input if p == 2 else elementwise.abs(input) ** float(p)
    total = reduction.sum(powered, dim, keepdim)
    zero = total.array == 0
    if not zero.any():
        return elementwise.sqrt(total) if p == 2 else total ** (1.0 / p)
    safe = elementwise.where(zero, 1.0, total)
    root = elementwise.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return elementwise.where(zero, 0.0, root)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(‖x‖_p, ε) along ``dim`` (``F.normalize``): unit vectors, zero vectors stay zero.

    >>> import mathdl as md
    >>> md.nn.functional.normalize(md.tensor([[3.0, 4.0]]))
    tensor([[0.6, 0.8]])
    """
    input = as_tensor(input)
    norm = vector_norm(input, p, dim, keepdim=True)
    return input / elementwise.maximum(norm, float(eps))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Σ x₁ x₂ / (max(‖x₁‖, ε) max(‖x₂‖, ε)) along ``dim`` after broadcasting x₁ with x₂; the
    dimension ``dim`` is removed (``F.cosine_similarity``).

    >>> import mathdl as md
    >>> md.nn.functional.cosine_similarity(md.tensor([[1.0, 0.0]]), md.tensor([[1.0, 1.0]]))
    tensor([0.70710677])
    """
    x1, x2 = _binary(x1, x2, "cosine_similarity")
    shape = np.broadcast_shapes(x1.shape, x2.shape)
    dim = _check_dim(dim, len(shape), "cosine_similarity")
    n1 = elementwise.maximum(vector_norm(x1, 2.0, dim - len(shape) + x1.ndim, keepdim=True), float(eps))
    n2 = elementwise.maximum(vector_norm(x2, 2.0, dim - len(shape) + x2.ndim, keepdim=True), float(eps))
    return reduction.sum((x1 / n1) * (x2 / n2), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x₁ − x₂ + ε‖_p over the last dimension (``F.pairwise_distance``).

    >>> import mathdl as md
    >>> md.nn.functional.pairwise_distance(md.tensor([[0.0, 0.0]]), md.tensor([[3.0, 4.0]]), eps=0.0)
    tensor([5.])
    """
    x1, x2 = _binary(x1, x2, "pairwise_distance")
    return vector_norm(x1 - x2 + float(eps), p, -1, keepdim)
