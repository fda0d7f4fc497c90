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


def embedding(input, weight, padding_idx=None):
    """y = weight[input]. input: integer indices of any shape (…); weight (V, D) → (…, D)."""
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(
            f"embedding: weight must be a 2-D Tensor (V, D), got "
            f"{getattr(weight, 'shape', type(weight).__name__)}"
        )
    indices = _index_array(input, weight.shape[0], "embedding")
    return EmbeddingLookup(indices, padding_idx)(weight)
