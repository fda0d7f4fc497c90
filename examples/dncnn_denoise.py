"""Denoise Fashion-MNIST images corrupted by Gaussian noise (σ = 25 on the 0-255 scale) with DnCNN.

    python examples/dncnn_denoise.py [output_folder] [--steps 400] [--depth 8] [--features 32]
        [--batch-size 32] [--patch 20] [--sigma 25] [--subset]

Trains the residual denoiser (``mathdl.models.dncnn``: x̂ = y − R(y), R trained to predict the
noise) on random patches of training images with fresh noise every step, then reports the PSNR of
the noisy and of the denoised test images (dB; higher is better) and writes
``dncnn_denoise.png`` (clean / noisy / denoised rows) and ``dncnn_denoise.json`` to the output
folder (default examples/output/).
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
import mathdl.nn.functional as F
from mathdl import optim
from mathdl.data import load_fashion_mnist, load_fashion_mnist_subset
from mathdl.models.dncnn import DnCNN, add_gaussian_noise, psnr


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--patch", type=int, default=20)
    parser.add_argument("--sigma", type=float, default=25.0, help="noise level on the 0-255 scale")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--test-images", type=int, default=500)
    parser.add_argument("--subset", action="store_true", help="the shipped 7k subset (offline)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    md.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    (x_train, _), (x_test, _) = load_fashion_mnist_subset() if args.subset else load_fashion_mnist()
    x_train = (x_train[:, None] / np.float32(255.0)).astype(np.float32)
    x_test = (x_test[: args.test_images, None] / np.float32(255.0)).astype(np.float32)
    sigma = args.sigma / 255.0
    side = x_train.shape[-1]

    model = DnCNN(depth=args.depth, features=args.features)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)
    print(
        f"DnCNN depth {args.depth}, {args.features} features, "
        f"{sum(p.array.size for p in model.parameters())} parameters; σ = {args.sigma:g}/255",
        flush=True,
    )
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        model.train()
        index = rng.integers(0, len(x_train), args.batch_size)
        top, left = rng.integers(0, side - args.patch + 1, 2)
        clean = x_train[index, :, top : top + args.patch, left : left + args.patch]
        noisy = add_gaussian_noise(clean, sigma, rng)
        loss = F.mse_loss(model.noise(md.Tensor(noisy)), md.Tensor(noisy - clean))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 50 == 0 or step == args.steps:
            print(
                f"step {step:4d}  loss {loss.item():.5f}  ({time.perf_counter() - start:.0f} s)", flush=True
            )

    model.eval()
    noisy = add_gaussian_noise(x_test, sigma, np.random.default_rng(args.seed + 1))
    with md.no_grad():
        denoised = np.concatenate(
            [model(md.Tensor(noisy[i : i + 100])).array for i in range(0, len(noisy), 100)]
        )
    before, after = psnr(noisy, x_test), psnr(denoised, x_test)
    clipped = psnr(np.clip(denoised, 0, 1), x_test)
    print(
        f"PSNR on {len(x_test)} test images: noisy {before:.2f} dB -> denoised {after:.2f} dB "
        f"({clipped:.2f} dB clipped to [0, 1]); gain {after - before:+.2f} dB"
    )

    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "dncnn_denoise.json"), "w") as handle:
        json.dump(
            {
                "sigma": args.sigma,
                "steps": args.steps,
                "depth": args.depth,
                "features": args.features,
                "psnr_noisy": before,
                "psnr_denoised": after,
                "psnr_denoised_clipped": clipped,
                "seconds": time.perf_counter() - start,
            },
            handle,
            indent=1,
        )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = 8
    figure, axes = plt.subplots(3, shown, figsize=(1.4 * shown, 4.6))
    for column in range(shown):
        for row, (images, name) in enumerate(
            ((x_test, "clean"), (noisy, f"noisy {before:.1f} dB"), (denoised, f"DnCNN {after:.1f} dB"))
        ):
            axes[row, column].imshow(np.clip(images[column, 0], 0, 1), cmap="gray", vmin=0, vmax=1)
            axes[row, column].set_xticks([])
            axes[row, column].set_yticks([])
            if column == 0:
                axes[row, column].set_ylabel(name, fontsize=8)
    figure.suptitle(f"DnCNN denoising, Gaussian noise σ = {args.sigma:g}/255")
    figure.tight_layout()
    path = os.path.join(args.output, "dncnn_denoise.png")
    figure.savefig(path, dpi=110)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
