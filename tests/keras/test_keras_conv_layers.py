"""Conv2D / MaxPooling2D / AveragePooling2D in Keras's channels-last layout."""

import numpy as np
import pytest

import mathdl as md
from mathdl.data import load_dataset
from mathdl.keras import layers, models


def reference_conv(x, kernel, bias, stride, pads):
    """NHWC cross-correlation by summing kernel taps: x (N, H, W, C), kernel (kh, kw, C, F)."""
    (top, bottom), (left, right) = pads
    x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh, kw, _, filters = kernel.shape
    out_h = (x.shape[1] - kh) // stride + 1
    out_w = (x.shape[2] - kw) // stride + 1
    y = np.zeros((x.shape[0], out_h, out_w, filters)) + bias
    for i in range(kh):
        for j in range(kw):
            window = x[:, i : i + stride * out_h : stride, j : j + stride * out_w : stride, :]
            y += window @ kernel[i, j]
    return y


@pytest.mark.parametrize(
    "padding, stride, expected_hw, pads",
    [
        ("valid", 1, (5, 6), ((0, 0), (0, 0))),
        ("same", 1, (7, 8), ((1, 1), (1, 1))),
        ("same", 2, (4, 4), ((1, 1), (0, 1))),  # TF puts the odd padding pixel at the bottom/right
    ],
)
def test_conv2d_matches_channels_last_cross_correlation(rng, padding, stride, expected_hw, pads):
    x = rng.normal(size=(2, 7, 8, 3)).astype(np.float32)
    model = models.Sequential(
        [layers.Conv2D(4, (3, 3), strides=stride, padding=padding, input_shape=(7, 8, 3))]
    )
    conv = model.layers[0]
    assert conv.output_shape == (None,) + expected_hw + (4,)
    kernel, bias = conv.get_weights()
    assert kernel.shape == (3, 3, 3, 4) and not bias.any()
    bias = rng.normal(size=4).astype(np.float32)
    conv.set_weights([kernel, bias])
    np.testing.assert_allclose(
        model.predict(x), reference_conv(x, kernel, bias, stride, pads), rtol=1e-4, atol=1e-5
    )


def test_pooling_layers_channels_last(rng):
    x = rng.normal(size=(2, 5, 5, 3)).astype(np.float32)
    valid = models.Sequential([layers.MaxPooling2D((2, 2), input_shape=(5, 5, 3))]).predict(x)
    expected = x[:, :4, :4].reshape(2, 2, 2, 2, 2, 3).max(axis=(2, 4))
    np.testing.assert_allclose(valid, expected)
    same = models.Sequential([layers.AveragePooling2D(2, padding="same", input_shape=(5, 5, 3))]).predict(x)
    assert same.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(same[:, 2, 2], x[:, 4, 4], rtol=1e-6)  # a 1-pixel window
    np.testing.assert_allclose(same[:, 0, 2], x[:, 0:2, 4].mean(axis=1), rtol=1e-6)
    with pytest.raises(ValueError, match="strides equal pool_size"):
        layers.MaxPooling2D(3, strides=2, padding="same")


def test_chollet_convnet_summary_shapes_and_parameter_counts():
    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    assert [layer.output_shape for layer in model.layers] == [
        (None, 26, 26, 32),
        (None, 13, 13, 32),
        (None, 11, 11, 64),
        (None, 5, 5, 64),
        (None, 3, 3, 64),
        (None, 576),
        (None, 64),
        (None, 10),
    ]
    assert [layer.count_params() for layer in model.layers] == [320, 0, 18496, 0, 36928, 0, 36928, 650]
    with pytest.raises(ValueError, match=r"expected shape \(None, 28, 28, 1\), found \(None, 28, 28\)"):
        model.predict(np.zeros((1, 28, 28), np.float32))


def test_a_small_convnet_learns_fashion_images():
    md.manual_seed(0)
    (x, y), (x_test, y_test) = load_dataset("fashion-mnist-subset")
    x = x[:1500, :, :, None].astype("float32") / 255
    x_test = x_test[:500, :, :, None].astype("float32") / 255
    model = models.Sequential(
        [
            layers.Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y[:1500], epochs=2, batch_size=32, verbose=0)
    assert model.evaluate(x_test, y_test[:500], verbose=0)[1] >= 0.65
