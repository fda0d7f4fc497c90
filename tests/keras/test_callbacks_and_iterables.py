"""keras.callbacks (ReduceLROnPlateau's rule, LearningRateScheduler, CSVLogger, EarlyStopping,
custom callbacks) and fit/evaluate/predict on loaders and generators (steps_per_epoch,
validation loaders, the one-pass generator error), plus the custom training loop API."""

import csv

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.data import DataLoader, TensorDataset
from mathdl.keras import layers


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    return x, (x @ np.array([1.0, -2.0, 0.5, 0.0]) > 0).astype(np.int64)


def model(lr=0.01):
    md.manual_seed(0)
    net = keras.Sequential(
        [keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2, activation="softmax")]
    )
    net.compile(
        optimizer=keras.optimizers.SGD(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return net


class Feed(keras.callbacks.Callback):
    """Replaces the logged val_loss by a scripted sequence (to drive the plateau rule)."""

    def __init__(self, values):
        self.values, self.seen_lr = list(values), []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


def test_reduce_lr_on_plateau_follows_keras_rule(data):
    x, y = data
    net = model(lr=0.1)
    values = [1.0, 0.9, 0.95, 0.9, 0.9, 0.9, 0.8, 0.85, 0.85, 0.85]
    plateau = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.02
    )
    rates = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: rates.append(logs["learning_rate"])
    )
    net.fit(x, y, epochs=10, verbose=0, callbacks=[Feed(values), plateau, record])
    # Keras's rule by hand: improvement means < best − 1e-4; after 2 bad epochs outside cooldown,
    # lr ← max(lr/2, 0.02), then one cooldown epoch in which waiting does not count.
    lr, best, wait, cooldown, expected = 0.1, np.inf, 0, 0, []
    for value in values:
        expected.append(lr)  # logged before the reduction of that epoch
        if cooldown > 0:
            cooldown, wait = cooldown - 1, 0
        if value < best - 1e-4:
            best, wait = value, 0
        elif cooldown <= 0:
            wait += 1
            if wait >= 2 and lr > 0.02:
                lr, cooldown, wait = max(lr * 0.5, 0.02), 1, 0
    assert rates == pytest.approx(expected)
    assert net.optimizer.learning_rate == pytest.approx(lr) and lr < 0.1


def test_learning_rate_scheduler_and_csv_logger(tmp_path, data):
    x, y = data
    net = model()
    seen = []
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
    spy = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(net.optimizer.learning_rate)
    )
    log = tmp_path / "log.csv"
    history = net.fit(
        x,
        y,
        epochs=3,
        verbose=0,
        validation_split=0.25,
        callbacks=[scheduler, spy, keras.callbacks.CSVLogger(log)],
    )
    assert seen == pytest.approx([0.1, 0.05, 0.025])
    rows = list(csv.reader(log.open()))
    assert rows[0] == ["epoch", "accuracy", "learning_rate", "loss", "val_accuracy", "val_loss"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    assert [float(r[2]) for r in rows[1:]] == pytest.approx([0.1, 0.05, 0.025])
    assert [float(r[3]) for r in rows[1:]] == pytest.approx(history.history["loss"])
    net.fit(
        x,
        y,
        epochs=1,
        verbose=0,
        validation_split=0.25,
        callbacks=[keras.callbacks.CSVLogger(log, append=True)],
    )
    assert len(list(csv.reader(log.open()))) == 5
    net.fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[keras.callbacks.CSVLogger(log)])
    assert len(list(csv.reader(log.open()))) == 2  # append=False (Keras's default) starts over


def test_early_stopping_and_custom_callback_stop_training(data):
    x, y = data
    net = model()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    history = net.fit(
        x, y, epochs=20, verbose=0, callbacks=[Feed([1.0, 0.5, 0.7, 0.8] + [1.0] * 16), stopper]
    )
    assert len(history.history["loss"]) == 3 and stopper.best_epoch == 1

    class StopAtTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            assert self.params["epochs"] == 9 and self.model is net
            if epoch == 1:
                self.model.stop_training = True

    assert len(net.fit(x, y, epochs=9, verbose=0, callbacks=[StopAtTwo()]).history["loss"]) == 2


def test_fit_on_loader_generator_and_steps(data):
    x, y = data
    net = model(lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    history = net.fit(
        loader, epochs=2, verbose=0, validation_data=DataLoader(TensorDataset(x, y), batch_size=32)
    )
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["val_loss"][-1] == pytest.approx(net.evaluate(x, y, verbose=0)[0], rel=1e-6)
    batches = []

    def generator():
        start = 0
        while True:
            batches.append(start)
            yield x[start : start + 8], y[start : start + 8]
            start = (start + 8) % 64

    net.fit(generator(), steps_per_epoch=3, epochs=2, verbose=0)
    assert batches == [0, 8, 16, 24, 32, 40]  # one iterator continued across epochs
    with pytest.raises(ValueError, match="steps_per_epoch"):
        net.fit((b for b in [(x, y)]), epochs=2, verbose=0)
    finite = iter([(x[:8], y[:8]), (x[8:16], y[8:16])])
    with pytest.raises(ValueError, match="ran out of data"):
        net.fit(finite, steps_per_epoch=2, epochs=2, verbose=0)
    assert net.fit(loader, steps_per_epoch=6, epochs=1, verbose=0).history["loss"]  # loader restarts
    assert net.predict(DataLoader(TensorDataset(x, y), batch_size=10)).shape == (64, 2)
    assert net.evaluate(loader, verbose=0)[1] == pytest.approx(net.evaluate(x, y, verbose=0)[1])
    unbuilt = keras.Sequential([layers.Dense(3), layers.Dense(2, activation="softmax")])
    unbuilt.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    unbuilt.fit(generator(), steps_per_epoch=2, epochs=1, verbose=0)  # built from the first batch
    assert unbuilt.built and unbuilt.count_params() == 4 * 3 + 3 + 3 * 2 + 2


def test_custom_training_loop_with_mathdl_autograd(data):
    x, y = data
    md.manual_seed(0)
    net = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2)])
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accuracy = keras.metrics.SparseCategoricalAccuracy()
    before = loss_fn(y, net(x)).item()
    for _ in range(30):
        logits = net(x, training=True)
        loss = loss_fn(y, logits)
        grads = md.grad(loss, net.trainable_weights)
        optimizer.apply(grads, net.trainable_weights)
        accuracy.update_state(y, logits)
    assert loss_fn(y, net(x)).item() < 0.5 * before and float(accuracy.result()) > 0.6
    assert optimizer.iterations == 30
    kernel = net.layers[0].kernel
    grad = md.grad(loss_fn(y, net(x)), [kernel])[0]
    expected = kernel.numpy() - 0.5 * grad.numpy()
    optimizer.apply_gradients([(grad, kernel)])
    np.testing.assert_allclose(kernel.numpy(), expected, rtol=1e-6)
