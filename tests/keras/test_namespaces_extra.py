"""The less central Keras 3 names: more keras.ops helpers (NumPy values, finite-difference
gradients), the extra activations and losses (against torch or their formulas), the loss-mean and
count metrics, R², Nadam/Adamax/Adadelta, model cloning and JSON, TerminateOnNaN."""

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.autograd.gradcheck import gradcheck
from mathdl.keras import activations, layers, losses, metrics, ops


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_more_ops_match_numpy_and_are_differentiable(rng):
    a = rng.standard_normal((3, 4))
    checks = [
        (ops.tril(a, -1), np.tril(a, -1)),
        (ops.triu(a, 1), np.triu(a, 1)),
        (ops.roll(a, 2, axis=1), np.roll(a, 2, axis=1)),
        (ops.roll(a, -1), np.roll(a, -1)),
        (ops.cumprod(a, axis=0), np.cumprod(a, axis=0)),
        (ops.trace(a), np.trace(a)),
        (ops.diag(a, 1), np.diag(a, 1)),
        (ops.diag(a[0], -1), np.diag(a[0], -1)),
        (ops.median(a, axis=1), np.median(a, axis=1)),
        (ops.median(a[:, :3], axis=1), np.median(a[:, :3], axis=1)),
        (
            ops.average(a, axis=1, weights=np.arange(1.0, 5.0)),
            np.average(a, axis=1, weights=np.arange(1.0, 5.0)),
        ),
        (ops.logaddexp(a, a[::-1]), np.logaddexp(a, a[::-1])),
        (ops.hstack([a, a]), np.hstack([a, a])),
        (ops.vstack([a, a]), np.vstack([a, a])),
        (ops.ravel(a), a.ravel()),
        (ops.append(a, a, axis=0), np.append(a, a, axis=0)),
        (ops.slice(a, (1, 0), (2, 3)), a[1:3, 0:3]),
        (ops.unstack(a)[2], a[2]),
        (ops.divide_no_nan(a, np.where(a > 0, a, 0.0)), np.where(a > 0, 1.0, 0.0)),
        (ops.multi_hot(np.array([[0, 2], [1, 1]]), 3), [[1, 0, 1], [0, 1, 0]]),
        (
            ops.in_top_k(np.array([1, 0, 3]), a, 2),
            [np.argsort(-r)[:2].tolist().count(t) > 0 for r, t in zip(a, [1, 0, 3])],
        ),
    ]
    for ours, expected in checks:
        np.testing.assert_allclose(
            np.asarray(ours.array, np.float64), np.asarray(expected, np.float64), rtol=1e-6, atol=1e-9
        )
    x = md.tensor(a, dtype=np.float64, requires_grad=True)
    for function in (
        lambda t: ops.cumprod(t, axis=1),
        lambda t: ops.roll(t, 1, axis=0),
        lambda t: ops.tril(t),
        lambda t: ops.trace(t),
        lambda t: ops.median(t, axis=1),
        lambda t: ops.logaddexp(t, 2.0 * t),
        lambda t: ops.diag(ops.ravel(t)[:3]),
    ):
        assert gradcheck(function, [x])


def test_extra_activations(torch, rng):
    x = rng.standard_normal((4, 6)) * 2
    t = torch.tensor(x)
    F = torch.nn.functional
    pairs = [
        (activations.celu(x), F.celu(t)),
        (activations.glu(x), F.glu(t, -1)),
        (activations.hard_tanh(x), F.hardtanh(t)),
        (activations.tanh_shrink(x), F.tanhshrink(t)),
        (activations.log_sigmoid(x), F.logsigmoid(t)),
        (activations.hard_shrink(x), F.hardshrink(t, 0.5)),
        (activations.soft_shrink(x), F.softshrink(t, 0.5)),
        (activations.threshold(x, 0.3, -1.0), F.threshold(t, 0.3, -1.0)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(activations.squareplus(x).array, (x + np.sqrt(x * x + 4)) / 2)
    expected = np.where(x >= 1, x, np.where(x <= -1, 0.0, (x + 1) ** 2 / 4))
    np.testing.assert_allclose(activations.sparse_plus(x).array, expected, atol=1e-12)


def test_extra_losses_follow_keras_formulas(torch, rng):
    y, p = rng.random((5, 3)) * 0.9 + 0.05, rng.random((5, 3)) * 0.9 + 0.05
    e = p - y
    expected = {
        "huber": np.where(np.abs(e) <= 1, 0.5 * e * e, np.abs(e) - 0.5).mean(-1),
        "kl_divergence": (y * np.log(y / p)).sum(-1),
        "poisson": (p - y * np.log(p + 1e-7)).mean(-1),
        "log_cosh": np.log(np.cosh(e)).mean(-1),
        "mean_absolute_percentage_error": 100 * np.abs((y - p) / y).mean(-1),
        "mean_squared_logarithmic_error": ((np.log1p(p) - np.log1p(y)) ** 2).mean(-1),
        "cosine_similarity": -(y * p).sum(-1) / np.linalg.norm(y, axis=-1) / np.linalg.norm(p, axis=-1),
    }
    for name, values in expected.items():
        np.testing.assert_allclose(getattr(losses, name)(y, p).array, values, rtol=1e-6, err_msg=name)
    labels = rng.integers(0, 2, (5, 3)).astype(np.float64)
    signed = 2 * labels - 1
    np.testing.assert_allclose(losses.hinge(labels, e).array, np.maximum(1 - signed * e, 0).mean(-1))
    np.testing.assert_allclose(
        losses.squared_hinge(labels, e).array, (np.maximum(1 - signed * e, 0) ** 2).mean(-1)
    )
    onehot = np.eye(3)[[0, 2, 1, 1, 0]]
    positive, negative = (onehot * e).sum(-1), ((1 - onehot) * e).max(-1)
    np.testing.assert_allclose(
        losses.categorical_hinge(onehot, e).array, np.maximum(negative - positive + 1, 0)
    )
    ours = losses.Huber(delta=0.3)(y, p).item()
    assert ours == pytest.approx(
        torch.nn.functional.huber_loss(torch.tensor(p), torch.tensor(y), delta=0.3).item() / 1.0
    )
    assert losses.KLDivergence()(y, p).item() == pytest.approx(expected["kl_divergence"].mean())
    config = losses.serialize(losses.Huber(delta=2.0))
    assert losses.deserialize(config).kwargs == {"delta": 2.0}


def test_loss_mean_count_and_r2_metrics(rng):
    y, p = rng.integers(0, 2, 20), rng.random(20)
    bce = metrics.BinaryCrossentropy()
    bce.update_state(y[:10], p[:10])
    bce.update_state(y[10:], p[10:])
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    assert float(bce.result()) == pytest.approx(expected, rel=1e-6)
    predicted = p > 0.5
    assert float(metrics.TruePositives()(y, p)) == np.sum(predicted & (y == 1))
    assert float(metrics.FalsePositives()(y, p)) == np.sum(predicted & (y == 0))
    assert float(metrics.TrueNegatives()(y, p)) == np.sum(~predicted & (y == 0))
    assert float(metrics.FalseNegatives()(y, p)) == np.sum(~predicted & (y == 1))
    targets, outputs = rng.standard_normal((30, 2)), rng.standard_normal((30, 2))
    r2 = metrics.R2Score()
    r2.update_state(targets[:12], outputs[:12])
    r2.update_state(targets[12:], outputs[12:])
    sklearn = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the R² reference")
    assert float(r2.result()) == pytest.approx(sklearn.r2_score(targets, outputs), rel=1e-10)


@pytest.mark.parametrize(
    "keras_name, torch_name, kwargs",
    [
        ("Adamax", "Adamax", {}),
        ("Nadam", "NAdam", {"momentum_decay": 0.004}),
        ("Adadelta", "Adadelta", {"rho": 0.95}),
    ],
)
def test_more_optimizers_follow_torch_with_keras_defaults(torch, rng, keras_name, torch_name, kwargs):
    w0 = rng.standard_normal(5)
    optimizer = getattr(keras.optimizers, keras_name)()
    w = keras.Variable(w0.copy(), name="w")
    t = torch.tensor(w0.copy(), requires_grad=True)
    reference = getattr(torch.optim, torch_name)([t], lr=optimizer.learning_rate, eps=1e-7, **kwargs)
    for step in range(4):
        grad = np.sin(np.arange(5.0) + step)
        optimizer.apply([md.tensor(grad)], [w])
        t.grad = torch.tensor(grad)
        reference.step()
    np.testing.assert_allclose(w.numpy(), t.detach().numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_clone_model_json_and_terminate_on_nan(rng):
    x = rng.standard_normal((8, 3)).astype(np.float32)
    md.manual_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)])
    clone = keras.models.clone_model(model)
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])  # fresh initialisation
    rebuilt = keras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_array_equal(rebuilt.predict(x), model.predict(x))
    model.compile(optimizer=keras.optimizers.SGD(1e30), loss="mse")
    y = np.full((8, 1), 1e30, np.float32)
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(history.history.get("loss", [])) < 5
