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

(Vaswani et al. 2017.) ``ScaledDotProductAttention`` is the map as one Function: with S = QKᵀ·s + M
(s the scale), A = softmax(S) and O = A V, and Ō the upstream gradient,

    V̄ = Aᵀ Ō,    Ā = Ō Vᵀ,    S̄ = A ⊙ (Ā − rowsum(Ā ⊙ A)),    Q̄ = s S̄ K,    K̄ = s S̄ᵀ Q

computed in NumPy in place, block by block: under a 2-D mask (causal) the query rows go in blocks
that are multiplied only against the keys they can see (``_blocks``). ``PackedSelfAttention``
runs the heads of a packed (B, L, 3E) projection as strided views (no split or merge copies).
With ``create_graph`` (or attention dropout) the same map composed of differentiable ops (batched
matmul, softmax) is used instead, so gradients of any order are available.
"""

import math

import numpy as np

from mathdl import backend, ops
from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.activation import dropout
from mathdl.nn.functional.linear import _empty
from mathdl.ops.blas_sums import sum_last
from mathdl.typing import TensorLike


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


def _sdpa_mask(attn_mask, is_causal, length, source, dtype, where):
    """The additive mask of ``scaled_dot_product_attention``'s arguments (PyTorch's convention: a
    boolean True keeps an entry), or None; ``is_causal`` is the (length, source) upper-triangle −∞."""
    mask = _array(attn_mask, where, "attn_mask")
    if is_causal:
        if mask is not None:
            raise ValueError(f"{where}: give either attn_mask or is_causal=True, not both")
        return np.triu(np.full((length, source), -np.inf, dtype=dtype), k=1)
    return None if mask is None else _additive(mask, dtype, true_means_masked=False)


def causal_mask(size, dtype=None):
    """The (size, size) additive causal mask: 0 on and below the diagonal, −∞ above it
    (``nn.Transformer.generate_square_subsequent_mask``)."""
    dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    return Tensor(np.triu(np.full((size, size), -np.inf, dtype=dtype), k=1))


def _softmax_rows_(scores):
    """Row-wise softmax in place over the last axis (max subtracted first: no overflow)."""
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= sum_last(scores)[..., None]
    return scores


def _masked_softmax_rows_(scores, mask, binary=None):
    """softmax(S + M) over the last axis, in place on ``scores`` S (M an additive mask or None).

    softmax(z)_j = exp(z_j − c) / Σ_k exp(z_k − c) for any shift c. The textbook c is each row's
    max (``_softmax_rows_``), a reduction along a short axis that costs as much as the exp. When
    every score lies in [m, c] with c − m below half the exponent range (c, m the largest and
    smallest entry of all of S) and M holds only 0 and −∞, the one global max c is a safe shift
    for every row: each unmasked exp(z − c) lies in [√tiny, 1], a normal number (no overflow, no
    underflow, the same relative precision as the row max gives), and c rides in the mask's add.
    ``binary`` says whether M holds only 0 and −∞ when the caller knows (None: checked here).
    """
    high, low = float(scores.max()), float(scores.min())
    span = -0.5 * math.log(np.finfo(scores.dtype).tiny)
    if binary is None:
        binary = mask is None or _zero_or_minus_inf(mask)
    if not high - low < span or not binary:
        if mask is not None:
            scores += mask
        return _softmax_rows_(scores)
    if mask is None:
        scores -= high
    else:
        scores += mask - np.asarray(high, dtype=mask.dtype)
    np.exp(scores, out=scores)
    scores /= sum_last(scores)[..., None]
    return scores


def _zero_or_minus_inf(mask):
    return bool(np.all((mask == 0) | (mask == -np.inf)))


_QUERY_BLOCKS = 2  # query row blocks tried against a 2-D mask (causal: 1/4 of the map skipped)


def _blocks(mask, length, source):
    """[(start, stop, keys)]: the query rows start:stop need only the first ``keys`` keys.

    Under a 2-D mask M (L, S) the rows are cut into up to ``_QUERY_BLOCKS`` blocks; a block needs
    the keys up to its last column holding any finite entry of M (every later key gets exp(−∞) = 0
    there), and keeps at least the keys of the block before (extents never shrink, so the rows
    that see a key are always the rows from some block on: the backward's key blocks). Under a
    causal mask the query block i of n needs the first (i + 1)/n of the keys. Without a mask, or a
    mask that varies over the batch or heads, one block covers the whole map.
    """
    if mask is None or mask.ndim < 2 or mask.shape[-2:] != (length, source) or mask.size != length * source:
        return [(0, length, source)]
    seen = (mask.reshape(length, source) != -np.inf)[:, ::-1]
    cuts = np.linspace(0, length, min(_QUERY_BLOCKS, length) + 1).astype(int)
    blocks, keys = [], 0
    for start, stop in zip(cuts[:-1], cuts[1:]):
        last = seen[start:stop].any(axis=0)
        keys = max(keys, source - int(last.argmax()) if last.any() else source)
        if blocks and blocks[-1][2] == keys:
            blocks[-1] = (blocks[-1][0], stop, keys)  # the same keys: one block
        else:
            blocks.append((start, stop, keys))
    return blocks


def _transposed(x, keys, scale):
    """s·xᵀ for the first ``keys`` rows of x (…, S, d): a C-contiguous (…, d, keys) array (from
    the workspace), the right-hand factor of Q (s·Kᵀ) and Ō (s·Vᵀ). OpenBLAS multiplies the many
    small matrices of attention about twice as fast when the right factor's rows are contiguous
    than when it is a transposed view (measured on (32 × 32)(32 × 64) products); the copy costs
    a fraction of that, and the scale s rides in it (no pass of its own over the scores)."""
    part = np.swapaxes(x[..., :keys, :], -1, -2)
    return np.multiply(part, scale, out=_empty(part.shape, part.dtype))


def _attention_forward(q, k, v, mask, scale, blocks, out):
    """Writes O = softmax(Q Kᵀ·s + M) V into ``out`` (…, L, d_v) block by block; returns the
    blocks of A, each (…, stop − start, keys) and contiguous (elementwise passes over a strided
    view of one (…, L, S) buffer cost several times more)."""
    weights, binary = [], mask is None or _zero_or_minus_inf(mask)  # (checked once, not per block)
    k_t = _transposed(k, blocks[-1][2], scale)
    for start, stop, keys in blocks:
        scores = np.matmul(q[..., start:stop, :], k_t[..., :keys])  # Q Kᵀ·s
        _masked_softmax_rows_(scores, None if mask is None else mask[..., start:stop, :keys], binary)
        np.matmul(scores, v[..., :keys, :], out=out[..., start:stop, :])
        weights.append(scores)
    return weights


def _attention_backward(q, k, v, weights, g, scale, blocks, g_q, g_k, g_v):
    """Writes Q̄, K̄, V̄ (module docstring; any may be None) into the given arrays, block by block.

    Per query block: S̄ = A ⊙ (s·Ā − rowsum(s·Ā ⊙ A)) (= A ⊙ (Ā − rowsum(Ā ⊙ A))·s, with s·Ā = Ō (s·Vᵀ)
    from the scaled copy of Vᵀ), Q̄ = S̄ K; its rows' shares of V̄ = Aᵀ Ō and
    K̄ = S̄ᵀ Q go to the keys it sees (the last block, which sees the most keys, writes them, the
    others add to them). Keys no query sees get zero gradients. S̄ lives in one scratch buffer
    allocated once (``_scratch``; from the workspace), the shares of the other blocks in a second
    one (``_shares``).
    """
    lead, seen = weights[-1].shape[:-2], blocks[-1][2]
    g_scores = _empty((max(a.size for a in weights),), weights[-1].dtype)
    v_t = _transposed(v, seen, scale)
    order = list(reversed(list(zip(blocks, weights))))
    share = None
    for index, ((start, stop, keys), a) in enumerate(order):
        g_rows = g[..., start:stop, :]
        g_s = _scratch(g_scores, a.shape)
        np.matmul(g_rows, v_t[..., :keys], out=g_s)  # s·Ā, then S̄ = A ⊙ (s·Ā − rowsum(s·Ā ⊙ A))
        g_s -= np.einsum("...ij,...ij->...i", g_s, a)[..., None]
        g_s *= a
        if g_q is not None:
            np.matmul(g_s, k[..., :keys, :], out=g_q[..., start:stop, :])
        if keys < seen and share is None:
            share = _shares(blocks, lead, max(q.shape[-1], v.shape[-1]), v_t, index == len(order) - 1)
        for target, left, right in ((g_v, a, g_rows), (g_k, g_s, q[..., start:stop, :])):
            if target is None:
                continue
            if keys == seen:
                np.matmul(np.swapaxes(left, -1, -2), right, out=target[..., :keys, :])
            else:
                part = _scratch(share, lead + (keys, target.shape[-1]))
                target[..., :keys, :] += np.matmul(np.swapaxes(left, -1, -2), right, out=part)
    for target in (g_k, g_v):
        if target is not None:
            target[..., seen:, :] = 0.0


def _shares(blocks, lead, width, v_t, last):
    """The flat scratch buffer for the shares of K̄ and V̄ of the blocks that see fewer keys than
    the last block: (…, keys, width) at most. On the final block (``last``) the copy of Vᵀ is no
    longer read, so its memory serves when it is big enough (two blocks, the causal case: the
    backward then holds no more than it did before that copy existed)."""
    size = math.prod(lead) * max(keys for _, _, keys in blocks if keys < blocks[-1][2]) * width
    flat = v_t.reshape(-1)
    return flat if last and flat.size >= size else _empty((size,), v_t.dtype)


def _scratch(buffer, shape):
    """A C-contiguous array of ``shape`` over the start of the flat ``buffer`` (reused per block)."""
    return buffer[: math.prod(shape)].reshape(shape)


class ScaledDotProductAttention(Function):
    """O = softmax(Q Kᵀ·s + M) V for Q (…, L, d), K (…, S, d), V (…, S, d_v) → O (…, L, d_v).

    ``mask`` is an additive array broadcastable to (…, L, S) (0 or −∞) or None; ``scale`` is s.
    Saves A (…, L, S); gradients in the module docstring. A 2-D mask that blocks whole stretches
    of keys (causal) lets the products skip them (``_blocks``). Backward with ``create_graph``
    differentiates the composed map (``_attend``).
    """

    def __init__(self, mask, scale):
        self.mask, self.scale = mask, scale

    def forward(self, q, k, v):
        lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
        out = np.empty(lead + (q.shape[-2], v.shape[-1]), dtype=q.dtype)
        self.blocks = _blocks(self.mask, q.shape[-2], k.shape[-2])
        self.weights = _attention_forward(q, k, v, self.mask, self.scale, self.blocks, out)
        return out

    def backward(self, g_out):
        q, k, v = self.inputs
        if grad_mode.is_grad_enabled():
            from mathdl.autograd.engine import grad

            out = _attend(q, k, v, self.mask, 0.0, False, self.scale)[0]
            wanted = [t for t in self.inputs if t.requires_grad]
            grads = iter(grad(out, wanted, g_out, create_graph=True, allow_unused=True))
            return tuple(next(grads) if t.requires_grad else None for t in self.inputs)
        lead = self.weights[0].shape[:-2]
        g_q, g_k, g_v = (
            np.empty(lead + t.shape[-2:], dtype=t.dtype) if t.requires_grad else None for t in (q, k, v)
        )
        arrays = (q.array, k.array, v.array)
        _attention_backward(*arrays, self.weights, g_out.array, self.scale, self.blocks, g_q, g_k, g_v)
        return tuple(
            None if a is None else _wrap(_sum_to(a, t.shape), False)
            for a, t in zip((g_q, g_k, g_v), (q, k, v))
        )


def _head_views(packed, parts, heads):
    """``parts`` strided views (B, heads, L, d) of a packed (B, L, parts·heads·d) array, no copy:
    view_j[b, a, l, :] = packed[b, l, (j·heads + a)·d : (j·heads + a + 1)·d]."""
    batch, length, width = packed.shape
    split = packed.reshape(batch, length, parts, heads, width // (parts * heads))
    return [split[:, :, j].transpose(0, 2, 1, 3) for j in range(parts)]


class PackedSelfAttention(Function):
    """Multi-head self-attention between the projections: qkv (B, L, 3E) = [Q | K | V], each
    E = h·d wide with head a in columns a·d … (a + 1)·d, → (B, L, E) = [O_1, …, O_h],

        O_a = softmax(Q_a K_aᵀ·s + M) V_a      (gradients: the module docstring, per head)

    The heads are strided views of qkv, of the output and of the (B, L, 3E) gradient
    (``_head_views``): no split or merge copies. ``mask`` is additive, broadcastable to
    (B, h, L, L), or None. Backward with ``create_graph`` differentiates ``split_heads`` →
    ``_attend`` → merge composed of differentiable ops.
    """

    def __init__(self, heads, mask, scale):
        self.heads, self.mask, self.scale = heads, mask, scale

    def forward(self, qkv):
        batch, length, width = qkv.shape
        out = np.empty((batch, length, width // 3), dtype=qkv.dtype)
        self.blocks = _blocks(self.mask, length, length)
        heads = _head_views(qkv, 3, self.heads)
        out_heads = _head_views(out, 1, self.heads)[0]
        self.weights = _attention_forward(*heads, self.mask, self.scale, self.blocks, out_heads)
        return out

    def backward(self, g_out):
        qkv = self.inputs[0]
        if grad_mode.is_grad_enabled():
            from mathdl.autograd.engine import grad

            batch, length, width = qkv.shape
            out = _attend(*split_heads(qkv, 3, self.heads), self.mask, 0.0, False, self.scale)[0]
            out = ops.reshape(ops.transpose(out, (0, 2, 1, 3)), (batch, length, width // 3))
            return grad(out, [qkv], g_out, create_graph=True)[0]
        g_qkv = _empty(qkv.shape, qkv.dtype)  # (from the workspace: a free buffer of the step)
        g_heads = _head_views(np.ascontiguousarray(g_out.array), 1, self.heads)[0]
        _attention_backward(
            *_head_views(qkv.array, 3, self.heads),
            self.weights,
            g_heads,
            self.scale,
            self.blocks,
            *_head_views(g_qkv, 3, self.heads),
        )
        return _wrap(g_qkv, False)


def packed_self_attention(
    qkv: Tensor,
    num_heads: int,
    attn_mask: TensorLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """Multi-head self-attention of a packed projection qkv (B, L, 3E) = [Q | K | V] → (B, L, E),
    the h heads' outputs side by side (what ``nn.MultiheadAttention`` feeds its ``out_proj``).

    ``attn_mask`` broadcastable to (B, h, L, L): boolean with True = *may attend* (as
    ``scaled_dot_product_attention``) or float, added to the logits; ``is_causal`` masks the
    future. ``scale`` defaults to 1/√d with d = E/h. Equals splitting qkv into heads, running
    ``scaled_dot_product_attention`` on each and concatenating, without the copies.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.packed_self_attention(md.ones(2, 5, 12), num_heads=2, is_causal=True).shape
    (2, 5, 4)
    """
    where = "packed_self_attention"
    if not isinstance(qkv, Tensor) or qkv.ndim != 3:
        raise ValueError(f"{where}: qkv must be a (B, L, 3E) Tensor, got {getattr(qkv, 'shape', type(qkv))}")
    if isinstance(num_heads, bool) or not isinstance(num_heads, int) or num_heads < 1:
        raise ValueError(f"{where}: num_heads must be a positive integer, got {num_heads!r}")
    if qkv.shape[-1] % (3 * num_heads):
        raise ValueError(f"{where}: the last size {qkv.shape[-1]} of qkv is not 3·num_heads·d")
    length = qkv.shape[1]
    additive = _sdpa_mask(attn_mask, is_causal, length, length, qkv.dtype, where)
    if additive is not None:
        try:
            np.broadcast_shapes(additive.shape, (qkv.shape[0], num_heads, length, length))
        except ValueError:
            raise ValueError(
                f"{where}: attn_mask of shape {additive.shape} does not broadcast to "
                f"(B, h, L, L) = {(qkv.shape[0], num_heads, length, length)}"
            ) from None
    head_dim = qkv.shape[-1] // (3 * num_heads)
    scale = 1.0 / math.sqrt(head_dim) if scale is None else float(scale)
    return PackedSelfAttention(num_heads, additive, scale)(qkv)


class SplitHeads(Function):
    """(q, k, v) heads from a packed projection: x (B, L, n·h·d) → n tensors (B, h, L, d) with
    out_j[b, a, l, :] = x[b, l, (j·h + a)·d : (j·h + a + 1)·d]. A permutation of entries, so the
    gradient puts each output's gradient back where it came from (zeros for an unused output)."""

    saves = ()

    def __init__(self, parts, heads):
        self.parts, self.heads = parts, heads

    def forward(self, x):
        batch, length, width = x.shape
        split = x.reshape(batch, length, self.parts, self.heads, width // (self.parts * self.heads))
        return tuple(np.ascontiguousarray(split[:, :, j].transpose(0, 2, 1, 3)) for j in range(self.parts))

    def backward(self, *grads):
        x = self.inputs[0]
        batch, length, width = x.shape
        if grad_mode.is_grad_enabled():
            merged = [ops.reshape(ops.transpose(g, (0, 2, 1, 3)), (batch, length, -1)) for g in grads]
            return ops.concatenate(merged, axis=-1)
        out = np.empty(
            (batch, length, self.parts, self.heads, width // (self.parts * self.heads)), dtype=x.dtype
        )
        for j, g in enumerate(grads):
            np.copyto(out[:, :, j], g.array.transpose(0, 2, 1, 3))
        return _wrap(out.reshape(x.shape), False)


def split_heads(x, parts, heads):
    """``parts`` tensors (B, heads, L, d) cut from a packed (B, L, parts·heads·d) projection."""
    if x.ndim != 3 or x.shape[-1] % (parts * heads):
        raise ValueError(f"split_heads: expected (B, L, {parts}·{heads}·d), got shape {x.shape}")
    return SplitHeads(parts, heads)(x)


def _sum_to(array, shape):
    """A gradient summed back over the leading axes that broadcasting added or stretched."""
    if array.shape == shape:
        return array
    lead = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(lead))) if lead else array
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and array.shape[i] != 1)
    return array.sum(axis=stretched, keepdims=True) if stretched else array


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
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: TensorLike | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """softmax(Q Kᵀ / √d + M) V, like ``torch.nn.functional.scaled_dot_product_attention``.

    query (…, L, d), key (…, S, d), value (…, S, d_v) → (…, L, d_v). ``attn_mask`` broadcastable
    to (…, L, S): boolean with True = *may attend* (PyTorch's convention for this function), or
    float, added to the logits. ``is_causal`` masks keys after each query; ``scale`` defaults to 1/√d.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> q = k = md.ones(1, 2, 4); v = md.tensor([[[1.0], [3.0]]])
    >>> F.scaled_dot_product_attention(q, k, v).tolist()   # equal scores: the mean of the values
    [[[2.0], [2.0]]]
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
    additive = _sdpa_mask(attn_mask, is_causal, length, source, query.dtype, where)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    if dropout_p > 0.0:
        return _attend(query, key, value, additive, float(dropout_p), True, scale)[0]
    return ScaledDotProductAttention(additive, scale)(query, key, value)
