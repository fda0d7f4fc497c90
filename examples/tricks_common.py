"""What the "tricks of the trade" experiments share: the shipped Fashion-MNIST subset, a SmallCNN
trained through ``mathdl.train.Trainer``, accuracy and calibration of predicted probabilities,
markdown tables written atomically, and the machine's load (the machine may be shared).

Not an experiment itself: ``examples/tricks_*.py`` import it.
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
from mathdl import models, optim
from mathdl.data import DataLoader, TensorDataset, load_dataset
from mathdl.data.pixels import scale_images
from mathdl.stats import calibration
from mathdl.train import Trainer, predict_probabilities
from mathdl.train.history import write_text_atomic

HERE = os.path.dirname(os.path.abspath(__file__))


def output_dir(argument, name):
    """The folder the experiment writes into (``runs/<name>`` unless given), created."""
    folder = argument or os.path.join("runs", name)
    os.makedirs(folder, exist_ok=True)
    return folder


def load_subset(limit=None):
    """((x_train (6000, 1, 28, 28) float32 in [0, 1], y_train int64), (x_test (1000, …), y_test));
    ``limit``: only the first ``limit`` training images (for quick runs)."""
    (x, y), (x_test, y_test) = load_dataset("fashion-mnist-subset")
    x, y = x[:limit], y[:limit]
    return (scale_images(x), y.astype(np.int64)), (scale_images(x_test), y_test.astype(np.int64))


def loader(x, y, batch_size=64, shuffle=False):
    return DataLoader(TensorDataset(x, y), batch_size, shuffle=shuffle)


def build_cnn(seed, width, num_classes=10):
    """A freshly initialised SmallCNN (models/cnn.py) drawn after ``md.manual_seed(seed)``."""
    md.manual_seed(seed)
    return models.build("cnn", width=width, num_classes=num_classes)


def adam_trainer(model, lr, epochs, strategy=None, cosine=True, parameters=None):
    """Trainer with Adam (and a cosine schedule over ``epochs`` unless ``cosine=False``)."""
    optimizer = optim.Adam(model.parameters() if parameters is None else parameters, lr=lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs) if cosine else None
    return Trainer(model, optimizer, scheduler=scheduler, strategy=strategy, verbose=0)


def probabilities(model, x):
    """softmax(model(x)) in eval mode: (N, K) float64."""
    return predict_probabilities(model, DataLoader(x, 500))


def accuracy(probs, y):
    return float(np.mean(probs.argmax(axis=1) == y))


def ece(probs, y, n_bins=15):
    return calibration.expected_calibration_error(probs, y, n_bins)


def nll(probs, y):
    """Mean negative log-likelihood of the true class (the test cross-entropy of the probabilities)."""
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None))))


def mean_std(values, digits=4):
    values = np.asarray(values, dtype=np.float64)
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def machine_load():
    """``uptime``'s load averages (the machine is shared: say how busy it was)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def write_report(folder, name, text):
    """Write ``text`` to ``folder/name`` atomically and print the path."""
    path = os.path.join(folder, name)
    write_text_atomic(path, text)
    print(f"wrote {path}")
    return path


def run_or_replot(args, folder, name, run):
    """``run(args)``, timed and stored in ``folder/name.json`` with its arguments and seconds
    (the machine's load printed before and after); with ``--replot``, the stored results and the
    arguments they were made with instead. Returns ``(results, args)``."""
    if args.replot:
        with open(os.path.join(folder, f"{name}.json")) as handle:
            results = json.load(handle)
        return results, argparse.Namespace(**results["args"])
    print(machine_load(), flush=True)
    with Timer() as timer:
        results = run(args)
    results["seconds"], results["args"] = timer.seconds, vars(args)
    write_report(folder, f"{name}.json", json.dumps(results, indent=1))
    print(machine_load(), f"; {timer.seconds:.0f} s in all")
    return results, args


def save_figure(figure, folder, name):
    path = os.path.join(folder, name)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    print(f"wrote {path}")
    return path


class Timer:
    """Wall-clock seconds of a ``with`` block (``.seconds``)."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
