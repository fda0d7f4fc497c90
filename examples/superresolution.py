"""Train SRCNN and ESPCN on luminance patches of the training photographs and score them against
bicubic interpolation on the four held-out photographs (PSNR/SSIM on Y, borders shaved by s).

    OPENBLAS_NUM_THREADS=1 python examples/superresolution.py [output_folder]
        [--models espcn srcnn espcn-paper] [--scales 2 3] [--epochs 10] [--minutes 15]
        [--patches 16000] [--patch 17] [--batch-size 64] [--lr 1e-3] [--train-images ... | all]

Each network is trained with ``mathdl.train.Trainer`` (Adam, mean squared error, cosine decay of
the rate to lr/100 over ``--epochs`` passes over ``--patches`` fixed patch pairs), stopped early
only if another epoch would pass ``--minutes``. The networks train without padding on patches
carrying their receptive radius of real context, as in the papers; images are enlarged through
``mathdl.vision.upscale`` (edge-extended tiles). The variants (``VARIANTS``): ``espcn`` and
``srcnn`` learn the residual over bicubic from a standardised input and ESPCN uses ReLU;
``espcn-paper``/``srcnn-paper`` are the papers' networks (trained at ``--paper-scales``, default ×2). Also scored: the best linear upscaler from a 9 × 9 low-resolution window
(least squares on the same training photographs), the ceiling of any network that stays linear.

Writes per run ``<out>/<variant>-x<s>/checkpoint.npz`` (for ``mathdl.vision.upscale.upscale_file``),
``superresolution.json`` (every score, the training times and the machine load) and the figures
``superresolution_crops_x<s>.png`` (bicubic vs networks vs ground truth) and
``superresolution_curves.png`` into the output folder (default examples/output/).
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
from mathdl import models, optim
from mathdl.data import DataLoader, TensorDataset, load_photograph, load_photographs, sr_patches
from mathdl.data.datasets.photographs import NATURAL_TRAIN_PHOTOGRAPHS, TEST_PHOTOGRAPHS
from mathdl.train import TimeBudget, Trainer, save_checkpoint
from mathdl.train.history import write_text_atomic
from mathdl.vision.superresolution import bicubic_downscale, bicubic_upscale, modcrop, sr_scores
from mathdl.vision.upscale import upscale_luminance

# name → (registered model, constructor options). The papers' networks and the variants trained by
# default: both learn the residual over bicubic (Kim et al. 2016) from a standardised input and ESPCN
# uses ReLU, which lets
# them leave, within minutes, the plateau of the best linear filter where the papers' versions sit.
VARIANTS = {
    "espcn": ("espcn", {"activation": "relu", "residual": True, "standardize": True}),
    "srcnn": ("srcnn", {"residual": True, "standardize": True}),
    "espcn-paper": ("espcn", {}),
    "srcnn-paper": ("srcnn", {}),
}


def load_average():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def train_one(variant, scale, train_images, args):
    """Train one network; returns (model, record with the training numbers)."""
    md.manual_seed(args.seed)
    name, options = VARIANTS[variant]
    model = models.build(name, scale=scale, padding="valid", **options)
    inputs, targets = sr_patches(
        train_images,
        scale,
        args.patch,
        args.patches,
        seed=args.seed,
        upscaled_input=name == "srcnn",
        context=model.radius,
    )
    loader = DataLoader(TensorDataset(inputs, targets), batch_size=args.batch_size, shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs, eta_min=args.lr / 100)
    trainer = Trainer(
        model,
        optimizer,
        loss_fn=model.loss,
        scheduler=schedule,
        metrics=(),
        config={"run": {"scale": scale, "patches": args.patches, "patch": args.patch, "lr": args.lr}},
        verbose=2,
    )
    load_before = load_average()
    start = time.perf_counter()
    trainer.fit(loader, epochs=args.epochs, callbacks=[TimeBudget(60.0 * args.minutes)])
    seconds = time.perf_counter() - start
    folder = os.path.join(args.output, f"{variant}-x{scale}")
    os.makedirs(folder, exist_ok=True)
    save_checkpoint(
        os.path.join(folder, "checkpoint.npz"),
        model,
        trainer.optimizer,
        epoch=trainer.epoch,
        config=trainer.config,
        history=trainer.history,
    )
    record = {
        "seconds": seconds,
        "epochs": trainer.epoch,
        "steps": trainer.epoch * len(loader),
        "final_loss": trainer.history.last()["loss"],
        "loss_curve": list(trainer.history["loss"]),
        "load_average_1min": [load_before, load_average()],
        "parameters": int(sum(p.array.size for p in model.parameters())),
    }
    return model, record


def linear_upscaler(train_images, scale, window=9, count=60000, seed=0):
    """The best linear upscaler from a window × window low-resolution neighbourhood to its s × s
    high-resolution pixels (least squares on training pairs): what a network without
    non-linearity could at best learn with ESPCN's receptive field."""
    radius = window // 2
    low, high = sr_patches(train_images, scale, 1, count, seed=seed, context=radius)
    design = np.c_[low.reshape(count, -1).astype(np.float64), np.ones(count)]
    weights = np.linalg.lstsq(design, high.reshape(count, -1).astype(np.float64), rcond=None)[0]

    def upscale(small):
        padded = np.pad(small, radius, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, (window, window)).reshape(
            -1, window * window
        )
        out = np.c_[windows, np.ones(len(windows))] @ weights
        h, w = small.shape
        return out.reshape(h, w, scale, scale).transpose(0, 2, 1, 3).reshape(h * scale, w * scale)

    return upscale


def evaluate(model, scale, names=TEST_PHOTOGRAPHS):
    """{image: scores} and the estimates; the bicubic baseline when ``model`` is None."""
    scores, estimates = {}, {}
    for name in names:
        high = modcrop(load_photograph(name, mode="y", layout="hwc", dtype=np.float64), scale)
        low = bicubic_downscale(high, scale)
        if model is None:
            estimate = bicubic_upscale(low, scale)
        elif callable(model) and not hasattr(model, "forward_valid"):
            estimate = model(low)
        else:
            estimate = upscale_luminance(model, low)
        scores[name] = sr_scores(high, estimate, scale)
        estimates[name] = (high, estimate)
    scores["mean"] = {k: float(np.mean([scores[n][k] for n in names])) for k in ("psnr", "ssim")}
    return scores, estimates


def print_table(results, scales):
    names = list(TEST_PHOTOGRAPHS)
    print("\nSuper-resolution on Y of the held-out photographs (PSNR dB / SSIM, borders shaved by s)")
    print(f"{'scale  method':<22}" + "".join(f"{n:>17}" for n in names + ["mean"]) + "   train s   load")
    for s in scales:
        for method, row in results[s].items():
            cells = "".join(
                f"{row['scores'][n]['psnr']:>9.2f} / {row['scores'][n]['ssim']:.3f}" for n in names + ["mean"]
            )
            timing = row.get("training")
            extra = f"{timing['seconds']:>9.0f}  {timing['load_average_1min'][0]:>5.1f}" if timing else ""
            print(f"x{s}     {method:<15}{cells}{extra}")


def crops_figure(estimates, scale, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    windows = {"astronaut": (slice(85, 165), slice(175, 255)), "chelsea": (slice(70, 150), slice(200, 280))}
    methods = [m for m in estimates if m != "truth"] + ["truth"]
    figure, axes = plt.subplots(len(windows), len(methods), figsize=(2.6 * len(methods), 2.8 * len(windows)))
    for row, (name, window) in enumerate(windows.items()):
        for column, method in enumerate(methods):
            image = estimates[method][name] if method != "truth" else estimates["bicubic"][name][0]
            if method != "truth":
                image = image[1]
            axis = axes[row, column]
            axis.imshow(np.clip(image[window], 0, 1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            axis.set_title(f"{name}: {'ground truth' if method == 'truth' else method}", fontsize=9)
            axis.axis("off")
    figure.suptitle(f"×{scale} super-resolution on Y (crops of held-out photographs)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def curves_figure(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    for s, methods in results.items():
        for method, row in methods.items():
            if row.get("training"):
                curve = np.asarray(row["training"]["loss_curve"])
                axis.semilogy(np.arange(1, len(curve) + 1), curve, label=f"{method} ×{s}")
    axis.set_xlabel("epoch")
    axis.set_ylabel("training MSE (log)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument(
        "--models", nargs="+", default=["espcn", "srcnn", "espcn-paper"], choices=list(VARIANTS)
    )
    parser.add_argument("--scales", nargs="+", type=int, default=[2, 3])
    parser.add_argument("--minutes", type=float, default=15.0, help="training budget per network")
    parser.add_argument("--patches", type=int, default=16000)
    parser.add_argument(
        "--train-images", nargs="+", default=list(NATURAL_TRAIN_PHOTOGRAPHS), help="training photographs used"
    )
    parser.add_argument("--patch", type=int, default=17, help="low-resolution patch side")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's rate, cosine-decayed to lr/100")
    parser.add_argument("--paper-scales", type=int, nargs="+", default=[2], help="scales of the *-paper runs")
    parser.add_argument("--epochs", type=int, default=10, help="epochs of the cosine schedule")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    train_images = load_photographs("train", mode="y")
    if args.train_images != ["all"]:
        unknown = sorted(set(args.train_images) - set(train_images))
        if unknown:
            parser.error(
                f"--train-images: {unknown} are not training photographs ({', '.join(train_images)})"
            )
        train_images = {name: train_images[name] for name in args.train_images}
    results, figures = {}, []
    for s in args.scales:
        variants = [v for v in args.models if not v.endswith("-paper") or s in args.paper_scales]
        scores, bicubic = evaluate(None, s)
        results[s] = {"bicubic": {"scores": scores}}
        estimates = {"bicubic": bicubic}
        results[s]["linear 9×9"] = {"scores": evaluate(linear_upscaler(train_images, s), s)[0]}
        for name in variants:
            print(
                f"\n== {name} ×{s}: training for up to {args.minutes:g} min (load {load_average():.1f})",
                flush=True,
            )
            model, record = train_one(name, s, train_images, args)
            scores, estimates[name] = evaluate(model, s)
            results[s][name] = {"scores": scores, "training": record}
            print(
                f"{name} ×{s}: {scores['mean']['psnr']:.2f} dB / {scores['mean']['ssim']:.3f} after "
                f"{record['seconds']:.0f} s ({record['epochs']} epochs); bicubic "
                f"{results[s]['bicubic']['scores']['mean']['psnr']:.2f} dB",
                flush=True,
            )
        figures.append(os.path.join(args.output, f"superresolution_crops_x{s}.png"))
        crops_figure(estimates, s, figures[-1])
    print_table(results, args.scales)
    figures.append(os.path.join(args.output, "superresolution_curves.png"))
    curves_figure(results, figures[-1])
    settings = {k: v for k, v in vars(args).items() if k != "output"}
    path = os.path.join(args.output, "superresolution.json")
    write_text_atomic(path, json.dumps({"settings": settings, "results": results}, indent=1))
    for figure in figures + [path]:
        print(f"wrote {figure}")


if __name__ == "__main__":
    main()
