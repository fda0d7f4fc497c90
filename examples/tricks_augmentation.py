"""Data augmentation on the shipped 6,000-image Fashion-MNIST subset: the SmallCNN trained with and
without ``mathdl.data.transforms``, test accuracy (the 1,000 test images) over several seeds.

Arms (same model, optimiser, schedule and epochs; only the training data differ):
  none           the images as they are
  crop+flip+erase  per-image: RandomCrop(28, padding=2) → RandomHorizontalFlip → RandomErasing(p=0.25)
                 (the dataset's ``transform``: applied by ``get_batch`` once per batch)
  + mixup/cutmix the same, and per batch RandomChoice([MixUp(α=0.2), CutMix(α=1)]) in the training
                 step (``AugmentedSupervised``; soft targets, cross-entropy with probabilities)

    OPENBLAS_NUM_THREADS=1 nice -n 10 python examples/tricks_augmentation.py [OUT] [--epochs 15]
        [--seeds 3] [--width 16] [--replot]

Writes OUT/augmentation.md, augmentation.png, augmentation_examples.png, augmentation.json.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tricks_common as common  # noqa: E402

import mathdl as md  # noqa: E402
from mathdl.data import DataLoader, FashionMNIST  # noqa: E402
from mathdl.data import transforms as T  # noqa: E402
from mathdl.train import AugmentedSupervised  # noqa: E402

ARMS = ("none", "crop+flip+erase", "+ mixup/cutmix")


def per_image_augmentation():
    return T.Compose(
        [
            T.RandomCrop(28, padding=2),
            T.RandomHorizontalFlip(),
            T.RandomErasing(p=0.25, scale=(0.02, 0.15)),
        ]
    )


def batch_mixing():
    return T.RandomChoice([T.MixUp(alpha=0.2, num_classes=10), T.CutMix(alpha=1.0, num_classes=10)])


def train_arm(arm, seed, args, data):
    (x, y), (x_test, y_test) = data
    model = common.build_cnn(seed, args.width)
    strategy = AugmentedSupervised(batch_mixing()) if arm == "+ mixup/cutmix" else None
    trainer = common.adam_trainer(model, args.lr, args.epochs, strategy)
    if arm == "none":
        train_data = common.loader(x, y, args.batch_size, shuffle=True)
    else:
        dataset = FashionMNIST(subset=True, transform=per_image_augmentation())
        train_data = DataLoader(dataset, args.batch_size, shuffle=True)
    with common.Timer() as timer:
        history = trainer.fit(train_data, args.epochs, val_data=common.loader(x_test, y_test, 500))
    test_accuracy = common.accuracy(common.probabilities(model, x_test), y_test)
    print(f"{arm:>16} seed {seed}: test accuracy {test_accuracy:.4f} ({timer.seconds:.0f} s)", flush=True)
    return {
        "test_accuracy": test_accuracy,
        "seconds": timer.seconds,
        "curves": {k: [float(v) for v in history.history[k]] for k in ("accuracy", "val_accuracy", "loss")},
    }


def table(results, args):
    rows = []
    baseline = np.mean([r["test_accuracy"] for r in results["none"]])
    for arm in ARMS:
        runs = results.get(arm)
        if not runs:
            continue
        accuracies = [r["test_accuracy"] for r in runs]
        rows.append(
            [
                arm,
                *(f"{a:.4f}" for a in accuracies),
                common.mean_std(accuracies),
                f"{np.mean(accuracies) - baseline:+.4f}",
                f"{np.mean([r['seconds'] for r in runs]):.0f} s",
            ]
        )
    header = ["training data", *(f"seed {s}" for s in range(args.seeds)), "mean ± std", "vs none", "time/run"]
    return (
        f"SmallCNN(width={args.width}), Adam lr {args.lr} with a cosine schedule, batch {args.batch_size}, "
        f"{args.epochs} epochs on the 6,000 subset images; test accuracy on the 1,000 test images "
        f"after the last epoch.\n\n" + common.markdown_table(header, rows)
    )


def plot(results, args, folder):
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, args.epochs + 1)
    for arm, colour in zip(ARMS, ("tab:grey", "tab:blue", "tab:orange")):
        runs = results.get(arm)
        if not runs:
            continue
        for axis, key in zip(axes, ("val_accuracy", "accuracy")):
            curves = np.array([r["curves"][key] for r in runs])
            axis.plot(epochs, curves.mean(0), color=colour, label=arm)
            axis.fill_between(epochs, curves.min(0), curves.max(0), color=colour, alpha=0.2)
    axes[0].set(title=f"test accuracy (mean, band: min–max over {args.seeds} seeds)", xlabel="epoch")
    axes[1].set(title="training accuracy on the (augmented) batches", xlabel="epoch")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend()
    axes[0].set_ylim(0.75, 0.92)
    return common.save_figure(figure, folder, "augmentation.png")


def plot_examples(folder):
    """Eight training images and three augmented draws of each (and a MixUp/CutMix batch)."""
    import matplotlib.pyplot as plt

    (x, y), _ = common.load_subset()
    md.manual_seed(1)
    images, labels = x[:8], y[:8]
    rows = [images] + [per_image_augmentation()(images) for _ in range(3)]
    mixed, soft = batch_mixing()(images, labels)
    rows.append(mixed)
    figure, axes = plt.subplots(len(rows), 8, figsize=(10, 6.6))
    titles = ["original", "augmented", "augmented", "augmented", "MixUp or CutMix"]
    for r, (row, title) in enumerate(zip(rows, titles)):
        for c in range(8):
            axes[r, c].imshow(row[c, 0], cmap="gray", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(title, fontsize=8)
    for c in range(8):
        top = np.argsort(soft[c])[::-1][:2]
        axes[-1, c].set_xlabel(" / ".join(f"{k}:{soft[c, k]:.2f}" for k in top if soft[c, k] > 0), fontsize=7)
    figure.suptitle("per-image parameters: each image of a batch gets its own crop, flip and erasing")
    return common.save_figure(figure, folder, "augmentation_examples.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    parser.add_argument("--replot", action="store_true", help="redraw from augmentation.json")
    args = parser.parse_args()
    folder = common.output_dir(args.output, "tricks")
    store = os.path.join(folder, "augmentation.json")
    if args.replot:
        with open(store) as handle:
            results = json.load(handle)
        stored = results.pop("args", None)
        args = argparse.Namespace(**stored) if stored else args
    else:
        print(common.machine_load(), flush=True)
        data = common.load_subset()
        results = {arm: [train_arm(arm, seed, args, data) for seed in range(args.seeds)] for arm in args.arms}
        common.write_report(
            folder, "augmentation.json", json.dumps({**results, "args": vars(args)}, indent=1)
        )
        print(common.machine_load())
    text = table(results, args)
    print(text)
    common.write_report(folder, "augmentation.md", text)
    plot(results, args, folder)
    plot_examples(folder)


if __name__ == "__main__":
    main()
