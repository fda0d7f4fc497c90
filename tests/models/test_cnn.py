"""The small modern CNN: structure, that it learns, and the filter / feature-map plots."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl import optim
from mathdl.data import load_fashion_mnist_subset
from mathdl.models import registry
from mathdl.models.cnn import ResidualBlock, SmallCNN
from mathdl.models.lenet import LeNet5
from mathdl.train.plots import plot_feature_maps, plot_filters


def test_structure_and_shapes():
    md.manual_seed(0)
    model = SmallCNN(width=8)
    maps = model.feature_maps(md.zeros(2, 1, 28, 28))
    assert [(name, m.shape) for name, m in maps] == [
        ("block1", (2, 8, 14, 14)),
        ("block2", (2, 16, 7, 7)),
        ("residual", (2, 16, 7, 7)),
    ]
    assert model(md.zeros(2, 28, 28)).shape == (2, 10)
    assert model.first_conv.weight.shape == (8, 1, 3, 3) and model.first_conv.bias is None
    assert registry.get("cnn") is SmallCNN
    with pytest.raises(ValueError, match="width"):
        SmallCNN(width=0)


def test_residual_block_is_identity_plus_correction():
    block = ResidualBlock(4)
    block.eval()
    for bn in (block.bn1, block.bn2):
        bn.weight.array[...] = 0.0  # BN₂ output 0 ⇒ the block is ReLU(x)
    x = md.randn(2, 4, 5, 5)
    np.testing.assert_allclose(block(x).array, np.maximum(x.array, 0), atol=1e-6)


def test_small_cnn_learns_fashion_mnist():
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist_subset()
    x_train = (x_train[:1000].astype(np.float32) / np.float32(255.0))[:, None]
    x_test = (x_test[:500].astype(np.float32) / np.float32(255.0))[:, None]
    y_train, y_test = y_train[:1000].astype(np.int64), y_test[:500].astype(np.int64)
    md.manual_seed(0)
    model = SmallCNN(width=8)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    for _ in range(2):
        model.train()
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 64):
            index = order[start : start + 64]
            loss = F.cross_entropy(model(md.Tensor(x_train[index])), md.Tensor(y_train[index]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with md.no_grad():
        accuracy = float((model(md.Tensor(x_test)).array.argmax(axis=1) == y_test).mean())
    assert accuracy > 0.6  # chance is 0.1


def test_plots_write_png_files(tmp_path):
    pytest.importorskip("matplotlib")
    md.manual_seed(0)
    model = LeNet5()
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    figure = plot_filters(model, str(tmp_path / "filters.png"))
    assert len(figure.axes) == 6  # one panel per C1 kernel
    figure = plot_feature_maps(model, image, str(tmp_path / "maps.png"), max_channels=3)
    assert len(figure.axes) == 4 * (3 + 1)  # 4 stages × (input + 3 channels)
    for name in ("filters.png", "maps.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not model.training  # plotting uses eval mode
