"""The classic book code runs with only the imports changed, and learns."""

import numpy as np
import pytest

import mathdl as md
from mathdl.data import load_dataset
from mathdl.keras import layers, losses, models
from mathdl.keras.utils import to_categorical


@pytest.fixture(scope="module")
def subset():
    (x_train, y_train), (x_test, y_test) = load_dataset("fashion-mnist-subset")
    return (x_train[:3000], y_train[:3000]), (x_test, y_test)


def test_chollet_mnist_network_verbatim(subset):
    md.manual_seed(0)
    (train_images, train_labels), (test_images, test_labels) = subset
    # --- the book's code from here on, with 60000 -> len(train_images) -----------------------
    train_images = train_images.reshape((len(train_images), 28 * 28)).astype("float32") / 255
    test_images = test_images.reshape((len(test_images), 28 * 28)).astype("float32") / 255
    train_labels = to_categorical(train_labels)
    test_labels = to_categorical(test_labels)
    network = models.Sequential()
    network.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation="softmax"))
    network.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    history = network.fit(train_images, train_labels, epochs=3, batch_size=128, verbose=0)
    test_loss, test_acc = network.evaluate(test_images, test_labels, verbose=0)
    # -------------------------------------------------------------------------------------------
    assert list(history.history) == ["loss", "accuracy"] and len(history.history["loss"]) == 3
    assert history.history["loss"][2] < history.history["loss"][0]
    assert test_acc >= 0.70 and test_loss < 1.0  # 72 RMSprop steps on 3000 images; chance is 0.1
    probabilities = network.predict(test_images[:5])
    assert probabilities.shape == (5, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert network.count_params() == 784 * 512 + 512 + 512 * 10 + 10


def test_tensorflow_basic_classification_with_logits_and_validation(subset):
    md.manual_seed(0)
    (train_images, train_labels), (test_images, test_labels) = subset
    train_images, test_images = train_images / 255.0, test_images / 255.0
    model = models.Sequential(
        [
            layers.Flatten(input_shape=(28, 28)),
            layers.Dense(128, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.compile(
        optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    history = model.fit(
        train_images, train_labels, epochs=2, verbose=0, validation_data=(test_images, test_labels)
    )
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    assert test_acc == pytest.approx(history.history["val_accuracy"][-1])
    assert test_acc >= 0.72  # 188 Adam steps on 3000 images
    logits = model.predict(test_images[:4])
    assert logits.shape == (4, 10) and not np.allclose(logits.sum(axis=1), 1.0)
