"""Keras losses against their formulas, and the fused softmax/sigmoid training path."""

import numpy as np
import pytest

import mathdl as md
from mathdl.keras import layers, losses, models, optimizers, training
from mathdl.keras.utils import to_categorical


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture
def batch(rng):
    logits = rng.normal(size=(6, 4))
    labels = rng.integers(0, 4, 6)
    return logits, labels


def test_categorical_and_sparse_crossentropy_match_the_formula(batch):
    logits, labels = batch
    p = _softmax(logits)
    expected = -np.log(p[np.arange(6), labels]).mean()
    onehot = to_categorical(labels, 4).astype(np.float64)
    assert losses.CategoricalCrossentropy()(md.tensor(onehot), md.tensor(p)).item() == pytest.approx(expected)
    assert losses.CategoricalCrossentropy(from_logits=True)(
        md.tensor(onehot), md.tensor(logits)
    ).item() == pytest.approx(expected)
    assert losses.SparseCategoricalCrossentropy()(md.tensor(labels), md.tensor(p)).item() == pytest.approx(
        expected
    )
    assert losses.get("sparse_categorical_crossentropy").compute(
        md.tensor(logits), md.tensor(labels), True
    ).item() == pytest.approx(expected)


def test_binary_crossentropy_and_mse_match_the_formula(rng):
    z = rng.normal(size=(8, 1))
    y = rng.integers(0, 2, (8, 1)).astype(np.float64)
    p = 1 / (1 + np.exp(-z))
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    assert losses.BinaryCrossentropy()(md.tensor(y), md.tensor(p)).item() == pytest.approx(expected)
    assert losses.BinaryCrossentropy(from_logits=True)(
        md.tensor(y[:, 0]), md.tensor(z)
    ).item() == pytest.approx(expected)
    assert losses.get("mse")(md.tensor(y), md.tensor(z)).item() == pytest.approx(((y - z) ** 2).mean())
    assert losses.get("mae")(md.tensor(y), md.tensor(z)).item() == pytest.approx(np.abs(y - z).mean())


def test_probability_losses_clip_like_keras():
    y = md.tensor(np.array([[1.0, 0.0]]))
    p = md.tensor(np.array([[0.0, 1.0]]))
    assert losses.CategoricalCrossentropy()(y, p).item() == pytest.approx(-np.log(1e-7), rel=1e-6)


def test_mismatched_targets_explain_the_fix():
    p = md.tensor(np.full((3, 10), 0.1))
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(md.tensor(np.array([1, 2, 3])), p)
    with pytest.raises(ValueError, match=r"label value of 10 which is outside the valid range of \[0, 9\]"):
        losses.SparseCategoricalCrossentropy()(md.tensor(np.array([1, 2, 10])), p)
    with pytest.raises(ValueError, match="known losses"):
        losses.get("hinge_loss_deluxe")


def test_softmax_output_trains_through_the_fused_log_softmax(rng):
    """Logits so large that softmax rounds to exactly 0 and 1: log(softmax) would give the clipped
    −log(1e-7) ≈ 16.1 and a zero gradient; the fused path gives the exact loss ≈ 500 and p − y."""
    md.manual_seed(0)
    model = models.Sequential([layers.Dense(2, activation="softmax", input_shape=(1,))])
    model.set_weights([np.array([[1000.0, -1000.0]], np.float32), np.zeros(2, np.float32)])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x = np.full((4, 1), 0.25, np.float32)
    y = to_categorical(np.ones(4, int), 2)
    assert training.Run(model).fused
    loss = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(500.0, rel=1e-5)
    logits = model(md.tensor(x), logits=True)
    assert np.allclose(logits.array, [[250.0, -250.0]] * 4)
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert history.history["loss"][0] == pytest.approx(500.0, rel=1e-5)
    kernel, _ = model.get_weights()
    # dL/dW = mean over the batch of x (p − y) = 0.25 · (1, −1); SGD lr 0.01
    np.testing.assert_allclose(kernel, [[1000.0 - 0.0025, -1000.0 + 0.0025]], rtol=0, atol=1e-4)
    assert np.allclose(model.predict(x), [[1.0, 0.0]] * 4)


def test_sigmoid_output_with_binary_crossentropy_is_fused_and_uses_probability_accuracy(rng):
    md.manual_seed(0)
    x = rng.normal(size=(200, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    assert training.Run(model).fused
    model.compile(optimizer=optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, batch_size=50, verbose=0)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy >= 0.95 and history.history["accuracy"][-1] >= 0.9
    predictions = model.predict(x)
    assert predictions.min() >= 0 and predictions.max() <= 1
    assert np.mean((predictions[:, 0] > 0.5) == (y > 0.5)) == pytest.approx(accuracy)


def test_one_hot_targets_take_the_integer_path_with_the_same_loss_and_gradient(batch):
    logits, labels = batch
    loss = losses.CategoricalCrossentropy(from_logits=True)
    onehot = to_categorical(labels, 4)
    prepared = loss.prepare_targets(onehot)
    assert prepared.dtype == np.int64 and np.array_equal(prepared, labels)
    soft = np.array([[0.5, 0.5, 0.0, 0.0]] * 6, np.float32)
    assert loss.prepare_targets(soft).shape == (6, 4)  # not one-hot: kept
    assert losses.CategoricalCrossentropy(label_smoothing=0.1).prepare_targets(onehot).shape == (6, 4)
    z1 = md.tensor(logits.astype(np.float32), requires_grad=True)
    z2 = md.tensor(logits.astype(np.float32), requires_grad=True)
    a = loss.compute(z1, md.tensor(prepared), True)
    b = loss.compute(z2, md.tensor(onehot), True)
    a.backward()
    b.backward()
    assert a.item() == pytest.approx(b.item(), rel=1e-6)
    np.testing.assert_allclose(z1.grad.array, z2.grad.array, rtol=1e-5, atol=1e-7)
    p = md.tensor(_softmax(logits))
    assert loss.compute(p, md.tensor(prepared), False).item() == pytest.approx(
        losses.CategoricalCrossentropy()(md.tensor(onehot.astype(np.float64)), p).item(), rel=1e-6
    )
