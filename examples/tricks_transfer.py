"""Transfer learning on the shipped Fashion-MNIST subset: pre-train a SmallCNN on five classes
(T-shirt, trouser, pullover, dress, coat), then learn the other five (sandal, shirt, sneaker, bag,
ankle boot) from 50, 100 or 500 labelled images per class, three ways:

  frozen      the pre-trained features (block1, block2, residual) with ``requires_grad_(False)``,
              a new linear head trained alone (their BatchNorm layers still re-estimate their
              running statistics on the new data in train mode)
  fine-tune   the pre-trained features and a new head, all trained, in two parameter groups:
              the features at lr/10, the head at lr
  scratch     a freshly initialised network, every layer at lr

Every run takes the same number of optimiser steps (``--steps``, Adam, cosine schedule, batch 32)
whatever the number of images, and is scored on the 500 test images of the five new classes.

    OPENBLAS_NUM_THREADS=1 nice -n 10 python examples/tricks_transfer.py [OUT] [--seeds 2]
        [--pretrain-epochs 8] [--steps 300] [--width 16] [--target 5 6 7 8 9 --suffix ""] [--replot]

``--target`` chooses the five new classes (the other five are pre-trained on); ``--suffix`` names
the output files (transfer<suffix>.md/.png/.json).
"""

import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tricks_common as common  # noqa: E402

from mathdl import optim  # noqa: E402
from mathdl.train import Trainer  # noqa: E402

TARGET = (5, 6, 7, 8, 9)  # sandal, shirt, sneaker, bag, ankle boot (the source: the other five)
SIZES = (50, 100, 500)
METHODS = ("frozen", "fine-tune", "scratch")


def select(x, y, classes):
    """The images of ``classes``, relabelled 0 … len(classes) − 1."""
    keep = np.isin(y, classes)
    return x[keep], np.searchsorted(np.array(classes), y[keep])


def few_shot(x, y, per_class, seed):
    """``per_class`` images of each class, drawn without replacement with ``seed``."""
    rng = np.random.default_rng(seed)
    chosen = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)]
    )
    return x[chosen], y[chosen]


def pretrain(args, source_train, source_test):
    model = common.build_cnn(100, args.width, num_classes=5)
    trainer = common.adam_trainer(model, args.lr, args.pretrain_epochs)
    trainer.fit(common.loader(*source_train, 64, shuffle=True), args.pretrain_epochs)
    accuracy = common.accuracy(common.probabilities(model, source_test[0]), source_test[1])
    print(f"pre-trained on the source classes: test accuracy {accuracy:.4f}", flush=True)
    return {k: np.array(v.array, copy=True) for k, v in model.state_dict().items()}, accuracy


def features(model):
    return [model.block1, model.block2, model.residual]


def make_model(method, pretrained, seed, args):
    """(model, optimiser parameter groups) for one method."""
    model = common.build_cnn(seed, args.width, num_classes=5)
    head = model.classifier[2]
    if method == "scratch":
        return model, [{"params": list(model.parameters()), "lr": args.lr}]
    fresh_head = {k: np.array(v.array, copy=True) for k, v in head.state_dict().items()}
    model.load_state_dict(pretrained)
    head.load_state_dict(fresh_head)  # a new head, drawn with this seed
    feature_parameters = [p for block in features(model) for p in block.parameters()]
    if method == "frozen":
        for block in features(model):
            block.requires_grad_(False)
        return model, [{"params": list(head.parameters()), "lr": args.lr}]
    return model, [
        {"params": feature_parameters, "lr": args.lr / 10},
        {"params": list(head.parameters()), "lr": args.lr},
    ]


def run_one(method, per_class, seed, pretrained, target, args):
    (x, y), (x_test, y_test) = target
    x_small, y_small = few_shot(x, y, per_class, seed)
    model, groups = make_model(method, pretrained, seed, args)
    epochs = max(1, math.ceil(args.steps / math.ceil(len(x_small) / args.batch_size)))
    optimizer = optim.Adam(groups, lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    trainer = Trainer(model, optimizer, scheduler=scheduler, verbose=0)
    with common.Timer() as timer:
        trainer.fit(common.loader(x_small, y_small, args.batch_size, shuffle=True), epochs)
    accuracy = common.accuracy(common.probabilities(model, x_test), y_test)
    trained = sum(p.array.size for g in groups for p in g["params"])
    print(
        f"{method:>9} {per_class:>3}/class seed {seed}: {accuracy:.4f} ({epochs} epochs, {timer.seconds:.0f} s)",
        flush=True,
    )
    return {"accuracy": accuracy, "epochs": epochs, "seconds": timer.seconds, "trained_parameters": trained}


def run(args):
    (x, y), (x_test, y_test) = common.load_subset()
    source = tuple(c for c in range(10) if c not in args.target)
    source_train, source_test = select(x, y, source), select(x_test, y_test, source)
    target = (select(x, y, args.target), select(x_test, y_test, args.target))
    pretrained, source_accuracy = pretrain(args, source_train, source_test)
    results = {"source_accuracy": source_accuracy, "runs": {}}
    for per_class in SIZES:
        for method in METHODS:
            runs = [run_one(method, per_class, seed, pretrained, target, args) for seed in range(args.seeds)]
            results["runs"][f"{method}/{per_class}"] = runs
    return results


def table(results, args):
    rows = []
    for per_class in SIZES:
        row = [f"{per_class} ({5 * per_class} images)"]
        for method in METHODS:
            runs = results["runs"][f"{method}/{per_class}"]
            row.append(common.mean_std([r["accuracy"] for r in runs]))
        rows.append(row)
    trained = {m: results["runs"][f"{m}/{SIZES[0]}"][0]["trained_parameters"] for m in METHODS}
    header = ["labelled images per class", *(f"{m} ({trained[m]:,} trained parameters)" for m in METHODS)]
    return (
        f"SmallCNN(width={args.width}) pre-trained for {args.pretrain_epochs} epochs on the 3,000 subset "
        f"images of classes {sorted(set(range(10)) - set(args.target))} (test accuracy there "
        f"{results['source_accuracy']:.4f}); then {args.steps} Adam steps (lr {args.lr}, cosine, batch "
        f"{args.batch_size}) on the few labelled images of classes {list(args.target)}; accuracy on their 500 test images, mean ± std over {args.seeds} seeds (each seed "
        f"draws its own images and head).\n\n" + common.markdown_table(header, rows)
    )


def plot(results, args, folder):
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    for method, marker in zip(METHODS, "osd"):
        values = np.array([[r["accuracy"] for r in results["runs"][f"{method}/{n}"]] for n in SIZES])
        axis.errorbar(SIZES, values.mean(1), yerr=values.std(1), marker=marker, capsize=3, label=method)
    axis.set_xscale("log")
    axis.minorticks_off()
    axis.set_xticks(SIZES)
    axis.set_xticklabels([str(n) for n in SIZES])
    axis.set(xlabel="labelled images per class (5 new classes)", ylabel="test accuracy on the new classes")
    source = sorted(set(range(10)) - set(args.target))
    axis.set_title(f"transfer from classes {source} to {list(args.target)}")
    axis.grid(alpha=0.3)
    axis.legend()
    return common.save_figure(figure, folder, f"transfer{args.suffix}.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--pretrain-epochs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--target", type=int, nargs=5, default=list(TARGET), help="the five new classes")
    parser.add_argument("--suffix", default="", help="appended to the output file names")
    parser.add_argument("--replot", action="store_true")
    args = parser.parse_args()
    folder = common.output_dir(args.output, "tricks")
    if args.replot:
        with open(os.path.join(folder, f"transfer{args.suffix}.json")) as handle:
            results = json.load(handle)
        args = argparse.Namespace(**{**vars(args), **results["args"]})
    else:
        print(common.machine_load(), flush=True)
        with common.Timer() as timer:
            results = run(args)
        results["seconds"], results["args"] = timer.seconds, vars(args)
        common.write_report(folder, f"transfer{args.suffix}.json", json.dumps(results, indent=1))
        print(common.machine_load(), f"; {timer.seconds:.0f} s in all")
    text = table(results, args)
    print(text)
    common.write_report(folder, f"transfer{args.suffix}.md", text)
    plot(results, args, folder)


if __name__ == "__main__":
    main()
