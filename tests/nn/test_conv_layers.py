"""nn.Conv2d / nn.ConvTranspose2d: shapes, PyTorch's initialisation, errors, and that they learn."""

import math

import numpy as np
import pytest

import mathdl as md
from mathdl import optim
from mathdl.nn.layers.conv import Conv2d, ConvTranspose2d
from mathdl.ops.convolution import conv2d


def test_conv2d_parameters_shapes_and_default_init():
    md.manual_seed(0)
    layer = Conv2d(8, 16, (3, 5), groups=2)
    assert layer.weight.shape == (16, 4, 3, 5) and layer.bias.shape == (16,)
    assert layer.weight.dtype == md.get_default_dtype()
    bound = 1 / math.sqrt(4 * 3 * 5)  # fan_in = in/groups · kh · kw
    w = layer.weight.array
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound  # U(−b, b) has std b/√3
    assert np.abs(layer.bias.array).max() <= bound
    names = [name for name, _ in layer.named_parameters()]
    assert names == ["weight", "bias"]
    assert Conv2d(3, 4, 3, bias=False).bias is None


def test_conv2d_output_shapes():
    x = md.randn(2, 3, 11, 10)
    assert Conv2d(3, 4, 3)(x).shape == (2, 4, 9, 8)
    assert Conv2d(3, 4, 3, stride=2, padding=1)(x).shape == (2, 4, 6, 5)
    assert Conv2d(3, 4, 4, padding="same")(x).shape == (2, 4, 11, 10)
    assert Conv2d(3, 4, 3, dilation=2)(x).shape == (2, 4, 7, 6)
    assert Conv2d(3, 4, 3)(md.randn(3, 11, 10)).shape == (4, 9, 8)


def test_conv_transpose2d_shapes_init_and_inverse_size():
    layer = ConvTranspose2d(8, 4, 4, stride=2, padding=1)
    assert layer.weight.shape == (8, 4, 4, 4)
    bound = 1 / math.sqrt(4 * 16)  # PyTorch: fan_in from weight.shape[1]·kh·kw
    assert np.abs(layer.weight.array).max() <= bound
    x = md.randn(2, 8, 7, 7)
    assert layer(x).shape == (2, 4, 14, 14)  # doubles the size: a DCGAN upsampling step
    assert ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)(x).shape == (2, 4, 14, 14)


def test_layer_misuse_raises():
    with pytest.raises(ValueError, match="divisible by groups"):
        Conv2d(6, 4, 3, groups=4)
    with pytest.raises(ValueError, match="in_channels"):
        Conv2d(0, 4, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2d(3, 4, 0)
    with pytest.raises(ValueError, match="'same' needs stride 1"):
        Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="expected 3 input channels"):
        Conv2d(3, 4, 3)(md.randn(2, 5, 8, 8))
    with pytest.raises(ValueError, match="output_padding"):
        ConvTranspose2d(3, 4, 3, stride=2, output_padding=2)


def test_conv2d_learns_an_edge_detector():
    # Regress onto the output of a fixed Sobel filter: gradient descent must recover the kernel.
    rng = np.random.default_rng(0)
    sobel = np.array([[[[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]]], dtype=np.float32)
    x = rng.standard_normal((16, 1, 12, 12)).astype(np.float32)
    target = conv2d(x, sobel, padding=1).array
    md.manual_seed(0)
    layer = Conv2d(1, 1, 3, padding=1)
    optimizer = optim.Adam(layer.parameters(), lr=0.05)
    for _ in range(300):
        loss = ((layer(md.tensor(x)) - md.tensor(target)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 1e-4
    np.testing.assert_allclose(layer.weight.array, sobel, atol=5e-3)
    assert abs(layer.bias.array[0]) < 5e-3
