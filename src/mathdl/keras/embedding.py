"""Keras's ``Embedding`` on ``nn.Embedding``: integer indices (None, T) → vectors (None, T, D),
y[n, t] = W[x[n, t]], with W (input_dim, output_dim) initialised U(−0.05, 0.05) as in Keras.
Its gradient scatters ȳ back into the rows that were looked up (``nn.Embedding``'s backward).
A model whose first layer is an Embedding is fed integer arrays (``fit`` keeps them integers)."""

import numbers

import numpy as np

from mathdl.keras.layers import INITIALIZERS, Layer, format_shape, initialize
from mathdl.nn.layers.embedding import Embedding as _NNEmbedding


class Embedding(Layer):
    """``Embedding(input_dim, output_dim, embeddings_initializer='uniform', input_length=None)``."""

    takes_indices = True

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        mask_zero=False,
        input_length=None,
        **kwargs,
    ):
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {value!r}")
        if mask_zero:
            raise ValueError("Embedding: mask_zero=True is not supported (no masking in the facade)")
        if not callable(embeddings_initializer) and embeddings_initializer not in INITIALIZERS:
            raise ValueError(
                f"Embedding: unknown embeddings_initializer {embeddings_initializer!r}; "
                f"known: {sorted(INITIALIZERS)}"
            )
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = embeddings_initializer
        self.embedding = None

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape (None, length), "
                f"found {format_shape(input_shape)}"
            )
        self.embedding = _NNEmbedding(self.input_dim, self.output_dim)
        initialize(self.embedding.weight, self.embeddings_initializer, f"layer {self.name}")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def forward(self, x):
        if x.shape[1:] != self.input_shape[1:]:
            self.check_input_shape(x.shape)
        indices = x.array
        if indices.size and (indices.min() < 0 or indices.max() >= self.input_dim):
            bad = int(indices.max() if indices.max() >= self.input_dim else indices.min())
            raise ValueError(
                f"layer {self.name}: index {bad} is out of range for an Embedding of "
                f"input_dim {self.input_dim} (valid: 0 … {self.input_dim - 1})"
            )
        return self.embedding(indices.astype(np.int64, copy=False))

    def to_keras_layout(self, array):
        return array  # (input_dim, output_dim) in both

    def from_keras_layout(self, array, ndim):
        return array
