"""Conformance: short programs in the style of the keras-io guides run on the facade with only
their imports changed, and each asserts a result.

Each program is Keras 3 code as the guides write it (``keras.Sequential``, ``keras.Input``,
``keras.Model`` subclasses, ``add_weight``, ``ops``, ``fit``/``evaluate``/``save``…). The import
block is the only place mathdl appears — ``from mathdl import keras`` for ``import keras`` — with
one stated exception: the training loop written from scratch takes its gradients from mathdl's
autograd (``md.grad(loss, model.trainable_weights)``) where the guide uses
``tf.GradientTape``, and its batches from ``mathdl.data.DataLoader`` where the guide uses
``tf.data``. ``mnist.load_data()`` is the Fashion-MNIST subset shipped with mathdl
(guide_datasets.py), so the programs run offline; sizes and epochs are smaller than the guides'.
"""

import pathlib

import numpy as np
import pytest

HEADER = """
import numpy as np
from mathdl import keras
from mathdl.keras import layers, ops
from guide_datasets import mnist
"""

SEQUENTIAL_MODEL = """
# keras-io: "The Sequential model"
model = keras.Sequential(
    [
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ]
)
x = ops.ones((3, 3))
y = model(x)
assert tuple(y.shape) == (3, 4)
assert len(model.weights) == 6

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(4))
model.pop()
assert len(model.layers) == 2

layer = layers.Dense(3)
assert layer.weights == []
x = ops.ones((1, 4))
y = layer(x)
assert len(layer.weights) == 2

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, activation="relu")])
model.summary()
assert len(model.weights) == 2

model = keras.Sequential()
model.add(keras.Input(shape=(50, 50, 3)))
model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))
model.summary()
model.add(layers.GlobalMaxPooling2D())
model.add(layers.Dense(10))
assert model.output_shape == (None, 10)

initial_model = keras.Sequential(
    [
        keras.Input(shape=(50, 50, 3)),
        layers.Conv2D(32, 5, strides=2, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=[layer.output for layer in initial_model.layers],
)
x = ops.ones((1, 50, 50, 3))
features = feature_extractor(x)
assert [tuple(f.shape) for f in features] == [(1, 23, 23, 32), (1, 21, 21, 32), (1, 19, 19, 32)]

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255
x_test = x_test.reshape(-1, 784).astype("float32") / 255
model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                          layers.Dense(32, activation="relu"), layers.Dense(10)])
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
model.fit(x_train, y_train, epochs=2, batch_size=64, verbose=0)

# transfer learning: freeze all layers except the last one
for layer in model.layers[:-1]:
    layer.trainable = False
frozen = [w.numpy().copy() for w in model.layers[0].weights]
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
model.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)
assert all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, model.layers[0].weights))
RESULT = model.evaluate(x_test, y_test, verbose=0)[1]
"""

FUNCTIONAL_API = """
# keras-io: "The Functional API"
inputs = keras.Input(shape=(784,))
x = layers.Dense(64, activation="relu")(inputs)
x = layers.Dense(64, activation="relu")(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
model.summary()

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255
x_test = x_test.reshape(-1, 784).astype("float32") / 255
model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=["accuracy"],
)
history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.2, verbose=0)
test_scores = model.evaluate(x_test, y_test, verbose=0)
model.save("my_model.keras")
del model
model = keras.models.load_model("my_model.keras")
assert model.evaluate(x_test, y_test, verbose=0) == test_scores

# a model with several inputs and outputs: ranking support tickets
num_tags, num_words, num_departments = 12, 1000, 4
title_input = keras.Input(shape=(None,), name="title")
body_input = keras.Input(shape=(None,), name="body")
tags_input = keras.Input(shape=(num_tags,), name="tags")
title_features = layers.Embedding(num_words, 16)(title_input)
body_features = layers.Embedding(num_words, 16)(body_input)
title_features = layers.LSTM(16)(title_features)
body_features = layers.LSTM(8)(body_features)
x = layers.concatenate([title_features, body_features, tags_input])
priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(num_departments, name="department")(x)
model = keras.Model(
    inputs=[title_input, body_input, tags_input],
    outputs={"priority": priority_pred, "department": department_pred},
)
model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss={
        "priority": keras.losses.BinaryCrossentropy(from_logits=True),
        "department": keras.losses.CategoricalCrossentropy(from_logits=True),
    },
    loss_weights={"priority": 1.0, "department": 0.2},
)
title_data = np.random.randint(num_words, size=(256, 10))
body_data = np.random.randint(num_words, size=(256, 20))
tags_data = np.random.randint(2, size=(256, num_tags)).astype("float32")
priority_targets = np.random.random(size=(256, 1))
dept_targets = np.random.randint(2, size=(256, num_departments))
ticket_history = model.fit(
    {"title": title_data, "body": body_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=2,
    batch_size=32,
    verbose=0,
)
assert np.isfinite(ticket_history.history["loss"]).all()

# a toy ResNet: residual connections with layers.add
inputs = keras.Input(shape=(16, 16, 3), name="img")
x = layers.Conv2D(8, 3, activation="relu")(inputs)
block_1_output = layers.MaxPooling2D(3)(x)
x = layers.Conv2D(8, 3, activation="relu", padding="same")(block_1_output)
x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
block_2_output = layers.add([x, block_1_output])
x = layers.GlobalAveragePooling2D()(block_2_output)
outputs = layers.Dense(10)(x)
resnet = keras.Model(inputs, outputs, name="toy_resnet")
assert resnet.output_shape == (None, 10) and len(resnet.layers) == 8
RESULT = test_scores[1]
"""

SUBCLASSING = """
# keras-io: "Making new layers and models via subclassing"
class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


x = ops.ones((2, 2))
linear_layer = Linear(4, 2)
y = linear_layer(x)
assert linear_layer.weights == [linear_layer.w, linear_layer.b]


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


my_sum = ComputeSum(2)
y = my_sum(x)
y = my_sum(x)
assert y.numpy().tolist() == [4.0, 4.0]
assert len(my_sum.weights) == 1 and len(my_sum.non_trainable_weights) == 1
assert len(my_sum.trainable_weights) == 0


class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


mlp = MLPBlock()
y = mlp(ops.ones(shape=(3, 64)))
assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6

layer = Linear(64)
config = layer.get_config()
new_layer = Linear.from_config(config)
assert new_layer.units == 64


class CustomDropout(keras.layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs, training=None):
        if training:
            return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
        return inputs


dropped = CustomDropout(0.5)(ops.ones((4, 100)), training=True).numpy()
assert set(np.unique(dropped)) == {0.0, 2.0}
assert (CustomDropout(0.5)(ops.ones((4, 100))).numpy() == 1.0).all()


@keras.saving.register_keras_serializable(package="guide")
class Classifier(keras.Model):
    def __init__(self, hidden=64, num_classes=10, **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.num_classes = hidden, num_classes
        self.block = layers.Dense(hidden, activation="relu")
        self.dropout = layers.Dropout(0.1)
        self.classifier = layers.Dense(num_classes)

    def call(self, inputs, training=None):
        return self.classifier(self.dropout(self.block(inputs), training=training))


(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255
x_test = x_test.reshape(-1, 784).astype("float32") / 255
model = Classifier()
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=0)
assert len(model.weights) == 4
model.save("classifier.keras")
reloaded = keras.saving.load_model("classifier.keras")
assert np.array_equal(reloaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0))
RESULT = model.evaluate(x_test, y_test, verbose=0)[1]
"""

TRAINING_LOOP = """
# keras-io: "Writing a training loop from scratch" (gradients from mathdl's autograd)
import mathdl as md
from mathdl.data import DataLoader, TensorDataset


def get_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    return keras.Model(inputs=inputs, outputs=outputs)


model = get_model()
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
val_acc_metric = keras.metrics.SparseCategoricalAccuracy()

batch_size = 64
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = np.reshape(x_train, (-1, 784)).astype("float32") / 255
x_test = np.reshape(x_test, (-1, 784)).astype("float32") / 255
x_val, y_val = x_train[-1000:], y_train[-1000:]
x_train, y_train = x_train[:-1000], y_train[:-1000]
train_dataset = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True)
val_dataset = DataLoader(TensorDataset(x_val, y_val), batch_size=batch_size)

losses = []
for epoch in range(2):
    for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
        logits = model(x_batch_train, training=True)
        loss_value = loss_fn(y_batch_train, logits)
        grads = md.grad(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y_batch_train, logits)
        losses.append(float(loss_value))
    train_acc = float(train_acc_metric.result())
    train_acc_metric.reset_state()
    for x_batch_val, y_batch_val in val_dataset:
        val_logits = model(x_batch_val, training=False)
        val_acc_metric.update_state(y_batch_val, val_logits)
    val_acc = float(val_acc_metric.result())
    val_acc_metric.reset_state()

assert np.mean(losses[-20:]) < 0.6 * np.mean(losses[:20])
RESULT = val_acc
"""

TEXT_CLASSIFICATION = """
# keras-io: "Bidirectional LSTM on IMDB", on a synthetic review corpus built here
max_features = 60
maxlen = 24
rng = np.random.default_rng(0)
positive, negative = np.arange(2, 8), np.arange(8, 14)


def review(label):
    words = list(rng.integers(14, max_features, rng.integers(5, 30)))
    cues = positive if label else negative
    for position in rng.integers(0, len(words), 2):
        words.insert(int(position), int(rng.choice(cues)))
    return words


labels = rng.integers(0, 2, 600)
reviews = [review(label) for label in labels]
x_train = keras.utils.pad_sequences(reviews[:500], maxlen=maxlen)
x_val = keras.utils.pad_sequences(reviews[500:], maxlen=maxlen)
y_train, y_val = labels[:500], labels[500:]

inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(max_features, 16)(inputs)
x = layers.Bidirectional(layers.LSTM(16, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(16))(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=4, validation_data=(x_val, y_val), verbose=0)
RESULT = history.history["val_accuracy"][-1]
"""

PROGRAMS = {
    "sequential_model": (SEQUENTIAL_MODEL, 0.6),
    "functional_api": (FUNCTIONAL_API, 0.7),
    "subclassing": (SUBCLASSING, 0.7),
    "training_loop_from_scratch": (TRAINING_LOOP, 0.7),
    "text_classification_lstm": (TEXT_CLASSIFICATION, 0.9),
}
# the mathdl lines a program may have besides the header: the from-scratch loop's autograd
ALLOWED = {"import mathdl as md", "from mathdl.data import DataLoader, TensorDataset"}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_guide_program_runs_unchanged_but_for_imports(name, tmp_path, monkeypatch):
    import mathdl as md

    program, threshold = PROGRAMS[name]
    for line in program.splitlines():
        if ("mathdl" in line or "md." in line) and not line.strip().startswith("#"):
            assert line.strip() in ALLOWED or "md.grad(" in line, f"{name}: a mathdl-specific line: {line!r}"
    monkeypatch.chdir(tmp_path)  # the programs save .keras files in the working folder
    monkeypatch.syspath_prepend(str(pathlib.Path(__file__).parent))  # guide_datasets.py
    md.manual_seed(0)
    np.random.seed(0)  # noqa: NPY002  (the guide programs draw with np.random.randint, as keras-io does)
    namespace = {"__name__": f"guide_{name}"}
    exec(compile(HEADER + program, f"<{name}>", "exec"), namespace)
    assert namespace["RESULT"] >= threshold, f"{name}: result {namespace['RESULT']} below {threshold}"
