"""An LSTM layer whose input is rows of an embedding table, x_t = E[ids_t], as one op.

Since x W_ihᵀ = E[ids] W_ihᵀ = (E W_ihᵀ)[ids], the input projection of the whole sequence is a
(V, I) × (I, 4H) product and a gather of its rows instead of a (T·B, I) × (I, 4H) product, and
backward needs the adjoints δ = ∂L/∂xw only summed per index, S = onehot(ids)ᵀ Δ (V, 4H), rather
than ∂x = Δ W_ih (T·B, I) scattered into E's rows and Δᵀ X. That is less work when the
vocabulary is small next to the sequence (V ≤ T·B) and next to the features (V ≤ 2I): a
character model's embedding feeding its first LSTM layer. ``nn.LSTM(…)(ids, embedding=…)``
uses it then; otherwise it looks the rows up first and runs ``LSTMProjectedSequence``.
"""

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.engine import grad as autograd_grad
from mathdl.autograd.function import Function, _wrap
from mathdl.nn.functional.recurrent import _composed_sequence, _empty, _lstm_bptt, _lstm_forward
from mathdl.nn.functional.sparse import EmbeddingLookup


def fuses_embedding(num_embeddings, embedding_dim, steps, batch):
    """Whether ``EmbeddingLSTMSequence`` is the cheaper way for a table of ``num_embeddings``
    rows of size ``embedding_dim`` and (steps, batch) indices: its projection (V rows instead of
    T·B) and its backward's sum per index (a V × T·B by T·B × 4H product in place of two T·B × 4H
    by 4H × I ones) are then no more work."""
    return num_embeddings <= min(steps * batch, 2 * embedding_dim)


class EmbeddingLSTMSequence(Function):
    """``LSTMProjectedSequence`` on x = E[ids]: one LSTM layer and direction fed by an embedding.

    Constructed with the indices ids (T, B) and the table's ``padding_idx`` (or None); inputs
    E (V, I), W_ih (4H, I), h_0, c_0 (B, H), W_hh (4H, H) and, optionally last, the summed bias
    b = b_ih + b_hh (4H,). Outputs (h_1 … h_T) (T, B, H), h_T and c_T (B, H). Forward:

        P = E W_ihᵀ + b (V, 4H),   xw_t = P[ids_t],   then the LSTM recurrence on xw.

    Backward: BPTT (``LSTMSequence``) gives δ = ∂L/∂xw (T, B, 4H); with S = onehot(ids)ᵀ Δ (V, 4H),
    the rows of Δ summed per index,

        ∂L/∂E = S W_ih (the row padding_idx zero),   ∂L/∂W_ih = Sᵀ E,   ∂L/∂b = Σ_v S_v,

    which equal ∂L/∂E = scatter_add(Δ W_ih, ids) and ∂L/∂W_ih = Δᵀ E[ids] of the lookup followed
    by ``LSTMProjectedSequence``, as the row sums are taken before the products instead of after.

    >>> import mathdl as md, numpy as np
    >>> ids = np.array([[0, 2], [1, 1], [2, 0]])
    >>> e, w_ih, w_hh = md.ones(3, 4) * 0.1, md.ones(8, 4) * 0.1, md.ones(8, 2) * 0.1
    >>> out, h, c = EmbeddingLSTMSequence(ids)(e, w_ih, md.zeros(2, 2), md.zeros(2, 2), w_hh)
    >>> out.shape, h.shape, c.shape
    ((3, 2, 2), (2, 2), (2, 2))
    """

    def __init__(self, ids, padding_idx=None):
        self.ids = np.asarray(ids)
        self.padding_idx = padding_idx

    def forward(self, table, w_ih, h0, c0, w_hh, bias=None):
        steps, batch = self.ids.shape
        features, hidden = table.shape[1], w_hh.shape[1]
        # gate-major (4, V, H) rows of E W_ihᵀ + b, gathered into the gate-major (4, T, B, H) xw
        rows = np.matmul(table, w_ih.reshape(4, hidden, features).transpose(0, 2, 1))
        if bias is not None:
            rows += bias.reshape(4, 1, hidden)
        if self.ids.size and (self.ids.min() < 0 or self.ids.max() >= len(table)):
            raise ValueError(
                f"EmbeddingLSTMSequence: indices must lie in [0, {len(table)}) for a table of {len(table)} rows"
            )
        xw = _empty((4, steps, batch, hidden), table.dtype)
        # (mode="raise", the default, would first gather into a temporary as large as xw)
        np.take(rows, self.ids.reshape(-1), axis=1, out=xw.reshape(4, steps * batch, hidden), mode="clip")
        return _lstm_forward(self, xw.transpose(1, 0, 2, 3), h0, c0, w_hh)

    def backward(self, g_out, g_h, g_c):
        if grad_mode.is_grad_enabled():
            return self._graph_backward((g_out, g_h, g_c))
        table, w_ih = self.inputs[0], self.inputs[1]
        four_h = w_ih.shape[0]
        d_xw = _empty(self.ids.shape + (four_h,), table.dtype)
        dh, dc, d_w = _lstm_bptt(self.saved, self.inputs[4].array, g_out, g_h, g_c, d_xw)
        summed = _row_sums(self.ids, table.shape[0], d_xw.reshape(-1, four_h))
        d_table = None
        if table.requires_grad:
            d_table = summed @ w_ih.array
            if self.padding_idx is not None:
                d_table[self.padding_idx] = 0.0
        d_w_ih = summed.T @ table.array if w_ih.requires_grad else None
        grads = [d_table, d_w_ih, dh, dc, d_w]
        if len(self.inputs) == 6:
            grads.append(summed.sum(axis=0) if self.inputs[5].requires_grad else None)
        return tuple(None if g is None else _wrap(g, False) for g in grads)

    def _graph_backward(self, grad_outputs):
        # create_graph=True: the lookup and the projected LSTM composed of differentiable ops
        table, rest = self.inputs[0], tuple(self.inputs[1:])
        looked_up = EmbeddingLookup(self.ids, self.padding_idx)(table)
        outputs = _composed_sequence("LSTM_PROJECTED", (looked_up,) + rest)
        wanted = [x for x in self.inputs if x.requires_grad]
        grads = iter(
            autograd_grad(list(outputs), wanted, list(grad_outputs), create_graph=True, allow_unused=True)
        )
        return tuple(next(grads) if x.requires_grad else None for x in self.inputs)


def _row_sums(ids, num_rows, rows):
    """S (num_rows, n): the rows of ``rows`` (T·B, n) summed per index of ``ids``, as the product
    onehot(ids)ᵀ rows (one GEMM; the sort and reduceat of a scatter-add measured 3–4× slower)."""
    one_hot = np.zeros((num_rows, ids.size), dtype=rows.dtype)
    one_hot[ids.reshape(-1), np.arange(ids.size)] = 1.0
    return one_hot @ rows
