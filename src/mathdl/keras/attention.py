"""Keras's ``MultiHeadAttention`` with its weight layout, on ``mathdl.ops.einsum``.

For query (B, T, d_q), value (B, S, d_v) and key (B, S, d_k) (key defaults to value), with H heads
of size k (``key_dim``) and v (``value_dim``, default k):

    Q = query · W_q + b_q     W_q (d_q, H, k), b_q (H, k)         → (B, T, H, k)
    K = key · W_k + b_k       W_k (d_k, H, k)                      → (B, S, H, k)
    V = value · W_v + b_v     W_v (d_v, H, v)                      → (B, S, H, v)
    A = softmax_s(Q Kᵀ / √k)  per head, masked entries (mask False) set to −1e9 first → (B, H, T, S)
    O = (A V) · W_o + b_o     W_o (H, v, d_out), d_out = d_q unless ``output_shape``  → (B, T, d_out)

``attention_mask`` (B, T, S) is True where a query may attend; ``use_causal_mask=True`` also hides
s > t. ``dropout`` drops attention probabilities while training. The weights are in Keras's
layout (query/key/value kernels (d, H, k), biases (H, k); output kernel (H, v, d), bias (d,)), so
arrays copied from Keras fit; PyTorch's ``nn.MultiheadAttention`` is the same map with
W = kernel.reshape(d, H·k)ᵀ (tested).
"""

import numpy as np

from mathdl import ops
from mathdl.autograd.tensor import Tensor
from mathdl.keras import initializers as keras_initializers
from mathdl.keras.base_layer import Layer, positive_int
from mathdl.keras.core_layers import check_initializer
from mathdl.nn import functional as F


class MultiHeadAttention(Layer):
    """``MultiHeadAttention(num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
    output_shape=None)``; call ``(query, value, key=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)``."""

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = positive_int(num_heads, "num_heads", "MultiHeadAttention")
        self.key_dim = positive_int(key_dim, "key_dim", "MultiHeadAttention")
        self.value_dim = positive_int(value_dim or key_dim, "value_dim", "MultiHeadAttention")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1), got {dropout}")
        self.dropout, self.use_bias = float(dropout), bool(use_bias)
        self.output_dim = output_shape if output_shape is None else int(np.atleast_1d(output_shape)[-1])
        self.kernel_initializer = check_initializer(
            kernel_initializer, "kernel_initializer", "MultiHeadAttention"
        )
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer", "MultiHeadAttention")

    def _projection(self, name, d_in, heads, size):
        kernel = self.add_weight((d_in, heads, size), self.kernel_initializer, name=f"{name}_kernel")
        bias = (
            self.add_weight((heads, size), self.bias_initializer, name=f"{name}_bias")
            if self.use_bias
            else None
        )
        return kernel, bias

    def build(self, input_shape):
        query_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        d_q = query_shape[-1]
        self._dims = None
        self.query_kernel, self.query_bias = self._projection("query", d_q, self.num_heads, self.key_dim)

    def _build_rest(self, d_k, d_v, d_q):
        h = self.num_heads
        self.key_kernel, self.key_bias = self._projection("key", d_k, h, self.key_dim)
        self.value_kernel, self.value_bias = self._projection("value", d_v, h, self.value_dim)
        d_out = self.output_dim or d_q
        self.output_kernel = self.add_weight(
            (h, self.value_dim, d_out), self.kernel_initializer, name="output_kernel"
        )
        self.output_bias = (
            self.add_weight((d_out,), self.bias_initializer, name="output_bias") if self.use_bias else None
        )
        self._dims = (d_k, d_v)

    @staticmethod
    def _project(x, kernel, bias):
        y = ops.einsum("btd,dhk->bthk", x, kernel)
        return y + bias if bias is not None else y

    def _mask(self, attention_mask, use_causal_mask, t, s):
        mask = (
            None
            if attention_mask is None
            else np.asarray(getattr(attention_mask, "array", attention_mask), dtype=bool)
        )
        if use_causal_mask:
            causal = np.tril(np.ones((t, s), dtype=bool))  # Keras: query t sees keys s ≤ t
            mask = causal[None] if mask is None else mask & causal
        return None if mask is None else mask[:, None] if mask.ndim == 3 else mask

    def call(
        self,
        query,
        value,
        key=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        from mathdl.keras.base_layer import convert_inputs

        value = convert_inputs(value, self.compute_dtype)
        key = value if key is None else convert_inputs(key, self.compute_dtype)
        if self._dims is None:
            self._build_rest(key.shape[-1], value.shape[-1], query.shape[-1])
        q = self._project(query, self.query_kernel, self.query_bias) * (1.0 / np.sqrt(self.key_dim))
        k = self._project(key, self.key_kernel, self.key_bias)
        v = self._project(value, self.value_kernel, self.value_bias)
        scores = ops.einsum("bthk,bshk->bhts", q, k)
        mask = self._mask(attention_mask, use_causal_mask, query.shape[1], key.shape[1])
        if mask is not None:
            scores = ops.where(mask, scores, Tensor(np.asarray(-1e9, dtype=scores.dtype)))
        weights = ops.softmax(scores, -1)
        dropped = F.dropout(weights, self.dropout, True) if training and self.dropout else weights
        context = ops.einsum("bhts,bshv->bthv", dropped, v)
        output = ops.einsum("bthv,hvd->btd", context, self.output_kernel)
        if self.output_bias is not None:
            output = output + self.output_bias
        return (output, weights) if return_attention_scores else output

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self.output_dim,
            "kernel_initializer": keras_initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras_initializers.serialize(self.bias_initializer),
        }
