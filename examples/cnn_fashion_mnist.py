"""Train a convolutional network on Fashion-MNIST and look inside it.

    python examples/cnn_fashion_mnist.py [output_folder] [--model cnn|lenet|lenet5] [--epochs 6]
        [--batch-size 128] [--lr 2e-3] [--width 32] [--train-limit 0] [--subset]

Measured with the defaults (model cnn): 92.38 % test accuracy after 6 epochs (87.7, 89.2, 90.8,
92.0, 92.1, 92.4 % per epoch; 84-680 s per epoch on a shared 2-core machine with one BLAS thread).

Trains with Adam and a cosine learning-rate schedule (random horizontal flips for the modern CNN),
evaluates the test set after every epoch, and writes to the output folder (default
examples/output/):

- ``cnn_<model>_filters.png``: the learned first-layer filters (``mathdl.train.plots.plot_filters``);
- ``cnn_<model>_feature_maps.png``: the activations of every stage for one test image
  (``mathdl.train.plots.plot_feature_maps``);
- ``cnn_<model>_accuracy.png``: training loss and test accuracy per epoch;
- ``cnn_<model>_results.json``: the per-epoch numbers, epoch times and the final test accuracy.

``--subset`` uses the 7,000-image Fashion-MNIST subset shipped with mathdl (runs offline in a minute);
the full data set is found in the usual places (``mathdl.data.load_fashion_mnist``).
"""

import argparse
import json
import os
import sys
import time

import numpy as np

import mathdl as md
import mathdl.nn.functional as F
from mathdl import optim
from mathdl.data import load_fashion_mnist, load_fashion_mnist_subset
from mathdl.models.cnn import SmallCNN
from mathdl.models.lenet import LeNet, LeNet5
from mathdl.train.plots import plot_feature_maps, plot_filters


def build(name, width):
    if name == "cnn":
        return SmallCNN(width=width)
    if name == "lenet":
        return LeNet()
    if name == "lenet5":
        return LeNet5()
    raise SystemExit(f"unknown model {name!r}; choose cnn, lenet or lenet5")


def evaluate(model, x, y, batch=1000):
    model.eval()
    with md.no_grad():
        predictions = np.concatenate(
            [model(md.Tensor(x[i : i + batch])).array.argmax(axis=1) for i in range(0, len(x), batch)]
        )
    return float((predictions == y).mean())


def prepare(images):
    return (images.astype(np.float32) / np.float32(255.0))[:, None]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--model", default="cnn", choices=["cnn", "lenet", "lenet5"])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="default 2e-3 (Adam) for cnn, 1e-3 (Adam) for lenet5, 0.9 (SGD) for lenet",
    )
    parser.add_argument("--width", type=int, default=32, help="channels of the CNN's first block")
    parser.add_argument("--train-limit", type=int, default=0, help="use only this many training images")
    parser.add_argument("--subset", action="store_true", help="the shipped 7k subset instead of the full set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    md.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    (x_train, y_train), (x_test, y_test) = (
        load_fashion_mnist_subset() if args.subset else load_fashion_mnist()
    )
    x_train, x_test = prepare(x_train), prepare(x_test)
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    if args.train_limit:
        x_train, y_train = x_train[: args.train_limit], y_train[: args.train_limit]

    model = build(args.model, args.width)
    if args.model == "lenet":  # the d2l recipe for the sigmoid LeNet: plain SGD, lr 0.9
        optimizer = optim.SGD(model.parameters(), lr=args.lr or 0.9)
    else:
        optimizer = optim.Adam(model.parameters(), lr=args.lr or (2e-3 if args.model == "cnn" else 1e-3))
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    flip = args.model == "cnn"
    print(
        f"{args.model}: {sum(p.array.size for p in model.parameters())} parameters, {len(x_train)} "
        f"training / {len(x_test)} test images, {args.epochs} epochs",
        flush=True,
    )

    history = {"epoch": [], "loss": [], "test_accuracy": [], "seconds": []}
    os.makedirs(args.output, exist_ok=True)
    prefix = os.path.join(args.output, f"cnn_{args.model}")
    for epoch in range(1, args.epochs + 1):
        model.train()
        start, total, count = time.perf_counter(), 0.0, 0
        order = rng.permutation(len(x_train))
        for begin in range(0, len(order), args.batch_size):
            index = order[begin : begin + args.batch_size]
            images = x_train[index]
            if flip:  # mirror half the batch: a garment mirrored is the same class
                mirrored = rng.random(len(index)) < 0.5
                images[mirrored] = images[mirrored, :, :, ::-1]
            loss = F.cross_entropy(model(md.Tensor(images)), md.Tensor(y_train[index]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
            count += len(index)
        schedule.step()
        seconds = time.perf_counter() - start
        accuracy = evaluate(model, x_test, y_test)
        for key, value in (
            ("epoch", epoch),
            ("loss", total / count),
            ("test_accuracy", accuracy),
            ("seconds", seconds),
        ):
            history[key].append(value)
        print(
            f"epoch {epoch:2d}  loss {total / count:.4f}  test accuracy {accuracy:.4f}  ({seconds:.0f} s)",
            flush=True,
        )
        with open(prefix + "_results.json", "w") as handle:
            json.dump(
                {
                    "model": args.model,
                    "width": args.width,
                    "epochs_done": epoch,
                    **history,
                    "final_test_accuracy": accuracy,
                },
                handle,
                indent=1,
            )

    plot_filters(model, prefix + "_filters.png", title=f"{args.model}: learned first-layer filters")
    plot_feature_maps(
        model,
        x_test[0],
        prefix + "_feature_maps.png",
        title=f"{args.model}: feature maps of test image 0 (label {y_test[0]})",
    )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
        left.plot(history["epoch"], history["loss"], marker="o")
        left.set_xlabel("epoch")
        left.set_ylabel("training loss")
        right.plot(history["epoch"], history["test_accuracy"], marker="o")
        right.set_xlabel("epoch")
        right.set_ylabel("test accuracy")
        figure.tight_layout()
        figure.savefig(prefix + "_accuracy.png", dpi=120)
        plt.close(figure)
        for suffix in ("_filters.png", "_feature_maps.png", "_accuracy.png"):
            print(f"wrote {prefix + suffix}")
    except ImportError:
        print(
            "matplotlib is not installed: skipping the figures (pip install 'mathdl[plot]')", file=sys.stderr
        )
    print(f"final test accuracy {history['test_accuracy'][-1]:.4f}")


if __name__ == "__main__":
    main()
