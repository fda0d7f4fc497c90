"""SimpleRNN, LSTM, GRU and Bidirectional: values and gradients (inputs and every weight) against
PyTorch's RNN/LSTM/GRU with the Keras weights translated into PyTorch's layout, against the
step formulas written in NumPy, and the Keras options (return_sequences, return_state,
go_backwards, initial_state, reset_after=False, unit_forget_bias)."""

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.autograd.gradcheck import gradcheck
from mathdl.keras import layers


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def run(layer, x, seed=0):
    """Output, ∂⟨g, y⟩/∂x and ∂⟨g, y⟩/∂w for each weight (float64)."""
    xt = md.tensor(x, dtype=np.float64, requires_grad=True)
    y = layer(xt)
    g = np.random.default_rng(seed).standard_normal(y.shape)
    weights = layer.trainable_weights
    grads = md.grad(y, [xt] + weights, md.tensor(g))
    return y.array, g, [gr.array for gr in grads]


def torch_run(torch, module, x, g):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out, _ = module(xt)
    out.backward(torch.tensor(g))
    return out.detach().numpy(), xt.grad.numpy()


def zr(a, units):
    """Keras's GRU blocks [z, r, h] → PyTorch's [r, z, n] (last axis)."""
    return np.concatenate([a[..., units : 2 * units], a[..., :units], a[..., 2 * units :]], axis=-1)


@pytest.fixture
def x():
    return np.random.default_rng(1).standard_normal((3, 5, 4))


def test_simple_rnn_equals_torch_rnn_values_and_gradients(torch, x):
    md.manual_seed(0)
    layer = layers.SimpleRNN(6, return_sequences=True, dtype="float64")
    y, g, (gx, gk, grk, gb) = run(layer, x)
    kernel, recurrent, bias = layer.get_weights()
    module = torch.nn.RNN(4, 6, batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(kernel.T))
        module.weight_hh_l0.copy_(torch.tensor(recurrent.T))
        module.bias_ih_l0.copy_(torch.tensor(bias))
        module.bias_hh_l0.zero_()
    ty, tgx = torch_run(torch, module, x, g)
    np.testing.assert_allclose(y, ty, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, tgx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gk, module.weight_ih_l0.grad.numpy().T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grk, module.weight_hh_l0.grad.numpy().T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, module.bias_ih_l0.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_lstm_equals_torch_lstm_values_and_gradients(torch, x):
    md.manual_seed(0)
    layer = layers.LSTM(5, return_sequences=True, dtype="float64")
    y, g, (gx, gk, grk, gb) = run(layer, x)
    kernel, recurrent, bias = layer.get_weights()
    module = torch.nn.LSTM(4, 5, batch_first=True).double()
    with torch.no_grad():  # same gate order (i, f, g/c, o): the kernels are just transposed
        module.weight_ih_l0.copy_(torch.tensor(kernel.T))
        module.weight_hh_l0.copy_(torch.tensor(recurrent.T))
        module.bias_ih_l0.copy_(torch.tensor(bias))
        module.bias_hh_l0.zero_()
    ty, tgx = torch_run(torch, module, x, g)
    np.testing.assert_allclose(y, ty, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, tgx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gk, module.weight_ih_l0.grad.numpy().T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grk, module.weight_hh_l0.grad.numpy().T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gb, module.bias_ih_l0.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_gru_reset_after_equals_torch_gru_with_the_z_r_blocks_swapped(torch, x):
    md.manual_seed(0)
    layer = layers.GRU(5, return_sequences=True, dtype="float64")
    layer.build((None, 5, 4))
    kernel, recurrent, bias = layer.get_weights()
    assert bias.shape == (2, 15)  # reset_after=True: input and recurrent biases
    bias = np.random.default_rng(2).standard_normal(bias.shape)
    layer.set_weights([kernel, recurrent, bias])
    y, g, (gx, gk, grk, gb) = run(layer, x)
    module = torch.nn.GRU(4, 5, batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(zr(kernel, 5).T))
        module.weight_hh_l0.copy_(torch.tensor(zr(recurrent, 5).T))
        module.bias_ih_l0.copy_(torch.tensor(zr(bias[0], 5)))
        module.bias_hh_l0.copy_(torch.tensor(zr(bias[1], 5)))
    ty, tgx = torch_run(torch, module, x, g)
    np.testing.assert_allclose(y, ty, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, tgx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(zr(gk, 5), module.weight_ih_l0.grad.numpy().T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(zr(grk, 5), module.weight_hh_l0.grad.numpy().T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(zr(gb[0], 5), module.bias_ih_l0.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(zr(gb[1], 5), module.bias_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_gru_reset_before_follows_keras_cell_formula_and_gradcheck(x):
    md.manual_seed(0)
    layer = layers.GRU(3, reset_after=False, return_sequences=True, dtype="float64")
    layer.build((None, 5, 4))
    kernel, recurrent, bias = layer.get_weights()
    bias = np.random.default_rng(3).standard_normal(bias.shape)
    layer.set_weights([kernel, recurrent, bias])
    y = layer(x).array
    h, u, expected = np.zeros((3, 3)), 3, []
    for t in range(5):
        xw = x[:, t] @ kernel + bias
        z = sigmoid(xw[:, :u] + h @ recurrent[:, :u])
        r = sigmoid(xw[:, u : 2 * u] + h @ recurrent[:, u : 2 * u])
        candidate = np.tanh(xw[:, 2 * u :] + (r * h) @ recurrent[:, 2 * u :])
        h = z * h + (1 - z) * candidate
        expected.append(h)
    np.testing.assert_allclose(y, np.stack(expected, 1), rtol=1e-12, atol=1e-12)
    xt = md.tensor(x, dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda a: layer(a), [xt])


def test_lstm_return_state_go_backwards_and_initial_state_follow_the_step_formula(x):
    md.manual_seed(0)
    layer = layers.LSTM(2, return_state=True, go_backwards=True, dtype="float64")
    h0 = np.random.default_rng(4).standard_normal((3, 2))
    c0 = np.random.default_rng(5).standard_normal((3, 2))
    output, h_last, c_last = layer(x, initial_state=[h0, c0])
    kernel, recurrent, bias = layer.get_weights()
    assert np.array_equal(bias[2:4], [1.0, 1.0]) and not bias[:2].any()  # unit_forget_bias
    h, c = h0, c0
    for t in reversed(range(5)):
        a = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = sigmoid(a[:, :2]), sigmoid(a[:, 2:4]), np.tanh(a[:, 4:6]), sigmoid(a[:, 6:])
        c = f * c + i * g
        h = o * np.tanh(c)
    np.testing.assert_allclose(output.array, h, rtol=1e-12)
    np.testing.assert_allclose(h_last.array, h, rtol=1e-12)
    np.testing.assert_allclose(c_last.array, c, rtol=1e-12)


def test_bidirectional_concatenates_forward_and_realigned_backward_sequences(x):
    md.manual_seed(0)
    layer = layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True, dtype="float64"))
    y = layer(x).array
    assert y.shape == (3, 5, 6) and layer.forward_layer.name.startswith("forward_")
    forward = layer.forward_layer(x).array
    backward = layer.backward_layer(x).array  # processed from the end: reversed in time
    np.testing.assert_array_equal(y[..., :3], forward)
    np.testing.assert_array_equal(y[..., 3:], backward[:, ::-1])
    weights = layer.get_weights()
    assert len(weights) == 6 and not np.array_equal(weights[0], weights[3])
    summed = layers.Bidirectional(layers.GRU(2, return_state=True), merge_mode="sum")
    out, h_forward, h_backward = summed(x.astype(np.float32))
    np.testing.assert_allclose(out.array, h_forward.array + h_backward.array, rtol=1e-6)


def test_symbolic_shapes_and_errors():
    inputs = keras.Input(shape=(None, 4))
    sequence, h, c = layers.LSTM(5, return_sequences=True, return_state=True)(inputs)
    assert sequence.shape == (None, None, 5) and h.shape == (None, 5) and c.shape == (None, 5)
    assert layers.Bidirectional(layers.GRU(3))(inputs).shape == (None, 6)
    with pytest.raises(ValueError, match="recurrent_dropout"):
        layers.LSTM(3, recurrent_dropout=0.1)
    with pytest.raises(ValueError, match="activation"):
        layers.GRU(3, activation="relu")
    with pytest.raises(ValueError, match=r"expected shape \(None, timesteps, features\)"):
        layers.SimpleRNN(3)(np.ones((2, 4), np.float32))
