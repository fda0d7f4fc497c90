"""Linear, the activation/shape layers, dropout and F.linear/F.one_hot: gradients, shapes, behaviour."""

import math

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl import nn
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def leaf(array):
    return md.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_gradcheck(rng, shape):
    x, w, b = (
        leaf(rng.standard_normal(shape)),
        leaf(rng.standard_normal((4, 3))),
        leaf(rng.standard_normal(4)),
    )
    gradcheck(lambda x, w, b: F.linear(x, w, b), [x, w, b])
    gradcheck(lambda x, w: F.linear(x, w), [x, w])
    gradgradcheck(lambda x, w, b: F.linear(x, w, b) ** 2, [x, w, b])
    np.testing.assert_allclose(F.linear(x, w, b).array, x.array @ w.array.T + b.array, rtol=1e-12)


def test_linear_skips_gradients_nobody_needs(rng):
    lin = nn.Linear(3, 2)
    x = md.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    out = lin(x)
    function = out.creator
    grads = function.backward(md.ones(4, 2))
    assert grads[0] is None and grads[1].shape == (2, 3) and grads[2].shape == (2,)


def test_linear_layer_shapes_init_and_errors():
    md.manual_seed(0)
    lin = nn.Linear(400, 30)
    assert lin.weight.shape == (30, 400) and lin.bias.shape == (30,)
    assert lin.weight.dtype == np.float32
    bound = 1 / math.sqrt(400)
    assert np.abs(lin.weight.array).max() <= bound and np.abs(lin.bias.array).max() <= bound
    # U(−a, a) has standard deviation a/√3
    np.testing.assert_allclose(lin.weight.array.std(), bound / math.sqrt(3), rtol=0.03)
    assert lin(md.randn(7, 400)).shape == (7, 30)
    assert lin(md.randn(2, 5, 400)).shape == (2, 5, 30)
    assert nn.Linear(3, 2, bias=False).bias is None
    with pytest.raises(ValueError, match="does not end in in_features = 400"):
        lin(md.randn(7, 399))
    with pytest.raises(ValueError, match="in_features must be a non-negative integer"):
        nn.Linear(2.5, 3)
    md.set_default_dtype(np.float64)
    try:
        assert nn.Linear(2, 2).weight.dtype == np.float64
    finally:
        md.set_default_dtype(np.float32)


def test_linear_seed_reproducible():
    md.manual_seed(3)
    a = nn.Linear(5, 4)
    md.manual_seed(3)
    b = nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.array, b.weight.array)


def test_activation_layers_match_functions(rng):
    x = md.tensor(rng.standard_normal((3, 4)))
    np.testing.assert_array_equal(nn.ReLU()(x).array, np.maximum(x.array, 0))
    np.testing.assert_allclose(nn.Sigmoid()(x).array, 1 / (1 + np.exp(-x.array)), rtol=1e-12)
    np.testing.assert_allclose(nn.Tanh()(x).array, np.tanh(x.array), rtol=1e-12)
    e = np.exp(x.array)
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).array, e / e.sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(nn.Softmax(dim=0)(x).array, e / e.sum(0, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(x).array, np.log(e / e.sum(1, keepdims=True)), rtol=1e-12)
    assert nn.Identity(54, unused=1)(x) is x


def test_flatten(rng):
    x = leaf(rng.standard_normal((2, 3, 4, 5)))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0)(x).shape == (120,)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    gradcheck(lambda x: nn.Flatten()(x), [x])


def test_dropout_statistics_and_gradient():
    md.manual_seed(0)
    x = md.ones(200, 500, requires_grad=True)
    y = F.dropout(x, 0.3, training=True)
    kept = y.array != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y.array[kept], 1 / 0.7, rtol=1e-6)
    assert abs(y.array.mean() - 1.0) < 0.02  # inverted dropout keeps the mean
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, y.array)  # ∂y/∂x = m/(1−p), the same mask
    assert y.dtype == np.float32


def test_dropout_modes_and_edge_probabilities():
    x = md.randn(10, 10)
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert np.all(F.dropout(x, 1.0).array == 0)
    np.testing.assert_array_equal(F.dropout(x, 0.0).array, x.array)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout_gradcheck_with_fixed_seed(rng):
    x = leaf(rng.standard_normal((4, 5)))

    def f(x):
        md.manual_seed(7)  # the same mask at every evaluation
        return F.dropout(x, 0.4)

    gradcheck(f, [x])


def test_dropout2d_zeroes_whole_channels():
    md.manual_seed(1)
    x = md.ones(8, 16, 5, 5)
    y = nn.Dropout2d(0.5)(x).array
    per_channel = y.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    with pytest.raises(ValueError, match="3-D .* or 4-D"):
        F.dropout2d(md.ones(3, 4), 0.5)


def test_one_hot():
    out = F.one_hot(md.tensor(np.array([[0, 2], [1, 0]])), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.int64
    np.testing.assert_array_equal(out.array[0, 1], [0, 0, 1])
    assert F.one_hot(np.array([3, 1])).shape == (2, 4)
    with pytest.raises(ValueError, match="label 3 is out of range for num_classes = 3"):
        F.one_hot(np.array([3]), 3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(np.array([-1]), 3)


def test_loss_modules_forward_options(rng):
    z = md.tensor(rng.standard_normal((4, 3)))
    t = np.array([0, 1, 2, 1])
    np.testing.assert_allclose(
        nn.CrossEntropyLoss(reduction="sum")(z, t).item(), F.cross_entropy(z, t, reduction="sum").item()
    )
    np.testing.assert_allclose(nn.NLLLoss()(F.log_softmax(z, 1), t).item(), F.cross_entropy(z, t).item())
    y = md.tensor(rng.uniform(0, 1, (4, 3)))
    np.testing.assert_allclose(nn.MSELoss()(z, y).item(), ((z.array - y.array) ** 2).mean())
    np.testing.assert_allclose(nn.L1Loss()(z, y).item(), np.abs(z.array - y.array).mean())
    np.testing.assert_allclose(
        nn.BCEWithLogitsLoss()(z, y).item(), nn.BCELoss()(md.sigmoid(z), y).item(), rtol=1e-10
    )
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="average")


def test_mlp_learns_xor_in_a_few_hundred_steps():
    md.manual_seed(0)
    x = md.tensor(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32))
    y = np.array([0, 1, 1, 0])
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    from mathdl import optim

    opt = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(200):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert np.array_equal(model(x).array.argmax(1), y)


@pytest.mark.parametrize(
    "name,layer",
    [
        ("leaky_relu", nn.LeakyReLU(0.2)),
        ("elu", nn.ELU(1.5)),
        ("softplus", nn.Softplus(2.0, 5.0)),
        ("silu", nn.SiLU()),
    ],
)
def test_more_activations_gradcheck(rng, name, layer):
    x = leaf(rng.standard_normal((4, 5)) * 3)
    gradcheck(lambda x: layer(x), [x])
    gradgradcheck(lambda x: layer(x), [x])


def test_more_activations_values_and_stability():
    x = md.tensor(np.array([-1000.0, -1.0, 0.0, 2.0, 1000.0]))
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).array, [-100.0, -0.1, 0.0, 2.0, 1000.0])
    np.testing.assert_allclose(F.elu(x).array, [-1.0, np.exp(-1) - 1, 0.0, 2.0, 1000.0])
    np.testing.assert_allclose(
        F.softplus(x).array, [0.0, np.log1p(np.exp(-1)), np.log(2), np.log1p(np.exp(2)), 1000.0]
    )
    np.testing.assert_allclose(F.silu(x).array, [0.0, -1 / (1 + np.e), 0.0, 2 / (1 + np.exp(-2)), 1000.0])
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


def test_batchnorm_dropout_mlp_classifies_spirals():
    """Three interleaved spirals (not linearly separable): a small BN + dropout MLP trained with
    RMSprop for 100 full-batch steps reaches ≥ 95% training accuracy (evaluated in eval mode)."""
    md.manual_seed(0)
    rng = np.random.default_rng(0)
    n = 100
    t = np.linspace(0.0, 1.0, n)
    xs, ys = [], []
    for k in range(3):
        angle = 4 * t + 2 * np.pi * k / 3 + rng.normal(0, 0.1, n)
        xs.append(np.stack([t * np.sin(angle), t * np.cos(angle)], 1))
        ys.append(np.full(n, k))
    x = md.tensor(np.concatenate(xs).astype(np.float32))
    y = np.concatenate(ys)
    model = nn.Sequential(
        nn.Linear(2, 64),
        nn.BatchNorm1d(64),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(64, 64),
        nn.BatchNorm1d(64),
        nn.ReLU(),
        nn.Linear(64, 3),
    )
    from mathdl import optim

    opt = optim.RMSprop(model.parameters(), lr=0.01)
    for _ in range(100):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    with md.no_grad():
        accuracy = (model(x).array.argmax(1) == y).mean()
    assert accuracy >= 0.95


def test_factory_dtype_reaches_the_parameters():
    import numpy as np

    from mathdl import nn

    for module in (
        nn.Linear(2, 3, dtype=np.float64),
        nn.LayerNorm(3, dtype=np.float64),
        nn.BatchNorm1d(3, dtype=np.float64),
    ):
        assert {p.dtype for p in module.parameters()} == {np.dtype(np.float64)}
    assert {p.dtype for p in nn.Linear(2, 3).parameters()} == {np.dtype(np.float32)}
