"""Sequential's compile/fit/evaluate/predict contract (Keras's semantics)."""

import contextlib
import io

import numpy as np
import pytest

import mathdl as md
from mathdl.keras import callbacks, layers, models


def data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0).astype(np.int64) + 2 * (x[:, 2] > 0)
    return x, y


def model(**compile_args):
    md.manual_seed(0)
    net = models.Sequential(
        [layers.Dense(16, activation="relu", input_shape=(6,)), layers.Dense(4, activation="softmax")]
    )
    net.compile(
        **{
            "optimizer": "adam",
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
            **compile_args,
        }
    )
    return net


def test_validation_split_takes_the_last_samples_before_shuffling():
    x, y = data()
    net = model()
    history = net.fit(x, y, epochs=2, batch_size=32, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    loss, accuracy = net.evaluate(x[-60:], y[-60:], verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(loss, rel=1e-5)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy)
    assert history.params["steps"] == 6  # 180 training samples / 32, rounded up


def test_fit_continues_training_and_initial_epoch_counts_epochs():
    x, y = data()
    net = model()
    first = net.fit(x, y, epochs=3, verbose=0)
    second = net.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert first.epoch == [0, 1, 2] and second.epoch == [3, 4]
    assert second.history["loss"][-1] < first.history["loss"][0]
    assert net.history is second


def test_keras_style_callbacks_stop_training_and_see_the_model():
    x, y = data()
    net = model()
    epochs_seen = []

    class StopAtTwo(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            epochs_seen.append((epoch, sorted(logs), self.model is net))
            if epoch == 1:
                self.model.stop_training = True

    history = net.fit(x, y, epochs=10, verbose=0, callbacks=[StopAtTwo()])
    assert len(history.history["loss"]) == 2
    assert epochs_seen == [(0, ["accuracy", "loss"], True), (1, ["accuracy", "loss"], True)]
    stopper = callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    assert len(net.fit(x, y, epochs=10, verbose=0, callbacks=[stopper]).history["loss"]) == 2


def test_evaluate_return_forms_and_verbose_output():
    x, y = data()
    net = model()
    loss, accuracy = net.evaluate(x, y, verbose=0)
    assert net.evaluate(x, y, verbose=0, return_dict=True) == {"loss": loss, "accuracy": accuracy}
    assert 0.0 <= accuracy <= 1.0
    plain = model(metrics=None)
    assert plain.evaluate(x, y, verbose=0) == pytest.approx(
        plain.evaluate(x, y, verbose=0, batch_size=7), rel=1e-5
    )
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        net.fit(x, y, epochs=2, verbose=1)
    assert stream.getvalue().count("\n") == 2 and "\r" not in stream.getvalue()  # not a terminal


def test_misuse_is_reported_clearly():
    x, y = data()
    net = models.Sequential([layers.Dense(4, activation="softmax", input_shape=(6,))])
    with pytest.raises(RuntimeError, match="compile"):
        net.fit(x, y)
    with pytest.raises(ValueError, match="a loss is required"):
        net.compile(optimizer="adam")
    with pytest.raises(ValueError, match="unknown optimizer"):
        net.compile(optimizer="adamx", loss="mse")
    with pytest.raises(ValueError, match="unknown metric"):
        net.compile(optimizer="adam", loss="mse", metrics=["f1"])
    net.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Data cardinality is ambiguous: x sizes: 240, y sizes: 100"):
        net.fit(x, y[:100])
    with pytest.raises(ValueError, match="validation_split"):
        net.fit(x, y, validation_split=1.5)
    with pytest.raises(TypeError, match="class_weight"):
        net.fit(x, y, class_weight={0: 1.0})
    with pytest.raises(ValueError, match=r"expected shape \(None, 6\), found \(None, 5\)"):
        net.fit(x[:, :5], y)


def test_regression_with_mse_and_mae_metric():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3
    md.manual_seed(0)
    net = models.Sequential([layers.Dense(1, input_dim=3)])
    net.compile(optimizer=md.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = net.fit(x, y, epochs=20, batch_size=30, verbose=0)
    assert history.history["loss"][-1] < 1e-3 and history.history["mae"][-1] < 0.03
    kernel, bias = net.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [1.0, -2.0, 0.5], atol=0.02)
    np.testing.assert_allclose(bias, [0.3], atol=0.02)


def test_save_and_load_weights(tmp_path):
    x, y = data()
    net = model()
    net.fit(x, y, epochs=1, verbose=0)
    net.save_weights(tmp_path / "weights.npz")
    other = model()
    assert not np.allclose(other.predict(x), net.predict(x))
    other.load_weights(tmp_path / "weights.npz")
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


def test_get_layer_and_pop():
    net = model()
    first = net.layers[0]
    assert net.get_layer(first.name) is first and net.get_layer(index=-1) is net.layers[1]
    with pytest.raises(ValueError, match="No such layer"):
        net.get_layer("nothing")
    assert net.pop() is not first and len(net.layers) == 1
    assert list(net.state_dict()) == ["0.kernel", "0.bias"]  # Keras layout, Keras names


def test_a_model_nests_as_a_layer_like_the_tf_tutorials_probability_model():
    x, y = data()
    md.manual_seed(0)
    logits_model = models.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)), layers.Dense(4)])
    probability_model = models.Sequential([logits_model, layers.Softmax()])
    assert probability_model.output_shape == (None, 4)
    logits = logits_model.predict(x)
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probability_model.predict(x), expected, rtol=1e-5)
    assert probability_model.count_params() == logits_model.count_params() == 6 * 8 + 8 + 8 * 4 + 4
    with pytest.raises(ValueError, match=r"expected shape \(None, 6\), found \(None, 3\)"):
        probability_model.predict(x[:, :3])


def test_a_frozen_layer_is_not_updated_and_counts_as_non_trainable(capsys):
    x, y = data()
    net = model()
    net.fit(x, y, epochs=1, verbose=0)
    net.layers[0].trainable = False
    frozen, head = net.layers[0].get_weights()[0].copy(), net.layers[1].get_weights()[0].copy()
    net.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(net.layers[0].get_weights()[0], frozen)
    assert not np.array_equal(net.layers[1].get_weights()[0], head)
    net.summary()
    assert "Trainable params: 68" in capsys.readouterr().out  # 16 · 4 + 4
    net.layers[1].trainable = False
    with pytest.raises(ValueError, match="no trainable weights"):
        net.fit(x, y, epochs=1, verbose=0)
