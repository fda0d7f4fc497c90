import math

import numpy as np
import pytest

import mathdl as md
from mathdl.keras import Input, layers, models


def test_dense_uses_glorot_uniform_kernels_zero_biases_and_keras_layout():
    md.manual_seed(0)
    dense = layers.Dense(300, input_shape=(400,))
    model = models.Sequential([dense])
    kernel, bias = dense.get_weights()
    assert kernel.shape == (400, 300) and bias.shape == (300,)
    limit = math.sqrt(6 / (400 + 300))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.99 * limit
    assert abs(kernel.var() - limit**2 / 3) < 0.02 * limit**2  # U(−a, a) has variance a²/3
    assert not bias.any()
    x = np.random.default_rng(0).normal(size=(5, 400)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x), x @ kernel, rtol=1e-5, atol=1e-5)


def test_set_weights_round_trips_and_checks_shapes():
    model = models.Sequential([layers.Dense(3, activation="relu", input_shape=(4,)), layers.Dense(2)])
    weights = [
        np.arange(12, dtype=np.float32).reshape(4, 3),
        np.ones(3, np.float32),
        np.ones((3, 2), np.float32),
        np.zeros(2, np.float32),
    ]
    model.set_weights(weights)
    for got, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    x = np.ones((1, 4), np.float32)
    np.testing.assert_allclose(model.predict(x), np.maximum(x @ weights[0] + 1, 0) @ weights[2])
    with pytest.raises(ValueError, match=r"weight shape \(3, 4\) does not match the layer's \(4, 3\)"):
        model.layers[0].set_weights([np.zeros((3, 4)), np.zeros(3)])


def test_names_follow_keras_counters():
    first, second = layers.Dense(2), layers.Dense(2)
    base = first.name
    assert base.startswith("dense")
    suffix = 0 if base == "dense" else int(base.split("_")[1])
    assert second.name == f"dense_{suffix + 1}"
    assert layers.Dense(1, name="output").name == "output"
    with pytest.raises(ValueError, match="unique names"):
        models.Sequential([layers.Dense(2, name="same", input_shape=(3,)), layers.Dense(2, name="same")])


def test_incompatible_input_raises_keras_message():
    network = models.Sequential()
    network.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation="softmax"))
    dense = network.layers[0].name
    with pytest.raises(
        ValueError,
        match=rf"^Input 0 of layer {dense} is incompatible: expected shape "
        r"\(None, 784\), found \(None, 28, 28\)$",
    ):
        network.predict(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"expected shape \(None, 784\), found \(None, 100\)"):
        network(md.zeros(2, 100))


def test_lazy_build_input_layer_flatten_dropout_and_summary(capsys):
    model = models.Sequential(
        [Input((28, 28)), layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax")]
    )
    assert model.built and model.output_shape == (None, 10)
    assert model.layers[0].output_shape == (None, 784)
    lazy = models.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not lazy.built
    with pytest.raises(ValueError, match="not yet been built"):
        lazy.summary()
    assert lazy.predict(np.ones((3, 7), np.float32)).shape == (3, 2)
    assert lazy.layers[0].get_weights()[0].shape == (7, 4)
    model.summary()
    text = capsys.readouterr().out
    assert "Output Shape" in text and "(None, 784)" in text and "Total params: 7,850" in text
    x = md.ones(1000, 28, 28)
    model.train()
    dropped = model.layers[1](model.layers[0](x)).array
    assert 0.4 < (dropped == 0).mean() < 0.6 and set(np.unique(dropped)) == {0.0, 2.0}
    model.eval()
    np.testing.assert_array_equal(model.layers[1](model.layers[0](x)).array, 1.0)


def test_constructor_misuse_is_reported():
    with pytest.raises(TypeError, match="unrecognized keyword argument"):
        layers.Dense(3, activaton="relu")
    with pytest.raises(ValueError, match="unknown activation"):
        layers.Dense(3, activation="swishy")
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)
    with pytest.raises(TypeError, match="Only instances of keras Layer"):
        models.Sequential().add(md.nn.Linear(2, 2))


def test_clear_session_restarts_names_and_set_random_seed_reproduces_weights():
    from mathdl import keras

    keras.backend.clear_session()
    assert layers.Dense(2).name == "dense" and layers.Dense(2).name == "dense_1"
    keras.backend.clear_session()
    assert layers.Dense(2).name == "dense"
    assert keras.backend.floatx() == "float32"
    keras.utils.set_random_seed(5)
    first = models.Sequential([layers.Dense(3, input_shape=(4,))]).get_weights()[0]
    keras.utils.set_random_seed(5)
    second = models.Sequential([layers.Dense(3, input_shape=(4,))]).get_weights()[0]
    np.testing.assert_array_equal(first, second)
