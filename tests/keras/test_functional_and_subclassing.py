"""The functional API and subclassing: functional and subclassed models equal their Sequential
twins on copied weights (outputs and a training step), shared layers, layer.output, several
inputs/outputs, configs, custom layers with add_weight, weight tracking and freezing."""

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.keras import layers, ops


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((48, 6)).astype(np.float32), rng.integers(0, 3, 48)


def sequential():
    return keras.Sequential(
        [
            keras.Input((6,)),
            layers.Dense(8, activation="relu"),
            layers.Dropout(0.0),
            layers.Dense(3, activation="softmax"),
        ]
    )


def functional():
    inputs = keras.Input(shape=(6,))
    x = layers.Dense(8, activation="relu")(inputs)
    x = layers.Dropout(0.0)(x)
    return keras.Model(inputs=inputs, outputs=layers.Dense(3, activation="softmax")(x))


class Subclassed(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(8, activation="relu")
        self.drop = layers.Dropout(0.0)
        self.out = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=None):
        return self.out(self.drop(self.hidden(inputs), training=training))


def train_once(model, x, y):
    model.compile(
        optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(x, y, batch_size=48, epochs=1, shuffle=False, verbose=0)
    return history.history, model.get_weights()


@pytest.mark.parametrize("make", [functional, Subclassed])
def test_functional_and_subclassed_models_equal_their_sequential_twin(data, make):
    x, y = data
    md.manual_seed(0)
    twin = sequential()
    model = make()
    model(x[:1])  # builds a subclassed model; a functional one is built already
    model.set_weights(twin.get_weights())
    np.testing.assert_array_equal(model.predict(x), twin.predict(x))
    ours, twin_history = train_once(model, x, y), train_once(twin, x, y)
    assert ours[0] == twin_history[0]
    for a, b in zip(ours[1], twin_history[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(twin.evaluate(x, y, verbose=0))


def test_shared_layer_keeps_one_set_of_weights_and_layer_output_builds_feature_models(data):
    x, _ = data
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    shared = layers.Dense(4, name="shared")
    merged = layers.Concatenate()([shared(left), shared(right)])
    model = keras.Model([left, right], layers.Dense(1)(merged))
    assert len(shared._inbound_nodes) == 2 and model.count_params() == 6 * 4 + 4 + 8 + 1
    out = model.predict([x, x[::-1]])
    kernel, bias = shared.get_weights()
    w2, b2 = model.layers[-1].get_weights()
    expected = np.concatenate([x @ kernel + bias, x[::-1] @ kernel + bias], 1) @ w2 + b2
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert model.predict({"left": x, "right": x[::-1]}).shape == (48, 1)
    # feature extraction, as in the Sequential-model guide
    base = keras.Sequential([keras.Input((6,)), layers.Dense(5, activation="relu"), layers.Dense(2)])
    extractor = keras.Model(inputs=base.inputs, outputs=[layer.output for layer in base.layers])
    features = extractor.predict(x)
    assert [f.shape for f in features] == [(48, 5), (48, 2)]
    np.testing.assert_allclose(features[1], base.predict(x), rtol=1e-6)


def test_several_inputs_and_outputs_train_with_per_output_losses(data):
    x, y = data
    md.manual_seed(0)
    tokens = keras.Input((4,), dtype="int32", name="tokens")
    values = keras.Input((6,), name="values")
    t = layers.GlobalAveragePooling1D()(layers.Embedding(20, 3)(tokens))
    z = layers.Concatenate()([t, layers.Dense(5, activation="relu")(values)])
    model = keras.Model(
        [tokens, values], [layers.Dense(1, name="score")(z), layers.Dense(3, name="label")(z)]
    )
    model.compile(
        optimizer="adam",
        loss={"score": "mse", "label": keras.losses.SparseCategoricalCrossentropy(from_logits=True)},
        loss_weights={"score": 0.5, "label": 1.0},
        metrics={"label": ["accuracy"]},
    )
    ids = np.random.default_rng(1).integers(0, 20, (48, 4))
    history = model.fit(
        [ids, x], [x[:, :1], y], epochs=3, batch_size=16, verbose=0, validation_data=([ids, x], [x[:, :1], y])
    )
    assert set(history.history) == {
        "loss",
        "score_loss",
        "label_loss",
        "label_accuracy",
        "val_loss",
        "val_score_loss",
        "val_label_loss",
        "val_label_accuracy",
    }
    total = 0.5 * np.array(history.history["score_loss"]) + np.array(history.history["label_loss"])
    np.testing.assert_allclose(history.history["loss"], total, rtol=1e-5)  # weighted sum of the two
    assert history.history["loss"][-1] < history.history["loss"][0]
    score, label = model.predict([ids, x])
    assert score.shape == (48, 1) and label.shape == (48, 3)
    # the reported loss is the weighted sum of the two losses
    logs = model.evaluate([ids, x], [x[:, :1], y], verbose=0, return_dict=True)
    loss = logs["loss"]
    assert logs["score_loss"] == pytest.approx(np.mean((score - x[:, :1]) ** 2), rel=1e-5)
    logits = label - label.max(1, keepdims=True)
    ce = -(logits[np.arange(48), y] - np.log(np.exp(logits).sum(1))).mean()
    assert loss == pytest.approx(0.5 * np.mean((score - x[:, :1]) ** 2) + ce, rel=1e-5)


def test_graph_errors():
    a, b = keras.Input((3,)), keras.Input((3,))
    out = layers.Add()([a, layers.Dense(3)(b)])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)
    with pytest.raises(ValueError, match="must come from keras.Input"):
        keras.Model(layers.Dense(2)(a), out)
    dense = layers.Dense(2, name="twice")
    with pytest.raises(ValueError, match="used 2 times"):
        keras.Model(a, layers.Add()([dense(a), layers.Dense(2, name="twice")(a)]))
    with pytest.raises(AttributeError, match="never been called"):
        layers.Dense(2).output


def test_ops_on_symbolic_tensors_record_op_nodes_and_round_trip_configs(data):
    x, _ = data
    inputs = keras.Input((6,))
    h = layers.Dense(4)(inputs)
    out = ops.mean(ops.relu(h) * 2.0 + h, axis=-1, keepdims=True)
    model = keras.Model(inputs, out)
    kernel, bias = model.layers[1].get_weights()
    z = x @ kernel + bias
    np.testing.assert_allclose(
        model.predict(x), (np.maximum(z, 0) * 2 + z).mean(-1, keepdims=True), rtol=1e-5, atol=1e-6
    )
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
    twin = keras.Sequential.from_config(sequential().get_config())
    assert [type(layer).__name__ for layer in twin.layers] == ["Dense", "Dropout", "Dense"]
    assert twin.built and twin.output_shape == (None, 3)


class Linear(keras.layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, inputs):
        self.count.assign_add(1.0)
        return ops.matmul(inputs, self.w) + self.b


class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Linear(5)
        self.blocks = [Linear(5), Linear(3)]

    def call(self, inputs):
        x = self.first(inputs)
        for block in self.blocks:
            x = block(x)
        return x


def test_custom_layers_track_weights_through_attributes_lists_and_sublayers(data):
    x, y = data
    md.manual_seed(0)
    layer = Linear(3)
    assert layer.weights == [] and not layer.built
    out = layer(x)
    assert out.shape == (48, 3) and layer.built and layer.get_config()["units"] == 3
    assert [w.name for w in layer.weights] == ["variable", "variable", "count"]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 1
    np.testing.assert_allclose(out.array, x @ layer.w.numpy() + layer.b.numpy(), rtol=1e-6)
    assert float(layer.count.numpy()) == 1.0
    block = Block()
    block(x)
    assert len(block.weights) == 9 and len(block.trainable_weights) == 6
    block.blocks[1].trainable = False
    assert len(block.trainable_weights) == 4
    # compile/fit on a subclassed model made of custom layers updates only trainable weights
    model = keras.Sequential([keras.Input((6,)), Block(), layers.Softmax()])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    frozen = model.layers[0].blocks[0]
    frozen.trainable = False
    before = frozen.get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(before[:2], frozen.get_weights()[:2]):
        np.testing.assert_array_equal(a, b)
    assert model.count_trainable_params() == model.count_params() - (5 * 5 + 5 + 3)  # frozen + counters


def test_call_without_training_is_inference_and_fit_trains_with_dropout(data):
    x, _ = data
    model = keras.Sequential([keras.Input((6,)), layers.Dropout(0.5)])
    np.testing.assert_array_equal(model(x).array, x)  # Keras: a direct call infers
    dropped = model(x, training=True).array
    assert np.any(dropped == 0) and np.allclose(dropped[dropped != 0], 2 * x[dropped != 0])
    with pytest.raises(NotImplementedError, match="does not implement call"):
        keras.layers.Layer()(x)


def test_sequences_of_other_lengths_and_ops_with_shape_arguments():
    model = keras.Sequential([layers.Embedding(20, 4), layers.LSTM(3)])
    assert model(np.ones((2, 5), int)).shape == (2, 3) and model(np.ones((2, 9), int)).shape == (2, 3)
    inputs = keras.Input((6,))
    reshaped = keras.Model(inputs, ops.reshape(inputs, (-1, 2, 3)))
    assert reshaped.predict(np.ones((2, 6), np.float32)).shape == (2, 2, 3)
    dense = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"expected shape \(None, 4\), found \(None, 5\)"):
        dense(np.ones((1, 5), np.float32))


def test_lists_of_layers_are_tracked_also_when_appended_to(data):
    x, _ = data

    class Stack(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.blocks = []
            for units in (4, 3):
                self.blocks.append(layers.Dense(units))

        def call(self, inputs):
            for block in self.blocks:
                inputs = block(inputs)
            return inputs

    stack = Stack()
    stack(x)
    assert len(stack.weights) == 4 and stack.count_params() == 6 * 4 + 4 + 4 * 3 + 3
    stack.blocks.pop()
    assert len(stack.weights) == 2
