"""DnCNN on the grey held-out photographs at σ = 15, 25, 50, as in Zhang et al. 2017's Table, next to
the classical denoisers (best-σ Gaussian filter, best-σ FFT low-pass, Wiener knowing σ).

    OPENBLAS_NUM_THREADS=1 python examples/dncnn_photographs.py [output_folder] [--sigmas 15 25 50]
        [--minutes 6] [--depth 8] [--features 32] [--patch 40] [--patches 12000] [--batch-size 16]

For each σ a separate network (the paper's DnCNN-S, σ known) is trained with ``mathdl.train.Trainer``
(Adam, ‖x̂ − x‖², which for x̂ = y − R(y) is the paper's residual loss) on patches of the twelve grey
training photographs with noise drawn once per patch, until the time budget (training stops at the
end of the first epoch after which another would not fit). It then denoises the four held-out
photographs with the same noise draw as ``examples/image_baselines.py`` (seed 0, σ in order), in
tiles with exact overlaps, and reports PSNR in dB. The paper's network is depth 17 with 64
features; a CPU shared by several users affords depth 8 with 32 (about 1/12 of the work per pixel).
Writes ``dncnn_photographs.json`` and ``dncnn_photographs.png`` to the output folder.
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
from mathdl import optim
from mathdl.autograd.grad_mode import no_grad
from mathdl.data import DataLoader, TensorDataset, load_photograph, load_photographs, random_patches
from mathdl.data.datasets.photographs import TEST_PHOTOGRAPHS
from mathdl.models.dncnn import DnCNN
from mathdl.nn import functional as F
from mathdl.train import TimeBudget, Trainer
from mathdl.train.history import write_text_atomic
from mathdl.vision.denoise import best_sigma, gaussian_filter, wiener_filter
from mathdl.vision.metrics import psnr


def denoise_tiled(model, noisy, tile=128):
    """model(noisy) for one (H, W) image, tile by tile with ``depth`` pixels of context (the
    receptive radius of ``depth`` 3×3 convolutions): equal to the whole-image result in eval mode."""
    radius = len([m for m in model.body if type(m).__name__ == "Conv2d"])
    height, width = noisy.shape
    out = np.empty_like(noisy)
    model.eval()
    with no_grad():
        for top in range(0, height, tile):
            for left in range(0, width, tile):
                t0, l0 = max(top - radius, 0), max(left - radius, 0)
                bottom, right = min(top + tile, height), min(left + tile, width)
                window = noisy[t0 : min(bottom + radius, height), l0 : min(right + radius, width)]
                result = model(md.Tensor(window[None, None])).array[0, 0]
                out[top:bottom, left:right] = result[
                    top - t0 : top - t0 + bottom - top, left - l0 : left - l0 + right - left
                ]
    return out


def train_sigma(sigma, images, args):
    md.manual_seed(args.seed)
    clean = random_patches(images, args.patch, args.patches, seed=args.seed)
    noise = np.random.default_rng(args.seed + 1).standard_normal(clean.shape).astype(np.float32)
    noisy = clean + np.float32(sigma / 255.0) * noise
    model = DnCNN(depth=args.depth, features=args.features)
    trainer = Trainer(
        model, optim.Adam(model.parameters(), lr=1e-3), loss_fn=F.mse_loss, metrics=(), verbose=2
    )
    load, start = os.getloadavg()[0], time.perf_counter()
    trainer.fit(
        DataLoader(TensorDataset(noisy, clean), batch_size=args.batch_size, shuffle=True),
        epochs=1000,
        callbacks=[TimeBudget(60.0 * args.minutes)],
    )
    record = {
        "seconds": time.perf_counter() - start,
        "load_average_1min": load,
        "epochs": trainer.epoch,
        "steps": trainer.epoch * -(-args.patches // args.batch_size),
        "final_loss": trainer.history.last()["loss"],
    }
    return model, record


def evaluate(sigmas, models, rng):
    """PSNR of every method per image, with the baselines' noise draw (one generator, σ in order)."""
    table, shown = {}, {}
    for sigma in sigmas:
        rows = {"noisy": {}, "Gaussian filter, best σ": {}, "Wiener (σ known)": {}, "DnCNN": {}}
        for name in TEST_PHOTOGRAPHS:
            clean = load_photograph(name, mode="grey", layout="hwc", dtype=np.float64)
            noisy = clean + sigma / 255.0 * rng.standard_normal(clean.shape)
            _, rows["Gaussian filter, best σ"][name], _ = best_sigma(gaussian_filter, noisy, clean)
            rows["Wiener (σ known)"][name] = psnr(clean, wiener_filter(noisy, sigma / 255.0), data_range=1.0)
            rows["noisy"][name] = psnr(clean, noisy, data_range=1.0)
            denoised = denoise_tiled(models[sigma], noisy.astype(np.float32)).astype(np.float64)
            rows["DnCNN"][name] = psnr(clean, denoised, data_range=1.0)
            shown[(sigma, name)] = (clean, noisy, denoised)
        for row in rows.values():
            row["mean"] = float(np.mean(list(row.values())))
        table[sigma] = rows
    return table, shown


def figure(shown, table, sigmas, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    window = (slice(150, 300), slice(150, 300))
    fig, axes = plt.subplots(len(sigmas), 3, figsize=(7.5, 2.6 * len(sigmas)), squeeze=False)
    for row, sigma in enumerate(sigmas):
        clean, noisy, denoised = shown[(sigma, "camera")]
        titles = (
            "clean",
            f"noisy σ={sigma:g} ({table[sigma]['noisy']['camera']:.1f} dB)",
            f"DnCNN ({table[sigma]['DnCNN']['camera']:.1f} dB)",
        )
        for column, (image, title) in enumerate(zip((clean, noisy, denoised), titles)):
            axes[row, column].imshow(np.clip(image[window], 0, 1), cmap="gray", vmin=0, vmax=1)
            axes[row, column].set_title(title, fontsize=9)
            axes[row, column].axis("off")
    fig.suptitle("DnCNN on the held-out camera photograph (crop)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15.0, 25.0, 50.0])
    parser.add_argument("--minutes", type=float, default=6.0, help="training budget per σ")
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--patch", type=int, default=40)
    parser.add_argument("--patches", type=int, default=12000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    images = load_photographs("train", mode="grey")
    models, training = {}, {}
    for sigma in args.sigmas:
        print(f"\n== σ = {sigma:g}: training DnCNN for up to {args.minutes:g} min", flush=True)
        models[sigma], training[sigma] = train_sigma(sigma, images, args)
    table, shown = evaluate(args.sigmas, models, np.random.default_rng(0))
    names = list(TEST_PHOTOGRAPHS) + ["mean"]
    print("\nDenoising, grey held-out photographs (PSNR dB)")
    print(f"{'sigma  method':<32}" + "".join(f"{n:>11}" for n in names) + "   train s  load")
    for sigma in args.sigmas:
        for method, row in table[sigma].items():
            extra = (
                f"{training[sigma]['seconds']:>10.0f} {training[sigma]['load_average_1min']:>5.1f}"
                if method == "DnCNN"
                else ""
            )
            print(f"{sigma:<7g}{method:<25}" + "".join(f"{row[n]:>11.2f}" for n in names) + extra)
    paths = [
        os.path.join(args.output, "dncnn_photographs.png"),
        os.path.join(args.output, "dncnn_photographs.json"),
    ]
    figure(shown, table, args.sigmas, paths[0])
    settings = {k: v for k, v in vars(args).items() if k != "output"}
    write_text_atomic(
        paths[1], json.dumps({"settings": settings, "table": table, "training": training}, indent=1)
    )
    for path in paths:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
