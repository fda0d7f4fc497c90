"""BatchNormalization and Embedding in the Keras facade."""

import numpy as np
import pytest

import mathdl as md
from mathdl.keras import layers, models


def test_batch_normalization_formula_moving_statistics_and_keras_weights(rng):
    x = rng.normal(3.0, 2.0, size=(64, 5)).astype(np.float32)
    model = models.Sequential([layers.BatchNormalization(input_shape=(5,))])
    bn = model.layers[0]
    gamma, beta, moving_mean, moving_var = bn.get_weights()
    assert (
        gamma.tolist() == [1.0] * 5
        and not beta.any()
        and not moving_mean.any()
        and moving_var.tolist() == [1.0] * 5
    )
    bn.set_weights([np.full(5, 2.0), np.full(5, 0.5), moving_mean, moving_var])
    model.train()
    y = model(md.tensor(x)).array
    expected = 2.0 * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3) + 0.5
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    _, _, moving_mean, moving_var = bn.get_weights()
    np.testing.assert_allclose(moving_mean, 0.01 * x.mean(0), rtol=1e-5)  # momentum 0.99
    np.testing.assert_allclose(moving_var, 0.99 + 0.01 * x.var(0), rtol=1e-5)  # biased, as Keras
    inference = model.predict(x)  # moving statistics
    np.testing.assert_allclose(
        inference, 2.0 * (x - moving_mean) / np.sqrt(moving_var + 1e-3) + 0.5, rtol=1e-4
    )
    assert model.count_params() == 20 and model.count_trainable_params() == 10


def test_batch_normalization_on_images_normalises_each_channel(rng):
    x = rng.normal(size=(8, 4, 4, 3)).astype(np.float32) * np.array([1.0, 5.0, 0.1], np.float32) + 7
    model = models.Sequential([layers.BatchNormalization(input_shape=(4, 4, 3))])
    model.train()
    y = model(md.tensor(x)).array
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(
        y.var(axis=(0, 1, 2)), x.var(axis=(0, 1, 2)) / (x.var(axis=(0, 1, 2)) + 1e-3), rtol=1e-3
    )


def test_an_mlp_with_batch_normalization_trains_and_summarises(capsys):
    md.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 8)).astype(np.float32) * 50 + 20  # badly scaled inputs
    y = (x[:, 0] > 20).astype(np.int64)
    # momentum 0.9: with 150 steps Keras's default 0.99 would leave the moving statistics mostly
    # at their initial (0, 1), in Keras as here
    model = models.Sequential(
        [
            layers.Dense(16, input_shape=(8,)),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=md.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(x, y, epochs=15, batch_size=40, verbose=0)
    assert history.history["accuracy"][-1] >= 0.95  # measured 0.978; evaluate 0.9925
    assert model.evaluate(x, y, verbose=0)[1] >= 0.95
    model.summary()
    text = capsys.readouterr().out
    assert "Total params: 242" in text and "Non-trainable params: 32" in text  # 144 + 4·16 + 34


def test_embedding_lookup_layout_and_a_model_that_learns_from_token_ids(rng):
    md.manual_seed(0)
    model = models.Sequential([layers.Embedding(20, 4, input_length=6)])
    (table,) = model.layers[0].get_weights()
    assert table.shape == (20, 4) and np.abs(table).max() <= 0.05
    tokens = rng.integers(0, 20, (3, 6))
    np.testing.assert_array_equal(model.predict(tokens), table[tokens])
    with pytest.raises(ValueError, match="index 20 is out of range"):
        model.predict(np.full((1, 6), 20))
    with pytest.raises(ValueError, match="integer indices"):
        model.predict(np.full((1, 6), 0.5))

    tokens = rng.integers(0, 20, (600, 10))
    labels = (tokens == 7).any(axis=1).astype(np.float32)  # does token 7 occur?
    classifier = models.Sequential(
        [layers.Embedding(20, 8, input_length=10), layers.Flatten(), layers.Dense(1, activation="sigmoid")]
    )
    classifier.compile(
        optimizer=md.keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"]
    )
    classifier.fit(tokens, labels, epochs=15, batch_size=32, verbose=0)
    assert classifier.evaluate(tokens, labels, verbose=0)[1] >= 0.95
