"""Dive into Deep Learning §3.7, concise softmax regression, on the full Fashion-MNIST.

    net = Flatten → Linear(784, 10),  W ~ N(0, 0.01²),  b = 0
    loss = cross-entropy from the logits (log-softmax fused),  SGD lr 0.1,  batch 256,  10 epochs

d2l reports (its figure at the end of §3.7 over several book builds): train loss 0.4475–0.4514,
train accuracy 0.846–0.848, test accuracy 0.828–0.841. Train numbers are averages over each epoch
while the weights move, as d2l computes them. Writes curves, a confusion matrix and a grid of
test predictions.

    python examples/d2l_softmax_regression.py [OUTPUT_DIR] [--epochs 10] [--seed 0]
"""

import argparse
import os
import time

import numpy as np

import mathdl as md
from mathdl import models, optim
from mathdl.data import FASHION_MNIST_CLASSES, DataLoader, TensorDataset, load_dataset
from mathdl.train import Trainer, confusion_matrix, plot_confusion_matrix, plot_history, plot_predictions

PUBLISHED = {
    "train loss": (0.4475, 0.4514),
    "train accuracy": (0.846, 0.848),
    "test accuracy": (0.828, 0.841),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "output_dir", nargs="?", default=os.path.join("examples", "output", "d2l_softmax_regression")
    )
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    md.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_dataset("fashion-mnist")
    x_train = x_train.astype(np.float32) / 255  # d2l's ToTensor(): pixels in [0, 1]
    x_test = x_test.astype(np.float32) / 255
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    train_iter = DataLoader(TensorDataset(x_train, y_train), batch_size=256, shuffle=True)
    test_iter = DataLoader(TensorDataset(x_test, y_test), batch_size=256)

    net = models.build("softmax", in_features=784, num_classes=10, init_std=0.01)
    trainer = Trainer(net, optim.SGD(net.parameters(), lr=0.1), verbose=2)
    start = time.perf_counter()
    history = trainer.fit(train_iter, args.epochs, val_data=test_iter)
    seconds = time.perf_counter() - start

    ours = {
        "train loss": history["loss"][-1],
        "train accuracy": history["accuracy"][-1],
        "test accuracy": history["val_accuracy"][-1],
    }
    print(f"\n{args.epochs} epochs in {seconds:.1f}s ({seconds / args.epochs:.2f}s per epoch)")
    print(f"{'':16}{'mathdl':>10}   d2l published")
    for name, value in ours.items():
        low, high = PUBLISHED[name]
        print(f"{name:16}{value:>10.4f}   {low}-{high}")

    os.makedirs(args.output_dir, exist_ok=True)
    paths = [plot_history(history, os.path.join(args.output_dir, "curves.png"))]
    scores = trainer.predict(test_iter)
    predicted = scores.argmax(axis=1)
    paths.append(
        plot_confusion_matrix(
            confusion_matrix(y_test, predicted, 10),
            os.path.join(args.output_dir, "confusion_matrix.png"),
            class_names=FASHION_MNIST_CLASSES,
        )
    )
    paths.append(
        plot_predictions(
            x_test[:24],
            y_test[:24],
            predicted[:24],
            os.path.join(args.output_dir, "predictions.png"),
            class_names=FASHION_MNIST_CLASSES,
        )
    )
    for path in filter(None, paths):
        print(f"wrote {path}")
    return ours


if __name__ == "__main__":
    main()
