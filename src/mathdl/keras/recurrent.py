"""Keras's recurrent layers on mathdl's fused recurrences (``RNNSequence``, ``LSTMSequence``,
``GRUSequence``: one Function per sequence, back-propagation through time written out).

Weights in Keras's layout, x_t (N, C), h (N, U):

    SimpleRNN   kernel (C, U), recurrent_kernel (U, U), bias (U,)
                h_t = act(x_t K + h_{t−1} R + b)                      act = tanh (or relu)
    LSTM        kernel (C, 4U), recurrent_kernel (U, 4U), bias (4U,), gate blocks [i, f, c, o]
                a = x_t K + h_{t−1} R + b;  i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_c)
                c_t = f c_{t−1} + i g;  h_t = o tanh(c_t)
                (``unit_forget_bias=True``: the f block of the bias starts at 1)
    GRU         kernel (C, 3U), recurrent_kernel (U, 3U), gate blocks [z, r, h];
                reset_after=True (default): bias (2, 3U) = [input bias; recurrent bias]
                z = σ(x K_z + b_z + h R_z + b'_z),  r = σ(x K_r + b_r + h R_r + b'_r)
                ĥ = tanh(x K_h + b_h + r ⊙ (h R_h + b'_h));   h_t = z h_{t−1} + (1 − z) ĥ
                reset_after=False: bias (3U,), ĥ = tanh(x K_h + (r ⊙ h) R_h + b_h)

The LSTM gate order is PyTorch's (i, f, g, o), so its arrays go to ``LSTMSequence`` with R
transposed. PyTorch's GRU orders the blocks [r, z, n] and computes exactly Keras's reset_after=True
cell (n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h = (1 − z) n + z h), so the [z, r, h] blocks
are swapped into [r, z, h] on the way in. reset_after=False runs the cell step by step from
differentiable ops.

``return_sequences`` gives every h_t (N, T, U), else h_T; ``return_state`` appends the final
states ([h_T] for SimpleRNN/GRU, [h_T, c_T] for LSTM); ``go_backwards`` reads the sequence from
the end (and returns the outputs in that order, as Keras); ``dropout`` drops input features with
one mask per sequence. ``Bidirectional`` runs a copy with the opposite direction and merges
(concat by default), the backward sequence re-reversed to align with the forward one.
"""

import numpy as np

from mathdl import ops
from mathdl.autograd.function import as_tensor
from mathdl.keras import initializers as keras_initializers
from mathdl.keras import saving
from mathdl.keras.base_layer import Layer, format_shape, positive_int
from mathdl.keras.core_layers import check_initializer
from mathdl.nn.functional.recurrent import GRUSequence, LSTMSequence, RNNSequence


class _Recurrent(Layer):
    gates = 1
    allowed_activations = ("tanh",)

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        dropout=0.0,
        recurrent_dropout=0.0,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} {self.name}"
        self.units = positive_int(units, "units", where)
        if activation not in self.allowed_activations:
            raise ValueError(
                f"{where}: activation must be one of {self.allowed_activations}, got {activation!r}"
            )
        if self.gates > 1 and recurrent_activation != "sigmoid":
            raise ValueError(
                f"{where}: only recurrent_activation='sigmoid' is supported, got {recurrent_activation!r}"
            )
        if recurrent_dropout:
            raise ValueError(f"{where}: recurrent_dropout is not supported (the recurrence is one fused op)")
        if stateful:
            raise ValueError(f"{where}: stateful=True is not supported")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"{where}: dropout must be in [0, 1), got {dropout}")
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer", where)
        self.recurrent_initializer = check_initializer(recurrent_initializer, "recurrent_initializer", where)
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer", where)
        self.dropout = float(dropout)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.unroll = bool(go_backwards), bool(unroll)

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape (None, timesteps, features), "
                f"found {format_shape((None,) + tuple(input_shape[1:]))}"
            )
        width = self.gates * self.units
        self.kernel = self.add_weight((input_shape[-1], width), self.kernel_initializer, name="kernel")
        self.recurrent_kernel = self.add_weight(
            (self.units, width), self.recurrent_initializer, name="recurrent_kernel"
        )
        self.bias = self._make_bias() if self.use_bias else None

    def _make_bias(self):
        return self.add_weight((self.gates * self.units,), self.bias_initializer, name="bias")

    def _initial_states(self, batch, dtype, initial_state):
        count = 2 if self.gates == 4 else 1
        if initial_state is None:
            return [as_tensor(np.zeros((batch, self.units), dtype=dtype)) for _ in range(count)]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != count:
            raise ValueError(
                f"layer {self.name}: initial_state needs {count} tensor(s) of shape (batch, units), got {len(states)}"
            )
        states = [as_tensor(s).astype(dtype) if as_tensor(s).dtype != dtype else as_tensor(s) for s in states]
        for s in states:
            if tuple(s.shape) != (batch, self.units):
                raise ValueError(
                    f"layer {self.name}: initial states must be ({batch}, {self.units}), got {s.shape}"
                )
        return states

    def call(self, inputs, initial_state=None, training=None):
        if inputs.ndim != 3 or inputs.shape[-1] != self.kernel.shape[0]:
            self.check_input_shape(inputs.shape)
        x = inputs
        if training and self.dropout:
            keep = np.random.default_rng(_seed()).random((x.shape[0], 1, x.shape[2])) >= self.dropout
            x = x * as_tensor((keep / (1.0 - self.dropout)).astype(x.dtype))
        x = x.transpose(1, 0, 2)  # time-major (T, N, C)
        if self.go_backwards:
            x = x[::-1]
        states = self._initial_states(inputs.shape[0], inputs.dtype, initial_state)
        sequence, finals = self._recur(x, states)
        output = sequence.transpose(1, 0, 2) if self.return_sequences else finals[0]
        return [output] + list(finals) if self.return_state else output

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "use_bias": self.use_bias,
            "kernel_initializer": keras_initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras_initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras_initializers.serialize(self.bias_initializer),
            "dropout": self.dropout,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
        }


def _seed():
    from mathdl import random as md_random

    return md_random.generator().integers(2**63)


class SimpleRNN(_Recurrent):
    """``SimpleRNN(units, activation='tanh', return_sequences=False, return_state=False)``."""

    allowed_activations = ("tanh", "relu")

    def _recur(self, x, states):
        xw = ops.matmul(x, self.kernel)
        if self.bias is not None:
            xw = xw + self.bias
        sequence, h = RNNSequence(self.activation)(xw, states[0], self.recurrent_kernel.T)
        return sequence, [h]


class LSTM(_Recurrent):
    """``LSTM(units, return_sequences=False, return_state=False, unit_forget_bias=True)``."""

    gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        self.unit_forget_bias = bool(unit_forget_bias)
        super().__init__(units, **kwargs)

    def _make_bias(self):
        initializer = keras_initializers.get(self.bias_initializer)
        units = self.units
        if self.unit_forget_bias:

            def initializer(shape, dtype=None, base=initializer):
                return np.concatenate(
                    [base((units,), dtype), np.ones((units,), dtype=dtype), base((2 * units,), dtype)]
                )

        return self.add_weight((4 * units,), initializer, name="bias")

    def _recur(self, x, states):
        xw = ops.matmul(x, self.kernel)
        if self.bias is not None:
            xw = xw + self.bias
        sequence, h, c = LSTMSequence()(xw, states[0], states[1], self.recurrent_kernel.T)
        return sequence, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


def _zr_swap(t, units):
    """Blocks [z, r, h] of the last axis reordered to PyTorch's [r, z, h]."""
    return ops.concatenate([t[..., units : 2 * units], t[..., :units], t[..., 2 * units :]], axis=-1)


class GRU(_Recurrent):
    """``GRU(units, reset_after=True, return_sequences=False, return_state=False)``."""

    gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        self.reset_after = bool(reset_after)
        super().__init__(units, **kwargs)

    def _make_bias(self):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        return self.add_weight(shape, self.bias_initializer, name="bias")

    def _recur(self, x, states):
        units = self.units
        xw = ops.matmul(x, self.kernel)
        if self.bias is not None:
            xw = xw + (self.bias[0] if self.reset_after else self.bias)
        if not self.reset_after:
            return self._recur_reset_before(xw, states[0])
        b_hh = self.bias[1] if self.bias is not None else as_tensor(np.zeros(3 * units, dtype=x.dtype))
        w_hh = _zr_swap(self.recurrent_kernel, units).T
        sequence, h = GRUSequence()(_zr_swap(xw, units), states[0], w_hh, _zr_swap(b_hh, units))
        return sequence, [h]

    def _recur_reset_before(self, xw, h):
        units, r_kernel = self.units, self.recurrent_kernel
        outputs = []
        for t in range(xw.shape[0]):
            zr = ops.sigmoid(xw[t][:, : 2 * units] + ops.matmul(h, r_kernel[:, : 2 * units]))
            z, r = zr[:, :units], zr[:, units:]
            candidate = ops.tanh(xw[t][:, 2 * units :] + ops.matmul(r * h, r_kernel[:, 2 * units :]))
            h = z * h + (1.0 - z) * candidate
            outputs.append(h)
        return ops.stack(outputs, 0), [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class Bidirectional(Layer):
    """``Bidirectional(layer, merge_mode='concat', backward_layer=None)``: ``layer`` and a copy
    reading the sequence backwards; outputs merged by 'concat', 'sum', 'mul', 'ave' or None (a list)."""

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        if isinstance(layer, dict):
            layer = saving.deserialize_layer(layer)
        if isinstance(backward_layer, dict):
            backward_layer = saving.deserialize_layer(backward_layer)
        if not isinstance(layer, _Recurrent):
            raise ValueError(
                f"Bidirectional: layer must be a SimpleRNN, LSTM or GRU, got {type(layer).__name__}"
            )
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(
                f"Bidirectional: merge_mode must be 'concat', 'sum', 'mul', 'ave' or None, got {merge_mode!r}"
            )
        if layer.dtype_policy is not None:
            kwargs.setdefault("dtype", layer.dtype_policy)
        super().__init__(**kwargs)
        config = layer.get_config()
        config["name"] = "forward_" + config["name"].removeprefix("forward_")
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["name"] = "backward_" + config["name"].removeprefix("backward_")
            config["go_backwards"] = not config["go_backwards"]
            backward_layer = type(layer).from_config(config)
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state

    def build(self, input_shape):
        self.forward_layer.maybe_build(input_shape)
        self.backward_layer.maybe_build(input_shape)

    def call(self, inputs, training=None):
        forward = self.forward_layer(inputs, training=training)
        backward = self.backward_layer(inputs, training=training)
        states = []
        if self.return_state:
            forward, states_f = forward[0], forward[1:]
            backward, states_b = backward[0], backward[1:]
            states = list(states_f) + list(states_b)
        if self.return_sequences:
            backward = backward[:, ::-1]
        if self.merge_mode == "concat":
            merged = ops.concatenate([forward, backward], axis=-1)
        elif self.merge_mode == "sum":
            merged = forward + backward
        elif self.merge_mode == "mul":
            merged = forward * backward
        elif self.merge_mode == "ave":
            merged = (forward + backward) * 0.5
        else:
            merged = [forward, backward]
        if self.return_state:
            return (merged if isinstance(merged, list) else [merged]) + states
        return merged

    def get_config(self):
        config = super().get_config()
        config["layer"] = saving.serialize_layer(self.forward_layer)
        config["backward_layer"] = saving.serialize_layer(self.backward_layer)
        config["merge_mode"] = self.merge_mode
        return config
