"""Attention: scaled dot-product attention and multi-head attention.

Scaled dot-product attention of queries Q (L, d), keys K (S, d) and values V (S, d_v):

    A = softmax(Q Kᵀ / √d + M)      (L, S), each row a distribution over the S keys
    Attention(Q, K, V) = A V         (L, d_v)

M is an additive mask: 0 where a query may look at a key, −∞ where it may not (padding keys, or
future positions under a causal mask: M_ij = −∞ for j > i). The 1/√d keeps the logits' variance
near 1 when the entries of Q and K have unit variance, so the softmax does not saturate.
Multi-head attention runs h such maps in parallel on learned projections and mixes the results:

    head_j = Attention(X_q W_qʲ + b_qʲ, X_k W_kʲ + b_kʲ, X_v W_vʲ + b_vʲ),    d = E / h
    MultiHead(X_q, X_k, X_v) = [head_1, …, head_h] W_oᵀ + b_o

(Vaswani et al. 2017.) Everything is composed of differentiable ops (batched matmul, softmax),
so gradients of any order are available; the backward of softmax is A ⊙ (Ā − Σ_j Ā_j A_j).
"""

import math
import numbers

import numpy as np

from mathdl import backend, ops
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.attention import (  # noqa: F401 (public names kept here)
    PackedSelfAttention,
    ScaledDotProductAttention,
    _additive,
    _array,
    _attend,
    causal_mask,
    scaled_dot_product_attention,
    split_heads,
)
from mathdl.nn.functional.linear import linear, linear_residual
from mathdl.nn.layers.linear import Linear
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter
from mathdl.random import generator
from mathdl.typing import TensorLike


class MultiheadAttention(Module):
    """``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None,
    batch_first=False)`` (formulas in the module docstring).

    Parameters as PyTorch: ``in_proj_weight`` (3E, E) holding W_q, W_k, W_v stacked (or
    ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` when kdim/vdim differ from E),
    ``in_proj_bias`` (3E,), and ``out_proj`` (a Linear E → E).

    >>> import mathdl as md
    >>> mha = md.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> out, weights = mha(md.ones(3, 5, 8), md.ones(3, 7, 8), md.ones(3, 7, 8))
    >>> out.shape, weights.shape   # weights averaged over the heads
    ((3, 5, 8), (3, 5, 7))
    """

    in_proj_bias: Parameter | None

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
    ) -> None:
        super().__init__()
        for name, value in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"MultiheadAttention: {name} must be a positive integer, got {value!r}")
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout!r}")
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.head_dim = self.embed_dim // self.num_heads
        self.kdim = self.embed_dim if kdim is None else int(kdim)
        self.vdim = self.embed_dim if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        dtype = backend.get_default_dtype()
        e = self.embed_dim

        def xavier(rows, cols):
            bound = math.sqrt(6.0 / (rows + cols))
            return Parameter(generator().uniform(-bound, bound, size=(rows, cols)), dtype=dtype)

        if self._qkv_same_embed_dim:
            self.in_proj_weight = xavier(3 * e, e)
        else:
            self.q_proj_weight = xavier(e, e)
            self.k_proj_weight = xavier(e, self.kdim)
            self.v_proj_weight = xavier(e, self.vdim)
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * e), dtype=dtype)
        else:
            self.in_proj_bias = None
        self.out_proj = Linear(e, e, bias=bias)
        if bias:
            self.out_proj.bias.array[...] = 0.0

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"

    def _project(self, query, key, value):
        e, b = self.embed_dim, self.in_proj_bias
        bias = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        if self._qkv_same_embed_dim:
            if query is key and key is value:
                qkv = linear(query, self.in_proj_weight, b)
                return qkv[..., :e], qkv[..., e : 2 * e], qkv[..., 2 * e :]
            w = self.in_proj_weight
            weights = (w[:e], w[e : 2 * e], w[2 * e :])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return tuple(linear(x, w, bb) for x, w, bb in zip((query, key, value), weights, bias))

    def _heads(self, query, key, value):
        """q, k, v as (B, h, L, d); self-attention projects all three with one GEMM and splits."""
        if self._qkv_same_embed_dim and query is key and key is value:
            return split_heads(linear(query, self.in_proj_weight, self.in_proj_bias), 3, self.num_heads)
        q, k, v = self._project(query, key, value)
        return self._split_heads(q), self._split_heads(k), self._split_heads(v)

    def _attention(self, query, key, value, mask, need_weights):
        """(heads side by side (B, L, E), weights (B, h, L, S) or None) before ``out_proj``.
        Self-attention without weights or dropout is one GEMM and ``PackedSelfAttention`` (the
        heads as views of the projection); otherwise heads are split, attended and merged."""
        scale = 1.0 / math.sqrt(self.head_dim)
        weights, dropout = None, self.dropout > 0.0 and self.training
        if not (need_weights or dropout) and self._qkv_same_embed_dim and query is key and key is value:
            qkv = linear(query, self.in_proj_weight, self.in_proj_bias)
            return PackedSelfAttention(self.num_heads, mask, scale)(qkv), None
        q, k, v = self._heads(query, key, value)
        if need_weights or dropout:
            out, weights = _attend(q, k, v, mask, self.dropout, self.training, scale)
        else:  # the fused Function (formulas in mathdl.nn.functional.attention)
            out = ScaledDotProductAttention(mask, scale)(q, k, v)
        batch, _, length, _ = out.shape
        return ops.reshape(ops.transpose(out, (0, 2, 1, 3)), (batch, length, self.embed_dim)), weights

    def _plus_self_attention(self, residual, x, attn_mask, key_padding_mask, is_causal, qkv=None):
        """residual + self-attention(x) for a batched (N, L, E) ``x`` with batch_first, without
        weights: the residual is added in place on the out-projection's product
        (``F.linear_residual``) instead of in a second (N, L, E) array. ``qkv``, when given, is
        the packed projection of x the caller computed (a layer norm folded into it; attention
        dropout must then be off). Hooks are the caller's to rule out."""
        self._check(x, x, x)
        batch, length, _ = x.shape
        mask = self._mask(attn_mask, key_padding_mask, is_causal, batch, length, length, x.dtype)
        if qkv is None:
            out = self._attention(x, x, x, mask, False)[0]
        else:
            out = PackedSelfAttention(self.num_heads, mask, 1.0 / math.sqrt(self.head_dim))(qkv)
        return linear_residual(out, self.out_proj.weight, self.out_proj.bias, residual)

    def _split_heads(self, x):
        batch, length, _ = x.shape
        return ops.transpose(ops.reshape(x, (batch, length, self.num_heads, self.head_dim)), (0, 2, 1, 3))

    def _check(self, query, key, value):
        where = "MultiheadAttention"
        for name, t, size in (
            ("query", query, self.embed_dim),
            ("key", key, self.kdim),
            ("value", value, self.vdim),
        ):
            if not isinstance(t, Tensor):
                raise TypeError(f"{where}: {name} must be a Tensor, got {type(t).__name__}")
            if t.ndim not in (2, 3) or t.shape[-1] != size:
                raise ValueError(
                    f"{where}: {name} must have shape (L, N, {size}) (or (N, L, {size}) with "
                    f"batch_first, or unbatched (L, {size})), got {t.shape}"
                )
        if not query.ndim == key.ndim == value.ndim:
            raise ValueError(
                f"{where}: query, key and value must all be batched or all unbatched, got "
                f"shapes {query.shape}, {key.shape}, {value.shape}"
            )
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(
                f"{where}: key {key.shape} and value {value.shape} must agree except in the last dimension"
            )

    def _mask(self, attn_mask, key_padding_mask, is_causal, batch, length, source, dtype):
        where = "MultiheadAttention"
        total = None
        mask = _array(attn_mask, where, "attn_mask")
        if mask is not None:
            if mask.shape == (length, source):
                total = _additive(mask, dtype, True)
            elif mask.shape == (batch * self.num_heads, length, source):
                total = _additive(mask, dtype, True).reshape(batch, self.num_heads, length, source)
            else:
                raise ValueError(
                    f"{where}: attn_mask must have shape ({length}, {source}) or "
                    f"({batch * self.num_heads}, {length}, {source}), got {mask.shape}"
                )
        elif is_causal:
            total = np.triu(np.full((length, source), -np.inf, dtype=dtype), k=1)
        padding = _array(key_padding_mask, where, "key_padding_mask")
        if padding is not None:
            if padding.shape != (batch, source):
                raise ValueError(
                    f"{where}: key_padding_mask must have shape (N, S) = ({batch}, {source}), "
                    f"got {padding.shape}"
                )
            padding = _additive(padding, dtype, True).reshape(batch, 1, 1, source)
            total = padding if total is None else total + padding
        return total

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: TensorLike | None = None,
        need_weights: bool = True,
        attn_mask: TensorLike | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Returns ``(attn_output, attn_weights)``.

        query (L, N, E), key (S, N, kdim), value (S, N, vdim) ((N, L, E) etc. with batch_first;
        (L, E) unbatched). ``key_padding_mask`` (N, S): True (or −∞) marks padding keys to ignore.
        ``attn_mask`` (L, S) or (N·h, L, S): True (or −∞) marks pairs that may not attend.
        ``is_causal`` without ``attn_mask`` applies the causal mask. attn_output has the query's
        shape; attn_weights (N, L, S) averaged over heads ((N, h, L, S) if not
        ``average_attn_weights``), or None when ``need_weights`` is False.
        """
        self._check(query, key, value)
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (ops.unsqueeze(t, 0) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = _array(key_padding_mask, "MultiheadAttention", "key_padding_mask")[None]
        elif not self.batch_first:
            same_kv = key is value
            same_qk = query is key
            query = ops.swapaxes(query, 0, 1)
            key = query if same_qk else ops.swapaxes(key, 0, 1)
            value = key if same_kv else ops.swapaxes(value, 0, 1)
        batch, length, _ = query.shape
        source = key.shape[1]
        if key.shape[0] != batch:
            raise ValueError(f"MultiheadAttention: query has batch size {batch} but key has {key.shape[0]}")
        mask = self._mask(attn_mask, key_padding_mask, is_causal, batch, length, source, query.dtype)
        out, weights = self._attention(query, key, value, mask, need_weights)
        out = self.out_proj(out)
        if unbatched:
            out = ops.squeeze(out, 0)
        elif not self.batch_first:
            out = ops.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = ops.mean(weights, axis=1)
        if unbatched:
            weights = ops.squeeze(weights, 0)
        return out, weights
