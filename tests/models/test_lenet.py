"""LeNet (d2l) and LeNet-5 (1998): architecture facts and that they learn on small data."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl import optim
from mathdl.data import load_fashion_mnist_subset
from mathdl.models import registry
from mathdl.models.lenet import C3_TABLE, LeNet, LeNet5, c3_connection_mask


@pytest.fixture(scope="module")
def fashion():
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist_subset()
    prepare = lambda x: (x.astype(np.float32) / np.float32(255.0))[:, None]  # noqa: E731
    return prepare(x_train), y_train.astype(np.int64), prepare(x_test), y_test.astype(np.int64)


def _train(model, optimizer, x, y, epochs, batch, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            index = order[start : start + batch]
            loss = F.cross_entropy(model(md.Tensor(x[index])), md.Tensor(y[index]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


def _accuracy(model, x, y):
    model.eval()
    with md.no_grad():
        return float((model(md.Tensor(x)).array.argmax(axis=1) == y).mean())


def test_lenet_is_the_d2l_network():
    md.manual_seed(0)
    model = LeNet()
    assert sum(p.array.size for p in model.parameters()) == 61706  # d2l's count
    maps = model.feature_maps(md.zeros(2, 1, 28, 28))
    assert [m.shape for _, m in maps] == [(2, 6, 28, 28), (2, 6, 14, 14), (2, 16, 10, 10), (2, 16, 5, 5)]
    assert model(md.zeros(3, 28, 28)).shape == (3, 10)  # (N, H, W) gains its channel
    assert registry.get("lenet") is LeNet and registry.get("lenet5") is LeNet5
    with pytest.raises(ValueError, match="activation"):
        LeNet(activation="gelu")
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        model(md.zeros(2, 3, 28, 28))


def test_sigmoid_lenet_leaves_its_plateau(fashion):
    # The sigmoid LeNet starts on a plateau (loss ≈ ln 10 = 2.30); memorising 32 images must take it
    # well below that.
    x, y = fashion[0][:32], fashion[1][:32]
    md.manual_seed(0)
    model = LeNet()
    optimizer = optim.Adam(model.parameters(), lr=2e-2)
    for _ in range(80):
        loss = F.cross_entropy(model(md.Tensor(x)), md.Tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 1.6


def test_relu_max_lenet_learns_fashion_mnist(fashion):
    x_train, y_train, x_test, y_test = fashion
    md.manual_seed(0)
    model = LeNet(activation="relu", pool="max")
    _train(model, optim.Adam(model.parameters(), lr=3e-3), x_train[:1000], y_train[:1000], 2, 64)
    assert _accuracy(model, x_test[:500], y_test[:500]) > 0.6  # chance is 0.1


def test_lenet5_connection_table_and_parameters():
    assert len(C3_TABLE) == 16 and sum(len(t) for t in C3_TABLE) == 60
    mask = c3_connection_mask()[:, :, 0, 0]
    # Table I of the paper, row by row (S2 map i feeds these C3 maps):
    assert list(np.flatnonzero(mask[:, 0])) == [0, 4, 5, 6, 9, 10, 11, 12, 14, 15]
    assert list(np.flatnonzero(mask[:, 3])) == [1, 2, 3, 6, 7, 8, 9, 12, 14, 15]
    md.manual_seed(0)
    model = LeNet5()
    assert model.c3.connections() == 60
    c3_parameters = 60 * 25 + 16  # the paper's 1,516
    assert int((model.c3.weight.array != 0).sum()) + model.c3.bias.array.size == c3_parameters
    maps = model.feature_maps(md.zeros(2, 1, 28, 28))
    assert [m.shape for _, m in maps] == [(2, 6, 28, 28), (2, 6, 14, 14), (2, 16, 10, 10), (2, 16, 5, 5)]
    out = model(md.randn(2, 1, 28, 28))
    out.sum().backward()
    assert np.all(model.c3.weight.grad.array[mask == 0] == 0)  # unconnected kernels stay 0
    assert np.any(model.c3.weight.grad.array[mask == 1] != 0)
    f = model.squash
    np.testing.assert_allclose(f(md.tensor([1.0, -1.0])).array, [1.0, -1.0], atol=2e-4)  # f(±1) ≈ ±1


def test_lenet5_memorises_and_learns(fashion):
    x_train, y_train, x_test, y_test = fashion
    md.manual_seed(0)
    model = LeNet5()
    _train(model, optim.Adam(model.parameters(), lr=1e-2), x_train[:64], y_train[:64], 40, 64)
    assert _accuracy(model, x_train[:64], y_train[:64]) > 0.9
