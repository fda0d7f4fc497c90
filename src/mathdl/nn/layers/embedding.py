"""Embedding: a lookup table of learned vectors, y = W[idx].

A row lookup is the product of a one-hot matrix with W, y = onehot(idx) W, so its gradient is
∂L/∂W = onehot(idx)ᵀ ȳ: the upstream gradients scattered back and added into the rows that were
read (a row read k times receives the sum of its k gradients). The scatter-add sorts the indices
once and adds each run of equal rows with one ``reduceat``: O(N log N + N·D), never a (N, V)
one-hot matrix. Rows at ``padding_idx`` are initialised to zero and receive no gradient.
"""

import numbers

import numpy as np

from mathdl import backend
from mathdl.autograd.function import Function, _wrap
from mathdl.autograd.tensor import Tensor
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter
from mathdl.ops.shape import ScatterAdd
from mathdl.random import generator


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


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``: y = W[idx].

    ``Embedding(num_embeddings, embedding_dim, padding_idx=None)``; weight (V, D) initialised
    N(0, 1) as in PyTorch (the row ``padding_idx`` zero). Input: integer indices (…) (a Tensor or
    array); output (…, D).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, _weight=None):
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {value!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if (
                not isinstance(padding_idx, numbers.Integral)
                or not -num_embeddings <= padding_idx < num_embeddings
            ):
                raise ValueError(
                    f"Embedding: padding_idx must be within [-{num_embeddings}, "
                    f"{num_embeddings}), got {padding_idx!r}"
                )
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            data = generator().standard_normal((self.num_embeddings, self.embedding_dim))
            data = data.astype(backend.get_default_dtype())
            if padding_idx is not None:
                data[padding_idx] = 0.0
        else:
            data = np.asarray(_weight.array if isinstance(_weight, Tensor) else _weight)
            if data.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(
                    f"Embedding: _weight must have shape ({num_embeddings}, {embedding_dim}), "
                    f"got {data.shape}"
                )
        # Given weights keep their floating dtype (as torch.nn.Embedding.from_pretrained does).
        self.weight = Parameter(data, dtype=data.dtype if data.dtype.kind == "f" else None)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding the given (V, D) matrix; ``freeze`` turns off its gradient."""
        data = np.asarray(embeddings.array if isinstance(embeddings, Tensor) else embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {data.shape}")
        module = cls(data.shape[0], data.shape[1], padding_idx=padding_idx, _weight=data)
        module.weight.requires_grad = not freeze
        return module

    def forward(self, input):
        indices = _index_array(input, self.num_embeddings, "Embedding")
        return EmbeddingLookup(indices, self.padding_idx)(self.weight)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
