"""nn.MaxPool2d / AvgPool2d / AdaptiveAvgPool2d: defaults, shapes and values."""

import numpy as np

import mathdl as md
from mathdl.nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d


def test_stride_defaults_to_kernel_and_shapes():
    x = md.randn(2, 3, 9, 8)
    assert MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert MaxPool2d(2, ceil_mode=True)(x).shape == (2, 3, 5, 4)
    assert MaxPool2d(3, stride=1, padding=1)(x).shape == (2, 3, 9, 8)
    assert AvgPool2d(3, stride=2, padding=1)(x).shape == (2, 3, 5, 4)
    assert AdaptiveAvgPool2d((3, 2))(x).shape == (2, 3, 3, 2)
    assert AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    assert MaxPool2d(2).parameters() is not None and len(list(MaxPool2d(2).parameters())) == 0


def test_pool_layer_values():
    x = np.arange(16.0, dtype=np.float32).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(MaxPool2d(2)(x).array[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(AvgPool2d(2)(x).array[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_allclose(AdaptiveAvgPool2d(1)(x).array[0, 0, 0, 0], 7.5)
    assert "kernel_size=2" in repr(MaxPool2d(2))
