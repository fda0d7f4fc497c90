"""Embedding: a table of learned vectors, y = W[idx] (the op and its gradient are in
``nn.functional.embedding``)."""

import numbers

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.sparse import EmbeddingLookup, _index_array, embedding, renormalize_rows_  # noqa: F401 (names kept)
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter
from mathdl.random import generator


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``: y = W[idx].

    ``Embedding(num_embeddings, embedding_dim, padding_idx=None)``; weight (V, D) initialised
    N(0, 1) as in PyTorch (the row ``padding_idx`` zero). Input: integer indices (…) (a Tensor or
    array); output (…, D).
    """

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
        _weight=None,
    ):
        super().__init__()
        if scale_grad_by_freq or sparse:
            raise ValueError(
                "Embedding: scale_grad_by_freq=True and sparse=True are not supported (dense gradients only)"
            )
        self.max_norm, self.norm_type = max_norm, float(norm_type)
        self.scale_grad_by_freq, self.sparse = False, False
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
        if self.max_norm is not None:
            renormalize_rows_(self.weight, indices, float(self.max_norm), self.norm_type)
        return EmbeddingLookup(indices, self.padding_idx)(self.weight)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        text += f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return text + (f", max_norm={self.max_norm}" if self.max_norm is not None else "")
