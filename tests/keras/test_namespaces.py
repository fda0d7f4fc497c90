"""keras.ops, keras.activations, keras.initializers and keras.random against NumPy/PyTorch
formulas (values and gradients), keras.metrics against their definitions (AUC against scikit-learn
and the exact area), and the epoch values fit reports for stateful metrics."""

import math

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.autograd.gradcheck import gradcheck
from mathdl.keras import activations, initializers, ops
from mathdl.keras import random as keras_random


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def f64(a):
    return md.tensor(a, dtype=np.float64, requires_grad=True)


def test_ops_values_match_numpy(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    checks = [
        (ops.matmul(a, b), a @ b),
        (ops.add(a, 1.0), a + 1),
        (ops.mean(a, axis=1), a.mean(1)),
        (ops.sum(a, axis=(0, 1)), a.sum()),
        (ops.max(a, axis=0, keepdims=True), a.max(0, keepdims=True)),
        (ops.var(a, axis=1), a.var(1)),
        (ops.std(a), a.std()),
        (ops.reshape(a, (2, 6)), a.reshape(2, 6)),
        (ops.transpose(a), a.T),
        (ops.concatenate([a, a], axis=1), np.concatenate([a, a], 1)),
        (ops.stack([a, a]), np.stack([a, a])),
        (ops.expand_dims(a, 0), a[None]),
        (ops.squeeze(a[None], 0), a),
        (ops.cumsum(a, axis=1), np.cumsum(a, 1)),
        (ops.prod(a, axis=0), np.prod(a, 0)),
        (ops.tile(a, (2, 1)), np.tile(a, (2, 1))),
        (ops.repeat(a, 2, axis=1), np.repeat(a, 2, 1)),
        (ops.flip(a, 1), a[:, ::-1]),
        (ops.sort(a, axis=-1), np.sort(a, -1)),
        (ops.take(a, [2, 0], axis=1), a[:, [2, 0]]),
        (ops.take_along_axis(a, np.argsort(a, 1), 1), np.sort(a, 1)),
        (ops.norm(a, axis=1), np.linalg.norm(a, axis=1)),
        (ops.logsumexp(a, axis=1), np.log(np.exp(a).sum(1))),
        (ops.where(a > 0, a, 0.0), np.where(a > 0, a, 0.0)),
        (ops.clip(a, -0.5, 0.5), np.clip(a, -0.5, 0.5)),
        (ops.einsum("ij,jk->ik", a, b), a @ b),
        (ops.tensordot(a, b, axes=1), np.tensordot(a, b, axes=1)),
        (ops.outer(a[0], b[:, 0]), np.outer(a[0], b[:, 0])),
        (ops.split(a, 2, axis=1)[1], a[:, 2:]),
        (ops.moveaxis(a[None], 0, -1), np.moveaxis(a[None], 0, -1)),
        (ops.one_hot(np.array([0, 2]), 3), np.eye(3)[[0, 2]]),
        (ops.softmax(a), np.exp(a) / np.exp(a).sum(-1, keepdims=True)),
        (ops.argmax(a, axis=1), a.argmax(1)),
        (ops.top_k(a, 2)[0], -np.sort(-a, 1)[:, :2]),
    ]
    for ours, expected in checks:
        np.testing.assert_allclose(np.asarray(ours.array, dtype=np.float64), expected, rtol=1e-5, atol=1e-6)
    assert ops.shape(a) == (3, 4) and ops.convert_to_numpy(ops.ones((2,))).tolist() == [1.0, 1.0]
    assert ops.arange(3).dtype.kind == "i" and ops.cast(a, "float32").dtype == np.float32


def test_ops_are_differentiable(rng):
    a = rng.standard_normal((3, 4))
    for function in (
        lambda t: ops.cumsum(t, axis=1),
        lambda t: ops.prod(t, axis=1),
        lambda t: ops.norm(t, axis=0),
        lambda t: ops.sort(t, axis=1),
        lambda t: ops.tile(t, (1, 2)),
        lambda t: ops.repeat(t, 3, axis=0),
        lambda t: ops.std(t, axis=1),
        lambda t: ops.categorical_crossentropy(np.eye(4)[[0, 1, 2]], t, from_logits=True),
        lambda t: ops.binary_crossentropy(np.ones((3, 4)), ops.sigmoid(t)),
        lambda t: ops.moments(t, axes=[0])[1],
        lambda t: ops.normalize(t),
    ):
        assert gradcheck(function, [f64(a)])


def test_ops_losses_match_torch(torch, rng):
    logits, labels = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    ours = ops.sparse_categorical_crossentropy(labels, logits, from_logits=True).array
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels), reduction="none")
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10)
    target = rng.random((5, 4))
    ours = ops.binary_crossentropy(target, logits, from_logits=True).array
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(logits), torch.tensor(target), reduction="none"
    )
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)
    mean, variance = ops.moments(logits, axes=[0])
    np.testing.assert_allclose(variance.array, logits.var(0))


@pytest.mark.parametrize(
    "name, reference",
    [
        ("relu", lambda t, F: F.relu(t)),
        ("sigmoid", lambda t, F: torch_sigmoid(t)),
        ("tanh", lambda t, F: t.tanh()),
        ("softplus", lambda t, F: F.softplus(t)),
        ("softsign", lambda t, F: F.softsign(t)),
        ("elu", lambda t, F: F.elu(t)),
        ("selu", lambda t, F: F.selu(t)),
        ("gelu", lambda t, F: F.gelu(t)),
        ("silu", lambda t, F: F.silu(t)),
        ("leaky_relu", lambda t, F: F.leaky_relu(t, 0.2)),  # Keras's default slope is 0.2
        ("hard_sigmoid", lambda t, F: F.relu6(t + 3) / 6),
        ("relu6", lambda t, F: F.relu6(t)),
        ("mish", lambda t, F: F.mish(t)),
        ("log_softmax", lambda t, F: F.log_softmax(t, -1)),
        ("exponential", lambda t, F: t.exp()),
    ],
)
def test_activations_match_torch_values_and_gradients(torch, rng, name, reference):
    from torch_oracle import compare_with_torch

    x = rng.standard_normal((3, 5)) * 3
    compare_with_torch(
        torch, activations.get(name), lambda t: reference(t, torch.nn.functional), [x], rtol=1e-9, atol=1e-12
    )


def torch_sigmoid(t):
    return t.sigmoid()


def test_relu_options_follow_keras_formula(rng):
    x = np.array([-3.0, -1.0, 0.5, 2.0, 9.0])
    y = activations.relu(x, negative_slope=0.1, max_value=6.0, threshold=1.0).array
    np.testing.assert_allclose(y, [0.1 * (-3 - 1), 0.1 * (-1 - 1), 0.1 * (0.5 - 1), 2.0, 6.0], rtol=1e-6)
    with pytest.raises(ValueError, match="unknown activation"):
        activations.get("swoosh")


def test_initializers_follow_keras_variance_rules_and_seeds():
    md.manual_seed(0)
    shape = (3, 3, 40, 60)  # a Conv2D kernel: receptive field 9
    fan_in, fan_out = 9 * 40, 9 * 60
    glorot = initializers.GlorotUniform()(shape)
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(glorot).max() <= limit and abs(glorot.var() - limit**2 / 3) < 0.03 * limit**2
    he = initializers.HeNormal()(shape)
    assert np.abs(he).max() <= 2 * math.sqrt(2 / fan_in) / 0.87962566103423978 + 1e-9
    assert abs(he.std() - math.sqrt(2 / fan_in)) < 0.03 * math.sqrt(2 / fan_in)
    lecun = initializers.LecunUniform()((500, 10))
    assert abs(lecun.var() - 1 / 500) < 0.05 / 500
    q = initializers.Orthogonal()((6, 4))
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-6)
    np.testing.assert_array_equal(
        initializers.RandomNormal(seed=3)((4,)), initializers.RandomNormal(seed=3)((4,))
    )
    np.testing.assert_array_equal(initializers.Constant(2.0)((2,)), [2.0, 2.0])
    assert initializers.get("he_uniform").get_config() == {"seed": None}
    assert isinstance(
        initializers.get({"class_name": "Orthogonal", "config": {"gain": 2.0}}), initializers.Orthogonal
    )
    with pytest.raises(ValueError, match="unknown kernel_initializer 'glorot_uniformm'"):
        keras.layers.Dense(2, kernel_initializer="glorot_uniformm")


def test_random_is_seeded_like_keras():
    a = keras_random.normal((3,), seed=5).array
    np.testing.assert_array_equal(a, keras_random.normal((3,), seed=5).array)  # int seed: same values
    generator = keras_random.SeedGenerator(7)
    first, second = keras_random.uniform((3,), seed=generator), keras_random.uniform((3,), seed=generator)
    assert not np.array_equal(first.array, second.array)
    again = keras_random.SeedGenerator(7)
    np.testing.assert_array_equal(keras_random.uniform((3,), seed=again).array, first.array)
    md.manual_seed(1)
    x = keras_random.randint((1000,), 0, 4).array
    assert set(np.unique(x)) == {0, 1, 2, 3}
    md.manual_seed(1)
    np.testing.assert_array_equal(keras_random.randint((1000,), 0, 4).array, x)
    draws = keras_random.categorical(np.log([[0.2, 0.8]]), 4000, seed=0).array
    assert abs(draws.mean() - 0.8) < 0.03
    kept = keras_random.dropout(np.ones((100, 100)), 0.3, seed=0).array
    assert set(np.unique(kept).round(6)) == {0.0, round(1 / 0.7, 6)} and abs((kept == 0).mean() - 0.3) < 0.02
    truncated = keras_random.truncated_normal((10000,), stddev=2.0, seed=0).array
    assert np.abs(truncated).max() <= 4.0


def test_metrics_follow_their_definitions():
    y_true, scores = (
        np.array([0, 2, 1, 1]),
        np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1], [0.2, 0.7, 0.1]]),
    )
    assert float(keras.metrics.SparseCategoricalAccuracy()(y_true, scores)) == 0.75
    assert float(keras.metrics.CategoricalAccuracy()(np.eye(3)[y_true], scores)) == 0.75
    assert float(keras.metrics.Accuracy()([1, 2, 3, 4], [1, 2, 0, 4])) == 0.75
    assert float(keras.metrics.BinaryAccuracy()([1, 0, 1], [0.9, 0.6, 0.2])) == pytest.approx(1 / 3)
    assert float(keras.metrics.SparseTopKCategoricalAccuracy(k=2)(y_true, scores)) == 1.0
    mean = keras.metrics.Mean()
    mean.update_state([1.0, 2.0])
    mean.update_state([6.0])
    assert float(mean.result()) == 3.0
    mean.reset_state()
    assert float(mean.result()) == 0.0
    rmse = keras.metrics.RootMeanSquaredError()
    assert float(rmse([0.0, 0.0], [3.0, 4.0])) == pytest.approx(math.sqrt(12.5))
    precision, recall = keras.metrics.Precision(), keras.metrics.Recall()
    assert float(precision([1, 0, 1, 1], [0.9, 0.8, 0.2, 0.7])) == pytest.approx(2 / 3)
    assert float(recall([1, 0, 1, 1], [0.9, 0.8, 0.2, 0.7])) == pytest.approx(2 / 3)


def test_auc_matches_exact_area_and_sklearn(rng):
    metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the AUC reference")
    labels = rng.integers(0, 2, 500)
    scores = np.clip(0.3 * labels + rng.random(500) * 0.7, 0, 1)
    auc = keras.metrics.AUC(num_thresholds=2001)
    auc.update_state(labels[:200], scores[:200])
    auc.update_state(labels[200:], scores[200:])  # state accumulates over batches
    assert float(auc.result()) == pytest.approx(metrics.roc_auc_score(labels, scores), abs=2e-3)
    pr = keras.metrics.AUC(num_thresholds=2001, curve="PR")
    pr.update_state(labels, scores)
    assert float(pr.result()) == pytest.approx(metrics.average_precision_score(labels, scores), abs=0.02)
    # with the default 200 thresholds, Keras's bucketed trapezoid: checked on well-separated scores
    exact = keras.metrics.AUC()
    exact.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert float(exact.result()) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="same number of entries"):
        keras.metrics.AUC().update_state([0, 1], [[0.2, 0.8], [0.1, 0.9]])


def test_fit_reports_stateful_metrics_over_the_whole_epoch(rng):
    x = rng.standard_normal((90, 3)).astype(np.float32)
    y = (x[:, 0] + 0.5 * rng.standard_normal(90) > 0).astype(np.float32)
    md.manual_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    auc = keras.metrics.AUC(num_thresholds=50, name="auc")
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy", metrics=[auc, "accuracy"])
    history = model.fit(
        x, y, batch_size=32, epochs=2, shuffle=False, verbose=0, validation_data=(x[:40], y[:40])
    )
    p = model.predict(x)
    reference = keras.metrics.AUC(num_thresholds=50)
    reference.update_state(y, p)
    # lr 0: the weights never move, so the epoch's AUC over 3 batches is the AUC of all 90 samples,
    # not the mean of the three batch AUCs
    assert history.history["auc"] == pytest.approx([float(reference.result())] * 2, abs=1e-9)
    reference.reset_state()
    reference.update_state(y[:40], p[:40])
    assert history.history["val_auc"][0] == pytest.approx(float(reference.result()), abs=1e-9)
    assert history.history["accuracy"][0] == pytest.approx(np.mean((p[:, 0] > 0.5) == y))
    loss, auc_value, accuracy = model.evaluate(x, y, verbose=0)
    assert auc_value == pytest.approx(history.history["auc"][0], abs=1e-9)
