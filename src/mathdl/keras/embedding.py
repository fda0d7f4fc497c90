"""Keras's ``Embedding``: integer indices (None, T) → vectors (None, T, D), y[n, t] = E[x[n, t]],
with E (input_dim, output_dim) initialised U(−0.05, 0.05) as in Keras. Its gradient scatters ȳ back
into the rows that were looked up (``F.embedding``'s backward). A model whose first layer is an
Embedding is fed integer arrays (``fit`` keeps them integers)."""

import numpy as np

from mathdl.keras import initializers as keras_initializers
from mathdl.keras.base_layer import Layer, format_shape, positive_int
from mathdl.keras.core_layers import check_initializer
from mathdl.nn import functional as F


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
        self.input_dim = positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = positive_int(output_dim, "output_dim", "Embedding")
        if mask_zero:
            raise ValueError("Embedding: mask_zero=True is not supported (no masking in the facade)")
        self.embeddings_initializer = check_initializer(
            embeddings_initializer, "embeddings_initializer", "Embedding"
        )

    def build(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape (None, length), "
                f"found {format_shape(input_shape)}"
            )
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim), self.embeddings_initializer, name="embeddings"
        )

    def check_input_shape(self, input_shape):
        """Any number of ids per sample (sequences of another length are fine, as in Keras)."""
        if len(input_shape) < 1:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible: expected ids (None, length)")

    def call(self, inputs):
        indices = inputs.array
        if indices.dtype.kind not in "iu":
            if indices.size and not np.all(np.mod(indices, 1) == 0):
                raise ValueError(
                    f"layer {self.name}: Embedding takes integer indices, got dtype {indices.dtype}"
                )
        if indices.size and (indices.min() < 0 or indices.max() >= self.input_dim):
            bad = int(indices.max() if indices.max() >= self.input_dim else indices.min())
            raise ValueError(
                f"layer {self.name}: index {bad} is out of range for an Embedding of "
                f"input_dim {self.input_dim} (valid: 0 … {self.input_dim - 1})"
            )
        return F.embedding(indices.astype(np.int64, copy=False), self.embeddings)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": keras_initializers.serialize(self.embeddings_initializer),
        }
