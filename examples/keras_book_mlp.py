"""Deep Learning with Python (Chollet), §2.1 "A first look at a neural network", through the
Keras facade: the book's code with only the import lines changed.

    Dense(512, relu, input_shape=(784,)) → Dense(10, softmax)
    rmsprop, categorical_crossentropy (trained through the fused log-softmax), batch 128, 5 epochs

The book runs it on MNIST (test accuracy 0.978–0.981); MNIST is not installed offline here, so
the default dataset is Fashion-MNIST (``--dataset mnist`` downloads MNIST when a network is
available). Writes the training curves and a confusion matrix.

    python examples/keras_book_mlp.py [OUTPUT_DIR] [--dataset fashion_mnist|mnist] [--epochs 5]
"""

import argparse
import os
import time

import mathdl as md
from mathdl.data import FASHION_MNIST_CLASSES
from mathdl.keras import layers, models
from mathdl.keras.datasets import fashion_mnist, mnist
from mathdl.keras.utils import to_categorical
from mathdl.train import confusion_matrix, plot_confusion_matrix, plot_history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output_dir", nargs="?", default=os.path.join("examples", "output", "keras_book_mlp"))
    parser.add_argument("--dataset", choices=("fashion_mnist", "mnist"), default="fashion_mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    md.manual_seed(args.seed)
    dataset = mnist if args.dataset == "mnist" else fashion_mnist

    # ---- the book's code ----------------------------------------------------------------------
    (train_images, train_labels), (test_images, test_labels) = dataset.load_data()
    network = models.Sequential()
    network.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation="softmax"))
    network.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    train_images = train_images.reshape((60000, 28 * 28))
    train_images = train_images.astype("float32") / 255
    test_images = test_images.reshape((10000, 28 * 28))
    test_images = test_images.astype("float32") / 255
    test_classes = test_labels
    train_labels = to_categorical(train_labels)
    test_labels = to_categorical(test_labels)
    start = time.perf_counter()
    history = network.fit(train_images, train_labels, epochs=args.epochs, batch_size=128)
    seconds = time.perf_counter() - start
    test_loss, test_acc = network.evaluate(test_images, test_labels)
    print("test_acc:", test_acc)
    # --------------------------------------------------------------------------------------------

    network.summary()
    print(f"{args.epochs} epochs in {seconds:.1f}s ({seconds / args.epochs:.2f}s per epoch)")
    os.makedirs(args.output_dir, exist_ok=True)
    paths = [plot_history(history, os.path.join(args.output_dir, "curves.png"))]
    predicted = network.predict(test_images, batch_size=1000).argmax(axis=1)
    paths.append(
        plot_confusion_matrix(
            confusion_matrix(test_classes, predicted, 10),
            os.path.join(args.output_dir, "confusion_matrix.png"),
            class_names=FASHION_MNIST_CLASSES if dataset is fashion_mnist else None,
        )
    )
    for path in filter(None, paths):
        print(f"wrote {path}")
    return test_acc


if __name__ == "__main__":
    main()
