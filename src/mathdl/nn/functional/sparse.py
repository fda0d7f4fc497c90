"""``F.embedding``: a lookup table of vectors, y = W[idx] (the op behind ``nn.Embedding``).

A row lookup is the product of a one-hot matrix with W, y = onehot(idx) W, so its gradient is
∂L/∂W = onehot(idx)ᵀ ȳ: the upstream gradients scattered back and added into the rows that were
read (a row read k times receives the sum of its k gradients). The scatter-add sorts the indices
once and adds each run of equal rows with one ``reduceat``: O(N log N + N·D), never a (N, V)
one-hot matrix. Rows at ``padding_idx`` are initialised to zero and receive no gradient.
"""

import numpy as np

from mathdl.autograd.function import Function, _wrap
from mathdl.autograd.tensor import Tensor
from mathdl.ops.shape import ScatterAdd


class EmbeddingLookup(Function):
    """y = W[idx] for integer ``idx`` of any shape (…) and W (V, D): y (…, D).

    ∂L/∂W = scatter_add(ȳ ⊙ [idx ≠ padding_idx], idx) (V, D); the indices carry no gradient.
    """

    def __init__(self, indices, padding_idx=None):
        self.indices = indices
        self.padding_idx = padding_idx

    def forward(self, weight):
        return weight[self.indices]

    def backward(self, gy):
        if self.padding_idx is not None:
            keep = (self.indices != self.padding_idx)[..., None].astype(gy.dtype)
            gy = gy * _wrap(keep, False)
        return ScatterAdd(self.indices, self.inputs[0].shape)(gy)


def _index_array(input, num_embeddings, where):
    data = input.array if isinstance(input, Tensor) else np.asarray(input)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{where}: indices must be integers, got dtype {data.dtype}")
    if data.size and (data.min() < 0 or data.max() >= num_embeddings):
        raise ValueError(
            f"{where}: index out of range: indices must lie in [0, {num_embeddings}), "
            f"got min {data.min()} and max {data.max()}"
        )
    return data


def renormalize_rows_(weight, indices, max_norm, norm_type=2.0):
    """PyTorch's ``max_norm``: rows of ``weight`` read by ``indices`` whose ``norm_type``-norm
    exceeds ``max_norm`` are scaled in place (not recorded) to norm max_norm / (norm + 1e-7)·norm."""
    rows = np.unique(indices)
    table = weight.array
    norms = np.linalg.norm(table[rows], ord=norm_type, axis=1)
    large = norms > max_norm
    table[rows[large]] *= (max_norm / (norms[large] + 1e-7))[:, None].astype(table.dtype)


def embedding(
    input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False
):
    """y = weight[input]. input: integer indices of any shape (…); weight (V, D) → (…, D).

    ``max_norm``: first rescale, in place, the looked-up rows whose norm exceeds it (as PyTorch).
    ``scale_grad_by_freq`` and ``sparse`` gradients are not supported (ValueError if asked).

    >>> import mathdl as md
    >>> md.nn.functional.embedding(md.tensor([1]), md.tensor([[0.0, 1.0], [2.0, 3.0]])).tolist()
    [[2.0, 3.0]]
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(
            f"embedding: weight must be a 2-D Tensor (V, D), got "
            f"{getattr(weight, 'shape', type(weight).__name__)}"
        )
    if scale_grad_by_freq or sparse:
        raise ValueError(
            "embedding: scale_grad_by_freq=True and sparse=True are not supported (dense gradients only)"
        )
    indices = _index_array(input, weight.shape[0], "embedding")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    if max_norm is not None:
        renormalize_rows_(weight, indices, float(max_norm), norm_type)
    return EmbeddingLookup(indices, padding_idx)(weight)
