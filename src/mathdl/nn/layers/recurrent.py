"""Recurrent layers: RNN (tanh or ReLU), LSTM (gates i, f, g, o), GRU (gates r, z, n), and cells.

A recurrent layer maps an input sequence x₁ … x_T to hidden states h₁ … h_T with one update rule
h_t = F(x_t, h_{t−1}) applied at every step (weights shared across time). The update rules, with
W_ih (G·H, I), W_hh (G·H, H), b_ih and b_hh (G·H,) stacked gate by gate as in PyTorch:

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)                    (or ReLU)

    LSTM  i = σ(W_ii x + b_ii + W_hi h + b_hi)        input gate
          f = σ(W_if x + b_if + W_hf h + b_hf)        forget gate
          g = tanh(W_ig x + b_ig + W_hg h + b_hg)     cell candidate
          o = σ(W_io x + b_io + W_ho h + b_ho)        output gate
          c_t = f ⊙ c_{t−1} + i ⊙ g,     h_t = o ⊙ tanh(c_t)

    GRU   r = σ(W_ir x + b_ir + W_hr h + b_hr)        reset gate
          z = σ(W_iz x + b_iz + W_hz h + b_hz)        update gate
          n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
          h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}

How it is computed. The input projections of all time steps are one GEMM before the loop
(x W_ihᵀ for the whole (T·B, I) block). The loop over time is then one fused Function per layer
and direction (``RNNSequence``, ``LSTMProjectedSequence``, ``GRUSequence``; the LSTM's holds the
input projection too, so its (T, B, 4H) pre-activations and their gradient stay inside the op):
per step one GEMM h W_hhᵀ for all gates and a few in-place NumPy updates; its backward is
back-propagation through time (BPTT) written out by hand, again one GEMM per step, with ∂L/∂W_hh = Σ_t δ_tᵀ h_{t−1} as a single GEMM
over all steps at the end. When a graph of the gradient is requested (``create_graph=True``) the
backward instead re-derives the gradient from the same recurrence composed of differentiable ops,
so second derivatives are exact too.

Shapes (PyTorch's): input (T, B, I), or (B, T, I) with ``batch_first``, or unbatched (T, I);
h_0 and c_0 (num_layers · D, B, H) with D = 2 when bidirectional; output (T, B, D · H).
Parameters are named ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
(suffix ``_reverse`` for the backward direction), all initialised U(−1/√H, 1/√H).
"""

import math
import numbers

import numpy as np

from mathdl import backend, ops
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.activation import dropout
from mathdl.nn.functional.embedding_lstm import EmbeddingLSTMSequence, fuses_embedding
from mathdl.nn.functional.linear import linear
from mathdl.nn.functional.recurrent import (  # noqa: E402,F401  (the ops' one home; names kept here)
    _GATES,
    GRUSequence,
    LSTMProjectedSequence,
    LSTMSequence,
    RNNSequence,
    gru_step,
    lstm_step,
    rnn_step,
)
from mathdl.nn.functional.sparse import _index_array, renormalize_rows_
from mathdl.nn.layers.embedding import Embedding
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter
from mathdl.random import generator


# ----- modules ---------------------------------------------------------------------------------
class _Lookup:
    """A first layer's input given as rows of an embedding table, x = weight[ids] with ids (T, B)
    (``RNNBase.forward`` with ``embedding=``), so that the LSTM's op reads the table itself."""

    def __init__(self, ids, weight, padding_idx):
        self.ids, self.weight, self.padding_idx = ids, weight, padding_idx
        self.shape, self.dtype = ids.shape + (weight.shape[1],), weight.dtype

    def __getitem__(self, steps):  # x[::-1]: the reverse direction's input
        return _Lookup(self.ids[steps], self.weight, self.padding_idx)


def _check_size(value, name, where, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _uniform_parameter(shape, bound):
    dtype = backend.get_default_dtype()
    return Parameter(generator().uniform(-bound, bound, size=shape), dtype=dtype)


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU: parameters per layer and direction, the layer loop,
    ``batch_first``, bidirectionality, dropout between layers, and initial states."""

    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
    ):
        super().__init__()
        where = type(self).__name__
        self.mode = mode
        self.input_size = _check_size(input_size, "input_size", where)
        self.hidden_size = _check_size(hidden_size, "hidden_size", where)
        self.num_layers = _check_size(num_layers, "num_layers", where)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
            raise ValueError(f"{where}: dropout must be a probability in [0, 1], got {dropout!r}")
        self.dropout = float(dropout)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.bidirectional = bool(bidirectional)
        directions = 2 if self.bidirectional else 1
        gate_size = _GATES[mode] * self.hidden_size
        bound = 1.0 / math.sqrt(self.hidden_size)
        self._weight_names = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else self.hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
                setattr(self, names[0], _uniform_parameter((gate_size, layer_input), bound))
                setattr(self, names[1], _uniform_parameter((gate_size, self.hidden_size), bound))
                if self.bias:
                    names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
                    setattr(self, names[2], _uniform_parameter((gate_size,), bound))
                    setattr(self, names[3], _uniform_parameter((gate_size,), bound))
                self._weight_names.append(names)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.batch_first:
            text += ", batch_first=True"
        if self.bidirectional:
            text += ", bidirectional=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        return text

    # ----- checks --------------------------------------------------------------------------
    def _check_input(self, input):
        where = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{where}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{where}: expected a 3-D input ({'(B, T, I)' if self.batch_first else '(T, B, I)'})"
                f" or 2-D unbatched (T, I), got shape {input.shape}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{where}: input has {input.shape[-1]} features (shape {input.shape}), "
                f"expected input_size={self.input_size}"
            )
        if input.dtype.kind != "f":
            raise TypeError(f"{where}: input must be floating point, got dtype {input.dtype}")

    def _check_state(self, state, batch, unbatched, name):
        where = type(self).__name__
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
        if not isinstance(state, Tensor):
            raise TypeError(f"{where}: {name} must be a Tensor, got {type(state).__name__}")
        shape = expected[:1] + expected[2:] if unbatched else expected
        if state.shape != shape:
            raise ValueError(f"{where}: expected {name} of shape {shape}, got {state.shape}")
        return ops.unsqueeze(state, 1) if unbatched else state

    def _initial_states(self, hx, batch, unbatched, dtype):
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            shape = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
            return [Tensor(np.zeros(shape, dtype=dtype)) for _ in range(count)]
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
            names = ("h_0", "c_0")
        else:
            hx, names = (hx,), ("h_0",)
        return [self._check_state(s, batch, unbatched, n) for s, n in zip(hx, names)]

    # ----- forward ----------------------------------------------------------------------------
    def _run_direction(self, x, names, h0, c0):
        steps, batch, features = x.shape
        params = [getattr(self, n) for n in names]
        w_ih, w_hh = params[0], params[1]
        bias = None
        if self.bias:  # one fused x W_ihᵀ + b (the GRU keeps b_hh inside r ⊙ (W_hn h + b_hn))
            bias = params[2] if self.mode == "GRU" else params[2] + params[3]
        if isinstance(x, _Lookup):  # x = E[ids]: the projection from E's rows (embedding_lstm.py)
            inputs = (x.weight, w_ih, h0, c0, w_hh) + ((bias,) if bias is not None else ())
            return EmbeddingLSTMSequence(x.ids, x.padding_idx)(*inputs)
        if self.mode == "LSTM":  # the projection inside the op (its xw and ∂L/∂xw stay internal)
            inputs = (x, w_ih, h0, c0, w_hh) + ((bias,) if bias is not None else ())
            return LSTMProjectedSequence()(*inputs)
        xw = linear(x, w_ih, bias)
        if self.mode == "GRU":
            b_hh = params[3] if self.bias else Tensor(np.zeros(w_hh.shape[0], dtype=w_hh.dtype))
            return GRUSequence()(xw, h0, w_hh, b_hh) + (None,)
        return RNNSequence("tanh" if self.mode == "RNN_TANH" else "relu")(xw, h0, w_hh) + (None,)

    def _time_major(self, input, embedding):
        """The input as (T, B, I) — or, read inside an LSTM's first op, as a ``_Lookup`` — and
        whether it was unbatched."""
        if embedding is None:
            self._check_input(input)
            unbatched = input.ndim == 2
            if unbatched:
                return ops.unsqueeze(input, 1), True
            return (ops.swapaxes(input, 0, 1) if self.batch_first else input), False
        where = type(self).__name__
        if not isinstance(embedding, Embedding):
            raise TypeError(f"{where}: embedding must be an nn.Embedding, got {type(embedding).__name__}")
        if embedding.embedding_dim != self.input_size:
            raise ValueError(
                f"{where}: the embedding's vectors have {embedding.embedding_dim} features, "
                f"expected input_size={self.input_size}"
            )
        ids = _index_array(input, embedding.num_embeddings, where)
        if ids.ndim not in (1, 2):
            raise ValueError(
                f"{where}: expected indices (T, B), (B, T) or (T,) with embedding=, got shape {ids.shape}"
            )
        unbatched = ids.ndim == 1
        ids = ids[:, None] if unbatched else (ids.T if self.batch_first else ids)
        if self.mode != "LSTM" or not fuses_embedding(*embedding.weight.shape, *ids.shape):
            return self._time_major(embedding(input), None)
        if embedding.max_norm is not None:  # (what Embedding.forward does before its lookup)
            renormalize_rows_(embedding.weight, ids, float(embedding.max_norm), embedding.norm_type)
        return _Lookup(ids, embedding.weight, embedding.padding_idx), unbatched

    def forward(self, input, hx=None, embedding=None):
        """Run the layers over the sequence. Returns ``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``).

        output: (T, B, D·H) ((B, T, D·H) with batch_first; (T, D·H) unbatched);
        h_n, c_n: (num_layers·D, B, H) ((num_layers·D, H) unbatched), whatever ``batch_first``.
        ``embedding``: an ``nn.Embedding``; ``input`` is then integer indices ((T, B), (B, T) with
        batch_first, or (T,)) and the result that of ``self(embedding(input), hx)``. An LSTM reads
        the table's rows inside its first layer's op when that is less work (``fuses_embedding``).
        """
        x, unbatched = self._time_major(input, embedding)
        batch = x.shape[1]
        states = self._initial_states(hx, batch, unbatched, x.dtype)
        if any(s.dtype != x.dtype for s in states) or any(p.dtype != x.dtype for p in self.parameters()):
            raise TypeError(
                f"{type(self).__name__}: input dtype {x.dtype} does not match the dtype of the "
                f"parameters/states ({self.weight_ih_l0.dtype}); convert with .double()/.float()"
            )
        directions = 2 if self.bidirectional else 1
        last_h, last_c = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                h0 = states[0][k]
                c0 = states[1][k] if self.mode == "LSTM" else None
                sequence = x if direction == 0 else x[::-1]
                out, h_n, c_n = self._run_direction(sequence, self._weight_names[k], h0, c0)
                outputs.append(out if direction == 0 else out[::-1])
                last_h.append(h_n)
                last_c.append(c_n)
            x = outputs[0] if directions == 1 else ops.concatenate(outputs, axis=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True)
        h_n = ops.stack(last_h, 0)
        if unbatched:
            output, h_n = ops.squeeze(x, 1), ops.squeeze(h_n, 1)
        else:
            output = ops.swapaxes(x, 0, 1) if self.batch_first else x
        if self.mode != "LSTM":
            return output, h_n
        c_n = ops.stack(last_c, 0)
        return output, (h_n, ops.squeeze(c_n, 1) if unbatched else c_n)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) (``nonlinearity='relu'``: ReLU).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``; ``forward(input, h_0=None) -> (output, h_n)``.

    >>> import mathdl as md
    >>> [t.shape for t in md.nn.RNN(4, 8, bidirectional=True)(md.ones(5, 3, 4))]
    [(5, 3, 16), (2, 3, 8)]
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
        )


class LSTM(RNNBase):
    """Long short-term memory (gate order i, f, g, o; formulas in the module docstring).

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``; ``forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n))``.

    >>> import mathdl as md
    >>> output, (h, c) = md.nn.LSTM(4, 8, batch_first=True)(md.ones(3, 5, 4))
    >>> output.shape, h.shape, c.shape
    ((3, 5, 8), (1, 3, 8), (1, 3, 8))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        )


class GRU(RNNBase):
    """Gated recurrent unit (gate order r, z, n; formulas in the module docstring).

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``; ``forward(input, h_0=None) -> (output, h_n)``.

    >>> import mathdl as md
    >>> [t.shape for t in md.nn.GRU(4, 8, num_layers=2)(md.ones(5, 3, 4))]   # (T, B, I) -> output, h_n
    [(5, 3, 8), (2, 3, 8)]
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        )


# ----- single-step cells ----------------------------------------------------------------------
class RNNCellBase(Module):
    """One step of a recurrence, composed of differentiable ops (parameters ``weight_ih`` (G·H, I),
    ``weight_hh`` (G·H, H), ``bias_ih``, ``bias_hh``, as ``torch.nn.*Cell``)."""

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        where = type(self).__name__
        self.input_size = _check_size(input_size, "input_size", where)
        self.hidden_size = _check_size(hidden_size, "hidden_size", where)
        self.bias = bool(bias)
        bound = 1.0 / math.sqrt(self.hidden_size)
        self.weight_ih = _uniform_parameter((self.gates * self.hidden_size, self.input_size), bound)
        self.weight_hh = _uniform_parameter((self.gates * self.hidden_size, self.hidden_size), bound)
        if self.bias:
            self.bias_ih = _uniform_parameter((self.gates * self.hidden_size,), bound)
            self.bias_hh = _uniform_parameter((self.gates * self.hidden_size,), bound)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        return text + (f", nonlinearity={nonlinearity}" if nonlinearity != "tanh" else "")

    def _prepare(self, input, hx):
        where = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{where}: expected input of shape (B, {self.input_size}) or "
                f"({self.input_size},), got {getattr(input, 'shape', type(input).__name__)}"
            )
        batch = input.shape[0] if input.ndim == 2 else None
        x = input if batch is not None else ops.unsqueeze(input, 0)
        xw = ops.matmul(x, self.weight_ih.T)
        if self.bias:
            xw = xw + self.bias_ih
        return x, xw, batch

    def _state(self, state, x, batch, name):
        if state is None:
            return Tensor(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        expected = (batch, self.hidden_size) if batch is not None else (self.hidden_size,)
        if not isinstance(state, Tensor) or state.shape != expected:
            raise ValueError(
                f"{type(self).__name__}: expected {name} of shape {expected}, got "
                f"{getattr(state, 'shape', type(state).__name__)}"
            )
        return state if batch is not None else ops.unsqueeze(state, 0)

    @staticmethod
    def _finish(h, batch):
        return h if batch is not None else ops.squeeze(h, 0)


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or ReLU). x (B, I), h (B, H) → h' (B, H).

    >>> import mathdl as md
    >>> md.nn.RNNCell(4, 8)(md.ones(3, 4)).shape
    (3, 8)
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, xw, batch = self._prepare(input, hx)
        h = self._state(hx, x, batch, "hx")
        if self.bias:
            xw = xw + self.bias_hh
        return self._finish(rnn_step(xw, h, self.weight_hh, self.nonlinearity), batch)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): (x (B, I), (h, c) (B, H)) → (h', c').

    >>> import mathdl as md
    >>> [t.shape for t in md.nn.LSTMCell(4, 8)(md.ones(3, 4))]   # (h, c)
    [(3, 8), (3, 8)]
    """

    gates = 4

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        x, xw, batch = self._prepare(input, hx)
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTMCell: hx must be a tuple (h, c)")
        h = self._state(None if hx is None else hx[0], x, batch, "h")
        c = self._state(None if hx is None else hx[1], x, batch, "c")
        if self.bias:
            xw = xw + self.bias_hh
        h, c = lstm_step(xw, h, c, self.weight_hh)
        return self._finish(h, batch), self._finish(c, batch)


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): x (B, I), h (B, H) → h' (B, H).

    >>> import mathdl as md
    >>> md.nn.GRUCell(4, 8)(md.ones(3, 4)).shape
    (3, 8)
    """

    gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, xw, batch = self._prepare(input, hx)
        h = self._state(hx, x, batch, "hx")
        b_hh = self.bias_hh if self.bias else Tensor(np.zeros(3 * self.hidden_size, dtype=x.dtype))
        return self._finish(gru_step(xw, h, self.weight_hh, b_hh), batch)
