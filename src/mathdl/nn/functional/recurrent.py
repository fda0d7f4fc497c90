"""The recurrences of RNN, LSTM and GRU as ops: one fused Function per layer and direction.

The update rules and how they are computed (one GEMM per step, back-propagation through time
written out by hand, the composed path for ``create_graph``) are stated in
``mathdl.nn.layers.recurrent``, whose modules call these. ``rnn_step``, ``lstm_step`` and
``gru_step`` are the same rules composed of differentiable ops (used by the cells and to check
the fused ops).
"""

import numpy as np

from mathdl import ops
from mathdl.autograd import grad_mode
from mathdl.autograd.engine import grad as autograd_grad
from mathdl.autograd.function import Function, _wrap
from mathdl.backend import blas_small_matrix_kernels
from mathdl.ops import workspace
from mathdl.ops.blas_sums import sum_leading

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sigmoid_(a):
    """σ(a) = (1 + tanh(a/2)) / 2 in place: no overflow for any a, and one transcendental call."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


# The sequence ops' big arrays come from the framework's buffer cache from 1 MiB on
# (``workspace.activation``): an LSTM's cells, tanh(cells) and outputs are 1–2 MB at typical sizes.
_empty = workspace.activation

# OpenBLAS (the BLAS of NumPy's wheels) runs a product of m×k by k×n with m·n·k ≤ 10⁶ through its
# small-matrix kernels on AVX-512 CPUs, which read both operands in place; a larger product first
# packs both operands, and a recurrence's per-step product (B×H by H×4H, or B×4H by 4H×H) is
# mostly that packing of all of W_hh for a few rows. Cut into blocks under that size, the step's
# products ran about 1.3× faster there (benchmarks/lstm_products.py). Without those kernels (an
# AVX2 CPU: OpenBLAS's Haswell kernels) every block is packed on its own and the cut backward
# product ran 0.68× the speed of the whole one, so the products are cut only where the kernels are.
_SMALL_PRODUCT = 10**6
_CUT_STEP_PRODUCTS = blas_small_matrix_kernels()
_FACTOR_STEPS = 8  # steps whose backward factors are computed together (arrays still in cache)


def _product_blocks(rows, inner, width):
    """The blocks (m, n) that a (rows, inner) × (inner, width) product is cut into: n the widest
    divisor of ``width`` up to 64, from 16 on, for which some divisor m of ``rows`` from
    min(8, rows) on has m·inner·n ≤ ``_SMALL_PRODUCT``, and m the largest such; the whole product
    if there is none, or if the BLAS has no small-matrix kernels (``_CUT_STEP_PRODUCTS``).
    (Measured with those kernels on (32, 1024) × (1024, 256): 8 × 64 blocks 148 µs, 16 × 32 155,
    32 × 16 158, 2 × 256 248; columns narrower than 16 or wider than 64 were slower.)"""
    if not _CUT_STEP_PRODUCTS:
        return rows, width
    for n in range(min(width, 64), 15, -1):
        if width % n:
            continue
        for m in range(rows, min(8, rows) - 1, -1):
            if rows % m == 0 and m * inner * n <= _SMALL_PRODUCT:
                return m, n
    return rows, width


def release_buffers():
    """Drop the free buffers that the recurrent ops (and convolution and pooling, which share the
    cache ``mathdl.ops.workspace``) keep between calls (they stay resident otherwise, like a
    caching allocator's blocks) and return how many bytes were released. Buffers still in use by
    a graph are not affected; the next call allocates afresh.

    >>> import mathdl as md
    >>> _ = md.nn.LSTM(4, 128)(md.ones(64, 32, 4))
    >>> release_buffers() > 0
    True
    >>> release_buffers()
    0
    """
    return workspace.clear()


# ----- step rules from differentiable ops (cells, and the create_graph path of the fused ops) ---
def rnn_step(xw, h, w_hh, nonlinearity="tanh"):
    """h' = act(xw + h W_hhᵀ) where xw = x W_ihᵀ + b_ih + b_hh is already computed. (B, H)."""
    a = xw + ops.matmul(h, w_hh.T)
    return ops.tanh(a) if nonlinearity == "tanh" else ops.relu(a)


def lstm_step(xw, h, c, w_hh):
    """One LSTM step from xw = x W_ihᵀ + b_ih + b_hh (B, 4H): returns (h', c'), each (B, H)."""
    hidden = h.shape[-1]
    a = xw + ops.matmul(h, w_hh.T)
    i = ops.sigmoid(a[..., :hidden])
    f = ops.sigmoid(a[..., hidden : 2 * hidden])
    g = ops.tanh(a[..., 2 * hidden : 3 * hidden])
    o = ops.sigmoid(a[..., 3 * hidden :])
    c = f * c + i * g
    return o * ops.tanh(c), c


def gru_step(xw, h, w_hh, b_hh):
    """One GRU step from xw = x W_ihᵀ + b_ih (B, 3H); b_hh stays inside r ⊙ (W_hn h + b_hn)."""
    hidden = h.shape[-1]
    hw = ops.matmul(h, w_hh.T) + b_hh
    r = ops.sigmoid(xw[..., :hidden] + hw[..., :hidden])
    z = ops.sigmoid(xw[..., hidden : 2 * hidden] + hw[..., hidden : 2 * hidden])
    n = ops.tanh(xw[..., 2 * hidden :] + r * hw[..., 2 * hidden :])
    return (1.0 - z) * n + z * h


def _composed_sequence(kind, inputs):
    """The recurrence of a fused op rebuilt from differentiable steps: (outputs, h_T[, c_T])."""
    if kind == "LSTM_PROJECTED":  # xw = x W_ihᵀ (+ b), then the LSTM on it
        x, w_ih, h0, c0, w_hh = inputs[:5]
        xw = ops.matmul(x, w_ih.T)
        xw = xw + inputs[5] if len(inputs) == 6 else xw
        return _composed_sequence("LSTM", (xw, h0, c0, w_hh))
    xw = inputs[0]
    outputs = []
    if kind == "LSTM":
        h, c, w_hh = inputs[1], inputs[2], inputs[3]
        for t in range(xw.shape[0]):
            h, c = lstm_step(xw[t], h, c, w_hh)
            outputs.append(h)
        return ops.stack(outputs, 0), h, c
    h = inputs[1]
    for t in range(xw.shape[0]):
        if kind == "GRU":
            h = gru_step(xw[t], h, inputs[2], inputs[3])
        else:
            h = rnn_step(xw[t], h, inputs[2], "tanh" if kind == "RNN_TANH" else "relu")
        outputs.append(h)
    return ops.stack(outputs, 0), h


def _graph_backward(function, kind, grad_outputs):
    # create_graph=True: differentiate the composed recurrence so the gradient has a graph too.
    outputs = _composed_sequence(kind, function.inputs)
    wanted = [x for x in function.inputs if x.requires_grad]
    grads = iter(
        autograd_grad(list(outputs), wanted, list(grad_outputs), create_graph=True, allow_unused=True)
    )
    return tuple(next(grads) if x.requires_grad else None for x in function.inputs)


class RNNSequence(Function):
    """Elman recurrence over a whole sequence: h_t = act(a_t), a_t = xw_t + h_{t−1} W_hhᵀ.

    Inputs xw (T, B, H) (the input projection plus both biases), h_0 (B, H), W_hh (H, H).
    Outputs (h_1 … h_T) as (T, B, H) and h_T (B, H). BPTT, with δ_t = ∂L/∂a_t:

        δ_t = (ȳ_t + δ_{t+1} W_hh) ⊙ act′(a_t),   tanh′ = 1 − h_t²,  relu′ = [h_t > 0]
        ∂L/∂xw_t = δ_t,   ∂L/∂h_0 = δ_1 W_hh,   ∂L/∂W_hh = Σ_t δ_tᵀ h_{t−1}.
    """

    def __init__(self, nonlinearity="tanh"):
        self.nonlinearity = nonlinearity

    def forward(self, xw, h0, w_hh):
        steps = xw.shape[0]
        hs = np.empty((steps + 1,) + h0.shape, dtype=xw.dtype)
        hs[0] = h0
        for t in range(steps):
            a = hs[t + 1]
            np.matmul(hs[t], w_hh.T, out=a)
            a += xw[t]
            if self.nonlinearity == "tanh":
                np.tanh(a, out=a)
            else:
                np.maximum(a, 0, out=a)
        self.hs = hs
        return hs[1:], hs[steps].copy()

    def backward(self, g_out, g_last):
        if grad_mode.is_grad_enabled():
            return _graph_backward(
                self, "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", (g_out, g_last)
            )
        hs, w_hh = self.hs, self.inputs[2].array
        gy = g_out.array
        delta = np.empty(gy.shape, dtype=hs.dtype)
        dh = g_last.array.astype(hs.dtype, copy=True)
        for t in range(gy.shape[0] - 1, -1, -1):
            dh += gy[t]
            h = hs[t + 1]
            d = delta[t]
            if self.nonlinearity == "tanh":
                np.multiply(h, h, out=d)
                np.subtract(1.0, d, out=d)
                d *= dh
            else:
                np.multiply(dh, h > 0, out=d)
            dh = d @ w_hh
        hidden = hs.shape[-1]
        d_w = delta.reshape(-1, hidden).T @ hs[:-1].reshape(-1, hidden)
        return _wrap(delta, False), _wrap(dh, False), _wrap(d_w, False)


class LSTMSequence(Function):
    """The LSTM recurrence over a whole sequence (gate order i, f, g, o).

    Inputs xw (T, B, 4H) (input projection plus both biases), h_0, c_0 (B, H), W_hh (4H, H).
    Outputs (h_1 … h_T) as (T, B, H), h_T and c_T (B, H). BPTT, with h̄ and c̄ carried backwards:

        h̄_t = ȳ_t + (gate adjoints at t+1) W_hh,        c̄_t += h̄_t ⊙ o ⊙ (1 − tanh² c_t)
        ō = h̄_t ⊙ tanh c_t,  ī = c̄_t ⊙ g,  f̄ = c̄_t ⊙ c_{t−1},  ḡ = c̄_t ⊙ i,  c̄_{t−1} = c̄_t ⊙ f
        pre-activation adjoints: ī·i(1−i), f̄·f(1−f), ḡ·(1−g²), ō·o(1−o)
        ∂L/∂W_hh = Σ_t (pre-activation adjoints)_tᵀ h_{t−1}     (one GEMM over all steps).

    Layout: each step's gates live as a (4, B, H) block (gate, batch, unit), so every gate is a
    contiguous array (NumPy's fast loops) and h W_hhᵀ is one batched product with W_hh's four
    blocks. The activations act on all four gates in one call each with per-gate constants
    (``_activate_gates``): the sigmoids are σ(a) = (1 + tanh(a/2))/2, so one tanh call activates
    every gate. The large arrays come from the buffer cache (``mathdl.ops.workspace``), which hands
    a buffer out again once nothing references it: the gates and cells saved for backward go back
    when the backward pass drops them, and a graph kept with ``retain_graph`` keeps its own.
    """

    def forward(self, xw, h0, c0, w_hh):
        steps, batch, four_h = xw.shape  # each step's (B, 4H) rows seen as the (4, B, H) gate blocks
        return _lstm_forward(
            self, xw.reshape(steps, batch, 4, four_h // 4).transpose(0, 2, 1, 3), h0, c0, w_hh
        )

    def backward(self, g_out, g_h, g_c):
        if grad_mode.is_grad_enabled():
            return _graph_backward(self, "LSTM", (g_out, g_h, g_c))
        steps, _, batch, hidden = self.saved[0].shape  # the gates, (T, 4, B, H)
        d_xw = _empty((steps, batch, 4 * hidden), self.saved[0].dtype)
        dh, dc, d_w = _lstm_bptt(self.saved, self.inputs[3].array, g_out, g_h, g_c, d_xw)
        return _wrap(d_xw, False), _wrap(dh, False), _wrap(dc, False), _wrap(d_w, False)


class LSTMProjectedSequence(Function):
    """``LSTMSequence`` with its input projection inside: one LSTM layer and direction.

    Inputs x (T, B, I), W_ih (4H, I), h_0, c_0 (B, H), W_hh (4H, H) and, optionally last, the
    summed bias b = b_ih + b_hh (4H,). Outputs as ``LSTMSequence``. Forward computes
    xw = x W_ihᵀ + b as one GEMM and runs the recurrence on it; backward runs the same BPTT for
    δ = ∂L/∂xw (T, B, 4H), then, with X and Δ flattened to (T·B, ·):

        ∂L/∂x = Δ W_ih,    ∂L/∂W_ih = Δᵀ X,    ∂L/∂b = Σ_rows Δ.

    xw and δ never leave the op; their (several MB) buffers, like the saved gates and cells, come
    from the buffer cache ``mathdl.ops.workspace`` instead of being fresh pages every step.
    ``nn.LSTM`` runs each layer and direction through it.

    >>> import mathdl as md
    >>> x, w_ih, w_hh = md.ones(5, 2, 3), md.ones(8, 3) * 0.1, md.ones(8, 2) * 0.1
    >>> out, h, c = LSTMProjectedSequence()(x, w_ih, md.zeros(2, 2), md.zeros(2, 2), w_hh)
    >>> out.shape, h.shape, c.shape
    ((5, 2, 2), (2, 2), (2, 2))
    """

    def forward(self, x, w_ih, h0, c0, w_hh, bias=None):
        steps, batch, features = x.shape
        hidden = w_hh.shape[1]
        # gate-major (4, T, B, H): x W_kᵀ for the four blocks W_k of W_ih as one batched product,
        # so each step's gate blocks are contiguous (B, H) arrays like the recurrence's own
        xw = _empty((4, steps, batch, hidden), x.dtype)
        w_blocks = w_ih.reshape(4, hidden, features).transpose(0, 2, 1)
        np.matmul(x.reshape(-1, features), w_blocks, out=xw.reshape(4, steps * batch, hidden))
        if bias is not None:
            xw += bias.reshape(4, 1, 1, hidden)
        return _lstm_forward(self, xw.transpose(1, 0, 2, 3), h0, c0, w_hh)

    def backward(self, g_out, g_h, g_c):
        if grad_mode.is_grad_enabled():
            return _graph_backward(self, "LSTM_PROJECTED", (g_out, g_h, g_c))
        x, w_ih = self.inputs[0], self.inputs[1]
        four_h = w_ih.shape[0]
        d_xw = _empty(x.shape[:2] + (four_h,), x.dtype)
        dh, dc, d_w = _lstm_bptt(self.saved, self.inputs[4].array, g_out, g_h, g_c, d_xw)
        delta = d_xw.reshape(-1, four_h)
        dx = (delta @ w_ih.array).reshape(x.shape) if x.requires_grad else None
        dw_ih = delta.T @ x.array.reshape(-1, x.shape[-1]) if w_ih.requires_grad else None
        grads = [dx, dw_ih, dh, dc, d_w]
        if len(self.inputs) == 6:
            grads.append(sum_leading(delta) if self.inputs[5].requires_grad else None)
        return tuple(None if g is None else _wrap(g, False) for g in grads)


def _lstm_forward(function, xw, h0, c0, w_hh):
    """The LSTM recurrence on xw given as (T, 4, B, H) (any strides). When gradients are recorded
    it keeps on ``function.saved`` what BPTT reads (``_backward_factors``), each a view of a
    buffer from the cache (so the buffer stays out of the cache's hands until the backward pass
    drops ``saved``)."""
    steps, _, batch, hidden = xw.shape
    # h W_kᵀ for the four blocks W_k of W_hh, cut into (m, n) blocks (``_product_blocks``): rows
    # of h times (H, n) operands, written into each step's (4, B, H) gates through strided views
    m, n = _product_blocks(batch, hidden, hidden)
    w_blocks = _empty((4, hidden // n, hidden, n), xw.dtype)
    np.copyto(w_blocks, w_hh.reshape(4, hidden // n, n, hidden).transpose(0, 1, 3, 2))
    gates = _empty((steps, 4, batch, hidden), xw.dtype)  # activated i, f, g, o
    products = gates.reshape(steps, 4, batch // m, m, hidden // n, n).transpose(0, 2, 1, 4, 3, 5)
    hs = _empty((steps + 1, batch, hidden), xw.dtype)  # (its hs[1:] is the output)
    cs = _empty((steps + 1, batch, hidden), xw.dtype)
    tanh_c = _empty((steps, batch, hidden), xw.dtype)
    product = np.empty((batch, hidden), dtype=xw.dtype)
    scratch = np.empty((min(steps, _FACTOR_STEPS), batch, hidden), dtype=xw.dtype)
    scale, shift = _gate_constants(xw.dtype)
    keep, first = grad_mode.is_grad_enabled(), 0
    hs[0], cs[0] = h0, c0
    h_rows = hs.reshape(steps + 1, batch // m, 1, 1, m, hidden)
    for t in range(steps):
        a = gates[t]
        np.matmul(h_rows[t], w_blocks, out=products[t])
        np.add(a, xw[t], out=a)
        _activate_gates(a, scale, shift)
        i, f, g, o = a
        c = cs[t + 1]
        np.multiply(f, cs[t], out=c)  # c_t = f ⊙ c_{t−1} + i ⊙ g
        np.multiply(i, g, out=product)
        c += product
        np.tanh(c, out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs[t + 1])  # h_t = o ⊙ tanh c_t
        if keep and (t + 1 - first == len(scratch) or t + 1 == steps):
            _backward_factors(gates[first : t + 1], cs[first : t + 1], tanh_c[first : t + 1], scratch)
            first = t + 1
    if keep:
        function.saved = (gates, hs, cs[:steps], tanh_c)
    return hs[1:], hs[steps].copy(), cs[steps].copy()


def _backward_factors(gates, cells, tanh_c, scratch):
    """Turn the forward values of a run of steps into the factors BPTT multiplies by, in place:

        gates (i, f, g, o) → (g·i(1−i), c_{t−1}·f(1−f), i(1−g²), tanh c_t·o(1−o)),
        cells c_{t−1} → f,        tanh_c → o(1 − tanh² c_t),

    so that with h̄_t, c̄_t carried backwards the pre-activation adjoints are the first three
    times c̄_t and the last times h̄_t, c̄_t gains h̄_t·o(1 − tanh² c_t) and c̄_{t−1} = c̄_t·f
    (``LSTMSequence``'s formulas with the products of forward values taken out of the loop)."""
    tmp = scratch[: len(gates)]
    i, f, g, o = (gates[:, k] for k in range(4))
    np.multiply(o, tanh_c, out=tmp)
    np.multiply(tanh_c, tanh_c, out=tanh_c)
    np.subtract(1.0, tanh_c, out=tanh_c)
    np.multiply(tanh_c, o, out=tanh_c)
    np.subtract(1.0, o, out=o)
    np.multiply(o, tmp, out=o)
    np.multiply(g, i, out=tmp)
    np.multiply(g, g, out=g)
    np.subtract(1.0, g, out=g)
    np.multiply(g, i, out=g)
    np.subtract(1.0, i, out=i)
    np.multiply(i, tmp, out=i)
    np.subtract(1.0, f, out=tmp)
    np.multiply(tmp, cells, out=tmp)
    np.copyto(cells, f)
    np.multiply(f, tmp, out=f)


def _lstm_bptt(saved, w_hh, g_out, g_h, g_c, d_xw):
    """Back-propagation through time (formulas in ``LSTMSequence``, factors from
    ``_backward_factors``): writes ∂L/∂xw into d_xw (T, B, 4H) and returns ∂L/∂h_0, ∂L/∂c_0 and
    ∂L/∂W_hh."""
    factors, hs, forget, carry = saved
    steps, _, batch, hidden = factors.shape
    m, n = _product_blocks(batch, 4 * hidden, hidden)  # δ_t W_hh in (m, n) blocks of ∂L/∂h
    w_blocks = _empty((hidden // n, 4 * hidden, n), factors.dtype)
    np.copyto(w_blocks, w_hh.reshape(4 * hidden, hidden // n, n).transpose(1, 0, 2))
    gy = g_out.array
    d4 = np.empty((4, batch, hidden), dtype=factors.dtype)  # one step's gate adjoints
    d_cell_gates, d_o, rows = d4[:3], d4[3], d4.transpose(1, 0, 2)
    scratch = np.empty((batch, hidden), dtype=factors.dtype)
    dh = g_h.array.astype(factors.dtype, copy=True)
    dc = g_c.array.astype(factors.dtype, copy=True)
    dh_blocks = dh.reshape(batch // m, m, hidden // n, n).transpose(0, 2, 1, 3)
    d_rows = d_xw.reshape(steps, batch, 4, hidden)
    row_blocks = d_xw.reshape(steps, batch // m, 1, m, 4 * hidden)
    for t in range(steps - 1, -1, -1):
        dh += gy[t]
        np.multiply(dh, carry[t], out=scratch)  # c̄ += h̄ ⊙ o ⊙ (1 − tanh² c)
        dc += scratch
        np.multiply(factors[t, :3], dc, out=d_cell_gates)
        np.multiply(factors[t, 3], dh, out=d_o)
        dc *= forget[t]
        np.copyto(d_rows[t], rows)
        np.matmul(row_blocks[t], w_blocks, out=dh_blocks)
    d_w = d_xw.reshape(-1, 4 * hidden).T @ hs[:-1].reshape(-1, hidden)
    return dh, dc, d_w


def _gate_constants(dtype):
    """s = (½, ½, 1, ½) and r = (½, ½, 0, ½), one number per gate i, f, g, o, shaped (4, 1, 1)."""
    scale = np.array([0.5, 0.5, 1.0, 0.5], dtype=dtype).reshape(4, 1, 1)
    return scale, np.array([0.5, 0.5, 0.0, 0.5], dtype=dtype).reshape(4, 1, 1)


def _activate_gates(a, scale, shift):
    """(4, B, H) pre-activations → σ(i), σ(f), tanh(g), σ(o) in place as s ⊙ tanh(s ⊙ a) + r
    (``_gate_constants``), since σ(a) = (1 + tanh(a/2))/2: one NumPy call per stage for all four
    gates, and no overflow for any a."""
    a *= scale
    np.tanh(a, out=a)
    a *= scale
    a += shift


class GRUSequence(Function):
    """The GRU recurrence over a whole sequence (gate order r, z, n).

    Inputs xw (T, B, 3H) (input projection plus b_ih), h_0 (B, H), W_hh (3H, H), b_hh (3H,).
    Outputs (h_1 … h_T) as (T, B, H) and h_T (B, H). With hw = h_{t−1} W_hhᵀ + b_hh:

        n̄ = h̄ ⊙ (1 − z),  z̄ = h̄ ⊙ (h_{t−1} − n),  ā_n = n̄ ⊙ (1 − n²),  r̄ = ā_n ⊙ hw_n
        ∂L/∂xw_t = [r̄·r(1−r), z̄·z(1−z), ā_n],   ∂L/∂hw_t = [r̄·r(1−r), z̄·z(1−z), ā_n ⊙ r]
        h̄_{t−1} = h̄ ⊙ z + (∂L/∂hw_t) W_hh,   ∂L/∂W_hh = Σ_t (∂L/∂hw_t)ᵀ h_{t−1},   ∂L/∂b_hh = Σ_t ∂L/∂hw_t.

    ∂L/∂hw_t's r and z blocks are ∂L/∂xw_t's, so only its n block, ā_n ⊙ r, is kept over the
    sequence, (T, B, H) (the arrays over the sequence come from ``workspace.activation``).
    """

    def forward(self, xw, h0, w_hh, b_hh):
        steps, batch, three_h = xw.shape
        hidden = three_h // 3
        gates = _empty(xw.shape, xw.dtype)
        hw_n = _empty((steps, batch, hidden), xw.dtype)
        hs = _empty((steps + 1, batch, hidden), xw.dtype)
        hs[0] = h0
        hw = np.empty((batch, three_h), dtype=xw.dtype)
        for t in range(steps):
            np.matmul(hs[t], w_hh.T, out=hw)
            hw += b_hh
            a = gates[t]
            np.add(xw[t, :, : 2 * hidden], hw[:, : 2 * hidden], out=a[:, : 2 * hidden])
            _sigmoid_(a[:, : 2 * hidden])
            hw_n[t] = hw[:, 2 * hidden :]
            r, z, n = a[:, :hidden], a[:, hidden : 2 * hidden], a[:, 2 * hidden :]
            np.multiply(r, hw_n[t], out=n)
            n += xw[t, :, 2 * hidden :]
            np.tanh(n, out=n)
            h = hs[t + 1]
            np.subtract(hs[t], n, out=h)
            h *= z
            h += n
        self.saved = (gates, hw_n, hs)
        return hs[1:], hs[steps].copy()

    def backward(self, g_out, g_h):
        if grad_mode.is_grad_enabled():
            return _graph_backward(self, "GRU", (g_out, g_h))
        gates, hw_n, hs = self.saved
        w_hh = self.inputs[2].array
        hidden = hs.shape[-1]
        gy = g_out.array
        d_x = _empty(gates.shape, gates.dtype)
        d_hw_n = _empty(gates.shape[:2] + (hidden,), gates.dtype)  # n block of ∂L/∂hw_t
        dw = np.empty(gates.shape[1:], dtype=gates.dtype)  # one step's ∂L/∂hw_t
        dh = g_h.array.astype(gates.dtype, copy=True)
        for t in range(gates.shape[0] - 1, -1, -1):
            dh += gy[t]
            a = gates[t]
            r, z, n = a[:, :hidden], a[:, hidden : 2 * hidden], a[:, 2 * hidden :]
            dx = d_x[t]
            d_an = dx[:, 2 * hidden :]
            np.multiply(dh, 1.0 - z, out=d_an)
            d_an *= 1.0 - n * n
            d_z = dx[:, hidden : 2 * hidden]
            np.subtract(hs[t], n, out=d_z)
            d_z *= dh
            d_z *= z * (1.0 - z)
            d_r = dx[:, :hidden]
            np.multiply(d_an, hw_n[t], out=d_r)
            d_r *= r * (1.0 - r)
            dw[:, : 2 * hidden] = dx[:, : 2 * hidden]
            np.multiply(d_an, r, out=d_hw_n[t])
            dw[:, 2 * hidden :] = d_hw_n[t]
            dh = dh * z
            dh += dw @ w_hh
        d_w, d_b = _gru_hidden_weight_grads(d_x, d_hw_n, hs[:-1])
        return _wrap(d_x, False), _wrap(dh, False), _wrap(d_w, False), _wrap(d_b, False)


def _gru_hidden_weight_grads(d_x, d_hw_n, h_prev):
    """∂L/∂W_hh = Σ_t (∂L/∂hw_t)ᵀ h_{t−1} and ∂L/∂b_hh = Σ_t ∂L/∂hw_t, where ∂L/∂hw_t is
    [∂L/∂xw_t's r and z blocks | d_hw_n[t]]."""
    hidden = h_prev.shape[-1]
    rz = d_x.reshape(-1, 3 * hidden)[:, : 2 * hidden]
    n = d_hw_n.reshape(-1, hidden)
    h_prev = h_prev.reshape(-1, hidden)
    d_w = np.empty((3 * hidden, hidden), dtype=d_x.dtype)
    np.matmul(rz.T, h_prev, out=d_w[: 2 * hidden])
    np.matmul(n.T, h_prev, out=d_w[2 * hidden :])
    return d_w, np.concatenate([rz.sum(axis=0), n.sum(axis=0)])
