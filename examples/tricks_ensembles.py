"""Ensembles and weight averaging on the shipped Fashion-MNIST subset: accuracy and calibration.

  members   M SmallCNNs trained independently (seeds 0 … M−1, Adam + cosine schedule); the
            ensemble predicts p̄ = (1/M) Σ_m softmax(f_m(x))  (``ensemble_probabilities``)
  snapshot  one run with a cyclic cosine rate (``CosineAnnealingWarmRestarts(T_0=cycle)``), the
            weights saved at the end of every cycle (``SnapshotEnsemble``) and their predictions
            averaged (Huang et al., 2017)
  SWA       one run at a constant rate, then ``SWALR`` to swa_lr and the weights averaged after
            every epoch of the SWA phase (``StochasticWeightAveraging``), BatchNorm statistics
            recomputed at the end (``update_bn``) (Izmailov et al., 2018)

Each is scored on the 1,000 test images: accuracy, negative log-likelihood and expected
calibration error (15 bins, ``mathdl.stats.calibration``); the reliability diagrams are drawn.

    OPENBLAS_NUM_THREADS=1 nice -n 10 python examples/tricks_ensembles.py [OUT] [--members 4]
        [--epochs 10] [--cycles 4 --cycle-epochs 4] [--swa-epochs 15 --swa-phase 5] [--replot]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tricks_common as common  # noqa: E402

from mathdl import optim  # noqa: E402
from mathdl.stats import calibration  # noqa: E402
from mathdl.train import SnapshotEnsemble, StochasticWeightAveraging, Trainer  # noqa: E402


def train_members(args, data):
    (x, y), (x_test, _) = data
    probabilities = []
    for seed in range(args.members):
        model = common.build_cnn(seed, args.width)
        trainer = common.adam_trainer(model, args.lr, args.epochs)
        with common.Timer() as timer:
            trainer.fit(common.loader(x, y, args.batch_size, shuffle=True), args.epochs)
        probabilities.append(common.probabilities(model, x_test))
        print(f"member {seed}: {timer.seconds:.0f} s", flush=True)
    return probabilities


def train_snapshots(args, data):
    (x, y), (x_test, _) = data
    model = common.build_cnn(0, args.width)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=args.cycle_epochs)
    snapshots = SnapshotEnsemble(args.cycle_epochs)
    trainer = Trainer(model, optimizer, scheduler=scheduler, verbose=0)
    epochs = args.cycles * args.cycle_epochs
    trainer.fit(common.loader(x, y, args.batch_size, shuffle=True), epochs, callbacks=[snapshots])
    each = [common.probabilities(member, x_test) for member in snapshots.models()]
    return each, [float(v) for v in trainer.history.history["lr"]]


def train_swa(args, data):
    (x, y), (x_test, _) = data
    model = common.build_cnn(0, args.width)
    swa_start = args.swa_epochs - args.swa_phase
    bn_data = common.loader(x, y, 500)
    swa = StochasticWeightAveraging(swa_lr=args.swa_lr, swa_start=swa_start, anneal_epochs=1, bn_data=bn_data)
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=args.lr), verbose=0)
    trainer.fit(common.loader(x, y, args.batch_size, shuffle=True), args.swa_epochs, callbacks=[swa])
    return common.probabilities(model, x_test), common.probabilities(swa.averaged_model, x_test)


def score(probs, y):
    return {
        "accuracy": common.accuracy(probs, y),
        "nll": common.nll(probs, y),
        "ece": common.ece(probs, y),
        "diagram": {
            k: np.asarray(v).tolist() for k, v in calibration.reliability_diagram(probs, y, 15).items()
        },
    }


def run(args):
    data = common.load_subset(args.limit)
    y_test = data[1][1]
    members = train_members(args, data)
    snapshots, snapshot_lrs = train_snapshots(args, data)
    swa_last, swa_average = train_swa(args, data)
    results = {
        "members": [score(p, y_test) for p in members],
        "ensemble": {str(k): score(np.mean(members[:k], axis=0), y_test) for k in range(1, args.members + 1)},
        "snapshots": [score(p, y_test) for p in snapshots],
        "snapshot_ensemble": score(np.mean(snapshots, axis=0), y_test),
        "snapshot_lrs": snapshot_lrs,
        "swa_last": score(swa_last, y_test),
        "swa": score(swa_average, y_test),
    }
    return results


def _row(name, epochs, models, s):
    return [name, epochs, models, f"{s['accuracy']:.4f}", f"{s['nll']:.4f}", f"{s['ece']:.4f}"]


def table(results, args):
    members = results["members"]
    single = [
        "single model (mean ± std of the members)",
        args.epochs,
        1,
        common.mean_std([s["accuracy"] for s in members]),
        common.mean_std([s["nll"] for s in members]),
        common.mean_std([s["ece"] for s in members]),
    ]
    rows = [single]
    for k in sorted(results["ensemble"], key=int)[1:]:
        rows.append(_row(f"ensemble of {k} members", int(k) * args.epochs, int(k), results["ensemble"][k]))
    cycles = args.cycles * args.cycle_epochs
    rows.append(_row("snapshot run: last snapshot alone", cycles, 1, results["snapshots"][-1]))
    rows.append(
        _row(
            f"snapshot ensemble ({args.cycles} snapshots)", cycles, args.cycles, results["snapshot_ensemble"]
        )
    )
    rows.append(_row("SWA run: last weights", args.swa_epochs, 1, results["swa_last"]))
    rows.append(_row(f"SWA: average of the last {args.swa_phase} epochs", args.swa_epochs, 1, results["swa"]))
    header = [
        "predictor",
        "training epochs",
        "models at test time",
        "test accuracy",
        "test NLL",
        "ECE (15 bins)",
    ]
    return (
        f"SmallCNN(width={args.width}) on the 6,000 subset images, Adam lr {args.lr}, batch "
        f"{args.batch_size}; members: {args.epochs} epochs with a cosine schedule; snapshots: "
        f"{args.cycles} cycles of {args.cycle_epochs} epochs (CosineAnnealingWarmRestarts, rates per "
        f"epoch {', '.join(f'{v:.2g}' for v in results['snapshot_lrs'][: args.cycle_epochs])}); SWA: "
        f"{args.swa_epochs - args.swa_phase} epochs at lr {args.lr}, then {args.swa_phase} epochs with "
        f"SWALR → {args.swa_lr}, weights averaged after each. Test set: 1,000 images.\n\n"
        + common.markdown_table(header, rows)
    )


def plot(results, args, folder):
    import matplotlib.pyplot as plt

    panels = [
        ("single model (member 0)", results["members"][0]),
        (f"ensemble of {args.members}", results["ensemble"][str(args.members)]),
        (f"snapshot ensemble ({args.cycles})", results["snapshot_ensemble"]),
        ("SWA", results["swa"]),
    ]
    figure, axes = plt.subplots(1, 5, figsize=(19, 3.8), gridspec_kw={"wspace": 0.35})
    for axis, (title, s) in zip(axes, panels):
        d = s["diagram"]
        edges = np.array(d["edges"])
        accuracy, confidence = np.array(d["accuracy"], float), np.array(d["confidence"], float)
        centres, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
        axis.bar(
            centres,
            np.nan_to_num(accuracy),
            width=width,
            edgecolor="k",
            color="tab:blue",
            label="accuracy in bin",
        )
        axis.plot(centres, confidence, "o", color="tab:red", ms=4, label="mean confidence in bin")
        axis.plot([0, 1], [0, 1], "k--", lw=1)
        axis.set(
            title=f"{title}\nacc {s['accuracy']:.3f}, ECE {s['ece']:.3f}",
            xlabel="confidence",
            xlim=(0, 1),
            ylim=(0, 1),
        )
    axes[0].set_ylabel("accuracy")
    axes[0].legend(loc="upper left", fontsize=8)
    ks = sorted(results["ensemble"], key=int)
    axes[4].plot(
        [int(k) for k in ks],
        [results["ensemble"][k]["accuracy"] for k in ks],
        "o-",
        label="ensemble of k members",
    )
    axes[4].axhline(
        results["snapshot_ensemble"]["accuracy"], color="tab:green", ls="--", label="snapshot ensemble"
    )
    axes[4].axhline(results["swa"]["accuracy"], color="tab:purple", ls=":", label="SWA")
    axes[4].set(title="test accuracy", xlabel="members k")
    axes[4].set_xticks([int(k) for k in ks])
    axes[4].legend(fontsize=8)
    axes[4].grid(alpha=0.3)
    return common.save_figure(figure, folder, "ensembles.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?")
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--cycle-epochs", type=int, default=4)
    parser.add_argument("--swa-epochs", type=int, default=15)
    parser.add_argument("--swa-phase", type=int, default=5)
    parser.add_argument("--swa-lr", type=float, default=5e-4)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--limit", type=int, help="train on the first LIMIT images (quick runs)")
    parser.add_argument("--replot", action="store_true")
    args = parser.parse_args()
    folder = common.output_dir(args.output, "tricks")
    results, args = common.run_or_replot(args, folder, "ensembles", run)
    text = table(results, args)
    print(text)
    common.write_report(folder, "ensembles.md", text)
    plot(results, args, folder)


if __name__ == "__main__":
    main()
