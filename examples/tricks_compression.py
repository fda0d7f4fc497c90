"""Compression of a trained SmallCNN: magnitude pruning (unstructured and per channel, each with a
short fine-tuning) and post-training int8 quantisation; size, test accuracy and CPU inference time
against float32, all measured in one run on the shipped Fashion-MNIST subset.

  unstructured  ``prune.global_unstructured(..., L1Unstructured, amount=s)`` over every Conv2d and
                Linear weight: the fraction s of smallest |w| in the whole network set to 0
  per channel   ``prune.ln_structured(conv, 'weight', amount=a, n=2, dim=0)`` on every Conv2d: the
                fraction a of output channels with the smallest ‖w_c‖₂ set to 0
  int8          ``quantization.quantize_model(model, calibration batches)``: int8 weights per
                output channel, uint8 activations per tensor, int32 accumulation

Fine-tuning keeps the masks (the weight a layer uses is weight_orig ⊙ mask before every forward).
Inference time: median over ``--repeats`` forward passes of a batch of 256 test images, float32 and
the compressed models timed in the same run, one BLAS thread.

    OPENBLAS_NUM_THREADS=1 nice -n 10 python examples/tricks_compression.py [OUT] [--epochs 10]
        [--finetune-epochs 2] [--width 16] [--replot]
"""

import argparse
import copy
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tricks_common as common  # noqa: E402

from mathdl import nn, optim  # noqa: E402
from mathdl.autograd import grad_mode  # noqa: E402
from mathdl.autograd.tensor import Tensor  # noqa: E402
from mathdl.nn.utils import prune  # noqa: E402
from mathdl.quantization import model_size_bytes, quantize_model  # noqa: E402
from mathdl.train import Trainer  # noqa: E402

SPARSITIES = (0.5, 0.8, 0.9, 0.95)
CHANNEL_FRACTIONS = (0.25, 0.5, 0.75)


def weighted_layers(model, kinds=(nn.Conv2d, nn.Linear)):
    return [m for m in model.modules() if isinstance(m, kinds)]


def weight_counts(model):
    """(non-zero, total) entries of the Conv2d/Linear weights as the layers use them."""
    arrays = [
        prune.masked_value(m, "weight") if prune.is_pruned(m) else m.weight.array
        for m in weighted_layers(model)
    ]
    arrays = [np.asarray(getattr(a, "array", a)) for a in arrays]
    return int(sum(np.count_nonzero(a) for a in arrays)), int(sum(a.size for a in arrays))


def forward_time(model, batch, repeats):
    """Median seconds of ``repeats`` eval-mode forward passes on ``batch``."""
    model.eval()
    x = Tensor(batch)
    times = []
    with grad_mode.no_grad():
        model(x)  # warm-up
        for _ in range(repeats):
            with common.Timer() as timer:
                model(x)
            times.append(timer.seconds)
    return float(np.median(times))


def finetune(model, data, args):
    (x, y), _ = data
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=args.finetune_lr), verbose=0)
    trainer.fit(common.loader(x, y, 64, shuffle=True), args.finetune_epochs)
    return model


def evaluate(model, data):
    _, (x_test, y_test) = data
    return common.accuracy(common.probabilities(model, x_test), y_test)


def prune_unstructured(base, sparsity):
    model = copy.deepcopy(base)
    targets = [(m, "weight") for m in weighted_layers(model)]
    prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=sparsity)
    return model


def prune_channels(base, fraction):
    model = copy.deepcopy(base)
    for conv in weighted_layers(model, (nn.Conv2d,)):
        prune.ln_structured(conv, "weight", amount=fraction, n=2, dim=0)
    return model


def permanent(model):
    """A copy with the masks folded into the weights (for quantisation and timing)."""
    model = copy.deepcopy(model)
    for layer in weighted_layers(model):
        if prune.is_pruned(layer):
            prune.remove(layer, "weight")
    return model


def pruning_rows(base, data, args, batch):
    rows = []
    for kind, amounts, method in (
        ("unstructured", SPARSITIES, prune_unstructured),
        ("per channel", CHANNEL_FRACTIONS, prune_channels),
    ):
        for amount in amounts:
            model = method(base, amount)
            before = evaluate(model, data)
            after = evaluate(finetune(model, data, args), data)
            nonzero, total = weight_counts(model)
            row = {
                "kind": kind,
                "amount": amount,
                "before": before,
                "after": after,
                "nonzero": nonzero,
                "total": total,
            }
            row["seconds"] = forward_time(permanent(model), batch, args.repeats)
            print(f"{kind} {amount}: {before:.4f} → {after:.4f} after fine-tuning", flush=True)
            rows.append(row)
            if kind == "unstructured" and amount == args.combine:
                rows.append(
                    quantised_row(permanent(model), data, args, batch, f"unstructured {amount:.0%} + int8")
                )
    return rows


def quantised_row(model, data, args, batch, name):
    (x, _), _ = data
    calibration = [x[i : i + 64] for i in range(0, 64 * args.calibration_batches, 64)]
    quantised = quantize_model(model, calibration)
    nonzero, total = weight_counts(model)
    return {
        "kind": name,
        "accuracy": evaluate(quantised, data),
        "bytes": model_size_bytes(quantised),
        "nonzero": nonzero,
        "total": total,
        "seconds": forward_time(quantised, batch, args.repeats),
    }


def run(args):
    data = common.load_subset(args.limit)
    (x, y), (x_test, _) = data
    batch = x_test[:256]
    base = common.build_cnn(0, args.width)
    common.adam_trainer(base, args.lr, args.epochs).fit(common.loader(x, y, 64, shuffle=True), args.epochs)
    nonzero, total = weight_counts(base)
    results = {
        "float32": {
            "accuracy": evaluate(base, data),
            "bytes": model_size_bytes(base),
            "nonzero": nonzero,
            "total": total,
            "seconds": forward_time(base, batch, args.repeats),
        }
    }
    print(f"float32: {results['float32']['accuracy']:.4f}", flush=True)
    results["int8"] = quantised_row(base, data, args, batch, "int8")
    results["float32_again"] = forward_time(base, batch, args.repeats)  # the load may have changed
    print(f"int8: {results['int8']['accuracy']:.4f}", flush=True)
    results["pruning"] = pruning_rows(base, data, args, batch)
    return results


HEADER = [
    "model",
    "non-zero weights",
    "stored bytes",
    "test accuracy",
    "after fine-tuning",
    "ms / 256 images",
    "time vs float32",
]


def table_rows(results):
    """One row per model: float32, int8, then the pruned ones (and the pruned + int8 one)."""
    base = results["float32"]
    reference = min(base["seconds"], results["float32_again"])

    def row(name, nonzero, stored, accuracy, after, seconds):
        return [name, nonzero, stored, accuracy, after, f"{1e3 * seconds:.0f}", f"{seconds / reference:.2f}×"]

    q = results["int8"]
    rows = [
        row(
            "float32",
            f"{base['nonzero']:,} / {base['total']:,}",
            f"{base['bytes']:,}",
            f"{base['accuracy']:.4f}",
            "—",
            reference,
        ),
        row("int8 (PTQ)", f"{q['nonzero']:,}", f"{q['bytes']:,}", f"{q['accuracy']:.4f}", "—", q["seconds"]),
    ]
    rest = base["bytes"] - 4 * base["total"]  # biases and BatchNorm: kept dense
    for r in results["pruning"]:
        if "amount" not in r:  # pruned, fine-tuned, then quantised
            rows.append(
                row(
                    r["kind"],
                    f"{r['nonzero']:,}",
                    f"{r['bytes']:,}",
                    "—",
                    f"{r['accuracy']:.4f}",
                    r["seconds"],
                )
            )
            continue
        if r["kind"] == "unstructured":  # each non-zero weight stored as a float32 value + an int32 index
            stored = f"{r['nonzero'] * 8 + rest:,} (sparse)"
        else:  # zero output channels removed: the remaining weights stored dense
            stored = f"{r['nonzero'] * 4 + rest:,} (channels removed)"
        label = f"{r['kind']} {r['amount']:.0%}"
        rows.append(
            row(label, f"{r['nonzero']:,}", stored, f"{r['before']:.4f}", f"{r['after']:.4f}", r["seconds"])
        )
    return rows


def table(results, args):
    return (
        f"SmallCNN(width={args.width}) trained {args.epochs} epochs (Adam lr {args.lr}, cosine) on the 6,000 "
        f"subset images; pruned copies fine-tuned {args.finetune_epochs} epochs at lr {args.finetune_lr}; int8 "
        f"calibrated on {args.calibration_batches} batches of 64 training images. Accuracy on the 1,000 test "
        f"images; time: median of {args.repeats} forward passes of 256 images, one BLAS thread, same run. "
        f"'stored bytes' of an unstructured-pruned model counts each non-zero weight as a float32 value plus an "
        f"int32 index; of a channel-pruned one, the weights left once the zero output channels are removed "
        f"(the next layers' inputs from those channels are not counted as removed). The masked models "
        f"themselves are stored dense ({results['float32']['bytes']:,} bytes) and run at dense speed.\n\n"
        + common.markdown_table(HEADER, table_rows(results))
    )


def plot(results, folder):
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.2))
    for kind, colour in (("unstructured", "tab:blue"), ("per channel", "tab:orange")):
        rows = [r for r in results["pruning"] if r["kind"] == kind]
        zero = [1 - r["nonzero"] / r["total"] for r in rows]
        axis.plot(zero, [r["before"] for r in rows], "o--", color=colour, alpha=0.6, label=f"{kind}, pruned")
        axis.plot(zero, [r["after"] for r in rows], "o-", color=colour, label=f"{kind}, + fine-tuning")
    axis.axhline(results["float32"]["accuracy"], color="k", lw=1, label="float32")
    axis.axhline(results["int8"]["accuracy"], color="tab:green", ls=":", label="int8")
    axis.set(xlabel="fraction of Conv2d/Linear weights that are zero", ylabel="test accuracy")
    axis.set_title("magnitude pruning and int8 quantisation of the SmallCNN")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="lower left")
    return common.save_figure(figure, folder, "compression.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--finetune-epochs", type=int, default=2)
    parser.add_argument("--finetune-lr", type=float, default=5e-4)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--calibration-batches", type=int, default=4)
    parser.add_argument(
        "--combine", type=float, default=0.8, help="also quantise the model pruned to this sparsity"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--limit", type=int, help="train on the first LIMIT images (quick runs)")
    parser.add_argument("--replot", action="store_true")
    args = parser.parse_args()
    folder = common.output_dir(args.output, "tricks")
    results, args = common.run_or_replot(args, folder, "compression", run)
    text = table(results, args)
    print(text)
    common.write_report(folder, "compression.md", text)
    plot(results, folder)


if __name__ == "__main__":
    main()
