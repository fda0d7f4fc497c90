"""model.save / keras.saving.load_model round trips (Sequential, functional, registered subclassed
models and custom layers), the file's contents (a zip of JSON and npz, no pickle), compile settings
restored, weights files, overwrite rules, atomic writes and clear errors for foreign files."""

import json
import zipfile

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.keras import layers


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 5)).astype(np.float32), rng.integers(0, 3, 32)


def trained(model, x, y):
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseCategoricalAccuracy(name="sca")],
    )
    model.fit(x, y, epochs=1, verbose=0)
    return model


def assert_same(a, b, x):
    np.testing.assert_array_equal(a.predict(x), b.predict(x))
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)


@keras.saving.register_keras_serializable(package="tests")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.alpha = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="alpha")

    def call(self, inputs):
        return inputs * self.alpha * self.factor


@keras.saving.register_keras_serializable(package="tests")
class Classifier(keras.Model):
    def __init__(self, hidden=7, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.scale = Scale(0.5)
        self.dense = layers.Dense(hidden, activation="relu")
        self.norm = layers.BatchNormalization()
        self.out = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=None):
        return self.out(self.norm(self.dense(self.scale(inputs)), training=training))


def test_sequential_round_trip_with_compile_settings(tmp_path, data):
    x, y = data
    md.manual_seed(0)
    model = trained(
        keras.Sequential(
            [keras.Input((5,)), layers.Dense(4, activation="relu"), layers.Dense(3, activation="softmax")]
        ),
        x,
        y,
    )
    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "config.json",
            "metadata.json",
            "model.weights.npz",
            "optimizer.npz",
        ]
        assert "not Keras's own" in json.loads(archive.read("metadata.json"))["note"]
        config = json.loads(archive.read("config.json"))
    assert (
        config["class_name"] == "Sequential"
        and config["compile_config"]["loss"]["class_name"] == "SparseCategoricalCrossentropy"
    )
    loaded = keras.saving.load_model(path)
    assert_same(model, loaded, x)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    assert loaded.optimizer.learning_rate == pytest.approx(1e-3)
    loaded.fit(x, y, epochs=1, verbose=0)  # compiled again, trainable at once


def test_functional_round_trip_with_shared_layers_and_int_inputs(tmp_path, data):
    x, y = data
    md.manual_seed(0)
    ids = keras.Input((3,), dtype="int32", name="ids")
    values = keras.Input((5,), name="values")
    shared = layers.Dense(4, name="shared")
    z = layers.Concatenate()(
        [shared(values), shared(layers.Rescaling(0.5)(values)), layers.Flatten()(layers.Embedding(9, 2)(ids))]
    )
    model = keras.Model([ids, values], [layers.Dense(3, name="head")(z), layers.Dense(1, name="aux")(z)])
    path = tmp_path / "functional.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    tokens = np.random.default_rng(1).integers(0, 9, (32, 3))
    for a, b in zip(model.predict([tokens, x]), loaded.predict([tokens, x])):
        np.testing.assert_array_equal(a, b)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert len(loaded.get_layer("shared")._inbound_nodes) == 2


def test_registered_subclassed_model_round_trip_and_unregistered_error(tmp_path, data):
    x, y = data
    md.manual_seed(0)
    model = trained(Classifier(hidden=6), x, y)
    assert model.get_config()["hidden"] == 6  # captured from __init__, as Keras 3 does
    path = tmp_path / "subclassed.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, Classifier) and loaded.hidden == 6 and loaded.scale.factor == 0.5
    assert_same(model, loaded, x)  # BatchNormalization's moving statistics included

    class Unregistered(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    plain = Unregistered()
    plain(x)
    with pytest.raises(ValueError, match="register_keras_serializable"):
        plain.save(tmp_path / "plain.keras")


def test_save_rules_overwrite_and_atomic_write(tmp_path, data, monkeypatch):
    x, _ = data
    model = keras.Sequential([keras.Input((5,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "model.h5")
    path = tmp_path / "model.keras"
    model.save(path)
    first = path.read_bytes()
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    model.layers[0].set_weights([np.ones((5, 2)), np.zeros(2)])
    model.save(path)  # Keras overwrites by default
    assert path.read_bytes() != first
    kept = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == kept  # the failed write left the old file whole
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]  # no temporary left behind


def test_weights_files_and_mismatch_errors(tmp_path, data):
    x, _ = data
    md.manual_seed(0)
    model = keras.Sequential(
        [keras.Input((5,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(2)]
    )
    path = tmp_path / "ckpt.weights.h5"  # Keras's name; the content is mathdl's npz
    model.save_weights(path)
    other = keras.Sequential(
        [keras.Input((5,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(2)]
    )
    other.load_weights(path)
    assert_same(model, other, x)
    with pytest.raises(FileExistsError):
        model.save_weights(path, overwrite=False)
    wrong = keras.Sequential(
        [keras.Input((5,)), layers.Dense(3), layers.BatchNormalization(), layers.Dense(2)]
    )
    with pytest.raises(ValueError, match="has shape"):
        wrong.load_weights(path)
    fewer = keras.Sequential([keras.Input((5,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="holds 8 weights, the model has 2"):
        fewer.load_weights(path)
    model.save(tmp_path / "whole.keras")
    fewer_free = keras.Sequential(
        [keras.Input((5,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(2)]
    )
    fewer_free.load_weights(tmp_path / "whole.keras")
    assert_same(model, fewer_free, x)


def test_foreign_files_are_refused_with_a_reason(tmp_path):
    keras_made = tmp_path / "from_keras.keras"
    with zipfile.ZipFile(keras_made, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", b"\x89HDF")
    with pytest.raises(ValueError, match="HDF5.*not Keras's"):
        keras.saving.load_model(keras_made)
    text = tmp_path / "notes.keras"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a zip"):
        keras.saving.load_model(text)
    with pytest.raises(FileNotFoundError):
        keras.saving.load_model(tmp_path / "missing.keras")


def test_model_checkpoint_writes_a_loadable_model(tmp_path, data):
    x, y = data
    md.manual_seed(0)
    model = trained(keras.Sequential([keras.Input((5,)), layers.Dense(3, activation="softmax")]), x, y)
    checkpoint = keras.callbacks.ModelCheckpoint(
        tmp_path / "best-{epoch:02d}.keras", monitor="loss", save_best_only=True
    )
    model.fit(x, y, epochs=3, verbose=0, callbacks=[checkpoint])
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written and written[-1] == "best-03.keras"  # the loss fell every epoch
    loaded = keras.saving.load_model(tmp_path / written[-1])
    assert_same(model, loaded, x)
    weights_only = keras.callbacks.ModelCheckpoint(tmp_path / "w.weights.h5", save_weights_only=True)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[weights_only], validation_data=(x, y))
    loaded.load_weights(tmp_path / "w.weights.h5")
    assert_same(model, loaded, x)
    with pytest.raises(ValueError, match="must end in `.keras`"):
        keras.callbacks.ModelCheckpoint(tmp_path / "model.npz")


def test_dict_outputs_and_dict_losses_round_trip(tmp_path, data):
    x, y = data
    md.manual_seed(0)
    inputs = keras.Input((5,), name="features")
    hidden = layers.Dense(4, activation="relu")(inputs)
    model = keras.Model(
        {"features": inputs},
        {"label": layers.Dense(3, name="label")(hidden), "score": layers.Dense(1, name="score")(hidden)},
    )
    model.compile(
        optimizer="adam",
        loss={"label": keras.losses.SparseCategoricalCrossentropy(from_logits=True), "score": "mse"},
        metrics={"label": ["accuracy"]},
    )
    model.fit({"features": x}, {"label": y, "score": x[:, :1]}, epochs=1, verbose=0)
    model.save(tmp_path / "dict.keras")
    loaded = keras.saving.load_model(tmp_path / "dict.keras")
    ours, theirs = model.predict({"features": x}), loaded.predict({"features": x})
    assert set(ours) == {"label", "score"}
    for key in ours:
        np.testing.assert_array_equal(ours[key], theirs[key])
    targets = {"label": y, "score": x[:, :1]}
    assert loaded.evaluate({"features": x}, targets, verbose=0) == model.evaluate(
        {"features": x}, targets, verbose=0
    )


def test_reloaded_model_resumes_training_exactly(tmp_path, data):
    x, y = data
    md.manual_seed(0)
    model = keras.Sequential(
        [keras.Input((5,)), layers.Dense(4, activation="relu"), layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "resume.keras")
    loaded = keras.saving.load_model(tmp_path / "resume.keras")
    assert loaded.optimizer.iterations == model.optimizer.iterations == 4  # Adam's moments came back
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.save(tmp_path / "light.keras", include_optimizer=False)
    with zipfile.ZipFile(tmp_path / "light.keras") as archive:
        assert "optimizer.npz" not in archive.namelist()
