"""Attention as functions: ``F.scaled_dot_product_attention`` and the masks and core that
``nn.MultiheadAttention`` shares.

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

import numpy as np

from mathdl import backend, ops
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.activation import dropout


def _array(mask, where, name):
    if mask is None:
        return None
    data = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype != bool and data.dtype.kind != "f":
        raise TypeError(f"{where}: {name} must be boolean or floating point, got dtype {data.dtype}")
    return data


def _additive(mask, dtype, true_means_masked):
    """A boolean mask as 0 / −∞ (which entries are −∞ depends on the convention), a float mask as is."""
    if mask.dtype == bool:
        blocked = mask if true_means_masked else ~mask
        return np.where(blocked, -np.inf, 0.0).astype(dtype)
    return mask.astype(dtype, copy=False)


def causal_mask(size, dtype=None):
    """The (size, size) additive causal mask: 0 on and below the diagonal, −∞ above it
    (``nn.Transformer.generate_square_subsequent_mask``)."""
    dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    return Tensor(np.triu(np.full((size, size), -np.inf, dtype=dtype), k=1))


def _attend(q, k, v, additive_mask, dropout_p, training, scale):
    """softmax(q kᵀ · scale + mask) v for q (…, L, d), k (…, S, d), v (…, S, d_v); returns (out, A)."""
    scores = ops.matmul(q, ops.swapaxes(k, -1, -2)) * scale
    if additive_mask is not None:
        scores = scores + Tensor(additive_mask)
    weights = ops.softmax(scores, axis=-1)
    if dropout_p > 0.0 and training:
        weights = dropout(weights, dropout_p, True)
    return ops.matmul(weights, v), weights


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None
):
    """softmax(Q Kᵀ / √d + M) V, like ``torch.nn.functional.scaled_dot_product_attention``.

    query (…, L, d), key (…, S, d), value (…, S, d_v) → (…, L, d_v). ``attn_mask`` broadcastable
    to (…, L, S): boolean with True = *may attend* (PyTorch's convention for this function), or
    float, added to the logits. ``is_causal`` masks keys after each query; ``scale`` defaults to 1/√d.
    """
    where = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2:
            raise ValueError(
                f"{where}: {name} must be a Tensor with at least 2 dimensions, got "
                f"{getattr(t, 'shape', type(t).__name__)}"
            )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"{where}: query {query.shape}, key {key.shape} and value {value.shape} do not fit: "
            f"query and key need the same last size, key and value the same length"
        )
    length, source = query.shape[-2], key.shape[-2]
    mask = _array(attn_mask, where, "attn_mask")
    additive = None if mask is None else _additive(mask, query.dtype, true_means_masked=False)
    if is_causal:
        if mask is not None:
            raise ValueError(f"{where}: give either attn_mask or is_causal=True, not both")
        additive = np.triu(np.full((length, source), -np.inf, dtype=query.dtype), k=1)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return _attend(query, key, value, additive, float(dropout_p), True, scale)[0]
