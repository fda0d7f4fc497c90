"""The information plane of Shwartz-Ziv & Tishby (2017), tanh against ReLU, as Saxe et al. (2018) redid it.

Data: the 4,096 12-bit inputs x ∈ {0, 1}¹² (each bit marks one of 12 points spread evenly on the
sphere: the vertices of an icosahedron) and a label y = 1[f(x) > θ] with the rotation-invariant
f(x) = ‖Σ_i x_i p_i‖ (the length of the sum of the marked points), θ its median, so p(y = 1) ≈ ½.
(The paper's own f and label file are not shipped; this is a stand-in with the same symmetry.)
Network 12-10-7-5-4-3-2 (tanh or ReLU hidden layers, softmax output), Adam (lr 4e-4, batch 256)
on 85 % of the data, as the published setup; I(X;T), I(T;Y) of every layer on all 4,096 inputs
after log-spaced epochs: binning (30 equal-width bins per unit over its range) at every recorded
epoch (and, as Saxe et al., into cells of a fixed width 2/30 for both networks), the KDE upper bound
(σ² = 0.1) at fewer. Training is one ``Trainer.fit`` with an
``InformationPlane`` callback.

    OPENBLAS_NUM_THREADS=1 python examples/information_plane.py [OUTPUT_DIR] [--epochs 3000]
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
from mathdl import nn, optim
from mathdl.data import DataLoader, TensorDataset
from mathdl.probes import InformationPlane
from mathdl.train import Trainer
from mathdl.tune.results import write_text_atomic

LAYERS = (12, 10, 7, 5, 4, 3, 2)
FIXED_WIDTH = 2 / 30


def icosahedron():
    """The 12 vertices of a regular icosahedron on the unit sphere (12 evenly spread points)."""
    phi = (1 + 5**0.5) / 2
    points = []
    for a in (-1, 1):
        for b in (-phi, phi):
            points += [(0, a, b), (a, b, 0), (b, 0, a)]
    points = np.array(points, dtype=np.float64)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def twelve_bit_task():
    """All 4,096 inputs (float32 0/1) and labels y = 1[‖Σ x_i p_i‖ > median]."""
    bits = ((np.arange(4096)[:, None] >> np.arange(12)) & 1).astype(np.float32)
    f = np.linalg.norm(bits @ icosahedron(), axis=1)
    labels = (f > np.median(f)).astype(np.int64)
    return bits, labels


def network(activation):
    modules, watched = [], []
    for width_in, width_out in zip(LAYERS[:-2], LAYERS[1:-1]):
        layer = nn.Linear(width_in, width_out)
        nn.init.normal_(layer.weight, 0.0, 1.0 / np.sqrt(width_in))  # Saxe et al.'s truncated-normal scale
        nn.init.zeros_(layer.bias)
        modules += [layer, nn.Tanh() if activation == "tanh" else nn.ReLU()]
        watched.append(modules[-1])
    modules.append(nn.Linear(LAYERS[-2], LAYERS[-1]))
    return nn.Sequential(*modules), watched


def log_epochs(last, count):
    return sorted({int(round(e)) - 1 for e in np.geomspace(1, last, count)})


def run(activation, x, y, train_index, epochs, seed, noise_variance):
    md.manual_seed(seed)
    model, watched = network(activation)
    probe = InformationPlane(
        x,
        y,
        watched,
        epochs=log_epochs(epochs, 60),
        kde_epochs=[-1, *log_epochs(epochs, 16)],
        bins=30,
        noise_variance=noise_variance,
    )
    # Saxe et al.'s binning: fixed-width cells (2/30, the width of 30 bins over tanh's [−1, 1]), both networks
    fixed = InformationPlane(x, y, watched, epochs=log_epochs(epochs, 60), bin_width=FIXED_WIDTH)
    loader = DataLoader(TensorDataset(x[train_index], y[train_index]), batch_size=256, shuffle=True)
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=4e-4), verbose=0)
    start = time.perf_counter()
    trainer.fit(loader, epochs, callbacks=[probe, fixed])
    accuracy = trainer.evaluate(DataLoader(TensorDataset(x, y), batch_size=4096))["accuracy"]
    print(
        f"{activation}: {epochs} epochs in {time.perf_counter() - start:.0f} s, accuracy on all inputs {accuracy:.3f}"
    )
    return probe, fixed, trainer.history, accuracy


def tables(probe, fixed):
    """{'binned', 'kde', 'fixed': {'epochs', 'coordinates' (m, layers, 2)}} as lists (for the JSON file)."""
    out = {}
    for key, source, estimator in (
        ("binned", probe, "binned"),
        ("kde", probe, "kde"),
        ("fixed", fixed, "binned"),
    ):
        epochs, table = source.as_arrays(estimator)
        out[key] = {"epochs": epochs.tolist(), "coordinates": np.round(table, 5).tolist()}
    return out


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_planes(results, estimator, path, title):
    """One information plane per activation: every layer at every recorded epoch, coloured by epoch
    (log scale); the state before training as grey crosses."""
    plt = _pyplot()
    from matplotlib.colors import LogNorm

    figure, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.6), squeeze=False)
    for axis, (activation, result) in zip(axes[0], results.items()):
        epochs = np.array(result[estimator]["epochs"])
        table = np.array(result[estimator]["coordinates"])
        trained = epochs >= 0
        norm = LogNorm(1, max(epochs.max() + 1, 2))
        if (~trained).any():
            axis.scatter(
                table[~trained][0, :, 0],
                table[~trained][0, :, 1],
                marker="x",
                color="0.5",
                s=20,
                label="before training",
            )
        for k in np.flatnonzero(trained):
            colour = plt.cm.viridis(norm(epochs[k] + 1))
            axis.plot(table[k, :, 0], table[k, :, 1], "-", color=colour, alpha=0.25, linewidth=0.8)
            axis.scatter(table[k, :, 0], table[k, :, 1], color=colour, s=14, zorder=2)
        for layer in range(table.shape[1]):
            axis.annotate(
                f"T{layer + 1}", table[-1, layer], textcoords="offset points", xytext=(4, -10), fontsize=8
            )
        axis.set(xlabel="I(X;T) (bits)", ylabel="I(T;Y) (bits)", title=f"{activation}: {title}")
        axis.set_xlim(0, 12.5)
        axis.set_ylim(0, 1.05)
        if (~trained).any():
            axis.legend(loc="upper left", fontsize=8)
        figure.colorbar(plt.cm.ScalarMappable(norm=norm, cmap="viridis"), ax=axis, label="epoch")
    figure.tight_layout()
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_compression(results, path):
    """I(X;T) of each layer against the epoch (log axis) under both binnings: a fall after the peak
    is what is called compression."""
    plt = _pyplot()
    rows = (("binned", "30 bins per unit over its range"), ("fixed", "fixed width 2/30"))
    figure, axes = plt.subplots(2, len(results), figsize=(6 * len(results), 7), squeeze=False, sharey=True)
    for row, (key, label) in enumerate(rows):
        for axis, (activation, result) in zip(axes[row], results.items()):
            epochs = np.array(result[key]["epochs"])
            table = np.array(result[key]["coordinates"])
            trained = epochs >= 0
            for layer in range(table.shape[1]):
                axis.plot(epochs[trained] + 1, table[trained, layer, 0], label=f"T{layer + 1}")
            axis.set_xscale("log")
            axis.set(xlabel="epoch", ylabel="I(X;T) (bits)", title=f"{activation}: {label}")
            axis.legend(fontsize=8, ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path


def summary(results):
    """Per layer: I(X;T) at its maximum over training and at the end under each binning (compression = the drop)."""
    for activation, result in results.items():
        result["summary"] = {}
        for key in ("binned", "fixed"):
            table = np.array(result[key]["coordinates"])[np.array(result[key]["epochs"]) >= 0]
            peak, final = table[:, :, 0].max(axis=0), table[-1, :, 0]
            result["summary"][key] = {
                "i_xt_peak": np.round(peak, 3).tolist(),
                "i_xt_final": np.round(final, 3).tolist(),
                "i_ty_final": np.round(table[-1, :, 1], 3).tolist(),
            }
            print(f"{activation} ({key}): I(X;T) peak {np.round(peak, 2)}, final {np.round(final, 2)}")
        kde = np.array(result["kde"]["coordinates"])
        print(
            f"{activation} (kde): I(X;T) first {np.round(kde[0, :, 0], 2)}, last {np.round(kde[-1, :, 0], 2)}"
        )


def draw(results, output_dir, noise_variance):
    for estimator, title in (
        ("binned", "binning, 30 bins per unit"),
        ("fixed", "binning, fixed width 2/30"),
        ("kde", f"KDE upper bound, σ² = {noise_variance}"),
    ):
        path = plot_planes(
            results, estimator, os.path.join(output_dir, f"information_plane_{estimator}.png"), title
        )
        print(f"wrote {path}")
    print(f"wrote {plot_compression(results, os.path.join(output_dir, 'information_plane_compression.png'))}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise-variance", type=float, default=0.1)
    parser.add_argument("--replot", action="store_true", help="redraw from the JSON a previous run wrote")
    args = parser.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    path = os.path.join(args.output_dir, "information_plane.json")
    if args.replot:
        with open(path) as stream:
            results = json.load(stream)
    else:
        x, y = twelve_bit_task()
        print(f"12-bit task: {len(x)} inputs, p(y = 1) = {y.mean():.3f}")
        train_index = np.random.default_rng(args.seed).permutation(len(x))[: int(0.85 * len(x))]
        results = {}
        for activation in ("tanh", "relu"):
            probe, fixed, history, accuracy = run(
                activation, x, y, train_index, args.epochs, args.seed, args.noise_variance
            )
            results[activation] = {
                **tables(probe, fixed),
                "train_loss": history["loss"],
                "accuracy": accuracy,
            }
        summary(results)
        write_text_atomic(path, json.dumps(results) + "\n")
        print(f"wrote {path}")
    draw(results, args.output_dir, args.noise_variance)


if __name__ == "__main__":
    main()
