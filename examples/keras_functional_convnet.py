"""Keras 3 code on the facade: a functional convnet on Fashion-MNIST and a Bidirectional-LSTM text
classifier, with Keras's callbacks and a saved, reloaded ``.keras`` model.

1. Functional convnet (keras-io "Simple MNIST convnet" with the functional API and
   ``RandomFlip``/``RandomRotation`` augmentation): Input(28, 28, 1) → Rescaling(1/255) →
   RandomFlip('horizontal') → RandomRotation(0.05) → Conv2D(32, 3, relu) → MaxPooling2D →
   Conv2D(64, 3, relu) → MaxPooling2D → Flatten → Dropout(0.5) → Dense(10), Adam, sparse
   cross-entropy from logits, metrics accuracy and top-2 accuracy; callbacks ModelCheckpoint
   (best ``val_loss``, a ``.keras`` file), ReduceLROnPlateau, CSVLogger.
2. Text classification: reviews of random filler words with two sentiment cue words each,
   ``pad_sequences`` → Embedding → Bidirectional(LSTM, return_sequences) → Bidirectional(LSTM) →
   Dense(1, sigmoid), binary cross-entropy, accuracy and AUC.

The best checkpoint is reloaded with ``keras.saving.load_model`` and must predict exactly as the
model did at that epoch. Writes the training curves of both models and prints the numbers.

    OPENBLAS_NUM_THREADS=1 python examples/keras_functional_convnet.py [OUTPUT_DIR] [--epochs 4]
"""

import argparse
import os
import time

import numpy as np

import mathdl as md
from mathdl import keras
from mathdl.data import load_dataset
from mathdl.keras import layers
from mathdl.train import plot_history


def convnet():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.RandomFlip("horizontal")(x)
    x = layers.RandomRotation(0.05)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, layers.Dense(10)(x), name="convnet")


def reviews(count, vocabulary, rng):
    positive, negative = np.arange(2, 8), np.arange(8, 14)
    labels = rng.integers(0, 2, count)
    texts = []
    for label in labels:
        words = list(rng.integers(14, vocabulary, rng.integers(5, 30)))
        for position in rng.integers(0, len(words), 2):
            words.insert(int(position), int(rng.choice(positive if label else negative)))
        texts.append(words)
    return keras.utils.pad_sequences(texts, maxlen=24), labels


def text_model(vocabulary):
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(vocabulary, 16)(inputs)
    x = layers.Bidirectional(layers.LSTM(16, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(16))(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x), name="reviews")


def run_convnet(output_dir, epochs):
    (x_train, y_train), (x_test, y_test) = load_dataset("fashion-mnist-subset")
    x_train, x_test = x_train[..., None], x_test[..., None]  # uint8, rescaled inside the model
    model = convnet()
    model.summary()
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")],
    )
    best = os.path.join(output_dir, "convnet_best.keras")
    callbacks = [
        keras.callbacks.ModelCheckpoint(best, monitor="val_loss", save_best_only=True),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1),
        keras.callbacks.CSVLogger(os.path.join(output_dir, "convnet_log.csv")),
    ]
    start = time.perf_counter()
    history = model.fit(
        x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.1, callbacks=callbacks, verbose=2
    )
    seconds = time.perf_counter() - start
    loss, accuracy, top2 = model.evaluate(x_test, y_test, verbose=0)
    reloaded = keras.saving.load_model(best)
    reloaded_loss = reloaded.evaluate(x_test, y_test, verbose=0)[0]
    print(
        f"convnet: {epochs} epochs in {seconds:.1f} s; test loss {loss:.4f}, accuracy {accuracy:.4f}, top-2 {top2:.4f}"
    )
    print(
        f"best checkpoint (val_loss {min(history.history['val_loss']):.4f}) reloaded: test loss {reloaded_loss:.4f}"
    )
    return history


def run_text(epochs):
    rng = np.random.default_rng(0)
    x, y = reviews(1200, 60, rng)
    model = text_model(60)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
    )
    start = time.perf_counter()
    history = model.fit(
        x[:1000], y[:1000], batch_size=32, epochs=epochs, validation_data=(x[1000:], y[1000:]), verbose=2
    )
    loss, accuracy, auc = model.evaluate(x[1000:], y[1000:], verbose=0)
    print(
        f"reviews: {epochs} epochs in {time.perf_counter() - start:.1f} s; held-out accuracy {accuracy:.4f}, AUC {auc:.4f}"
    )
    return history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "output_dir", nargs="?", default=os.path.join("examples", "output", "keras_functional_convnet")
    )
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.makedirs(args.output_dir, exist_ok=True)
    md.manual_seed(args.seed)
    curves = run_convnet(args.output_dir, args.epochs)
    text_curves = run_text(args.epochs)
    for name, history in (("convnet_curves.png", curves), ("reviews_curves.png", text_curves)):
        path = plot_history(history, os.path.join(args.output_dir, name), title=name[:-4].replace("_", " "))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
